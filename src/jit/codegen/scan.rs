//! Tests of a column against constants, 64 rows at a time: `age >= 18`,
//! `gender == F`, `province in east`, `phone is present`, `since(signup_at) < 30d`,
//! and in the late word function (`late`) tests of valued tags, `lifecycle == "lost"`
//! or `recency >= 4`. The word functions (`words`) compute them straight from the
//! column with vector compares (two rows per compare for 64-bit values, four for a
//! field's enum variants and string codes), take one bit per row from each compare's
//! mask, and and the word with the column's validity: a missing value makes every
//! comparison false, as in `Gen::compare`. The row function spent a dozen
//! instructions per test and row on the same work.
//!
//! A field's column is the profiles' (by profile row, validity a bitmap); a valued
//! tag's is what the row functions wrote for the morsel (`Slot::TagVals`, a word per
//! row, validity a byte per row in `Slot::TagOk`), which only the late word function,
//! run after them, can read. The word functions read a field's values for whole words
//! of 64 rows, so they run these only on words that are rows of the profiles
//! (`Native::uses_words`); a tag's buffers have room for whole words of a morsel.

use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{self, ConstantData, Endianness, InstBuilder, MemFlagsData, types};
use cranelift_frontend::FunctionBuilder;

use crate::ir::{ArithOp, CmpOp, ExprId, ExprKind, Program};
use crate::jit::plan::Slot;
use crate::schema::Type;
use crate::value::Value;

use super::Gen;
use super::expr::int_cc;
use super::words::Words;

/// The most constants an `in` list may have to be tested here (one compare each).
const MAX_ITEMS: usize = 4;

/// Rows per iteration of a test's loop over its word's rows: their compares' masks
/// narrow into one vector of a byte per row, whose sign bits are the rows' bits.
const STEP_ROWS: i64 = 16;

/// A test the word function computes: `subject` (of type `ty`) against constants.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConstTest<'p> {
    subject: Subject,
    ty: Type,
    kind: TestKind<'p>,
}

/// What a [`ConstTest`] tests.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Subject {
    /// A profile field.
    Field(u32),
    /// A valued tag, as the row functions wrote it.
    Tag(u32),
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
pub(crate) fn field_test(program: &Program, id: ExprId) -> Option<ConstTest<'_>> {
    let field = |e: ExprId| match program.expr(e).kind {
        ExprKind::Field(f) => Some((Subject::Field(f.0), program.expr(e).ty)),
        _ => None,
    };
    const_test(program, id, field, true)
}

/// The test of a valued tag `id` is, if the late word function can compute it: the
/// tag's values are a row functions' result, so no other word function can.
pub(crate) fn tag_test(program: &Program, id: ExprId) -> Option<ConstTest<'_>> {
    let tag = |e: ExprId| match program.expr(e).kind {
        ExprKind::Tag(t) if program.tag(t).ty != Type::Bool => {
            Some((Subject::Tag(t.0), program.tag(t).ty))
        }
        _ => None,
    };
    const_test(program, id, tag, false)
}

/// The test `id` is of a subject that `subject` recognises (or, with `since`, of
/// `since(field)`), if a word function can compute it.
fn const_test<'p>(
    program: &'p Program,
    id: ExprId,
    subject: impl Fn(ExprId) -> Option<(Subject, Type)>,
    since: bool,
) -> Option<ConstTest<'p>> {
    let constant = |e: ExprId| match &program.expr(e).kind {
        ExprKind::Const(v) if *v != Value::Missing => Some(v),
        _ => None,
    };
    let (subject, ty, kind) = match &program.expr(id).kind {
        ExprKind::Is {
            subject: s,
            present,
        } => {
            let (s, ty) = subject(*s)?;
            (s, ty, TestKind::Present(*present))
        }
        ExprKind::Compare { op, lhs, rhs } => {
            // The subject, or `since` of a time field.
            let side = |e: ExprId| match since.then(|| since_field(program, e)).flatten() {
                Some(f) => Some((Subject::Field(f), Type::Time, true)),
                None => subject(e).map(|(s, ty)| (s, ty, false)),
            };
            let ((s, ty, of_since), op, c) = match (side(*lhs), side(*rhs)) {
                (Some(s), _) => (s, *op, constant(*rhs)?),
                (None, Some(s)) => (s, mirrored(*op), constant(*lhs)?),
                (None, None) => return None,
            };
            // Strings order by rank, which the row function looks up.
            let ordered = !matches!(op, CmpOp::Eq | CmpOp::Ne);
            if lanes_of(s, ty).is_none() || (ordered && ty == Type::Str) {
                return None;
            }
            let kind = if of_since {
                TestKind::Since(op, c)
            } else {
                TestKind::Compare(op, c)
            };
            (s, ty, kind)
        }
        ExprKind::InList {
            subject: s,
            list,
            negated,
        } => {
            let (s, ty) = subject(*s)?;
            if list.len() > MAX_ITEMS || lanes_of(s, ty).is_none() || ty == Type::Float {
                return None;
            }
            (s, ty, TestKind::In(list, *negated))
        }
        _ => return None,
    };
    Some(ConstTest { subject, ty, kind })
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

