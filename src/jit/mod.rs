//! The native backend: the checked rule set compiled with Cranelift into functions
//! that evaluate a morsel of profiles, one per chunk of rules in rule order so code
//! generation stays linear in the rule count (`codegen::chunk`), with the
//! interpreter's meaning (the differential property tests in `tests/props/jit.rs`
//! hold it to that).
//!
//! * [`Compiled::compile`] generates the code once per [`Program`], or reports a
//!   construct it does not support ([`JitError::Unsupported`]) so the caller can use
//!   the interpreter instead.
//! * Per [`Profiles`], a bind step (`bind`) checks the columns and resolves strings to
//!   dictionary codes, bitsets and ranks, so no string is touched in the loop. Profiles
//!   that fail the check are evaluated by the interpreter (same results).
//! * `sample` is computed in Rust once per morsel into a bitset (`run`), and so is, for
//!   each `set<string>` field tested with `contains "constant"`, a word per row of the
//!   constants its set holds (`Bound::set_members`), and facts about each row's last
//!   events (`last_events`): its latest event of the types whose aggregates are read
//!   off it, and whether it has events in a group of short windows, with AVX-512
//!   gathers where the processor has them, which Cranelift's vectors cannot express.
//! * Top-level aggregates over the same event type and window share one pass over the
//!   profile's events (`codegen::fuse`), within a chunk.
//! * Counts are tallied per morsel (`run`): result bits by popcount, valued tags'
//!   values eight rows an instruction with AVX-512 (`count_values`).
//!
//! Compiled natively: every expression a checked program's tags and segments contain.
//! Two operations call back into Rust per evaluation: `contains` whose part is not a
//! constant (a substring test on the two codes' strings) and membership in a set that
//! is not a profile field (a scan of the set's codes). What [`JitError::Unsupported`] reports is what the checker never
//! produces (constant sets, comparisons of sets, mixed-type arithmetic); it is kept so
//! that a future construct falls back instead of miscompiling.

mod bind;
mod codegen;
mod count_values;
mod last_events;
mod native;
mod plan;
mod row;
mod run;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::data::Profiles;
use crate::eval::batch::{eval_morsels, fold_morsels};
use crate::eval::tally::Tally;
use crate::eval::{Interpreter, ProfileValues};
use crate::ir::{Program, RuleRef, SegmentId, TagId};
use crate::output::Counts;

pub use row::RowEvaluator;

/// Why a program could not be compiled natively.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JitError {
    /// A construct the JIT does not compile; the interpreter evaluates it.
    #[error("the JIT does not support {0}")]
    Unsupported(String),
    /// This machine is not a Cranelift target (or not a 64-bit one).
    #[error("the JIT cannot target this machine: {0}")]
    Target(String),
    /// Cranelift rejected the generated code (a bug in the JIT).
    #[error("native code generation failed: {0}")]
    Codegen(String),
    /// Profiles the compiled code cannot read safely (short or mistyped columns).
    #[error("malformed profiles: {0}")]
    Malformed(String),
}

/// A rule set compiled to native code. Owns the code: it is freed on drop.
pub struct Compiled {
    program: Arc<Program>,
    plan: plan::Plan,
    /// Where each tag's and segment's result is written.
    outputs: Vec<run::Output>,
    /// The bool results the row function writes as bytes (`run::packs`: arena offset
    /// of the bytes, table index of the bits), the late rules' leaves it writes as
    /// bytes (packed only when the word functions run), and by table index, whether
    /// packing writes the buffer whole.
    packs: Vec<run::Pack>,
    leaf_packs: Vec<run::Pack>,
    packed: Vec<bool>,
    /// `run::morsel_slots`: the runner's buffers, and the result bits it trims.
    morsel_slots: Vec<usize>,
    /// The per-morsel buffers with an entry per row, and the entry's size: their
    /// addresses are biased by the morsel's first row (`Slot::row_entry_bytes`).
    by_row: Vec<(usize, usize)>,
    tails: Vec<usize>,
    native: native::Native,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled")
            .field("slots", &self.plan.slots.len())
            .finish_non_exhaustive()
    }
}

