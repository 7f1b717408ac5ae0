//! Missing values: comparisons are false, arithmetic is missing, a missing bool reads
//! false everywhere but `is`.

use crate::ir::ExprKind;
use crate::schema::Type;
use crate::value::Value;

use super::super::Interpreter;
use super::super::test_util::{A, Builder, C, NOW, Row, profiles, schema};
use super::eval1;

fn nobody() -> Row {
    Row::new("nobody")
}

#[test]
fn every_comparison_with_missing_is_false() {
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let one = b.int(1);
    let ops = [C::Eq, C::Ne, C::Lt, C::Le, C::Gt, C::Ge];
    let left: Vec<_> = ops.iter().map(|&op| b.cmp(op, age, one)).collect();
    let right: Vec<_> = ops.iter().map(|&op| b.cmp(op, one, age)).collect();
    let both: Vec<_> = ops.iter().map(|&op| b.cmp(op, age, age)).collect();
    let p = b.build();
    for e in left.into_iter().chain(right).chain(both) {
        assert_eq!(eval1(&p, nobody(), e), Value::Bool(false));
    }
}

#[test]
fn not_of_a_false_comparison_is_true() {
    // `not (age > 30)` is true for a profile with no age.
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let thirty = b.int(30);
    let gt = b.cmp(C::Gt, age, thirty);
    let not = b.not(gt);
    let p = b.build();
    assert_eq!(eval1(&p, nobody(), not), Value::Bool(true));
}

#[test]
fn arithmetic_with_missing_is_missing() {
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let one = b.int(1);
    let ops = [A::Add, A::Sub, A::Mul, A::Div, A::Rem];
    let es: Vec<_> = ops
        .iter()
        .flat_map(|&op| [b.arith(op, age, one), b.arith(op, one, age)])
        .collect();
    let neg = b.push(ExprKind::Neg(age), Type::Int);
    let to_float = b.push(ExprKind::ToFloat(age), Type::Float);
    let p = b.build();
    for e in es.into_iter().chain([neg, to_float]) {
        assert_eq!(eval1(&p, nobody(), e), Value::Missing);
    }
}

#[test]
fn missing_bool_field_reads_false_but_is_missing() {
    let mut b = Builder::new(schema());
    let paid = b.field("paid");
    let f = b.bool(false);
    let eq_false = b.cmp(C::Eq, paid, f);
    let not_paid = b.not(paid);
    let is_missing = b.is(paid, false);
    let and = b.and(&[paid]);
    let or = b.or(&[paid]);
    let in_false = b.push(
        ExprKind::InList {
            subject: paid,
            list: vec![Value::Bool(false)],
            negated: false,
        },
        Type::Bool,
    );
    let membership = b.tag("paid_tag", paid);
    let seg = b.segment("unpaid", not_paid);
    let p = b.build();
    let ev = |e| eval1(&p, nobody(), e);
    assert_eq!(ev(eq_false), Value::Bool(true));
    assert_eq!(ev(not_paid), Value::Bool(true));
    assert_eq!(ev(is_missing), Value::Bool(true));
    assert_eq!(ev(and), Value::Bool(false));
    assert_eq!(ev(or), Value::Bool(false));
    assert_eq!(ev(in_false), Value::Bool(true));
    // The raw value, for `expect`/`explain`.
    assert_eq!(ev(paid), Value::Missing);
    // A membership tag is a definite bool.
    let data = profiles(&p.schema, &[nobody()]);
    let values = Interpreter::new(&p).eval_profile(&data, 0, NOW);
    assert_eq!(values.tags[membership.0 as usize], Value::Bool(false));
    assert!(values.segments[seg.0 as usize]);
}

#[test]
fn bool_case_without_match_reads_false_but_is_missing() {
    let mut b = Builder::new(schema());
    let f = b.bool(false);
    let t = b.bool(true);
    let case = b.push(
        ExprKind::Case {
            arms: vec![(f, t)],
            default: None,
        },
        Type::Bool,
    );
    let not = b.not(case);
    let is_missing = b.is(case, false);
    let tag = b.tag("never", case);
    let p = b.build();
    assert_eq!(eval1(&p, nobody(), not), Value::Bool(true));
    assert_eq!(eval1(&p, nobody(), is_missing), Value::Bool(true));
    let data = profiles(&p.schema, &[nobody()]);
    let values = Interpreter::new(&p).eval_profile(&data, 0, NOW);
    assert_eq!(values.tags[tag.0 as usize], Value::Bool(false));
}

#[test]
fn missing_constant_from_folding() {
    // The checker folds `1 / 0` to a missing constant.
    let mut b = Builder::new(schema());
    let m = b.missing(Type::Float);
    let one = b.float(1.0);
    let lt = b.cmp(C::Lt, m, one);
    let p = b.build();
    assert_eq!(eval1(&p, nobody(), lt), Value::Bool(false));
}
