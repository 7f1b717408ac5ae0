//! Cranelift IR for a rule set: per chunk of rules (`chunk`), one function that loops
//! over a morsel of profile rows and writes the chunk's tag values and segment
//! memberships, preceded by one function per pass over the morsel's events that folds
//! the chunk's fused aggregates (`pass`). The runner calls them in order.
//!
//! `fn(table: *const usize, start: i64, end: i64, now: i64, skip: i64)`: `table` is
//! the address table of [`Plan::slots`]; rows `start..end` are evaluated, and outputs
//! are indexed by `row - start`. With `skip` non-zero the rules that the word
//! functions compute are not written (they write them: `words`, `late`), and the
//! chunk's leaves of the late rules are; the rules' values are still computed where
//! other rules of the chunk read them. A rule of an earlier chunk is read from its
//! result buffer.
//!
//! Every value is a pair ([`V`]): the data (`i8` for bool, `f64` for float, `i64` for
//! everything else — string codes, enum variants, times) and an `i8` validity flag.
//! Nothing in the generated code branches except loops and their rare entries in
//! blocks laid out apart (`latest`, `recent`): `and`, `or` and `case` evaluate every
//! operand and select, which is fine because no operation traps or has side effects.

mod aggregate;
pub(crate) mod chunk;
mod columns;
mod expr;
mod fuse;
pub(crate) mod late;
mod latest;
pub(crate) mod pass;
mod recent;
mod scan;
pub(crate) mod words;

use std::collections::HashSet;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, InstBuilder, MemFlagsData, types};
use cranelift_frontend::{FunctionBuilder, Variable};

use crate::ir::{ExprId, Program, RuleRef};
use crate::schema::{EventId, Type};

use super::JitError;
use super::plan::{Plan, Slot};
use pass::{Pass, PassKind};

/// A value and its validity flag.
#[derive(Copy, Clone)]
pub(crate) struct V {
    pub(crate) x: ir::Value,
    pub(crate) ok: ir::Value,
}

/// The event an aggregate's filter is looking at.
#[derive(Copy, Clone)]
pub(crate) struct Ev {
    pub(crate) event: EventId,
    /// Row in the event table (`i64`).
    pub(crate) row: ir::Value,
}

/// The Cranelift type of a value of `ty`.
pub(crate) fn clif_type(ty: Type) -> ir::Type {
    match ty {
        Type::Bool => types::I8,
        Type::Float => types::F64,
        _ => types::I64,
    }
}

pub(crate) struct Gen<'a, 'b> {
    pub(crate) program: &'a Program,
    pub(crate) plan: &'a mut Plan,
    pub(crate) b: &'a mut FunctionBuilder<'b>,
    pub(crate) table: ir::Value,
    pub(crate) row: ir::Value,
    /// The morsel's first row.
    pub(crate) start: ir::Value,
    pub(crate) now: ir::Value,
    /// The column pass's and the short windows' pass's aggregates (`columns`,
    /// `recent`), and which expressions each computes.
    pub(crate) columns: Vec<columns::Column<'a>>,
    pub(crate) fused_column: std::collections::HashMap<ExprId, usize>,
    /// The aggregates read off each row's latest event (`latest`), and the group of
    /// each of their expressions.
    pub(crate) row_groups: Vec<fuse::RowGroup<'a>>,
    pub(crate) row_group_of: std::collections::HashMap<ExprId, usize>,
    /// Fused aggregates' values for the current row, finished from the column pass's
    /// accumulators where first used (not all at the row's top: fewer values live at
    /// once, so fewer spills).
    pub(crate) fused: std::collections::HashMap<ExprId, V>,
    /// Rules written by earlier chunks' functions.
    pub(crate) earlier: &'a HashSet<RuleRef>,
    /// The rules the word function computes (of every chunk): their results are
    /// only ever bits. Every other bool rule is written a byte per row.
    bitwise_rules: &'a HashSet<RuleRef>,
    /// Each rule's value for the current row, once computed.
    pub(crate) rules: std::collections::HashMap<RuleRef, (Variable, Variable)>,
    /// Emitting blocks laid out apart (rarely run): their table loads are their own
    /// (see [`Gen::addr`]).
    pub(crate) cold: bool,
}

