//! The public API: whole profiles, single expressions, constants, batches.

use std::sync::Mutex;

use crate::data::ColumnValues;
use crate::ir::{ExprKind, Program};
use crate::schema::Type;
use crate::time::DAY;
use crate::value::Value;

use super::super::test_util::{A, ALL, Builder, C, F, NOW, Row, profiles, schema};
use super::super::{Interpreter, MORSEL_ROWS, ProfileValues, eval_const};

/// tags: adult (age >= 18), age_band (case), pays (count(pay)); segment: vip_adults.
fn program() -> Program {
    let mut b = Builder::new(schema());
    let age = b.field("age");
    let eighteen = b.int(18);
    let adult = b.cmp(C::Ge, age, eighteen);
    let adult = b.tag("adult", adult);
    let ten = b.int(10);
    let band = b.arith(A::Div, age, ten);
    let band = b.tag("age_band", band);
    let count = b.agg(F::Count, "pay", None, None, ALL);
    let pays = b.tag("pays", count);
    let adult_ref = b.tag_ref(adult);
    let pays_ref = b.tag_ref(pays);
    let one = b.int(1);
    let paying = b.cmp(C::Ge, pays_ref, one);
    let body = b.and(&[adult_ref, paying]);
    b.segment("vip_adults", body);
    let _ = band;
    b.build()
}

fn row(i: usize) -> Row {
    let id: &'static str = Box::leak(format!("user-{i}").into_boxed_str());
    let mut r = Row::new(id).field("age", Value::Int((i % 40) as i64));
    for k in 0..(i % 3) {
        r = r.event("pay", NOW - k as i64 * DAY, vec![]);
    }
    r
}

#[test]
fn eval_profile_gives_every_rule() {
    let p = program();
    let data = profiles(&p.schema, &[row(35), row(4)]);
    let interp = Interpreter::new(&p);
    assert_eq!(
        interp.eval_profile(&data, 0, NOW),
        ProfileValues {
            tags: vec![Value::Bool(true), Value::Float(3.5), Value::Int(2)],
            segments: vec![true],
        }
    );
    // Profile 1's events are its own (offsets), and it is a minor.
    assert_eq!(
        interp.eval_profile(&data, 1, NOW),
        ProfileValues {
            tags: vec![Value::Bool(false), Value::Float(0.4), Value::Int(1)],
            segments: vec![false],
        }
    );
}

#[test]
fn rules_declared_before_their_dependencies_still_work() {
    // `order` lists dependencies first; tag ids need not be in that order.
    let mut p = program();
    p.order.reverse();
    let data = profiles(&p.schema, &[row(35)]);
    let values = Interpreter::new(&p).eval_profile(&data, 0, NOW);
    assert_eq!(values.segments, vec![true]);
}

#[test]
fn eval_const_for_test_givens() {
    let mut b = Builder::new(schema());
    let now = b.now();
    let two_days = b.dur(2 * DAY);
    let e = b.arith(A::Sub, now, two_days);
    let age = b.field("age");
    let sample = b.push(
        ExprKind::Sample {
            fraction: 1.0,
            salt: "s".into(),
        },
        Type::Bool,
    );
    let count = b.agg(F::Count, "pay", None, None, ALL);
    let p = b.build();
    assert_eq!(eval_const(&p, e, NOW), Value::Time(NOW - 2 * DAY));
    assert_eq!(eval_const(&p, age, NOW), Value::Missing);
    assert_eq!(eval_const(&p, sample, NOW), Value::Missing);
    assert_eq!(eval_const(&p, count, NOW), Value::Int(0));
}

#[test]
fn out_of_range_rows_and_exprs_do_not_panic() {
    let p = program();
    let data = profiles(&p.schema, &[row(35)]);
    let interp = Interpreter::new(&p);
    let values = interp.eval_profile(&data, 99, NOW);
    assert_eq!(values.tags[0], Value::Bool(false));
    assert_eq!(
        interp.eval_expr(&data, 0, NOW, None, crate::ir::ExprId(9999)),
        Value::Missing
    );
}

#[test]
fn malformed_columns_read_as_missing() {
    let p = program();
    let mut data = profiles(&p.schema, &[row(35), row(36)]);
    // Truncate the age column and corrupt the event offsets.
    if let ColumnValues::Int(v) = &mut data.columns[0].values {
        v.truncate(1);
    }
    data.events[0].offsets = vec![0, 50];
    data.columns[3].values = ColumnValues::Str(vec![12345, 12345]);
    data.columns[3].valid = crate::data::Bitmap::with_len(2, true);
    let interp = Interpreter::new(&p);
    let values = interp.eval_profile(&data, 1, NOW);
    assert_eq!(values.tags[1], Value::Missing);
    let mut b = Builder::new(schema());
    let province = b.field("province");
    let q = b.build();
    assert_eq!(
        Interpreter::new(&q).eval_expr(&data, 0, NOW, None, province),
        Value::Missing
    );
}

#[test]
fn eval_batch_visits_rows_in_order() {
    let p = program();
    let rows: Vec<_> = (0..50).map(row).collect();
    let data = profiles(&p.schema, &rows);
    let interp = Interpreter::new(&p);
    let mut seen = Vec::new();
    interp.eval_batch(&data, 10..60, NOW, &mut |r, v| {
        assert_eq!(v, &interp.eval_profile(&data, r, NOW));
        seen.push(r);
    });
    assert_eq!(seen, (10..50).collect::<Vec<_>>());
}

#[test]
fn eval_parallel_folds_morsels_in_row_order() {
    let p = program();
    let n = 2 * MORSEL_ROWS + 123;
    let rows: Vec<_> = (0..n).map(row).collect();
    let data = profiles(&p.schema, &rows);
    let interp = Interpreter::new(&p);

    let mut sequential = 0usize;
    interp.eval_batch(&data, 0..n, NOW, &mut |_, v| {
        sequential += usize::from(v.segments[0]);
    });

    for threads in [Some(2), None] {
        let mut order = Vec::new();
        let mut members = 0usize;
        interp
            .eval_parallel(
                &data,
                NOW,
                threads,
                || (Vec::new(), 0usize),
                |(rows, count), row, v| {
                    rows.push(row);
                    *count += usize::from(v.segments[0]);
                },
                |(rows, count)| {
                    order.extend(rows);
                    members += count;
                },
            )
            .unwrap();
        assert_eq!(order, (0..n).collect::<Vec<_>>());
        assert_eq!(members, sequential);
    }
    assert!(sequential > 0);
}

#[test]
fn interpreter_is_shareable_across_threads() {
    let p = program();
    let data = profiles(&p.schema, &[row(35)]);
    let interp = Interpreter::new(&p);
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let v = interp.eval_profile(&data, 0, NOW);
                out.lock().unwrap().push(v);
            });
        }
    });
    let out = out.into_inner().unwrap();
    assert_eq!(out[0], out[1]);
}

#[test]
fn a_rule_cycle_reads_missing_instead_of_recursing() {
    // The checker rejects cycles; the interpreter must still not overflow the stack.
    let mut b = Builder::new(schema());
    let placeholder = b.bool(true);
    let a = b.tag("a", placeholder);
    let a_ref = b.tag_ref(a);
    let not_a = b.not(a_ref);
    let mut p = b.build();
    p.tags[0].body = not_a;
    let data = profiles(&p.schema, &[row(1)]);
    let values = Interpreter::new(&p).eval_profile(&data, 0, NOW);
    assert_eq!(values.tags, vec![Value::Bool(true)]);
}
