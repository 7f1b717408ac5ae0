//! The corral side of the DuckDB comparison (`benches/compare/run.sh`), as a bench
//! target so it builds with the benches' support code:
//!
//! ```sh
//! cargo bench --bench compare -- gen N SEED OUT.parquet [OUT.ndjson]
//! cargo bench --bench compare -- serve RULES PROFILES [ENGINE,...]
//! ```
//!
//! `gen` writes synthetic profiles (`support/synth.rs`). `serve` compiles the rules and
//! loads the profiles, prints `{"profiles", "compile_s", "load_s"}`, then answers one
//! JSON line per command read from stdin, so the comparison can interleave corral's
//! and DuckDB's runs under the same machine load:
//! * `load THREADS`: loads the profiles again on that many threads: `{"load_s"}`;
//! * `eval ENGINE THREADS`: counts every tag and segment as `corral eval` does:
//!   `{"secs", "counts"}`;
//! * `memory`: the decoded profiles' heap bytes and the process's peak resident memory
//!   so far (`VmHWM`): `{"heap_bytes", "peak_rss_bytes"}`.
//!
//! Without a command (as under `cargo bench`, with or without criterion's flags) it
//! does nothing.

#[path = "../support/engine.rs"]
mod engine;
#[path = "../support/synth.rs"]
mod synth;

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use corral::data::{LoadOptions, Profiles, load_path};
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
        ["serve", rules, profiles, rest @ ..] => serve(rules, profiles, rest.first().copied()),
        ["gen" | "serve", ..] => Err(
            "usage: gen N SEED OUT.parquet [OUT.ndjson] | serve RULES PROFILES [ENGINE,...]".into(),
        ),
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

fn serve(rules: &str, profiles_path: &str, engines: Option<&str>) -> Result<(), String> {
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
    let load = || -> Result<(Profiles, f64), String> {
        let started = Instant::now();
        let report = load_path(
            profiles_path.as_ref(),
            &program.schema,
            &LoadOptions::default(),
        )
        .map_err(|e| e.to_string())?;
        Ok((report.profiles, started.elapsed().as_secs_f64()))
    };
    let (mut profiles, load_s) = load()?;
    let prepared: Vec<_> = engines
        .iter()
        .map(|e| (e.name(), e.prepare(&program)))
        .collect();
    let mut out = std::io::stdout().lock();
    let mut say = |value: serde_json::Value| -> Result<(), String> {
        writeln!(out, "{value}")
            .and_then(|()| out.flush())
            .map_err(|e| e.to_string())
    };
    say(serde_json::json!({
        "profiles": profiles.len(),
        "compile_s": compile_s,
        "load_s": load_s,
    }))?;
    for line in std::io::stdin().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["load", threads] => {
                drop(std::mem::take(&mut profiles)); // one copy at a time
                // The loader parallelises over row groups on the current rayon pool.
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(number(threads)?)
                    .build()
                    .map_err(|e| e.to_string())?;
                let (loaded, secs) = pool.install(load)?;
                profiles = loaded;
                say(serde_json::json!({ "load_s": secs }))?;
            }
            ["eval", engine, threads] => {
                let threads = number(threads)?;
                let Some((_, engine)) = prepared.iter().find(|(name, _)| name == engine) else {
                    return Err(format!("unknown engine `{engine}`"));
                };
                let started = Instant::now();
                let counts = engine.count(&profiles, synth::NOW, Some(threads));
                let secs = started.elapsed().as_secs_f64();
                say(serde_json::json!({ "secs": secs, "counts": counts.to_json(&program) }))?;
            }
            ["memory"] => say(serde_json::json!({
                "heap_bytes": profiles.heap_bytes(),
                "peak_rss_bytes": peak_rss_bytes(),
            }))?,
            [] => {}
            _ => return Err(format!("unknown command `{line}`")),
        }
    }
    Ok(())
}

/// `VmHWM` of `/proc/self/status` (Linux), in bytes; 0 where it cannot be read.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
