//! Load time of 100k synthetic profiles (`support/synth.rs`) from NDJSON and from
//! Parquet into columns, with the retail schema.
//!
//! ```sh
//! cargo bench --bench load -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Each format is loaded by the loader as shipped (all cores), by the same loader on one
//! thread, and, for NDJSON, the way the loader worked before it decoded lines directly:
//! one `serde_json::Value` per line through [`JsonReader`], on one thread. Run side by
//! side, they show what the direct decoding and the threads each give on this machine.

#[path = "support/engine.rs"]
mod engine;
#[path = "support/synth.rs"]
mod synth;

use std::hint::black_box;
use std::io::BufRead;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use corral::data::{JsonReader, LoadOptions, ProfilesBuilder, load_path};
use corral::schema::Schema;
use engine::{compile_file, setup};

const SEED: u64 = 42;
const PROFILES: usize = 100_000;

/// The NDJSON loader before direct decoding: a JSON tree per line.
fn load_tree(path: &Path, schema: &Schema) -> usize {
    let file = setup("open", std::fs::File::open(path));
    let reader = std::io::BufReader::with_capacity(1 << 18, file);
    let mut builder = ProfilesBuilder::new(schema);
    let mut json = JsonReader::new(schema);
    for line in reader.lines() {
        let line = setup("read", line);
        let value: serde_json::Value = setup("parse", serde_json::from_str(&line));
        setup("add", json.add(&mut builder, &value));
    }
    builder.finish().len()
}

fn load(c: &mut Criterion) {
    let program = compile_file("examples/retail.corral");
    let schema = &program.schema;
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
    let one_thread = setup(
        "pool",
        rayon::ThreadPoolBuilder::new().num_threads(1).build(),
    );
    let shipped = |path: &Path| {
        let loaded = load_path(black_box(path), schema, &LoadOptions::default());
        setup("load", loaded).profiles.len()
    };

    let mut group = c.benchmark_group(format!("load/retail/{PROFILES}"));
    group.throughput(Throughput::Elements(PROFILES as u64));
    group.sample_size(10);
    for (name, path) in [("ndjson", &ndjson), ("parquet", &parquet)] {
        group.bench_function(name, |b| b.iter(|| shipped(path)));
        group.bench_function(format!("{name}/1-thread"), |b| {
            b.iter(|| one_thread.install(|| shipped(path)))
        });
    }
    group.bench_function("ndjson/tree-1-thread", |b| {
        b.iter(|| load_tree(black_box(&ndjson), schema))
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
