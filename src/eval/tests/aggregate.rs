//! Event aggregates: windows, filters, and each function's edge cases.

use crate::ir::Window;
use crate::time::DAY;
use crate::value::Value;

use super::super::test_util::{ALL, Builder, C, F, NOW, Row, schema};
use super::eval1;

fn pay(amount: f64) -> Vec<(&'static str, Value)> {
    vec![("amount", Value::Float(amount))]
}

fn view(category: &str) -> Vec<(&'static str, Value)> {
    vec![("category", Value::Str(category.into()))]
}

#[test]
fn within_excludes_the_lower_bound_and_future_events() {
    let mut b = Builder::new(schema());
    let week = b.dur(7 * DAY);
    let count = b.agg(F::Count, "pay", None, None, Window::Within(week));
    let all = b.agg(F::Count, "pay", None, None, ALL);
    let p = b.build();
    let row = Row::new("a")
        .event("pay", NOW - 7 * DAY, pay(1.0)) // excluded: now - d < at
        .event("pay", NOW - 7 * DAY + 1, pay(1.0))
        .event("pay", NOW, pay(1.0)) // included: at <= now
        .event("pay", NOW + 1, pay(1.0)); // future: ignored by everything
    assert_eq!(eval1(&p, row, count), Value::Int(2));
    let row = Row::new("a")
        .event("pay", NOW - 7 * DAY, pay(1.0))
        .event("pay", NOW + 1, pay(1.0));
    assert_eq!(eval1(&p, row, all), Value::Int(1));
}

#[test]
fn since_includes_its_bound() {
    let mut b = Builder::new(schema());
    let t = b.time(NOW - 3 * DAY);
    let count = b.agg(F::Count, "pay", None, None, Window::Since(t));
    let p = b.build();
    let row = Row::new("a")
        .event("pay", NOW - 3 * DAY - 1, pay(1.0))
        .event("pay", NOW - 3 * DAY, pay(1.0))
        .event("pay", NOW, pay(1.0))
        .event("pay", NOW + DAY, pay(1.0));
    assert_eq!(eval1(&p, row, count), Value::Int(2));
}

#[test]
fn missing_window_bound_matches_nothing() {
    let mut b = Builder::new(schema());
    let grace = b.field("grace");
    let within = b.agg(F::Count, "pay", None, None, Window::Within(grace));
    let signup = b.field("signup_at");
    let since = b.agg(F::Exists, "pay", None, None, Window::Since(signup));
    let p = b.build();
    let row = || Row::new("a").event("pay", NOW, pay(1.0));
    assert_eq!(eval1(&p, row(), within), Value::Int(0));
    assert_eq!(eval1(&p, row(), since), Value::Bool(false));
    let row = row().field("grace", Value::Duration(DAY));
    assert_eq!(eval1(&p, row, within), Value::Int(1));
}

#[test]
fn huge_window_does_not_overflow() {
    let mut b = Builder::new(schema());
    let d = b.dur(i64::MAX);
    let count = b.agg(F::Count, "pay", None, None, Window::Within(d));
    let p = b.build();
    let row = Row::new("a")
        .event("pay", i64::MIN, pay(1.0))
        .event("pay", 0, pay(1.0));
    assert_eq!(eval1(&p, row, count), Value::Int(1));
}

#[test]
fn filter_reads_props_at_and_profile_fields() {
    let mut b = Builder::new(schema());
    let amount = b.prop("pay", "amount");
    let balance = b.field("balance");
    let big = b.cmp(C::Gt, amount, balance);
    let count = b.agg(F::Count, "pay", None, Some(big), ALL);
    let at = b.at();
    let cutoff = b.time(NOW - DAY);
    let recent = b.cmp(C::Ge, at, cutoff);
    let recent_count = b.agg(F::Count, "pay", None, Some(recent), ALL);
    let ok = b.prop("pay", "ok");
    // A missing bool property reads false in a filter.
    let ok_count = b.agg(F::Count, "pay", None, Some(ok), ALL);
    let p = b.build();
    let row = || {
        Row::new("a")
            .field("balance", Value::Float(10.0))
            .event(
                "pay",
                NOW - 2 * DAY,
                vec![("amount", Value::Float(50.0)), ("ok", Value::Bool(true))],
            )
            .event("pay", NOW - DAY, pay(5.0))
            .event("pay", NOW, pay(11.0))
    };
    assert_eq!(eval1(&p, row(), count), Value::Int(2));
    assert_eq!(eval1(&p, row(), recent_count), Value::Int(2));
    assert_eq!(eval1(&p, row(), ok_count), Value::Int(1));
}

