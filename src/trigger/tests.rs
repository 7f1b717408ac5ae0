//! Timelines for every trigger construct, run through the durable engine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::json;

use super::{Action, Delivery, Engine, TriggerError};
use crate::RuleSet;
use crate::time::{DAY, HOUR, parse_instant};

const BASE: &str = r#"
profile { id: string, follows_oa: bool, wecom_friend: bool, phone: string, paid: bool,
          vip: bool, last_login_at: time }
event add_cart { sku: string, price: float }
event pay { amount: float }
event login {}
channel wechat_template when follows_oa
channel wecom when wecom_friend
channel sms when phone is present
"#;

const CART: &str = r#"
trigger cart_rescue {
  on add_cart where sku in ["SKU-1", "SKU-2"]
  when not paid
  goal exists(pay since start)
  send "cart_coupon" via wechat_template, wecom, sms
  wait 3d
  send "cart_reminder" via sms, wecom
  limit 1 per 7d
  quiet 22:00..08:00
}
"#;

fn t(s: &str) -> i64 {
    parse_instant(s).expect("a time")
}

struct Fixture {
    engine: Engine,
    _dir: tempfile::TempDir,
}

fn engine(rules: &str, profiles: &[serde_json::Value]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{BASE}\n{rules}");
    let rules = match RuleSet::from_source("rules.corral", &text) {
        Ok(r) => r,
        Err(e) => panic!(
            "{}",
            e.diagnostics()
                .map(|d| d.render_human(false))
                .unwrap_or_default()
        ),
    };
    let mut engine = Engine::open(&rules, dir.path()).unwrap();
    engine.add_profiles_json(profiles).unwrap();
    Fixture { engine, _dir: dir }
}

fn ev(profile: &str, kind: &str, at: &str) -> serde_json::Value {
    let mut e = json!({"profile": profile, "type": kind, "at": at});
    if kind == "add_cart" {
        e["sku"] = json!("SKU-1");
        e["price"] = json!(59.0);
    }
    if kind == "pay" {
        e["amount"] = json!(59.0);
    }
    e
}

/// (message, channel, at) of each action.
fn brief(actions: &[Action]) -> Vec<(String, Option<String>, String)> {
    actions
        .iter()
        .map(|a| {
            (
                a.message.clone(),
                a.channel.clone(),
                crate::time::format_rfc3339(a.at),
            )
        })
        .collect()
}

fn send(msg: &str, ch: Option<&str>, at: &str) -> (String, Option<String>, String) {
    (msg.into(), ch.map(String::from), at.into())
}

fn follower(id: &str) -> serde_json::Value {
    json!({"id": id, "follows_oa": true, "wecom_friend": true, "phone": "13800000000", "paid": false})
}

