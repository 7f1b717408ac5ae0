//! The profile schema: the fields of a profile, the event types and their properties.
//!
//! Built by the checker from `profile {}` and `event {}` declarations; the data loaders
//! read profiles into columns laid out by it.

use serde::Serialize;

/// Index of a profile field in [`Schema::fields`] (the `id` key is not a field).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FieldId(pub u32);

/// Index of an event type in [`Schema::events`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EventId(pub u32);

/// Index of a property in its event type's [`EventType::props`] (`at` is not a property).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PropId(pub u32);

/// Index of an enum type in [`Schema::enums`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct EnumId(pub u32);

/// The type of a stored or computed value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Int,
    Float,
    Str,
    /// An instant, microseconds since the Unix epoch (UTC).
    Time,
    /// A span of time, in microseconds.
    Duration,
    Enum(EnumId),
    /// `set<string>`
    StrSet,
}

impl Type {
    pub fn is_numeric(self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: Type,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventType {
    pub name: String,
    pub props: Vec<Field>,
}

impl EventType {
    pub fn prop(&self, name: &str) -> Option<PropId> {
        self.props
            .iter()
            .position(|p| p.name == name)
            .map(|i| PropId(i as u32))
    }
}

/// An `enum(A, B, C)` type; a value is the index of its variant.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumType {
    pub variants: Vec<String>,
}

impl EnumType {
    pub fn variant(&self, name: &str) -> Option<u32> {
        self.variants
            .iter()
            .position(|v| v == name)
            .map(|i| i as u32)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Profile fields in declaration order, without `id`.
    pub fields: Vec<Field>,
    pub events: Vec<EventType>,
    pub enums: Vec<EnumType>,
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<FieldId> {
        self.fields
            .iter()
            .position(|f| f.name == name)
            .map(|i| FieldId(i as u32))
    }

    pub fn event(&self, name: &str) -> Option<EventId> {
        self.events
            .iter()
            .position(|e| e.name == name)
            .map(|i| EventId(i as u32))
    }

    pub fn field_def(&self, id: FieldId) -> &Field {
        &self.fields[id.0 as usize]
    }

    pub fn event_def(&self, id: EventId) -> &EventType {
        &self.events[id.0 as usize]
    }

    pub fn enum_def(&self, id: EnumId) -> &EnumType {
        &self.enums[id.0 as usize]
    }

    /// How a type is written in rule files (`enum(F, M, U)`, `set<string>`).
    pub fn type_name(&self, ty: Type) -> String {
        match ty {
            Type::Bool => "bool".into(),
            Type::Int => "int".into(),
            Type::Float => "float".into(),
            Type::Str => "string".into(),
            Type::Time => "time".into(),
            Type::Duration => "duration".into(),
            Type::StrSet => "set<string>".into(),
            Type::Enum(id) => format!("enum({})", self.enum_def(id).variants.join(", ")),
        }
    }
}
