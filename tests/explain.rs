//! `corral explain`: snapshots of its output on a small fixture, its errors and exit
//! codes, and properties over generated rule sets: the verdict is the interpreter's
//! value, and flipping the smallest failing set makes the rule hold.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/binary.rs"]
mod binary;

// The property tests' generator, of which this file uses a part.
#[allow(dead_code)]
#[path = "props/gen.rs"]
mod r#gen;

use std::process::{Command, Output};

use binary::{code, corral, stderr, stdout};

use corral::compile::compile_source;
use corral::data::{LoadOptions, ndjson};
use corral::eval::Interpreter;
use corral::explain::Node;
use corral::explain::events::Status;
use corral::explain::needs::{forced, holds_with};
use corral::explain::tree::At;
use corral::ir::RuleRef;
use corral::ir::{AggFunc, ExprKind};
use corral::schema::Type;
use corral::value::Value;
use proptest::prelude::*;

use r#gen::Tape;

const NOW: &str = "2026-11-22T00:00:00Z";
const RULES: &str = "tests/data/explain/rules.corral";
const PROFILES: &str = "tests/data/explain/profiles.ndjson";

fn explain(extra: &[&str]) -> Output {
    let mut args = vec!["explain", RULES, "--profiles", PROFILES, "--now", NOW];
    args.extend_from_slice(extra);
    corral(&args)
}

