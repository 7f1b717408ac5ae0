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
    /// `threads: Some(n)` runs on a new pool of `n` threads (`Some(1)`: on this thread);
    /// `None` on rayon's current pool. The only error is failing to build that pool.
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

/// Runs `run` over every row and merges the results into `total` in row order: in
/// parallel as [`eval_morsels`] does, or on this thread if no thread pool can be
/// built.
///
/// `run` is handed spans of whole morsels (a multiple of [`MORSEL_ROWS`] rows, the
/// last one shorter), as few as keep every thread busy: so a span's setup (buffers, an
/// accumulator) is paid once per span rather than once per morsel. On one thread the
/// span is every row.
pub(crate) fn fold_morsels<A: Merge + Send>(
    len: usize,
    threads: Option<usize>,
    mut total: A,
    run: impl Fn(Range<usize>) -> A + Sync,
) -> A {
    let span = |workers: usize| {
        if workers <= 1 {
            return len.max(1);
        }
        let morsels = len.div_ceil(MORSEL_ROWS);
        let per_span = (morsels / (workers * SPANS_PER_THREAD)).clamp(1, MAX_SPAN_MORSELS);
        per_span * MORSEL_ROWS
    };
    // The pool is built before any span runs: on failure `total` is untouched.
    let parallel = eval_spans(len, threads, span, |part| total.merge(part), &run);
    if parallel.is_err() {
        total.merge(run(0..len));
    }
    total
}

/// Spans per worker thread when folding: enough to balance load.
const SPANS_PER_THREAD: usize = 4;

/// The longest span folded at once, in morsels: long enough to amortize a span's
/// setup, short enough to balance load between threads.
const MAX_SPAN_MORSELS: usize = 16;

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
    sink: Sink,
    run: impl Fn(Range<usize>) -> A + Sync,
) -> Result<(), rayon::ThreadPoolBuildError>
where
    A: Send,
    Sink: FnMut(A),
{
    eval_spans(len, threads, |_| MORSEL_ROWS, sink, run)
}

/// Runs `run` over consecutive spans of `span(workers)` rows (`workers`: the threads
/// that run them), a few spans per thread at a time, and hands the results to `sink`
/// in row order. With one worker the spans run on this thread, without a pool.
fn eval_spans<A, Sink>(
    len: usize,
    threads: Option<usize>,
    span: impl Fn(usize) -> usize,
    mut sink: Sink,
    run: impl Fn(Range<usize>) -> A + Sync,
) -> Result<(), rayon::ThreadPoolBuildError>
where
    A: Send,
    Sink: FnMut(A),
{
    let pool = match threads {
        Some(1) | None => None,
        Some(n) => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build()?),
    };
    let workers = match (threads, &pool) {
        (Some(1), _) => 1,
        (_, Some(pool)) => pool.current_num_threads(),
        (_, None) => rayon::current_num_threads(),
    };
    let span = span(workers).max(1);
    let spans = len.div_ceil(span);
    let run_span = |m: usize| {
        let start = m * span;
        run(start..(start + span).min(len))
    };
    if workers <= 1 {
        // One thread: handing spans to a pool would only add its wake-ups.
        (0..spans).map(run_span).for_each(&mut sink);
        return Ok(());
    }
    let wave = workers * MORSELS_PER_THREAD;
    let run_wave =
        |range: Range<usize>| -> Vec<A> { range.into_par_iter().map(run_span).collect() };
    let mut next = 0;
    while next < spans {
        let end = (next + wave).min(spans);
        let results = match &pool {
            Some(pool) => pool.install(|| run_wave(next..end)),
            None => run_wave(next..end),
        };
        results.into_iter().for_each(&mut sink);
        next = end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The row ranges a fold was handed, in merge order.
    #[derive(Default)]
    struct Spans(Vec<Range<usize>>);

    impl Merge for Spans {
        fn merge(&mut self, other: Spans) {
            self.0.extend(other.0);
        }
    }

    /// Whether `spans` cover `0..len` in order, each starting on a morsel boundary.
    fn covers(spans: &[Range<usize>], len: usize) -> bool {
        let mut next = 0;
        for span in spans {
            if span.start != next || span.is_empty() || span.start % MORSEL_ROWS != 0 {
                return false;
            }
            next = span.end;
        }
        next == len
    }

    #[test]
    fn folds_cover_every_row_in_order_in_whole_morsels() {
        for len in [
            0,
            1,
            MORSEL_ROWS,
            3 * MORSEL_ROWS + 5,
            200 * MORSEL_ROWS + 1,
        ] {
            for threads in [Some(1), Some(2), Some(3), None] {
                let spans = fold_morsels(len, threads, Spans::default(), |rows| Spans(vec![rows]));
                assert!(
                    covers(&spans.0, len),
                    "{len} rows, {threads:?}: {:?}",
                    spans.0
                );
                if threads == Some(1) && len > 0 {
                    assert_eq!(spans.0, vec![0..len], "one thread folds every row at once");
                }
            }
        }
    }

    #[test]
    fn morsels_are_handed_over_one_by_one_in_order() {
        let len = 5 * MORSEL_ROWS + 7;
        for threads in [Some(1), Some(2), None] {
            let mut seen = Vec::new();
            let result = eval_morsels(len, threads, |rows| seen.push(rows), |rows| rows);
            assert!(result.is_ok());
            let expected: Vec<_> = (0..6)
                .map(|m| m * MORSEL_ROWS..((m + 1) * MORSEL_ROWS).min(len))
                .collect();
            assert_eq!(seen, expected, "{threads:?}");
        }
    }
}
