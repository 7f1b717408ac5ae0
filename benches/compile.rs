//! Compile time of generated rule sets with 10 to 10,000 tags and segments over the
//! retail schema (`support/rules.rs`): the front end (parse + check), and native code
//! generation (`jit::Compiled::compile`, Cranelift) of the checked program.
//!
//! ```sh
//! cargo bench --bench compile -- --warm-up-time 1 --measurement-time 3
//! ```

#[path = "support/engine.rs"]
mod engine;
#[path = "support/rules.rs"]
mod rules;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use corral::compile::compile_source;
use corral::jit::Compiled;

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    for n in [10usize, 100, 1_000, 10_000] {
        let text = rules::rule_set(n);
        // A generated rule set that does not check would time the error path.
        let program = engine::compile("rules.corral", &text);
        let count = program.tags.len() + program.segments.len();
        group.throughput(Throughput::Elements(count as u64));
        if n >= 1_000 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("parse+check", n), &text, |b, text| {
            b.iter(|| compile_source("rules.corral", black_box(text)))
        });
        group.bench_with_input(
            BenchmarkId::new("jit codegen", n),
            &program,
            |b, program| b.iter(|| engine::setup("codegen", Compiled::compile(black_box(program)))),
        );
    }
    group.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
