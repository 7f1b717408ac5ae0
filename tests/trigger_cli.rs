//! `corral run`: actions on stdout, resuming from the state directory, bad input lines,
//! and crash safety under SIGKILL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const RULES: &str = "examples/triggers.corral";
const PROFILES: &str = "examples/trigger_profiles.ndjson";
const EVENTS: &str = "examples/events.ndjson";
const RECEIPTS: &str = "examples/receipts.ndjson";
const UNTIL: &str = "2026-11-30T00:00:00Z";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corral(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corral"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run_args<'a>(state: &'a str, events: &'a str, receipts: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec![
        "run",
        RULES,
        "--profiles",
        PROFILES,
        "--events",
        events,
        "--state",
        state,
        "--until",
        UNTIL,
    ];
    if let Some(r) = receipts {
        args.extend(["--receipts", r]);
    }
    args
}

#[test]
fn run_prints_the_example_actions_and_a_rerun_continues_without_repeating() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state = state.to_str().unwrap();
    let out = corral(&run_args(state, EVENTS, Some(RECEIPTS)));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actions = lines(&out);
    let keys: BTreeSet<&str> = [
        "id", "at", "profile", "trigger", "step", "message", "channel",
    ]
    .into();
    for a in &actions {
        let mut fields: BTreeSet<&str> =
            a.as_object().unwrap().keys().map(String::as_str).collect();
        // A send skipped by the cap says so, and has no channel.
        if fields.remove("skipped") {
            assert_eq!(a["skipped"], "cap", "{a}");
            assert_eq!(a["channel"], Value::Null, "{a}");
        }
        assert_eq!(fields, keys, "{a}");
    }
    let capped = actions
        .iter()
        .filter(|a| a.get("skipped").is_some())
        .count();
    assert!(
        capped > 0,
        "the example's cap skips some of u6's daily notes"
    );
    let summary: Vec<(String, String, Value)> = actions
        .iter()
        .filter(|a| a.get("skipped").is_none())
        .map(|a| {
            (
                a["profile"].as_str().unwrap().to_string(),
                a["message"].as_str().unwrap().to_string(),
                a["channel"].clone(),
            )
        })
        .collect();
    let has = |p: &str, m: &str, c: Value| summary.contains(&(p.into(), m.into(), c));
    // u1: WeChat failed, WeCom delivered; the reminder by SMS three days later.
    assert!(
        has("u1", "cart_coupon", "wechat_template".into()),
        "{summary:?}"
    );
    assert!(has("u1", "cart_coupon", "wecom".into()), "{summary:?}");
    assert!(has("u1", "cart_reminder", "sms".into()), "{summary:?}");
    // u2 paid: no reminder. u5 has no channel: undeliverable.
    assert!(has("u2", "cart_coupon", "sms".into()));
    assert!(!has("u2", "cart_reminder", "sms".into()));
    assert!(has("u5", "cart_coupon", Value::Null));
    // u6 stops being active 30 days after its last login: it enters `recall` then, and
    // the daily VIP note is capped at 3 sends a week with the win-back gift.
    assert!(has("u6", "winback_vip_gift", "wecom".into()), "{summary:?}");
    let u6 = summary.iter().filter(|(p, _, _)| p == "u6").count();
    assert_eq!(u6, 5, "{summary:?}");
    // u3's add_cart at 23:30 Shanghai time is held to 08:00 (00:00Z).
    let u3 = actions.iter().find(|a| a["profile"] == "u3").unwrap();
    assert_eq!(u3["at"], "2026-11-21T00:00:00Z");

    // The same command again: everything was applied and printed; nothing new.
    let again = corral(&run_args(state, EVENTS, Some(RECEIPTS)));
    assert_eq!(again.status.code(), Some(0));
    assert!(
        lines(&again).is_empty(),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[test]
fn bad_lines_are_reported_with_their_location_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.ndjson");
    std::fs::write(
        &events,
        concat!(
            "{\"profile\":\"u1\",\"type\":\"login\",\"at\":\"2026-11-20T01:00:00Z\"}\n",
            "not json\n",
            "{\"profile\":\"ghost\",\"type\":\"login\",\"at\":\"2026-11-20T01:00:00Z\"}\n",
            "{\"profile\":\"u1\",\"type\":\"refund\",\"at\":\"2026-11-20T01:00:00Z\"}\n",
            "{\"profile\":\"u1\",\"type\":\"add_cart\",\"at\":\"2026-11-20T01:00:00Z\",\"sku\":7}\n",
            "{\"profile\":\"u1\",\"type\":\"login\",\"at\":\"3026-11-20T01:00:00Z\"}\n",
            "{\"profile\":\"u1\",\"type\":\"add_cart\",\"at\":\"2026-11-20T02:00:00Z\",\"sku\":\"SKU-1\",\"price\":1.0}\n",
        ),
    )
    .unwrap();
    let receipts = dir.path().join("receipts.ndjson");
    std::fs::write(
        &receipts,
        "{\"id\":\"nope\",\"outcome\":\"failed\",\"at\":\"2026-11-20T03:00:00Z\"}\n",
    )
    .unwrap();
    let state = dir.path().join("state");
    let out = corral(&run_args(
        state.to_str().unwrap(),
        events.to_str().unwrap(),
        Some(receipts.to_str().unwrap()),
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for want in [
        "events.ndjson line 2: bad event: malformed JSON",
        "events.ndjson line 3: unknown profile `ghost`",
        "events.ndjson line 4: unknown event type `refund`",
        "events.ndjson line 5: bad event:",
        "events.ndjson line 6: time 3026-11-20T01:00:00Z is out of range",
        "receipts.ndjson line 1: unknown action `nope`",
        "6 input line(s) refused",
    ] {
        assert!(stderr.contains(want), "missing {want:?} in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"));
    // The good lines still acted.
    assert!(lines(&out).iter().any(|a| a["message"] == "cart_coupon"));
}

#[test]
fn unreadable_inputs_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = corral(&run_args(
        state.to_str().unwrap(),
        "no/such/events.ndjson",
        None,
    ));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read `no/such/events.ndjson`"));
}

/// A long stream for the crash test: many profiles, carts, payments and logins over
/// a few weeks, in time order.
fn long_stream(dir: &Path) -> (PathBuf, PathBuf) {
    let profiles = dir.join("profiles.ndjson");
    let events = dir.join("events.ndjson");
    let mut p = String::new();
    let n = 60;
    for i in 0..n {
        p.push_str(&format!(
            "{{\"id\":\"p{i}\",\"follows_oa\":{},\"wecom_friend\":{},\"phone\":\"1{i:04}\",\"paid\":{},\"vip_level\":{},\"last_login_at\":\"2026-10-{:02}T02:00:00Z\"}}\n",
            i % 2 == 0,
            i % 3 == 0,
            i % 7 == 0,
            i % 5,
            1 + i % 28
        ));
    }
    std::fs::write(&profiles, p).unwrap();
    let mut e = String::new();
    let start = 1_763_600_000i64; // 2025-11-20; shifted below into November 2026
    let base = start + 365 * 86_400;
    for k in 0..6000i64 {
        let i = (k * 7919) % n;
        let at = base + k * 303;
        let ts = jiff_like(at);
        let line = match k % 5 {
            0 | 1 => format!(
                "{{\"profile\":\"p{i}\",\"type\":\"add_cart\",\"at\":\"{ts}\",\"sku\":\"SKU-{}\",\"price\":9.5}}\n",
                1 + k % 4
            ),
            2 => format!(
                "{{\"profile\":\"p{i}\",\"type\":\"pay\",\"at\":\"{ts}\",\"amount\":9.5}}\n"
            ),
            _ => format!("{{\"profile\":\"p{i}\",\"type\":\"login\",\"at\":\"{ts}\"}}\n"),
        };
        e.push_str(&line);
    }
    std::fs::write(&events, e).unwrap();
    (profiles, events)
}

/// Seconds since the epoch as RFC 3339 (UTC).
fn jiff_like(secs: i64) -> String {
    corral::time::format_rfc3339(secs * 1_000_000)
}

fn run_crashable(
    state: &Path,
    profiles: &Path,
    events: &Path,
    kill_after: Option<Duration>,
) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_corral"))
        .args([
            "run",
            RULES,
            "--profiles",
            profiles.to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--until",
            "2026-12-31T00:00:00Z",
            // Many commits, so kills land between them as well as inside them.
            "--batch",
            "32",
        ])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(after) = kill_after {
        let started = Instant::now();
        while started.elapsed() < after {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let _ = child.kill(); // SIGKILL on Unix
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Complete action lines by id (a line cut by the kill is not complete JSON).
fn actions_by_id(text: &str, into: &mut BTreeMap<String, Value>) {
    for line in text.lines() {
        if let Ok(v) = serde_json::from_str::<Value>(line)
            && let Some(id) = v["id"].as_str()
        {
            if let Some(seen) = into.get(id) {
                assert_eq!(seen, &v, "two different actions share the id {id}");
            }
            into.insert(id.to_string(), v);
        }
    }
}

#[test]
fn killed_runs_resumed_converge_to_one_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let (profiles, events) = long_stream(dir.path());

    let clean_state = dir.path().join("clean");
    let clean_started = Instant::now();
    let (code, text, stderr) = run_crashable(&clean_state, &profiles, &events, None);
    assert_eq!(code, Some(0), "{stderr}");
    // Kill times are drawn from the length of a whole run, so kills land at every
    // stage (startup, profile load, events, timers) however fast the machine is.
    let span = clean_started.elapsed().as_micros().max(1000) as u64;
    let mut expected = BTreeMap::new();
    actions_by_id(&text, &mut expected);
    assert!(expected.len() > 100, "the stream should emit many actions");

    // Kill at pseudo-random points (a fixed seed keeps failures reproducible), restart
    // after each, until a run completes; several times over, each from a new state, so
    // the kills are many and spread over every stage of a run.
    let mut seed: u64 = 0x5eed_c0ff_ee00_0001;
    let mut kills = 0;
    let budget = Instant::now();
    for round in 0..8 {
        let state = dir.path().join(format!("crashy-{round}"));
        let mut got = BTreeMap::new();
        let mut round_kills = 0;
        loop {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let after = Duration::from_micros(seed % (span * 2 / 3));
            let (code, text, stderr) = run_crashable(&state, &profiles, &events, Some(after));
            actions_by_id(&text, &mut got);
            if code == Some(0) {
                break;
            }
            // Killed (no exit code), never failed.
            assert_eq!(code, None, "{stderr}");
            round_kills += 1;
            assert!(
                budget.elapsed() < Duration::from_secs(240),
                "did not converge"
            );
            if round_kills >= 30 {
                let (code, text, stderr) = run_crashable(&state, &profiles, &events, None);
                actions_by_id(&text, &mut got);
                assert_eq!(code, Some(0), "{stderr}");
                break;
            }
        }
        kills += round_kills;
        let missing: Vec<_> = expected.keys().filter(|k| !got.contains_key(*k)).collect();
        let extra: Vec<_> = got.keys().filter(|k| !expected.contains_key(*k)).collect();
        assert!(
            missing.is_empty(),
            "round {round}, missing after {round_kills} kills: {missing:?}"
        );
        assert!(
            extra.is_empty(),
            "round {round}, extra after {round_kills} kills: {extra:?}"
        );
        assert_eq!(got, expected);
    }
    assert!(
        kills >= 8,
        "only {kills} runs were interrupted; the stream is too short"
    );
}

#[test]
fn a_state_built_with_other_rules_exits_2_unless_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state = state.to_str().unwrap();
    let first = corral(&run_args(state, EVENTS, Some(RECEIPTS)));
    assert_eq!(first.status.code(), Some(0));

    let text = std::fs::read_to_string(root().join(RULES)).unwrap();
    let changed = text.replace(
        "trigger vip_evening {",
        "trigger welcome {\n  on login\n  send \"hi\" via sms\n}\n\ntrigger vip_evening {",
    );
    assert_ne!(changed, text);
    let rules = dir.path().join("changed.corral");
    std::fs::write(&rules, changed).unwrap();
    let rules = rules.to_str().unwrap();
    let mut args = run_args(state, EVENTS, None);
    args[1] = rules;
    let refused = corral(&args);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("different rules"), "{stderr}");
    assert!(stderr.contains("--migrate"), "{stderr}");
    assert!(refused.stdout.is_empty());

    args.push("--migrate");
    let migrated = corral(&args);
    assert_eq!(
        migrated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
}

#[test]
fn the_batch_size_changes_when_actions_commit_not_which_actions() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for batch in ["1", "7", "4096"] {
        let state = dir.path().join(format!("state-{batch}"));
        let mut args = run_args(state.to_str().unwrap(), EVENTS, Some(RECEIPTS));
        args.extend(["--batch", batch]);
        let out = corral(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(lines(&out));
    }
    assert!(!outputs[0].is_empty());
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], outputs[2]);
}

#[test]
fn a_batch_of_zero_lines_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut args = run_args(state.to_str().unwrap(), EVENTS, None);
    args.extend(["--batch", "0"]);
    let out = corral(&args);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--batch"));
    assert!(!state.exists(), "nothing is run on a usage error");
}
