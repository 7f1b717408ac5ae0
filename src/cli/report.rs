//! Printing diagnostics for people or for CI.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::{Failure, Format};
use crate::compile::{Compiled, compile_file};
use crate::diagnostic::{Diagnostics, github};
use crate::ir::Program;

/// Prints diagnostics to stderr (or stdout) in the chosen format.
pub fn print(diagnostics: &Diagnostics, format: Format, to_stdout: bool) {
    if diagnostics.items.is_empty() {
        return;
    }
    let text = match format {
        Format::Human => {
            let color = if to_stdout {
                std::io::stdout().is_terminal()
            } else {
                std::io::stderr().is_terminal()
            };
            diagnostics.render_human(color)
        }
        Format::Json => {
            let mut out = String::new();
            for object in diagnostics.to_json() {
                out.push_str(&object.to_string());
                out.push('\n');
            }
            out
        }
        Format::Sarif => format!("{:#}\n", diagnostics.to_sarif()),
        Format::Github => diagnostics.to_github(),
    };
    if to_stdout {
        let _ = std::io::stdout().write_all(text.as_bytes());
    } else {
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
}

/// Reads and compiles a rule file, printing its diagnostics to stderr. A file that cannot
/// be read is a usage error; one with errors a rule failure.
pub fn compile_or_report(path: &Path, format: Format) -> Result<Program, Failure> {
    let compiled = load(path)?;
    print(&compiled.diagnostics, format, false);
    compiled.program.ok_or(Failure::Rules)
}

/// Reads and compiles a rule file; a file that cannot be read is reported here.
pub fn load(path: &Path) -> Result<Compiled, Failure> {
    match compile_file(path) {
        Ok(compiled) => Ok(compiled),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
            eprintln!(
                "error[corral::parse::not_utf8]: `{}` is not UTF-8 text",
                path.display()
            );
            Err(Failure::Rules)
        }
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", path.display());
            Err(Failure::Usage)
        }
    }
}

/// Prints a data error (a bad row, an unreadable file) in the chosen format.
pub fn print_data_error(error: &crate::data::DataError, format: Format, severity: &str) {
    match format {
        Format::Human => {
            let help = miette::Diagnostic::help(error)
                .map(|h| format!("\n  help: {h}"))
                .unwrap_or_default();
            eprintln!("{severity}[{}]: {error}{help}", error.code_str());
        }
        Format::Github => {
            let location = error.location();
            let file = location
                .map(|l| format!("file={},", github::property(&l.source)))
                .unwrap_or_default();
            let line = location
                .filter(|l| l.unit == crate::data::Unit::Line)
                .map(|l| format!("line={},", l.number))
                .unwrap_or_default();
            let help = miette::Diagnostic::help(error)
                .map(|h| format!("\nhelp: {h}"))
                .unwrap_or_default();
            eprintln!(
                "::{severity} {file}{line}title={}::{}",
                github::property(error.code_str()),
                github::data(&format!("{error}{help}"))
            );
        }
        Format::Json | Format::Sarif => {
            let location = error.location();
            let object = serde_json::json!({
                "code": error.code_str(),
                "severity": severity,
                "message": error.to_string(),
                "file": location.map(|l| l.source.clone()),
                "row": location.map(|l| l.number),
                "help": miette::Diagnostic::help(error).map(|h| h.to_string()),
            });
            eprintln!("{object}");
        }
    }
}
