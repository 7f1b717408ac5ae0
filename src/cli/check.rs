//! `corral check FILE...`: parse and check; exit 0 if clean (warnings allowed unless
//! `--deny-warnings`), 1 on errors.

use std::path::PathBuf;

use super::{Failure, Format, Outcome, report};

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
}

pub fn run(args: Args) -> Outcome {
    let mut worst: Outcome = Ok(());
    // SARIF is one log for the whole run, written once every file is checked.
    let mut sarif = Vec::new();
    for file in &args.files {
        let outcome = match report::load(file) {
            Ok(compiled) => {
                if args.format == Format::Sarif {
                    sarif.push(compiled.diagnostics.clone());
                } else {
                    report::print(&compiled.diagnostics, args.format, true);
                }
                let errors = compiled.diagnostics.has_errors();
                let warnings = compiled.diagnostics.warnings().next().is_some();
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
