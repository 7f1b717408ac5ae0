//! Aggregates over short windows, folded from the last few events of the rows that
//! have any in a window, in a pass of their own (a function, `pass`) before the row
//! function.
//!
//! A row's events of one type are sorted by `at` and every window ends at `now`, so the
//! events in a window are the last ones up to the row's latest event (`latest`). In a
//! group whose windows are all short constant `within` windows (`fuse::short_window`),
//! few events are in any window, and most rows have none. The pass goes over the
//! morsel 64 rows at a time, reading a bit per row that the runner computed
//! (`Slot::RecentRows`, `recent_rows`): whether the row's last event is at or after
//! the start of the widest window; it visits the marked rows by their bits. A visited
//! row folds its last [`RECENT_STEPS`] events, in stored order, each with its
//! in-window flags (an event outside every window changes no accumulator); the last
//! one is in the widest window without a test. Only a row with more events in the
//! widest window, or with events after `now`, folds all its events, in a loop in
//! blocks of its own. The accumulators go to per-morsel buffers, as the column pass's
//! do (`columns`), and a row not visited keeps the zeroed buffers' initial values: the
//! value of no event in the window.
//!
//! A branch per row on whether it has events in a window would mispredict for about
//! every other row; the visits' loop mispredicts once per 64 rows, at its exit.
//!
//! Past the row's first event, a step reads event 0 and ignores it: the bind step gives
//! an empty event table a readable element there.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, types};

use crate::ir::{Program, Window};
use crate::jit::JitError;
use crate::jit::plan::Slot;
use crate::schema::EventId;

use super::Gen;
use super::aggregate::Bounds;
use super::columns::Column;
use super::fuse::{Member, short_window};
use super::latest::from_latest;

/// Events folded without a loop: rows with more in the widest window loop.
pub(crate) const RECENT_STEPS: i64 = 2;

/// Rows marked per word of the pass.
const WORD_ROWS: i64 = 64;

/// Splits off the groups whose windows are all short, but for those read off the latest
/// event alone (`latest`).
pub(crate) fn split<'x>(
    program: &Program,
    groups: Vec<Vec<Member<'x>>>,
) -> (Vec<Vec<Member<'x>>>, Vec<Vec<Member<'x>>>) {
    groups.into_iter().partition(|group| {
        group
            .iter()
            .all(|(_, agg, _)| short_window(program, agg.window))
            && !group.iter().all(|(_, agg, _)| from_latest(agg))
    })
}

