//! One test per expression kind (aggregates are in `aggregate`).

use crate::ir::ExprKind;
use crate::schema::{EnumId, Type};
use crate::time::DAY;
use crate::value::Value;

use super::super::test_util::{A, Builder, C, NOW, Row, schema, str_set};
use super::{eval_at, eval1};

const F: Value = Value::Enum(EnumId(0), 0);
const M: Value = Value::Enum(EnumId(0), 1);

fn alice() -> Row {
    Row::new("alice")
        .field("age", Value::Int(30))
        .field("paid", Value::Bool(true))
        .field("balance", Value::Float(2.5))
        .field("province", Value::Str("上海".into()))
        .field("signup_at", Value::Time(NOW - 3 * DAY))
        .field("gender", F)
        .field("interests", str_set(&["golf", "tea"]))
        .field("grace", Value::Duration(DAY))
}

#[test]
fn const_now_and_fields() {
    let mut b = Builder::new(schema());
    let c = b.int(7);
    let now = b.now();
    let fields: Vec<_> = [
        "age",
        "paid",
        "balance",
        "province",
        "signup_at",
        "gender",
        "interests",
        "grace",
    ]
    .iter()
    .map(|f| b.field(f))
    .collect();
    let p = b.build();
    assert_eq!(eval1(&p, alice(), c), Value::Int(7));
    assert_eq!(eval1(&p, alice(), now), Value::Time(NOW));
    let got: Vec<_> = fields.iter().map(|&f| eval1(&p, alice(), f)).collect();
    assert_eq!(
        got,
        vec![
            Value::Int(30),
            Value::Bool(true),
            Value::Float(2.5),
            Value::Str("上海".into()),
            Value::Time(NOW - 3 * DAY),
            F,
            str_set(&["golf", "tea"]),
            Value::Duration(DAY),
        ]
    );
}

#[test]
fn start_is_the_trigger_start_or_missing() {
    let mut b = Builder::new(schema());
    let start = b.push(ExprKind::Start, Type::Time);
    let p = b.build();
    let data = super::profiles(&p.schema, &[alice()]);
    let interp = super::Interpreter::new(&p);
    assert_eq!(
        interp.eval_expr(&data, 0, NOW, Some(5), start),
        Value::Time(5)
    );
    assert_eq!(interp.eval_expr(&data, 0, NOW, None, start), Value::Missing);
}

#[test]
fn not_and_or() {
    let mut b = Builder::new(schema());
    let (t, f) = (b.bool(true), b.bool(false));
    let not_t = b.not(t);
    let and_tf = b.and(&[t, f]);
    let and_tt = b.and(&[t, t]);
    let or_ft = b.or(&[f, t]);
    let or_ff = b.or(&[f, f]);
    let (and_empty, or_empty) = (b.and(&[]), b.or(&[]));
    let p = b.build();
    let check = |e, want| assert_eq!(eval1(&p, alice(), e), Value::Bool(want));
    check(not_t, false);
    check(and_tf, false);
    check(and_tt, true);
    check(or_ft, true);
    check(or_ff, false);
    check(and_empty, true);
    check(or_empty, false);
}

#[test]
fn neg_tofloat_and_arith_on_fields() {
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let neg = b.push(ExprKind::Neg(age), Type::Int);
    let as_float = b.push(ExprKind::ToFloat(age), Type::Float);
    let balance = b.field("balance");
    let sum = b.arith(A::Add, as_float, balance);
    let seven = b.int(7);
    let div = b.arith(A::Div, seven, age);
    let zero = b.int(0);
    let div0 = b.arith(A::Div, age, zero);
    let rem0 = b.arith(A::Rem, age, zero);
    let max = b.int(i64::MAX);
    let wrap = b.arith(A::Add, max, age);
    let now = b.now();
    let signup = b.field("signup_at");
    let since = b.arith(A::Sub, now, signup);
    let grace = b.field("grace");
    let deadline = b.arith(A::Add, signup, grace);
    let p = b.build();
    let ev = |e| eval1(&p, alice(), e);
    assert_eq!(ev(neg), Value::Int(-30));
    assert_eq!(ev(as_float), Value::Float(30.0));
    assert_eq!(ev(sum), Value::Float(32.5));
    assert_eq!(ev(div), Value::Float(7.0 / 30.0));
    assert_eq!(ev(div0), Value::Missing);
    assert_eq!(ev(rem0), Value::Missing);
    assert_eq!(ev(wrap), Value::Int(i64::MIN + 29));
    assert_eq!(ev(since), Value::Duration(3 * DAY));
    assert_eq!(ev(deadline), Value::Time(NOW - 2 * DAY));
}