impl Compiled {
    /// Compiles every tag and segment of a checked program.
    pub fn compile(program: &Program) -> Result<Compiled, JitError> {
        let program = Arc::new(program.clone());
        let order = rule_order(&program);
        let mut plan = plan::Plan::default();
        let native = native::Native::build(&program, &order, &mut plan)?;
        let outputs = run::outputs(&program, &plan);
        let (packs, leaf_packs) = run::packs(&plan);
        let mut packed = vec![false; plan.slots.len()];
        for &(_, bits) in packs.iter().chain(&leaf_packs) {
            packed[bits] = true;
        }
        let (morsel_slots, tails) = run::morsel_slots(&plan.slots, &packed);
        let by_row = morsel_slots
            .iter()
            .filter_map(|&i| Some((i, plan.slots[i].row_entry_bytes()?)))
            .collect();
        Ok(Compiled {
            program,
            plan,
            outputs,
            packs,
            leaf_packs,
            packed,
            morsel_slots,
            by_row,
            tails,
            native,
        })
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Every tag and segment of profile `row` at time `now`, like
    /// [`Interpreter::eval_profile`]. Binds `profiles` on every call: for one row at a
    /// time from the same profiles use [`Compiled::rows`], for many
    /// [`Compiled::eval_batch`] or [`Compiled::eval_parallel`].
    pub fn eval_profile(&self, profiles: &Profiles, row: usize, now: i64) -> ProfileValues {
        self.rows(profiles).eval(row, now).clone()
    }

    /// A row evaluator over `profiles`: binds them once, then evaluates one profile
    /// per call through the same compiled code, reusing its buffers.
    pub fn rows<'c, 'p>(&'c self, profiles: &'p Profiles) -> RowEvaluator<'c, 'p> {
        RowEvaluator::new(self, profiles)
    }

    /// Counts tag values and segment members over every profile (`--output counts`) on
    /// `threads` threads (`None`: rayon's current pool; this thread if no pool can be
    /// built): booleans by popcount over the result bits, values by their raw bits,
    /// with a key made once per distinct value.
    pub fn count(&self, profiles: &Profiles, now: i64, threads: Option<usize>) -> Counts {
        let Ok(bound) = self.bind(profiles) else {
            return Interpreter::new(&self.program).count(profiles, now, threads);
        };
        let tally = fold_morsels(profiles.len(), threads, Tally::new(&self.program), |rows| {
            run::tally_rows(self, &bound, rows, now)
        });
        tally.into_counts(&self.program, |code| bound.string(code))
    }

    /// Evaluates every profile and keeps nothing: what `--timings` measures as
    /// evaluation alone.
    pub fn eval_only(&self, profiles: &Profiles, now: i64, threads: Option<usize>) {
        match self.bind(profiles) {
            Ok(bound) => fold_morsels(profiles.len(), threads, (), |rows| {
                run::run_rows(self, &bound, rows, now)
            }),
            Err(_) => Interpreter::new(&self.program).eval_only(profiles, now, threads),
        }
    }

    /// Evaluates `rows` (clamped to the profiles present) in order, calling
    /// `out(row, values)` for each, like [`Interpreter::eval_batch`].
    pub fn eval_batch(
        &self,
        profiles: &Profiles,
        rows: std::ops::Range<usize>,
        now: i64,
        out: &mut impl FnMut(usize, &ProfileValues),
    ) {
        match self.bind(profiles) {
            Ok(bound) => run::eval_rows(self, &bound, rows, now, out),
            Err(_) => Interpreter::new(&self.program).eval_batch(profiles, rows, now, out),
        }
    }

    /// Evaluates every profile in parallel, with the contract of
    /// [`Interpreter::eval_parallel`]: morsels folded with `init`/`fold`, their
    /// accumulators handed to `sink` in row order.
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
        match self.bind(profiles) {
            Ok(bound) => eval_morsels(profiles.len(), threads, sink, |rows| {
                let mut acc = init();
                run::eval_rows(self, &bound, rows, now, &mut |row, v| {
                    fold(&mut acc, row, v)
                });
                acc
            }),
            Err(_) => Interpreter::new(&self.program)
                .eval_parallel(profiles, now, threads, init, fold, sink),
        }
    }

    /// Whether compiled code can evaluate `profiles` (else the eval methods use the
    /// interpreter): their columns must match the schema in type and length, and
    /// their offsets ascend (else the interpreter evaluates the morsels where they do
    /// not). Also checks what evaluation assumes without checking, at the cost of a
    /// pass over every event and set element: that each profile's events are in time
    /// order ([`EventTable::at`](crate::data::EventTable::at)), its last event time
    /// in step ([`EventTable::last_at`](crate::data::EventTable::last_at)), and each
    /// profile set field's codes ascending without repeats
    /// ([`ColumnValues::StrSet`](crate::data::ColumnValues::StrSet)).
    pub fn check_profiles(&self, profiles: &Profiles) -> Result<(), JitError> {
        let bound = self.bind(profiles)?;
        if !bound.offsets_ascend(0..profiles.len()) {
            return Err(JitError::Malformed(
                "an event table's or a set's offsets do not ascend".into(),
            ));
        }
        for (field, column) in self.program.schema.fields.iter().zip(&profiles.columns) {
            if !column.values.sets_in_order() {
                return Err(JitError::Malformed(format!(
                    "field `{}`: a set's codes are not ascending without repeats",
                    field.name
                )));
            }
        }
        for (event, table) in self.program.schema.events.iter().zip(&profiles.events) {
            if !table.in_time_order() {
                return Err(JitError::Malformed(format!(
                    "event `{}`: a profile's events are not in time order",
                    event.name
                )));
            }
            if !table.last_at_in_step() {
                return Err(JitError::Malformed(format!(
                    "event `{}`: `last_at` is not each profile's last event time",
                    event.name
                )));
            }
        }
        Ok(())
    }

    fn bind<'p>(&self, profiles: &'p Profiles) -> Result<bind::Bound<'p>, JitError> {
        bind::bind(&self.program, &self.plan, profiles, &native::helpers())
    }
}

/// `program.order`, then any rule it leaves out (as the interpreter does).
fn rule_order(program: &Program) -> Vec<RuleRef> {
    let tags = (0..program.tags.len()).map(|i| RuleRef::Tag(TagId(i as u32)));
    let segments = (0..program.segments.len()).map(|i| RuleRef::Segment(SegmentId(i as u32)));
    let listed: std::collections::HashSet<RuleRef> = program.order.iter().copied().collect();
    let mut order = program.order.clone();
    order.extend(tags.chain(segments).filter(|r| !listed.contains(r)));
    order
}
