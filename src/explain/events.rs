//! What an aggregate made of each of a profile's events: counted, outside the window,
//! or filtered out, with the properties the aggregate read.

use super::tree::At;
use crate::eval::event_property;
use crate::ir::{AggTarget, Aggregate, ExprId, ExprKind, Program};
use crate::schema::{EventId, PropId};
use crate::value::Value;

/// How many events of each kind an explanation lists; the rest are counted.
pub const SHOWN_PER_KIND: usize = 10;

/// The events of an aggregate's type, as it saw them.
#[derive(Clone, Debug)]
pub struct EventsSeen {
    pub event: EventId,
    /// The properties shown for each event: those the filter reads, then the target.
    pub props: Vec<PropId>,
    /// Every event of the type, in time order.
    pub events: Vec<SeenEvent>,
}

#[derive(Clone, Debug)]
pub struct SeenEvent {
    pub at: i64,
    pub status: Status,
    /// Values of [`EventsSeen::props`], in that order.
    pub props: Vec<Value>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// In the window and through the filter.
    Counted,
    /// Outside the window (or after `now`), whatever the filter says.
    OutsideWindow,
    /// In the window, rejected by the filter.
    FilteredOut,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Counted, Status::OutsideWindow, Status::FilteredOut];

    /// The name used in JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Status::Counted => "counted",
            Status::OutsideWindow => "outside_window",
            Status::FilteredOut => "filtered_out",
        }
    }
}

impl EventsSeen {
    /// The events of one kind.
    pub fn of(&self, status: Status) -> impl Iterator<Item = &SeenEvent> {
        self.events.iter().filter(move |e| e.status == status)
    }

    /// The events of one kind that an explanation lists (the latest
    /// [`SHOWN_PER_KIND`], in time order), and how many more there are.
    pub fn shown(&self, status: Status) -> (Vec<&SeenEvent>, usize) {
        let all: Vec<&SeenEvent> = self.of(status).collect();
        let more = all.len().saturating_sub(SHOWN_PER_KIND);
        (all[more..].to_vec(), more)
    }
}

/// What `agg` made of each event of the current profile.
pub fn seen(at: &At<'_, '_>, agg: &Aggregate) -> EventsSeen {
    let program = at.program();
    let mut props = Vec::new();
    if let Some(filter) = agg.filter {
        props_read(program, filter, &mut props);
    }
    if let AggTarget::Prop(p) = agg.target
        && !props.contains(&p)
    {
        props.push(p);
    }
    let events = at
        .interpreter
        .aggregate_events(at.profiles, at.row, at.now, agg, None)
        .into_iter()
        .map(|e| SeenEvent {
            at: e.at,
            status: if !e.in_window {
                Status::OutsideWindow
            } else if e.passes {
                Status::Counted
            } else {
                Status::FilteredOut
            },
            props: props
                .iter()
                .map(|&p| event_property(at.profiles, &program.schema, agg.event, e.row, p))
                .collect(),
        })
        .collect();
    EventsSeen {
        event: agg.event,
        props,
        events,
    }
}

/// The event properties `expr` reads, in first-read order (not those of a nested
/// aggregate, which reads its own events).
fn props_read(program: &Program, expr: ExprId, out: &mut Vec<PropId>) {
    match &program.expr(expr).kind {
        ExprKind::EventProp(p) => {
            if !out.contains(p) {
                out.push(*p);
            }
        }
        ExprKind::Aggregate(_) => {}
        kind => {
            for part in super::tree::parts(kind) {
                props_read(program, part, out);
            }
        }
    }
}
