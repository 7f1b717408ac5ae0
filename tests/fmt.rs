//! `corral fmt`: the layout of every example and corpus file (snapshots), and the
//! properties that make it safe: idempotent, the same AST, every comment kept.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "props/gen.rs"]
#[allow(dead_code)]
mod r#gen;

use std::path::{Path, PathBuf};

use corral::ast::Module;
use corral::fmt::{FmtError, comment_texts, format_source};
use corral::parse::parse_module;
use corral::print::strip_spans;
use corral::source::SourceMap;
use proptest::prelude::*;

fn rule_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rule_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "corral") {
            out.push(path);
        }
    }
}

fn parse(text: &str) -> Option<Module> {
    let mut sources = SourceMap::new();
    let file = sources.add("t.corral", None, text);
    let mut module = parse_module(&sources, file).ok()?;
    strip_spans(&mut module);
    Some(module)
}

/// Formats `text` and checks what must hold of any formatting.
fn format_checked(text: &str) -> Result<String, FmtError> {
    let formatted = format_source("t.corral", text)?;
    assert_eq!(
        parse(&formatted),
        parse(text),
        "the AST changed:\n{formatted}"
    );
    assert_eq!(
        comment_texts(&formatted),
        comment_texts(text),
        "comments changed"
    );
    let again = format_source("t.corral", &formatted).unwrap();
    assert_eq!(again, formatted, "formatting is not idempotent");
    Ok(formatted)
}

/// Runs `f` with a stack as large as the CLI's: some corpus files nest to the limit.
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn examples_and_corpus() {
    on_big_stack(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rule_files(&root.join("examples"), &mut files);
        rule_files(&root.join("tests/cases"), &mut files);
        assert!(files.len() > 100);
        let mut formatted = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.strip_prefix(root).unwrap().display().to_string();
            match format_checked(&text) {
                Ok(out) => {
                    formatted += 1;
                    insta::assert_snapshot!(format!("fmt_{}", name.replace(['/', '.'], "_")), out);
                }
                Err(FmtError::Parse(_)) => assert!(parse(&text).is_none(), "{name}"),
                Err(e) => panic!("{name}: {e}"),
            }
        }
        assert!(formatted > 100, "only {formatted} files formatted");
    });
}

#[test]
fn the_shipped_example_is_formatted() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/retail.corral");
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(format_source("retail.corral", &text).unwrap(), text);
}

/// Byte offsets in `text` where a comment may go: after whitespace, outside strings
/// and comments (so between two tokens).
fn gaps(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut in_string, mut in_comment, mut escaped) = (false, false, false);
    let mut previous = '\n';
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = c != '\n';
        } else if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c == '#' {
            in_comment = true;
        } else if c == '"' {
            in_string = true;
        }
        if !in_string && !in_comment && previous.is_whitespace() && c != '#' {
            out.push(i);
        }
        previous = c;
    }
    out
}

/// `text` with comments at the `picks`-chosen gaps: own-line ones (`# c3` and a line
/// break) and trailing ones (`# t3` before an existing line break).
fn with_comments(text: &str, picks: &[(usize, bool)]) -> String {
    let gaps = gaps(text);
    if gaps.is_empty() {
        return text.to_string();
    }
    let mut at: Vec<(usize, usize, bool)> = picks
        .iter()
        .enumerate()
        .map(|(i, (pick, own_line))| (gaps[pick % gaps.len()], i, *own_line))
        .collect();
    at.sort();
    let mut out = String::new();
    let mut last = 0;
    for (offset, i, own_line) in at {
        out.push_str(&text[last..offset]);
        if own_line {
            out.push_str(&format!("# c{i}\n"));
        } else if text[..offset].ends_with('\n') {
            out.pop();
            out.push_str(&format!(" # t{i}\n"));
        }
        last = offset;
    }
    out.push_str(&text[last..]);
    out
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Generated rule sets with comments between random tokens: formatting keeps the
    /// AST and every comment, and a second run changes nothing.
    #[test]
    fn generated_rule_sets_with_comments(
        tape in proptest::collection::vec(any::<u32>(), 0..1500),
        picks in proptest::collection::vec((any::<usize>(), any::<bool>()), 0..12),
    ) {
        let rules = r#gen::gen_rule_set(&mut r#gen::Tape::new(tape));
        let text = with_comments(&rules.source, &picks);
        prop_assume!(parse(&text).is_some());
        prop_assert_eq!(parse(&text), parse(&rules.source));
        format_checked(&text).unwrap();
    }

    /// The same for the examples and corpus files that parse, with comments at random
    /// places.
    #[test]
    fn corpus_files_with_comments(
        file in 0usize..1000,
        picks in proptest::collection::vec((any::<usize>(), any::<bool>()), 1..8),
    ) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        rule_files(&root.join("examples"), &mut files);
        rule_files(&root.join("tests/cases"), &mut files);
        let text = std::fs::read_to_string(&files[file % files.len()]).unwrap();
        let text = with_comments(&text, &picks);
        prop_assume!(parse(&text).is_some());
        format_checked(&text).unwrap();
    }
}