#[test]
fn compare_data_strings_with_constants_by_text() {
    let mut b = Builder::new(schema());
    let province = b.field("province");
    let sh = b.str("上海");
    let js = b.str("江苏");
    let a = b.str("a");
    let eq = b.cmp(C::Eq, province, sh);
    let ne = b.cmp(C::Ne, province, js);
    // "上" (U+4E0A) sorts before "江" (U+6C5F), both after ASCII.
    let lt = b.cmp(C::Lt, province, js);
    let gt = b.cmp(C::Gt, province, a);
    let p = b.build();
    // Bob's province comes first in the dictionary, so codes differ from alice's run.
    let rows = [
        Row::new("bob").field("province", Value::Str("江苏".into())),
        alice(),
    ];
    for (e, want) in [(eq, true), (ne, true), (lt, true), (gt, true)] {
        assert_eq!(eval_at(&p, &rows, 1, e), Value::Bool(want));
    }
    assert_eq!(eval_at(&p, &rows, 0, eq), Value::Bool(false));
    assert_eq!(eval_at(&p, &rows, 0, lt), Value::Bool(false));
}

#[test]
fn compare_enums_by_variant_and_bools() {
    let mut b = Builder::new(schema());
    let g = b.field("gender");
    let m = b.konst(M);
    let eq = b.cmp(C::Eq, g, m);
    let lt = b.cmp(C::Lt, g, m);
    let paid = b.field("paid");
    let f = b.bool(false);
    let gt = b.cmp(C::Gt, paid, f);
    let p = b.build();
    assert_eq!(eval1(&p, alice(), eq), Value::Bool(false));
    assert_eq!(eval1(&p, alice(), lt), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), gt), Value::Bool(true));
}

#[test]
fn in_list_and_not_in() {
    let mut b = Builder::new(schema());
    let province = b.field("province");
    let east = vec![Value::Str("上海".into()), Value::Str("浙江".into())];
    let inl = b.push(
        ExprKind::InList {
            subject: province,
            list: east.clone(),
            negated: false,
        },
        Type::Bool,
    );
    let notin = b.push(
        ExprKind::InList {
            subject: province,
            list: east,
            negated: true,
        },
        Type::Bool,
    );
    let g = b.field("gender");
    let genders = b.push(
        ExprKind::InList {
            subject: g,
            list: vec![M, F],
            negated: false,
        },
        Type::Bool,
    );
    let p = b.build();
    let beijing = Row::new("b").field("province", Value::Str("北京".into()));
    assert_eq!(eval1(&p, alice(), inl), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), notin), Value::Bool(false));
    assert_eq!(eval1(&p, alice(), genders), Value::Bool(true));
    assert_eq!(eval1(&p, beijing, notin), Value::Bool(true));
    // Missing subject: false both ways.
    assert_eq!(eval1(&p, Row::new("x"), inl), Value::Bool(false));
    assert_eq!(eval1(&p, Row::new("x"), notin), Value::Bool(false));
}

#[test]
fn set_contains() {
    let mut b = Builder::new(schema());
    let set = b.field("interests");
    let golf = b.str("golf");
    let chess = b.str("chess");
    let has_golf = b.push(ExprKind::SetContains { set, elem: golf }, Type::Bool);
    let has_chess = b.push(ExprKind::SetContains { set, elem: chess }, Type::Bool);
    let province = b.field("province");
    let has_province = b.push(
        ExprKind::SetContains {
            set,
            elem: province,
        },
        Type::Bool,
    );
    let konst = b.konst(str_set(&["a", "golf"]));
    let const_has = b.push(
        ExprKind::SetContains {
            set: konst,
            elem: golf,
        },
        Type::Bool,
    );
    let p = b.build();
    assert_eq!(eval1(&p, alice(), has_golf), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), has_chess), Value::Bool(false));
    assert_eq!(eval1(&p, alice(), has_province), Value::Bool(false));
    assert_eq!(eval1(&p, alice(), const_has), Value::Bool(true));
    // Missing set; missing element.
    assert_eq!(eval1(&p, Row::new("x"), has_golf), Value::Bool(false));
    let no_province = Row::new("y").field("interests", str_set(&["golf"]));
    assert_eq!(eval1(&p, no_province, has_province), Value::Bool(false));
}

