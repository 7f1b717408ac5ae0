//! `corral fmt [--check] FILE...`: rewrite rule files in the canonical layout (see
//! docs/fmt.md); `--check` only reports, with a diff, the files that are not.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::{Failure, Format, Outcome, report};
use crate::fmt::{FmtError, format_source};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Rule files; `-` reads standard input and writes the result to standard output
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Change nothing: print a diff for each file that is not formatted and exit 1 if any
    #[arg(long, conflicts_with = "stdout")]
    check: bool,
    /// Print the formatted text to standard output instead of rewriting the files
    #[arg(long)]
    stdout: bool,
}

pub fn run(args: Args) -> Outcome {
    let mut worst: Outcome = Ok(());
    let mut unformatted = 0;
    for path in &args.files {
        let outcome = match one(path, &args) {
            Ok(true) => Ok(()),
            Ok(false) => {
                unformatted += 1;
                Err(Failure::Rules)
            }
            Err(failure) => Err(failure),
        };
        worst = match (worst, outcome) {
            (Err(Failure::Usage), _) | (_, Err(Failure::Usage)) => Err(Failure::Usage),
            (Err(f), _) | (_, Err(f)) => Err(f),
            _ => Ok(()),
        };
    }
    if args.check && unformatted > 0 {
        let s = if unformatted == 1 { "" } else { "s" };
        eprintln!("{unformatted} file{s} not formatted; run `corral fmt` on them");
    }
    worst
}

/// Formats one file; `Ok(false)` when `--check` finds it not formatted.
fn one(path: &Path, args: &Args) -> Result<bool, Failure> {
    let stdin = path == Path::new("-");
    let name = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let text = read(path, stdin, &name)?;
    let formatted = match format_source(&name, &text) {
        Ok(formatted) => formatted,
        Err(FmtError::Parse(diagnostics)) => {
            report::print(&diagnostics, Format::Human, false);
            eprintln!("error: `{name}` was not formatted: it does not parse");
            return Err(Failure::Rules);
        }
        Err(error @ FmtError::Unsafe(_)) => {
            eprintln!("error: `{name}` {error}");
            return Err(Failure::Rules);
        }
    };
    if args.check {
        if formatted == text {
            return Ok(true);
        }
        let diff = TextDiff::from_lines(&text, &formatted)
            .unified_diff()
            .context_radius(3)
            .header(&name, &format!("{name} (formatted)"))
            .to_string();
        let _ = std::io::stdout().write_all(diff.as_bytes());
        return Ok(false);
    }
    if stdin || args.stdout {
        let _ = std::io::stdout().write_all(formatted.as_bytes());
        return Ok(true);
    }
    if formatted != text {
        write_atomically(path, &formatted).map_err(|e| {
            eprintln!("error: cannot write `{name}`: {e}");
            Failure::Usage
        })?;
        eprintln!("formatted {name}");
    }
    Ok(true)
}

fn read(path: &Path, stdin: bool, name: &str) -> Result<String, Failure> {
    let mut bytes = Vec::new();
    let read = if stdin {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    if let Err(e) = read {
        eprintln!("error: cannot read `{name}`: {e}");
        return Err(Failure::Usage);
    }
    String::from_utf8(bytes).map_err(|_| {
        eprintln!("error[corral::parse::not_utf8]: `{name}` is not UTF-8 text");
        Failure::Rules
    })
}

/// Writes beside the file and renames over it, so a failure never leaves half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.fmt-{}", std::process::id()));
    let result = std::fs::write(&temp, text)
        .and_then(|()| {
            let permissions = std::fs::metadata(path)?.permissions();
            std::fs::set_permissions(&temp, permissions)
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
