//! How much memory decoded profiles hold: the measure the memory target
//! ("peak memory no more than 2x the decoded columnar data") is stated against.

use std::mem::size_of;

use super::{Bitmap, Column, ColumnValues, Dictionary, EventTable, Profiles};

impl Profiles {
    /// Bytes of heap the profiles own (capacities, not lengths; the dictionary's hash
    /// index estimated from its capacity).
    pub fn heap_bytes(&self) -> usize {
        let ids = self.ids.capacity() * size_of::<Box<str>>()
            + self.ids.iter().map(|s| s.len()).sum::<usize>();
        let columns = self.columns.capacity() * size_of::<Column>()
            + self.columns.iter().map(column_bytes).sum::<usize>();
        let events = self.events.capacity() * size_of::<EventTable>()
            + self.events.iter().map(event_bytes).sum::<usize>();
        ids + columns + events + dict_bytes(&self.dict)
    }
}

fn vec_bytes<T>(v: &Vec<T>) -> usize {
    v.capacity() * size_of::<T>()
}

fn bitmap_bytes(b: &Bitmap) -> usize {
    vec_bytes(&b.words)
}

fn column_bytes(c: &Column) -> usize {
    bitmap_bytes(&c.valid)
        + match &c.values {
            ColumnValues::Bool(b) => bitmap_bytes(b),
            ColumnValues::Int(v) | ColumnValues::Time(v) | ColumnValues::Duration(v) => {
                vec_bytes(v)
            }
            ColumnValues::Float(v) => vec_bytes(v),
            ColumnValues::Str(v) | ColumnValues::Enum(v) => vec_bytes(v),
            ColumnValues::StrSet { offsets, codes } => vec_bytes(offsets) + vec_bytes(codes),
        }
}

fn event_bytes(t: &EventTable) -> usize {
    vec_bytes(&t.offsets)
        + vec_bytes(&t.at)
        + vec_bytes(&t.last_at)
        + vec_bytes(&t.props)
        + t.props.iter().map(column_bytes).sum::<usize>()
}

/// The strings twice (list and index keys), the list, and the index's slots: a key, a
/// code and a control byte each.
fn dict_bytes(d: &Dictionary) -> usize {
    let text: usize = d.strings.iter().map(|s| s.len()).sum();
    let slot = size_of::<Box<str>>() + size_of::<u32>() + 1;
    2 * text + vec_bytes(&d.strings) + d.index.capacity() * slot
}
