//! Profiles in memory: a columnar layout that an evaluator scans without hashing.
//!
//! * one [`Column`] per profile field, typed, with a validity bitmap;
//! * every string (field values, set elements, event properties) dictionary-encoded
//!   in one [`Dictionary`] shared by the whole [`Profiles`], so equal strings have equal
//!   codes across columns and a rule's string constants are looked up once;
//! * one [`EventTable`] per declared event type: the events of all profiles, each
//!   profile's events contiguous and sorted by `at` (stable: ties keep input order),
//!   found through per-profile offsets.
//!
//! The loaders ([`ndjson`], [`parquet`], or [`load_path`] to pick one) stream their
//! input into a [`ProfilesBuilder`]; hosts can use the builder (typed values) or a
//! [`JsonReader`] (parsed JSON objects) directly.
//!
//! Loading rules shared by both formats:
//! * a row that fails leaves nothing behind (columns, events, dictionary);
//! * duplicate ids are allowed: each row is its own profile, in input order;
//! * `set<string>` values are stored sorted by dictionary code, without duplicates;
//! * error paths index events from 0 as in the input array (`events[3].price`), while
//!   lines and rows count from 1;
//! * fields and event types not in the schema are skipped, and their names collected in
//!   the [`LoadReport`]; undeclared event properties are skipped silently.

use std::collections::HashMap;

mod arrow_col;
mod batch;
mod builder;
mod bulk;
mod cell;
pub mod debug;
mod dict_hint;
mod error;
mod heap;
mod json;
mod load;
mod merge;
mod names;
pub mod ndjson;
mod ndjson_row;
pub mod parquet;
mod parts;
#[cfg(test)]
mod tests;

pub(crate) use builder::empty_column;
pub use builder::{ProfileRow, ProfilesBuilder};
pub use error::{DataError, Location, Unit};
pub use json::JsonReader;
pub use load::{KEPT_ERRORS, LoadOptions, LoadReport, load_path};

/// A fixed-length sequence of bits (validity, bool values, segment membership).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bitmap {
    words: Vec<u64>,
    len: usize,
}

impl Bitmap {
    pub fn new() -> Bitmap {
        Bitmap::default()
    }

    pub fn with_len(len: usize, value: bool) -> Bitmap {
        let fill = if value { u64::MAX } else { 0 };
        let mut bitmap = Bitmap {
            words: vec![fill; len.div_ceil(64)],
            len,
        };
        bitmap.clear_tail();
        bitmap
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> bool {
        debug_assert!(i < self.len);
        self.words[i / 64] >> (i % 64) & 1 == 1
    }

    pub fn set(&mut self, i: usize, value: bool) {
        debug_assert!(i < self.len);
        let mask = 1u64 << (i % 64);
        if value {
            self.words[i / 64] |= mask;
        } else {
            self.words[i / 64] &= !mask;
        }
    }

    pub fn push(&mut self, value: bool) {
        if self.len.is_multiple_of(64) {
            self.words.push(0);
        }
        self.len += 1;
        self.set(self.len - 1, value);
    }

    /// Appends all of `other`, a word at a time.
    pub fn extend_from(&mut self, other: &Bitmap) {
        let shift = self.len % 64;
        if shift == 0 {
            self.words.extend_from_slice(&other.words);
        } else {
            for &word in &other.words {
                // INVARIANT: `shift != 0` means the last word is partly filled.
                if let Some(last) = self.words.last_mut() {
                    *last |= word << shift;
                }
                self.words.push(word >> (64 - shift));
            }
        }
        self.len += other.len;
        self.words.truncate(self.len.div_ceil(64));
        self.clear_tail();
    }

    pub fn count_ones(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The backing words; bits past `len` are zero.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    fn clear_tail(&mut self) {
        if !self.len.is_multiple_of(64)
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << (self.len % 64)) - 1;
        }
    }
}

/// Interned strings: code `i` is `strings[i]`.
#[derive(Clone, Debug, Default)]
pub struct Dictionary {
    strings: Vec<Box<str>>,
    /// Seeded, so input strings cannot be chosen to collide.
    index: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    /// Codes of recently interned strings, by a cheap hash of their ends: most strings
    /// in profiles repeat (categories, SKUs, coupons), and a hit, checked by comparing
    /// the string, skips hashing it for `index`. A miss costs little; a stale slot (after
    /// `truncate`) fails the check.
    recent: Vec<u32>,
}

/// Slots in [`Dictionary::recent`].
const RECENT: usize = 256;

