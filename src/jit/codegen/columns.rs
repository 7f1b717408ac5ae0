//! Column-at-a-time aggregates: before the row function, in a function of its own
//! (`pass`), one loop per fused group
//! (`fuse::groups`: the aggregates over one event type, but for those the row function
//! reads off the row's latest event, `latest`, and the groups of short windows, which
//! have a pass of their own, `recent`) over every event of the morsel of that type.
//! The events of rows `start..end` are contiguous (`offsets[start]..offsets[end]`),
//! and the runner counts where each row's events start (`Slot::EventStarts`), so the
//! loop knows each event's row by a running sum and has no exit per profile. Each
//! event is folded into its row's accumulators, kept in per-morsel buffers
//! (`Slot::AccWords`, `Slot::AccBytes`, zeroed by the runner). The row loop then reads
//! a row's accumulators and finishes each aggregate (`agg_finish`).
//!
//! The fold is the per-row one (`agg_step`), so the meaning is the same: events are
//! visited in stored order within each row. The window and the filter are evaluated
//! with the event's owner as the current row, so they may read profile fields.

use cranelift_codegen::ir::{self, InstBuilder, types};
use cranelift_frontend::Variable;

use crate::ir::{AggFunc, ExprId, Window};
use crate::jit::JitError;
use crate::jit::plan::Slot;
use crate::schema::{EventId, Type};

use super::aggregate::{AggState, best_time_is_value};
use super::fuse::{Member, distinct, folds_every_event};
use super::{Gen, V};

/// One distinct aggregate of a group: its state, where each accumulator lives, and
/// the expressions that have its value.
pub(crate) struct Column<'x> {
    pub(super) state: AggState<'x>,
    /// Index of its window among the group's distinct windows.
    pub(super) window: usize,
    fields: Vec<Field>,
    pub(crate) exprs: Vec<ExprId>,
    /// Sums whose value is this average's running sum (`fuse::Distinct::sums`).
    pub(crate) sums: Vec<ExprId>,
}

impl Column<'_> {
    /// Its accumulators' buffers (table indexes), in field order.
    pub(super) fn slots(&self) -> Vec<u32> {
        self.fields.iter().map(|f| f.slot).collect()
    }
}

/// An accumulator variable of an [`AggState`] and its per-morsel buffer.
#[derive(Copy, Clone)]
struct Field {
    var: Variable,
    ty: ir::Type,
    /// Table index of the buffer (bytes for `i8`, words otherwise).
    slot: u32,
    /// Stored negated, so that the zeroed buffer holds the initial value `1`.
    negated: bool,
}