/// Emits the body of the row function of the rules `order` (a chunk, in rule order)
/// into `b` (whose signature is set), and returns the passes over the morsel's events
/// whose results it reads, which the runner calls before it (`pass::build`).
/// `bitwise` are the rules the word functions (`words::build`) write when `skip` is
/// set, `leaves` the late rules' leaves this function then writes, by their index in
/// `Slot::LeafBytes`; `earlier` the rules of earlier chunks.
pub(crate) fn build<'p>(
    program: &'p Program,
    order: &[RuleRef],
    bitwise: &HashSet<RuleRef>,
    leaves: &[(ExprId, u32)],
    earlier: &HashSet<RuleRef>,
    plan: &mut Plan,
    b: &mut FunctionBuilder<'_>,
) -> Result<Vec<Pass<'p>>, JitError> {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let params = b.block_params(entry).to_vec();
    let (table, start, end, now, skip) = (params[0], params[1], params[2], params[3], params[4]);
    let bitwise_rules = bitwise;
    let bitwise: Vec<RuleRef> = order
        .iter()
        .copied()
        .filter(|r| bitwise.contains(r))
        .collect();
    let row_var = b.declare_var(types::I64);
    b.def_var(row_var, start);
    let header = b.create_block();
    let body = b.create_block();
    let exit = b.create_block();
    let mut g = Gen::new(
        program,
        plan,
        b,
        [table, start, now],
        earlier,
        bitwise_rules,
    );
    // Per chunk: an aggregate that rules of two chunks share is computed in each.
    let (recent, groups) = recent::split(program, fuse::groups(program, order));
    let (latest, groups) = latest::split(groups);
    g.row_groups = latest;
    for (k, group) in g.row_groups.iter().enumerate() {
        for &(id, _, _) in &group.members {
            g.row_group_of.insert(id, k);
        }
    }
    // The passes are functions of their own (`pass`), which the runner calls first;
    // here their columns are only read.
    let mut passes = Vec::with_capacity(groups.len() + recent.len());
    let kinds = groups.into_iter().map(|group| (PassKind::Columns, group));
    for (kind, group) in kinds.chain(recent.into_iter().map(|group| (PassKind::Recent, group))) {
        let (columns, _) = g.columns_of(&group, None)?;
        let slots = columns.iter().map(columns::Column::slots).collect();
        g.columns.extend(columns);
        passes.push(Pass { kind, group, slots });
    }
    for (k, column) in g.columns.iter().enumerate() {
        for &id in column.exprs.iter().chain(&column.sums) {
            g.fused_column.insert(id, k);
        }
    }
    if bitwise.len() == order.len() && leaves.is_empty() {
        // The word functions write every rule: no row loop at all.
        g.b.ins().brif(skip, exit, &[], header, &[]);
    } else {
        g.b.ins().jump(header, &[]);
    }

    g.b.switch_to_block(header);
    let row = g.b.use_var(row_var);
    let more =
        g.b.ins()
            .icmp(ir::condcodes::IntCC::SignedLessThan, row, end);
    g.b.ins().brif(more, body, &[], exit, &[]);

    g.b.switch_to_block(body);
    g.row = row;
    for &rule in order {
        let (body_id, ty) = match rule {
            RuleRef::Tag(t) => {
                let r = program.tag(t);
                (r.body, r.ty)
            }
            RuleRef::Segment(s) => (program.segment(s).body, Type::Bool),
        };
        let v = g.eval(body_id, None)?;
        let xv = g.b.declare_var(clif_type(ty));
        let okv = g.b.declare_var(types::I8);
        g.b.def_var(xv, v.x);
        g.b.def_var(okv, v.ok);
        g.rules.insert(rule, (xv, okv));
        if !bitwise.contains(&rule) {
            g.write(rule, ty, v);
        }
    }
    // The word functions' rules are written here only when they do not run, and the
    // leaves only when they do. Their values are pure, so Cranelift computes them in
    // the block that writes them unless another rule reads them.
    let mut truths = Vec::with_capacity(leaves.len());
    for &(leaf, k) in leaves {
        truths.push((g.test(leaf, None)?, k));
    }
    let write_bitwise = g.b.create_block();
    let next_row = g.b.create_block();
    if truths.is_empty() {
        g.b.ins().brif(skip, next_row, &[], write_bitwise, &[]);
    } else {
        let write_leaves = g.b.create_block();
        g.b.ins().brif(skip, write_leaves, &[], write_bitwise, &[]);
        g.b.switch_to_block(write_leaves);
        for (truth, k) in truths {
            let bytes = g.plan.slot(Slot::LeafBytes(k));
            g.plan.slot(Slot::LeafBits(k));
            let (at, offset) = g.row_entry(bytes, row);
            g.b.ins().store(Gen::out_flags(), truth, at, offset);
        }
        g.b.ins().jump(next_row, &[]);
    }
    g.b.switch_to_block(write_bitwise);
    for &rule in &bitwise {
        let Some(&(xv, okv)) = g.rules.get(&rule) else {
            continue;
        };
        let v = V {
            x: g.b.use_var(xv),
            ok: g.b.use_var(okv),
        };
        g.write(rule, Type::Bool, v);
    }
    g.b.ins().jump(next_row, &[]);
    g.b.switch_to_block(next_row);
    let next = g.b.ins().iadd_imm_s(row, 1);
    g.b.def_var(row_var, next);
    g.b.ins().jump(header, &[]);

    g.b.switch_to_block(exit);
    g.b.ins().return_(&[]);
    g.b.seal_all_blocks();
    Ok(passes)
}