/// A hash of a string's length and first and last 8 bytes, for [`Dictionary::recent`].
fn recent_slot(s: &str) -> usize {
    let bytes = s.as_bytes();
    let n = bytes.len();
    let k = n.min(8);
    let mut head = [0u8; 8];
    head[..k].copy_from_slice(&bytes[..k]);
    let mut tail = [0u8; 8];
    tail[..k].copy_from_slice(&bytes[n - k..]);
    let mixed = u64::from_le_bytes(head) ^ u64::from_le_bytes(tail).rotate_left(29) ^ n as u64;
    (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % RECENT
}

impl Dictionary {
    pub fn intern(&mut self, s: &str) -> u32 {
        let slot = recent_slot(s);
        if let Some(&code) = self.recent.get(slot)
            && self
                .strings
                .get(code as usize)
                .is_some_and(|known| **known == *s)
        {
            return code;
        }
        let code = match self.index.get(s) {
            Some(&code) => code,
            None => {
                let code = self.strings.len() as u32;
                self.strings.push(s.into());
                self.index.insert(s.into(), code);
                code
            }
        };
        if self.recent.is_empty() {
            self.recent = vec![u32::MAX; RECENT];
        }
        if let Some(cached) = self.recent.get_mut(slot) {
            *cached = code;
        }
        code
    }

    /// Like [`Dictionary::intern`], keeping the given box when the string is new.
    pub(crate) fn intern_owned(&mut self, s: Box<str>) -> u32 {
        if let Some(&code) = self.index.get(&s) {
            return code;
        }
        let code = self.strings.len() as u32;
        self.strings.push(s.clone());
        self.index.insert(s, code);
        code
    }

    /// The strings in code order.
    pub(crate) fn into_strings(self) -> impl Iterator<Item = Box<str>> {
        self.strings.into_iter()
    }

    /// Forgets the strings interned since the dictionary had `len` of them.
    pub(crate) fn truncate(&mut self, len: usize) {
        for s in self.strings.drain(len.min(self.strings.len())..) {
            self.index.remove(&s);
        }
    }

    pub fn code(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    pub fn get(&self, code: u32) -> &str {
        &self.strings[code as usize]
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, &str)> {
        self.strings
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u32, &**s))
    }
}

/// One typed column with validity. `values` has one entry per row; an invalid
/// (missing) row holds an unspecified value of the right type.
#[derive(Clone, Debug)]
pub struct Column {
    pub valid: Bitmap,
    pub values: ColumnValues,
}

#[derive(Clone, Debug)]
pub enum ColumnValues {
    Bool(Bitmap),
    Int(Vec<i64>),
    Float(Vec<f64>),
    /// Microseconds since the Unix epoch.
    Time(Vec<i64>),
    /// Microseconds.
    Duration(Vec<i64>),
    /// Dictionary codes.
    Str(Vec<u32>),
    /// Variant indexes.
    Enum(Vec<u32>),
    /// Row `i` holds `codes[offsets[i]..offsets[i+1]]`, sorted and without duplicates.
    /// The loaders and [`ProfilesBuilder`] keep this order; compiled code relies on the
    /// absence of duplicates without checking (see [`ColumnValues::sets_in_order`]).
    StrSet {
        offsets: Vec<u32>,
        codes: Vec<u32>,
    },
}

impl ColumnValues {
    /// Whether each row's set holds its codes ascending, without repeats (true for a
    /// column that is not a set): a pass over every element, for columns built by
    /// hand rather than by a loader.
    pub fn sets_in_order(&self) -> bool {
        match self {
            ColumnValues::StrSet { offsets, codes } => offsets.windows(2).all(|w| {
                codes
                    .get(w[0] as usize..w[1] as usize)
                    .is_some_and(|set| set.windows(2).all(|p| p[0] < p[1]))
            }),
            _ => true,
        }
    }

    /// Appends the value a missing cell holds: any value of the right type (its
    /// validity bit says it is missing), an empty set for a set.
    pub(crate) fn push_placeholder(&mut self) {
        match self {
            ColumnValues::Bool(v) => v.push(false),
            ColumnValues::Int(v) | ColumnValues::Time(v) | ColumnValues::Duration(v) => v.push(0),
            ColumnValues::Float(v) => v.push(0.0),
            ColumnValues::Str(v) | ColumnValues::Enum(v) => v.push(0),
            ColumnValues::StrSet { offsets, codes } => offsets.push(codes.len() as u32),
        }
    }
}

