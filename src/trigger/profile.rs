//! One profile between the store and the interpreter: a stored [`ProfileRecord`] as a
//! one-row [`Profiles`] to evaluate, and a row of loaded [`Profiles`] as a record.

use serde_json::{Map, Value as Json};

use crate::data::{Column, ColumnValues, DataError, JsonReader, Profiles, ProfilesBuilder};
use crate::schema::{EventId, Schema, Type};
use crate::time::format_rfc3339;

use super::plan::Retention;
use super::state::ProfileRecord;

/// The record as a one-row [`Profiles`] (row 0) for the interpreter.
pub(crate) fn to_profiles(
    schema: &Schema,
    id: &str,
    rec: &ProfileRecord,
) -> Result<Profiles, DataError> {
    let mut obj = rec.fields.clone();
    obj.insert("id".into(), Json::String(id.to_string()));
    obj.insert("events".into(), Json::Array(rec.events.clone()));
    let mut builder = ProfilesBuilder::new(schema);
    JsonReader::new(schema).add(&mut builder, &Json::Object(obj))?;
    Ok(builder.finish())
}

/// Adds an event to the record in time order (after events at the same instant);
/// returns its index in `rec.events`.
pub(crate) fn insert_event(rec: &mut ProfileRecord, event: Json, at: i64) -> usize {
    let i = rec.event_times.partition_point(|&t| t <= at);
    rec.events.insert(i, event);
    rec.event_times.insert(i, at);
    i
}

/// Drops the stored events no expression can read any more at processing time `t`
/// (see [`Retention`]), so a profile's record stays as small as its rules allow.
pub(crate) fn prune(
    schema: &Schema,
    retention: &[Retention],
    rec: &mut ProfileRecord,
    t: i64,
    earliest_start: Option<i64>,
) {
    let keeps = |event: &Json, at: i64| {
        let r = event
            .get("type")
            .and_then(Json::as_str)
            .and_then(|name| event_id(schema, name))
            .and_then(|e| retention.get(e.0 as usize));
        // An event of no known type is kept: nothing here can tell it is unread.
        r.is_none_or(|r| r.keeps(at, t, earliest_start))
    };
    if rec
        .events
        .iter()
        .zip(&rec.event_times)
        .all(|(e, &at)| keeps(e, at))
    {
        return;
    }
    let (events, times): (Vec<Json>, Vec<i64>) = std::mem::take(&mut rec.events)
        .into_iter()
        .zip(std::mem::take(&mut rec.event_times))
        .filter(|(e, at)| keeps(e, *at))
        .unzip();
    rec.events = events;
    rec.event_times = times;
}

/// The row, within its type's table of a one-row [`Profiles`], of the stored event at
/// index `i`: the number of events of the same type before it.
pub(crate) fn event_row(rec: &ProfileRecord, i: usize, type_name: &str) -> usize {
    rec.events[..i.min(rec.events.len())]
        .iter()
        .filter(|e| e.get("type").and_then(Json::as_str) == Some(type_name))
        .count()
}

/// Row `row` of loaded profiles as (id, record): fields by schema name, events of the
/// declared types with their declared properties.
pub(crate) fn from_row(
    schema: &Schema,
    profiles: &Profiles,
    row: usize,
) -> (String, ProfileRecord) {
    let id = profiles
        .ids
        .get(row)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut rec = ProfileRecord::default();
    for (i, field) in schema.fields.iter().enumerate() {
        if let Some(col) = profiles.columns.get(i) {
            let v = cell_json(schema, profiles, col, row, field.ty);
            if !v.is_null() {
                rec.fields.insert(field.name.clone(), v);
            }
        }
    }
    let mut events: Vec<(i64, Json)> = Vec::new();
    for (e, def) in schema.events.iter().enumerate() {
        let Some(table) = profiles.events.get(e) else {
            continue;
        };
        let (Some(&lo), Some(&hi)) = (table.offsets.get(row), table.offsets.get(row + 1)) else {
            continue;
        };
        for r in lo as usize..hi as usize {
            let Some(&at) = table.at.get(r) else { break };
            let mut obj = Map::new();
            obj.insert("type".into(), Json::String(def.name.clone()));
            obj.insert("at".into(), Json::String(format_rfc3339(at)));
            for (p, prop) in def.props.iter().enumerate() {
                if let Some(col) = table.props.get(p) {
                    let v = cell_json(schema, profiles, col, r, prop.ty);
                    if !v.is_null() {
                        obj.insert(prop.name.clone(), v);
                    }
                }
            }
            events.push((at, Json::Object(obj)));
        }
    }
    // Stable: events at one instant keep their type order.
    events.sort_by_key(|(at, _)| *at);
    for (at, ev) in events {
        rec.event_times.push(at);
        rec.events.push(ev);
    }
    (id, rec)
}

/// One cell as JSON of the NDJSON shape; `null` if missing.
fn cell_json(schema: &Schema, profiles: &Profiles, col: &Column, row: usize, ty: Type) -> Json {
    if row >= col.valid.len() || !col.valid.get(row) {
        return Json::Null;
    }
    let dict = &profiles.dict;
    let string = |code: u32| -> Json {
        if (code as usize) < dict.len() {
            Json::String(dict.get(code).to_string())
        } else {
            Json::Null
        }
    };
    match &col.values {
        ColumnValues::Bool(bits) if row < bits.len() => Json::Bool(bits.get(row)),
        ColumnValues::Int(v) => v.get(row).map_or(Json::Null, |&i| Json::from(i)),
        ColumnValues::Float(v) => v.get(row).map_or(Json::Null, |&f| Json::from(f)),
        ColumnValues::Time(v) => v
            .get(row)
            .map_or(Json::Null, |&t| Json::String(format_rfc3339(t))),
        // NDJSON durations are seconds.
        ColumnValues::Duration(v) => v.get(row).map_or(Json::Null, |&d| {
            if d % crate::time::SECOND == 0 {
                Json::from(d / crate::time::SECOND)
            } else {
                Json::from(d as f64 / crate::time::SECOND as f64)
            }
        }),
        ColumnValues::Str(v) => v.get(row).map_or(Json::Null, |&c| string(c)),
        ColumnValues::Enum(v) => match (ty, v.get(row)) {
            (Type::Enum(e), Some(&i)) => schema
                .enums
                .get(e.0 as usize)
                .and_then(|d| d.variants.get(i as usize))
                .map_or(Json::Null, |s| Json::String(s.clone())),
            _ => Json::Null,
        },
        ColumnValues::StrSet { offsets, codes } => {
            let (Some(&lo), Some(&hi)) = (offsets.get(row), offsets.get(row + 1)) else {
                return Json::Null;
            };
            codes
                .get(lo as usize..hi as usize)
                .map_or(Json::Null, |cs| {
                    Json::Array(cs.iter().map(|&c| string(c)).collect())
                })
        }
        ColumnValues::Bool(_) => Json::Null,
    }
}

/// The schema's id of an event type name.
pub(crate) fn event_id(schema: &Schema, name: &str) -> Option<EventId> {
    schema
        .events
        .iter()
        .position(|e| e.name == name)
        .map(|i| EventId(i as u32))
}
