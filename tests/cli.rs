//! The `corral` binary, driven as a user drives it: exit codes, output formats, bad
//! data, and robustness against garbage input.
//!
//! Every command runs with the crate root as its working directory, so paths in
//! human-readable output are the relative paths given here and snapshots are stable.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/binary.rs"]
mod binary;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use binary::{code, corral, root, stderr, stdout};

use serde_json::Value;

const NOW: &str = "2026-11-22T00:00:00Z";
const RETAIL: &str = "examples/retail.corral";
const PROFILES: &str = "examples/profiles.ndjson";

/// A temporary directory holding `files` (name, content).
fn temp_files(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    dir
}

fn path_str(p: PathBuf) -> String {
    p.to_str().unwrap().to_owned()
}

const SMALL_RULES: &str = "profile { id: string, age: int, signup_at: time }
event pay { amount: float }
tag adult = age >= 18
tag spent = sum(pay.amount)
";

// ------------------------------------------------------------------------- check ----

#[test]
fn check_good_file_exits_0() {
    let out = corral(["check", RETAIL]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "checked 1 file: ok\n");
}

#[test]
fn check_bad_file_exits_1_and_renders_the_error() {
    let out = corral(["check", "tests/cases/types/compare_int_with_string.corral"]);
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("check_bad_file_human", stdout(&out));
}

#[test]
fn check_several_files_fails_if_any_fails() {
    let out = corral([
        "check",
        RETAIL,
        "tests/cases/names/unknown_name_typo.corral",
    ]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("did you mean `follows_oa`?"));
}

#[test]
fn warnings_pass_unless_denied() {
    let file = "tests/cases/warnings/unused_let.corral";
    let out = corral(["check", file]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("`limit_age` is never used"));
    let out = corral(["check", "--deny-warnings", file]);
    assert_eq!(code(&out), 1);
    // A clean file passes with --deny-warnings too.
    assert_eq!(code(&corral(["check", "--deny-warnings", RETAIL])), 0);
}

#[test]
fn check_json_is_one_object_per_diagnostic() {
    let file = "tests/cases/warnings/warnings_with_errors.corral";
    let out = corral(["check", "--format", "json", file]);
    assert_eq!(code(&out), 1);
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", stdout(&out));
    // The file: line 6 is `let unused = 1`, line 7 is `tag t = nope`.
    let warning = &lines[0];
    assert_eq!(warning["code"], "corral::check::unused_let");
    assert_eq!(warning["severity"], "warning");
    assert_eq!(warning["message"], "`unused` is never used");
    assert_eq!(warning["file"], file);
    assert_eq!(
        (warning["line"].as_u64(), warning["column"].as_u64()),
        (Some(6), Some(5))
    );
    assert_eq!(warning["help"], "remove it, or use it in a rule");
    let error = &lines[1];
    assert_eq!(error["code"], "corral::check::unknown_name");
    assert_eq!(error["severity"], "error");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(7), Some(9))
    );
    assert!(error["help"].is_null());
    // The span is the byte range of `nope` in the file.
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let start = text.find("nope").unwrap() as u64;
    assert_eq!(error["span"]["start"].as_u64(), Some(start));
    assert_eq!(error["span"]["end"].as_u64(), Some(start + 4));
    // No human summary is mixed into JSON output.
    assert!(!stderr(&out).contains("checked"));
}

#[test]
fn json_notes_name_the_other_file() {
    // A profile declared differently in an imported file: the note points into that file.
    let dir = temp_files(&[
        (
            "main.corral",
            b"import \"other.corral\"\nprofile { id: string, age: int }\n",
        ),
        ("other.corral", b"profile { id: string, age: float }\n"),
    ]);
    let out = corral([
        "check".into(),
        "--format".into(),
        "json".into(),
        path_str(dir.path().join("main.corral")),
    ]);
    assert_eq!(code(&out), 1);
    let d: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(d["code"], "corral::check::conflicting_profile");
    assert_eq!(d["line"], 2);
    let note = &d["notes"][0];
    assert!(
        note["file"].as_str().unwrap().ends_with("other.corral"),
        "{note}"
    );
    assert_eq!(note["line"], 1);
}

