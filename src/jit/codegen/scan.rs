//! Tests of a profile field against constants, 64 rows at a time: `age >= 18`,
//! `gender == F`, `province in east`, `phone is present`, `since(signup_at) < 30d`.
//! The word function (`words`) computes them straight from the field's column with
//! vector compares (two rows per compare for 64-bit values, four for enum variants and
//! string codes), takes one bit per row from each compare's mask, and ands the word
//! with the field's validity bitmap: a missing value makes every comparison false, as
//! in `Gen::compare`. The row function spent a dozen instructions per test and row on
//! the same work.
//!
//! The word function reads the column's values for whole words of 64 rows, so it runs
//! these only on words that are rows of the profiles (`Native::uses_words`).

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, InstBuilder, types};

use crate::ir::{ArithOp, CmpOp, ExprId, ExprKind, Program};
use crate::jit::plan::Slot;
use crate::schema::Type;
use crate::value::Value;

use super::Gen;
use super::expr::int_cc;
use super::words::Words;

/// The most constants an `in` list may have to be tested here (one compare each).
const MAX_ITEMS: usize = 4;

/// Vector compares per iteration of a test's loop over its word's rows.
const UNROLL: i64 = 4;

/// A test the word function computes: field `field` (of type `ty`) against constants.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FieldTest<'p> {
    pub(crate) field: u32,
    ty: Type,
    kind: TestKind<'p>,
}

#[derive(Clone, Debug, PartialEq)]
enum TestKind<'p> {
    /// `is present` (`true`) or `is missing`.
    Present(bool),
    /// `field op constant`.
    Compare(CmpOp, &'p Value),
    /// `field in [constants]`, or `not in` (`true`).
    In(&'p [Value], bool),
    /// `since(field) op constant`: `now - field`, wrapping as the interpreter's
    /// subtraction does, against a duration.
    Since(CmpOp, &'p Value),
}

/// The field test `id` is, if the word function can compute it.
pub(crate) fn field_test(program: &Program, id: ExprId) -> Option<FieldTest<'_>> {
    let field = |e: ExprId| match program.expr(e).kind {
        ExprKind::Field(f) => Some((f.0, program.expr(e).ty)),
        _ => None,
    };
    let constant = |e: ExprId| match &program.expr(e).kind {
        ExprKind::Const(v) if *v != Value::Missing => Some(v),
        _ => None,
    };
    let (field, ty, kind) = match &program.expr(id).kind {
        ExprKind::Is { subject, present } => {
            let (f, ty) = field(*subject)?;
            (f, ty, TestKind::Present(*present))
        }
        ExprKind::Compare { op, lhs, rhs } => {
            // A field, or `since` of one.
            let subject = |e: ExprId| match since_field(program, e) {
                Some(f) => Some((f, Type::Time, true)),
                None => field(e).map(|(f, ty)| (f, ty, false)),
            };
            let ((f, ty, since), op, c) = match (subject(*lhs), subject(*rhs)) {
                (Some(s), _) => (s, *op, constant(*rhs)?),
                (None, Some(s)) => (s, mirrored(*op), constant(*lhs)?),
                (None, None) => return None,
            };
            // Strings order by rank, which the row function looks up.
            let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
            if lanes_of(ty).is_none() || (ordered && ty == Type::Str) {
                return None;
            }
            let kind = if since {
                TestKind::Since(op, c)
            } else {
                TestKind::Compare(op, c)
            };
            (f, ty, kind)
        }
        ExprKind::InList {
            subject,
            list,
            negated,
        } => {
            let (f, ty) = field(*subject)?;
            if list.len() > MAX_ITEMS || lanes_of(ty).is_none() || ty == Type::Float {
                return None;
            }
            (f, ty, TestKind::In(list, *negated))
        }
        _ => return None,
    };
    Some(FieldTest { field, ty, kind })
}

/// The time field `f` of `since(f)` (checked as `now - f`).
fn since_field(program: &Program, id: ExprId) -> Option<u32> {
    let ExprKind::Arith {
        op: ArithOp::Sub,
        lhs,
        rhs,
    } = program.expr(id).kind
    else {
        return None;
    };
    match (&program.expr(lhs).kind, &program.expr(rhs).kind) {
        (ExprKind::Now, ExprKind::Field(f)) if program.expr(rhs).ty == Type::Time => Some(f.0),
        _ => None,
    }
}

/// `a op b` as `b op' a`.
fn mirrored(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        op => op,
    }
}

/// The vector type a column of `ty` is read as, if it is compared here.
fn lanes_of(ty: Type) -> Option<ir::Type> {
    match ty {
        Type::Int | Type::Time | Type::Duration => Some(types::I64X2),
        Type::Float => Some(types::F64X2),
        Type::Enum(_) | Type::Str => Some(types::I32X4),
        Type::Bool | Type::StrSet => None,
    }
}