#[test]
fn cart_rescue_sends_the_coupon_then_the_reminder_three_days_later() {
    let mut f = engine(CART, &[follower("u1")]);
    let out = f
        .engine
        .ingest(&ev("u1", "add_cart", "2026-11-20T10:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send(
            "cart_coupon",
            Some("wechat_template"),
            "2026-11-20T10:00:00Z"
        )]
    );
    assert_eq!(out[0].id, "cart_rescue:1:0:1:u1");
    assert!(
        f.engine
            .advance_to(t("2026-11-23T09:59:59Z"))
            .unwrap()
            .is_empty()
    );
    let out = f.engine.advance_to(t("2026-11-24T00:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send("cart_reminder", Some("sms"), "2026-11-23T10:00:00Z")]
    );
    // The instance has ended: nothing more.
    assert!(
        f.engine
            .advance_to(t("2026-12-24T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_where_filter_and_when_decide_whether_an_instance_starts() {
    let mut paid = follower("p");
    paid["paid"] = json!(true);
    let mut f = engine(CART, &[follower("u1"), paid]);
    let mut other = ev("u1", "add_cart", "2026-11-20T10:00:00Z");
    other["sku"] = json!("SKU-9");
    assert!(f.engine.ingest(&other).unwrap().is_empty());
    assert!(
        f.engine
            .ingest(&ev("p", "add_cart", "2026-11-20T10:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn goal_reached_mid_wait_ends_the_instance() {
    let mut f = engine(CART, &[follower("u1")]);
    assert_eq!(
        f.engine
            .ingest(&ev("u1", "add_cart", "2026-11-20T10:00:00Z"))
            .unwrap()
            .len(),
        1
    );
    assert!(
        f.engine
            .ingest(&ev("u1", "pay", "2026-11-21T10:00:00Z"))
            .unwrap()
            .is_empty()
    );
    assert!(
        f.engine
            .advance_to(t("2026-12-01T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn failures_fall_back_in_channel_order_then_record_undeliverable() {
    let mut f = engine(CART, &[follower("u1")]);
    let first = f
        .engine
        .ingest(&ev("u1", "add_cart", "2026-11-20T10:00:00Z"))
        .unwrap();
    let at = t("2026-11-20T10:01:00Z");
    let second = f.engine.report(&first[0].id, Delivery::Failed, at).unwrap();
    assert_eq!(
        brief(&second),
        [send("cart_coupon", Some("wecom"), "2026-11-20T10:01:00Z")]
    );
    assert_eq!(second[0].id, "cart_rescue:1:0:2:u1");
    let third = f
        .engine
        .report(&second[0].id, Delivery::Failed, at)
        .unwrap();
    assert_eq!(
        brief(&third),
        [send("cart_coupon", Some("sms"), "2026-11-20T10:01:00Z")]
    );
    let last = f.engine.report(&third[0].id, Delivery::Failed, at).unwrap();
    assert_eq!(
        brief(&last),
        [send("cart_coupon", None, "2026-11-20T10:01:00Z")]
    );
    // A receipt for an action already settled changes nothing.
    assert!(
        f.engine
            .report(&first[0].id, Delivery::Failed, at)
            .unwrap()
            .is_empty()
    );
    let (_, status) = f.engine.action(&first[0].id).unwrap().unwrap();
    assert_eq!(status, super::Status::Failed);
}

#[test]
fn fallback_skips_channels_that_cannot_reach_the_profile() {
    let only_sms = json!({"id": "s", "follows_oa": true, "phone": "1", "paid": false});
    let nothing = json!({"id": "n", "paid": false});
    let mut f = engine(CART, &[only_sms, nothing]);
    let out = f
        .engine
        .ingest(&ev("s", "add_cart", "2026-11-20T10:00:00Z"))
        .unwrap();
    let next = f
        .engine
        .report(&out[0].id, Delivery::Failed, t("2026-11-20T11:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&next),
        [send("cart_coupon", Some("sms"), "2026-11-20T11:00:00Z")]
    );
    let out = f
        .engine
        .ingest(&ev("n", "add_cart", "2026-11-20T12:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send("cart_coupon", None, "2026-11-20T12:00:00Z")]
    );
}

#[test]
fn limit_caps_how_often_a_profile_starts_the_trigger() {
    let mut f = engine(CART, &[follower("u1")]);
    assert_eq!(
        f.engine
            .ingest(&ev("u1", "add_cart", "2026-11-01T10:00:00Z"))
            .unwrap()
            .len(),
        1
    );
    // Refused by the limit; the first instance's reminder (due 11-04) fires on the way.
    let out = f
        .engine
        .ingest(&ev("u1", "add_cart", "2026-11-07T10:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send("cart_reminder", Some("sms"), "2026-11-04T10:00:00Z")]
    );
    let out = f
        .engine
        .ingest(&ev("u1", "add_cart", "2026-11-08T10:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send(
            "cart_coupon",
            Some("wechat_template"),
            "2026-11-08T10:00:00Z"
        )]
    );
    assert_eq!(out[0].id, "cart_rescue:2:0:1:u1");
}

#[test]
fn quiet_hours_hold_sends_until_the_window_ends_across_midnight() {
    let mut f = engine(CART, &[follower("u1")]);
    // 23:00 UTC is quiet: held to 08:00 the next day.
    assert!(
        f.engine
            .ingest(&ev("u1", "add_cart", "2026-11-20T23:00:00Z"))
            .unwrap()
            .is_empty()
    );
    let out = f.engine.advance_to(t("2026-11-21T08:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send(
            "cart_coupon",
            Some("wechat_template"),
            "2026-11-21T08:00:00Z"
        )]
    );
    // The wait counts from the release: the reminder is due 11-24 08:00, not quiet.
    let out = f.engine.advance_to(t("2026-11-25T00:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send("cart_reminder", Some("sms"), "2026-11-24T08:00:00Z")]
    );
}

#[test]
fn quiet_hours_follow_the_rule_sets_time_zone() {
    let rules = format!("timezone \"Asia/Shanghai\"\n{CART}");
    let mut f = engine(&rules, &[follower("u1")]);
    // 15:00Z is 23:00 in Shanghai: held to 08:00 local, 00:00Z.
    assert!(
        f.engine
            .ingest(&ev("u1", "add_cart", "2026-11-20T15:00:00Z"))
            .unwrap()
            .is_empty()
    );
    let out = f.engine.advance_to(t("2026-11-21T00:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send(
            "cart_coupon",
            Some("wechat_template"),
            "2026-11-21T00:00:00Z"
        )]
    );
    // 23:00Z is 07:00 in Shanghai: quiet too; 01:00Z (09:00) is not.
    let mut g = engine(&rules, &[follower("u2")]);
    assert!(
        g.engine
            .ingest(&ev("u2", "add_cart", "2026-11-20T23:00:00Z"))
            .unwrap()
            .is_empty()
    );
    let mut h = engine(&rules, &[follower("u3")]);
    assert_eq!(
        h.engine
            .ingest(&ev("u3", "add_cart", "2026-11-20T01:00:00Z"))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn goal_is_checked_when_a_held_send_is_released() {
    let mut f = engine(CART, &[follower("u1")]);
    assert!(
        f.engine
            .ingest(&ev("u1", "add_cart", "2026-11-20T23:00:00Z"))
            .unwrap()
            .is_empty()
    );
    assert!(
        f.engine
            .ingest(&ev("u1", "pay", "2026-11-21T02:00:00Z"))
            .unwrap()
            .is_empty()
    );
    assert!(
        f.engine
            .advance_to(t("2026-11-30T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

const ACTIVITY: &str = r#"
segment active = exists(login within 30d)
trigger miss_you {
  on exit active
  send "miss_you" via sms
}
trigger welcome_back {
  on enter active
  send "welcome_back" via sms
}
"#;

#[test]
fn enter_and_exit_fire_on_events_and_on_window_expiry() {
    let mut f = engine(ACTIVITY, &[json!({"id": "u", "phone": "1"})]);
    // First sight: not active and known as such; the login is an entry.
    let out = f
        .engine
        .ingest(&ev("u", "login", "2026-11-01T09:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send("welcome_back", Some("sms"), "2026-11-01T09:00:00Z")]
    );
    // Still active after another login: no change.
    assert!(
        f.engine
            .ingest(&ev("u", "login", "2026-11-10T09:00:00Z"))
            .unwrap()
            .is_empty()
    );
    // The window expires 30 days after the last login, at that instant.
    let out = f.engine.advance_to(t("2026-12-31T00:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send("miss_you", Some("sms"), "2026-12-10T09:00:00Z")]
    );
}

#[test]
fn a_since_threshold_is_noticed_when_it_is_crossed() {
    let rules = r#"
segment silent = since(last_login_at) > 30d
trigger winback {
  on enter silent
  send "winback" via sms
}
"#;
    let mut f = engine(
        rules,
        &[json!({"id": "u", "phone": "1", "last_login_at": "2026-10-01T00:00:00Z"})],
    );
    // The clock starts on 10-15 (baseline: not silent), then runs past 10-31.
    assert!(
        f.engine
            .advance_to(t("2026-10-15T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
    let out = f.engine.advance_to(t("2026-11-15T00:00:00Z")).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].at, t("2026-10-31T00:00:00Z") + 1);
}

#[test]
fn a_profile_already_in_the_segment_at_first_sight_has_not_entered_it() {
    let rules = r#"
segment silent = since(last_login_at) > 30d
trigger winback {
  on enter silent
  send "winback" via sms
}
"#;
    let mut f = engine(
        rules,
        &[json!({"id": "u", "phone": "1", "last_login_at": "2026-01-01T00:00:00Z"})],
    );
    assert!(
        f.engine
            .advance_to(t("2026-11-15T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_day_runs_over_all_profiles_at_the_local_time() {
    let rules = r#"
timezone "Asia/Shanghai"
trigger evening {
  every day at 20:00
  when vip
  send "evening_offer" via sms
}
"#;
    let vip = json!({"id": "v", "phone": "1", "vip": true});
    let other = json!({"id": "o", "phone": "2", "vip": false});
    let mut f = engine(rules, &[vip, other]);
    // 20:00 in Shanghai is 12:00Z.
    assert!(
        f.engine
            .advance_to(t("2026-11-20T11:00:00Z"))
            .unwrap()
            .is_empty()
    );
    let out = f.engine.advance_to(t("2026-11-22T00:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [
            send("evening_offer", Some("sms"), "2026-11-20T12:00:00Z"),
            send("evening_offer", Some("sms"), "2026-11-21T12:00:00Z"),
        ]
    );
    assert_eq!(out[1].id, "evening:2:0:1:v");
}

#[test]
fn the_top_level_cap_limits_sends_across_triggers() {
    let rules = r#"
limit 1 per 7d
trigger a {
  on login
  send "from_a" via sms
}
trigger b {
  on login
  send "from_b" via sms
}
"#;
    let mut f = engine(rules, &[json!({"id": "u", "phone": "1"})]);
    let out = f
        .engine
        .ingest(&ev("u", "login", "2026-11-01T10:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [
            send("from_a", Some("sms"), "2026-11-01T10:00:00Z"),
            send("from_b", None, "2026-11-01T10:00:00Z"),
        ]
    );
    assert_eq!(out[1].skipped.as_deref(), Some("cap"));
    // Over the cap: both sends are skipped, and each leaves a record.
    let skipped = f
        .engine
        .ingest(&ev("u", "login", "2026-11-07T10:00:00Z"))
        .unwrap();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    for a in &skipped {
        assert_eq!(a.skipped.as_deref(), Some("cap"), "{a:?}");
        assert_eq!(a.channel, None);
        assert_eq!(a.to_json()["skipped"], "cap");
        let (_, status) = f.engine.action(&a.id).unwrap().unwrap();
        assert_eq!(status, super::Status::Skipped);
    }
    assert_eq!(skipped[0].id, "a:2:0:1:u");
    let out = f
        .engine
        .ingest(&ev("u", "login", "2026-11-08T10:00:00Z"))
        .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].channel.as_deref(), Some("sms"));
    assert_eq!(out[1].skipped.as_deref(), Some("cap"));
}

#[test]
fn if_else_branches_on_the_profile_at_that_step() {
    let rules = r#"
trigger onboarding {
  on login
  if vip {
    send "vip_welcome" via sms
  } else {
    send "welcome" via sms
    wait 1d
    send "tips" via sms
  }
  send "bye" via sms
}
"#;
    let vip = json!({"id": "v", "phone": "1", "vip": true});
    let plain = json!({"id": "p", "phone": "2"});
    let mut f = engine(rules, &[vip, plain]);
    let out = f
        .engine
        .ingest(&ev("v", "login", "2026-11-01T10:00:00Z"))
        .unwrap();
    let msgs: Vec<_> = out.iter().map(|a| (a.message.as_str(), a.step)).collect();
    assert_eq!(msgs, [("vip_welcome", 1), ("bye", 6)]);
    let out = f
        .engine
        .ingest(&ev("p", "login", "2026-11-01T10:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send("welcome", Some("sms"), "2026-11-01T10:00:00Z")]
    );
    let out = f.engine.advance_to(t("2026-11-03T00:00:00Z")).unwrap();
    let msgs: Vec<_> = out.iter().map(|a| a.message.as_str()).collect();
    assert_eq!(msgs, ["tips", "bye"]);
}

#[test]
fn a_late_event_counts_in_aggregates_and_acts_at_the_clock() {
    let mut f = engine(CART, &[follower("u1"), follower("u2")]);
    assert_eq!(
        f.engine
            .ingest(&ev("u1", "add_cart", "2026-11-20T10:00:00Z"))
            .unwrap()
            .len(),
        1
    );
    // u2's add_cart arrives late: it starts an instance now (at the clock).
    let out = f
        .engine
        .ingest(&ev("u2", "add_cart", "2026-11-19T10:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send(
            "cart_coupon",
            Some("wechat_template"),
            "2026-11-20T10:00:00Z"
        )]
    );
    // A late payment dated before u1's instance started does not reach the goal
    // (`pay since start`), so the reminder still goes out.
    assert!(
        f.engine
            .ingest(&ev("u1", "pay", "2026-11-19T09:00:00Z"))
            .unwrap()
            .is_empty()
    );
    let out = f.engine.advance_to(t("2026-11-23T10:00:00Z")).unwrap();
    assert_eq!(out.len(), 2);
}

#[test]
fn bad_input_is_refused_with_a_clear_error_and_changes_nothing() {
    let mut f = engine(CART, &[follower("u1")]);
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (json!([1, 2]), "expected a JSON object"),
        (
            json!({"type": "add_cart", "at": "2026-11-20T10:00:00Z"}),
            "no `profile`",
        ),
        (
            json!({"profile": "u1", "at": "2026-11-20T10:00:00Z"}),
            "no `type`",
        ),
        (
            json!({"profile": "u1", "type": "refund", "at": "2026-11-20T10:00:00Z"}),
            "unknown event type `refund`",
        ),
        (
            json!({"profile": "ghost", "type": "login", "at": "2026-11-20T10:00:00Z"}),
            "unknown profile `ghost`",
        ),
        (
            json!({"profile": "u1", "type": "login", "at": "yesterday"}),
            "is not an RFC 3339 time",
        ),
        (
            json!({"profile": "u1", "type": "login"}),
            "`at` must be a time string",
        ),
        (
            json!({"profile": "u1", "type": "add_cart", "at": "2026-11-20T10:00:00Z", "price": "x"}),
            "price",
        ),
        (
            json!({"profile": "u1", "type": "login", "at": "1970-01-01T00:00:00Z"}),
            "out of range",
        ),
        (
            json!({"profile": "u1", "type": "login", "at": "9999-01-01T00:00:00Z"}),
            "out of range",
        ),
    ];
    for (event, want) in cases {
        let err = f.engine.ingest(&event).unwrap_err();
        assert!(err.is_bad_input(), "{err}");
        assert!(err.to_string().contains(want), "{event}: {err}");
    }
    assert_eq!(f.engine.clock().unwrap(), None);
    f.engine
        .ingest(&ev("u1", "login", "2026-11-20T10:00:00Z"))
        .unwrap();
    let far = ev("u1", "login", "2028-11-20T10:00:00Z");
    assert!(matches!(
        f.engine.ingest(&far),
        Err(TriggerError::TimeOutOfRange(..))
    ));
    let err = f
        .engine
        .report("nope", Delivery::Failed, t("2026-11-20T10:00:00Z"))
        .unwrap_err();
    assert!(matches!(err, TriggerError::UnknownAction(_)), "{err}");
    assert_eq!(f.engine.clock().unwrap(), Some(t("2026-11-20T10:00:00Z")));
}

#[test]
fn state_survives_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let rules = RuleSet::from_source("r.corral", &format!("{BASE}\n{CART}")).unwrap();
    {
        let mut engine = Engine::open(&rules, dir.path()).unwrap();
        engine.add_profiles_json(&[follower("u1")]).unwrap();
        assert_eq!(
            engine
                .ingest(&ev("u1", "add_cart", "2026-11-20T10:00:00Z"))
                .unwrap()
                .len(),
            1
        );
    }
    let mut engine = Engine::open(&rules, dir.path()).unwrap();
    let out = engine.advance_to(t("2026-11-24T00:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send("cart_reminder", Some("sms"), "2026-11-23T10:00:00Z")]
    );
    let all = engine.actions_after(0).unwrap();
    let ids: Vec<_> = all.iter().map(|(_, a)| a.id.as_str()).collect();
    assert_eq!(ids, ["cart_rescue:1:0:1:u1", "cart_rescue:1:2:1:u1"]);
    assert_eq!(engine.actions_after(1).unwrap().len(), 1);
    assert!(
        engine
            .advance_to(t("2026-11-30T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
    let _ = DAY + HOUR;
}

#[test]
fn a_timeline_expectation_that_fails_lists_the_sends_so_far() {
    let text = format!(
        "{BASE}\n{CART}\n{}",
        r#"
test "wrong channel" {
  now "2026-11-20T10:00:00Z"
  given { phone: "1" }
  at now: add_cart { sku: "SKU-1", price: 1.0 }
  expect send "cart_coupon" via wecom
  at now + 1m: fail "cart_reminder"
  until now + 3d
  expect no send "cart_reminder"
}
"#
    );
    let rules = RuleSet::from_source("r.corral", &text).unwrap();
    let results = crate::rule_test::run_all(rules.program(), t("2026-11-22T00:00:00Z"));
    assert_eq!(results.len(), 1);
    assert!(!results[0].passed());
    let report = results[0].report();
    assert_eq!(results[0].failures.len(), 3, "{report}");
    assert!(
        report.contains("expect send \"cart_coupon\" via wecom\n"),
        "{report}"
    );
    assert!(
        report.contains("result = no such send was emitted"),
        "{report}"
    );
    assert!(
        report.contains("no pending send of `cart_reminder` to fail"),
        "{report}"
    );
    assert!(
        report.contains("result = such a send was emitted"),
        "{report}"
    );
    assert!(
        report.contains("send \"cart_coupon\" via sms = at 2026-11-20T10:00:00Z"),
        "{report}"
    );
}

#[test]
fn timeline_tests_print_back_to_what_parses_to_the_same_tree() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cases/triggers/timeline.corral"
    ))
    .unwrap();
    let parse = |text: &str| {
        let mut sources = crate::source::SourceMap::new();
        let file = sources.add("t.corral", None, text);
        let mut module = crate::parse::parse_module(&sources, file).unwrap();
        crate::print::strip_spans(&mut module);
        module
    };
    let module = parse(&text);
    let printed = crate::print::print_module(&module);
    assert!(printed.contains("  until now + 3d\n"), "{printed}");
    assert!(
        printed.contains("  at now + 5m: fail \"cart_coupon\"\n"),
        "{printed}"
    );
    assert!(
        printed.contains("  expect send \"cart_coupon\" undeliverable at now\n"),
        "{printed}"
    );
    assert_eq!(parse(&printed), module);
}

#[test]
fn a_fallback_after_a_failure_in_quiet_hours_is_held_until_the_window_ends() {
    let mut f = engine(CART, &[follower("u1")]);
    let first = f
        .engine
        .ingest(&ev("u1", "add_cart", "2026-11-20T21:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&first),
        [send(
            "cart_coupon",
            Some("wechat_template"),
            "2026-11-20T21:00:00Z"
        )]
    );
    // The failure arrives at 23:00, inside `quiet 22:00..08:00`: nothing goes out now.
    let held = f
        .engine
        .report(&first[0].id, Delivery::Failed, t("2026-11-20T23:00:00Z"))
        .unwrap();
    assert!(held.is_empty(), "{held:?}");
    let (_, status) = f.engine.action(&first[0].id).unwrap().unwrap();
    assert_eq!(status, super::Status::Failed);
    let out = f.engine.advance_to(t("2026-11-21T09:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send("cart_coupon", Some("wecom"), "2026-11-21T08:00:00Z")]
    );
    assert_eq!(out[0].id, "cart_rescue:1:0:2:u1");
    // The held fallback is an emitted action like any other: it is in the log.
    let logged: Vec<String> = f
        .engine
        .actions_after(0)
        .unwrap()
        .into_iter()
        .map(|(_, a)| a.id)
        .collect();
    assert_eq!(logged, ["cart_rescue:1:0:1:u1", "cart_rescue:1:0:2:u1"]);
}

#[test]
fn a_held_fallback_survives_reopening_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let rules = RuleSet::from_source("r.corral", &format!("{BASE}\n{CART}")).unwrap();
    {
        let mut engine = Engine::open(&rules, dir.path()).unwrap();
        engine.add_profiles_json(&[follower("u1")]).unwrap();
        let first = engine
            .ingest(&ev("u1", "add_cart", "2026-11-20T21:00:00Z"))
            .unwrap();
        let held = engine
            .report(&first[0].id, Delivery::Failed, t("2026-11-20T23:30:00Z"))
            .unwrap();
        assert!(held.is_empty());
    }
    let mut engine = Engine::open(&rules, dir.path()).unwrap();
    let out = engine.advance_to(t("2026-11-21T08:00:00Z")).unwrap();
    assert_eq!(
        brief(&out),
        [send("cart_coupon", Some("wecom"), "2026-11-21T08:00:00Z")]
    );
}

#[test]
fn a_state_built_with_other_rules_is_refused_unless_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let original = RuleSet::from_source("r.corral", &format!("{BASE}\n{CART}")).unwrap();
    drop(Engine::open(&original, dir.path()).unwrap());
    // Another condition, same layout: the stored state still fits.
    let reworded = CART.replace(r#"["SKU-1", "SKU-2"]"#, r#"["SKU-9"]"#);
    let reworded = RuleSet::from_source("r.corral", &format!("{BASE}\n{reworded}")).unwrap();
    drop(Engine::open(&reworded, dir.path()).unwrap());
    // One more step: stored positions would mean other steps.
    let longer = CART.replace(
        "  wait 3d\n",
        "  wait 1d\n  send \"nudge\" via sms\n  wait 2d\n",
    );
    let longer = RuleSet::from_source("r.corral", &format!("{BASE}\n{longer}")).unwrap();
    let err = Engine::open(&longer, dir.path()).err().unwrap();
    assert!(matches!(err, TriggerError::RulesChanged(_)), "{err}");
    assert!(err.to_string().contains("different rules"), "{err}");
    assert!(!err.is_bad_input());
    // Still refused: the refusal changed nothing.
    assert!(Engine::open(&longer, dir.path()).is_err());
    // An explicit migration adopts the new rules; the old ones are refused after it.
    drop(Engine::open_migrating(&longer, dir.path()).unwrap());
    drop(Engine::open(&longer, dir.path()).unwrap());
    assert!(matches!(
        Engine::open(&original, dir.path()),
        Err(TriggerError::RulesChanged(_))
    ));
}

#[test]
fn a_profile_loaded_after_the_clock_started_already_in_the_segment_has_not_entered_it() {
    let rules = r#"
segment silent = since(last_login_at) > 30d
trigger winback {
  on enter silent
  send "winback" via sms
}
"#;
    let mut f = engine(rules, &[json!({"id": "a", "phone": "1"})]);
    assert!(
        f.engine
            .advance_to(t("2026-11-01T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
    f.engine
        .add_profiles_json(&[json!({"id": "late", "phone": "2",
                                    "last_login_at": "2026-01-01T00:00:00Z"})])
        .unwrap();
    assert!(
        f.engine
            .advance_to(t("2026-11-15T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn only_events_the_rules_can_still_read_are_kept() {
    let rules = format!(
        "{CART}\n{}",
        r#"
segment busy = count(login within 1d) >= 2
trigger busy_day {
  on enter busy
  send "busy" via sms
}
"#
    );
    let mut f = engine(&rules, &[follower("u")]);
    let schema = f.engine.program().schema.clone();
    let retention = |name: &str| {
        let e = super::profile::event_id(&schema, name).unwrap();
        f.engine.plan().retention[e.0 as usize].clone()
    };
    let login = retention("login");
    assert!(!login.all && !login.since_start);
    assert_eq!(login.within, DAY);
    assert!(retention("pay").since_start && !retention("pay").all);
    assert_eq!(retention("add_cart"), super::plan::Retention::default());

    let count = |f: &Fixture| f.engine.stored_events("u").unwrap().unwrap();
    for day in 1..=9 {
        let at = format!("2026-11-0{day}T09:00:00Z");
        assert!(f.engine.ingest(&ev("u", "login", &at)).unwrap().is_empty());
        // Only the login inside the one-day window remains (and the new one).
        assert!(count(&f) <= 2, "day {day}: {}", count(&f));
    }
    // The pruned history does not change what the window sees.
    let out = f
        .engine
        .ingest(&ev("u", "login", "2026-11-09T10:00:00Z"))
        .unwrap();
    assert_eq!(
        brief(&out),
        [send("busy", Some("sms"), "2026-11-09T10:00:00Z")]
    );
    // A payment is kept while an instance started before it may read it
    // (`goal exists(pay since start)`).
    f.engine
        .ingest(&ev("u", "add_cart", "2026-11-10T10:00:00Z"))
        .unwrap();
    f.engine
        .ingest(&ev("u", "pay", "2026-11-11T10:00:00Z"))
        .unwrap();
    // The goal was reached: no reminder on 11-13.
    let later = f.engine.advance_to(t("2026-11-20T00:00:00Z")).unwrap();
    assert!(
        later.iter().all(|a| a.message != "cart_reminder"),
        "{later:?}"
    );
}

/// A one-step SOP: its instance has ended by the time a receipt comes back.
const ONE_SEND: &str = r#"
trigger coupon {
  on add_cart
  goal exists(pay since start)
  send "coupon" via wechat_template, sms
  quiet 22:00..08:00
}
"#;

#[test]
fn a_fallback_is_not_sent_once_the_goal_holds() {
    let mut f = engine(CART, &[follower("u1")]);
    let first = f
        .engine
        .ingest(&ev("u1", "add_cart", "2026-11-20T10:00:00Z"))
        .unwrap();
    assert_eq!(first.len(), 1);
    // The customer pays before the template message's failure is reported.
    assert!(
        f.engine
            .ingest(&ev("u1", "pay", "2026-11-20T10:30:00Z"))
            .unwrap()
            .is_empty()
    );
    let next = f
        .engine
        .report(&first[0].id, Delivery::Failed, t("2026-11-20T11:00:00Z"))
        .unwrap();
    assert!(next.is_empty(), "{next:?}");
    let (_, status) = f.engine.action(&first[0].id).unwrap().unwrap();
    assert_eq!(status, super::Status::Failed);
    assert!(
        f.engine
            .advance_to(t("2026-12-01T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_goal_is_checked_for_a_fallback_after_its_instance_ended() {
    let mut f = engine(ONE_SEND, &[follower("paid_later"), follower("never_paid")]);
    let mut ids = Vec::new();
    for who in ["paid_later", "never_paid"] {
        let out = f
            .engine
            .ingest(&ev(who, "add_cart", "2026-11-20T10:00:00Z"))
            .unwrap();
        assert_eq!(
            brief(&out),
            [send(
                "coupon",
                Some("wechat_template"),
                "2026-11-20T10:00:00Z"
            )]
        );
        ids.push(out[0].id.clone());
    }
    // A payment dated before the instance started does not reach `pay since start`.
    assert!(
        f.engine
            .ingest(&ev("never_paid", "pay", "2026-11-19T10:00:00Z"))
            .unwrap()
            .is_empty()
    );
    assert!(
        f.engine
            .ingest(&ev("paid_later", "pay", "2026-11-20T10:30:00Z"))
            .unwrap()
            .is_empty()
    );
    let at = t("2026-11-20T11:00:00Z");
    assert!(
        f.engine
            .report(&ids[0], Delivery::Failed, at)
            .unwrap()
            .is_empty()
    );
    let next = f.engine.report(&ids[1], Delivery::Failed, at).unwrap();
    assert_eq!(
        brief(&next),
        [send("coupon", Some("sms"), "2026-11-20T11:00:00Z")]
    );
    assert_eq!(next[0].id, "coupon:1:0:2:never_paid");
}

#[test]
fn a_held_fallback_is_dropped_when_the_goal_holds_at_the_window_end() {
    let mut f = engine(ONE_SEND, &[follower("u1")]);
    let first = f
        .engine
        .ingest(&ev("u1", "add_cart", "2026-11-20T21:00:00Z"))
        .unwrap();
    assert_eq!(first.len(), 1);
    // Failure reported in quiet hours: the fallback waits for 08:00 ...
    assert!(
        f.engine
            .report(&first[0].id, Delivery::Failed, t("2026-11-20T23:00:00Z"))
            .unwrap()
            .is_empty()
    );
    // ... and the customer pays overnight.
    assert!(
        f.engine
            .ingest(&ev("u1", "pay", "2026-11-21T02:00:00Z"))
            .unwrap()
            .is_empty()
    );
    assert!(
        f.engine
            .advance_to(t("2026-11-22T00:00:00Z"))
            .unwrap()
            .is_empty()
    );
}
