//! The JIT agrees with the interpreter: the bytes drive the same type-directed
//! generators as the property tests (`tests/props/gen.rs`): a schema, a well-typed rule
//! set, profiles and reference times.
//!
//! `cargo +nightly fuzz run --fuzz-dir tests/fuzz jit_differential` (in the repository
//! root; needs `cargo install cargo-fuzz` and a nightly toolchain).

#![no_main]

use corral::compile::compile_source;
use corral::data::{LoadOptions, ndjson};
use corral::eval::Interpreter;
use corral::jit::Compiled;
use corral::value::Value;
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, clippy::all)]
#[path = "../../props/gen.rs"]
mod r#gen;

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let words: Vec<u32> = data
        .chunks(4)
        .map(|c| c.iter().fold(0u32, |w, &b| w << 8 | u32::from(b)))
        .collect();
    let (rules, rows) = words.split_at(words.len() / 2);
    let rs = r#gen::gen_rule_set(&mut r#gen::Tape::new(rules.to_vec()));
    let Some(program) = compile_source("fuzz.corral", &rs.source).program else {
        return;
    };
    let mut tape = r#gen::Tape::new(rows.to_vec());
    let profiles = r#gen::gen_profiles(&mut tape, &rs.schema);
    let nows = r#gen::gen_nows(&mut tape);
    let text = r#gen::ndjson(&rs.schema, &profiles);
    let Ok(loaded) = ndjson::load(text.as_bytes(), &program.schema, &LoadOptions::default()) else {
        return;
    };
    let data = loaded.profiles;
    let native = match Compiled::compile(&program) {
        Ok(native) => native,
        Err(e) => panic!("the JIT rejected a checked rule set: {e}\n{}", rs.source),
    };
    let interp = Interpreter::new(&program);
    for now in nows {
        native.eval_batch(&data, 0..data.len(), now, &mut |row, v| {
            let w = interp.eval_profile(&data, row, now);
            let agree = v.segments == w.segments
                && v.tags.len() == w.tags.len()
                && v.tags.iter().zip(&w.tags).all(|(a, b)| same(a, b));
            assert!(agree, "row {row} now {now}: {v:?} vs {w:?}\n{}", rs.source);
        });
    }
});
