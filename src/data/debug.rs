//! Reading profiles back as values and JSON: for tests, debugging and `explain`.

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use super::{Column, ColumnValues, Dictionary, Profiles};
use crate::schema::{FieldId, Schema, Type};
use crate::value::Value;

/// The value of one cell of a column of type `ty`; missing if invalid or out of range.
pub fn cell_value(column: &Column, ty: Type, dict: &Dictionary, row: usize) -> Value {
    if row >= column.valid.len() || !column.valid.get(row) {
        return Value::Missing;
    }
    let text = |code: u32| -> Option<Arc<str>> {
        ((code as usize) < dict.len()).then(|| Arc::from(dict.get(code)))
    };
    let value = match (&column.values, ty) {
        (ColumnValues::Bool(b), _) => (row < b.len()).then(|| Value::Bool(b.get(row))),
        (ColumnValues::Int(v), _) => v.get(row).map(|x| Value::Int(*x)),
        (ColumnValues::Float(v), _) => v.get(row).map(|x| Value::Float(*x)),
        (ColumnValues::Time(v), _) => v.get(row).map(|x| Value::Time(*x)),
        (ColumnValues::Duration(v), _) => v.get(row).map(|x| Value::Duration(*x)),
        (ColumnValues::Str(v), _) => v.get(row).and_then(|c| text(*c)).map(Value::Str),
        (ColumnValues::Enum(v), Type::Enum(e)) => v.get(row).map(|x| Value::Enum(e, *x)),
        (ColumnValues::Enum(_), _) => None,
        (ColumnValues::StrSet { offsets, codes }, _) => {
            let start = offsets.get(row).copied().unwrap_or(0) as usize;
            let end = offsets.get(row + 1).copied().unwrap_or(0) as usize;
            codes.get(start..end).map(|codes| {
                let mut items: Vec<Arc<str>> = codes.iter().filter_map(|c| text(*c)).collect();
                items.sort();
                Value::StrSet(items.into())
            })
        }
    };
    value.unwrap_or(Value::Missing)
}

/// The value of a profile field; missing if absent or out of range.
pub fn field_value(profiles: &Profiles, schema: &Schema, field: FieldId, row: usize) -> Value {
    match (
        profiles.columns.get(field.0 as usize),
        schema.fields.get(field.0 as usize),
    ) {
        (Some(column), Some(def)) => cell_value(column, def.ty, &profiles.dict, row),
        _ => Value::Missing,
    }
}

/// A profile as JSON in the input shape: `id`, present fields, and `events` (all types
/// merged, ordered by `at`; ties by type in schema order, then input order). Sets are
/// sorted by text. `null` if `row` is out of range.
pub fn row_as_json(profiles: &Profiles, schema: &Schema, row: usize) -> Json {
    let Some(id) = profiles.ids.get(row) else {
        return Json::Null;
    };
    let mut obj = Map::new();
    obj.insert("id".into(), Json::String(id.to_string()));
    for (i, def) in schema.fields.iter().enumerate() {
        let value = field_value(profiles, schema, FieldId(i as u32), row);
        if !value.is_missing() {
            obj.insert(def.name.clone(), value.to_json(schema));
        }
    }
    let mut events = Vec::new();
    for (t, (table, def)) in profiles.events.iter().zip(&schema.events).enumerate() {
        if row + 1 >= table.offsets.len() {
            continue;
        }
        for e in table.range(row) {
            let Some(&at) = table.at.get(e) else { continue };
            let mut event = Map::new();
            event.insert("type".into(), Json::String(def.name.clone()));
            event.insert("at".into(), Value::Time(at).to_json(schema));
            for (column, prop) in table.props.iter().zip(&def.props) {
                let value = cell_value(column, prop.ty, &profiles.dict, e);
                if !value.is_missing() {
                    event.insert(prop.name.clone(), value.to_json(schema));
                }
            }
            events.push((at, t, Json::Object(event)));
        }
    }
    // Stable: within one type and instant, the stored (input) order stays.
    events.sort_by_key(|(at, t, _)| (*at, *t));
    obj.insert(
        "events".into(),
        Json::Array(events.into_iter().map(|(_, _, e)| e).collect()),
    );
    Json::Object(obj)
}

/// Every profile, by [`row_as_json`].
pub fn profiles_as_json(profiles: &Profiles, schema: &Schema) -> Vec<Json> {
    (0..profiles.len())
        .map(|row| row_as_json(profiles, schema, row))
        .collect()
}
