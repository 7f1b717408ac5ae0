//! Type-directed property tests: a random schema, well-typed rules and profiles for it
//! (`props/gen.rs`), and what must hold of every such input (`props/eval.rs`,
//! `props/diagnostics.rs`).
//!
//! Cases default to 64 per property; raise them by hand with `PROPTEST_CASES=2000`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "props/analysis.rs"]
mod analysis;
#[path = "props/diagnostics.rs"]
mod diagnostics;
#[path = "props/eval.rs"]
mod eval;
#[path = "props/gen.rs"]
mod r#gen;
#[cfg(feature = "jit")]
#[path = "props/jit.rs"]
mod jit;
#[path = "props/parquet.rs"]
mod parquet_file;
#[path = "props/regressions.rs"]
mod regressions;

/// 64 cases unless `PROPTEST_CASES` says otherwise.
pub fn config() -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..proptest::test_runner::Config::default()
    }
}

/// A tape of random choices for the generators.
pub fn tape() -> impl proptest::strategy::Strategy<Value = Vec<u32>> {
    proptest::collection::vec(proptest::prelude::any::<u32>(), 0..1500)
}
