//! Evaluating many profiles: sequentially over a row range, or in parallel over
//! morsels of [`MORSEL_ROWS`] rows with results delivered in row order.

use std::ops::Range;

use rayon::prelude::*;

use crate::data::Profiles;

use super::expr::Evaluator;
use super::{Interpreter, ProfileValues};

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