impl<'a, 'b> Gen<'a, 'b> {
    /// A generator over the function `b` builds, whose parameters `table`, `start`
    /// and `now` are `params`.
    pub(crate) fn new(
        program: &'a Program,
        plan: &'a mut Plan,
        b: &'a mut FunctionBuilder<'b>,
        params: [ir::Value; 3],
        earlier: &'a HashSet<RuleRef>,
        bitwise_rules: &'a HashSet<RuleRef>,
    ) -> Self {
        let [table, start, now] = params;
        Gen {
            program,
            plan,
            b,
            table,
            row: start,
            start,
            now,
            earlier,
            bitwise_rules,
            rules: std::collections::HashMap::new(),
            fused: std::collections::HashMap::new(),
            columns: Vec::new(),
            fused_column: std::collections::HashMap::new(),
            row_groups: Vec::new(),
            row_group_of: std::collections::HashMap::new(),
            cold: false,
        }
    }
}

/// The result bits of a bool rule, and the bytes the row function writes them to.
fn bool_slots(rule: RuleRef) -> (Slot, Slot) {
    match rule {
        RuleRef::Tag(t) => (Slot::TagBits(t.0), Slot::TagBytes(t.0)),
        RuleRef::Segment(s) => (Slot::SegBits(s.0), Slot::SegBytes(s.0)),
    }
}

impl Gen<'_, '_> {
    /// Reads of the table and of what it points to except the output buffers: none of
    /// it changes during a call, so these loads are pure (Cranelift deduplicates them,
    /// and hoists the loop-invariant ones out of the loops tested at their bottom:
    /// `Gen::begin_loop`).
    pub(crate) fn flags() -> MemFlagsData {
        MemFlagsData::trusted().with_readonly().with_can_move()
    }

    /// Reads and writes of the output buffers.
    pub(crate) fn out_flags() -> MemFlagsData {
        MemFlagsData::trusted()
    }

    /// The address in table slot `slot`. In blocks laid out apart (`cold`) the load
    /// is not merged with the same load elsewhere: merged, Cranelift computes it where
    /// both paths start, before the branch, and keeps it live (spilled) on the common
    /// path for the rare one.
    pub(crate) fn addr(&mut self, slot: Slot) -> ir::Value {
        let i = self.plan.slot(slot);
        let flags = if self.cold {
            MemFlagsData::trusted()
        } else {
            Self::flags()
        };
        self.b
            .ins()
            .load(types::I64, flags, self.table, (i * 8) as i32)
    }

    /// The address of `row`'s entry in the buffer at table index `i`, which has one
    /// entry per row (`Slot::row_entry_bytes`), and a constant to add to it. Such
    /// buffers lie in one arena (`Slot::Arena`, `Plan::arena_offset`): the code loads
    /// the arena's address, shared by every such buffer, not each buffer's.
    pub(crate) fn row_entry(&mut self, i: u32, row: ir::Value) -> (ir::Value, i32) {
        let slot = self.plan.slots[i as usize];
        let bytes = slot.row_entry_bytes().unwrap_or(1);
        let in_arena = self
            .plan
            .arena_offset(i)
            .and_then(|o| i32::try_from(o).ok());
        let (base, offset) = match in_arena {
            Some(offset) => (self.addr(Slot::Arena(bytes as u32)), offset),
            None => (self.addr(slot), 0),
        };
        (self.elem(base, row, bytes as i64), offset)
    }

    /// `base[index]` for elements of `size` bytes.
    pub(crate) fn elem(&mut self, base: ir::Value, index: ir::Value, size: i64) -> ir::Value {
        let off = self.b.ins().imul_imm_s(index, size);
        self.b.ins().iadd(base, off)
    }

    pub(crate) fn load(&mut self, ty: ir::Type, base: ir::Value, index: ir::Value) -> ir::Value {
        let at = self.elem(base, index, i64::from(ty.bytes()));
        self.b.ins().load(ty, Self::flags(), at, 0)
    }

