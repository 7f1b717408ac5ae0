//! Load time of 100k synthetic profiles (`support/synth.rs`) from NDJSON and from
//! Parquet into columns, with the retail schema.
//!
//! ```sh
//! cargo bench --bench load -- --warm-up-time 1 --measurement-time 3
//! ```

#[path = "support/engine.rs"]
mod engine;
#[path = "support/synth.rs"]
mod synth;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use corral::data::{LoadOptions, load_path};
use engine::{compile_file, setup};

const SEED: u64 = 42;
const PROFILES: usize = 100_000;

fn load(c: &mut Criterion) {
    let program = compile_file("examples/retail.corral");
    let dir = setup("tempdir", tempfile::tempdir());
    let ndjson = dir.path().join("profiles.ndjson");
    let parquet = dir.path().join("profiles.parquet");
    let file = setup("create", std::fs::File::create(&ndjson));
    setup("write ndjson", synth::write_ndjson(file, PROFILES, SEED));
    let file = setup("create", std::fs::File::create(&parquet));
    setup(
        "write parquet",
        synth::write_parquet(file, PROFILES, SEED, 65_536),
    );

    let mut group = c.benchmark_group(format!("load/retail/{PROFILES}"));
    group.throughput(Throughput::Elements(PROFILES as u64));
    group.sample_size(10);
    for (name, path) in [("ndjson", &ndjson), ("parquet", &parquet)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let loaded = load_path(black_box(path), &program.schema, &LoadOptions::default());
                setup(name, loaded).profiles.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
