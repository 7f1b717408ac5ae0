//! `corral diff`: snapshots of its three formats on a small fixture, the guard of
//! `--fail-on-change`, and its errors and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

const NOW: &str = "2026-11-22T00:00:00Z";
const OLD: &str = "tests/data/explain/rules.corral";
const NEW: &str = "tests/data/explain/rules_new.corral";
const PROFILES: &str = "tests/data/explain/profiles.ndjson";

fn corral(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .unwrap()
}

fn diff(extra: &[&str]) -> Output {
    let mut args = vec!["diff", OLD, NEW, "--profiles", PROFILES, "--now", NOW];
    args.extend_from_slice(extra);
    corral(&args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

#[test]
fn human() {
    let out = diff(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!("diff_human", stdout(&out));
}

#[test]
fn json() {
    let out = diff(&["--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rule = |name: &str| {
        json["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap()
    };
    // Renaming a `let` with the same value, or reformatting, is not a change.
    assert_eq!(rule("promo_cart")["status"], "unchanged");
    assert_eq!(rule("ios_follow_unpaid")["status"], "unchanged");
    assert_eq!(rule("frequent_payer")["status"], "changed");
    assert_eq!(rule("frequent_payer")["results_differ"], false);
    assert_eq!(rule("adult")["status"], "changed");
    assert_eq!(
        rule("adult")["sample"]["left_examples"],
        serde_json::json!(["p4", "p5"])
    );
    assert_eq!(rule("promo_target")["status"], "uses_changed");
    assert_eq!(rule("spend")["status"], "removed");
    assert_eq!(rule("big_spender")["status"], "added");
    insta::assert_json_snapshot!("diff_json", json);
}

#[test]
fn markdown() {
    let out = diff(&["--format", "markdown"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!("diff_markdown", stdout(&out));
}

#[test]
fn an_unchanged_guard_passes() {
    let out = diff(&["--fail-on-change", "ios_follow_unpaid", "promo_cart"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

#[test]
fn a_changed_or_removed_guard_fails_and_says_why() {
    let out = diff(&["--fail-on-change", "adult", "spend", "frequent_payer"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("guarded tag `adult` changed on the sample: 0 entered, 2 left"),
        "{err}"
    );
    assert!(err.contains("guarded tag `spend` was removed"), "{err}");
    // Same results on the sample: not a failure.
    assert!(!err.contains("frequent_payer"), "{err}");
    // The comparison is printed all the same.
    assert!(stdout(&out).contains("tag `adult`"));
}

#[test]
fn an_unknown_guard_is_a_usage_error() {
    let out = diff(&["--fail-on-change", "adlt"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("did you mean `adult`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn identical_rule_sets_on_parquet_change_nothing() {
    let out = corral(&[
        "diff",
        "examples/retail.corral",
        "examples/retail.corral",
        "--profiles",
        "tests/data/profiles50.parquet",
        "--now",
        NOW,
        "--fail-on-change",
        "recall",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("on 50 profiles"), "{text}");
    assert!(text.ends_with("unchanged\n"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn rule_errors_in_either_file_stop_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.corral");
    std::fs::write(
        &bad,
        "profile { id: string, age: int }\ntag adult = agee >= 18\n",
    )
    .unwrap();
    let out = corral(&["diff", OLD, bad.to_str().unwrap(), "--profiles", PROFILES]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("agee"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let out = corral(&["diff", bad.to_str().unwrap(), OLD, "--profiles", PROFILES]);
    assert_eq!(code(&out), 1);
}

#[test]
fn missing_files_are_usage_errors() {
    let out = corral(&["diff", OLD, "nope.corral", "--profiles", PROFILES]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot read `nope.corral`"));
    let out = corral(&["diff", OLD, NEW, "--profiles", "nope.ndjson"]);
    assert_eq!(code(&out), 2);
}