impl<'x, 'a, 'b> Gen<'a, 'b> {
    /// A group's distinct aggregates, each with its accumulator buffers, and the
    /// group's distinct windows. The buffers are new ones, or with `slots` (by
    /// column, by field: [`Column::slots`] of the same group in another function)
    /// the same as those.
    pub(super) fn columns_of(
        &mut self,
        group: &[Member<'x>],
        slots: Option<&[Vec<u32>]>,
    ) -> Result<(Vec<Column<'x>>, Vec<Window>), JitError> {
        let (aggs, windows) = distinct(self.program, group);
        let mut columns: Vec<Column<'x>> = Vec::with_capacity(aggs.len());
        for (k, d) in aggs.into_iter().enumerate() {
            let (_, agg, ty) = d.member;
            let state = self.agg_init(agg, ty)?;
            let given = slots.map(|s| s.get(k).map(Vec::as_slice).unwrap_or_default());
            let fields = self.fields(&state, given)?;
            columns.push(Column {
                state,
                window: d.window,
                fields,
                exprs: d.exprs,
                sums: d.sums,
            });
        }
        Ok((columns, windows))
    }

    /// The value of aggregate `id` for the current row if it is fused (`None`
    /// otherwise), computed on first use for every expression of its group (`latest`)
    /// or finished from its column's accumulators (the column pass, `recent`).
    pub(crate) fn fused_value(&mut self, id: ExprId) -> Result<Option<V>, JitError> {
        if let Some(&v) = self.fused.get(&id) {
            return Ok(Some(v));
        }
        if let Some(&k) = self.row_group_of.get(&id) {
            let groups = std::mem::take(&mut self.row_groups);
            let values = groups.get(k).map(|group| self.latest_values(group));
            self.row_groups = groups;
            for (e, v) in values.transpose()?.unwrap_or_default() {
                self.fused.insert(e, v);
            }
            return Ok(self.fused.get(&id).copied());
        }
        let Some(&k) = self.fused_column.get(&id) else {
            return Ok(None);
        };
        let columns = std::mem::take(&mut self.columns);
        if let Some(column) = columns.get(k) {
            let v = self.column_value(column);
            for &e in &column.exprs {
                self.fused.insert(e, v);
            }
            if !column.sums.is_empty() {
                let sum = self.sum_of_avg(&column.state);
                for &e in &column.sums {
                    self.fused.insert(e, sum);
                }
            }
        }
        self.columns = columns;
        Ok(self.fused.get(&id).copied())
    }

    /// The value of `column` for the current row.
    fn column_value(&mut self, column: &Column<'_>) -> V {
        let row = self.row;
        for f in &column.fields {
            let x = self.acc_load(f, row);
            self.b.def_var(f.var, x);
        }
        self.agg_finish(&column.state)
    }

    /// The accumulators `agg_step` and `agg_finish` use for this function, in new
    /// buffers or in `given` ones.
    fn fields(&mut self, s: &AggState<'_>, given: Option<&[u32]>) -> Result<Vec<Field>, JitError> {
        if s.always_missing {
            return Ok(Vec::new());
        }
        let float = s.target_ty == Type::Float;
        let mut vars = vec![(s.acc, s.acc_ty, false)];
        match s.agg.func {
            AggFunc::Count | AggFunc::Exists => {}
            AggFunc::Streak | AggFunc::Avg => vars.push((s.aux, types::I64, false)),
            AggFunc::Sum => {}
            AggFunc::Min | AggFunc::Max => {
                vars.push((s.have, types::I8, false));
                if float {
                    vars.push((s.poison, types::I8, false));
                }
            }
            AggFunc::First | AggFunc::Last if best_time_is_value(s.agg) => {
                vars = vec![(s.have, types::I8, false), (s.aux, types::I64, false)];
            }
            AggFunc::First | AggFunc::Last => {
                vars.push((s.acc_ok, types::I8, true));
                vars.push((s.have, types::I8, false));
                vars.push((s.aux, types::I64, false));
            }
        }
        if given.is_some_and(|g| g.len() != vars.len()) {
            return Err(JitError::Codegen("a pass's accumulators differ".into()));
        }
        let mut fields = Vec::with_capacity(vars.len());
        for (k, (var, ty, negated)) in vars.into_iter().enumerate() {
            let slot = match given.and_then(|g| g.get(k)) {
                Some(&slot) => slot,
                None => self.plan.accumulator(ty == types::I8),
            };
            fields.push(Field {
                var,
                ty,
                slot,
                negated,
            });
        }
        Ok(fields)
    }

    fn acc_load(&mut self, field: &Field, row: ir::Value) -> ir::Value {
        let (at, offset) = self.row_entry(field.slot, row);
        self.acc_load_at(field, at, offset)
    }

    fn acc_load_at(&mut self, field: &Field, at: ir::Value, offset: i32) -> ir::Value {
        let x = self.b.ins().load(field.ty, Self::out_flags(), at, offset);
        if field.negated {
            self.b.ins().bxor_imm_s(x, 1)
        } else {
            x
        }
    }

    /// One loop over the events of type `event` of rows `start..end`, folding each into
    /// its row's accumulators of every column, in the column's window.
    pub(super) fn column_loop(
        &mut self,
        event: EventId,
        windows: &[Window],
        columns: &[Column<'_>],
        end: ir::Value,
    ) -> Result<(), JitError> {
        let e = event.0;
        let offsets = self.addr(Slot::EventOffsets(e));
        let lo = self.load_u32(offsets, self.start);
        let hi = self.load_u32(offsets, end);
        // The current event's row in the morsel: a running sum of `EventStarts`.
        let owner_var = self.b.declare_var(types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.def_var(owner_var, zero);
        // `EventStarts` has an entry per event from `lo`: its address less `lo`
        // entries is indexed by the event.
        let starts = self.addr(Slot::EventStarts(e));
        let lo_bytes = self.b.ins().imul_imm_s(lo, 2);
        let starts = self.b.ins().isub(starts, lo_bytes);
        // A constant window's range is computed once, before the loop; one that reads
        // the profile, per event of its row.
        let mut fixed = Vec::with_capacity(windows.len());
        for window in windows {
            fixed.push(match *window {
                Window::Within(d) if self.const_duration(d).is_some() => {
                    Some(self.bounds(*window, None)?)
                }
                Window::All => Some(self.bounds(*window, None)?),
                _ => None,
            });
        }
        let events = self.begin_loop(lo, hi);
        let i = self.b.use_var(events.i);
        let at_i = self.elem(starts, i, 2);
        let step = self.b.ins().load(types::I16, Self::out_flags(), at_i, 0);
        let step = self.b.ins().uextend(types::I64, step);
        let owner = self.b.use_var(owner_var);
        let owner = self.b.ins().iadd(owner, step);
        self.b.def_var(owner_var, owner);
        let outer = self.row;
        // Computed only where a window or filter reads the profile.
        self.row = self.b.ins().iadd(owner, self.start);
        let at_base = self.addr(Slot::EventAt(e));
        let at = self.load(types::I64, at_base, i);
        let mut inwin = Vec::with_capacity(windows.len());
        for (window, fixed) in windows.iter().zip(&fixed) {
            let bounds = match *fixed {
                Some(bounds) => bounds,
                None => self.bounds(*window, None)?,
            };
            inwin.push(self.in_window(bounds, at));
        }
        // An event in none of the group's windows changes no accumulator, so it skips
        // the folds. A row's events are sorted by time: the branch changes direction
        // about twice per row, and most events are outside a short window; but not
        // in a group that folds most events anyway (`folds_every_event`).
        let columns: Vec<&Column<'_>> =
            columns.iter().filter(|c| !c.state.always_missing).collect();
        let long = folds_every_event(self.program, windows.iter().copied());
        // The widest of nested windows holds every event any of them does.
        let inside = match self.widest_window(windows) {
            Some(k) => inwin.get(k).copied(),
            None => inwin.iter().copied().reduce(|a, b| self.b.ins().bor(a, b)),
        };
        match inside.filter(|_| !long) {
            Some(inside) => {
                let fold = self.b.create_block();
                let done = self.b.create_block();
                self.b.ins().brif(inside, fold, &[], done, &[]);
                self.b.switch_to_block(fold);
                self.fold_event(&columns, i, at, owner, &inwin)?;
                self.b.ins().jump(done, &[]);
                self.b.switch_to_block(done);
            }
            None => self.fold_event(&columns, i, at, owner, &inwin)?,
        }
        self.row = outer;
        self.end_loop(events);
        Ok(())
    }

    /// Folds event `i` of morsel row `local` into each of `columns`. Its accumulators
    /// are addressed from the arena's unbiased start (`Slot::Arena(0)`) by the row's
    /// index in the morsel: one address for words and bytes alike, where each size's
    /// address biased by the morsel's first row would be another value live across
    /// the loop.
    fn fold_event(
        &mut self,
        columns: &[&Column<'_>],
        i: ir::Value,
        at: ir::Value,
        local: ir::Value,
        inwin: &[ir::Value],
    ) -> Result<(), JitError> {
        for column in columns {
            for f in &column.fields {
                let (entry, offset) = self.acc_entry(f.slot, local);
                let x = self.acc_load_at(f, entry, offset);
                self.b.def_var(f.var, x);
            }
            self.agg_step(&column.state, i, at, inwin[column.window])?;
            for f in &column.fields {
                let (entry, offset) = self.acc_entry(f.slot, local);
                self.store_field(f, entry, offset);
            }
        }
        Ok(())
    }

    /// The address of morsel row `local`'s entry of accumulator buffer `slot`, and a
    /// constant to add to it.
    fn acc_entry(&mut self, slot: u32, local: ir::Value) -> (ir::Value, i32) {
        let bytes = self.plan.slots[slot as usize].row_entry_bytes();
        let offset = self
            .plan
            .arena_offset(slot)
            .and_then(|o| i32::try_from(o).ok());
        match (bytes, offset) {
            (Some(bytes), Some(offset)) => {
                let arena = self.addr(Slot::Arena(0));
                (self.elem(arena, local, bytes as i64), offset)
            }
            // Not reached: accumulators lie in the arena.
            _ => {
                let row = self.b.ins().iadd(local, self.start);
                self.row_entry(slot, row)
            }
        }
    }

    /// Sets `column`'s accumulator variables to their initial values: those a zeroed
    /// buffer holds.
    pub(super) fn reset_fields(&mut self, column: &Column<'_>) {
        for f in &column.fields {
            let x = match f.ty {
                types::F64 => self.b.ins().f64const(0.0),
                ty => self.b.ins().iconst(ty, i64::from(f.negated)),
            };
            self.b.def_var(f.var, x);
        }
    }

    /// Stores `column`'s accumulator variables to `row`'s entries of their buffers.
    pub(super) fn store_fields(&mut self, column: &Column<'_>, row: ir::Value) {
        for f in &column.fields {
            let (at, offset) = self.row_entry(f.slot, row);
            self.store_field(f, at, offset);
        }
    }

    fn store_field(&mut self, f: &Field, at: ir::Value, offset: i32) {
        let x = self.b.use_var(f.var);
        let x = if f.negated {
            self.b.ins().bxor_imm_s(x, 1)
        } else {
            x
        };
        self.b.ins().store(Self::out_flags(), x, at, offset);
    }
}
