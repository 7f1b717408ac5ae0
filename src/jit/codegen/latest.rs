//! Aggregates read off a row's latest event, without a pass over its events.
//!
//! A row's events of one type are sorted by `at` (the invariant of
//! [`EventTable::at`](crate::data::EventTable)), and every window ends at `now`. So the
//! events in a window are a run that ends at the row's last event at or before `now`
//! (its *latest* event), and:
//! * `exists` (no filter, any window) is whether the latest event is in the window;
//! * `count` (no filter, no window) is the latest event's position in the row, plus one;
//! * `last(e).at` (no filter, any window) is the latest event's time if it is in the
//!   window: among events at the same time the interpreter takes the last stored, and
//!   they all have that time;
//! * `first(e).at` (no filter, no window) is the row's first event's time if the row
//!   has a latest event.
//!
//! The runner finds each row's latest event, and the number of events up to it, per
//! morsel (`Slot::Latest`, `latest_events`): the row function reads two words. The
//! short windows' pass (`recent`) finds it itself for the rows it visits: the row's end
//! offset and the time of its last event; only a row whose last event is after `now`
//! walks back, in a block of its own.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, types};

use crate::ir::{AggFunc, AggTarget, Aggregate, ExprId, Window};
use crate::jit::JitError;
use crate::jit::plan::Slot;

use super::fuse::{Member, RowGroup};
use super::{Gen, V};

/// Whether the latest event alone gives `agg`'s value.
pub(super) fn from_latest(agg: &Aggregate) -> bool {
    if agg.filter.is_some() {
        return false;
    }
    let all = matches!(agg.window, Window::All);
    match agg.func {
        AggFunc::Exists => true,
        AggFunc::Count => all,
        AggFunc::Last => agg.target == AggTarget::At,
        AggFunc::First => all && agg.target == AggTarget::At,
        _ => false,
    }
}

/// Splits fused groups (one event type each) into the aggregates read off the latest
/// event and the groups left for the column pass.
pub(crate) fn split<'x>(groups: Vec<Vec<Member<'x>>>) -> (Vec<RowGroup<'x>>, Vec<Vec<Member<'x>>>) {
    let mut latest = Vec::new();
    let mut rest = Vec::new();
    for group in groups {
        let (mine, others): (Vec<Member<'x>>, Vec<Member<'x>>) =
            group.into_iter().partition(|(_, agg, _)| from_latest(agg));
        if let Some(&(_, agg, _)) = mine.first() {
            latest.push(RowGroup {
                event: agg.event,
                members: mine,
            });
        }
        if !others.is_empty() {
            rest.push(others);
        }
    }
    (latest, rest)
}

impl Gen<'_, '_> {
    /// The value of every member of `group` for the current row, by expression.
    pub(crate) fn latest_values(
        &mut self,
        group: &RowGroup<'_>,
    ) -> Result<Vec<(ExprId, V)>, JitError> {
        // The runner found the row's latest event (`Slot::Latest`, `latest_events`).
        let e = group.event.0;
        let entries = self.plan.slot(Slot::Latest(e));
        let (entry, offset) = self.row_entry(entries, self.row);
        let last_at = self.b.ins().load(types::I64, Self::flags(), entry, offset);
        let count = self
            .b
            .ins()
            .load(types::I64, Self::flags(), entry, offset + 8);
        let has = self.b.ins().icmp_imm_s(IntCC::NotEqual, count, 0);
        let zero = self.b.ins().iconst(types::I64, 0);
        let mut values = Vec::with_capacity(group.members.len());
        for &(id, agg, _) in &group.members {
            let v = match agg.func {
                AggFunc::Count => self.present(count),
                AggFunc::First => {
                    let offsets = self.addr(Slot::EventOffsets(e));
                    let first = self.load_u32(offsets, self.row);
                    let index = self.readable(has, first);
                    let at_base = self.addr(Slot::EventAt(e));
                    let x = self.load(types::I64, at_base, index);
                    let x = self.pick(has, x, zero);
                    V { x, ok: has }
                }
                AggFunc::Exists | AggFunc::Last => {
                    let bounds = self.bounds(agg.window, None)?;
                    let inside = self.in_window(bounds, last_at);
                    let inside = self.and(inside, has);
                    if agg.func == AggFunc::Exists {
                        self.present(inside)
                    } else {
                        let x = self.pick(inside, last_at, zero);
                        V { x, ok: inside }
                    }
                }
                _ => return Err(JitError::Codegen("not a latest-event aggregate".into())),
            };
            values.push((id, v));
        }
        Ok(values)
    }

    /// `index` if `valid`, else 0: event 0 of a table is always readable (the bind step
    /// gives an empty table a zero there), so a read past a row's events is valid and
    /// its value is ignored.
    pub(super) fn readable(&mut self, valid: ir::Value, index: ir::Value) -> ir::Value {
        let zero = self.b.ins().iconst(types::I64, 0);
        self.pick(valid, index, zero)
    }
}
