//! `corral eval RULES --profiles FILE`: evaluate every tag and segment over profiles and
//! print counts (one JSON object) or members (NDJSON, one line per profile).

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use super::{Failure, Format, Outcome, parse_now, report};
use crate::api::Backend;
use crate::data::{self, DataError, LoadOptions};
use crate::eval::Interpreter;
use crate::output::member_json;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule file
    rules: PathBuf,
    /// Profiles: NDJSON, or Parquet (by the `.parquet` extension or its magic bytes)
    #[arg(long, value_name = "FILE")]
    profiles: PathBuf,
    /// Reference time for windows and `since` (RFC 3339 or a date); default: the clock
    #[arg(long, value_name = "T", value_parser = parse_now)]
    now: Option<i64>,
    /// What to print
    #[arg(long, value_enum, default_value_t = Output::Counts)]
    output: Output,
    /// Count and report bad rows and go on, instead of stopping at the first
    #[arg(long)]
    skip_bad: bool,
    /// Threads to evaluate with; default: all cores
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// How to print diagnostics (on stderr)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Evaluator: native code, or the reference interpreter (same results); `jit`
    /// falls back to the interpreter, with a note, where it is unavailable
    #[arg(long, value_enum, default_value_t = Engine::Jit)]
    engine: Engine,
    /// Print timings on stderr as one JSON line: load_s, compile_s, eval_s, profiles,
    /// profiles_per_s
    #[arg(long)]
    timings: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Engine {
    /// Compile the rules to native code (Cranelift)
    Jit,
    /// The reference interpreter
    Interp,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Output {
    /// `{"profiles": N, "tags": {...}, "segments": {...}}`
    Counts,
    /// One line per profile: `{"id": ..., "tags": {...}, "segments": [...]}`
    Members,
}

pub fn run(args: Args) -> Outcome {
    let compile_started = std::time::Instant::now();
    let program = report::compile_or_report(&args.rules, args.format)?;
    let mut compile_s = compile_started.elapsed().as_secs_f64();
    let options = LoadOptions {
        skip_bad: args.skip_bad,
        source_name: args.profiles.display().to_string(),
    };
    let load_started = std::time::Instant::now();
    let loaded = match data::load_path(&args.profiles, &program.schema, &options) {
        Ok(loaded) => loaded,
        Err(e) => {
            report::print_data_error(&e, args.format, "error");
            return Err(match e {
                DataError::Io { .. } => Failure::Usage,
                _ => Failure::Rules,
            });
        }
    };
    let load_s = load_started.elapsed().as_secs_f64();
    if loaded.bad_rows > 0 {
        for e in &loaded.first_errors {
            report::print_data_error(e, args.format, "warning");
        }
        eprintln!(
            "skipped {} bad row{} of {}",
            loaded.bad_rows,
            if loaded.bad_rows == 1 { "" } else { "s" },
            options.source_name
        );
    }
    if args.format == Format::Human {
        note_undeclared("field", &loaded.undeclared_fields);
        note_undeclared("event type", &loaded.undeclared_events);
    }
    let now = args.now.unwrap_or_else(crate::time::now);
    let profiles = &loaded.profiles;
    let native_started = std::time::Instant::now();
    #[cfg(feature = "jit")]
    let compiled = match args.engine {
        Engine::Jit => match crate::jit::Compiled::compile(&program) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("note: evaluating with the interpreter: {e}");
                None
            }
        },
        Engine::Interp => None,
    };
    #[cfg(not(feature = "jit"))]
    if args.engine == Engine::Jit {
        eprintln!(
            "note: evaluating with the interpreter: corral was built without the `jit` feature"
        );
    }
    compile_s += native_started.elapsed().as_secs_f64();
    #[cfg(feature = "jit")]
    let backend = match &compiled {
        Some(c) => Backend::Jit(c),
        None => Backend::Interpreter(Interpreter::new(&program)),
    };
    #[cfg(not(feature = "jit"))]
    let backend = Backend::Interpreter(Interpreter::new(&program));
    let threads = args.threads.map(usize::from);
    // Evaluation alone, timed in a pass of its own: the output pass below also counts
    // or renders.
    let eval_s = args.timings.then(|| {
        let started = std::time::Instant::now();
        backend.eval_only(profiles, now, threads);
        started.elapsed().as_secs_f64()
    });
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.output {
        Output::Counts => {
            let counts = backend.count(profiles, now, threads);
            writeln!(out, "{}", counts.to_json(&program))
        }
        Output::Members => {
            let mut result = Ok(());
            backend
                .eval_parallel(
                    profiles,
                    now,
                    threads,
                    Vec::<u8>::new,
                    |buf, row, values| {
                        let line = member_json(&program, &profiles.ids[row], values);
                        buf.extend_from_slice(line.to_string().as_bytes());
                        buf.push(b'\n');
                    },
                    |buf| {
                        if result.is_ok() {
                            result = out.write_all(&buf);
                        }
                    },
                )
                .map_err(|e| std::io::Error::other(e.to_string()))
                .and(result)
        }
    };
    if let Some(eval_s) = eval_s {
        let n = profiles.len();
        let per_s = if eval_s > 0.0 { n as f64 / eval_s } else { 0.0 };
        eprintln!(
            "{}",
            serde_json::json!({
                "load_s": load_s,
                "compile_s": compile_s,
                "eval_s": eval_s,
                "profiles": n,
                "profiles_per_s": per_s,
            })
        );
    }
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`corral eval ... | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            Err(Failure::Usage)
        }
    }
}

/// Exports carry many fields a rule set does not use: say which were ignored, briefly.
fn note_undeclared(what: &str, names: &std::collections::BTreeSet<String>) {
    if names.is_empty() {
        return;
    }
    let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    let more = names.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let plural = if names.len() == 1 { "" } else { "s" };
    eprintln!(
        "note: ignored {} undeclared {what}{plural}: {}{more}",
        names.len(),
        shown.join(", ")
    );
}