impl Words<'_, '_> {
    /// The bits of `test` for the current word's 64 rows.
    pub(super) fn test_word(&mut self, test: &FieldTest<'_>) -> ir::Value {
        let valid = self.load_word(Slot::FieldValid(test.field));
        let (constants, negated): (Vec<&Value>, bool) = match &test.kind {
            TestKind::Present(true) => return valid,
            TestKind::Present(false) => return self.b.ins().bnot(valid),
            TestKind::Compare(_, c) | TestKind::Since(_, c) => (vec![*c], false),
            // As `Gen::in_list` does, a list tested against a string holds only its
            // strings.
            TestKind::In(list, negated) => (
                list.iter()
                    .filter(|v| test.ty != Type::Str || matches!(v, Value::Str(_)))
                    .collect(),
                *negated,
            ),
        };
        let Some(lanes) = lanes_of(test.ty) else {
            return self.b.ins().iconst(types::I64, 0);
        };
        let splats: Vec<ir::Value> = constants.iter().map(|c| self.splat(lanes, c)).collect();
        let now = match test.kind {
            TestKind::Since(..) => {
                let now = self.addr(Slot::Now);
                Some(self.b.ins().splat(lanes, now))
            }
            _ => None,
        };
        let base = self.addr(Slot::FieldValues(test.field));
        let size = i64::from(lanes.lane_type().bytes());
        let per = i64::from(lanes.lane_count());
        let b = &mut *self.b;
        let row0 = b.ins().imul_imm_s(self.global, 64 * size);
        let first = b.ins().iadd(base, row0);

        // A loop over the word's rows, `UNROLL` vectors an iteration: `k` is the
        // iteration's first row's bit.
        let header = b.create_block();
        let k = b.append_block_param(header, types::I64);
        let word = b.append_block_param(header, types::I64);
        let body = b.create_block();
        let done = b.create_block();
        let result = b.append_block_param(done, types::I64);
        let zero = b.ins().iconst(types::I64, 0);
        b.ins().jump(header, &[zero.into(), zero.into()]);

        b.switch_to_block(header);
        let more = b.ins().icmp_imm_s(IntCC::SignedLessThan, k, 64);
        b.ins().brif(more, body, &[], done, &[word.into()]);

        b.switch_to_block(body);
        let off = b.ins().imul_imm_s(k, size);
        let at = b.ins().iadd(first, off);
        let mut chunk = None;
        for u in 0..UNROLL {
            let offset = i32::try_from(u * per * size).unwrap_or(0);
            let v = b.ins().load(lanes, Gen::flags(), at, offset);
            let v = match now {
                Some(now) => b.ins().isub(now, v),
                None => v,
            };
            let mut mask = None;
            for &c in &splats {
                let m = compare(b, &test.kind, lanes, v, c);
                mask = Some(match mask {
                    Some(acc) => b.ins().bor(acc, m),
                    None => m,
                });
            }
            let Some(mask) = mask else {
                continue;
            };
            let bits = b.ins().vhigh_bits(types::I64, mask);
            let bits = if u == 0 {
                bits
            } else {
                b.ins().ishl_imm_s(bits, u * per)
            };
            chunk = Some(match chunk {
                Some(acc) => b.ins().bor(acc, bits),
                None => bits,
            });
        }
        let chunk = match chunk {
            Some(chunk) => b.ins().ishl(chunk, k),
            None => zero,
        };
        let word_next = b.ins().bor(word, chunk);
        let k_next = b.ins().iadd_imm_s(k, UNROLL * per);
        b.ins().jump(header, &[k_next.into(), word_next.into()]);

        b.switch_to_block(done);
        let result = if negated {
            b.ins().bnot(result)
        } else {
            result
        };
        b.ins().band(result, valid)
    }

    /// Constant `c` in every lane.
    fn splat(&mut self, lanes: ir::Type, c: &Value) -> ir::Value {
        let scalar = match c {
            Value::Int(x) | Value::Time(x) | Value::Duration(x) => {
                self.b.ins().iconst(types::I64, *x)
            }
            Value::Float(x) => self.b.ins().f64const(*x),
            Value::Enum(_, v) => self.b.ins().iconst(types::I32, i64::from(*v)),
            Value::Str(s) => {
                // Its code in the bound dictionary (`Gen::string_code`): below 2^32.
                let k = self.plan.string(s);
                let codes = self.addr(Slot::StrCodes);
                let at = self.b.ins().iadd_imm_s(codes, i64::from(k) * 8);
                let code = self.b.ins().load(types::I64, Gen::flags(), at, 0);
                self.b.ins().ireduce(types::I32, code)
            }
            // Not a constant of a compared type (`field_test` takes none).
            Value::Bool(_) | Value::StrSet(_) | Value::Missing => {
                let zero = self.b.ins().iconst(lanes.lane_type(), 0);
                return self.b.ins().splat(lanes, zero);
            }
        };
        self.b.ins().splat(lanes, scalar)
    }
}

/// `v op c` lane by lane (all ones where it holds), `op` the test's (`==` for a list).
fn compare(
    b: &mut cranelift_frontend::FunctionBuilder<'_>,
    kind: &TestKind<'_>,
    lanes: ir::Type,
    v: ir::Value,
    c: ir::Value,
) -> ir::Value {
    let op = match *kind {
        TestKind::Compare(op, _) | TestKind::Since(op, _) => op,
        _ => CmpOp::Eq,
    };
    if lanes == types::F64X2 {
        // As `Gen::compare`: `!=` is not `==` (so NaN is unequal to everything).
        let cc = match op {
            CmpOp::Eq | CmpOp::Ne => FloatCC::Equal,
            CmpOp::Lt => FloatCC::LessThan,
            CmpOp::Le => FloatCC::LessThanOrEqual,
            CmpOp::Gt => FloatCC::GreaterThan,
            CmpOp::Ge => FloatCC::GreaterThanOrEqual,
        };
        let m = b.ins().fcmp(cc, v, c);
        return if op == CmpOp::Ne { b.ins().bnot(m) } else { m };
    }
    b.ins().icmp(int_cc(op), v, c)
}