#[test]
fn nested_aggregate_in_a_filter() {
    // count(pay where amount > avg(pay.amount))
    let mut b = Builder::new(schema());
    let amount = b.prop("pay", "amount");
    let avg = b.agg(F::Avg, "pay", Some("amount"), None, ALL);
    let above = b.cmp(C::Gt, amount, avg);
    let count = b.agg(F::Count, "pay", None, Some(above), ALL);
    let p = b.build();
    let row = Row::new("a")
        .event("pay", 1, pay(1.0))
        .event("pay", 2, pay(2.0))
        .event("pay", 3, pay(6.0));
    assert_eq!(eval1(&p, row, count), Value::Int(1));
}

#[test]
fn sum_avg_min_max_skip_missing_and_handle_none() {
    let mut b = Builder::new(schema());
    let sum_f = b.agg(F::Sum, "pay", Some("amount"), None, ALL);
    let sum_i = b.agg(F::Sum, "pay", Some("qty"), None, ALL);
    let avg = b.agg(F::Avg, "pay", Some("amount"), None, ALL);
    let avg_i = b.agg(F::Avg, "pay", Some("qty"), None, ALL);
    let min = b.agg(F::Min, "pay", Some("amount"), None, ALL);
    let max = b.agg(F::Max, "pay", Some("qty"), None, ALL);
    let min_s = b.agg(F::Min, "pay", Some("coupon"), None, ALL);
    let max_at = b.agg(F::Max, "pay", Some("at"), None, ALL);
    let p = b.build();
    let row = || {
        Row::new("a")
            .event(
                "pay",
                1,
                vec![("amount", Value::Float(3.0)), ("qty", Value::Int(i64::MAX))],
            )
            .event("pay", 2, vec![("coupon", Value::Str("b".into()))])
            .event(
                "pay",
                3,
                vec![
                    ("amount", Value::Float(1.5)),
                    ("qty", Value::Int(2)),
                    ("coupon", Value::Str("a".into())),
                ],
            )
    };
    let ev = |e| eval1(&p, row(), e);
    assert_eq!(ev(sum_f), Value::Float(4.5));
    assert_eq!(ev(sum_i), Value::Int(i64::MAX.wrapping_add(2)));
    assert_eq!(ev(avg), Value::Float(2.25));
    assert_eq!(ev(avg_i), Value::Float((i64::MAX as f64 + 2.0) / 2.0));
    assert_eq!(ev(min), Value::Float(1.5));
    assert_eq!(ev(max), Value::Int(i64::MAX));
    assert_eq!(ev(min_s), Value::Str("a".into()));
    assert_eq!(ev(max_at), Value::Time(3));

    let none = || Row::new("none");
    assert_eq!(eval1(&p, none(), sum_f), Value::Float(0.0));
    assert_eq!(eval1(&p, none(), sum_i), Value::Int(0));
    for e in [avg, avg_i, min, max, min_s, max_at] {
        assert_eq!(eval1(&p, none(), e), Value::Missing);
    }
    // Only missing values: like none.
    let blank = Row::new("blank").event("pay", 1, vec![]);
    assert_eq!(eval1(&p, blank, avg), Value::Missing);
}

#[test]
fn min_max_float_nan_poisons() {
    let mut b = Builder::new(schema());
    let min = b.agg(F::Min, "pay", Some("amount"), None, ALL);
    let p = b.build();
    let row = Row::new("a")
        .event("pay", 1, pay(1.0))
        .event("pay", 2, pay(f64::NAN))
        .event("pay", 3, pay(0.5));
    let Value::Float(f) = eval1(&p, row, min) else {
        panic!("not a float")
    };
    assert!(f.is_nan());
}

