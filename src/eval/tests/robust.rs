//! Malformed profiles (short columns, bad offsets, unknown dictionary codes) never make
//! the interpreter panic.

use proptest::prelude::*;

use crate::data::{Bitmap, Column, ColumnValues, Profiles};
use crate::ir::{ExprKind, Program};
use crate::schema::Type;
use crate::value::Value;

use super::super::Interpreter;
use super::super::test_util::{ALL, Builder, C, F, NOW, Row, profiles, schema, str_set};

/// Reads every field and event property through the main expression kinds.
fn program() -> Program {
    let mut b = Builder::new(schema());
    for name in [
        "age",
        "paid",
        "balance",
        "province",
        "signup_at",
        "gender",
        "interests",
        "grace",
    ] {
        let f = b.field(name);
        let present = b.is(f, true);
        b.tag(name, present);
        b.tag(&format!("{name}_value"), f);
    }
    let interests = b.field("interests");
    let golf = b.str("golf");
    let has = b.push(
        ExprKind::SetContains {
            set: interests,
            elem: golf,
        },
        Type::Bool,
    );
    b.tag("golf", has);
    let coupon = b.prop("pay", "coupon");
    let x = b.str("x");
    let is_x = b.cmp(C::Eq, coupon, x);
    for func in [F::Count, F::Streak, F::Exists] {
        let agg = b.agg(func, "pay", None, Some(is_x), ALL);
        b.tag("agg", agg);
    }
    for (func, target) in [
        (F::Sum, "amount"),
        (F::Avg, "qty"),
        (F::Min, "coupon"),
        (F::Last, "ok"),
        (F::First, "at"),
    ] {
        let agg = b.agg(func, "pay", Some(target), None, ALL);
        b.tag("agg", agg);
    }
    b.build()
}

fn good() -> Profiles {
    let s = schema();
    let row = |id| {
        Row::new(id)
            .field("age", Value::Int(3))
            .field("province", Value::Str("a".into()))
            .field("interests", str_set(&["golf", "tea"]))
            .event("pay", 1, vec![("coupon", Value::Str("x".into()))])
            .event("pay", 2, vec![("amount", Value::Float(1.0))])
    };
    profiles(&s, &[row("a"), row("b"), row("c")])
}

fn damage(col: &mut Column, len: usize, code: u32) {
    col.valid = Bitmap::with_len(len.min(8), true);
    match &mut col.values {
        ColumnValues::Bool(b) => *b = Bitmap::with_len(len % 3, true),
        ColumnValues::Int(v) | ColumnValues::Time(v) | ColumnValues::Duration(v) => v.truncate(len),
        ColumnValues::Float(v) => v.truncate(len),
        ColumnValues::Str(v) | ColumnValues::Enum(v) => {
            v.truncate(len);
            v.iter_mut().for_each(|c| *c = c.wrapping_add(code));
        }
        ColumnValues::StrSet { offsets, codes } => {
            offsets
                .iter_mut()
                .for_each(|o| *o = o.wrapping_add(code % 7));
            codes.truncate(len);
        }
    }
}

proptest! {
    #[test]
    fn damaged_profiles_do_not_panic(
        lens in proptest::collection::vec(0usize..5, 12),
        code in any::<u32>(),
        offsets in proptest::collection::vec(any::<u32>(), 0..6),
        drop_events in any::<bool>(),
    ) {
        let p = program();
        let mut data = good();
        for (col, &len) in data.columns.iter_mut().zip(&lens) {
            damage(col, len, code);
        }
        for (col, &len) in data.events[0].props.iter_mut().zip(lens.iter().rev()) {
            damage(col, len, code);
        }
        data.events[0].offsets = offsets;
        if drop_events {
            data.events.truncate(1);
            data.columns.truncate(4);
        }
        let interp = Interpreter::new(&p);
        for row in 0..5 {
            let _ = interp.eval_profile(&data, row, NOW);
        }
    }
}

/// The stack is checked only every few levels of nesting (`STACK_CHECK_EVERY`): a
/// nesting far deeper than the parser allows still finds the stack it needs, on a
/// thread with a small stack, and leaves the evaluator reusable.
#[test]
fn deep_nesting_on_a_small_stack() {
    let handle = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(|| {
            let mut b = Builder::new(schema());
            let mut e = b.bool(true);
            for _ in 0..5_001 {
                e = b.not(e);
            }
            let program = b.build();
            let rows = [Row::new("a")];
            let first = super::eval_at(&program, &rows, 0, e);
            let again = super::eval_at(&program, &rows, 0, e);
            (first, again)
        })
        .unwrap();
    let (first, again) = handle.join().unwrap();
    assert_eq!(first, Value::Bool(false));
    assert_eq!(again, Value::Bool(false));
}
