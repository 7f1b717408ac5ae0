use serde_json::json;

use super::{duration_schema, schema};
use crate::data::debug::{profiles_as_json, row_as_json};
use crate::data::{DataError, LoadOptions, LoadReport, ndjson};
use crate::schema::Schema;

fn load_with(schema: &Schema, text: &str, skip_bad: bool) -> Result<LoadReport, DataError> {
    let options = LoadOptions {
        skip_bad,
        source_name: "profiles.ndjson".into(),
    };
    ndjson::load(text.as_bytes(), schema, &options)
}

fn load(text: &str) -> LoadReport {
    load_with(&schema(), text, false).unwrap()
}

/// The one profile of a one-line input, as JSON.
fn one(line: &str) -> serde_json::Value {
    let report = load(line);
    assert_eq!(report.profiles.len(), 1);
    row_as_json(&report.profiles, &schema(), 0)
}

/// The error of a bad input: its code and its text.
fn error(text: &str) -> (&'static str, String) {
    let err = load_with(&schema(), text, false).unwrap_err();
    (err.code_str(), err.to_string())
}

fn bad_type(text: &str, message: &str) {
    assert_eq!(error(text), ("corral::data::bad_type", message.to_owned()));
}

#[test]
fn reads_every_type() {
    let line = r#"{"id":"u1","gender":"F","age":30,"province":"上海","platform":"ios",
        "wechat_login":true,"follows_oa":false,"wecom_friend":true,"paid":false,
        "phone":"13800000000","vip_level":2,"balance":12.5,"signup_at":"2026-01-02",
        "last_login_at":"2026-11-01T16:00:00+08:00","interests":["美妆","母婴","美妆"],
        "events":[{"type":"pay","at":"2026-11-01T00:00:00Z","amount":99.5,"coupon":"NEW20"},
                  {"type":"login","at":"2026-10-01T00:00:00Z"}]}"#
        .replace('\n', "");
    assert_eq!(
        one(&line),
        json!({"id":"u1","gender":"F","age":30,"province":"上海","platform":"ios",
            "wechat_login":true,"follows_oa":false,"wecom_friend":true,"paid":false,
            "phone":"13800000000","vip_level":2,"balance":12.5,
            "signup_at":"2026-01-02T00:00:00Z","last_login_at":"2026-11-01T08:00:00Z",
            "interests":["母婴","美妆"],
            "events":[{"type":"login","at":"2026-10-01T00:00:00Z"},
                      {"type":"pay","at":"2026-11-01T00:00:00Z","amount":99.5,"coupon":"NEW20"}]})
    );
}

