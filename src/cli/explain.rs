//! `corral explain RULES --profiles P --id ID [NAME...]`: why one profile is or is not
//! in a segment, or has a tag's value.

use std::io::Write;
use std::path::PathBuf;

use super::{Failure, Format, Outcome, parse_now, report};
use crate::check::suggest::closest;
use crate::data::{self, DataError, LoadOptions};
use crate::explain::{self, render};
use crate::ir::{Program, RuleRef};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The rule file
    rules: PathBuf,
    /// Tags and segments to explain; default: every tag, then every segment
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// Profiles: NDJSON, or Parquet (by the `.parquet` extension or its magic bytes)
    #[arg(long, value_name = "FILE")]
    profiles: PathBuf,
    /// The id of the profile to explain
    #[arg(long, value_name = "ID")]
    id: String,
    /// Reference time for windows and `since` (RFC 3339 or a date); default: the clock
    #[arg(long, value_name = "T", value_parser = parse_now)]
    now: Option<i64>,
    /// Indented text, or one JSON object (diagnostics and errors on stderr in the same
    /// format)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

pub fn run(args: Args) -> Outcome {
    let program = report::compile_or_report(&args.rules, args.format)?;
    let rules = resolve_names(&program, &args.names, args.format)?;
    let options = LoadOptions {
        skip_bad: false,
        source_name: args.profiles.display().to_string(),
    };
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
    let profiles = &loaded.profiles;
    let Some(row) = profiles.ids.iter().position(|id| **id == *args.id) else {
        let near = closest(&args.id, profiles.ids.iter().map(|id| &**id))
            .map(|c| format!("did you mean `{c}`?"));
        let plural = if profiles.len() == 1 { "" } else { "s" };
        error(
            args.format,
            &format!(
                "no profile with id `{}` among the {} profile{plural} of `{}`",
                args.id,
                profiles.len(),
                args.profiles.display()
            ),
            near.as_deref(),
        );
        return Err(Failure::Rules);
    };
    let now = args.now.unwrap_or_else(crate::time::now);
    let explained = explain::explain(&program, profiles, row, now, &rules);
    let text = match args.format {
        Format::Human => render::human(&program, &args.id, now, &explained),
        Format::Json => format!("{}\n", render::json(&program, &args.id, now, &explained)),
    };
    write_stdout(&text)
}

/// Prints the command's output; a closed pipe (`corral explain ... | head`) is not an
/// error.
pub(super) fn write_stdout(text: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            Err(Failure::Usage)
        }
    }
}

/// The named tags and segments; a name that is neither is a usage error.
fn resolve_names(
    program: &Program,
    names: &[String],
    format: Format,
) -> Result<Vec<RuleRef>, Failure> {
    let mut rules = Vec::new();
    for name in names {
        match explain::find_rule(program, name) {
            Some(rule) => rules.push(rule),
            None => {
                let all = explain::all_rules(program);
                let known = all
                    .iter()
                    .map(|&r| explain::rule_def(program, r).name.as_str());
                let help = closest(name, known).map(|c| format!("did you mean `{c}`?"));
                error(
                    format,
                    &format!("no tag or segment named `{name}`"),
                    help.as_deref(),
                );
                return Err(Failure::Usage);
            }
        }
    }
    Ok(rules)
}

/// An error of the command itself (not of the rules or data), on stderr.
pub(super) fn error(format: Format, message: &str, help: Option<&str>) {
    match format {
        Format::Human => {
            let help = help.map(|h| format!("\n  help: {h}")).unwrap_or_default();
            eprintln!("error: {message}{help}");
        }
        Format::Json => eprintln!(
            "{}",
            serde_json::json!({ "severity": "error", "message": message, "help": help })
        ),
    }
}
