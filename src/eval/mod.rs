//! The reference interpreter: the meaning of the language.
//!
//! Other evaluators (the JIT) are tested against this one, so every rule is written
//! down where it is implemented:
//!
//! * values and missing values: `expr` (module docs), `value_ops` (operators);
//! * event aggregates and windows: `aggregate`;
//! * `sample`: [`sample()`].
//!
//! Times are `i64` microseconds since the Unix epoch, durations `i64` microseconds, and
//! the reference time `now` is always passed in. Evaluation never panics on any data; a
//! combination of types a checked program cannot contain evaluates to missing.
//!
//! Rules are evaluated per profile; a tag or segment that refers to another reads that
//! rule's value for the same profile, computed once (in effect in [`Program::order`]).

mod aggregate;
pub(crate) mod batch;
mod expr;
mod read;
mod sample;
pub(crate) mod tally;
mod trace;
mod val;
mod value_ops;

#[cfg(test)]
mod test_util;
#[cfg(test)]
mod tests;

use crate::data::Profiles;
use crate::ir::{ExprId, Program, RuleRef, SegmentId, TagId};
use crate::value::Value;

pub use batch::MORSEL_ROWS;
pub use sample::{sample, sample_point};
pub use trace::{AggregateEvent, event_property};

use expr::Evaluator;

/// Every tag's value and every segment's membership for one profile.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProfileValues {
    /// Indexed by [`TagId`]. A membership (bool) tag is always `Value::Bool`; a valued
    /// tag may be `Value::Missing`.
    pub tags: Vec<Value>,
    /// Indexed by [`SegmentId`].
    pub segments: Vec<bool>,
}

/// Evaluates a checked [`Program`] over [`Profiles`] of its schema.
///
/// String constants are compared with data strings by text, so one interpreter serves
/// any number of `Profiles` (each has its own dictionary).
#[derive(Clone, Debug)]
pub struct Interpreter<'p> {
    program: &'p Program,
    /// `program.order`, then any rule it leaves out (none, for a checked program).
    order: Vec<RuleRef>,
}

impl<'p> Interpreter<'p> {
    pub fn new(program: &'p Program) -> Interpreter<'p> {
        let tags = (0..program.tags.len()).map(|i| RuleRef::Tag(TagId(i as u32)));
        let segments = (0..program.segments.len()).map(|i| RuleRef::Segment(SegmentId(i as u32)));
        let listed: std::collections::HashSet<RuleRef> = program.order.iter().copied().collect();
        let mut order = program.order.clone();
        order.extend(tags.chain(segments).filter(|r| !listed.contains(r)));
        Interpreter { program, order }
    }

    pub fn program(&self) -> &'p Program {
        self.program
    }

    /// Every tag and segment of profile `row` at time `now`. A row past the end reads
    /// as an empty profile (no id, every field missing, no events).
    pub fn eval_profile(&self, profiles: &Profiles, row: usize, now: i64) -> ProfileValues {
        let mut evaluator = Evaluator::new(self.program, Some(profiles), now);
        let mut out = ProfileValues::default();
        self.fill(&mut evaluator, row, &mut out);
        out
    }

    /// One expression for profile `row` at time `now`, with the trigger start time
    /// `start` (read by `start`; missing if `None`). Tags and segments it refers to are
    /// computed as needed.
    ///
    /// Returns the raw value: a missing bool field stays `Value::Missing` (use
    /// [`Value::truthy`] for a boolean context, where it reads as false).
    pub fn eval_expr(
        &self,
        profiles: &Profiles,
        row: usize,
        now: i64,
        start: Option<i64>,
        expr: ExprId,
    ) -> Value {
        let mut evaluator = Evaluator::new(self.program, Some(profiles), now);
        evaluator.reset(row, start);
        evaluator.raw(expr, None).to_value()
    }

    /// Like [`Interpreter::eval_expr`], with `event_row` (a row of event type `event`'s
    /// table) as the current event, so `expr` may read its `at` and properties: a
    /// trigger's `on E where c` filter.
    pub fn eval_expr_on_event(
        &self,
        profiles: &Profiles,
        row: usize,
        now: i64,
        (event, event_row): (crate::schema::EventId, usize),
        expr: ExprId,
    ) -> Value {
        let mut evaluator = Evaluator::new(self.program, Some(profiles), now);
        evaluator.reset(row, None);
        let ev = expr::EventRef {
            event,
            row: event_row,
        };
        evaluator.eval(expr, Some(ev)).to_value()
    }

    /// Evaluates `row` into `out`, reusing `out`'s allocations.
    fn fill<'a>(&self, evaluator: &mut Evaluator<'a>, row: usize, out: &mut ProfileValues) {
        evaluator.reset(row, None);
        for &rule in &self.order {
            evaluator.rule(rule);
        }
        out.tags.clear();
        out.tags.extend(
            (0..self.program.tags.len())
                .map(|i| evaluator.rule(RuleRef::Tag(TagId(i as u32))).to_value()),
        );
        out.segments.clear();
        out.segments
            .extend((0..self.program.segments.len()).map(|i| {
                evaluator
                    .rule(RuleRef::Segment(SegmentId(i as u32)))
                    .truthy()
            }));
    }
}

/// A profile-free expression (a test's `given` value such as `now - 2d`) at time `now`.
///
/// It is evaluated as for a profile with no id, every field missing and no events
/// (`sample` is false, aggregates see nothing), and no trigger start. Returns the raw
/// value, like [`Interpreter::eval_expr`].
pub fn eval_const(program: &Program, expr: ExprId, now: i64) -> Value {
    let mut evaluator = Evaluator::new(program, None, now);
    evaluator.raw(expr, None).to_value()
}
