//! Arithmetic and comparison on values: the operators' meaning.
//!
//! * Missing in, missing out for arithmetic; a comparison with a missing operand is
//!   `false` (for every operator, `!=` included).
//! * `int`, `time` and `duration` arithmetic wraps (two's complement), like
//!   `i64::wrapping_*`; it never traps.
//! * Division always yields a float; dividing or taking a remainder by zero (int or
//!   float, `-0.0` included) is missing.
//! * A combination of types that the checker rejects yields missing (or `false`); it is
//!   unreachable for checked programs.

use std::cmp::Ordering;

use crate::ir::{ArithOp, CmpOp};

use super::val::Val;

/// `lhs op rhs`.
///
/// | operands | `+` | `-` | `*` | `/` | `%` |
/// |---|---|---|---|---|---|
/// | int, int | wrapping | wrapping | wrapping | float | `wrapping_rem` |
/// | float, float | IEEE | IEEE | IEEE | IEEE | IEEE `fmod` (sign of lhs) |
/// | time, duration | time | time | | | |
/// | duration, time | time | | | | |
/// | time, time | | duration | | | |
/// | duration, duration | duration | duration | | float (ratio) | duration |
/// | duration, int / int, duration | | | duration | | |
///
/// `/` converts int operands to float first (`a as f64 / b as f64`); an int and a float
/// are also accepted for `/`. A zero divisor makes `/` and `%` missing.
///
/// A float result that is not finite (an overflow to infinity, or NaN) is missing:
/// corral has no NaN or infinity, so every float it shows is a JSON number.
pub(crate) fn arith<'a>(op: ArithOp, lhs: Val<'a>, rhs: Val<'a>) -> Val<'a> {
    match arith_any(op, lhs, rhs) {
        Val::Float(f) if !f.is_finite() => Val::Missing,
        v => v,
    }
}

fn arith_any<'a>(op: ArithOp, lhs: Val<'a>, rhs: Val<'a>) -> Val<'a> {
    use Val::{Duration as D, Float as F, Int as I, Time as T};
    match (op, lhs, rhs) {
        (ArithOp::Add, I(a), I(b)) => I(a.wrapping_add(b)),
        (ArithOp::Add, F(a), F(b)) => F(a + b),
        (ArithOp::Add, T(a), D(b)) | (ArithOp::Add, D(b), T(a)) => T(a.wrapping_add(b)),
        (ArithOp::Add, D(a), D(b)) => D(a.wrapping_add(b)),

        (ArithOp::Sub, I(a), I(b)) => I(a.wrapping_sub(b)),
        (ArithOp::Sub, F(a), F(b)) => F(a - b),
        (ArithOp::Sub, T(a), T(b)) => D(a.wrapping_sub(b)),
        (ArithOp::Sub, T(a), D(b)) => T(a.wrapping_sub(b)),
        (ArithOp::Sub, D(a), D(b)) => D(a.wrapping_sub(b)),

        (ArithOp::Mul, I(a), I(b)) => I(a.wrapping_mul(b)),
        (ArithOp::Mul, F(a), F(b)) => F(a * b),
        (ArithOp::Mul, D(a), I(b)) | (ArithOp::Mul, I(b), D(a)) => D(a.wrapping_mul(b)),

        (ArithOp::Div, I(a), I(b)) => divide(a as f64, b as f64),
        (ArithOp::Div, F(a), F(b)) => divide(a, b),
        (ArithOp::Div, I(a), F(b)) => divide(a as f64, b),
        (ArithOp::Div, F(a), I(b)) => divide(a, b as f64),
        (ArithOp::Div, D(a), D(b)) => divide(a as f64, b as f64),

        (ArithOp::Rem, I(a), I(b)) if b != 0 => I(a.wrapping_rem(b)),
        (ArithOp::Rem, F(a), F(b)) if b != 0.0 => F(a % b),
        (ArithOp::Rem, D(a), D(b)) if b != 0 => D(a.wrapping_rem(b)),

        // Missing operands, zero remainders, and combinations a checked program never has.
        _ => Val::Missing,
    }
}

fn divide<'a>(a: f64, b: f64) -> Val<'a> {
    if b == 0.0 {
        Val::Missing
    } else {
        Val::Float(a / b)
    }
}

