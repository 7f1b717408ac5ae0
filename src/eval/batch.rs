//! Evaluating many profiles: sequentially over a row range, or in parallel over
//! morsels of [`MORSEL_ROWS`] rows with results delivered in row order.

use std::ops::Range;

use rayon::prelude::*;

use crate::data::Profiles;

use super::expr::Evaluator;
use super::tally::Tally;
use super::{Interpreter, ProfileValues};
use crate::output::Counts;

/// Rows per unit of parallel work.
pub const MORSEL_ROWS: usize = 4096;

/// Morsels in flight per worker thread: enough to balance load, few enough that the
/// results waiting for the sink stay small.
const MORSELS_PER_THREAD: usize = 4;

impl Interpreter<'_> {
    /// Evaluates `rows` (clamped to the profiles present) in order, calling
    /// `out(row, values)` for each. `values` is reused between calls.
    pub fn eval_batch(
        &self,
        profiles: &Profiles,
        rows: Range<usize>,
        now: i64,
        out: &mut impl FnMut(usize, &ProfileValues),
    ) {
        let mut evaluator = Evaluator::new(self.program, Some(profiles), now);
        let mut values = ProfileValues::default();
        for row in rows.start..rows.end.min(profiles.len()) {
            self.fill(&mut evaluator, row, &mut values);
            out(row, &values);
        }
    }

    /// Evaluates every profile in parallel and folds the results without holding them
    /// all at once.
    ///
    /// The rows are cut into morsels of [`MORSEL_ROWS`]. Each morsel starts from
    /// `init()` and folds its profiles in row order with `fold(&mut acc, row, values)`;
    /// the morsels' accumulators are handed to `sink` on the calling thread in row
    /// order, a few morsels per thread at a time. So a caller can count (sum the
    /// accumulators in `sink`) or stream members in input order (render lines in `fold`,
    /// write them in `sink`).
    ///
    /// `threads: Some(n)` runs on a new pool of `n` threads; `None` on rayon's current
    /// pool. The only error is failing to build that pool.
    pub fn eval_parallel<A, Init, Fold, Sink>(
        &self,
        profiles: &Profiles,
        now: i64,
        threads: Option<usize>,
        init: Init,
        fold: Fold,
        sink: Sink,
    ) -> Result<(), rayon::ThreadPoolBuildError>
    where
        A: Send,
        Init: Fn() -> A + Sync,
        Fold: Fn(&mut A, usize, &ProfileValues) + Sync,
        Sink: FnMut(A),
    {
        eval_morsels(profiles.len(), threads, sink, |rows| {
            let mut acc = init();
            self.eval_batch(profiles, rows, now, &mut |row, values| {
                fold(&mut acc, row, values)
            });
            acc
        })
    }
}

impl Interpreter<'_> {
    /// Counts tag values and segment members over every profile (`--output counts`),
    /// on `threads` threads (`None`: rayon's current pool; this thread if no pool can
    /// be built).
    pub fn count(&self, profiles: &Profiles, now: i64, threads: Option<usize>) -> Counts {
        let program = self.program;
        let tally = fold_morsels(profiles.len(), threads, Tally::new(program), |rows| {
            let mut tally = Tally::new(program);
            self.eval_batch(profiles, rows, now, &mut |_, values| {
                tally.add(program, values)
            });
            tally
        });
        // The interpreter counts strings by text: there are no codes to resolve.
        tally.into_counts(program, |_| std::sync::Arc::from(""))
    }

    /// Evaluates every profile and keeps nothing: what `--timings` measures as
    /// evaluation alone.
    pub fn eval_only(&self, profiles: &Profiles, now: i64, threads: Option<usize>) {
        fold_morsels(profiles.len(), threads, (), |rows| {
            self.eval_batch(profiles, rows, now, &mut |_, values| {
                std::hint::black_box(values);
            })
        });
    }
}

/// Runs `run` over every morsel and merges the results into `total` in row order: in
/// parallel as [`eval_morsels`] does, or on this thread if no thread pool can be
/// built.
pub(crate) fn fold_morsels<A: Merge + Send>(
    len: usize,
    threads: Option<usize>,
    mut total: A,
    run: impl Fn(Range<usize>) -> A + Sync,
) -> A {
    // The pool is built before any morsel runs: on failure `total` is untouched.
    let parallel = eval_morsels(len, threads, |part| total.merge(part), &run);
    if parallel.is_err() {
        for m in 0..len.div_ceil(MORSEL_ROWS) {
            let first = m * MORSEL_ROWS;
            total.merge(run(first..(first + MORSEL_ROWS).min(len)));
        }
    }
    total
}

/// A per-morsel result that morsels' results merge into.
pub(crate) trait Merge: Sized {
    fn merge(&mut self, other: Self);
}

impl Merge for Tally {
    fn merge(&mut self, other: Tally) {
        Tally::merge(self, other)
    }
}

impl Merge for () {
    fn merge(&mut self, _: ()) {}
}

/// Morsel-driven parallel evaluation with the interpreter's contract: morsels of
/// [`MORSEL_ROWS`], run a few per thread at a time, results handed to `sink` in order.
/// Both engines use it.
pub(crate) fn eval_morsels<A, Sink>(
    len: usize,
    threads: Option<usize>,
    mut sink: Sink,
    run: impl Fn(Range<usize>) -> A + Sync,
) -> Result<(), rayon::ThreadPoolBuildError>
where
    A: Send,
    Sink: FnMut(A),
{
    let pool = match threads {
        Some(n) => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build()?),
        None => None,
    };
    let workers = pool
        .as_ref()
        .map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    let wave = workers.max(1) * MORSELS_PER_THREAD;
    let morsels = len.div_ceil(MORSEL_ROWS);
    let run_morsel = |m: usize| {
        let start = m * MORSEL_ROWS;
        run(start..(start + MORSEL_ROWS).min(len))
    };
    let run_wave =
        |range: Range<usize>| -> Vec<A> { range.into_par_iter().map(run_morsel).collect() };
    let mut next = 0;
    while next < morsels {
        let end = (next + wave).min(morsels);
        let results = match &pool {
            Some(pool) => pool.install(|| run_wave(next..end)),
            None => run_wave(next..end),
        };
        results.into_iter().for_each(&mut sink);
        next = end;
    }
    Ok(())
}
