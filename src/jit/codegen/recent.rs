//! Aggregates over short windows, folded from each row's last few events.
//!
//! A row's events of one type are sorted by `at` and every window ends at `now`, so the
//! events in a window are the last ones up to the row's latest event (`latest`). In a
//! group whose windows are all short constant `within` windows (`fuse::short_window`),
//! few events are in any window: the row function folds the last [`RECENT_STEPS`]
//! events up to the latest one, in stored order, each with its in-window flags (an
//! event outside every window changes no accumulator). Only a row with more events in
//! the widest window folds all its events, in a loop in blocks of its own. The group
//! needs no loop over the morsel's events, whose branch over the events outside the
//! windows mispredicts twice for every row with events in them.
//!
//! Past the row's first event, a step reads event 0 and ignores it: the bind step gives
//! an empty event table a readable element there.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, types};

use crate::ir::{ExprId, Program};
use crate::jit::JitError;

use super::aggregate::{AggState, Bounds};
use super::fuse::{Member, RowGroup, RowKind, distinct, short_window};
use super::latest::{RowEvents, from_latest};
use super::{Gen, V};

/// Events folded without a loop: rows with more in the widest window loop.
pub(crate) const RECENT_STEPS: i64 = 2;

/// Splits off the groups whose windows are all short, but for those read off the latest
/// event alone (`latest`).
pub(crate) fn split<'x>(
    program: &Program,
    groups: Vec<Vec<Member<'x>>>,
) -> (Vec<RowGroup<'x>>, Vec<Vec<Member<'x>>>) {
    let mut recent = Vec::new();
    let mut rest = Vec::new();
    for group in groups {
        match group.first() {
            Some(&(_, agg, _))
                if group
                    .iter()
                    .all(|(_, agg, _)| short_window(program, agg.window))
                    && !group.iter().all(|(_, agg, _)| from_latest(agg)) =>
            {
                recent.push(RowGroup {
                    kind: RowKind::Recent,
                    event: agg.event,
                    members: group,
                });
            }
            _ => rest.push(group),
        }
    }
    (recent, rest)
}

impl<'x> Gen<'_, '_> {
    /// The value of every member of `group` for the current row, by expression.
    pub(crate) fn recent_values(
        &mut self,
        group: &RowGroup<'x>,
    ) -> Result<Vec<(ExprId, V)>, JitError> {
        // One state per distinct aggregate, one flag per distinct window.
        let (aggs, windows) = distinct(self.program, &group.members);
        let mut states = Vec::with_capacity(aggs.len());
        for d in aggs {
            let (_, agg, ty) = d.member;
            states.push((self.agg_init(agg, ty)?, d.window, d.exprs));
        }
        let mut bounds = Vec::with_capacity(windows.len());
        for window in &windows {
            bounds.push(self.bounds(*window, None)?);
        }
        // The widest of nested windows holds every event any of them does.
        let widest = self.widest_window(&windows);

        let RowEvents {
            first,
            stop,
            at_base,
            ..
        } = self.row_events(group.event);

        // More events in the widest window than the steps take: the loop.
        let before = self.b.ins().iadd_imm_s(stop, -(RECENT_STEPS + 1));
        let (before, before_at) = self.event_or_zero(before, first, at_base);
        let over = match widest.and_then(|k| bounds.get(k)) {
            Some(&b) => {
                let inside = self.in_window(b, before_at);
                self.and(inside, before)
            }
            None => self.b.ins().iconst(types::I8, 0),
        };
        let steps = self.b.create_block();
        let all = self.b.create_block();
        let more = self.b.create_block();
        let join = self.b.create_block();
        let i = self.b.append_block_param(all, types::I64);
        for block in [all, more] {
            self.b.set_cold_block(block);
        }
        self.b.ins().brif(over, all, &[first.into()], steps, &[]);

        self.b.switch_to_block(steps);
        for k in (1..=RECENT_STEPS).rev() {
            let j = self.b.ins().iadd_imm_s(stop, -k);
            let (valid, index) = self.event_index(j, first);
            let at = self.load(types::I64, at_base, index);
            self.fold_recent(&states, &bounds, index, at, Some(valid))?;
        }
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(all);
        self.cold = true;
        let within = self.b.ins().icmp(IntCC::UnsignedLessThan, i, stop);
        self.b.ins().brif(within, more, &[], join, &[]);
        self.b.switch_to_block(more);
        // The loop's own window ranges and table loads (`Gen::cold`).
        let mut cold_bounds = Vec::with_capacity(windows.len());
        for window in &windows {
            cold_bounds.push(self.bounds(*window, None)?);
        }
        let at = self.load(types::I64, at_base, i);
        self.fold_recent(&states, &cold_bounds, i, at, None)?;
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(all, &[next.into()]);
        self.cold = false;

        self.b.switch_to_block(join);
        let mut values = Vec::new();
        for (state, _, exprs) in &states {
            let v = self.agg_finish(state);
            values.extend(exprs.iter().map(|&id| (id, v)));
        }
        Ok(values)
    }

    /// Event `j` of a row whose events start at `first`: whether it is one (`j` may be
    /// before `first`, or negative), and an index to read ([`Gen::readable`]).
    fn event_index(&mut self, j: ir::Value, first: ir::Value) -> (ir::Value, ir::Value) {
        let valid = self.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, j, first);
        (valid, self.readable(valid, j))
    }

    /// Whether `j` is an event of the row (see [`Gen::event_index`]), and its time.
    fn event_or_zero(
        &mut self,
        j: ir::Value,
        first: ir::Value,
        at_base: ir::Value,
    ) -> (ir::Value, ir::Value) {
        let (valid, index) = self.event_index(j, first);
        (valid, self.load(types::I64, at_base, index))
    }

    /// Folds event `index` at `at` into every state, in its window, if `valid`.
    fn fold_recent(
        &mut self,
        states: &[(AggState<'_>, usize, Vec<ExprId>)],
        bounds: &[Bounds],
        index: ir::Value,
        at: ir::Value,
        valid: Option<ir::Value>,
    ) -> Result<(), JitError> {
        let mut flags = Vec::with_capacity(bounds.len());
        for &b in bounds {
            let inside = self.in_window(b, at);
            flags.push(match valid {
                Some(valid) => self.and(inside, valid),
                None => inside,
            });
        }
        for (state, window, _) in states {
            if !state.always_missing {
                self.agg_step(state, index, at, flags[*window])?;
            }
        }
        Ok(())
    }
}