#[test]
fn explains_every_rule_of_a_profile() {
    let out = explain(&["--id", "p1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    insta::assert_snapshot!("explain_p1_human", stdout(&out));
}

#[test]
fn lists_at_most_ten_events_of_a_kind() {
    let out = explain(&["--id", "p2", "frequent_payer", "adult", "promo_target"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("pay events: 13 counted"), "{text}");
    assert!(text.contains("... and 3 more counted (earlier)"), "{text}");
    assert!(text.contains("needs `age` >= 18; missing"), "{text}");
    insta::assert_snapshot!("explain_p2_human", text);
}

#[test]
fn json_has_the_documented_shape() {
    let out = explain(&[
        "--id",
        "p1",
        "ios_follow_unpaid",
        "promo_target",
        "never_both",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["id"], "p1");
    assert_eq!(json["rules"][0]["value"], false);
    assert_eq!(
        json["rules"][0]["needs"][0]["text"],
        "needs `paid` = false; has true"
    );
    assert_eq!(json["rules"][2]["needs"], serde_json::Value::Null);
    insta::assert_json_snapshot!("explain_p1_json", json);
}

#[test]
fn an_unknown_id_names_the_closest_and_the_count() {
    let out = explain(&["--id", "p1x"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("no profile with id `p1x` among the 8 profiles"),
        "{err}"
    );
    assert!(err.contains("did you mean `p1`?"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn an_unknown_name_is_a_usage_error_with_a_suggestion() {
    let out = explain(&["--id", "p1", "adlt"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("no tag or segment named `adlt`"), "{err}");
    assert!(err.contains("did you mean `adult`?"), "{err}");
}

#[test]
fn missing_files_are_usage_errors() {
    let out = corral([
        "explain",
        "nope.corral",
        "--profiles",
        PROFILES,
        "--id",
        "p1",
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot read `nope.corral`"));
    let out = corral(["explain", RULES, "--profiles", "nope.ndjson", "--id", "p1"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn rule_errors_stop_it() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.corral");
    std::fs::write(
        &bad,
        "profile { id: string, age: int }\ntag adult = agee >= 18\n",
    )
    .unwrap();
    let out = corral([
        "explain",
        bad.to_str().unwrap(),
        "--profiles",
        PROFILES,
        "--id",
        "p1",
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("agee"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn reads_parquet_too() {
    let out = corral([
        "explain",
        "examples/retail.corral",
        "--profiles",
        "tests/data/profiles50.parquet",
        "--id",
        "u3",
        "recall",
        "--now",
        NOW,
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("segment `recall` for `u3`"));
}

fn config() -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48);
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

fn tape() -> impl Strategy<Value = Vec<u32>> {
    proptest::collection::vec(any::<u32>(), 0..1500)
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        _ => a == b,
    }
}

/// Every `count` node's value is the number of events listed as counted, and every
/// `exists` node's is whether there is one.
fn counts_agree(program: &corral::ir::Program, node: &Node) -> Result<(), TestCaseError> {
    if let (Some(seen), ExprKind::Aggregate(agg)) = (&node.events, &program.expr(node.expr).kind) {
        let counted = seen.of(Status::Counted).count();
        match agg.func {
            AggFunc::Count => {
                prop_assert_eq!(&node.value, &Value::Int(counted as i64), "{}", node.text)
            }
            AggFunc::Exists => {
                prop_assert_eq!(&node.value, &Value::Bool(counted > 0), "{}", node.text)
            }
            _ => {}
        }
    }
    for child in &node.children {
        counts_agree(program, child)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// On generated rule sets and profiles: every explained value is the interpreter's,
    /// the failing set lists only conditions that are wrong now, and forcing them makes
    /// the rule hold.
    #[test]
    fn explanations_agree_with_the_interpreter(rules in tape(), data in tape()) {
        let rs = r#gen::gen_rule_set(&mut Tape::new(rules));
        let compiled = compile_source("gen.corral", &rs.source);
        let program = compiled.program.expect("a generated rule set checks");
        let mut t = Tape::new(data);
        let generated = r#gen::gen_profiles(&mut t, &rs.schema);
        let nows = r#gen::gen_nows(&mut t);
        let text = r#gen::ndjson(&rs.schema, &generated);
        let profiles = ndjson::load(text.as_bytes(), &program.schema, &LoadOptions::default())
            .expect("generated profiles load")
            .profiles;
        let interpreter = Interpreter::new(&program);
        for &now in &nows {
            for row in 0..profiles.len() {
                let values = interpreter.eval_profile(&profiles, row, now);
                let at = At { interpreter: &interpreter, profiles: &profiles, row, now };
                for explained in corral::explain::explain(&program, &profiles, row, now, &[]) {
                    let (expected, body, ty) = match explained.rule {
                        RuleRef::Tag(t) => (
                            values.tags[t.0 as usize].clone(),
                            program.tag(t).body,
                            program.tag(t).ty,
                        ),
                        RuleRef::Segment(s) => (
                            Value::Bool(values.segments[s.0 as usize]),
                            program.segment(s).body,
                            Type::Bool,
                        ),
                    };
                    prop_assert!(
                        same_value(&explained.value, &expected),
                        "`{}`: explained {:?}, interpreter {:?}\n{}",
                        explained.name, explained.value, expected, rs.source
                    );
                    prop_assert!(same_value(&explained.tree.value, &interpreter.eval_expr(&profiles, row, now, None, body)));
                    counts_agree(&program, &explained.tree)?;
                    if ty != Type::Bool || expected.truthy() {
                        prop_assert_eq!(explained.needs.as_deref().map(<[_]>::len), Some(0));
                        continue;
                    }
                    let Some(needs) = explained.needs else { continue };
                    prop_assert!(!needs.is_empty(), "`{}` is false with nothing to change", explained.name);
                    for need in &needs {
                        let now_holds = interpreter.eval_expr(&profiles, row, now, None, need.expr).truthy();
                        prop_assert_ne!(now_holds, need.want, "`{}` already holds: {}", explained.name, need.text);
                    }
                    prop_assert!(
                        holds_with(&at, body, &forced(&program, &needs)),
                        "`{}` still false with {:?} flipped\n{}",
                        explained.name,
                        needs.iter().map(|n| &n.text).collect::<Vec<_>>(),
                        rs.source
                    );
                }
            }
        }
    }
}

/// Tags that each use the previous one twice: explaining the last stays linear in the
/// number of tags (every rule's definition is shown and searched once).
#[test]
fn rules_used_many_times_are_explained_once() {
    let mut rules =
        String::from("profile { id: string, paid: bool, age: int }\ntag t0 = paid and age > 3\n");
    for i in 1..60 {
        rules.push_str(&format!(
            "tag t{i} = t{} or (t{} and not paid)\n",
            i - 1,
            i - 1
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.corral"), &rules).unwrap();
    std::fs::write(
        dir.path().join("p.ndjson"),
        "{\"id\":\"a\",\"paid\":false,\"age\":1}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args([
            "explain",
            "chain.corral",
            "--profiles",
            "p.ndjson",
            "--id",
            "a",
            "t59",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("(tag `t0`)").count(), 1, "{text}");
    assert!(text.contains("explained above"), "{text}");
    assert!(text.contains("needs `paid` = true; has false"), "{text}");
    assert!(text.contains("needs `age` > 3; has 1"), "{text}");
}

/// The smallest failing set of segment `s` for the one profile in `row`, as text.
fn needs_of(rules: &str, row: &str) -> Option<Vec<String>> {
    let program = compile_source("rules.corral", rules).program.unwrap();
    let profiles = ndjson::load(row.as_bytes(), &program.schema, &LoadOptions::default())
        .unwrap()
        .profiles;
    let rule = corral::explain::find_rule(&program, "s").unwrap();
    let explained = corral::explain::explain(&program, &profiles, 0, 0, &[rule]);
    explained[0]
        .needs
        .as_ref()
        .map(|needs| needs.iter().map(|n| n.text.clone()).collect())
}

#[test]
fn the_smallest_failing_set_as_documented() {
    let schema = "profile { id: string, paid: bool, vip: bool, age: int, p: enum(x, y) }\n";
    let row = "{\"id\":\"a\",\"paid\":false,\"vip\":false,\"age\":15,\"p\":\"y\"}\n";
    let needs = |body: &str| needs_of(&format!("{schema}segment s = {body}\n"), row);
    // `and`: every false operand; `not` flips what is needed.
    assert_eq!(
        needs("not paid and vip and age >= 18 and x"),
        Some(vec![
            "needs `vip` = true; has false".into(),
            "needs `age` >= 18; has 15".into(),
            "needs `p` == x; has y".into(),
        ])
    );
    // `or`: the cheapest branch, the first among equals.
    assert_eq!(
        needs("(vip and age > 20) or paid or age > 30"),
        Some(vec!["needs `paid` = true; has false".into()])
    );
    // A condition another part needs unchanged is not flipped.
    assert_eq!(
        needs("(paid or vip) and not paid"),
        Some(vec!["needs `vip` = true; has false".into()])
    );
    assert_eq!(
        needs("not (age < 18)"),
        Some(vec!["needs `age` >= 18; has 15".into()])
    );
    assert_eq!(needs("paid and not paid"), None);
    let missing = "{\"id\":\"a\"}\n";
    assert_eq!(
        needs_of(&format!("{schema}segment s = age is present\n"), missing),
        Some(vec!["needs `age` present; missing".into()])
    );
}
