//! Event aggregates: `count`, `exists`, `sum`, `avg`, `min`, `max`, `first`, `last`,
//! `streak`.
//!
//! An aggregate looks at the profile's events of one type in stored order, which is
//! time order (the loader sorts each profile's events by `at`, stably). An event is
//! *in the window* when `at <= now` and:
//! * `All`: always;
//! * `Within(d)`: `now - d < at` (exact, without overflow; a negative `d` matches
//!   nothing); no event if `d` is missing;
//! * `Since(t)`: `t <= at`; no event if `t` is missing.
//!
//! It *matches* when it is in the window and the filter (if any) is true for it; the
//! filter reads the event through `EventAt`/`EventProp`, and a missing bool reads false.
//!
//! * `Count`: the number of matching events (int).
//! * `Exists`: whether any event matches.
//! * `Sum`: the target's values over matching events, missing values skipped, added in
//!   stored order starting from 0 of the target type (int wraps; float is IEEE).
//! * `Avg`: float: the non-missing values converted to float, added in stored order
//!   starting from `0.0`, divided by their count; missing if there are none.
//! * `Min`/`Max`: the least/greatest non-missing value (int, float, time, duration,
//!   string by bytes); missing if there are none. Among equal values the first in stored
//!   order wins (visible only for `0.0` vs `-0.0`). If any float value is NaN the
//!   result is NaN.
//! * `First`/`Last`: the target (`at` or a property, raw: possibly missing) of the
//!   matching event with the least/greatest `at`; ties go to the first/last in stored
//!   order. Missing if no event matches.
//! * `Streak`: walking the in-window events in stored order, a run is a maximal
//!   sequence of consecutive events that all satisfy the filter (no filter: every event
//!   does). The value is the length of the latest run, even if non-matching events
//!   follow it; 0 if no event satisfies the filter.

use std::cmp::Ordering;

use crate::ir::{AggFunc, AggTarget, Aggregate, ArithOp, Window};
use crate::schema::Type;

use super::expr::{Evaluator, EventRef};
use super::read;
use super::val::Val;
use super::value_ops::{arith, order};

/// The in-window test, resolved once per aggregate.
#[derive(Copy, Clone)]
pub(super) enum Bounds {
    Empty,
    /// `lo <= at <= hi` in i128 so `now - d` cannot overflow.
    Closed {
        lo: i128,
        hi: i128,
    },
}

impl Bounds {
    pub(super) fn contains(self, at: i64) -> bool {
        match self {
            Bounds::Empty => false,
            Bounds::Closed { lo, hi } => lo <= i128::from(at) && i128::from(at) <= hi,
        }
    }
}

impl<'a> Evaluator<'a> {
    pub(super) fn bounds(&mut self, window: Window, ev: Option<EventRef>) -> Bounds {
        let now = i128::from(self.now);
        match window {
            Window::All => Bounds::Closed {
                lo: i128::MIN,
                hi: now,
            },
            // `now - d < at` is `now - d + 1 <= at` on integers.
            Window::Within(d) => match self.eval(d, ev) {
                Val::Duration(d) => Bounds::Closed {
                    lo: now - i128::from(d) + 1,
                    hi: now,
                },
                _ => Bounds::Empty,
            },
            Window::Since(t) => match self.eval(t, ev) {
                Val::Time(t) => Bounds::Closed {
                    lo: i128::from(t),
                    hi: now,
                },
                _ => Bounds::Empty,
            },
        }
    }

