//! `corral diff`: snapshots of its three formats on a small fixture, the guard of
//! `--fail-on-change`, and its errors and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/binary.rs"]
mod binary;

use std::process::Output;

use binary::{code, corral, stderr, stdout};

const NOW: &str = "2026-11-22T00:00:00Z";
const OLD: &str = "tests/data/explain/rules.corral";
const NEW: &str = "tests/data/explain/rules_new.corral";
const PROFILES: &str = "tests/data/explain/profiles.ndjson";

fn diff(extra: &[&str]) -> Output {
    let mut args = vec!["diff", OLD, NEW, "--profiles", PROFILES, "--now", NOW];
    args.extend_from_slice(extra);
    corral(&args)
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
    // (Warnings about the fixture's rules may be on stderr; no guard failure is.)
    assert!(!stderr(&out).contains("guarded"), "{}", stderr(&out));
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
    // Same results on the sample: not a failure. (Warnings about the fixture's rules,
    // with their source excerpts, may be on stderr too.)
    assert!(
        !err.lines()
            .any(|line| line.contains("guarded") && line.contains("frequent_payer")),
        "{err}"
    );
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
    let out = corral([
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
    let out = corral(["diff", OLD, bad.to_str().unwrap(), "--profiles", PROFILES]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("agee"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let out = corral(["diff", bad.to_str().unwrap(), OLD, "--profiles", PROFILES]);
    assert_eq!(code(&out), 1);
}

#[test]
fn missing_files_are_usage_errors() {
    let out = corral(["diff", OLD, "nope.corral", "--profiles", PROFILES]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot read `nope.corral`"));
    let out = corral(["diff", OLD, NEW, "--profiles", "nope.ndjson"]);
    assert_eq!(code(&out), 2);
}

mod meaning {
    use corral::compile::compile_source;
    use corral::data::{LoadOptions, ndjson};
    use corral::diff::{Results, Side, Status, diff};
    use corral::ir::Program;

    fn program(text: &str) -> Program {
        let compiled = compile_source("rules.corral", text);
        assert!(
            !compiled.diagnostics.has_errors(),
            "{}",
            compiled.diagnostics.render_human(false)
        );
        compiled.program.unwrap()
    }

    /// The status of every rule, comparing `old` with `new` on `sample` (NDJSON).
    fn statuses(old: &str, new: &str, sample: &str) -> Vec<(String, Status, Results)> {
        let (old, new) = (program(old), program(new));
        let load = |p: &Program| {
            ndjson::load(sample.as_bytes(), &p.schema, &LoadOptions::default())
                .unwrap()
                .profiles
        };
        let (old_profiles, new_profiles) = (load(&old), load(&new));
        let report = diff(
            Side {
                program: &old,
                profiles: &old_profiles,
            },
            Side {
                program: &new,
                profiles: &new_profiles,
            },
            0,
        );
        report
            .rules
            .into_iter()
            .map(|r| (r.name, r.status, r.results))
            .collect()
    }

    const SCHEMA: &str =
        "profile { id: string, a: bool, b: bool, c: bool, n: int, p: enum(x, y) }\n";
    const SAMPLE: &str = "{\"id\":\"1\",\"a\":true,\"b\":true,\"c\":false,\"n\":5,\"p\":\"x\"}\n{\"id\":\"2\",\"a\":true,\"b\":true,\"c\":true,\"n\":1,\"p\":\"y\"}\n";

    fn status_of(old: &str, new: &str) -> Status {
        let found = statuses(&format!("{SCHEMA}{old}"), &format!("{SCHEMA}{new}"), SAMPLE);
        found.into_iter().next().unwrap().1
    }

    #[test]
    fn layout_grouping_and_constant_names_are_not_changes() {
        assert_eq!(
            status_of(
                "segment s = a and b and c",
                "segment s =\n  a AND (b and c)"
            ),
            Status::Unchanged
        );
        assert_eq!(
            status_of("segment s = a, b, c", "segment s = a and b and c"),
            Status::Unchanged
        );
        assert_eq!(
            status_of(
                "let k = 3\nsegment s = n >= k",
                "let limit = 1 + 2\nsegment s = n >= limit"
            ),
            Status::Unchanged
        );
        assert_eq!(
            status_of("segment s = x", "segment s = p == x"),
            Status::Unchanged
        );
    }

    #[test]
    fn different_meanings_are_changes() {
        assert_eq!(
            status_of("segment s = a and b", "segment s = b and a"),
            Status::Changed
        );
        assert_eq!(
            status_of("segment s = n >= 3", "segment s = n > 3"),
            Status::Changed
        );
        assert_eq!(status_of("segment s = x", "segment s = y"), Status::Changed);
        assert_eq!(
            status_of(
                "tag t = n\nsegment s = t > 1",
                "tag t = n + 1\nsegment s = t > 1"
            ),
            Status::Changed
        );
    }

    #[test]
    fn a_schema_change_under_the_same_text_is_a_change() {
        let old = "profile { id: string, p: enum(x, y) }\nsegment s = p == x\n";
        let new = "profile { id: string, p: enum(x, y, z) }\nsegment s = p == x\n";
        let found = statuses(old, new, "{\"id\":\"1\",\"p\":\"x\"}\n");
        assert_eq!(found[0].1, Status::Changed);
        assert!(!found[0].2.differ());
    }

    #[test]
    fn users_of_a_changed_rule_say_so() {
        let found = statuses(
            &format!("{SCHEMA}tag big = n > 3\ntag bigger = big and a\nsegment s = bigger"),
            &format!("{SCHEMA}tag big = n > 0\ntag bigger = big and a\nsegment s = bigger"),
            SAMPLE,
        );
        let names: Vec<(&str, &Status)> = found.iter().map(|(n, s, _)| (n.as_str(), s)).collect();
        assert_eq!(
            names,
            [
                ("big", &Status::Changed),
                ("bigger", &Status::UsesChanged(vec!["big".into()])),
                ("s", &Status::UsesChanged(vec!["big".into()])),
            ]
        );
        match &found[2].2 {
            Results::Membership {
                entered,
                left,
                entered_examples,
                ..
            } => {
                assert_eq!((*entered, *left), (1, 0));
                assert_eq!(entered_examples, &["2".to_string()]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn valued_tags_report_transitions() {
        let found = statuses(
            &format!("{SCHEMA}tag size = case {{ n > 3 => \"big\" else => \"small\" }}"),
            &format!("{SCHEMA}tag size = case {{ n > 0 => \"big\" else => \"small\" }}"),
            SAMPLE,
        );
        assert_eq!(
            found[0].2,
            Results::Valued {
                changed: 1,
                transitions: vec![("small".into(), "big".into(), 1)],
                examples: vec!["2".into()],
            }
        );
    }
}

mod aggregates {
    use corral::compile::compile_source;
    use corral::explain::canon::canon;

    /// Whether segment `s` means the same in both versions.
    fn same(old: &str, new: &str) -> bool {
        let schema = "profile { id: string }\nevent pay { amount: float, coupon: string }\nevent view { amount: float }\n";
        let canon_of = |body: &str| {
            let program = compile_source("r.corral", &format!("{schema}segment s = {body}\n"))
                .program
                .unwrap();
            canon(&program, program.segments[0].body)
        };
        canon_of(old) == canon_of(new)
    }

    #[test]
    fn filters_windows_and_events_are_part_of_the_meaning() {
        assert!(same(
            "exists(pay where amount > 3 within 7d)",
            "exists( pay where amount>3 within 7d )"
        ));
        assert!(same("exists(pay within 7d)", "exists(pay within 168h)"));
        assert!(!same(
            "exists(pay where amount > 3)",
            "exists(pay where amount > 4)"
        ));
        assert!(!same("exists(pay within 7d)", "exists(pay within 8d)"));
        assert!(!same(
            "exists(pay where amount > 3)",
            "exists(view where amount > 3)"
        ));
        assert!(!same("sum(pay.amount) > 3", "max(pay.amount) > 3"));
        assert!(!same(
            "count(pay where coupon is present) > 0",
            "count(pay where coupon is missing) > 0"
        ));
    }
}

#[test]
fn a_sample_that_does_not_fit_one_schema_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let new = dir.path().join("new.corral");
    std::fs::write(
        &new,
        "profile { id: string, platform: int }\nsegment s = platform > 1\n",
    )
    .unwrap();
    let out = corral(["diff", OLD, new.to_str().unwrap(), "--profiles", PROFILES]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("platform"), "{err}");
    assert!(err.contains("was read with the schema of"), "{err}");
    assert!(err.contains("new.corral"), "{err}");
}