/// Unary minus: wrapping on int and duration (`-i64::MIN == i64::MIN`), IEEE on float.
pub(crate) fn neg(v: Val<'_>) -> Val<'_> {
    match v {
        Val::Int(i) => Val::Int(i.wrapping_neg()),
        Val::Float(f) => Val::Float(-f),
        Val::Duration(d) => Val::Duration(d.wrapping_neg()),
        _ => Val::Missing,
    }
}

/// Int to float (`i as f64`, round to nearest).
pub(crate) fn to_float(v: Val<'_>) -> Val<'_> {
    match v {
        Val::Int(i) => Val::Float(i as f64),
        Val::Float(f) => Val::Float(f),
        _ => Val::Missing,
    }
}

/// The order of two present values of the same type; `None` if either is missing, the
/// types differ, or a float is NaN.
///
/// Strings order by bytes (UTF-8 lexicographic, i.e. by code point), enums by variant
/// index, bools `false < true`, times and durations numerically, floats by IEEE.
/// Sets are not ordered.
pub(crate) fn order(lhs: Val<'_>, rhs: Val<'_>) -> Option<Ordering> {
    match (lhs, rhs) {
        (Val::Bool(a), Val::Bool(b)) => Some(a.cmp(&b)),
        (Val::Int(a), Val::Int(b)) => Some(a.cmp(&b)),
        (Val::Float(a), Val::Float(b)) => a.partial_cmp(&b),
        (Val::Str(a), Val::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Val::Time(a), Val::Time(b)) | (Val::Duration(a), Val::Duration(b)) => Some(a.cmp(&b)),
        (Val::Enum(e, a), Val::Enum(f, b)) if e == f => Some(a.cmp(&b)),
        _ => None,
    }
}

/// `lhs op rhs`: `false` if either operand is missing (or the operands are not of one
/// comparable type, which a checked program never has). Otherwise `<`, `<=`, `>`, `>=`
/// and `==` follow [`order`] (so any comparison with NaN is false), and `!=` is
/// `!(lhs == rhs)` (so `NaN != NaN` is true).
pub(crate) fn compare(op: CmpOp, lhs: Val<'_>, rhs: Val<'_>) -> bool {
    if !comparable(lhs, rhs) {
        return false;
    }
    let ord = order(lhs, rhs);
    op.holds(ord)
}

/// Both present and of the same comparable type.
fn comparable(lhs: Val<'_>, rhs: Val<'_>) -> bool {
    matches!(
        (lhs, rhs),
        (Val::Bool(_), Val::Bool(_))
            | (Val::Int(_), Val::Int(_))
            | (Val::Float(_), Val::Float(_))
            | (Val::Str(_), Val::Str(_))
            | (Val::Time(_), Val::Time(_))
            | (Val::Duration(_), Val::Duration(_))
    ) || matches!((lhs, rhs), (Val::Enum(e, _), Val::Enum(f, _)) if e == f)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    fn arb_val() -> impl Strategy<Value = Val<'static>> {
        prop_oneof![
            Just(Val::Missing),
            any::<bool>().prop_map(Val::Bool),
            any::<i64>().prop_map(Val::Int),
            any::<f64>().prop_map(Val::Float),
            prop_oneof![Just(0.0), Just(-0.0), Just(f64::NAN), Just(f64::INFINITY)]
                .prop_map(Val::Float),
            prop_oneof![Just(0i64), Just(-1), Just(i64::MIN), Just(i64::MAX)].prop_map(Val::Int),
            any::<i64>().prop_map(Val::Time),
            any::<i64>().prop_map(Val::Duration),
            prop_oneof![Just(0i64), Just(-1), Just(i64::MIN)].prop_map(Val::Duration),
            Just(Val::Str("x")),
        ]
    }

    fn arb_op() -> impl Strategy<Value = ArithOp> {
        prop_oneof![
            Just(ArithOp::Add),
            Just(ArithOp::Sub),
            Just(ArithOp::Mul),
            Just(ArithOp::Div),
            Just(ArithOp::Rem),
        ]
    }

    proptest! {
        #[test]
        fn arithmetic_never_panics(op in arb_op(), a in arb_val(), b in arb_val()) {
            let _ = arith(op, a, b);
            let _ = neg(a);
            let _ = to_float(a);
            let _ = compare(CmpOp::Le, a, b);
        }

        #[test]
        fn int_ops_wrap(a in any::<i64>(), b in any::<i64>()) {
            prop_assert!(matches!(arith(ArithOp::Add, Val::Int(a), Val::Int(b)), Val::Int(x) if x == a.wrapping_add(b)));
            prop_assert!(matches!(arith(ArithOp::Mul, Val::Int(a), Val::Int(b)), Val::Int(x) if x == a.wrapping_mul(b)));
        }
    }

    #[test]
    fn non_finite_floats_are_missing() {
        let big = Val::Float(1e200);
        assert!(arith(ArithOp::Mul, big, big).is_missing());
        assert!(arith(ArithOp::Add, Val::Float(f64::MAX), Val::Float(f64::MAX)).is_missing());
        assert!(arith(ArithOp::Div, Val::Float(1e300), Val::Float(1e-300)).is_missing());
        assert!(
            matches!(arith(ArithOp::Mul, Val::Float(1e100), Val::Float(1e100)), Val::Float(f) if f == 1e200)
        );
    }

    #[test]
    fn wrapping_edges() {
        assert!(matches!(
            arith(ArithOp::Add, Val::Int(i64::MAX), Val::Int(1)),
            Val::Int(i64::MIN)
        ));
        assert!(matches!(
            arith(ArithOp::Rem, Val::Int(i64::MIN), Val::Int(-1)),
            Val::Int(0)
        ));
        assert!(matches!(neg(Val::Int(i64::MIN)), Val::Int(i64::MIN)));
        assert!(matches!(neg(Val::Duration(5)), Val::Duration(-5)));
    }

    #[test]
    fn division() {
        assert!(matches!(arith(ArithOp::Div, Val::Int(7), Val::Int(2)), Val::Float(f) if f == 3.5));
        assert!(arith(ArithOp::Div, Val::Int(7), Val::Int(0)).is_missing());
        assert!(arith(ArithOp::Div, Val::Float(1.0), Val::Float(-0.0)).is_missing());
        assert!(arith(ArithOp::Rem, Val::Int(7), Val::Int(0)).is_missing());
        assert!(arith(ArithOp::Rem, Val::Float(7.0), Val::Float(0.0)).is_missing());
        assert!(arith(ArithOp::Rem, Val::Duration(7), Val::Duration(0)).is_missing());
        assert!(matches!(
            arith(ArithOp::Rem, Val::Int(-7), Val::Int(2)),
            Val::Int(-1)
        ));
        assert!(
            matches!(arith(ArithOp::Rem, Val::Float(-7.5), Val::Float(2.0)), Val::Float(f) if f == -1.5)
        );
        assert!(
            matches!(arith(ArithOp::Div, Val::Duration(3), Val::Duration(2)), Val::Float(f) if f == 1.5)
        );
    }

    #[test]
    fn time_arithmetic() {
        assert!(matches!(
            arith(ArithOp::Sub, Val::Time(10), Val::Time(4)),
            Val::Duration(6)
        ));
        assert!(matches!(
            arith(ArithOp::Sub, Val::Time(10), Val::Duration(4)),
            Val::Time(6)
        ));
        assert!(matches!(
            arith(ArithOp::Add, Val::Duration(4), Val::Time(10)),
            Val::Time(14)
        ));
        assert!(matches!(
            arith(ArithOp::Add, Val::Duration(4), Val::Duration(10)),
            Val::Duration(14)
        ));
        assert!(matches!(
            arith(ArithOp::Mul, Val::Int(3), Val::Duration(10)),
            Val::Duration(30)
        ));
        assert!(matches!(
            arith(ArithOp::Mul, Val::Duration(10), Val::Int(3)),
            Val::Duration(30)
        ));
        assert!(matches!(
            arith(ArithOp::Rem, Val::Duration(10), Val::Duration(3)),
            Val::Duration(1)
        ));
    }

    #[test]
    fn missing_and_mismatch() {
        assert!(arith(ArithOp::Add, Val::Missing, Val::Int(1)).is_missing());
        assert!(arith(ArithOp::Add, Val::Int(1), Val::Float(1.0)).is_missing());
        assert!(!compare(CmpOp::Ne, Val::Missing, Val::Int(1)));
        assert!(!compare(CmpOp::Eq, Val::Missing, Val::Missing));
        assert!(!compare(CmpOp::Eq, Val::Int(1), Val::Str("1")));
        assert!(!compare(CmpOp::Ne, Val::Int(1), Val::Str("1")));
        assert!(!compare(CmpOp::Ne, Val::Time(1), Val::Duration(1)));
    }

    #[test]
    fn comparisons() {
        let nan = Val::Float(f64::NAN);
        assert!(!compare(CmpOp::Eq, nan, nan));
        assert!(compare(CmpOp::Ne, nan, nan));
        assert!(!compare(CmpOp::Le, nan, Val::Float(1.0)));
        assert!(compare(CmpOp::Eq, Val::Float(0.0), Val::Float(-0.0)));
        assert!(compare(CmpOp::Lt, Val::Str("Z"), Val::Str("a")));
        assert!(compare(CmpOp::Lt, Val::Str("a"), Val::Str("é")));
        assert!(compare(CmpOp::Lt, Val::Bool(false), Val::Bool(true)));
        let e = crate::schema::EnumId(0);
        assert!(compare(CmpOp::Gt, Val::Enum(e, 2), Val::Enum(e, 1)));
        assert!(compare(CmpOp::Ge, Val::Duration(2), Val::Duration(2)));
        assert!(compare(CmpOp::Ne, Val::Time(1), Val::Time(2)));
    }
}
