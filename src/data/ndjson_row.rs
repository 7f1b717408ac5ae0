//! One NDJSON line decoded straight into a profile row, without building a JSON tree.
//!
//! The decoder only accepts rows the tree-based [`JsonReader`](super::JsonReader) would
//! load, and stages them the same way (same type rules, same order of interning). At the
//! first thing it does not accept (any error, or a repeated key, which the tree keeps
//! only once) it gives up: the row is rolled back and the caller loads the line again
//! through the tree reader, which names the error. So a failing line gets exactly the
//! tree reader's diagnostic, and the decoder never has to word one.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::builder::{ProfileRow, ProfilesBuilder, Staged};
use super::cell::{self, Cell};
use super::names::Names;
use crate::schema::{EventId, FieldId, PropId, Schema, Type};

/// Decodes lines for one schema; remembers the undeclared names of the rows it loaded.
#[derive(Debug)]
pub(crate) struct LineDecoder<'s> {
    schema: &'s Schema,
    fields: Names<'s, FieldId>,
    events: Names<'s, EventId>,
    /// Per event type, its properties.
    props: Vec<Names<'s, PropId>>,
    /// Per field: whether the current row has set it.
    seen: Vec<bool>,
    pub(crate) undeclared_fields: BTreeSet<String>,
    pub(crate) undeclared_events: BTreeSet<String>,
    /// New undeclared names of the current row, kept only if the row loads.
    pending_fields: Vec<String>,
    pending_events: Vec<String>,
}

/// Why the decoder gave up on a row; the tree reader says what is wrong.
#[derive(Debug)]
struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("row left to the tree reader")
    }
}

fn give_up<T, E: de::Error>() -> Result<T, E> {
    Err(E::custom(GiveUp))
}

impl<'s> LineDecoder<'s> {
    pub(crate) fn new(schema: &'s Schema) -> LineDecoder<'s> {
        LineDecoder {
            schema,
            fields: Names::new(
                schema
                    .fields
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.name.as_str(), FieldId(i as u32))),
            ),
            events: Names::new(
                schema
                    .events
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.name.as_str(), EventId(i as u32))),
            ),
            props: schema
                .events
                .iter()
                .map(|e| {
                    Names::new(
                        e.props
                            .iter()
                            .enumerate()
                            .map(|(i, p)| (p.name.as_str(), PropId(i as u32))),
                    )
                })
                .collect(),
            seen: vec![false; schema.fields.len()],
            undeclared_fields: BTreeSet::new(),
            undeclared_events: BTreeSet::new(),
            pending_fields: Vec::new(),
            pending_events: Vec::new(),
        }
    }

    /// Adds the profile of one line (valid UTF-8, trimmed); `false` when the decoder
    /// gave up, in which case nothing was added.
    pub(crate) fn decode(&mut self, builder: &mut ProfilesBuilder<'s>, text: &str) -> bool {
        self.seen.fill(false);
        self.pending_fields.clear();
        self.pending_events.clear();
        let mut row = builder.profile("");
        let mut de = serde_json::Deserializer::from_str(text);
        let decoded = RowSeed {
            dec: self,
            row: &mut row,
        }
        .deserialize(&mut de);
        // Dropping the row unfinished rolls it back.
        if decoded.is_err() || de.end().is_err() || row.commit().is_err() {
            return false;
        }
        self.undeclared_fields.extend(self.pending_fields.drain(..));
        self.undeclared_events.extend(self.pending_events.drain(..));
        true
    }

    fn note_field(&mut self, name: &str) {
        if !self.undeclared_fields.contains(name) && !self.pending_fields.iter().any(|n| n == name)
        {
            self.pending_fields.push(name.to_owned());
        }
    }

    fn note_event(&mut self, name: &str) {
        if !self.undeclared_events.contains(name) && !self.pending_events.iter().any(|n| n == name)
        {
            self.pending_events.push(name.to_owned());
        }
    }
}

