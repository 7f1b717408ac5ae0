//! Evaluation speed of the retail rules (`examples/retail.corral`) over synthetic
//! profiles (`support/synth.rs`), for every engine in `support::engine::ENGINES`:
//! * one profile's latency: `eval_row` binds on every call (`Compiled::eval_profile`),
//!   `rows` goes through a row evaluator made once (`Compiled::rows`, the host's row
//!   entry point);
//! * batch throughput on 100k and 1M profiles with 1 and 2 threads: `count` counts as
//!   `corral eval` does, `eval` evaluates alone (as `--timings` measures).
//!
//! ```sh
//! cargo bench --bench eval -- --warm-up-time 1 --measurement-time 3
//! ```

#[path = "support/engine.rs"]
mod engine;
#[path = "support/synth.rs"]
mod synth;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use engine::{ENGINES, compile_file, setup};

const SEED: u64 = 42;
const RULES: &str = "examples/retail.corral";

/// `eval_profile` on one row, cycling over the first rows so the profile varies.
fn single_profile(c: &mut Criterion) {
    let program = compile_file(RULES);
    let profiles = setup("synth", synth::profiles(&program.schema, 4096, SEED));
    let mut group = c.benchmark_group("single profile/retail");
    group.throughput(Throughput::Elements(1));
    for &engine in ENGINES {
        let prepared = engine.prepare(&program);
        let mut row = 0usize;
        group.bench_function(BenchmarkId::new(engine.name(), "eval_row"), |b| {
            b.iter(|| {
                row = (row + 1) % profiles.len();
                black_box(prepared.eval_row(&profiles, black_box(row), synth::NOW))
            })
        });
        let mut rows = prepared.rows(&profiles);
        group.bench_function(BenchmarkId::new(engine.name(), "rows"), |b| {
            b.iter(|| {
                row = (row + 1) % profiles.len();
                black_box(rows.eval(black_box(row), synth::NOW))
            })
        });
    }
    group.finish();
}

/// Every tag and segment of every profile, counted as `corral eval` counts them.
fn batch(c: &mut Criterion) {
    let program = compile_file(RULES);
    for n in [100_000usize, 1_000_000] {
        let started = Instant::now();
        let profiles = setup("synth", synth::profiles(&program.schema, n, SEED));
        eprintln!("generated {n} profiles in {:.2?}", started.elapsed());
        let mut group = c.benchmark_group(format!("batch/retail/{n}"));
        group.throughput(Throughput::Elements(n as u64));
        group.sample_size(10);
        if n >= 1_000_000 {
            group.measurement_time(Duration::from_secs(10));
        }
        for &engine in ENGINES {
            let prepared = engine.prepare(&program);
            for threads in [1usize, 2] {
                let id = BenchmarkId::new(engine.name(), format!("count, {threads} thread(s)"));
                group.bench_with_input(id, &threads, |b, &threads| {
                    b.iter(|| prepared.count(&profiles, synth::NOW, Some(threads)))
                });
                let id = BenchmarkId::new(engine.name(), format!("eval, {threads} thread(s)"));
                group.bench_with_input(id, &threads, |b, &threads| {
                    b.iter(|| prepared.eval_only(&profiles, synth::NOW, Some(threads)))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(eval, single_profile, batch);
criterion_main!(eval);