    /// A `u32` element, zero-extended to `i64`.
    pub(crate) fn load_u32(&mut self, base: ir::Value, index: ir::Value) -> ir::Value {
        let at = self.elem(base, index, 4);
        // A plain load (not `uload32`), so it is pure like the others.
        let x = self.b.ins().load(types::I32, Self::flags(), at, 0);
        self.b.ins().uextend(types::I64, x)
    }

    /// Bit `index` of the bitmap whose words start at `base`, as `i8` 0/1.
    pub(crate) fn bit(&mut self, base: ir::Value, index: ir::Value) -> ir::Value {
        let word_i = self.b.ins().ushr_imm_s(index, 6);
        let word = self.load(types::I64, base, word_i);
        let shift = self.b.ins().band_imm_s(index, 63);
        let shifted = self.b.ins().ushr(word, shift);
        let one = self.b.ins().band_imm_s(shifted, 1);
        self.b.ins().ireduce(types::I8, one)
    }

    /// Sets bit `index` of the bitmap at `base` to `value` (`i8` 0/1; bits start clear).
    fn set_bit(&mut self, base: ir::Value, index: ir::Value, value: ir::Value) {
        let word_i = self.b.ins().ushr_imm_s(index, 6);
        let at = self.elem(base, word_i, 8);
        let word = self.b.ins().load(types::I64, Self::out_flags(), at, 0);
        let wide = self.b.ins().uextend(types::I64, value);
        let shift = self.b.ins().band_imm_s(index, 63);
        let bit = self.b.ins().ishl(wide, shift);
        let word = self.b.ins().bor(word, bit);
        self.b.ins().store(Self::out_flags(), word, at, 0);
    }

    /// `rule`'s value for the current row, written by an earlier chunk's function.
    /// Nothing writes that buffer during this call, so the loads are pure. Bits are
    /// indexed by the row's place in the morsel, the rest by row (`Slot::row_entry_bytes`).
    pub(crate) fn written(&mut self, rule: RuleRef) -> V {
        let row = self.row;
        let ty = match rule {
            RuleRef::Segment(_) => Type::Bool,
            RuleRef::Tag(t) => self.program.tag(t).ty,
        };
        if ty == Type::Bool {
            let (bits, bytes) = bool_slots(rule);
            if self.bitwise_rules.contains(&rule) {
                let base = self.addr(bits);
                let local = self.b.ins().isub(row, self.start);
                let x = self.bit(base, local);
                return self.present(x);
            }
            let i = self.plan.slot(bytes);
            let (at, offset) = self.row_entry(i, row);
            let x = self.b.ins().load(types::I8, Self::flags(), at, offset);
            return self.present(x);
        }
        let RuleRef::Tag(t) = rule else {
            return self.missing(ty);
        };
        let vals = self.plan.slot(Slot::TagVals(t.0));
        let (at, offset) = self.row_entry(vals, row);
        let x = self.b.ins().load(clif_type(ty), Self::flags(), at, offset);
        let oks = self.plan.slot(Slot::TagOk(t.0));
        let (at, offset) = self.row_entry(oks, row);
        let ok = self.b.ins().load(types::I8, Self::flags(), at, offset);
        V { x, ok }
    }

    /// Writes `rule`'s value for the current row: a bool rule of the word functions as
    /// a bit (its buffer starts zeroed), any other bool rule as a byte (the runner packs
    /// the bytes into its bits: a plain store here, not a read-modify-write per row).
    fn write(&mut self, rule: RuleRef, ty: Type, v: V) {
        let row = self.row;
        match (rule, ty) {
            (RuleRef::Segment(_), _) | (RuleRef::Tag(_), Type::Bool) => {
                let (bits, bytes) = bool_slots(rule);
                if self.bitwise_rules.contains(&rule) {
                    let base = self.addr(bits);
                    let local = self.b.ins().isub(row, self.start);
                    self.set_bit(base, local, v.x);
                } else {
                    // The bits are the result: they must have a slot of their own.
                    self.plan.slot(bits);
                    let i = self.plan.slot(bytes);
                    let (at, offset) = self.row_entry(i, row);
                    self.b.ins().store(Self::out_flags(), v.x, at, offset);
                }
            }
            (RuleRef::Tag(t), _) => {
                let vals = self.plan.slot(Slot::TagVals(t.0));
                let (at, offset) = self.row_entry(vals, row);
                self.b.ins().store(Self::out_flags(), v.x, at, offset);
                let oks = self.plan.slot(Slot::TagOk(t.0));
                if self.is_one(v.ok) {
                    // Never missing: the runner fills the validity with ones.
                    self.plan.always_present.insert(oks);
                } else {
                    let (at, offset) = self.row_entry(oks, row);
                    self.b.ins().store(Self::out_flags(), v.ok, at, offset);
                }
            }
        }
    }