/// The top-level object.
struct RowSeed<'a, 'b, 's> {
    dec: &'a mut LineDecoder<'s>,
    row: &'a mut ProfileRow<'b, 's>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a profile object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let RowSeed { dec, row } = self;
        let schema = dec.schema;
        let mut has_id = false;
        let mut has_events = false;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match &*key.0 {
                "id" => {
                    if has_id {
                        return give_up();
                    }
                    has_id = true;
                    let id = map.next_value::<Id>()?;
                    row.set_id(id.0);
                }
                "events" => {
                    if has_events {
                        return give_up();
                    }
                    has_events = true;
                    map.next_value_seed(EventsSeed {
                        dec: &mut *dec,
                        row: &mut *row,
                    })?;
                }
                name => match dec.fields.get(name) {
                    Some(field) => {
                        let Some(seen) = dec.seen.get_mut(field.0 as usize) else {
                            return give_up();
                        };
                        if *seen {
                            return give_up();
                        }
                        *seen = true;
                        let ty = schema.field_def(field).ty;
                        let staged = map.next_value_seed(ValueSeed {
                            schema,
                            ty,
                            row: &mut *row,
                        })?;
                        row.stage_field(field, staged);
                    }
                    None => {
                        dec.note_field(name);
                        map.next_value::<IgnoredAny>()?;
                    }
                },
            }
        }
        if has_id { Ok(()) } else { give_up() }
    }
}

/// A key or string, borrowed from the line when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Text<'de>, D::Error> {
        de.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }
}

/// The profile id: a string, or an integer written in decimal.
struct Id(Box<str>);