#[test]
fn unreadable_file_exits_2() {
    let out = corral(["check", "tests/no/such/file.corral"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot read `tests/no/such/file.corral`"));
    // A directory is not readable as a rule file either.
    assert_eq!(code(&corral(["check", "tests"])), 2);
}

#[test]
fn no_arguments_exit_2_with_usage() {
    let out = corral(Vec::<&str>::new());
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("Usage:"), "{}", stderr(&out));
    let out = corral(["check"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("Usage:"));
    let out = corral(["frobnicate"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn help_of_every_subcommand_exits_0() {
    for args in [
        vec!["--help"],
        vec!["check", "--help"],
        vec!["eval", "--help"],
        vec!["test", "--help"],
        vec!["help", "eval"],
    ] {
        let out = corral(&args);
        assert_eq!(code(&out), 0, "{args:?}");
        assert!(stdout(&out).contains("Usage:"), "{args:?}");
    }
    assert!(stdout(&corral(["eval", "--help"])).contains("--skip-bad"));
}

// -------------------------------------------------------------------------- eval ----

fn eval_counts(profiles: &str, extra: &[&str]) -> Value {
    let mut args = vec!["eval", RETAIL, "--profiles", profiles, "--now", NOW];
    args.extend_from_slice(extra);
    let out = corral(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

#[test]
fn eval_engines_agree_and_timings_are_one_json_line() {
    for output in ["counts", "members"] {
        let run = |engine: &str| {
            let out = corral([
                "eval",
                RETAIL,
                "--profiles",
                PROFILES,
                "--now",
                NOW,
                "--output",
                output,
                "--engine",
                engine,
                "--timings",
            ]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            (stdout(&out), stderr(&out))
        };
        let (jit, jit_err) = run("jit");
        let (interp, interp_err) = run("interp");
        assert_eq!(jit, interp, "--output {output}");
        for err in [jit_err, interp_err] {
            let line = err.lines().last().unwrap();
            let timings: Value = serde_json::from_str(line).unwrap();
            assert_eq!(timings["profiles"], 300, "{line}");
            for key in ["load_s", "compile_s", "eval_s", "profiles_per_s"] {
                assert!(
                    timings[key].as_f64().is_some_and(|x| x >= 0.0),
                    "{key}: {line}"
                );
            }
        }
    }
}

/// The expected numbers were computed independently from examples/profiles.ndjson with a
/// Python 3 one-off (json + datetime, now = 2026-11-22T00:00:00Z), e.g.
///   female     = sum(r.get("gender") == "F")
///   east_china = sum(r.get("province") in ("上海", "江苏", "浙江"))
///   young_adult = sum(18 <= r["age"] < 30 for rows with an age)
///   big_spender = sum of `pay` amounts with now - 90d < at <= now, >= 1000
///   ios_follow_unpaid = wechat_login and follows_oa and not paid and platform == "ios"
///   lifecycle  = the case of LANGUAGE.md written out in Python
/// which printed 300, 142, 91, 60, 83, 26 and growth 158 / silent 72 / lost 70.
#[test]
fn eval_counts_on_the_example_profiles() {
    let counts = eval_counts(PROFILES, &[]);
    assert_eq!(counts["profiles"], 300);
    assert_eq!(counts["tags"]["female"], 142);
    assert_eq!(counts["tags"]["east_china"], 91);
    assert_eq!(counts["tags"]["young_adult"], 60);
    assert_eq!(counts["tags"]["big_spender"], 83);
    assert_eq!(counts["segments"]["ios_follow_unpaid"], 26);
    assert_eq!(
        counts["tags"]["lifecycle"],
        serde_json::json!({"growth": 158, "lost": 70, "silent": 72})
    );
    // Every profile has exactly one recency score (the case has an else).
    let recency: u64 = counts["tags"]["recency"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(recency, 300);
}

#[test]
fn eval_members_are_json_lines_in_input_order() {
    let out = corral([
        "eval",
        RETAIL,
        "--profiles",
        PROFILES,
        "--now",
        NOW,
        "--output",
        "members",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let members: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let input_ids: Vec<String> = std::fs::read_to_string(root().join(PROFILES))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let output_ids: Vec<&str> = members.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(output_ids, input_ids);
    // u0 (first line): province 湖北, gender U, interests ["母婴"], last login 2026-04-10
    // (over 90 days before now: lost), payments within 90 days: 1192.6 on 2026-09-12
    // (big spender; monetary 4 as 1000 <= 1192.6 < 3000; frequency 2: one payment),
    // last payment 71 days ago (recency 3); follows no account, has a phone (reachable).
    let u0 = &members[0];
    assert_eq!(
        u0["tags"],
        serde_json::json!({"mom_interest": true, "big_spender": true, "reachable": true,
            "recency": 3, "frequency": 2, "monetary": 4, "lifecycle": "lost"})
    );
    assert_eq!(u0["segments"], serde_json::json!([]));
    // The members agree with the counts.
    let female = members
        .iter()
        .filter(|m| m["tags"].get("female") == Some(&Value::Bool(true)))
        .count();
    assert_eq!(female, 142);
    let ios = members
        .iter()
        .filter(|m| {
            m["segments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "ios_follow_unpaid")
        })
        .count();
    assert_eq!(ios, 26);
}

#[test]
fn threads_do_not_change_the_output() {
    for output in ["counts", "members"] {
        let run = |threads: &str| {
            let out = corral([
                "eval",
                RETAIL,
                "--profiles",
                PROFILES,
                "--now",
                NOW,
                "--output",
                output,
                "--threads",
                threads,
            ]);
            assert_eq!(code(&out), 0, "{}", stderr(&out));
            out.stdout
        };
        assert_eq!(run("1"), run("2"), "--output {output}");
    }
}

#[test]
fn parquet_and_ndjson_fixtures_agree() {
    let parquet = eval_counts("tests/data/profiles50.parquet", &[]);
    let ndjson = eval_counts("tests/data/profiles50.ndjson", &[]);
    assert_eq!(parquet["profiles"], 50);
    assert_eq!(parquet, ndjson);
    let members = |file: &str| {
        let out = corral([
            "eval",
            RETAIL,
            "--profiles",
            file,
            "--now",
            NOW,
            "--output",
            "members",
        ]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        out.stdout
    };
    assert_eq!(
        members("tests/data/profiles50.parquet"),
        members("tests/data/profiles50.ndjson")
    );
}

/// Runs `eval` of SMALL_RULES over one NDJSON text.
fn eval_small(data: &str, extra: &[&str]) -> Output {
    let dir = temp_files(&[
        ("rules.corral", SMALL_RULES.as_bytes()),
        ("p.ndjson", data.as_bytes()),
    ]);
    let mut args: Vec<String> = vec![
        "eval".into(),
        path_str(dir.path().join("rules.corral")),
        "--profiles".into(),
        path_str(dir.path().join("p.ndjson")),
        "--now".into(),
        NOW.into(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    corral(args)
}

#[test]
fn bad_data_exits_1_naming_the_line_and_field() {
    let good = r#"{"id":"a","age":30}"#;
    let cases = [
        (
            format!("{good}\n{{\"id\":\"b\",\"age\":\n"),
            "corral::data::malformed",
            "line 2",
            "",
        ),
        (
            format!("{good}\n{{\"age\":4}}\n"),
            "corral::data::missing_id",
            "line 2",
            "`id`",
        ),
        (
            format!("{good}\n{{\"id\":\"b\",\"age\":\"old\"}}\n"),
            "corral::data::bad_type",
            "line 2",
            "`age`",
        ),
        (
            format!("{good}\n{{\"id\":\"b\",\"signup_at\":\"yesterday\"}}\n"),
            "corral::data::bad_time",
            "line 2",
            "`signup_at`",
        ),
        (
            format!(
                "{good}\n{{\"id\":\"b\",\"events\":[{{\"type\":\"pay\",\"at\":\"2026-01-01\",\"amount\":\"x\"}}]}}\n"
            ),
            "corral::data::bad_type",
            "line 2",
            "`events[0].amount`",
        ),
    ];
    for (data, want_code, line, field) in cases {
        let out = eval_small(&data, &[]);
        let err = stderr(&out);
        assert_eq!(code(&out), 1, "{data}: {err}");
        assert!(err.contains(want_code), "{data}: {err}");
        assert!(err.contains(line), "{data}: {err}");
        assert!(err.contains(field), "{data}: {err}");
        assert!(out.stdout.is_empty(), "no partial output on a data error");
    }
}

#[test]
fn skip_bad_goes_on_and_reports_on_stderr() {
    let data = "{\"id\":\"a\",\"age\":30}\n{\"age\":4}\nnot json\n{\"id\":\"c\",\"age\":10}\n";
    let out = eval_small(data, &["--skip-bad"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let counts: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(counts["profiles"], 2);
    assert_eq!(counts["tags"]["adult"], 1);
    let err = stderr(&out);
    assert!(err.contains("skipped 2 bad rows"), "{err}");
    assert!(err.contains("corral::data::missing_id"), "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn undeclared_fields_and_events_are_ignored() {
    let data = r#"{"id":"a","age":30,"shoe_size":44,"events":[{"type":"click","at":"2026-01-01"},{"type":"pay","at":"2026-11-01","amount":2.5}]}"#;
    let out = eval_small(data, &["--output", "members"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let m: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(m["tags"], serde_json::json!({"adult": true, "spent": 2.5}));
}

#[test]
fn bad_now_exits_2() {
    for now in ["yesterday", "2026-13-01", ""] {
        let out = corral(["eval", RETAIL, "--profiles", PROFILES, "--now", now]);
        assert_eq!(code(&out), 2, "--now {now:?}");
        assert!(stderr(&out).contains("--now"), "{}", stderr(&out));
    }
    // A date is fine.
    let out = corral([
        "eval",
        RETAIL,
        "--profiles",
        PROFILES,
        "--now",
        "2026-11-22",
    ]);
    assert_eq!(code(&out), 0);
}

#[test]
fn missing_profiles_file_exits_2() {
    let out = corral(["eval", RETAIL, "--profiles", "no_such.ndjson", "--now", NOW]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("corral::data::io"));
}

#[test]
fn eval_of_bad_rules_exits_1() {
    let out = corral([
        "eval",
        "tests/cases/names/unknown_name_typo.corral",
        "--profiles",
        PROFILES,
        "--now",
        NOW,
    ]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("corral::check::unknown_name"));
}

#[test]
fn data_error_human_output() {
    let out = eval_small("{\"id\":\"a\",\"age\":\"old\"}\n", &[]);
    assert_eq!(code(&out), 1);
    // The temporary path differs per run.
    let err = stderr(&out);
    let at = err.find("p.ndjson").unwrap();
    let start = err[..at].rfind(' ').unwrap() + 1;
    let shown = format!("{}{}", &err[..start], &err[at..]);
    insta::assert_snapshot!("eval_bad_type_human", shown);
}

// -------------------------------------------------------------------------- test ----

#[test]
fn test_passing_file_exits_0() {
    let out = corral(["test", RETAIL, "--now", NOW]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).ends_with("6 tests passed, 0 failed\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn test_failure_exits_1_with_the_deciding_values() {
    let rules = "profile { id: string, age: int }
event pay { amount: float }
tag adult = age >= 18
tag spent = sum(pay.amount within 7d)
test \"a child is an adult\" {
  given { age: 12, events: [pay { amount: 3.5, at: now - 1d }] }
  expect adult
  expect spent > 10
}
test \"passes\" {
  given { age: 30 }
  expect adult
}
";
    let dir = temp_files(&[("t.corral", rules.as_bytes())]);
    let out = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(["test", "t.corral", "--now", NOW])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let report = stdout(&out);
    assert!(
        report.contains("FAIL  t.corral: a child is an adult\n"),
        "{report}"
    );
    assert!(report.contains("pass  t.corral: passes\n"), "{report}");
    assert!(report.contains("    expect adult\n"), "{report}");
    assert!(report.contains("adult = false\n"), "{report}");
    assert!(report.contains("age = 12\n"), "{report}");
    assert!(report.contains("spent = 3.5\n"), "{report}");
    assert!(
        report.contains("sum(pay.amount within 7d) = 3.5\n"),
        "{report}"
    );
    assert!(report.ends_with("1 test passed, 1 failed\n"), "{report}");
}

/// The spans of compound expressions end at their last token, not after the whitespace
/// (and comment) that follows, so `corral test` prints each part and its value on one
/// line (`age >= 18 = false`, never `age >= 18\n = false`).
#[test]
fn test_failure_values_stay_on_their_line() {
    let rules = "profile { id: string, age: int }\ntag adult = age >= 18\ntest \"t\" {\n  given { age: 12 }\n  expect adult\n}\n";
    let dir = temp_files(&[("t.corral", rules.as_bytes())]);
    let out = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(["test", "t.corral", "--now", NOW])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let report = stdout(&out);
    assert!(report.contains("age >= 18 = false\n"), "{report}");
    assert!(
        !report.lines().any(|l| l.trim_start().starts_with("= ")),
        "{report}"
    );
}

#[test]
fn test_of_a_file_with_errors_exits_1() {
    let out = corral([
        "test",
        "tests/cases/tests/given_wrong_type.corral",
        "--now",
        NOW,
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("corral::check::type_mismatch"));
}

#[test]
fn test_of_a_missing_file_exits_2() {
    let out = corral(["test", "no_such.corral"]);
    assert_eq!(code(&out), 2);
}

// -------------------------------------------------------------------- robustness ----

/// A deterministic stream of pseudo-random numbers (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// Runs `corral check` over `content` and returns the exit code, failing on a panic, a
/// crash or a hang-sized delay.
fn check_bytes(name: &str, content: &[u8]) -> i32 {
    let dir = temp_files(&[(name, content)]);
    let start = std::time::Instant::now();
    let out = corral(["check".into(), path_str(dir.path().join(name))]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{name}: {err}");
    assert!(!err.contains("internal error"), "{name}: {err}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(120),
        "{name} took {:?}",
        start.elapsed()
    );
    out.status
        .code()
        .unwrap_or_else(|| panic!("{name}: killed by a signal: {err}"))
}

#[test]
fn garbage_never_panics() {
    let mut rng = Lcg(42);
    // Random bytes (almost surely not UTF-8).
    let bytes: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    assert_eq!(check_bytes("random_bytes.corral", &bytes), 1);
    // Invalid UTF-8 after a valid start.
    assert_eq!(
        check_bytes(
            "latin1.corral",
            b"profile { id: string }\ntag caf\xe9 = true\n"
        ),
        1
    );
    // Random text made of the language's own tokens.
    const TOKENS: &[&str] = &[
        "tag ", "segment ", "let ", "profile", "event ", "trigger ", "test ", "import ", "{", "}",
        "(", ")", "[", "]", "=", "==", "=>", ",", ":", "\"", "\"x\"", "a", "b", "count(", "and ",
        "or ", "not ", "in ", "case", "else", "7d", "10%", "3.5", "-", "+", "\n", " ", "#",
        "where ", "within ", "since(", "matches ", "\\", "é", "中", "on ", "send ", "via ",
    ];
    for round in 0..40 {
        let text: String = (0..200)
            .map(|_| TOKENS[rng.next_u64() as usize % TOKENS.len()])
            .collect();
        let code = check_bytes(&format!("tokens{round}.corral"), text.as_bytes());
        assert!(code == 0 || code == 1, "round {round}: exit {code}\n{text}");
    }
    // Every prefix-truncation of the retail example, at 40 points.
    let retail = std::fs::read_to_string(root().join(RETAIL)).unwrap();
    let cuts: Vec<usize> = (1..40)
        .map(|i| i * retail.len() / 40)
        .filter(|&i| retail.is_char_boundary(i))
        .collect();
    for cut in cuts {
        let code = check_bytes("truncated.corral", &retail.as_bytes()[..cut]);
        assert!(code == 0 || code == 1, "cut at {cut}: exit {code}");
    }
    // 10,000 nested parentheses, balanced and unbalanced.
    let deep = format!("tag t = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(check_bytes("deep.corral", deep.as_bytes()), 1);
    assert_eq!(check_bytes("open.corral", "(".repeat(10_000).as_bytes()), 1);
    assert_eq!(
        check_bytes("close.corral", ")".repeat(10_000).as_bytes()),
        1
    );
    // Long chains without brackets (40 KB lines; see `very_long_line_renders` for longer).
    let nots = format!(
        "profile {{ id: string, p: bool }}\ntag t = {}p\n",
        "not ".repeat(10_000)
    );
    assert_eq!(check_bytes("nots.corral", nots.as_bytes()), 1);
    let sums = format!(
        "profile {{ id: string }}\ntag t = 1{} > 0\n",
        " + 1".repeat(10_000)
    );
    assert_eq!(check_bytes("sums.corral", sums.as_bytes()), 1);
    // Empty and whitespace-only files are valid (and empty) rule sets.
    assert_eq!(check_bytes("empty.corral", b""), 0);
    assert_eq!(check_bytes("blank.corral", b"\n  # only a comment\n"), 0);
}

#[test]
fn a_5_mb_file_of_valid_declarations_checks() {
    let mut text = String::from("profile { id: string, age: int }\n");
    let mut i = 0;
    while text.len() < 5 << 20 {
        text.push_str(&format!(
            "tag t{i} = age > {} and age < {}\n",
            i % 100,
            i % 100 + 50
        ));
        i += 1;
    }
    assert_eq!(check_bytes("big.corral", text.as_bytes()), 0);
}

/// A diagnostic on a single 68 KB line is printed with its location but without a source
/// excerpt (laying out such a line made miette panic).
#[test]
fn very_long_line_renders() {
    let nots = format!(
        "profile {{ id: string, p: bool }}\ntag t = {}p\n",
        "not ".repeat(17_000)
    );
    assert_eq!(check_bytes("nots.corral", nots.as_bytes()), 1);
}

// ------------------------------------------------------------------ corral fmt ----

fn corral_in<I, S>(dir: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

const MESSY: &str = "tag  a=x>1   AND y # why\nsegment s=a,ios\n";
const TIDY: &str = "tag a = x > 1 AND y # why\nsegment s = a, ios\n";

#[test]
fn fmt_check_exits_1_with_a_diff_and_changes_nothing() {
    let dir = temp_files(&[
        ("messy.corral", MESSY.as_bytes()),
        ("tidy.corral", TIDY.as_bytes()),
    ]);
    let out = corral_in(dir.path(), ["fmt", "--check", "tidy.corral"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");

    let out = corral_in(
        dir.path(),
        ["fmt", "--check", "messy.corral", "tidy.corral"],
    );
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("fmt_check_diff", stdout(&out));
    assert!(
        stderr(&out).contains("1 file not formatted"),
        "{}",
        stderr(&out)
    );
    let unchanged = std::fs::read_to_string(dir.path().join("messy.corral")).unwrap();
    assert_eq!(unchanged, MESSY);
}

#[test]
fn fmt_rewrites_files_in_place() {
    let dir = temp_files(&[("messy.corral", MESSY.as_bytes())]);
    let out = corral_in(dir.path(), ["fmt", "messy.corral"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.path().join("messy.corral")).unwrap();
    assert_eq!(text, TIDY);
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let out = corral_in(dir.path(), ["fmt", "--check", "messy.corral"]);
    assert_eq!(code(&out), 0);
}

#[test]
fn fmt_stdout_and_stdin() {
    let dir = temp_files(&[("messy.corral", MESSY.as_bytes())]);
    let out = corral_in(dir.path(), ["fmt", "--stdout", "messy.corral"]);
    assert_eq!((code(&out), stdout(&out)), (0, TIDY.to_string()));

    let mut child = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(MESSY.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!((code(&out), stdout(&out)), (0, TIDY.to_string()));
}

#[test]
fn fmt_refuses_a_file_that_does_not_parse() {
    let broken = "tag a = x and\n";
    let dir = temp_files(&[("broken.corral", broken.as_bytes())]);
    for args in [
        &["fmt", "broken.corral"][..],
        &["fmt", "--check", "broken.corral"],
    ] {
        let out = corral_in(dir.path(), args);
        assert_eq!(code(&out), 1);
        let err = stderr(&out);
        assert!(err.contains("corral::parse::syntax"), "{err}");
        assert!(
            err.contains("`broken.corral` was not formatted: it does not parse"),
            "{err}"
        );
    }
    let text = std::fs::read_to_string(dir.path().join("broken.corral")).unwrap();
    assert_eq!(text, broken);
}

#[test]
fn fmt_missing_file_exits_2() {
    let out = corral(["fmt", "no/such/file.corral"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("cannot read `no/such/file.corral`"));
}

// --------------------------------------------------- SARIF and GitHub output ----

/// Errors with notes and help, a warning, and names outside the BMP's one-unit range
/// for UTF-16 columns (`名字` is 2 characters, 6 bytes, 2 UTF-16 units; `𝑥` is 2 units).
const SEVERAL_ERRORS: &str = "profile { id: string, age: int, 名字: string, 𝑥: int }
let unused = 1
tag a = not age
tag 标签 = 名字 > 1
tag a = age > 1 # 50% off, really: yes
tag b = 𝑥 > nope
";

fn check_several(format: &str) -> Output {
    let dir = temp_files(&[("rules.corral", SEVERAL_ERRORS.as_bytes())]);
    corral_in(dir.path(), ["check", "--format", format, "rules.corral"])
}

#[test]
fn check_github_annotations() {
    let out = check_several("github");
    assert_eq!(code(&out), 1);
    insta::assert_snapshot!("check_github", stdout(&out));
}

#[test]
fn check_sarif_log() {
    let out = check_several("sarif");
    assert_eq!(code(&out), 1);
    let mut log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    log["runs"][0]["tool"]["driver"]["version"] = "[version]".into();
    insta::assert_snapshot!("check_sarif", serde_json::to_string_pretty(&log).unwrap());
}

/// The properties SARIF 2.1.0 requires (and those code-scanning UIs rely on) are
/// present and well-formed; the columns are UTF-16 code units.
#[test]
fn check_sarif_has_the_schema_shape() {
    let log: Value = serde_json::from_str(&stdout(&check_several("sarif"))).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "corral");
    assert!(driver["version"].is_string() && driver["informationUri"].is_string());
    let docs = std::fs::read_to_string(root().join("docs/diagnostics.md")).unwrap();
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        assert!(rule["shortDescription"]["text"].is_string());
        let anchor = id.replace("::", "");
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("docs/diagnostics.md#{anchor}"))
        );
        assert!(
            docs.contains(&format!("### `{id}`")),
            "{id} is not documented"
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5, "{results:#?}");
    let mut seen = Vec::new();
    for result in results {
        let rule = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], rule);
        seen.push(rule);
        assert!(["error", "warning", "note"].contains(&result["level"].as_str().unwrap()));
        assert!(result["message"]["text"].is_string());
        let locations = result["locations"].as_array().unwrap().iter();
        let related = result["relatedLocations"].as_array().into_iter().flatten();
        for location in locations.chain(related) {
            let physical = &location["physicalLocation"];
            assert_eq!(physical["artifactLocation"]["uri"], "rules.corral");
            let region = &physical["region"];
            let n = |key: &str| region[key].as_u64().unwrap();
            assert!(n("startLine") >= 1 && n("startColumn") >= 1);
            assert!((n("endLine"), n("endColumn")) >= (n("startLine"), n("startColumn")));
        }
    }
    assert!(
        ids.iter().all(|id| seen.contains(id)),
        "a rule no result uses"
    );
    assert!(seen.contains(&"corral::check::unused_let"));
    // `nope` in `tag b = 𝑥 > nope`: `𝑥` takes two UTF-16 units, so `nope` starts at 14.
    let nope = results
        .iter()
        .find(|r| r["ruleId"] == "corral::check::unknown_name")
        .unwrap();
    let region = &nope["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(6), Some(14))
    );
    assert_eq!(region["endColumn"].as_u64(), Some(18));
    let duplicate = results
        .iter()
        .find(|r| r["ruleId"] == "corral::check::duplicate_name")
        .unwrap();
    assert!(duplicate["relatedLocations"][0]["message"]["text"].is_string());
}

#[test]
fn check_sarif_is_one_log_for_several_files() {
    let dir = temp_files(&[
        ("a.corral", b"tag a = nope\n"),
        ("b.corral", b"tag b = nada\n"),
    ]);
    let out = corral_in(
        dir.path(),
        ["check", "--format", "sarif", "a.corral", "b.corral"],
    );
    assert_eq!(code(&out), 1);
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris, ["a.corral", "b.corral"]);
}
