#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]

mod api;
pub mod ast;
pub mod check;
pub mod compile;
pub mod data;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod ir;
#[cfg(feature = "jit")]
#[allow(unsafe_code)]
pub mod jit;
#[cfg(feature = "lsp")]
pub mod lsp;
pub mod output;
pub mod parse;
pub mod print;
pub mod rule_test;
pub mod schema;
pub mod source;
pub mod time;
pub mod trigger;
pub mod value;

/// Recursive passes grow their stack by this much when less than the red zone is left.
pub(crate) const STACK_SEGMENT: usize = 1 << 20;
pub(crate) const STACK_RED_ZONE: usize = 64 << 10;

#[cfg(feature = "cli")]
pub mod cli;

pub use api::Rows;
pub use api::{CompileError, Engine, EvalOptions, Outcome, RuleSet};
pub use data::{DataError, LoadOptions, Profiles};
pub use diagnostic::{Diagnostic, Diagnostics};
pub use output::Counts;
pub use value::Value;
