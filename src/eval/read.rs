//! Reading one row of a typed column as a [`Val`].
//!
//! Every access is bounds-checked: a malformed [`Profiles`](crate::data::Profiles)
//! (short column, bad offset, unknown dictionary code) reads as missing instead of
//! panicking.

use crate::data::{Bitmap, Column, ColumnValues, Dictionary, EventTable};
use crate::schema::Type;

use super::val::{Set, Val};

fn bit(bitmap: &Bitmap, i: usize) -> Option<bool> {
    (i < bitmap.len()).then(|| bitmap.get(i))
}

fn string(dict: &Dictionary, code: u32) -> Option<&str> {
    ((code as usize) < dict.len()).then(|| dict.get(code))
}

/// Row `row` of `column`, read as type `ty` (which names the enum of an enum column):
/// missing if its validity bit is off (or the row is absent).
pub(crate) fn cell<'a>(column: &'a Column, row: usize, ty: Type, dict: &'a Dictionary) -> Val<'a> {
    if bit(&column.valid, row) != Some(true) {
        return Val::Missing;
    }
    let value = match &column.values {
        ColumnValues::Bool(bits) => bit(bits, row).map(Val::Bool),
        ColumnValues::Int(v) => v.get(row).map(|&i| Val::Int(i)),
        ColumnValues::Float(v) => v.get(row).map(|&f| Val::Float(f)),
        ColumnValues::Time(v) => v.get(row).map(|&t| Val::Time(t)),
        ColumnValues::Duration(v) => v.get(row).map(|&d| Val::Duration(d)),
        ColumnValues::Str(v) => v.get(row).and_then(|&c| string(dict, c)).map(Val::Str),
        // The column does not say which enum; the schema type does.
        ColumnValues::Enum(v) => match ty {
            Type::Enum(e) => v.get(row).map(|&i| Val::Enum(e, i)),
            _ => None,
        },
        ColumnValues::StrSet { offsets, codes } => set(offsets, codes, row, dict),
    };
    value.unwrap_or(Val::Missing)
}

fn set<'a>(offsets: &[u32], codes: &'a [u32], row: usize, dict: &'a Dictionary) -> Option<Val<'a>> {
    let lo = *offsets.get(row)? as usize;
    let hi = *offsets.get(row + 1)? as usize;
    let codes = codes.get(lo..hi)?;
    // Upholds `Set::Codes`' invariant once here rather than on every use.
    if codes.iter().any(|&c| c as usize >= dict.len()) {
        return None;
    }
    Some(Val::Set(Set::Codes { codes, dict }))
}

/// The rows of `table` that belong to `profile` (empty if the offsets are malformed).
pub(crate) fn event_rows(table: &EventTable, profile: usize) -> std::ops::Range<usize> {
    let lo = table.offsets.get(profile).map_or(0, |&o| o as usize);
    let hi = table.offsets.get(profile + 1).map_or(0, |&o| o as usize);
    let hi = hi.min(table.at.len());
    lo.min(hi)..hi
}
