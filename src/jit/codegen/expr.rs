//! Expressions: the meaning of `crate::eval::expr` and `crate::eval::value_ops`, as IR.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, InstBuilder, types};

use crate::ir::{ArithOp, CmpOp, ExprId, ExprKind, RuleRef};
use crate::schema::Type;
use crate::value::Value;

use super::{Ev, Gen, V, clif_type};
use crate::jit::JitError;
use crate::jit::plan::{BitsetReq, SET_ROW_BITS, SetSource, Slot};

fn unsupported(what: &str) -> JitError {
    JitError::Unsupported(what.into())
}

/// String lists up to this long are tested by comparing codes: cheaper than a probe
/// of a bitset over the whole dictionary, which a large dictionary spreads over
/// memory.
const SHORT_LIST: usize = 4;

/// Elements of a set field tested without a loop by `contains`.
const SET_UNROLLED: i64 = 4;

impl Gen<'_, '_> {
    pub(super) fn raw_on_stack(&mut self, id: ExprId, ev: Option<Ev>) -> Result<V, JitError> {
        let program = self.program;
        let expr = program.expr(id);
        let ty = expr.ty;
        Ok(match &expr.kind {
            ExprKind::Const(v) => self.constant(v, ty)?,
            ExprKind::Field(f) => {
                let valid = self.addr(Slot::FieldValid(f.0));
                let values = self.addr(Slot::FieldValues(f.0));
                self.read_cell(ty, valid, values, self.row, SetSource::Field(f.0))?
            }
            ExprKind::Tag(t) => self.rule_value(RuleRef::Tag(*t), ty)?,
            ExprKind::Segment(s) => self.rule_value(RuleRef::Segment(*s), ty)?,
            ExprKind::Now => self.present(self.now),
            ExprKind::Start => self.missing(ty),
            ExprKind::EventAt => match ev {
                Some(ev) => {
                    let at = self.addr(Slot::EventAt(ev.event.0));
                    let x = self.load(types::I64, at, ev.row);
                    self.present(x)
                }
                None => self.missing(ty),
            },
            ExprKind::EventProp(p) => match ev {
                Some(ev) => {
                    let valid = self.addr(Slot::PropValid(ev.event.0, p.0));
                    let values = self.addr(Slot::PropValues(ev.event.0, p.0));
                    let source = SetSource::Prop(ev.event.0, p.0);
                    self.read_cell(ty, valid, values, ev.row, source)?
                }
                None => self.missing(ty),
            },
            ExprKind::Not(x) => {
                let t = self.test(*x, ev)?;
                let x = self.b.ins().bxor_imm_s(t, 1);
                self.present(x)
            }
            ExprKind::Neg(x) => {
                let v = self.eval(*x, ev)?;
                let x = if clif_type(ty) == types::F64 {
                    self.b.ins().fneg(v.x)
                } else {
                    self.b.ins().ineg(v.x)
                };
                V { x, ok: v.ok }
            }
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                let is_and = matches!(expr.kind, ExprKind::And(_));
                let mut acc = self.b.ins().iconst(types::I8, i64::from(is_and));
                for &x in xs {
                    let t = self.test(x, ev)?;
                    acc = if is_and {
                        self.and(acc, t)
                    } else {
                        self.b.ins().bor(acc, t)
                    };
                }
                self.present(acc)
            }
            ExprKind::ToFloat(x) => {
                let v = self.eval(*x, ev)?;
                self.float_of(v, program.expr(*x).ty)
            }
            ExprKind::Arith { op, lhs, rhs } => {
                let (lt, rt) = (program.expr(*lhs).ty, program.expr(*rhs).ty);
                let l = self.eval(*lhs, ev)?;
                let r = self.eval(*rhs, ev)?;
                self.arith(*op, l, lt, r, rt, ty)?
            }
            ExprKind::Compare { op, lhs, rhs } => {
                let operand = program.expr(*lhs).ty;
                let l = self.eval(*lhs, ev)?;
                let r = self.eval(*rhs, ev)?;
                let x = self.compare(*op, operand, l, r)?;
                self.present(x)
            }
            ExprKind::InList {
                subject,
                list,
                negated,
            } => {
                let sty = program.expr(*subject).ty;
                let s = self.eval(*subject, ev)?;
                let found = self.in_list(sty, s, list)?;
                let found = if *negated {
                    self.b.ins().bxor_imm_s(found, 1)
                } else {
                    found
                };
                let x = self.and(found, s.ok);
                self.present(x)
            }
            ExprKind::SetContains { set, elem } => {
                if let ExprKind::Field(f) = program.expr(*set).kind {
                    if let ExprKind::Const(Value::Str(s)) = &program.expr(*elem).kind {
                        let string = self.plan.string(s);
                        return Ok(self.field_set_member(f.0, string));
                    }
                    let e = self.eval(*elem, ev)?;
                    return Ok(self.field_set_contains(f.0, e));
                }
                let s = self.eval(*set, ev)?;
                let e = self.eval(*elem, ev)?;
                let x = self.call_helper(Slot::SetContainsFn, s.x, e.x);
                let ok = self.and(s.ok, e.ok);
                let x = self.and(x, ok);
                self.present(x)
            }
            ExprKind::StrContains { text, part } => {
                let t = self.eval(*text, ev)?;
                if let ExprKind::Const(Value::Str(part)) = &program.expr(*part).kind {
                    let slot = self.plan.bitset(BitsetReq::Contains(part.clone()));
                    self.code_in(slot, t)?
                } else {
                    let p = self.eval(*part, ev)?;
                    let x = self.call_helper(Slot::ContainsFn, t.x, p.x);
                    let ok = self.and(t.ok, p.ok);
                    let x = self.and(x, ok);
                    self.present(x)
                }
            }
            ExprKind::Matches { subject, regex } => {
                let s = self.eval(*subject, ev)?;
                let req = match program.expr(*subject).ty {
                    Type::Str => BitsetReq::Regex(*regex),
                    Type::Enum(e) => BitsetReq::EnumRegex(e, *regex),
                    _ => return Ok(self.present_false()),
                };
                let limit = match req {
                    BitsetReq::EnumRegex(e, _) => Some(
                        program
                            .schema
                            .enums
                            .get(e.0 as usize)
                            .map_or(0, |d| d.variants.len() as i64),
                    ),
                    _ => None,
                };
                let slot = self.plan.bitset(req);
                match limit {
                    // Enum data is not checked against the variants: out of range reads false.
                    Some(n) => {
                        let inside = self.b.ins().icmp_imm_s(IntCC::UnsignedLessThan, s.x, n);
                        let zero = self.b.ins().iconst(types::I64, 0);
                        let index = self.pick(inside, s.x, zero);
                        let ok = self.and(s.ok, inside);
                        self.variant_in(slot, V { x: index, ok })
                    }
                    None => self.code_in(slot, s)?,
                }
            }
            ExprKind::Is { subject, present } => {
                let v = self.raw(*subject, ev)?;
                let x = if *present {
                    v.ok
                } else {
                    self.b.ins().bxor_imm_s(v.ok, 1)
                };
                self.present(x)
            }
            ExprKind::Sample { fraction, salt } => {
                let slot = self.plan.sample(*fraction, salt);
                let i = self.plan.slots[slot as usize];
                let base = self.addr(i);
                let local = self.local_row();
                let x = self.bit(base, local);
                self.present(x)
            }
            // A top-level aggregate may be the column pass's; one in a filter is not.
            ExprKind::Aggregate(agg) => {
                let fused = if ev.is_none() {
                    self.fused_value(id)?
                } else {
                    None
                };
                match fused {
                    Some(v) => v,
                    None => self.aggregate(agg, ty, ev)?,
                }
            }
            ExprKind::Case { arms, default } => {
                let mut acc = match default {
                    Some(d) => self.raw(*d, ev)?,
                    None => self.missing(ty),
                };
                // Later arms first, so an earlier true condition wins.
                let mut evaluated = Vec::with_capacity(arms.len());
                for &(cond, value) in arms {
                    let c = self.test(cond, ev)?;
                    let v = self.raw(value, ev)?;
                    evaluated.push((c, v));
                }
                for (c, v) in evaluated.into_iter().rev() {
                    acc = V {
                        x: self.pick(c, v.x, acc.x),
                        ok: self.pick(c, v.ok, acc.ok),
                    };
                }
                acc
            }
        })
    }

    fn present_false(&mut self) -> V {
        let x = self.b.ins().iconst(types::I8, 0);
        self.present(x)
    }

    /// The row's index within the morsel (bits of a morsel are indexed by it).
    fn local_row(&mut self) -> ir::Value {
        self.b.ins().isub(self.row, self.start)
    }

    fn rule_value(&mut self, rule: RuleRef, ty: Type) -> Result<V, JitError> {
        let _ = ty;
        let Some(&(xv, okv)) = self.rules.get(&rule) else {
            if self.earlier.contains(&rule) {
                return Ok(self.written(rule));
            }
            return Err(unsupported("a rule used before it is computed"));
        };
        Ok(V {
            x: self.b.use_var(xv),
            ok: self.b.use_var(okv),
        })
    }

    fn constant(&mut self, v: &Value, ty: Type) -> Result<V, JitError> {
        Ok(match v {
            Value::Missing => self.missing(ty),
            Value::Bool(b) => {
                let x = self.b.ins().iconst(types::I8, i64::from(*b));
                self.present(x)
            }
            Value::Int(i) | Value::Time(i) | Value::Duration(i) => {
                let x = self.b.ins().iconst(types::I64, *i);
                self.present(x)
            }
            Value::Float(f) => {
                let x = self.b.ins().f64const(*f);
                self.present(x)
            }
            Value::Enum(_, v) => {
                let x = self.b.ins().iconst(types::I64, i64::from(*v));
                self.present(x)
            }
            Value::Str(s) => {
                let x = self.string_code(s);
                self.present(x)
            }
            Value::StrSet(_) => return Err(unsupported("a constant set")),
        })
    }

    /// The code of a string constant in the bound dictionary.
    fn string_code(&mut self, s: &std::sync::Arc<str>) -> ir::Value {
        let k = self.plan.string(s);
        let codes = self.addr(Slot::StrCodes);
        let k = self.b.ins().iconst(types::I64, i64::from(k));
        self.load(types::I64, codes, k)
    }

    /// Row `index` of a column of type `ty`.
    pub(crate) fn read_cell(
        &mut self,
        ty: Type,
        valid: ir::Value,
        values: ir::Value,
        index: ir::Value,
        source: SetSource,
    ) -> Result<V, JitError> {
        let ok = self.bit(valid, index);
        let x = match ty {
            Type::Bool => self.bit(values, index),
            Type::Int | Type::Time | Type::Duration => self.load(types::I64, values, index),
            Type::Float => self.load(types::F64, values, index),
            Type::Enum(_) => self.load_u32(values, index),
            // A missing row's code is unspecified: read it as 0, a valid index.
            Type::Str => {
                let code = self.load_u32(values, index);
                let zero = self.b.ins().iconst(types::I64, 0);
                self.pick(ok, code, zero)
            }
            Type::StrSet => {
                let k = i64::from(self.plan.set_source(source));
                self.b.ins().bor_imm_s(index, k << SET_ROW_BITS)
            }
        };
        Ok(V { x, ok })
    }

    fn float_of(&mut self, v: V, from: Type) -> V {
        match from {
            Type::Float => v,
            _ => V {
                x: self.b.ins().fcvt_from_sint(types::F64, v.x),
                ok: v.ok,
            },
        }
    }

    /// `x` is finite (not NaN, not infinite), as `i8`.
    pub(crate) fn finite(&mut self, x: ir::Value) -> ir::Value {
        let abs = self.b.ins().fabs(x);
        let inf = self.b.ins().f64const(f64::INFINITY);
        self.b.ins().fcmp(FloatCC::LessThan, abs, inf)
    }

    fn arith(
        &mut self,
        op: ArithOp,
        l: V,
        lt: Type,
        r: V,
        rt: Type,
        ty: Type,
    ) -> Result<V, JitError> {
        let both = self.and(l.ok, r.ok);
        if op == ArithOp::Div {
            let l = self.float_of(l, lt);
            let r = self.float_of(r, rt);
            let x = self.b.ins().fdiv(l.x, r.x);
            let zero = self.b.ins().f64const(0.0);
            let nonzero = self.b.ins().fcmp(FloatCC::NotEqual, r.x, zero);
            let fin = self.finite(x);
            let ok = self.and(both, nonzero);
            let ok = self.and(ok, fin);
            return Ok(V { x, ok });
        }
        if ty == Type::Float {
            if lt != Type::Float || rt != Type::Float {
                return Err(unsupported("mixed float arithmetic"));
            }
            let (x, ok) = match op {
                ArithOp::Add => (self.b.ins().fadd(l.x, r.x), both),
                ArithOp::Sub => (self.b.ins().fsub(l.x, r.x), both),
                ArithOp::Mul => (self.b.ins().fmul(l.x, r.x), both),
                _ => {
                    let fmod = self.addr(Slot::Fmod);
                    let mut sig = ir::Signature::new(self.b.func.signature.call_conv);
                    sig.params.push(ir::AbiParam::new(types::F64));
                    sig.params.push(ir::AbiParam::new(types::F64));
                    sig.returns.push(ir::AbiParam::new(types::F64));
                    let sig = self.b.import_signature(sig);
                    let call = self.b.ins().call_indirect(sig, fmod, &[l.x, r.x]);
                    let x = self.b.inst_results(call)[0];
                    let zero = self.b.ins().f64const(0.0);
                    let nonzero = self.b.ins().fcmp(FloatCC::NotEqual, r.x, zero);
                    (x, self.and(both, nonzero))
                }
            };
            let fin = self.finite(x);
            let ok = self.and(ok, fin);
            return Ok(V { x, ok });
        }
        if clif_type(lt) != types::I64 || clif_type(rt) != types::I64 {
            return Err(unsupported("arithmetic on these types"));
        }
        Ok(match op {
            ArithOp::Add => V {
                x: self.b.ins().iadd(l.x, r.x),
                ok: both,
            },
            ArithOp::Sub => V {
                x: self.b.ins().isub(l.x, r.x),
                ok: both,
            },
            ArithOp::Mul => V {
                x: self.b.ins().imul(l.x, r.x),
                ok: both,
            },
            _ => {
                // `wrapping_rem`: by zero missing, by -1 zero (where `srem` may trap).
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, r.x, 0);
                let minus_one = self.b.ins().icmp_imm_s(IntCC::Equal, r.x, -1);
                let unsafe_divisor = self.b.ins().bor(zero, minus_one);
                let one = self.b.ins().iconst(types::I64, 1);
                let divisor = self.pick(unsafe_divisor, one, r.x);
                let rem = self.b.ins().srem(l.x, divisor);
                let zero_i = self.b.ins().iconst(types::I64, 0);
                let x = self.pick(minus_one, zero_i, rem);
                let nonzero = self.b.ins().bxor_imm_s(zero, 1);
                V {
                    x,
                    ok: self.and(both, nonzero),
                }
            }
        })
    }

    /// `l op r` as `i8`, false if either is missing.
    pub(crate) fn compare(
        &mut self,
        op: CmpOp,
        operand: Type,
        l: V,
        r: V,
    ) -> Result<ir::Value, JitError> {
        let both = self.and(l.ok, r.ok);
        let x = match operand {
            Type::Float => {
                let eq = self.b.ins().fcmp(FloatCC::Equal, l.x, r.x);
                match op {
                    CmpOp::Eq => eq,
                    CmpOp::Ne => self.b.ins().bxor_imm_s(eq, 1),
                    CmpOp::Lt => self.b.ins().fcmp(FloatCC::LessThan, l.x, r.x),
                    CmpOp::Le => self.b.ins().fcmp(FloatCC::LessThanOrEqual, l.x, r.x),
                    CmpOp::Gt => self.b.ins().fcmp(FloatCC::GreaterThan, l.x, r.x),
                    CmpOp::Ge => self.b.ins().fcmp(FloatCC::GreaterThanOrEqual, l.x, r.x),
                }
            }
            Type::StrSet => return Err(unsupported("comparing sets")),
            Type::Str if !matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                let a = self.rank(l.x);
                let b = self.rank(r.x);
                self.b.ins().icmp(int_cc(op), a, b)
            }
            _ => self.b.ins().icmp(int_cc(op), l.x, r.x),
        };
        Ok(self.and(x, both))
    }

    fn in_list(&mut self, sty: Type, s: V, list: &[Value]) -> Result<ir::Value, JitError> {
        // A long list of strings is a bitset over the codes; a short one, compares.
        if sty == Type::Str && list.len() > SHORT_LIST {
            let items = list
                .iter()
                .filter_map(|v| match v {
                    Value::Str(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            let slot = self.plan.bitset(BitsetReq::Strings(items));
            return Ok(self.code_in(slot, s)?.x);
        }
        let mut found = self.b.ins().iconst(types::I8, 0);
        // As the bitset does, a string list holds only its strings.
        let items = list
            .iter()
            .filter(|v| sty != Type::Str || matches!(v, Value::Str(_)));
        for item in items {
            let c = self.constant(item, sty)?;
            let eq = self.compare(CmpOp::Eq, sty, s, c)?;
            found = self.b.ins().bor(found, eq);
        }
        Ok(found)
    }

    /// Whether string code `v` is in the bitset over codes at table index `slot`; false
    /// if `v` is missing or not a bound code.
    fn code_in(&mut self, slot: u32, v: V) -> Result<V, JitError> {
        let (index, known) = self.known_code(v.x);
        let ok = self.and(v.ok, known);
        Ok(self.variant_in(slot, V { x: index, ok }))
    }

    /// Whether `v`, an index within the bitset at table index `slot` (an enum variant,
    /// or a bound string code), is in it; false if `v` is missing.
    fn variant_in(&mut self, slot: u32, v: V) -> V {
        let base = self
            .b
            .ins()
            .load(types::I64, Self::flags(), self.table, (slot * 8) as i32);
        let x = self.bit(base, v.x);
        let x = self.and(x, v.ok);
        self.present(x)
    }

    /// Whether profile set field `f` holds string constant `string`: a bit of the
    /// row's `SetMembers` word, which the runner computes per morsel for every
    /// constant tested against the field (a test on the set's elements would take a
    /// dozen instructions per element and constant).
    fn field_set_member(&mut self, f: u32, string: u32) -> V {
        let (slot, bit) = self.plan.set_member(f, string);
        let (at, offset) = self.row_entry(slot, self.row);
        let word = self.b.ins().load(types::I64, Self::flags(), at, offset);
        let shifted = self.b.ins().ushr_imm_s(word, i64::from(bit));
        let one = self.b.ins().band_imm_s(shifted, 1);
        let x = self.b.ins().ireduce(types::I8, one);
        self.present(x)
    }

    /// Whether profile set field `f` holds `e`. The first [`SET_UNROLLED`] elements
    /// are tested without a branch (a loop exit per row mispredicts on the set's
    /// size); a loop tests the rest, which most sets do not have.
    fn field_set_contains(&mut self, f: u32, e: V) -> V {
        let valid = self.addr(Slot::FieldValid(f));
        let present = self.bit(valid, self.row);
        let offsets = self.addr(Slot::SetOffsets(f));
        let codes = self.addr(Slot::FieldValues(f));
        let lo = self.load_u32(offsets, self.row);
        let next = self.b.ins().iadd_imm_s(self.row, 1);
        let hi = self.load_u32(offsets, next);
        let n = self.b.ins().isub(hi, lo);
        let first = self.elem(codes, lo, 4);
        let mut found = self.b.ins().iconst(types::I8, 0);
        for j in 0..SET_UNROLLED {
            let inside = self.b.ins().icmp_imm_s(IntCC::UnsignedGreaterThan, n, j);
            // Past the set, read the table (any readable address) and ignore it.
            let at = self.b.ins().iadd_imm_s(first, 4 * j);
            let at = self.pick(inside, at, self.table);
            let code = self.b.ins().load(types::I32, Self::flags(), at, 0);
            let code = self.b.ins().uextend(types::I64, code);
            let hit = self.b.ins().icmp(IntCC::Equal, code, e.x);
            let hit = self.and(hit, inside);
            found = self.b.ins().bor(found, hit);
        }
        let rest = self.b.ins().iadd_imm_s(lo, SET_UNROLLED);
        let found_var = self.b.declare_var(types::I8);
        self.b.def_var(found_var, found);
        let elements = self.begin_loop(rest, hi);
        let k = self.b.use_var(elements.i);
        let code = self.load_u32(codes, k);
        let hit = self.b.ins().icmp(IntCC::Equal, code, e.x);
        let found = self.b.use_var(found_var);
        let found = self.b.ins().bor(found, hit);
        self.b.def_var(found_var, found);
        self.end_loop(elements);
        let found = self.b.use_var(found_var);
        let both = self.and(present, e.ok);
        let x = self.and(found, both);
        self.present(x)
    }

    /// A helper `fn(texts, a, b) -> u8` (`contains` on codes, set membership): `i8` 0/1.
    fn call_helper(&mut self, helper: Slot, a: ir::Value, b: ir::Value) -> ir::Value {
        let texts = self.addr(Slot::Texts);
        let f = self.addr(helper);
        let mut sig = ir::Signature::new(self.b.func.signature.call_conv);
        for _ in 0..3 {
            sig.params.push(ir::AbiParam::new(types::I64));
        }
        sig.returns.push(ir::AbiParam::new(types::I8));
        let sig = self.b.import_signature(sig);
        let call = self.b.ins().call_indirect(sig, f, &[texts, a, b]);
        self.b.inst_results(call)[0]
    }
}

/// The integer condition of `op` (signed).
pub(super) fn int_cc(op: CmpOp) -> IntCC {
    match op {
        CmpOp::Eq => IntCC::Equal,
        CmpOp::Ne => IntCC::NotEqual,
        CmpOp::Lt => IntCC::SignedLessThan,
        CmpOp::Le => IntCC::SignedLessThanOrEqual,
        CmpOp::Gt => IntCC::SignedGreaterThan,
        CmpOp::Ge => IntCC::SignedGreaterThanOrEqual,
    }
}
