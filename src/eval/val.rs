//! The interpreter's working value: like [`Value`] but borrowing strings from the
//! program's constants or the profiles' dictionary, so evaluation never allocates.

use std::sync::Arc;

use crate::data::Dictionary;
use crate::schema::EnumId;
use crate::value::Value;

/// A value during evaluation; `'a` covers both the program and the profiles.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Val<'a> {
    Missing,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
    Time(i64),
    Duration(i64),
    Enum(EnumId, u32),
    Set(Set<'a>),
}

/// A `set<string>`: a row of a dictionary-coded column or a constant.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Set<'a> {
    /// INVARIANT (enforced by the reader): every code is below `dict.len()`.
    Codes {
        codes: &'a [u32],
        dict: &'a Dictionary,
    },
    Owned(&'a [Arc<str>]),
}

impl<'a> Set<'a> {
    pub(crate) fn contains(self, elem: &str) -> bool {
        match self {
            Set::Codes { codes, dict } => dict.code(elem).is_some_and(|c| codes.contains(&c)),
            Set::Owned(items) => items.iter().any(|s| &**s == elem),
        }
    }

    fn to_value(self) -> Value {
        let mut items: Vec<Arc<str>> = match self {
            Set::Codes { codes, dict } => codes.iter().map(|&c| Arc::from(dict.get(c))).collect(),
            Set::Owned(items) => items.to_vec(),
        };
        // `Value::StrSet` is sorted by text and deduplicated.
        items.sort();
        items.dedup();
        Value::StrSet(items.into())
    }
}

impl<'a> Val<'a> {
    pub(crate) fn is_missing(self) -> bool {
        matches!(self, Val::Missing)
    }

    /// A boolean context: anything but `true` (notably missing) reads as false.
    pub(crate) fn truthy(self) -> bool {
        matches!(self, Val::Bool(true))
    }

    /// Borrows a constant.
    pub(crate) fn from_value(value: &'a Value) -> Val<'a> {
        match value {
            Value::Missing => Val::Missing,
            Value::Bool(b) => Val::Bool(*b),
            Value::Int(i) => Val::Int(*i),
            Value::Float(f) => Val::Float(*f),
            Value::Str(s) => Val::Str(s),
            Value::Time(t) => Val::Time(*t),
            Value::Duration(d) => Val::Duration(*d),
            Value::Enum(e, v) => Val::Enum(*e, *v),
            Value::StrSet(items) => Val::Set(Set::Owned(items)),
        }
    }

    /// An owned copy for results that outlive the evaluation.
    pub(crate) fn to_value(self) -> Value {
        match self {
            Val::Missing => Value::Missing,
            Val::Bool(b) => Value::Bool(b),
            Val::Int(i) => Value::Int(i),
            Val::Float(f) => Value::Float(f),
            Val::Str(s) => Value::Str(Arc::from(s)),
            Val::Time(t) => Value::Time(t),
            Val::Duration(d) => Value::Duration(d),
            Val::Enum(e, v) => Value::Enum(e, v),
            Val::Set(set) => set.to_value(),
        }
    }
}