#[test]
fn str_contains_and_matches() {
    let mut b = Builder::new(schema());
    let province = b.field("province");
    let part = b.str("海");
    let empty = b.str("");
    let contains = b.push(
        ExprKind::StrContains {
            text: province,
            part,
        },
        Type::Bool,
    );
    let contains_empty = b.push(
        ExprKind::StrContains {
            text: province,
            part: empty,
        },
        Type::Bool,
    );
    let re = b.regex("海$");
    let matches = b.push(
        ExprKind::Matches {
            subject: province,
            regex: re,
        },
        Type::Bool,
    );
    let g = b.field("gender");
    let re_f = b.regex("^F");
    let enum_matches = b.push(
        ExprKind::Matches {
            subject: g,
            regex: re_f,
        },
        Type::Bool,
    );
    let p = b.build();
    assert_eq!(eval1(&p, alice(), contains), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), contains_empty), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), matches), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), enum_matches), Value::Bool(true));
    let male = Row::new("m").field("gender", M);
    assert_eq!(eval1(&p, male, enum_matches), Value::Bool(false));
    for e in [contains, contains_empty, matches, enum_matches] {
        assert_eq!(eval1(&p, Row::new("x"), e), Value::Bool(false));
    }
}

#[test]
fn is_present_and_missing() {
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let present = b.is(age, true);
    let missing = b.is(age, false);
    let p = b.build();
    assert_eq!(eval1(&p, alice(), present), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), missing), Value::Bool(false));
    assert_eq!(eval1(&p, Row::new("x"), present), Value::Bool(false));
    assert_eq!(eval1(&p, Row::new("x"), missing), Value::Bool(true));
}

#[test]
fn sample_uses_the_profile_id() {
    let mut b = Builder::new(schema());
    let s = b.push(
        ExprKind::Sample {
            fraction: 0.10,
            salt: "recall-2026".into(),
        },
        Type::Bool,
    );
    let p = b.build();
    // See `sample::tests::PYTHON_POINTS`: u1 is at 0.0145, u2 at 0.843.
    assert_eq!(eval1(&p, Row::new("u1"), s), Value::Bool(true));
    assert_eq!(eval1(&p, Row::new("u2"), s), Value::Bool(false));
}

#[test]
fn case_first_true_arm_default_and_none() {
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let (ten, twenty) = (b.int(10), b.int(20));
    let gt10 = b.cmp(C::Gt, age, ten);
    let gt20 = b.cmp(C::Gt, age, twenty);
    let (young, mid, old) = (b.str("young"), b.str("mid"), b.str("old"));
    // Arms overlap: the first true one wins.
    let with_default = b.push(
        ExprKind::Case {
            arms: vec![(gt10, mid), (gt20, old)],
            default: Some(young),
        },
        Type::Str,
    );
    let without = b.push(
        ExprKind::Case {
            arms: vec![(gt20, old)],
            default: None,
        },
        Type::Str,
    );
    let p = b.build();
    let kid = Row::new("k").field("age", Value::Int(5));
    assert_eq!(eval1(&p, alice(), with_default), Value::Str("mid".into()));
    assert_eq!(eval1(&p, kid, with_default), Value::Str("young".into()));
    let kid = Row::new("k").field("age", Value::Int(5));
    assert_eq!(eval1(&p, kid, without), Value::Missing);
    assert_eq!(eval1(&p, alice(), without), Value::Str("old".into()));
}

#[test]
fn tags_and_segments_read_the_rules_values() {
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let eighteen = b.int(18);
    let adult = b.cmp(C::Ge, age, eighteen);
    let adult_tag = b.tag("adult", adult);
    let two = b.int(2);
    let doubled = b.arith(A::Mul, age, two);
    let double_tag = b.tag("double_age", doubled);
    let adult_ref = b.tag_ref(adult_tag);
    let paid = b.field("paid");
    let body = b.and(&[adult_ref, paid]);
    let seg = b.segment("paying_adults", body);
    let seg_ref = b.segment_ref(seg);
    let double_ref = b.tag_ref(double_tag);
    let p = b.build();
    assert_eq!(eval1(&p, alice(), seg_ref), Value::Bool(true));
    assert_eq!(eval1(&p, alice(), double_ref), Value::Int(60));
    assert_eq!(eval1(&p, Row::new("x"), seg_ref), Value::Bool(false));
    assert_eq!(eval1(&p, Row::new("x"), double_ref), Value::Missing);
}
