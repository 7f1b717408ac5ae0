//! One profile from a JSON object: fields by schema name, `id`, and `events`.
//!
//! Used by the NDJSON loader and by hosts that already hold parsed JSON.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value as Json};

use super::builder::{ProfileRow, ProfilesBuilder};
use super::cell::{self, Cell};
use super::error::{DataError, Location, RowError};
use crate::schema::{EventId, FieldId, PropId, Schema, Type};

/// Reads JSON profiles into a builder; remembers the undeclared field and event type
/// names it saw.
#[derive(Debug)]
pub struct JsonReader<'s> {
    schema: &'s Schema,
    fields: HashMap<&'s str, FieldId>,
    events: HashMap<&'s str, EventId>,
    /// Per event type, its properties by name.
    props: Vec<HashMap<&'s str, PropId>>,
    undeclared_fields: BTreeSet<String>,
    undeclared_events: BTreeSet<String>,
}

impl<'s> JsonReader<'s> {
    pub fn new(schema: &'s Schema) -> JsonReader<'s> {
        let fields = (0..schema.fields.len())
            .map(|i| (schema.fields[i].name.as_str(), FieldId(i as u32)))
            .collect();
        let events = (0..schema.events.len())
            .map(|i| (schema.events[i].name.as_str(), EventId(i as u32)))
            .collect();
        let props = schema
            .events
            .iter()
            .map(|e| {
                (0..e.props.len())
                    .map(|i| (e.props[i].name.as_str(), PropId(i as u32)))
                    .collect()
            })
            .collect();
        JsonReader {
            schema,
            fields,
            events,
            props,
            undeclared_fields: BTreeSet::new(),
            undeclared_events: BTreeSet::new(),
        }
    }

    /// Adds one profile; on error nothing is added. Errors name the row the profile
    /// would have been (`row 3`).
    pub fn add(
        &mut self,
        builder: &mut ProfilesBuilder<'_>,
        value: &Json,
    ) -> Result<(), DataError> {
        let at = Location::row("", builder.len() + 1);
        self.add_row(builder, value).map_err(|e| e.at(&at))
    }

    /// Names of fields seen in the data but not declared in the schema.
    pub fn undeclared_fields(&self) -> &BTreeSet<String> {
        &self.undeclared_fields
    }

    /// Names of event types seen in the data but not declared in the schema.
    pub fn undeclared_events(&self) -> &BTreeSet<String> {
        &self.undeclared_events
    }

    pub(crate) fn into_undeclared(self) -> (BTreeSet<String>, BTreeSet<String>) {
        (self.undeclared_fields, self.undeclared_events)
    }

    pub(crate) fn add_row(
        &mut self,
        builder: &mut ProfilesBuilder<'_>,
        value: &Json,
    ) -> Result<(), RowError> {
        let Json::Object(obj) = value else {
            return Err(RowError::Malformed(format!(
                "expected a JSON object, found {}",
                cell_of(value).describe()
            )));
        };
        let id_text;
        let id = match obj.get("id") {
            None | Some(Json::Null) => return Err(RowError::MissingId),
            Some(Json::String(s)) => s.as_str(),
            Some(Json::Number(n)) if n.is_i64() || n.is_u64() => {
                id_text = n.to_string();
                id_text.as_str()
            }
            Some(other) => {
                return Err(RowError::bad_type(
                    "id",
                    format!(
                        "expected string or integer, found {}",
                        cell_of(other).describe()
                    ),
                ));
            }
        };
        let mut row = builder.profile(id);
        self.fill(&mut row, obj)?;
        row.commit()
    }

    fn fill(
        &mut self,
        row: &mut ProfileRow<'_, '_>,
        obj: &Map<String, Json>,
    ) -> Result<(), RowError> {
        let schema = self.schema;
        for (key, value) in obj {
            match key.as_str() {
                "id" => {}
                "events" => self.events(row, value)?,
                name => match self.fields.get(name) {
                    Some(&field) => {
                        let ty = schema.field_def(field).ty;
                        let staged = if let (Type::StrSet, Json::Array(items)) = (ty, value) {
                            set(row, items, name)?
                        } else {
                            cell::stage(row, schema, ty, cell_of(value), &|| name.to_owned())?
                        };
                        row.stage_field(field, staged);
                    }
                    None => note(&mut self.undeclared_fields, name),
                },
            }
        }
        Ok(())
    }

    fn events(&mut self, row: &mut ProfileRow<'_, '_>, value: &Json) -> Result<(), RowError> {
        let items = match value {
            Json::Null => return Ok(()),
            Json::Array(items) => items,
            other => {
                return Err(RowError::bad_type(
                    "events",
                    format!(
                        "expected an array of events, found {}",
                        cell_of(other).describe()
                    ),
                ));
            }
        };
        let schema = self.schema;
        for (i, item) in items.iter().enumerate() {
            let Json::Object(event) = item else {
                return Err(RowError::bad_type(
                    format!("events[{i}]"),
                    format!(
                        "expected an event object, found {}",
                        cell_of(item).describe()
                    ),
                ));
            };
            let name = match event.get("type") {
                Some(Json::String(s)) => s.as_str(),
                other => {
                    let found = other.map_or("nothing".into(), |v| cell_of(v).describe());
                    return Err(RowError::bad_type(
                        format!("events[{i}].type"),
                        format!("expected string, found {found}"),
                    ));
                }
            };
            let Some(&id) = self.events.get(name) else {
                note(&mut self.undeclared_events, name);
                continue;
            };
            let at = match event.get("at") {
                None | Some(Json::Null) => {
                    return Err(RowError::bad_time(
                        format!("events[{i}].at"),
                        "missing time",
                    ));
                }
                Some(Json::String(s)) => match crate::time::parse_instant(s) {
                    Some(t) => t,
                    None => return Err(cell::bad_time(format!("events[{i}].at"), s)),
                },
                Some(other) => {
                    return Err(cell::mismatch(
                        format!("events[{i}].at"),
                        Type::Time,
                        schema,
                        cell_of(other),
                    ));
                }
            };
            let slots = row.push_event(id, at);
            let Some(props) = self.props.get(id.0 as usize) else {
                continue;
            };
            let def = schema.event_def(id);
            for (key, value) in event {
                let Some(&prop) = props.get(key.as_str()) else {
                    continue; // `type`, `at` and undeclared properties
                };
                // INVARIANT: `props` was built from this event type's properties.
                let ty = def.props[prop.0 as usize].ty;
                let path = || format!("events[{i}].{key}");
                let staged = if let (Type::StrSet, Json::Array(items)) = (ty, value) {
                    set(row, items, &path())?
                } else {
                    cell::stage(row, schema, ty, cell_of(value), &path)?
                };
                row.set_prop(slots, prop, staged);
            }
        }
        Ok(())
    }
}

/// A `set<string>` from a JSON array of strings.
fn set(
    row: &mut ProfileRow<'_, '_>,
    items: &[Json],
    path: &str,
) -> Result<super::builder::Staged, RowError> {
    for (i, item) in items.iter().enumerate() {
        match item {
            Json::String(s) => row.set_element(s),
            other => {
                return Err(RowError::bad_type(
                    format!("{path}[{i}]"),
                    format!("expected string, found {}", cell_of(other).describe()),
                ));
            }
        }
    }
    Ok(row.end_set())
}

fn note(seen: &mut BTreeSet<String>, name: &str) {
    if !seen.contains(name) {
        seen.insert(name.to_owned());
    }
}

pub(crate) fn cell_of(value: &Json) -> Cell<'_> {
    match value {
        Json::Null => Cell::Missing,
        Json::Bool(b) => Cell::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Cell::Int(i)
            } else if let Some(u) = n.as_u64() {
                Cell::UInt(u)
            } else {
                Cell::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => Cell::Str(s),
        Json::Array(_) => Cell::Other("array"),
        Json::Object(_) => Cell::Other("object"),
    }
}
