//! The interpreter's semantics, one behaviour per test, on hand-built programs and
//! profiles.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod aggregate;
mod api;
mod expr;
mod missing;
mod robust;

use crate::ir::{ExprId, Program};
use crate::value::Value;

use super::Interpreter;
use super::test_util::{NOW, Row, profiles};

/// `e` for profile `row` of `rows` at [`NOW`] (raw value).
fn eval_at(program: &Program, rows: &[Row], row: usize, e: ExprId) -> Value {
    let data = profiles(&program.schema, rows);
    Interpreter::new(program).eval_expr(&data, row, NOW, None, e)
}

/// `e` for the single profile `row` at [`NOW`].
fn eval1(program: &Program, row: Row, e: ExprId) -> Value {
    eval_at(program, &[row], 0, e)
}
