//! The corral side of the DuckDB comparison (`benches/compare/run.sh`), as a bench
//! target so it builds with the benches' support code:
//!
//! ```sh
//! cargo bench --bench compare -- gen N SEED OUT.parquet [OUT.ndjson]
//! cargo bench --bench compare -- time RULES PROFILES REPS THREADS,... [ENGINE,...]
//! ```
//!
//! `gen` writes synthetic profiles (`support/synth.rs`). `time` compiles the rules,
//! loads the profiles, then evaluates them REPS times per engine and thread count,
//! and prints one JSON object: `compile_s`, `load_s` (one value per load), `eval`
//! (`{engine, threads, secs: [...]}`), and the counts of the last evaluation.
//! Without a command (as under `cargo bench`, with or without criterion's flags) it
//! does nothing.

#[path = "../support/engine.rs"]
mod engine;
#[path = "../support/synth.rs"]
mod synth;

use std::process::ExitCode;
use std::time::Instant;

use corral::data::{LoadOptions, load_path};
use engine::{ENGINES, Engine};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [] => Ok(()),
        ["gen", n, seed, parquet, rest @ ..] => gen_files(n, seed, parquet, rest.first().copied()),
        ["time", rules, profiles, reps, threads, rest @ ..] => {
            time(rules, profiles, reps, threads, rest.first().copied())
        }
        ["gen" | "time", ..] => Err("usage: gen N SEED OUT.parquet [OUT.ndjson] | time RULES PROFILES REPS THREADS,... [ENGINE,...]".into()),
        // Criterion's flags, passed to every bench by `cargo bench -- ...`: not ours.
        _ => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::FAILURE
        }
    }
}

fn number(text: &str) -> Result<usize, String> {
    text.replace('_', "")
        .parse()
        .map_err(|e| format!("`{text}`: {e}"))
}

fn gen_files(n: &str, seed: &str, parquet: &str, ndjson: Option<&str>) -> Result<(), String> {
    let n = number(n)?;
    let seed = number(seed)? as u64;
    let started = Instant::now();
    let file = std::fs::File::create(parquet).map_err(|e| format!("{parquet}: {e}"))?;
    synth::write_parquet(file, n, seed, 131_072).map_err(|e| format!("{parquet}: {e}"))?;
    eprintln!(
        "wrote {n} profiles to {parquet} in {:.2?}",
        started.elapsed()
    );
    if let Some(path) = ndjson {
        let started = Instant::now();
        let file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
        synth::write_ndjson(file, n, seed).map_err(|e| format!("{path}: {e}"))?;
        eprintln!("wrote {n} profiles to {path} in {:.2?}", started.elapsed());
    }
    Ok(())
}

fn time(
    rules: &str,
    profiles: &str,
    reps: &str,
    threads: &str,
    engines: Option<&str>,
) -> Result<(), String> {
    let reps = number(reps)?.max(1);
    let threads = threads
        .split(',')
        .map(number)
        .collect::<Result<Vec<_>, _>>()?;
    let engines: Vec<Engine> = match engines {
        None => ENGINES.to_vec(),
        Some(names) => names
            .split(',')
            .map(|n| Engine::by_name(n).ok_or(format!("unknown engine `{n}`")))
            .collect::<Result<_, _>>()?,
    };

    let text = std::fs::read_to_string(rules).map_err(|e| format!("{rules}: {e}"))?;
    let started = Instant::now();
    let compiled = corral::compile::compile_source(rules, &text);
    let compile_s = started.elapsed().as_secs_f64();
    let program = compiled
        .program
        .ok_or_else(|| format!("{rules} does not check: {:?}", compiled.diagnostics))?;

    let mut load_s = Vec::new();
    let mut loaded = None;
    for _ in 0..reps.min(2) {
        drop(loaded.take()); // free the previous copy before loading again
        let started = Instant::now();
        let report = load_path(profiles.as_ref(), &program.schema, &LoadOptions::default())
            .map_err(|e| e.to_string())?;
        load_s.push(started.elapsed().as_secs_f64());
        loaded = Some(report.profiles);
    }
    let profiles = loaded.ok_or("nothing loaded")?;

    let mut eval = Vec::new();
    let mut counts = None;
    for &engine in &engines {
        let prepared = engine.prepare(&program);
        for &t in &threads {
            let mut secs = Vec::new();
            for _ in 0..reps {
                let started = Instant::now();
                let c = prepared.count(&profiles, synth::NOW, Some(t));
                secs.push(started.elapsed().as_secs_f64());
                counts = Some(c.to_json(&program));
            }
            eval.push(serde_json::json!({"engine": engine.name(), "threads": t, "secs": secs}));
        }
    }
    let out = serde_json::json!({
        "profiles": profiles.len(),
        "compile_s": compile_s,
        "load_s": load_s,
        "eval": eval,
        "counts": counts,
    });
    println!("{out}");
    Ok(())
}