/// The vector type `subject`'s column of `ty` is read as, if it is compared here: a
/// field's enum variants and string codes are `u32`, a tag's every value but a float
/// an `i64`.
fn lanes_of(subject: Subject, ty: Type) -> Option<ir::Type> {
    match (ty, subject) {
        (Type::Int | Type::Time | Type::Duration, _) => Some(types::I64X2),
        (Type::Float, _) => Some(types::F64X2),
        (Type::Enum(_) | Type::Str, Subject::Field(_)) => Some(types::I32X4),
        (Type::Enum(_) | Type::Str, Subject::Tag(_)) => Some(types::I64X2),
        (Type::Bool | Type::StrSet, _) => None,
    }
}

impl Words<'_, '_> {
    /// The bits of `test` for the current word's 64 rows.
    pub(super) fn test_word(&mut self, test: &ConstTest<'_>) -> ir::Value {
        let valid = match test.subject {
            Subject::Field(f) => self.load_word(Slot::FieldValid(f)),
            Subject::Tag(t) => self.tag_validity(t),
        };
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
        let Some(lanes) = lanes_of(test.subject, test.ty) else {
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
        // A field's column by profile row, a tag's buffer biased by the morsel's first
        // row (`Slot::row_entry_bytes`): the word's first row is `64 * global` in both.
        let base = match test.subject {
            Subject::Field(f) => self.addr(Slot::FieldValues(f)),
            Subject::Tag(t) => self.addr(Slot::TagVals(t)),
        };
        let size = i64::from(lanes.lane_type().bytes());
        let per = i64::from(lanes.lane_count());
        let b = &mut *self.b;
        let row0 = b.ins().imul_imm_s(self.global, 64 * size);
        let first = b.ins().iadd(base, row0);

        // A loop over the word's rows, `STEP_ROWS` an iteration: `k` is the
        // iteration's first row's bit, `at` its first row's address.
        let header = b.create_block();
        let k = b.append_block_param(header, types::I64);
        let word = b.append_block_param(header, types::I64);
        let at = b.append_block_param(header, types::I64);
        let body = b.create_block();
        let done = b.create_block();
        let result = b.append_block_param(done, types::I64);
        let zero = b.ins().iconst(types::I64, 0);
        b.ins()
            .jump(header, &[zero.into(), zero.into(), first.into()]);

        b.switch_to_block(header);
        let more = b.ins().icmp_imm_s(IntCC::SignedLessThan, k, 64);
        b.ins().brif(more, body, &[], done, &[word.into()]);

        b.switch_to_block(body);
        let mut masks = Vec::new();
        for u in 0..STEP_ROWS / per {
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
            masks.extend(mask);
        }
        let chunk = match step_bits(b, masks) {
            Some(bits) => b.ins().ishl(bits, k),
            None => zero,
        };
        let word_next = b.ins().bor(word, chunk);
        let k_next = b.ins().iadd_imm_s(k, STEP_ROWS);
        let at_next = b.ins().iadd_imm_s(at, STEP_ROWS * size);
        b.ins()
            .jump(header, &[k_next.into(), word_next.into(), at_next.into()]);

        b.switch_to_block(done);
        let result = if negated {
            b.ins().bnot(result)
        } else {
            result
        };
        b.ins().band(result, valid)
    }

    /// The validity bits of valued tag `t` for the current word's 64 rows: ones if the
    /// tag is never missing (the runner fills its validity so, `Plan::always_present`),
    /// else one per byte that the row functions wrote, sixteen bytes a compare.
    fn tag_validity(&mut self, t: u32) -> ir::Value {
        let oks = self.plan.slot(Slot::TagOk(t));
        if self.plan.always_present.contains(&oks) {
            return self.b.ins().iconst(types::I64, -1);
        }
        let base = self.addr(Slot::TagOk(t));
        let b = &mut *self.b;
        let row0 = b.ins().imul_imm_s(self.global, 64);
        let first = b.ins().iadd(base, row0);
        let zero = b.ins().iconst(types::I8, 0);
        let zeros = b.ins().splat(types::I8X16, zero);
        let mut word = None;
        for k in 0..4 {
            let bytes = b.ins().load(types::I8X16, Gen::flags(), first, k * 16);
            let set = b.ins().icmp(IntCC::NotEqual, bytes, zeros);
            let bits = b.ins().vhigh_bits(types::I64, set);
            let bits = if k == 0 {
                bits
            } else {
                b.ins().ishl_imm_s(bits, i64::from(k * 16))
            };
            word = Some(match word {
                Some(acc) => b.ins().bor(acc, bits),
                None => bits,
            });
        }
        word.unwrap_or_else(|| b.ins().iconst(types::I64, 0))
    }

    /// Constant `c` in every lane.
    fn splat(&mut self, lanes: ir::Type, c: &Value) -> ir::Value {
        let scalar = match c {
            Value::Int(x) | Value::Time(x) | Value::Duration(x) => {
                self.b.ins().iconst(types::I64, *x)
            }
            Value::Float(x) => self.b.ins().f64const(*x),
            Value::Enum(_, v) => self.b.ins().iconst(lanes.lane_type(), i64::from(*v)),
            Value::Str(s) => {
                // Its code in the bound dictionary (`Gen::string_code`): below 2^32.
                let k = self.plan.string(s);
                // Loaded where the test starts, not movable: as a movable load,
                // Cranelift would sink it and its splat into the loop over the rows.
                let codes = self.addr(Slot::StrCodes);
                let at = self.b.ins().iadd_imm_s(codes, i64::from(k) * 8);
                let code = self
                    .b
                    .ins()
                    .load(types::I64, MemFlagsData::trusted(), at, 0);
                if lanes.lane_type() == types::I64 {
                    code
                } else {
                    self.b.ins().ireduce(types::I32, code)
                }
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

/// The bits of one step's rows from their compares' masks, in row order: four rows a
/// mask of 32-bit lanes, or two of 64-bit lanes (paired into one of 32-bit lanes by a
/// `shufps`), narrowed twice into sixteen bytes and one `pmovmskb`. Four
/// instructions a row fewer than a mask of 64-bit lanes to bits at a time.
fn step_bits(b: &mut FunctionBuilder<'_>, masks: Vec<ir::Value>) -> Option<ir::Value> {
    let lanes = b.func.dfg.value_type(*masks.first()?);
    let order = MemFlagsData::new().with_endianness(Endianness::Little);
    let quads: Vec<ir::Value> = if lanes.lane_bits() == 64 {
        // Lanes 0 and 2 (as 32-bit lanes) of each of a pair: every row's low half.
        let low_halves: Vec<u8> = [0u8, 8, 16, 24].iter().flat_map(|&at| at..at + 4).collect();
        let imm = b.func.dfg.immediates.push(ConstantData::from(low_halves));
        masks
            .chunks(2)
            .map(|pair| {
                let x = b.ins().bitcast(types::I8X16, order, pair[0]);
                let y = match pair.get(1) {
                    Some(&y) => b.ins().bitcast(types::I8X16, order, y),
                    None => x,
                };
                let q = b.ins().shuffle(x, y, imm);
                b.ins().bitcast(types::I32X4, order, q)
            })
            .collect()
    } else {
        masks
    };
    let halves: Vec<ir::Value> = quads
        .chunks(2)
        .map(|pair| {
            b.ins()
                .snarrow(pair[0], pair.get(1).copied().unwrap_or(pair[0]))
        })
        .collect();
    let bytes = b
        .ins()
        .snarrow(halves[0], halves.get(1).copied().unwrap_or(halves[0]));
    Some(b.ins().vhigh_bits(types::I64, bytes))
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
