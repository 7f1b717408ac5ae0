use std::sync::Arc;

use serde_json::json;

use super::schema;
use crate::data::ProfilesBuilder;
use crate::data::debug::row_as_json;
use crate::schema::{EnumId, EventId, PropId};
use crate::value::Value;

#[test]
fn builds_typed_rows() {
    let schema = schema();
    let mut b = ProfilesBuilder::new(&schema);
    let age = schema.field("age").unwrap();
    let gender = schema.field("gender").unwrap();
    let interests = schema.field("interests").unwrap();
    let pay = schema.event("pay").unwrap();
    let mut row = b.profile("u1");
    row.set(age, &Value::Int(30)).unwrap();
    row.set(gender, &Value::Enum(EnumId(0), 1)).unwrap();
    let set: Arc<[Arc<str>]> = vec![Arc::from("b"), Arc::from("a"), Arc::from("b")].into();
    row.set(interests, &Value::StrSet(set)).unwrap();
    row.event(pay, 2, &[(PropId(0), Value::Float(5.0))])
        .unwrap();
    row.event(pay, 1, &[(PropId(1), Value::Str("C".into()))])
        .unwrap();
    row.finish().unwrap();
    b.profile("u2").finish().unwrap();
    let p = b.finish();
    assert_eq!(p.len(), 2);
    assert_eq!(
        row_as_json(&p, &schema, 0),
        json!({"id":"u1","gender":"M","age":30,"interests":["a","b"],"events":[
            {"type":"pay","at":"1970-01-01T00:00:00.000001Z","coupon":"C"},
            {"type":"pay","at":"1970-01-01T00:00:00.000002Z","amount":5.0}]})
    );
    assert_eq!(row_as_json(&p, &schema, 1), json!({"id":"u2","events":[]}));
    assert_eq!(p.events[1].offsets, [0, 2, 2]);
    assert_eq!(
        p.events[1].last_at,
        [2, i64::MIN],
        "pay's events sorted by time"
    );
    assert_eq!(p.events[0].offsets, [0, 0, 0]);
    assert_eq!(p.events[0].last_at, [i64::MIN; 2]);
}

#[test]
fn type_mismatch_is_an_error_and_rolls_back() {
    let schema = schema();
    let mut b = ProfilesBuilder::new(&schema);
    let age = schema.field("age").unwrap();
    let province = schema.field("province").unwrap();
    let mut row = b.profile("u1");
    row.set(province, &Value::Str("新".into())).unwrap();
    let err = row.set(age, &Value::Str("abc".into())).unwrap_err();
    assert_eq!(err.code_str(), "corral::data::bad_type");
    assert_eq!(
        err.to_string(),
        r#"row 1: field `age`: expected int, found string "abc""#
    );
    // The row is poisoned: finishing it reports the first error and adds nothing.
    assert_eq!(row.finish().unwrap_err().to_string(), err.to_string());
    assert_eq!(b.len(), 0);
    let p = b.finish();
    assert!(p.dict.is_empty());
    assert!(p.columns.iter().all(|c| c.valid.is_empty()));
}

#[test]
fn event_property_mismatch_names_the_event() {
    let schema = schema();
    let mut b = ProfilesBuilder::new(&schema);
    let mut row = b.profile("u1");
    row.event(EventId(3), 0, &[]).unwrap();
    let err = row
        .event(EventId(0), 0, &[(PropId(1), Value::Int(3))])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 1: field `events[1].price`: expected float, found int 3"
    );
    drop(row);
    assert!(b.is_empty());
    let p = b.finish();
    assert!(p.events.iter().all(|t| t.at.is_empty() && t.offsets == [0]));
}

#[test]
fn enum_of_another_type_is_rejected() {
    let schema = schema();
    let mut b = ProfilesBuilder::new(&schema);
    let mut row = b.profile("u1");
    let err = row
        .set(schema.field("gender").unwrap(), &Value::Enum(EnumId(1), 0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "row 1: field `gender`: expected enum(F, M, U), found enum variant `ios`"
    );
}