#[test]
fn first_and_last_with_ties_and_missing_props() {
    let mut b = Builder::new(schema());
    let first = b.agg(F::First, "pay", Some("coupon"), None, ALL);
    let last = b.agg(F::Last, "pay", Some("coupon"), None, ALL);
    let last_at = b.agg(F::Last, "pay", Some("at"), None, ALL);
    let first_amount = b.agg(F::First, "pay", Some("amount"), None, ALL);
    let p = b.build();
    let coupon = |c: &str| vec![("coupon", Value::Str(c.into()))];
    let row = || {
        Row::new("a")
            .event("pay", 5, coupon("tie-first"))
            .event("pay", 5, coupon("tie-second"))
            .event("pay", 9, coupon("late-first"))
            .event("pay", 9, coupon("late-second"))
            .event("pay", NOW + 1, coupon("future"))
    };
    assert_eq!(eval1(&p, row(), first), Value::Str("tie-first".into()));
    assert_eq!(eval1(&p, row(), last), Value::Str("late-second".into()));
    assert_eq!(eval1(&p, row(), last_at), Value::Time(9));
    // The earliest event has no amount: missing, not the next one's.
    assert_eq!(eval1(&p, row(), first_amount), Value::Missing);
    assert_eq!(eval1(&p, Row::new("none"), last_at), Value::Missing);
}

#[test]
fn first_last_bool_prop_missing_reads_false_but_is_missing() {
    let mut b = Builder::new(schema());
    let last_ok = b.agg(F::Last, "pay", Some("ok"), None, ALL);
    let not = b.not(last_ok);
    let is_missing = b.is(last_ok, false);
    let p = b.build();
    let row = || Row::new("a").event("pay", 1, pay(1.0));
    assert_eq!(eval1(&p, row(), not), Value::Bool(true));
    assert_eq!(eval1(&p, row(), is_missing), Value::Bool(true));
}

fn streak_program() -> (crate::ir::Program, crate::ir::ExprId) {
    let mut b = Builder::new(schema());
    let cat = b.prop("view", "category");
    let baby = b.str("母婴");
    let is_baby = b.cmp(C::Eq, cat, baby);
    let streak = b.agg(F::Streak, "view", None, Some(is_baby), ALL);
    (b.build(), streak)
}

#[test]
fn streak_is_the_latest_run() {
    let (p, streak) = streak_program();
    let row = Row::new("a")
        .event("view", 1, view("母婴"))
        .event("view", 2, view("母婴"))
        .event("view", 3, view("母婴"))
        .event("view", 4, view("sport"))
        .event("view", 5, view("母婴"))
        .event("view", 6, view("母婴"));
    assert_eq!(eval1(&p, row, streak), Value::Int(2));
}

#[test]
fn streak_counts_a_run_followed_by_non_matching_events() {
    let (p, streak) = streak_program();
    let row = Row::new("a")
        .event("view", 1, view("母婴"))
        .event("view", 2, view("sport"))
        .event("view", 3, view("母婴"))
        .event("view", 4, view("母婴"))
        .event("view", 5, view("母婴"))
        .event("view", 6, view("sport"))
        .event("view", 7, view("news"))
        .event("view", NOW + 1, view("母婴")); // future: ignored
    assert_eq!(eval1(&p, row, streak), Value::Int(3));
}

#[test]
fn streak_is_zero_without_a_matching_event() {
    let (p, streak) = streak_program();
    let row = Row::new("a").event("view", 1, view("sport"));
    assert_eq!(eval1(&p, row, streak), Value::Int(0));
    assert_eq!(eval1(&p, Row::new("none"), streak), Value::Int(0));
}

#[test]
fn streak_only_walks_the_window() {
    // Events outside the window neither extend nor break a run.
    let mut b = Builder::new(schema());
    let cat = b.prop("view", "category");
    let baby = b.str("母婴");
    let is_baby = b.cmp(C::Eq, cat, baby);
    let t = b.time(10);
    let streak = b.agg(F::Streak, "view", None, Some(is_baby), Window::Since(t));
    let p = b.build();
    let row = Row::new("a")
        .event("view", 5, view("母婴"))
        .event("view", 10, view("母婴"))
        .event("view", 11, view("母婴"));
    assert_eq!(eval1(&p, row, streak), Value::Int(2));
}

#[test]
fn exists_and_count_of_other_types_are_separate() {
    let mut b = Builder::new(schema());
    let exists_view = b.agg(F::Exists, "view", None, None, ALL);
    let count_pay = b.agg(F::Count, "pay", None, None, ALL);
    let p = b.build();
    let row = || Row::new("a").event("pay", 1, pay(1.0));
    assert_eq!(eval1(&p, row(), exists_view), Value::Bool(false));
    assert_eq!(eval1(&p, row(), count_pay), Value::Int(1));
}
