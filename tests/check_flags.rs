//! `corral check --deny CODE` and `--allow CODE`: promoting and silencing one warning.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/binary.rs"]
mod binary;

use std::process::Output;

use binary::{code, corral};

use serde_json::Value;

/// Two `never_matches` warnings, and nothing else.
const NEVER: &str = "tests/cases/analysis/never_bool.corral";
const EQUIVALENT: &str = "tests/cases/analysis/equivalent.corral";

/// (code, severity) of each diagnostic printed with `--format json`.
fn diagnostics(out: &Output) -> Vec<(String, String)> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["code"].as_str().unwrap().to_string(),
                v["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn deny_turns_one_warning_into_an_error() {
    let out = corral(["check", "--format", "json", NEVER]);
    assert_eq!(code(&out), 0);
    assert!(
        diagnostics(&out)
            .iter()
            .all(|(c, s)| c == "corral::check::never_matches" && s == "warning")
    );
    for name in ["never_matches", "corral::check::never_matches"] {
        let out = corral(["check", "--format", "json", "--deny", name, NEVER]);
        assert_eq!(code(&out), 1, "--deny {name}");
        let found = diagnostics(&out);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|(_, s)| s == "error"), "{found:?}");
    }
    // Denying another code changes nothing.
    let out = corral(["check", "--deny", "reused_salt", NEVER]);
    assert_eq!(code(&out), 0);
}

#[test]
fn allow_leaves_a_warning_out() {
    let out = corral([
        "check",
        "--format",
        "json",
        "--allow",
        "equivalent_rule",
        EQUIVALENT,
    ]);
    assert_eq!(code(&out), 0);
    assert!(diagnostics(&out).is_empty());
    // Allowed warnings no longer fail --deny-warnings.
    let out = corral([
        "check",
        "--deny-warnings",
        "--allow",
        "equivalent_rule",
        EQUIVALENT,
    ]);
    assert_eq!(code(&out), 0);
    let out = corral(["check", "--deny-warnings", EQUIVALENT]);
    assert_eq!(code(&out), 1);
}

#[test]
fn unknown_or_conflicting_codes_are_usage_errors() {
    let out = corral(["check", "--deny", "no_such_warning", EQUIVALENT]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a warning code"));
    // An error code cannot be allowed.
    let out = corral(["check", "--allow", "unknown_name", EQUIVALENT]);
    assert_eq!(code(&out), 2);
    let out = corral([
        "check",
        "--deny",
        "equivalent_rule",
        "--allow",
        "equivalent_rule",
        EQUIVALENT,
    ]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("both --deny and --allow"));
}