impl<'de> de::Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Id, D::Error> {
        de.deserialize_any(IdVisitor)
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = Id;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or an integer")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Id, E> {
        Ok(Id(v.into()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Id, E> {
        Ok(Id(v.to_string().into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Id, E> {
        Ok(Id(v.to_string().into()))
    }
}

/// A field's value, checked and staged as it is read.
struct ValueSeed<'a, 'b, 's> {
    schema: &'s Schema,
    ty: Type,
    row: &'a mut ProfileRow<'b, 's>,
}

impl ValueSeed<'_, '_, '_> {
    fn stage<E: de::Error>(self, cell: Cell<'_>) -> Result<Staged, E> {
        cell::stage(self.row, self.schema, self.ty, cell, &String::new).or_else(|_| give_up())
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_> {
    type Value = Staged;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Staged, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, '_> {
    type Value = Staged;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Staged, E> {
        self.stage(Cell::Missing)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Staged, E> {
        self.stage(Cell::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Staged, E> {
        self.stage(Cell::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Staged, E> {
        self.stage(number(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Staged, E> {
        self.stage(Cell::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Staged, E> {
        self.stage(Cell::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Staged, A::Error> {
        let ValueSeed { ty, row, .. } = self;
        if ty != Type::StrSet {
            return give_up();
        }
        while seq
            .next_element_seed(SetElement { row: &mut *row })?
            .is_some()
        {}
        Ok(row.end_set())
    }
}

/// A JSON integer as the tree reader sees it: signed when it fits.
fn number(v: u64) -> Cell<'static> {
    match i64::try_from(v) {
        Ok(i) => Cell::Int(i),
        Err(_) => Cell::UInt(v),
    }
}

/// One element of a `set<string>` field: a string.
struct SetElement<'a, 'b, 's> {
    row: &'a mut ProfileRow<'b, 's>,
}

impl<'de> DeserializeSeed<'de> for SetElement<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_str(self)
    }
}

impl Visitor<'_> for SetElement<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let SetElement { row } = self;
        row.set_element(v);
        Ok(())
    }
}

/// The `events` array.
struct EventsSeed<'a, 'b, 's> {
    dec: &'a mut LineDecoder<'s>,
    row: &'a mut ProfileRow<'b, 's>,
}

impl<'de> DeserializeSeed<'de> for EventsSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for EventsSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of events")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let EventsSeed { dec, row } = self;
        // One buffer for the entries of every event of the line.
        let mut entries: Vec<(Text<'de>, Scalar<'de>)> = Vec::new();
        loop {
            entries.clear();
            let seed = EventSeed {
                entries: &mut entries,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            if add_event(&mut *dec, &mut *row, &entries).is_err() {
                return give_up();
            }
        }
    }
}

/// An event object's entries, in order, read into a buffer. The type and time may come
/// after the properties, so all entries are read before any is staged.
struct EventSeed<'a, 'de> {
    entries: &'a mut Vec<(Text<'de>, Scalar<'de>)>,
}

impl<'de> DeserializeSeed<'de> for EventSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let EventSeed { entries } = self;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let value = map.next_value::<Scalar<'de>>()?;
            entries.push((key, value));
        }
        Ok(())
    }
}

/// Stages one event the way the tree reader does; `Err` to give up.
fn add_event(
    dec: &mut LineDecoder<'_>,
    row: &mut ProfileRow<'_, '_>,
    entries: &[(Text<'_>, Scalar<'_>)],
) -> Result<(), GiveUp> {
    for (i, (key, _)) in entries.iter().enumerate() {
        if entries[..i].iter().any(|(k, _)| k.0 == key.0) {
            return Err(GiveUp);
        }
    }
    let get = |name: &str| entries.iter().find(|(k, _)| k.0 == name).map(|(_, v)| v);
    let Some(Scalar::Str(name)) = get("type") else {
        return Err(GiveUp);
    };
    let Some(id) = dec.events.get(name) else {
        dec.note_event(name);
        return Ok(());
    };
    let Some(Scalar::Str(at)) = get("at") else {
        return Err(GiveUp);
    };
    let at = crate::time::parse_instant(at).ok_or(GiveUp)?;
    let slots = row.push_event(id, at);
    let (Some(props), Some(def)) = (
        dec.props.get(id.0 as usize),
        dec.schema.events.get(id.0 as usize),
    ) else {
        return Ok(());
    };
    for (key, value) in entries {
        let Some(prop) = props.get(&key.0) else {
            continue; // `type`, `at` and undeclared properties
        };
        let ty = def.props.get(prop.0 as usize).ok_or(GiveUp)?.ty;
        let staged = match (ty, value) {
            (Type::StrSet, Scalar::Strings(items)) => {
                for item in items {
                    row.set_element(&item.0);
                }
                row.end_set()
            }
            _ => {
                cell::stage(row, dec.schema, ty, value.cell(), &String::new).map_err(|_| GiveUp)?
            }
        };
        row.set_prop(slots, prop, staged);
    }
    Ok(())
}

/// An event entry's value. Arrays and objects are only kept as far as a property can
/// use them: an array of strings (a set), else just their kind.
enum Scalar<'de> {
    Null,
    Bool(bool),
    Number(Cell<'static>),
    Str(Cow<'de, str>),
    Strings(Vec<Text<'de>>),
    Other(&'static str),
}

impl Scalar<'_> {
    /// As the tree reader's `cell_of` sees the same JSON value.
    fn cell(&self) -> Cell<'_> {
        match self {
            Scalar::Null => Cell::Missing,
            Scalar::Bool(b) => Cell::Bool(*b),
            Scalar::Number(n) => *n,
            Scalar::Str(s) => Cell::Str(s),
            Scalar::Strings(_) => Cell::Other("array"),
            Scalar::Other(what) => Cell::Other(what),
        }
    }
}

impl<'de> de::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Scalar<'de>, D::Error> {
        de.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Number(Cell::Int(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Number(number(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Number(Cell::Float(v)))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Element<'de>>()? {
            match item {
                Element::Str(s) => items.push(s),
                Element::Other => {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok(Scalar::Other("array"));
                }
            }
        }
        Ok(Scalar::Strings(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other("object"))
    }
}

/// An array element: a string, or anything else (read and dropped).
enum Element<'de> {
    Str(Text<'de>),
    Other,
}

impl<'de> de::Deserialize<'de> for Element<'de> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Element<'de>, D::Error> {
        match <Scalar<'de> as de::Deserialize<'de>>::deserialize(de)? {
            Scalar::Str(s) => Ok(Element::Str(Text(s))),
            _ => Ok(Element::Other),
        }
    }
}