    /// The target of the event at `row`: `at` or a property (raw).
    fn target(&self, agg: &Aggregate, row: usize, ty: Type) -> Val<'a> {
        let ev = Some(EventRef {
            event: agg.event,
            row,
        });
        match agg.target {
            AggTarget::Event => Val::Missing,
            AggTarget::At => self
                .profiles
                .and_then(|p| p.events.get(agg.event.0 as usize))
                .and_then(|t| t.at.get(row))
                .map_or(Val::Missing, |&at| Val::Time(at)),
            AggTarget::Prop(p) => self.event_prop(ev, p, ty),
        }
    }

    /// The type of the aggregate's target, from the schema.
    fn target_type(&self, agg: &Aggregate, fallback: Type) -> Type {
        match agg.target {
            AggTarget::At => Type::Time,
            AggTarget::Event => fallback,
            AggTarget::Prop(p) => self
                .program
                .schema
                .events
                .get(agg.event.0 as usize)
                .and_then(|e| e.props.get(p.0 as usize))
                .map_or(fallback, |f| f.ty),
        }
    }

    /// `ty` is the aggregate expression's type; `ev` the enclosing filter's event, if
    /// any (the window bounds may read it).
    pub(crate) fn aggregate(&mut self, agg: &Aggregate, ty: Type, ev: Option<EventRef>) -> Val<'a> {
        let seen = self.scan(agg, ev);
        self.fold(agg, ty, &seen)
    }

    /// The in-window events of the aggregate's type, in stored order, each with whether
    /// it passes the filter.
    fn scan(&mut self, agg: &Aggregate, ev: Option<EventRef>) -> Vec<Seen> {
        let bounds = self.bounds(agg.window, ev);
        let table = self
            .profiles
            .and_then(|p| p.events.get(agg.event.0 as usize));
        let Some(table) = table else {
            return Vec::new();
        };
        let mut seen = Vec::new();
        for row in read::event_rows(table, self.row) {
            let Some(&at) = table.at.get(row) else { break };
            if !bounds.contains(at) {
                continue;
            }
            let pass = match agg.filter {
                Some(f) => self.test(
                    f,
                    Some(EventRef {
                        event: agg.event,
                        row,
                    }),
                ),
                None => true,
            };
            seen.push(Seen { row, at, pass });
        }
        seen
    }

    fn fold(&self, agg: &Aggregate, ty: Type, seen: &[Seen]) -> Val<'a> {
        let matching = || seen.iter().filter(|e| e.pass);
        let target_ty = self.target_type(agg, ty);
        let values = || {
            matching()
                .map(|e| self.target(agg, e.row, target_ty))
                .filter(|v| !v.is_missing())
        };
        match agg.func {
            AggFunc::Count => Val::Int(matching().count() as i64),
            AggFunc::Exists => Val::Bool(matching().next().is_some()),
            AggFunc::Streak => {
                let (mut run, mut latest) = (0i64, 0i64);
                for e in seen {
                    if e.pass {
                        run += 1;
                        latest = run;
                    } else {
                        run = 0;
                    }
                }
                Val::Int(latest)
            }
            AggFunc::Sum => {
                let zero = match ty {
                    Type::Float => Val::Float(0.0),
                    Type::Duration => Val::Duration(0),
                    _ => Val::Int(0),
                };
                values().fold(zero, |acc, v| arith(ArithOp::Add, acc, v))
            }
            AggFunc::Avg => {
                let (mut sum, mut n) = (0.0f64, 0u64);
                for v in values() {
                    match v {
                        Val::Int(i) => sum += i as f64,
                        Val::Float(f) => sum += f,
                        _ => continue,
                    }
                    n += 1;
                }
                let avg = sum / n as f64;
                if n == 0 || !avg.is_finite() {
                    Val::Missing
                } else {
                    Val::Float(avg)
                }
            }
            AggFunc::Min => extreme(values(), Ordering::Less),
            AggFunc::Max => extreme(values(), Ordering::Greater),
            AggFunc::First | AggFunc::Last => {
                let mut best: Option<&Seen> = None;
                for e in matching() {
                    let better = match best {
                        None => true,
                        Some(b) if agg.func == AggFunc::First => e.at < b.at,
                        Some(b) => e.at >= b.at,
                    };
                    if better {
                        best = Some(e);
                    }
                }
                best.map_or(Val::Missing, |e| self.target(agg, e.row, target_ty))
            }
        }
    }
}

/// One in-window event.
struct Seen {
    row: usize,
    at: i64,
    pass: bool,
}

/// The first value that no later value beats in direction `want`; NaN poisons.
fn extreme<'a>(values: impl Iterator<Item = Val<'a>>, want: Ordering) -> Val<'a> {
    let mut best = Val::Missing;
    for v in values {
        if matches!(v, Val::Float(f) if f.is_nan()) {
            return v;
        }
        if best.is_missing() || order(v, best) == Some(want) {
            best = v;
        }
    }
    best
}
