//! Looking inside one evaluation, for `corral explain`: the value of an expression for
//! the event an aggregate's filter is looking at, and what an aggregate made of each of
//! a profile's events. Both go through the evaluator itself, so they cannot drift from
//! the meaning defined here.

use crate::data::Profiles;
use crate::ir::{Aggregate, ExprId};
use crate::schema::{EventId, PropId, Schema};
use crate::value::Value;

use super::Interpreter;
use super::expr::{Evaluator, EventRef};
use super::read;

/// One of a profile's events of an aggregate's type, as the aggregate saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateEvent {
    /// Row in the event type's [`EventTable`](crate::data::EventTable).
    pub row: usize,
    pub at: i64,
    /// In the aggregate's window (which also excludes events after `now`).
    pub in_window: bool,
    /// The filter holds for it (always true without a filter), whatever the window.
    pub passes: bool,
}

impl AggregateEvent {
    /// The aggregate counted it: in the window and through the filter.
    pub fn matches(&self) -> bool {
        self.in_window && self.passes
    }
}

impl<'p> Interpreter<'p> {
    /// Like [`Interpreter::eval_expr`], with `event` (its type and row in that type's
    /// event table) as the event an enclosing aggregate's filter is looking at.
    pub fn eval_expr_for_event(
        &self,
        profiles: &Profiles,
        row: usize,
        now: i64,
        expr: ExprId,
        event: Option<(EventId, usize)>,
    ) -> Value {
        let mut evaluator = Evaluator::new(self.program(), Some(profiles), now);
        evaluator.reset(row, None);
        let ev = event.map(|(event, row)| EventRef { event, row });
        evaluator.raw(expr, ev).to_value()
    }

    /// Every event of `agg`'s type of profile `row`, in stored (time) order, with
    /// whether it is in the window and whether it passes the filter. `outer` is the
    /// event an enclosing filter is looking at, if the aggregate is nested in one.
    pub fn aggregate_events(
        &self,
        profiles: &Profiles,
        row: usize,
        now: i64,
        agg: &Aggregate,
        outer: Option<(EventId, usize)>,
    ) -> Vec<AggregateEvent> {
        let mut evaluator = Evaluator::new(self.program(), Some(profiles), now);
        evaluator.reset(row, None);
        let outer = outer.map(|(event, row)| EventRef { event, row });
        let bounds = evaluator.bounds(agg.window, outer);
        let Some(table) = profiles.events.get(agg.event.0 as usize) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for event_row in read::event_rows(table, row) {
            let Some(&at) = table.at.get(event_row) else {
                break;
            };
            let passes = agg.filter.is_none_or(|f| {
                evaluator.test(
                    f,
                    Some(EventRef {
                        event: agg.event,
                        row: event_row,
                    }),
                )
            });
            out.push(AggregateEvent {
                row: event_row,
                at,
                in_window: bounds.contains(at),
                passes,
            });
        }
        out
    }
}

/// Property `prop` of row `row` of `event`'s table, read as the interpreter reads it
/// (missing where absent).
pub fn event_property(
    profiles: &Profiles,
    schema: &Schema,
    event: EventId,
    row: usize,
    prop: PropId,
) -> Value {
    let ty = schema
        .events
        .get(event.0 as usize)
        .and_then(|e| e.props.get(prop.0 as usize))
        .map(|f| f.ty);
    let column = profiles
        .events
        .get(event.0 as usize)
        .and_then(|t| t.props.get(prop.0 as usize));
    match (column, ty) {
        (Some(column), Some(ty)) => read::cell(column, row, ty, &profiles.dict).to_value(),
        _ => Value::Missing,
    }
}
