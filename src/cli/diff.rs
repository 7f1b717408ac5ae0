//! `corral diff OLD NEW --profiles SAMPLE`: what changed between two versions of a rule
//! set, and who enters and leaves each audience on a sample.

use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::explain::{error, write_stdout};
use super::{Failure, Format, Outcome, parse_now, report};
use crate::check::suggest::closest;
use crate::data::{self, DataError, LoadOptions, Profiles};
use crate::diff::{self, Side, render};
use crate::ir::Program;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule file before the change
    old: PathBuf,
    /// The rule file after the change
    new: PathBuf,
    /// Sample profiles: NDJSON, or Parquet (by the `.parquet` extension or its magic
    /// bytes); loaded once with each version's schema
    #[arg(long, value_name = "FILE")]
    profiles: PathBuf,
    /// Reference time for windows and `since` (RFC 3339 or a date); default: the clock
    #[arg(long, value_name = "T", value_parser = parse_now)]
    now: Option<i64>,
    /// How to print the comparison (diagnostics go to stderr, as JSON with `json`)
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Exit 1 if any of these tags or segments was removed or changed membership (or
    /// value) on the sample
    #[arg(long, value_name = "NAME", num_args = 1..)]
    fail_on_change: Vec<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// Text
    Human,
    /// One JSON object
    Json,
    /// A Markdown table with collapsed examples, for a pull request comment
    Markdown,
}

pub fn run(args: Args) -> Outcome {
    let diagnostics_format = match args.format {
        DiffFormat::Json => Format::Json,
        DiffFormat::Human | DiffFormat::Markdown => Format::Human,
    };
    // Both files are read and checked before either stops the command.
    let old = report::load(&args.old)?;
    let new = report::load(&args.new)?;
    report::print(&old.diagnostics, diagnostics_format, false);
    report::print(&new.diagnostics, diagnostics_format, false);
    let (Some(old), Some(new)) = (old.program, new.program) else {
        return Err(Failure::Rules);
    };
    for name in &args.fail_on_change {
        let known = |p: &Program| crate::explain::find_rule(p, name).is_some();
        if !known(&old) && !known(&new) {
            let names = [&old, &new].into_iter().flat_map(|p| {
                crate::explain::all_rules(p)
                    .into_iter()
                    .map(move |r| crate::explain::rule_def(p, r).name.as_str())
            });
            let help = closest(name, names).map(|c| format!("did you mean `{c}`?"));
            error(
                diagnostics_format,
                &format!(
                    "`--fail-on-change {name}`: no tag or segment of either file has that name"
                ),
                help.as_deref(),
            );
            return Err(Failure::Usage);
        }
    }
    let old_profiles = load(&args.profiles, (&args.old, &old), diagnostics_format)?;
    let new_profiles = load(&args.profiles, (&args.new, &new), diagnostics_format)?;
    let now = args.now.unwrap_or_else(crate::time::now);
    let report = diff::diff(
        Side {
            program: &old,
            profiles: &old_profiles,
        },
        Side {
            program: &new,
            profiles: &new_profiles,
        },
        now,
    );
    let (old_name, new_name) = (
        args.old.display().to_string(),
        args.new.display().to_string(),
    );
    let text = match args.format {
        DiffFormat::Human => render::human(&report, &old_name, &new_name),
        DiffFormat::Json => format!("{}\n", render::json(&report, &old_name, &new_name)),
        DiffFormat::Markdown => render::markdown(&report, &old_name, &new_name),
    };
    let mut outcome = write_stdout(&text);
    for name in &args.fail_on_change {
        for rule in report.rules.iter().filter(|r| &r.name == name) {
            if rule.fails_guard() {
                let why = match rule.status {
                    diff::Status::Removed => "was removed".to_string(),
                    _ => format!("changed on the sample: {}", summary(&rule.results)),
                };
                error(
                    diagnostics_format,
                    &format!("guarded {} `{}` {why}", rule.kind, rule.name),
                    None,
                );
                outcome = Err(Failure::Rules);
            }
        }
    }
    outcome
}

fn summary(results: &diff::Results) -> String {
    match results {
        diff::Results::Membership { entered, left, .. } => {
            format!("{entered} entered, {left} left")
        }
        diff::Results::Valued { changed, .. } => format!("{changed} changed value"),
    }
}

/// The sample with one version's schema (`rules`: that version's path and program).
fn load(path: &Path, rules: (&Path, &Program), format: Format) -> Result<Profiles, Failure> {
    let (rules_path, program) = rules;
    let options = LoadOptions {
        skip_bad: false,
        source_name: path.display().to_string(),
    };
    match data::load_path(path, &program.schema, &options) {
        Ok(loaded) => Ok(loaded.profiles),
        Err(e) => {
            report::print_data_error(&e, format, "error");
            if format == Format::Human {
                eprintln!(
                    "note: `{}` was read with the schema of `{}`",
                    path.display(),
                    rules_path.display()
                );
            }
            Err(match e {
                DataError::Io { .. } => Failure::Usage,
                _ => Failure::Rules,
            })
        }
    }
}