/// Sorts `codes[start..]` and removes its repeats: one set's codes, appended last.
pub(crate) fn sort_dedup_from(codes: &mut Vec<u32>, start: usize) {
    let start = start.min(codes.len());
    let mut tail = codes.split_off(start);
    tail.sort_unstable();
    tail.dedup();
    codes.extend(tail);
}

/// The events of one type, for all profiles.
#[derive(Clone, Debug, Default)]
pub struct EventTable {
    /// Profile `p`'s events are rows `offsets[p]..offsets[p+1]`; `offsets.len()` is the
    /// number of profiles plus one.
    pub offsets: Vec<u32>,
    /// Microseconds since the epoch, ascending within each profile (events at the same
    /// time in input order). The loaders and [`ProfilesBuilder`] keep this order; both
    /// engines read events in it, and compiled code finds the events of a window by it
    /// without checking (see [`EventTable::in_time_order`]). Out of order, aggregate
    /// values are unspecified, though evaluation stays memory-safe.
    pub at: Vec<i64>,
    /// One column per declared property, in declaration order.
    pub props: Vec<Column>,
    /// Each profile's last event time, `at[offsets[p+1] - 1]`, and [`i64::MIN`] for a
    /// profile without events: one entry per profile. Derived from `offsets` and `at`,
    /// and kept in step with them by the loaders, [`ProfilesBuilder`] and
    /// [`EventTable::new`], so that compiled code reads the profiles' latest events
    /// from one sequential column instead of gathering them from `at`. A table changed
    /// by hand must call [`EventTable::refresh_last_at`]; compiled code falls back to
    /// the interpreter if the length is wrong, and gives unspecified aggregate values,
    /// though evaluation stays memory-safe, if the times are (see
    /// [`EventTable::last_at_in_step`]).
    pub last_at: Vec<i64>,
}

impl EventTable {
    /// A table of the given events, with its `last_at` derived from them.
    pub fn new(offsets: Vec<u32>, at: Vec<i64>, props: Vec<Column>) -> EventTable {
        let mut table = EventTable {
            offsets,
            at,
            props,
            last_at: Vec::new(),
        };
        table.sync_last_at();
        table
    }

    pub fn range(&self, profile: usize) -> std::ops::Range<usize> {
        self.offsets[profile] as usize..self.offsets[profile + 1] as usize
    }

    /// Derives `last_at` again from `offsets` and `at`: after changing them by hand.
    pub fn refresh_last_at(&mut self) {
        self.last_at.clear();
        self.sync_last_at();
    }

    /// Appends the `last_at` of the profiles added since it was last in step: after
    /// offsets were appended, with their events.
    pub(crate) fn sync_last_at(&mut self) {
        let profiles = self.offsets.len().saturating_sub(1);
        let from = self.last_at.len().min(profiles);
        let ends = self.offsets.get(from..).unwrap_or_default();
        let new = ends.windows(2).map(|w| last_of(&self.at, w[0], w[1]));
        self.last_at.extend(new);
    }

    /// Whether `last_at` holds each profile's last event time, as the loaders keep
    /// it: a pass over every profile, for tables built by hand.
    pub fn last_at_in_step(&self) -> bool {
        self.last_at.len() + 1 == self.offsets.len()
            && self
                .offsets
                .windows(2)
                .zip(&self.last_at)
                .all(|(w, &last)| last == last_of(&self.at, w[0], w[1]))
    }

    /// Whether every profile's events are ascending by `at`: a pass over every event,
    /// for tables built by hand rather than by a loader.
    pub fn in_time_order(&self) -> bool {
        self.offsets.windows(2).all(|w| {
            self.at
                .get(w[0] as usize..w[1] as usize)
                .is_some_and(|run| run.windows(2).all(|p| p[0] <= p[1]))
        })
    }
}

/// The time of the last of events `at[first..end]`, [`i64::MIN`] if there are none (or
/// the range is out of order or out of `at`).
fn last_of(at: &[i64], first: u32, end: u32) -> i64 {
    let last = (end as usize).checked_sub(1).and_then(|k| at.get(k));
    match last {
        Some(&t) if end > first => t,
        _ => i64::MIN,
    }
}

/// Profiles of one schema, in columns.
#[derive(Clone, Debug, Default)]
pub struct Profiles {
    /// Profile keys, one per row.
    pub ids: Vec<Box<str>>,
    /// One per schema field, in schema order.
    pub columns: Vec<Column>,
    /// One per schema event type, in schema order.
    pub events: Vec<EventTable>,
    pub dict: Dictionary,
}

impl Profiles {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}
