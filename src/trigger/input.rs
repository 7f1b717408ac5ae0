//! An input event's properties checked against its declared type and turned into a
//! typed [`StoredEvent`], with the same input rules as the NDJSON loader: ints are
//! whole numbers, floats take ints, times are RFC 3339 strings or dates, durations
//! are seconds, enums name a variant, sets are arrays of strings. Undeclared
//! properties are ignored.

use serde_json::{Map, Value as Json};

use crate::schema::{EventId, Schema, Type};
use crate::time::{SECOND, parse_instant};

use super::TriggerError;
use super::state::{Datum, StoredEvent};

/// 2^53: every integer up to this magnitude is exactly a float.
const EXACT_FLOAT_INT: f64 = 9_007_199_254_740_992.0;

/// The event `obj` of type `event` at `at`, its properties typed.
pub(crate) fn typed_event(
    schema: &Schema,
    event: EventId,
    obj: &Map<String, Json>,
    at: i64,
) -> Result<StoredEvent, TriggerError> {
    let def = schema.event_def(event);
    let mut props = Vec::with_capacity(def.props.len());
    for prop in &def.props {
        let d = match obj.get(&prop.name) {
            None => Datum::Missing,
            Some(v) => datum(schema, prop.ty, v).map_err(|detail| {
                TriggerError::BadEvent(format!("field `{}`: {detail}", prop.name))
            })?,
        };
        props.push(d);
    }
    while props.last() == Some(&Datum::Missing) {
        props.pop();
    }
    Ok(StoredEvent {
        event: event.0,
        at,
        props,
    })
}

/// One JSON value as a value of type `ty`; the error says what was expected.
fn datum(schema: &Schema, ty: Type, v: &Json) -> Result<Datum, String> {
    let expected = || format!("expected {}, found {}", schema.type_name(ty), describe(v));
    let out_of_range = || format!("{} (out of range)", expected());
    Ok(match (ty, v) {
        (_, Json::Null) => Datum::Missing,
        (Type::Bool, Json::Bool(b)) => Datum::Bool(*b),
        (Type::Int, Json::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Datum::Int(i)
            } else if n.is_u64() {
                return Err(out_of_range());
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() != 0.0 || !f.is_finite() {
                    return Err(expected());
                }
                if f.abs() > EXACT_FLOAT_INT {
                    return Err(out_of_range());
                }
                Datum::Int(f as i64)
            }
        }
        (Type::Float, Json::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() => Datum::Float(f),
            _ => Datum::Missing,
        },
        (Type::Str, Json::String(s)) => Datum::Str(s.as_str().into()),
        (Type::Enum(e), Json::String(s)) => {
            let def = schema.enum_def(e);
            match def.variant(s) {
                Some(i) => Datum::Enum(i),
                None => {
                    let variants: Vec<String> =
                        def.variants.iter().map(|v| format!("`{v}`")).collect();
                    return Err(format!(
                        "expected one of {}, found {}",
                        variants.join(", "),
                        describe(v)
                    ));
                }
            }
        }
        (Type::Time, Json::String(s)) => match parse_instant(s) {
            Some(t) => Datum::Time(t),
            None => {
                return Err(format!(
                    "invalid time {} (expected RFC 3339 or a date)",
                    describe(v)
                ));
            }
        },
        (Type::Duration, Json::Number(n)) => {
            let micros = match n.as_i64() {
                Some(secs) => secs.checked_mul(SECOND),
                None => n.as_f64().and_then(|secs| {
                    let m = (secs * SECOND as f64).round();
                    (m.is_finite() && m.abs() < 9.2e18).then_some(m as i64)
                }),
            };
            Datum::Duration(micros.ok_or_else(out_of_range)?)
        }
        (Type::StrSet, Json::Array(items)) => {
            let mut set = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                match item {
                    Json::String(s) => set.push(Box::<str>::from(s.as_str())),
                    other => {
                        return Err(format!("[{i}]: expected string, found {}", describe(other)));
                    }
                }
            }
            set.sort_unstable();
            set.dedup();
            Datum::Set(set)
        }
        _ => return Err(expected()),
    })
}

/// `string "abc"`, `number 3`, `bool true`: the found value in an error.
fn describe(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("bool {b}"),
        Json::Number(n) => format!("number {n}"),
        Json::String(s) => format!("string {}", Json::String(s.clone())),
        Json::Array(_) => "array".into(),
        Json::Object(_) => "object".into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::schema::{EnumType, EventType, Field};
    use serde_json::json;

    fn schema() -> Schema {
        let prop = |name: &str, ty| Field {
            name: name.into(),
            ty,
        };
        Schema {
            enums: vec![EnumType {
                variants: vec!["gold".into(), "silver".into()],
            }],
            events: vec![EventType {
                name: "order".into(),
                props: vec![
                    prop("qty", Type::Int),
                    prop("price", Type::Float),
                    prop("sku", Type::Str),
                    prop("paid_at", Type::Time),
                    prop("took", Type::Duration),
                    prop("tier", Type::Enum(crate::schema::EnumId(0))),
                    prop("tags", Type::StrSet),
                    prop("gift", Type::Bool),
                ],
            }],
            ..Schema::default()
        }
    }

    fn typed(v: Json) -> Result<Vec<Datum>, String> {
        let Json::Object(obj) = v else { panic!() };
        typed_event(&schema(), EventId(0), &obj, 0)
            .map(|e| e.props)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn properties_take_their_declared_types() {
        let props = typed(
            json!({"qty": 2.0, "price": 3, "sku": "A", "paid_at": "2026-11-20",
            "took": 1.5, "tier": "silver", "tags": ["b", "a", "b"], "gift": true, "x": {}}),
        )
        .unwrap();
        assert_eq!(
            props,
            vec![
                Datum::Int(2),
                Datum::Float(3.0),
                Datum::Str("A".into()),
                Datum::Time(parse_instant("2026-11-20").unwrap()),
                Datum::Duration(1_500_000),
                Datum::Enum(1),
                Datum::Set(vec!["a".into(), "b".into()]),
                Datum::Bool(true),
            ]
        );
        assert_eq!(typed(json!({"sku": "A"})).unwrap().len(), 3);
    }

    #[test]
    fn a_mistyped_property_is_named() {
        for (v, want) in [
            (
                json!({"qty": 1.5}),
                "field `qty`: expected int, found number 1.5",
            ),
            (
                json!({"price": "x"}),
                "field `price`: expected float, found string \"x\"",
            ),
            (
                json!({"tier": "bronze"}),
                "expected one of `gold`, `silver`",
            ),
            (json!({"paid_at": "soon"}), "invalid time"),
            (json!({"tags": [1]}), "field `tags`: [0]: expected string"),
            (json!({"qty": 18446744073709551615u64}), "out of range"),
            (json!({"gift": 1}), "expected bool"),
        ] {
            let err = typed(v.clone()).unwrap_err();
            assert!(err.contains(want), "{v}: {err}");
        }
    }
}
