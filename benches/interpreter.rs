//! Front end and reference interpreter on the shipped example: compiling
//! `examples/retail.corral`, loading `examples/profiles.ndjson`, and evaluating every
//! tag and segment per profile on one thread.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use corral::compile::compile_file;
use corral::data::{LoadOptions, load_path};
use corral::eval::Interpreter;
use std::hint::black_box;
use std::path::Path;

fn benches(c: &mut Criterion) {
    let rules = Path::new("examples/retail.corral");
    let data = Path::new("examples/profiles.ndjson");
    c.bench_function("compile retail.corral", |b| {
        b.iter(|| compile_file(black_box(rules)))
    });

    let Some(program) = compile_file(rules).ok().and_then(|c| c.program) else {
        return;
    };
    let Ok(loaded) = load_path(data, &program.schema, &LoadOptions::default()) else {
        return;
    };
    let profiles = loaded.profiles;
    let mut group = c.benchmark_group("retail");
    group.throughput(Throughput::Elements(profiles.len() as u64));
    group.bench_function("load ndjson", |b| {
        b.iter(|| load_path(black_box(data), &program.schema, &LoadOptions::default()))
    });
    let interpreter = Interpreter::new(&program);
    let now = corral::time::parse_instant("2026-11-22T00:00:00Z").unwrap_or(0);
    group.bench_function("interpret, 1 thread", |b| {
        b.iter(|| {
            let mut members = 0usize;
            interpreter.eval_batch(&profiles, 0..profiles.len(), now, &mut |_, v| {
                members += v.segments.iter().filter(|s| **s).count()
            });
            members
        })
    });
    group.finish();
}

criterion_group!(interpreter, benches);
criterion_main!(interpreter);
