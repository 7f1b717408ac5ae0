//! The reference interpreter: the meaning of the language.

#![allow(dead_code)] // Transitional: the evaluator that uses these lands next.

mod read;
mod sample;
mod val;
mod value_ops;

pub use sample::{sample, sample_point};
