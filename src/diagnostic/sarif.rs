//! SARIF 2.1.0 (the OASIS static-analysis results format read by code-scanning UIs):
//! one run of the `corral` tool, its rules being the codes that occur.
//!
//! Columns are counted in UTF-16 code units, SARIF's default `columnKind`, which the
//! run also states explicitly; lines and columns are 1-based and `endColumn` is the
//! column just after the last character.

use serde_json::{Value, json};

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::{SourceMap, Span};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where each rule's `helpUri` points: the code's section of docs/diagnostics.md,
/// under the repository named in Cargo.toml (relative to it while it names none).
fn help_uri(code: &str) -> String {
    let anchor: String = code.chars().filter(|c| *c != ':').collect();
    format!("{}docs/diagnostics.md#{anchor}", repository_base())
}

fn repository_base() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY");
    if repository.is_empty() {
        String::new()
    } else {
        format!("{}/blob/main/", repository.trim_end_matches('/'))
    }
}

/// A rule's one-line description, from its code: `corral::check::unknown_name` is
/// "unknown name (check)".
fn short_description(code: &str) -> String {
    let mut parts = code.rsplit("::");
    let name = parts.next().unwrap_or(code).replace('_', " ");
    match parts.next() {
        Some(stage) => format!("{name} ({stage})"),
        None => name,
    }
}

/// One SARIF log holding the diagnostics of every rule set in `sets`.
pub fn log(sets: &[&Diagnostics]) -> Value {
    let mut codes: Vec<&'static str> = Vec::new();
    for d in sets.iter().flat_map(|s| s.items.iter()) {
        if !codes.contains(&d.code) {
            codes.push(d.code);
        }
    }
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| {
            json!({
                "id": code,
                "shortDescription": { "text": short_description(code) },
                "helpUri": help_uri(code),
            })
        })
        .collect();
    let results: Vec<Value> = sets
        .iter()
        .flat_map(|set| set.items.iter().map(|d| (d, &*set.sources)))
        .map(|(d, sources)| {
            let index = codes.iter().position(|c| *c == d.code).unwrap_or(0);
            result(d, sources, index)
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "corral",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": format!("{}README.md", repository_base()),
                "rules": rules,
            }},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    })
}

fn result(d: &Diagnostic, sources: &SourceMap, rule_index: usize) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let related: Vec<Value> = d
        .notes
        .iter()
        .enumerate()
        .map(|(i, (span, note))| {
            let mut location = physical(sources, *span);
            location["id"] = json!(i);
            location["message"] = json!({ "text": note });
            location
        })
        .collect();
    let mut location = physical(sources, d.span);
    if !d.label.is_empty() {
        location["message"] = json!({ "text": d.label });
    }
    let mut result = json!({
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "message": { "text": text },
        "locations": [location],
    });
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    result
}

/// A location: the file as a relative URI and the span's region.
fn physical(sources: &SourceMap, span: Span) -> Value {
    let file = sources.get(span.file);
    let (start_line, start_column) = utf16_position(&file.text, span.start as usize);
    let (end_line, end_column) = utf16_position(&file.text, span.end as usize);
    let mut artifact = json!({ "uri": file_uri(&file.name) });
    if !file.name.starts_with('/') && !file.name.starts_with('<') {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            },
        },
    })
}

/// 1-based line and UTF-16 column of a byte offset.
pub fn utf16_position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before
        .get(line_start..)
        .unwrap_or("")
        .encode_utf16()
        .count()
        + 1;
    (line, column)
}

/// A file name as a URI reference: `/` separators, reserved characters escaped.
fn file_uri(name: &str) -> String {
    let mut uri = String::new();
    for c in name.chars() {
        match c {
            '\\' => uri.push('/'),
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' | '/' => uri.push(c),
            _ => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    uri.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn columns_count_utf16_code_units() {
        // `上` is 3 bytes and 1 UTF-16 unit; `😀` is 4 bytes and 2 units.
        let text = "a\n上😀x";
        assert_eq!(utf16_position(text, 2), (2, 1));
        assert_eq!(utf16_position(text, 5), (2, 2));
        assert_eq!(utf16_position(text, 9), (2, 4));
    }

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(file_uri("rules/a b#1.corral"), "rules/a%20b%231.corral");
        assert_eq!(file_uri("上.corral"), "%E4%B8%8A.corral");
    }
}
