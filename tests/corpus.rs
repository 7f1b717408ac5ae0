//! The corpus: every `tests/cases/**/*.corral` states its expected outcome in its first
//! lines, and one test checks them all (each failure names its file):
//!
//! ```text
//! # expect: ok                          compiles without errors; its `test` blocks pass
//! # expect: error corral::check::cycle  these error codes, in this order
//! # expect: warning corral::check::unused_let   (with `ok`: these warnings too)
//! ```
//!
//! The rendered diagnostics of every case are snapshotted (`tests/snapshots/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use corral::compile::compile_file;
use corral::diagnostic::Severity;

fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            cases(&path, out);
        } else if path.extension().is_some_and(|e| e == "corral") {
            out.push(path);
        }
    }
}

struct Expected {
    errors: Vec<String>,
    warnings: Vec<String>,
}

fn expected(text: &str, path: &Path) -> Expected {
    let mut e = Expected {
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let mut stated = false;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let Some(rest) = line.trim_start_matches('#').trim().strip_prefix("expect:") else {
            continue;
        };
        stated = true;
        let mut words = rest.split_whitespace();
        match words.next() {
            Some("ok") => {}
            Some("error") => e.errors.extend(words.map(String::from)),
            Some("warning") => e.warnings.extend(words.map(String::from)),
            other => panic!("{}: unknown expectation {other:?}", path.display()),
        }
    }
    assert!(stated, "{}: no `# expect:` header", path.display());
    e
}

/// The CLI checks and evaluates on a worker thread with a 256 MiB stack (src/cli/mod.rs),
/// because checking and evaluating recurse as deep as the parser allows; the corpus runs
/// the same way, so cases at the nesting limit (limits/parens_128_deep.corral) behave as
/// they do under `corral check`. (On a default 2 MiB test thread that case overflows the
/// stack in a debug build.)
#[test]
fn corpus() {
    std::thread::Builder::new()
        .name("corpus".into())
        .stack_size(256 << 20)
        .spawn(run_corpus)
        .unwrap()
        .join()
        .unwrap();
}

fn run_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files = Vec::new();
    cases(&root, &mut files);
    assert!(
        files.len() >= 20,
        "the corpus has only {} cases",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let want = expected(&text, path);
        // Compiled by its path relative to the package (the tests' working directory),
        // so rendered names, and where long lines wrap, are the same in every checkout.
        let relative = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
        let compiled = compile_file(relative).unwrap();
        let codes = |severity| {
            compiled
                .diagnostics
                .items
                .iter()
                .filter(|d| d.severity == severity)
                .map(|d| d.code.to_string())
                .collect::<Vec<_>>()
        };
        let (errors, warnings) = (codes(Severity::Error), codes(Severity::Warning));
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        if errors != want.errors || warnings != want.warnings {
            failures.push(format!(
                "{name}: expected errors {:?} warnings {:?}, got errors {errors:?} warnings {warnings:?}\n{}",
                want.errors,
                want.warnings,
                compiled.diagnostics.render_human(false)
            ));
            continue;
        }
        if let Some(program) = &compiled.program {
            let now = corral::time::parse_instant("2026-11-22T00:00:00Z").unwrap();
            for result in corral::rule_test::run_all(program, now) {
                if !result.passed() {
                    failures.push(format!(
                        "{name}: test {:?} failed:\n{}",
                        result.title,
                        result.report()
                    ));
                }
            }
        }
        if !compiled.diagnostics.items.is_empty() {
            let rendered = compiled.diagnostics.render_human(false);
            insta::assert_snapshot!(name.replace(['/', '.'], "_"), rendered);
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus cases failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
