//! The `corral` command line: one file per subcommand.
//!
//! Exit codes everywhere: 0 ok, 1 rule, data or test failure, 2 usage or I/O error.

mod check;
mod diff;
mod eval;
mod explain;
mod fmt;
mod lsp;
mod report;
mod run;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// corral: tags, segments and triggers for customer profiles, checked and compiled.
#[derive(Parser, Debug)]
#[command(name = "corral", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse and check rule files; print every error and warning
    Check(check::Args),
    /// Evaluate a rule set over profiles (NDJSON or Parquet); print counts or members
    Eval(eval::Args),
    /// Run the `test` blocks of rule files
    Test(test::Args),
    /// Explain why one profile is or is not in a segment, or has a tag's value
    Explain(explain::Args),
    /// Compare two versions of a rule set: definitions, and audiences on a sample
    Diff(diff::Args),
    /// Rewrite rule files in the canonical layout (`--check`: only report, with a diff)
    Fmt(fmt::Args),
    /// Serve editors over stdin/stdout (Language Server Protocol)
    Lsp(lsp::Args),
    /// Run the triggers over an event stream with durable state; print actions as NDJSON
    Run(run::Args),
}

/// How diagnostics are printed.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Graphical, with source excerpts (colour only on a terminal)
    #[default]
    Human,
    /// One JSON object per line: code, severity, message, file, line, column, span, help
    Json,
    /// One SARIF 2.1.0 log (for code-scanning UIs)
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::message`), one per line
    Github,
}

/// What went wrong, as an exit code.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Rule, data or test failure: exit 1.
    Rules,
    /// Usage or I/O error: exit 2.
    Usage,
}

pub type Outcome = Result<(), Failure>;

/// Runs the command line and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Checking and evaluating recurse over expressions; the parser bounds their depth,
    // and a large stack keeps that bound far from the limit.
    let worker = std::thread::Builder::new()
        .name("corral".into())
        .stack_size(256 << 20)
        .spawn(move || run(cli));
    let outcome = match worker.map(|handle| handle.join()) {
        Ok(Ok(outcome)) => outcome,
        _ => {
            eprintln!("error: internal error (the worker thread stopped)");
            Err(Failure::Rules)
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rules) => ExitCode::from(1),
        Err(Failure::Usage) => ExitCode::from(2),
    }
}

fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Test(args) => test::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Run(args) => run::run(args),
    }
}

/// Parses `--now`: RFC 3339 or a date.
fn parse_now(text: &str) -> Result<i64, String> {
    crate::time::parse_instant(text).ok_or_else(|| {
        format!("`{text}` is not a time: use RFC 3339, e.g. 2026-11-22T00:00:00Z, or a date")
    })
}
