//! Pure boolean segment logic over tag bitsets against a memcpy of the bits it reads:
//! 50 segments, each an `and`/`or`/`not` of three of 20 bool tags (each tag a bool
//! field), over 1M profiles on one thread.
//!
//! The issue's target is the JIT within 2x of copying the bitsets the rules read. The
//! tags read both a field's value bits and its validity bits (a missing bool is false),
//! so two copies are measured: the 20 value bitsets, and value plus validity (40).
//!
//! ```sh
//! cargo bench --bench logic -- --warm-up-time 1 --measurement-time 3
//! ```

#[path = "support/engine.rs"]
mod engine;

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use corral::data::{Bitmap, Column, ColumnValues, EventTable, Profiles};
use corral::ir::Program;

const TAGS: usize = 20;
const SEGMENTS: usize = 50;
const PROFILES: usize = 1_000_000;

/// SplitMix64, as in `support/synth.rs`.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 20 bool fields, a tag for each, and 50 segments over three tags each.
fn rules() -> String {
    let mut text = String::from("profile { id: string");
    for i in 0..TAGS {
        let _ = write!(text, ", b{i}: bool");
    }
    text.push_str(" }\n");
    for i in 0..TAGS {
        let _ = writeln!(text, "tag t{i} = b{i}");
    }
    let mut rng = 7u64;
    for s in 0..SEGMENTS {
        let mut pick = || next(&mut rng) as usize % TAGS;
        let (a, b, c) = (pick(), pick(), pick());
        let body = match s % 4 {
            0 => format!("t{a} and not t{b} or t{c}"),
            1 => format!("(t{a} or t{b}) and not t{c}"),
            2 => format!("not (t{a} and t{b}) and t{c}"),
            _ => format!("t{a} and t{b} and t{c}"),
        };
        let _ = writeln!(text, "segment s{s} = {body}");
    }
    text
}

/// Random bits, about 1 in 20 missing.
fn profiles(program: &Program, n: usize) -> Profiles {
    let mut rng = 42u64;
    let columns = program
        .schema
        .fields
        .iter()
        .map(|_| {
            let mut valid = Bitmap::with_len(n, true);
            let mut values = Bitmap::with_len(n, false);
            for i in 0..n {
                let r = next(&mut rng);
                values.set(i, r & 1 == 1);
                valid.set(i, !r.is_multiple_of(20));
            }
            Column {
                valid,
                values: ColumnValues::Bool(values),
            }
        })
        .collect();
    Profiles {
        ids: (0..n).map(|i| i.to_string().into_boxed_str()).collect(),
        columns,
        events: Vec::<EventTable>::new(),
        dict: Default::default(),
    }
}

fn logic(c: &mut Criterion) {
    let program = engine::compile("logic.corral", &rules());
    let profiles = profiles(&program, PROFILES);
    let bitsets: Vec<&[u64]> = profiles
        .columns
        .iter()
        .filter_map(|c| match &c.values {
            ColumnValues::Bool(b) => Some(b.words()),
            _ => None,
        })
        .collect();
    let validity: Vec<&[u64]> = profiles.columns.iter().map(|c| c.valid.words()).collect();
    let words = PROFILES.div_ceil(64);
    let mut copy = vec![0u64; words * 2 * TAGS];

    let mut group = c.benchmark_group("logic/20 tags, 50 segments/1M");
    group.throughput(Throughput::Elements(PROFILES as u64));
    group.sample_size(10);
    group.bench_function("memcpy 20 value bitsets", |b| {
        b.iter(|| {
            for (i, bits) in bitsets.iter().enumerate() {
                copy[i * words..(i + 1) * words].copy_from_slice(bits);
            }
            black_box(&copy);
        })
    });
    group.bench_function("memcpy 20 value + 20 validity bitsets", |b| {
        b.iter(|| {
            for (i, bits) in bitsets.iter().chain(&validity).enumerate() {
                copy[i * words..(i + 1) * words].copy_from_slice(bits);
            }
            black_box(&copy);
        })
    });
    for &engine in engine::ENGINES {
        let prepared = engine.prepare(&program);
        group.bench_function(format!("{} eval", engine.name()), |b| {
            b.iter(|| prepared.eval_only(&profiles, 0, Some(1)))
        });
        group.bench_function(format!("{} count", engine.name()), |b| {
            b.iter(|| prepared.count(&profiles, 0, Some(1)))
        });
    }
    group.finish();
}

criterion_group!(benches, logic);
criterion_main!(benches);