impl Gen<'_, '_> {
    /// The pass of one group over event type `event`.
    pub(super) fn recent_loop(
        &mut self,
        event: EventId,
        windows: &[Window],
        columns: &[Column<'_>],
        end: ir::Value,
    ) -> Result<(), JitError> {
        let bounds = self.window_bounds(windows)?;
        let widest = self.widest_window(windows);
        let d = widest.and_then(|k| windows.get(k)).and_then(|w| match *w {
            Window::Within(d) => self.const_duration(d),
            _ => None,
        });
        let (marks, widest) = match (d, widest, widest.and_then(|k| bounds.get(k))) {
            (Some(d), Some(k), Some(Bounds::Range { valid: None, .. })) => {
                (self.plan.recent_rows(event.0, d), k)
            }
            // No event is in any window: every accumulator keeps its initial value.
            (_, _, Some(Bounds::Empty)) => return Ok(()),
            _ => {
                return Err(JitError::Codegen(
                    "a short-window group without a constant window".into(),
                ));
            }
        };

        let words = self.b.create_block();
        let w = self.b.append_block_param(words, types::I64);
        let word = self.b.create_block();
        let visits = self.b.create_block();
        let marked = self.b.append_block_param(visits, types::I64);
        let visit = self.b.create_block();
        let next_word = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().jump(words, &[self.start.into()]);

        self.b.switch_to_block(words);
        let more = self.b.ins().icmp(IntCC::SignedLessThan, w, end);
        self.b.ins().brif(more, word, &[], done, &[]);

        // The word's marks (`Slot::RecentRows`, morsel-local): rows `w..w + 64`.
        self.b.switch_to_block(word);
        let local = self.b.ins().isub(w, self.start);
        let k = self.b.ins().ushr_imm_u(local, 6);
        let base = self
            .b
            .ins()
            .load(types::I64, Self::flags(), self.table, (marks * 8) as i32);
        let at = self.elem(base, k, 8);
        let m = self.b.ins().load(types::I64, Self::out_flags(), at, 0);
        self.b.ins().jump(visits, &[m.into()]);

        // The marked rows, lowest first.
        self.b.switch_to_block(visits);
        self.b.ins().brif(marked, visit, &[], next_word, &[]);
        self.b.switch_to_block(visit);
        let k = self.b.ins().ctz(marked);
        let below = self.b.ins().iadd_imm_s(marked, -1);
        let rest = self.b.ins().band(marked, below);
        let row = self.b.ins().iadd(w, k);
        let outer = self.row;
        self.row = row;
        for column in columns {
            self.reset_fields(column);
        }
        self.fold_recent_row(event, windows, &bounds, widest, columns)?;
        for column in columns {
            self.store_fields(column, row);
        }
        self.row = outer;
        self.b.ins().jump(visits, &[rest.into()]);

        self.b.switch_to_block(next_word);
        let w_next = self.b.ins().iadd_imm_s(w, WORD_ROWS);
        self.b.ins().jump(words, &[w_next.into()]);

        self.b.switch_to_block(done);
        Ok(())
    }

    /// Folds the current row's events in the windows into `columns`' accumulators.
    ///
    /// The row is marked: it has events, and its last one is at or after the start of
    /// the widest window (`recent_rows`). Unless that event is after `now` (then the
    /// loop takes the row), it is therefore in the widest window, which the first step
    /// knows without a test.
    fn fold_recent_row(
        &mut self,
        event: EventId,
        windows: &[Window],
        bounds: &[Bounds],
        widest: usize,
        columns: &[Column<'_>],
    ) -> Result<(), JitError> {
        let e = event.0;
        let offsets = self.addr(Slot::EventOffsets(e));
        let first = self.load_u32(offsets, self.row);
        let next_row = self.b.ins().iadd_imm_s(self.row, 1);
        let end = self.load_u32(offsets, next_row);
        let at_base = self.addr(Slot::EventAt(e));
        // Read within the table even if the row had no event.
        let nonempty = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, first);
        let last = self.b.ins().iadd_imm_s(end, -1);
        let last = self.readable(nonempty, last);
        let last_at = self.load(types::I64, at_base, last);
        let late = self
            .b
            .ins()
            .icmp(IntCC::SignedGreaterThan, last_at, self.now);

        // More events in the widest window than the steps take, or events after `now`:
        // the loop, whose window tests leave out the events after `now`.
        let before = self.b.ins().iadd_imm_s(end, -(RECENT_STEPS + 1));
        let (before, before_at) = self.event_or_zero(before, first, at_base);
        let over = match bounds.get(widest) {
            Some(&b) => {
                let inside = self.in_window(b, before_at);
                self.and(inside, before)
            }
            None => self.b.ins().iconst(types::I8, 0),
        };
        let over = self.b.ins().bor(over, late);
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
        for k in (2..=RECENT_STEPS).rev() {
            let j = self.b.ins().iadd_imm_s(end, -k);
            let (valid, index) = self.event_index(j, first);
            let at = self.load(types::I64, at_base, index);
            let flags = self.window_flags(bounds, at, Some(valid), None);
            self.fold_recent(columns, &flags, index, at)?;
        }
        let flags = self.window_flags(bounds, last_at, None, Some(widest));
        self.fold_recent(columns, &flags, last, last_at)?;
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(all);
        self.cold = true;
        let within = self.b.ins().icmp(IntCC::UnsignedLessThan, i, end);
        self.b.ins().brif(within, more, &[], join, &[]);
        self.b.switch_to_block(more);
        // The loop's own window ranges and table loads (`Gen::cold`).
        let cold_bounds = self.window_bounds(windows)?;
        let at = self.load(types::I64, at_base, i);
        let flags = self.window_flags(&cold_bounds, at, None, None);
        self.fold_recent(columns, &flags, i, at)?;
        let next = self.b.ins().iadd_imm_s(i, 1);
        self.b.ins().jump(all, &[next.into()]);
        self.cold = false;

        self.b.switch_to_block(join);
        Ok(())
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

    /// Whether an event at `at` is in each window, if `valid`; in window `inside` it is
    /// known to be.
    fn window_flags(
        &mut self,
        bounds: &[Bounds],
        at: ir::Value,
        valid: Option<ir::Value>,
        inside: Option<usize>,
    ) -> Vec<ir::Value> {
        let mut flags = Vec::with_capacity(bounds.len());
        for (k, &b) in bounds.iter().enumerate() {
            let flag = if inside == Some(k) {
                self.b.ins().iconst(types::I8, 1)
            } else {
                self.in_window(b, at)
            };
            flags.push(match valid {
                Some(valid) => self.and(flag, valid),
                None => flag,
            });
        }
        flags
    }

    /// Folds event `index` at `at` into every column where its window's flag is set.
    fn fold_recent(
        &mut self,
        columns: &[Column<'_>],
        flags: &[ir::Value],
        index: ir::Value,
        at: ir::Value,
    ) -> Result<(), JitError> {
        for column in columns {
            if let (false, Some(&flag)) = (column.state.always_missing, flags.get(column.window)) {
                self.agg_step(&column.state, index, at, flag)?;
            }
        }
        Ok(())
    }
}
