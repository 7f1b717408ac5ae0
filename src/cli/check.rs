//! `corral check FILE...`: parse and check; exit 0 if clean (warnings allowed unless
//! `--deny-warnings` or `--deny CODE`), 1 on errors.

use std::path::PathBuf;

use super::{Failure, Format, Outcome, report};
use crate::check::codes;
use crate::diagnostic::{Diagnostics, Severity};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rule files; each is checked as its own rule set, with what it imports
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Fail (exit 1) on warnings too
    #[arg(long)]
    deny_warnings: bool,
    /// Report this warning as an error (exit 1); a code such as
    /// `corral::check::never_matches` or its last part `never_matches`; repeatable
    #[arg(long = "deny", value_name = "CODE", value_parser = warning_code)]
    deny: Vec<&'static str>,
    /// Do not report this warning; repeatable
    #[arg(long = "allow", value_name = "CODE", value_parser = warning_code)]
    allow: Vec<&'static str>,
}

/// A warning's full code, from the full code or its last part.
fn warning_code(text: &str) -> Result<&'static str, String> {
    codes::WARNINGS
        .iter()
        .find(|code| **code == text || code.rsplit("::").next() == Some(text))
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = codes::WARNINGS
                .iter()
                .filter_map(|c| c.rsplit("::").next())
                .collect();
            format!("not a warning code; the warnings are {}", names.join(", "))
        })
}

pub fn run(args: Args) -> Outcome {
    if let Some(code) = args.deny.iter().find(|c| args.allow.contains(c)) {
        eprintln!("error: `{code}` is given to both --deny and --allow");
        return Err(Failure::Usage);
    }
    let mut worst: Outcome = Ok(());
    // SARIF is one log for the whole run, written once every file is checked.
    let mut sarif = Vec::new();
    for file in &args.files {
        let outcome = match report::load(file) {
            Ok(compiled) => {
                let diagnostics = promote(compiled.diagnostics, &args.deny, &args.allow);
                if args.format == Format::Sarif {
                    sarif.push(diagnostics.clone());
                } else {
                    report::print(&diagnostics, args.format, true);
                }
                let errors = diagnostics.has_errors();
                let warnings = diagnostics.warnings().next().is_some();
                if errors || (args.deny_warnings && warnings) {
                    Err(Failure::Rules)
                } else {
                    Ok(())
                }
            }
            Err(failure) => Err(failure),
        };
        worst = match (worst, outcome) {
            (Err(Failure::Usage), _) | (_, Err(Failure::Usage)) => Err(Failure::Usage),
            (Err(f), _) | (_, Err(f)) => Err(f),
            _ => Ok(()),
        };
    }
    if args.format == Format::Sarif {
        let sets: Vec<_> = sarif.iter().collect();
        println!("{:#}", crate::diagnostic::sarif_log(&sets));
    }
    if args.format == Format::Human && worst.is_ok() {
        let n = args.files.len();
        eprintln!("checked {n} file{}: ok", if n == 1 { "" } else { "s" });
    }
    worst
}

/// Drops the allowed warnings and turns the denied ones into errors.
fn promote(mut diagnostics: Diagnostics, deny: &[&str], allow: &[&str]) -> Diagnostics {
    diagnostics
        .items
        .retain(|d| d.is_error() || !allow.contains(&d.code));
    for d in &mut diagnostics.items {
        if deny.contains(&d.code) {
            d.severity = Severity::Error;
        }
    }
    diagnostics
}
