#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]

pub mod ast;
pub mod check;
pub mod compile;
pub mod data;
pub mod diagnostic;
pub mod eval;
pub mod ir;
pub mod output;
pub mod parse;
pub mod print;
pub mod rule_test;
pub mod schema;
pub mod source;
pub mod time;
pub mod value;

#[cfg(feature = "cli")]
pub mod cli;
