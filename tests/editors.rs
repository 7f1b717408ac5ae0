//! The TextMate grammar under editors/ stays in step with grammar/corral.pest: it is
//! valid JSON, its patterns compile, and every keyword of the pest grammar is
//! highlighted (as written and, for case-insensitive keywords, in upper case).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use regex::Regex;
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `match`, `begin` and `end` pattern, compiled. TextMate's engine (Oniguruma)
/// has lookahead and Rust's `regex` does not, so `(?=...)` and `(?!...)` groups are
/// dropped first.
fn patterns(value: &Value, out: &mut Vec<Regex>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("match" | "begin" | "end", Value::String(p)) => {
                        let p = without_lookahead(p);
                        out.push(Regex::new(&p).unwrap_or_else(|e| panic!("{p}: {e}")));
                    }
                    _ => patterns(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| patterns(v, out)),
        _ => {}
    }
}

fn without_lookahead(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(at) = ["(?=", "(?!"].iter().filter_map(|g| rest.find(g)).min() {
        out.push_str(&rest[..at]);
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest[at..].char_indices() {
            match c {
                '(' if !rest[..at + i].ends_with('\\') => depth += 1,
                ')' if !rest[..at + i].ends_with('\\') => {
                    depth -= 1;
                    if depth == 0 {
                        end = at + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The keywords of the pest grammar: `kw_and = @{ ^"and" ~ ... }`, with whether
/// they are case-insensitive (`^"..."`).
fn pest_keywords() -> Vec<(String, bool)> {
    let grammar = std::fs::read_to_string(root().join("grammar/corral.pest")).unwrap();
    let rule = Regex::new(r#"(?m)^kw_\w+\s*=\s*@\{\s*(\^?)"(\w+)""#).unwrap();
    rule.captures_iter(&grammar)
        .map(|c| (c[2].to_string(), &c[1] == "^"))
        .collect()
}

#[test]
fn the_grammar_highlights_every_keyword() {
    let grammar = read_json("editors/vscode/syntaxes/corral.tmLanguage.json");
    assert_eq!(grammar["scopeName"], "source.corral");
    let mut compiled = Vec::new();
    patterns(&grammar, &mut compiled);
    let keywords = pest_keywords();
    assert!(
        keywords.len() > 40,
        "found only {} keywords",
        keywords.len()
    );
    // A pattern that also takes a made-up name (an identifier before `(`, once its
    // lookahead is dropped) proves nothing about keywords.
    let specific: Vec<&Regex> = compiled.iter().filter(|re| !re.is_match("qzxv")).collect();
    let highlighted = |word: &str| {
        specific.iter().any(|re| {
            re.find_iter(word)
                .any(|m| m.start() == 0 && m.end() == word.len())
                // `enum(` opens a region whose first capture is the keyword.
                || re
                    .captures_iter(&format!("{word}("))
                    .any(|c| c.iter().skip(1).flatten().any(|g| g.as_str() == word))
        })
    };
    for (word, any_case) in keywords {
        assert!(highlighted(&word), "keyword `{word}` is not highlighted");
        if any_case {
            let upper = word.to_uppercase();
            assert!(highlighted(&upper), "keyword `{upper}` is not highlighted");
        }
    }
    for literal in ["7d", "3h", "22:00", "10%", "2.5", "# note"] {
        assert!(highlighted(literal), "`{literal}` is not highlighted");
    }
}

#[test]
fn the_extension_points_at_the_grammar() {
    let package = read_json("editors/vscode/package.json");
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.corral");
    let path = grammar["path"].as_str().unwrap();
    assert!(root().join("editors/vscode").join(path).is_file());
    assert_eq!(
        package["contributes"]["languages"][0]["extensions"][0],
        ".corral"
    );
    read_json("editors/vscode/language-configuration.json");
}
