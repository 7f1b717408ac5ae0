//! Values: what a tag evaluates to, what a test's `given` holds.

use std::sync::Arc;

use crate::schema::{EnumId, Schema, Type};
use crate::time;

/// One value of any type, or missing.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Missing,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    /// Microseconds since the Unix epoch, UTC.
    Time(i64),
    /// Microseconds.
    Duration(i64),
    Enum(EnumId, u32),
    /// Sorted, without duplicates.
    StrSet(Arc<[Arc<str>]>),
}

impl Value {
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// A boolean context: missing reads as false.
    pub fn truthy(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    /// The value as JSON for `--output members` (times as RFC 3339 text, durations as
    /// seconds, enum variants by name). Missing is `null`.
    pub fn to_json(&self, schema: &Schema) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Missing => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::Time(t) => J::String(time::format_rfc3339(*t)),
            Value::Duration(d) => duration_json(*d),
            Value::Enum(e, v) => J::String(enum_name(schema, *e, *v)),
            Value::StrSet(items) => {
                J::Array(items.iter().map(|s| J::String(s.to_string())).collect())
            }
        }
    }

    /// The value as a JSON object key for `--output counts`: the JSON text of the value,
    /// without quotes for strings.
    pub fn to_key(&self, schema: &Schema) -> String {
        match self.to_json(schema) {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }
    }

    pub fn type_of(&self) -> Option<Type> {
        Some(match self {
            Value::Missing => return None,
            Value::Bool(_) => Type::Bool,
            Value::Int(_) => Type::Int,
            Value::Float(_) => Type::Float,
            Value::Str(_) => Type::Str,
            Value::Time(_) => Type::Time,
            Value::Duration(_) => Type::Duration,
            Value::Enum(e, _) => Type::Enum(*e),
            Value::StrSet(_) => Type::StrSet,
        })
    }
}

fn enum_name(schema: &Schema, e: EnumId, v: u32) -> String {
    schema
        .enums
        .get(e.0 as usize)
        .and_then(|def| def.variants.get(v as usize))
        .cloned()
        .unwrap_or_default()
}

fn duration_json(micros: i64) -> serde_json::Value {
    if micros % time::SECOND == 0 {
        serde_json::Value::from(micros / time::SECOND)
    } else {
        serde_json::Number::from_f64(micros as f64 / time::SECOND as f64)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}