#[test]
fn null_and_absent_are_missing() {
    let report = load(r#"{"id":"u1","age":null,"events":null}"#);
    assert_eq!(
        row_as_json(&report.profiles, &schema(), 0),
        json!({"id":"u1","events":[]})
    );
    let age = &report.profiles.columns[1];
    assert!(!age.valid.get(0));
}

#[test]
fn int_accepts_integral_floats() {
    assert_eq!(one(r#"{"id":"u1","age":30.0}"#)["age"], json!(30));
}

#[test]
fn int_rejects() {
    bad_type(
        r#"{"id":"u1","age":"abc"}"#,
        r#"profiles.ndjson line 1: field `age`: expected int, found string "abc""#,
    );
    bad_type(
        r#"{"id":"u1","age":3.5}"#,
        "profiles.ndjson line 1: field `age`: expected int, found number 3.5",
    );
    bad_type(
        r#"{"id":"u1","age":18446744073709551615}"#,
        "profiles.ndjson line 1: field `age`: expected int, found number 18446744073709551615 (out of range)",
    );
    // Below i64::MIN: JSON reads it as a float that no longer says which integer it was.
    bad_type(
        r#"{"id":"u1","age":-9223372036854775809}"#,
        "profiles.ndjson line 1: field `age`: expected int, found number -9223372036854776000 (out of range)",
    );
    bad_type(
        r#"{"id":"u1","age":[1]}"#,
        "profiles.ndjson line 1: field `age`: expected int, found array",
    );
}

#[test]
fn float_accepts_any_number() {
    assert_eq!(one(r#"{"id":"u1","balance":3}"#)["balance"], json!(3.0));
    bad_type(
        r#"{"id":"u1","balance":"x"}"#,
        r#"profiles.ndjson line 1: field `balance`: expected float, found string "x""#,
    );
}

#[test]
fn bool_accepts_only_true_false() {
    assert_eq!(one(r#"{"id":"u1","paid":true}"#)["paid"], json!(true));
    bad_type(
        r#"{"id":"u1","paid":1}"#,
        "profiles.ndjson line 1: field `paid`: expected bool, found number 1",
    );
    bad_type(
        r#"{"id":"u1","paid":"true"}"#,
        r#"profiles.ndjson line 1: field `paid`: expected bool, found string "true""#,
    );
}

#[test]
fn string_accepts_only_strings() {
    bad_type(
        r#"{"id":"u1","phone":13800000000}"#,
        "profiles.ndjson line 1: field `phone`: expected string, found number 13800000000",
    );
    bad_type(
        r#"{"id":"u1","phone":{}}"#,
        "profiles.ndjson line 1: field `phone`: expected string, found object",
    );
}

#[test]
fn enum_accepts_declared_variants() {
    assert_eq!(
        one(r#"{"id":"u1","platform":"web"}"#)["platform"],
        json!("web")
    );
    bad_type(
        r#"{"id":"u1","gender":"X"}"#,
        r#"profiles.ndjson line 1: field `gender`: expected one of `F`, `M`, `U`, found string "X""#,
    );
    bad_type(
        r#"{"id":"u1","gender":1}"#,
        "profiles.ndjson line 1: field `gender`: expected enum(F, M, U), found number 1",
    );
}

#[test]
fn time_accepts_rfc3339_and_dates_only() {
    assert_eq!(
        one(r#"{"id":"u1","signup_at":"2026-11-01T16:00:00+08:00"}"#)["signup_at"],
        json!("2026-11-01T08:00:00Z")
    );
    assert_eq!(
        one(r#"{"id":"u1","signup_at":"2026-11-01"}"#)["signup_at"],
        json!("2026-11-01T00:00:00Z")
    );
    assert_eq!(
        error(r#"{"id":"u1","signup_at":"yesterday"}"#),
        (
            "corral::data::bad_time",
            r#"profiles.ndjson line 1: field `signup_at`: invalid time "yesterday" (expected RFC 3339 or a date)"#.into()
        )
    );
    bad_type(
        r#"{"id":"u1","signup_at":1700000000}"#,
        "profiles.ndjson line 1: field `signup_at`: expected time, found number 1700000000",
    );
}

#[test]
fn set_accepts_arrays_of_strings() {
    assert_eq!(
        one(r#"{"id":"u1","interests":["b","a","b"]}"#)["interests"],
        json!(["a", "b"])
    );
    assert_eq!(one(r#"{"id":"u1","interests":[]}"#)["interests"], json!([]));
    bad_type(
        r#"{"id":"u1","interests":["a",1]}"#,
        "profiles.ndjson line 1: field `interests[1]`: expected string, found number 1",
    );
    bad_type(
        r#"{"id":"u1","interests":"a"}"#,
        r#"profiles.ndjson line 1: field `interests`: expected set<string>, found string "a""#,
    );
}

#[test]
fn duration_accepts_seconds() {
    let s = duration_schema();
    let report = load_with(
        &s,
        r#"{"id":"u1","wait":90,"events":[{"type":"call","at":"2026-01-01","length":1.5}]}"#,
        false,
    )
    .unwrap();
    assert_eq!(
        row_as_json(&report.profiles, &s, 0),
        json!({"id":"u1","wait":90,"events":[{"type":"call","at":"2026-01-01T00:00:00Z","length":1.5}]})
    );
    let err = load_with(&s, r#"{"id":"u1","wait":"90s"}"#, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"profiles.ndjson line 1: field `wait`: expected duration, found string "90s""#
    );
}

#[test]
fn id_is_a_string_or_an_integer() {
    assert_eq!(one(r#"{"id":42}"#)["id"], json!("42"));
    assert_eq!(one(r#"{"id":-7}"#)["id"], json!("-7"));
    assert_eq!(
        error(r#"{"age":3}"#),
        (
            "corral::data::missing_id",
            "profiles.ndjson line 1: missing `id`".into()
        )
    );
    assert_eq!(error(r#"{"id":null}"#).0, "corral::data::missing_id");
    bad_type(
        r#"{"id":true}"#,
        "profiles.ndjson line 1: field `id`: expected string or integer, found bool true",
    );
    bad_type(
        r#"{"id":1.5}"#,
        "profiles.ndjson line 1: field `id`: expected string or integer, found number 1.5",
    );
}

#[test]
fn malformed_lines() {
    assert_eq!(
        error("{\"id\":\"u1\"}\n{\"id\":"),
        (
            "corral::data::malformed",
            "profiles.ndjson line 2: not JSON: EOF while parsing a value at column 6".into()
        )
    );
    assert_eq!(
        error("[1,2]"),
        (
            "corral::data::malformed",
            "profiles.ndjson line 1: expected a JSON object, found array".into()
        )
    );
    assert_eq!(
        error("\"u1\""),
        (
            "corral::data::malformed",
            r#"profiles.ndjson line 1: expected a JSON object, found string "u1""#.into()
        )
    );
}

#[test]
fn invalid_utf8_is_a_malformed_line() {
    let options = LoadOptions {
        skip_bad: false,
        source_name: "profiles.ndjson".into(),
    };
    let bytes: &[u8] = b"{\"id\":\"u1\"}\n{\"id\":\"\xff\xfe\"}\n";
    let err = ndjson::load(bytes, &schema(), &options).unwrap_err();
    assert_eq!(err.code_str(), "corral::data::malformed");
    assert_eq!(
        err.to_string(),
        "profiles.ndjson line 2: invalid UTF-8 at byte 8"
    );
}

#[test]
fn event_errors_name_the_event() {
    let events = r#"[{"type":"login","at":"2026-01-01"},{"type":"nope"},
        {"type":"login","at":"2026-01-02"},{"type":"add_cart","at":"2026-01-03","price":"x"}]"#
        .replace('\n', "");
    bad_type(
        &format!(r#"{{"id":"u1","events":{events}}}"#),
        r#"profiles.ndjson line 1: field `events[3].price`: expected float, found string "x""#,
    );
    assert_eq!(
        error(r#"{"id":"u1","events":[{"type":"login","at":"2026-02-30"}]}"#),
        (
            "corral::data::bad_time",
            r#"profiles.ndjson line 1: field `events[0].at`: invalid time "2026-02-30" (expected RFC 3339 or a date)"#.into()
        )
    );
    assert_eq!(
        error(r#"{"id":"u1","events":[{"type":"login"}]}"#),
        (
            "corral::data::bad_time",
            "profiles.ndjson line 1: field `events[0].at`: missing time".into()
        )
    );
    bad_type(
        r#"{"id":"u1","events":[{"type":"login","at":5}]}"#,
        "profiles.ndjson line 1: field `events[0].at`: expected time, found number 5",
    );
    bad_type(
        r#"{"id":"u1","events":[{"at":"2026-01-01"}]}"#,
        "profiles.ndjson line 1: field `events[0].type`: expected string, found nothing",
    );
    bad_type(
        r#"{"id":"u1","events":[1]}"#,
        "profiles.ndjson line 1: field `events[0]`: expected an event object, found number 1",
    );
    bad_type(
        r#"{"id":"u1","events":{}}"#,
        "profiles.ndjson line 1: field `events`: expected an array of events, found object",
    );
}

#[test]
fn undeclared_fields_and_events_are_ignored_and_counted() {
    let report = load(concat!(
        r#"{"id":"u1","nickname":"a","city":"b","events":[{"type":"share","at":"x"},{"type":"login","at":"2026-01-01","device":"d"}]}"#,
        "\n",
        r#"{"id":"u2","nickname":"c","events":[{"type":"share"},{"type":"refund"}]}"#,
    ));
    assert_eq!(report.profiles.len(), 2);
    let names = |s: &std::collections::BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>();
    assert_eq!(names(&report.undeclared_fields), ["city", "nickname"]);
    assert_eq!(names(&report.undeclared_events), ["refund", "share"]);
    assert_eq!(
        row_as_json(&report.profiles, &schema(), 0),
        json!({"id":"u1","events":[{"type":"login","at":"2026-01-01T00:00:00Z"}]})
    );
}

#[test]
fn events_are_sorted_by_time_and_ties_keep_input_order() {
    let report = load(
        r#"{"id":"u1","events":[
            {"type":"article_view","at":"2026-01-03","category":"c"},
            {"type":"article_view","at":"2026-01-01","category":"a1"},
            {"type":"login","at":"2026-01-02"},
            {"type":"article_view","at":"2026-01-01","category":"a2"},
            {"type":"article_view","at":"2026-01-01T00:00:00Z","category":"a3"}]}"#
            .replace('\n', "")
            .as_str(),
    );
    let table = &report.profiles.events[2];
    assert_eq!(table.range(0), 0..4);
    let cats: Vec<_> = profiles_as_json(&report.profiles, &schema())[0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.get("category").cloned().unwrap_or(json!("login")))
        .collect();
    assert_eq!(
        cats,
        [
            json!("a1"),
            json!("a2"),
            json!("a3"),
            json!("login"),
            json!("c")
        ]
    );
}

#[test]
fn skip_bad_counts_and_keeps_first_errors() {
    let mut text = String::from("{\"id\":\"u0\"}\n\n");
    for i in 0..12 {
        text.push_str(&format!("{{\"id\":\"b{i}\",\"age\":\"x\"}}\nnot json\n"));
    }
    text.push_str("{\"id\":\"u1\"}\n");
    let report = load_with(&schema(), &text, true).unwrap();
    assert_eq!(report.profiles.len(), 2);
    assert_eq!(report.profiles.ids, ["u0".into(), "u1".into()]);
    assert_eq!(report.bad_rows, 24);
    assert_eq!(report.first_errors.len(), crate::data::KEPT_ERRORS);
    // Blank lines count: the first bad row is on line 3.
    assert_eq!(
        report.first_errors[0].to_string(),
        r#"profiles.ndjson line 3: field `age`: expected int, found string "x""#
    );
    assert_eq!(report.first_errors[1].code_str(), "corral::data::malformed");
    // Without skip_bad the first bad row stops the load.
    assert_eq!(
        load_with(&schema(), &text, false).unwrap_err().to_string(),
        r#"profiles.ndjson line 3: field `age`: expected int, found string "x""#
    );
}

#[test]
fn a_bad_row_leaves_nothing_behind() {
    let text = concat!(
        r#"{"id":"u0","province":"上海","interests":["a"],"events":[{"type":"pay","at":"2026-01-01","coupon":"C1"}]}"#,
        "\n",
        r#"{"id":"u1","province":"新","interests":["新2"],"events":[{"type":"pay","at":"2026-01-01","coupon":"新3"},{"type":"pay","at":"2026-01-01","amount":"x"}]}"#,
        "\n",
        r#"{"id":"u2"}"#,
    );
    let report = load_with(&schema(), text, true).unwrap();
    let p = &report.profiles;
    assert_eq!(report.bad_rows, 1);
    assert_eq!(p.len(), 2);
    assert_eq!(p.dict.len(), 3, "strings of the bad row are not interned");
    for column in &p.columns {
        assert_eq!(column.valid.len(), 2);
    }
    assert_eq!(p.events[1].offsets, [0, 1, 1]);
    assert_eq!(p.events[1].at.len(), 1);
    assert_eq!(p.events[1].props[1].valid.len(), 1);
}

#[test]
fn duplicate_ids_are_separate_profiles() {
    let report = load("{\"id\":\"u1\",\"age\":1}\n{\"id\":\"u1\",\"age\":2}\n");
    assert_eq!(report.profiles.len(), 2);
    let rows = profiles_as_json(&report.profiles, &schema());
    assert_eq!(rows[0]["age"], json!(1));
    assert_eq!(rows[1]["age"], json!(2));
}

#[test]
fn crlf_and_blank_lines() {
    let report = load("\r\n{\"id\":\"u1\"}\r\n   \n{\"id\":\"u2\"}");
    assert_eq!(report.profiles.ids, ["u1".into(), "u2".into()]);
}

#[test]
fn load_path_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.ndjson");
    std::fs::write(&path, "{\"id\":\"u1\",\"age\":\"x\"}\n").unwrap();
    let err = crate::data::load_path(&path, &schema(), &LoadOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} line 1: field `age`: expected int, found string \"x\"",
            path.display()
        )
    );
    let missing = dir.path().join("none.ndjson");
    let err = crate::data::load_path(&missing, &schema(), &LoadOptions::default()).unwrap_err();
    assert_eq!(err.code_str(), "corral::data::io");
}