    /// The consumed value: a missing bool reads as a present `false`.
    pub(crate) fn eval(&mut self, id: ExprId, ev: Option<Ev>) -> Result<V, JitError> {
        let v = self.raw(id, ev)?;
        if self.program.expr(id).ty == Type::Bool {
            let x = self.and(v.x, v.ok);
            Ok(V { x, ok: self.one() })
        } else {
            Ok(v)
        }
    }

    /// Whether `v` is the constant 1: a flag known to be set, which needs no `and`.
    pub(crate) fn is_one(&self, v: ir::Value) -> bool {
        let dfg = &self.b.func.dfg;
        match dfg.value_def(v) {
            ir::ValueDef::Result(inst, _) => matches!(
                dfg.insts[inst],
                ir::InstructionData::UnaryImm {
                    opcode: ir::Opcode::Iconst,
                    imm,
                } if imm.bits() == 1
            ),
            _ => false,
        }
    }

    /// `a and b` of two `i8` flags (0/1), without an instruction when either is the
    /// constant 1.
    pub(crate) fn and(&mut self, a: ir::Value, b: ir::Value) -> ir::Value {
        let flags = self.b.func.dfg.value_type(a) == types::I8;
        if flags && self.is_one(a) {
            b
        } else if flags && self.is_one(b) {
            a
        } else {
            self.b.ins().band(a, b)
        }
    }

    /// `eval` in a boolean context: the `i8` 0/1.
    pub(crate) fn test(&mut self, id: ExprId, ev: Option<Ev>) -> Result<ir::Value, JitError> {
        Ok(self.eval(id, ev)?.x)
    }

    pub(crate) fn raw(&mut self, id: ExprId, ev: Option<Ev>) -> Result<V, JitError> {
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.raw_on_stack(id, ev)
        })
    }

    /// A string code as an index into the code tables (bitsets, ranks), and whether it
    /// is one of the bound codes (`i8`). The data's codes are not checked against the
    /// dictionary when binding (a pass over every string column on every call): a code
    /// past it, in malformed data, reads as code 0 and is in no list.
    pub(crate) fn known_code(&mut self, code: ir::Value) -> (ir::Value, ir::Value) {
        let limit = self.addr(Slot::CodeCount);
        let known = self.b.ins().icmp(IntCC::UnsignedLessThan, code, limit);
        let zero = self.b.ins().iconst(types::I64, 0);
        (self.pick(known, code, zero), known)
    }

    /// The byte-order rank of a string code (see [`Gen::known_code`]).
    pub(crate) fn rank(&mut self, code: ir::Value) -> ir::Value {
        let (index, _) = self.known_code(code);
        let ranks = self.addr(Slot::Ranks);
        self.load_u32(ranks, index)
    }

    /// `cond ? a : b` without a branch. Cranelift lowers a float `select` on x86-64 to a
    /// conditional jump, which mispredicts on data (a running `max`, say): floats are
    /// selected as their bits, with a conditional move.
    pub(crate) fn pick(&mut self, cond: ir::Value, a: ir::Value, b: ir::Value) -> ir::Value {
        // Kept a constant, so that a `case` whose every arm is present is known to be.
        if a == b || (self.is_one(a) && self.is_one(b)) {
            return a;
        }
        let ty = self.b.func.dfg.value_type(a);
        if ty != types::F64 {
            return self.b.ins().select(cond, a, b);
        }
        let bits = MemFlagsData::new();
        let a = self.b.ins().bitcast(types::I64, bits, a);
        let b = self.b.ins().bitcast(types::I64, bits, b);
        let x = self.b.ins().select(cond, a, b);
        self.b.ins().bitcast(types::F64, bits, x)
    }

    pub(crate) fn one(&mut self) -> ir::Value {
        self.b.ins().iconst(types::I8, 1)
    }

    pub(crate) fn zero_of(&mut self, ty: Type) -> ir::Value {
        match clif_type(ty) {
            types::F64 => self.b.ins().f64const(0.0),
            t => self.b.ins().iconst(t, 0),
        }
    }

    pub(crate) fn missing(&mut self, ty: Type) -> V {
        let x = self.zero_of(ty);
        let ok = self.b.ins().iconst(types::I8, 0);
        V { x, ok }
    }

    pub(crate) fn present(&mut self, x: ir::Value) -> V {
        let ok = self.one();
        V { x, ok }
    }
}
