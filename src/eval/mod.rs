//! The reference interpreter: the meaning of the language.

mod sample;

pub use sample::{sample, sample_point};
