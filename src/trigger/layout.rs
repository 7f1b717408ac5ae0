//! The schema layout that profile records are indexed by. Records keep fields, event
//! types and properties by position, so the store records the layout they were written
//! with; when the rules' schema changes, every stored record is re-indexed by name
//! (a field or property whose name or type changed is dropped, as is an event type no
//! longer declared), never read with the wrong positions.

use std::collections::HashMap;

use crate::schema::Schema;

use super::state::{Datum, ProfileRecord};

/// The layout as text: one `field NAME TYPE`, `event NAME` or `prop NAME TYPE` (of the
/// event above it) per line, in schema order.
pub(crate) fn describe(schema: &Schema) -> String {
    let mut text = String::new();
    for f in &schema.fields {
        text.push_str(&format!("field\t{}\t{}\n", f.name, schema.type_name(f.ty)));
    }
    for e in &schema.events {
        text.push_str(&format!("event\t{}\n", e.name));
        for p in &e.props {
            text.push_str(&format!("prop\t{}\t{}\n", p.name, schema.type_name(p.ty)));
        }
    }
    text
}

/// Where each position of an old layout is in the new one (`None`: dropped).
#[derive(Debug, PartialEq)]
pub(crate) struct Remap {
    fields: Vec<Option<usize>>,
    /// Per old event type: its new id and where each old property went.
    events: Vec<Option<(u32, Vec<Option<usize>>)>>,
}

impl Remap {
    /// The mapping from the layout `old` (as [`describe`] wrote it) to `schema`'s.
    pub(crate) fn new(old: &str, schema: &Schema) -> Remap {
        let new_fields: HashMap<(&str, String), usize> = schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| ((f.name.as_str(), schema.type_name(f.ty)), i))
            .collect();
        let mut remap = Remap {
            fields: Vec::new(),
            events: Vec::new(),
        };
        for line in old.lines() {
            let mut parts = line.split('\t');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("field"), Some(name), Some(ty)) => remap
                    .fields
                    .push(new_fields.get(&(name, ty.to_string())).copied()),
                (Some("event"), Some(name), None) => {
                    let new = schema
                        .events
                        .iter()
                        .position(|e| e.name == name)
                        .map(|i| (i as u32, Vec::new()));
                    remap.events.push(new);
                }
                (Some("prop"), Some(name), Some(ty)) => {
                    if let Some(Some((e, props))) = remap.events.last_mut() {
                        let def = &schema.events[*e as usize];
                        props.push(
                            def.props
                                .iter()
                                .position(|p| p.name == name && schema.type_name(p.ty) == ty),
                        );
                    }
                }
                _ => {}
            }
        }
        remap
    }

    /// The record re-indexed for the new layout.
    pub(crate) fn apply(&self, rec: &mut ProfileRecord) {
        rec.fields = moved(std::mem::take(&mut rec.fields), &self.fields);
        let events = std::mem::take(&mut rec.events);
        rec.events = events
            .into_iter()
            .filter_map(|mut e| {
                let (id, props) = self.events.get(e.event as usize)?.as_ref()?;
                e.event = *id;
                e.props = moved(std::mem::take(&mut e.props), props);
                Some(e)
            })
            .collect();
    }
}

/// `values` put at their new positions.
fn moved(values: Vec<Datum>, to: &[Option<usize>]) -> Vec<Datum> {
    let mut out: Vec<Datum> = Vec::new();
    for (value, target) in values.into_iter().zip(to) {
        if let Some(i) = *target {
            if out.len() <= i {
                out.resize(i + 1, Datum::Missing);
            }
            out[i] = value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::schema::{EventType, Field, Type};
    use crate::trigger::state::StoredEvent;

    fn field(name: &str, ty: Type) -> Field {
        Field {
            name: name.into(),
            ty,
        }
    }

    #[test]
    fn records_are_reindexed_by_name_and_type() {
        let old = Schema {
            fields: vec![
                field("a", Type::Int),
                field("b", Type::Str),
                field("c", Type::Bool),
            ],
            events: vec![
                EventType {
                    name: "gone".into(),
                    props: vec![],
                },
                EventType {
                    name: "pay".into(),
                    props: vec![field("amount", Type::Float), field("note", Type::Str)],
                },
            ],
            ..Schema::default()
        };
        let new = Schema {
            // `a` changed type, `b` moved, `c` is gone, `d` is new.
            fields: vec![
                field("d", Type::Int),
                field("b", Type::Str),
                field("a", Type::Str),
            ],
            events: vec![EventType {
                name: "pay".into(),
                props: vec![field("note", Type::Str), field("amount", Type::Float)],
            }],
            ..Schema::default()
        };
        let mut rec = ProfileRecord {
            fields: vec![Datum::Int(1), Datum::Str("x".into()), Datum::Bool(true)],
            events: vec![
                StoredEvent {
                    event: 0,
                    at: 1,
                    props: vec![],
                },
                StoredEvent {
                    event: 1,
                    at: 2,
                    props: vec![Datum::Float(9.5), Datum::Str("n".into())],
                },
            ],
            ..ProfileRecord::default()
        };
        let remap = Remap::new(&describe(&old), &new);
        remap.apply(&mut rec);
        assert_eq!(rec.fields, vec![Datum::Missing, Datum::Str("x".into())]);
        assert_eq!(
            rec.events,
            vec![StoredEvent {
                event: 0,
                at: 2,
                props: vec![Datum::Str("n".into()), Datum::Float(9.5)],
            }]
        );
        // The same layout maps everything to itself.
        let same = Remap::new(&describe(&new), &new);
        let before = rec.clone();
        same.apply(&mut rec);
        assert_eq!(rec, before);
    }

    fn rules(fields: &str) -> crate::RuleSet {
        let text = format!(
            "profile {{\n  id: string\n{fields}}}\nevent login {{}}\n\
             channel sms when phone is present\n\
             trigger hi {{\n  on login\n  when vip >= 3\n  send \"hi\" via sms\n}}\n"
        );
        crate::RuleSet::from_source("layout.corral", &text).unwrap()
    }

    #[test]
    fn a_store_opened_with_a_changed_schema_reads_its_fields_by_name() {
        use crate::trigger::Engine;
        use serde_json::json;
        let dir = tempfile::tempdir().unwrap();
        let before = rules("  phone: string\n  vip: int\n");
        let mut engine = Engine::open(&before, dir.path()).unwrap();
        engine
            .add_profiles_json(&[json!({"id": "u1", "phone": "138", "vip": 5})])
            .unwrap();
        drop(engine);
        // A field added in front moves every position: the records are re-indexed.
        let after = rules("  city: string\n  phone: string\n  vip: int\n");
        let mut engine = Engine::open(&after, dir.path()).unwrap();
        let sent = engine
            .ingest(&json!({"profile": "u1", "type": "login", "at": "2026-11-20T10:00:00Z"}))
            .unwrap();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].channel.as_deref(), Some("sms"));
    }
}
