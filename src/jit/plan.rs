//! What compiled code reads and writes: a table of addresses ("slots") that the bind
//! step fills per [`Profiles`](crate::data::Profiles) and the morsel runner completes
//! with its output buffers, plus the string constants, bitsets and samples the code
//! refers to by index.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::eval::MORSEL_ROWS;
use crate::ir::RegexId;
use crate::schema::EnumId;

/// One entry of the address table the compiled function receives.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Slot {
    /// Validity words of a profile field.
    FieldValid(u32),
    /// Values of a profile field (`i64`, `f64`, `u32` codes, or bitmap words for bool;
    /// the element codes for a `set<string>`).
    FieldValues(u32),
    /// Per-row offsets (`u32`) into the codes of a `set<string>` profile field.
    SetOffsets(u32),
    /// Per-profile offsets (`u32`) of an event table.
    EventOffsets(u32),
    /// `at` (`i64`) of an event table.
    EventAt(u32),
    PropValid(u32, u32),
    PropValues(u32, u32),
    /// Code (`i64`) of each string constant, by [`Plan::strings`] index.
    StrCodes,
    /// Byte-order rank (`u32`) of each code, dictionary and constants alike.
    Ranks,
    /// Not an address: the number of codes (dictionary and constants), which index
    /// the ranks and the bitsets over codes.
    CodeCount,
    /// A bitset over codes or enum variants, by [`Plan::bitsets`] index.
    Bits(u32),
    /// `fmod` for float `%`.
    Fmod,
    /// The bound strings and sets (`bind::Texts`); the substring test over two codes
    /// (`contains` with a part that is not a constant); set membership of a code.
    Texts,
    ContainsFn,
    SetContainsFn,
    /// Per morsel: the sample's bits for the morsel's rows.
    Sample(u32),
    /// Per morsel: a valued tag's values (`u64` bits) and validity (`u8`) per row.
    TagVals(u32),
    TagOk(u32),
    /// Per morsel: a bool tag's or a segment's bits.
    TagBits(u32),
    SegBits(u32),
    /// Per morsel: a bool tag's or a segment's value as a byte (0 or 1) per row, as
    /// the row function writes it; the runner packs them into the bits.
    TagBytes(u32),
    SegBytes(u32),
    /// Per morsel: a leaf of the late rules (`codegen::late`), as a byte per row
    /// written by a row function, and the bits the runner packs them into for the
    /// late word function; by index in the leaves.
    LeafBytes(u32),
    LeafBits(u32),
    /// Per morsel: for each event `offsets[start] + k` of a table, the number (`u16`)
    /// of the morsel's rows after its first that start there (`bind::row_starts`), so
    /// a walk over the morsel's events knows each event's row.
    EventStarts(u32),
    /// Per morsel: an aggregate's accumulator, one `u64` or `f64` per row
    /// (`AccWords`) or one byte per row (`AccBytes`), zeroed; by [`Plan::accumulator`]
    /// index.
    AccWords(u32),
    AccBytes(u32),
    /// Per morsel: one word per row whose bit `j` says whether the row's set holds
    /// string `j` of [`Plan::set_members`] entry `k` (0 for a missing set), filled
    /// by `Bound::set_members`.
    SetMembers(u32),
    /// Per morsel: for event table `e` and the window of [`Plan::windows`] entry `k`,
    /// a bit per row (morsel-local words): whether the row's last event is at or after
    /// the window's first time (`recent_rows`).
    RecentRows(u32, u32),
    /// Per morsel: for event table `e`, each row's latest event at or before `now`:
    /// its time (0 if none) and the number of the row's events up to it, two `i64`s a
    /// row (`latest_events`).
    Latest(u32),
    /// Not an address: per call, `now`, for the word functions' `since` tests.
    Now,
    /// Per morsel: the start of the arena that holds every buffer with one entry per
    /// row, biased back by the morsel's first row for entries of this many bytes (see
    /// [`Plan::arena_offset`]); `Arena(0)` is the start itself, indexed by the row's
    /// place in the morsel.
    Arena(u32),
}

impl Slot {
    /// The size of a row's entry in a per-morsel buffer with one entry per row. The
    /// runner biases such an address by the morsel's first row, so that the generated
    /// code indexes it by the profile's row, as it does the profiles' columns: one
    /// index live across the row function instead of two.
    pub(crate) fn row_entry_bytes(self) -> Option<usize> {
        match self {
            Slot::TagBytes(_)
            | Slot::SegBytes(_)
            | Slot::LeafBytes(_)
            | Slot::TagOk(_)
            | Slot::AccBytes(_) => Some(1),
            Slot::TagVals(_) | Slot::AccWords(_) | Slot::SetMembers(_) => Some(8),
            Slot::Latest(_) => Some(16),
            Slot::Arena(bytes) => Some(bytes as usize),
            _ => None,
        }
    }

    /// Filled by the morsel runner rather than the bind step.
    pub(crate) fn per_morsel(self) -> bool {
        matches!(
            self,
            Slot::Sample(_)
                | Slot::TagVals(_)
                | Slot::TagOk(_)
                | Slot::TagBits(_)
                | Slot::SegBits(_)
                | Slot::TagBytes(_)
                | Slot::SegBytes(_)
                | Slot::LeafBytes(_)
                | Slot::LeafBits(_)
                | Slot::AccWords(_)
                | Slot::AccBytes(_)
                | Slot::EventStarts(_)
                | Slot::SetMembers(_)
                | Slot::RecentRows(..)
                | Slot::Latest(_)
                | Slot::Arena(_)
                | Slot::Now
        )
    }
}

/// A bitset the bind step computes once per `Profiles`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BitsetReq {
    /// Codes of these strings (an `in` list).
    Strings(Vec<Arc<str>>),
    /// Codes whose string the regex matches.
    Regex(RegexId),
    /// Variants of the enum whose name the regex matches.
    EnumRegex(EnumId, RegexId),
    /// Codes whose string contains this text.
    Contains(Arc<str>),
}

/// A `set<string>` column; compiled code names a set value `(source << 40) | row`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum SetSource {
    Field(u32),
    Prop(u32, u32),
}

/// The string constants whose membership in a `set<string>` profile field compiled
/// code reads as bits per row (`Slot::SetMembers`): up to [`MEMBERS_PER_WORD`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SetMembers {
    pub(crate) field: u32,
    /// [`Plan::strings`] indexes; string `j` is bit `j`.
    pub(crate) strings: Vec<u32>,
}

/// Each arena buffer starts on a cache line of its own.
pub(crate) const ARENA_ALIGN: usize = 64;

/// Strings per [`SetMembers`]: the bits of a word.
pub(crate) const MEMBERS_PER_WORD: usize = 64;

/// Bits of a set value that hold the row.
pub(crate) const SET_ROW_BITS: u32 = 40;

/// Everything the compiled code refers to by index.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub(crate) slots: Vec<Slot>,
    index: HashMap<Slot, u32>,
    /// Distinct string constants.
    pub(crate) strings: Vec<Arc<str>>,
    pub(crate) bitsets: Vec<BitsetReq>,
    /// `(fraction, salt)` of each `sample`.
    pub(crate) samples: Vec<(f64, Arc<str>)>,
    pub(crate) set_sources: Vec<SetSource>,
    pub(crate) set_members: Vec<SetMembers>,
    /// The positive durations of constant `within` windows, by `Slot::RecentRows`
    /// index, and of every other constant window (`Plan::fixed_window`).
    pub(crate) windows: Vec<i64>,
    /// Accumulator buffers handed out so far.
    accumulators: u32,
    /// Where each buffer with one entry per row (`Slot::row_entry_bytes`) starts in
    /// the arena, by table index.
    arena: Vec<Option<usize>>,
    /// The arena's size in bytes: room for `MORSEL_ROWS` entries per buffer.
    pub(crate) arena_bytes: usize,
    /// The `TagOk` slots (table indexes) of tags that are never missing, which the
    /// code does not write: the runner fills them with ones.
    pub(crate) always_present: HashSet<u32>,
}

impl Plan {
    /// The table index of `slot`, adding it on first use.
    pub(crate) fn slot(&mut self, slot: Slot) -> u32 {
        if let Some(&i) = self.index.get(&slot) {
            return i;
        }
        let i = self.slots.len() as u32;
        self.slots.push(slot);
        self.index.insert(slot, i);
        let in_arena = match slot.row_entry_bytes() {
            Some(_) if matches!(slot, Slot::Arena(_)) => None,
            Some(bytes) => {
                // A line more than the buffer needs: buffers of a power of two
                // bytes would otherwise start 4 KiB apart, and a row's entries in
                // all of them would share one set of the L1 cache (and look alike to
                // the processor's check of loads against earlier stores).
                let at = self.arena_bytes;
                self.arena_bytes +=
                    (MORSEL_ROWS * bytes).next_multiple_of(ARENA_ALIGN) + ARENA_ALIGN;
                Some(at)
            }
            None => None,
        };
        self.arena.push(in_arena);
        i
    }

    /// Where the buffer of table index `i` starts in the arena, for a slot with one
    /// entry per row. Row `r`'s entry of `b` bytes is at `Slot::Arena(b)`'s address
    /// plus `r * b` plus this offset: compiled code addresses every such buffer off one
    /// arena address and a constant, without loading the buffer's own address.
    pub(crate) fn arena_offset(&self, i: u32) -> Option<usize> {
        self.arena.get(i as usize).copied().flatten()
    }

    pub(crate) fn string(&mut self, s: &Arc<str>) -> u32 {
        match self.strings.iter().position(|x| x == s) {
            Some(i) => i as u32,
            None => {
                self.strings.push(s.clone());
                (self.strings.len() - 1) as u32
            }
        }
    }

    pub(crate) fn bitset(&mut self, req: BitsetReq) -> u32 {
        let i = match self.bitsets.iter().position(|x| *x == req) {
            Some(i) => i,
            None => {
                self.bitsets.push(req);
                self.bitsets.len() - 1
            }
        };
        self.slot(Slot::Bits(i as u32))
    }

    pub(crate) fn set_source(&mut self, source: SetSource) -> u32 {
        match self.set_sources.iter().position(|x| *x == source) {
            Some(i) => i as u32,
            None => {
                self.set_sources.push(source);
                (self.set_sources.len() - 1) as u32
            }
        }
    }

    /// The table index of the `SetMembers` buffer that holds "profile set field `field`
    /// holds string constant `string`" (a [`Plan::strings`] index), and its bit.
    pub(crate) fn set_member(&mut self, field: u32, string: u32) -> (u32, u32) {
        let known = self.set_members.iter().enumerate().find_map(|(k, m)| {
            let j = m.strings.iter().position(|&s| s == string);
            j.filter(|_| m.field == field).map(|j| (k, j))
        });
        let (k, j) = known.unwrap_or_else(|| {
            let open = self
                .set_members
                .iter()
                .position(|m| m.field == field && m.strings.len() < MEMBERS_PER_WORD);
            let k = open.unwrap_or_else(|| {
                self.set_members.push(SetMembers {
                    field,
                    strings: Vec::new(),
                });
                self.set_members.len() - 1
            });
            self.set_members[k].strings.push(string);
            (k, self.set_members[k].strings.len() - 1)
        });
        (self.slot(Slot::SetMembers(k as u32)), j as u32)
    }

    /// The table index of a new per-morsel accumulator buffer of one byte per row
    /// (`bytes`) or one word per row.
    pub(crate) fn accumulator(&mut self, bytes: bool) -> u32 {
        let k = self.accumulators;
        self.accumulators += 1;
        self.slot(if bytes {
            Slot::AccBytes(k)
        } else {
            Slot::AccWords(k)
        })
    }

    /// Notes that compiled code tests times against the window of the last `d`
    /// (positive) microseconds as a constant span, `now - at <= d - 1`, which is
    /// exact only while `now - d + 1` is a time (`windows_fit`).
    pub(crate) fn fixed_window(&mut self, d: i64) {
        self.window_index(d);
    }

    /// Whether every constant window ends at `now` without reaching past the earliest
    /// time (`window_range` would clamp it), as the generated code's spans assume.
    /// Only a `now` within the longest window of `i64::MIN` fails: the runner leaves
    /// such an evaluation to the interpreter.
    pub(crate) fn windows_fit(&self, now: i64) -> bool {
        self.windows
            .iter()
            .all(|&d| now.checked_sub(d - 1).is_some())
    }

    /// The table index of the marks of the rows of event table `event` whose last
    /// event is in the window of the last `d` (positive) microseconds, or after it.
    pub(crate) fn recent_rows(&mut self, event: u32, d: i64) -> u32 {
        let k = self.window_index(d);
        self.slot(Slot::RecentRows(event, k))
    }

    fn window_index(&mut self, d: i64) -> u32 {
        let k = match self.windows.iter().position(|&x| x == d) {
            Some(k) => k,
            None => {
                self.windows.push(d);
                self.windows.len() - 1
            }
        };
        k as u32
    }

    /// The slot of the bits of `sample(fraction, salt)`, one per distinct sample: the
    /// runner hashes every profile's id for each.
    pub(crate) fn sample(&mut self, fraction: f64, salt: &Arc<str>) -> u32 {
        let same = |(f, s): &(f64, Arc<str>)| f.to_bits() == fraction.to_bits() && s == salt;
        let k = match self.samples.iter().position(same) {
            Some(k) => k,
            None => {
                self.samples.push((fraction, salt.clone()));
                self.samples.len() - 1
            }
        };
        self.slot(Slot::Sample(k as u32))
    }
}

/// The range of the window of the last `d` microseconds up to `now`, `now - d < at <=
/// now`: its first time and its length minus one, clamped at `i64::MIN` rather than
/// wrapping (`d` is positive).
pub(crate) fn window_range(now: i64, d: i64) -> (i64, u64) {
    let lo = (i128::from(now) - i128::from(d) + 1).max(i128::from(i64::MIN));
    let span = i128::from(now) - lo;
    (lo as i64, span as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every buffer with one entry per row gets room for a whole morsel in the arena,
    /// on a cache line of its own, without overlapping another; no two start at the
    /// same offset within a 4 KiB page; other slots have no place in it.
    #[test]
    fn arena_buffers_are_disjoint_aligned_and_staggered() {
        let mut plan = Plan::default();
        let row_slots = [
            Slot::TagBytes(0),
            Slot::TagVals(1),
            Slot::TagOk(1),
            Slot::Latest(2),
            Slot::SetMembers(0),
            Slot::SegBytes(3),
            Slot::LeafBytes(4),
            Slot::TagBytes(5),
        ];
        let mut spans = Vec::new();
        for slot in row_slots {
            plan.slot(Slot::TagBits(spans.len() as u32));
            plan.slot(Slot::RecentRows(0, 0));
            let i = plan.slot(slot);
            let bytes = slot.row_entry_bytes().unwrap();
            let at = plan.arena_offset(i).unwrap();
            spans.push((at, at + MORSEL_ROWS * bytes));
        }
        for k in [plan.accumulator(true), plan.accumulator(false)] {
            let bytes = plan.slots[k as usize].row_entry_bytes().unwrap();
            let at = plan.arena_offset(k).unwrap();
            spans.push((at, at + MORSEL_ROWS * bytes));
        }
        // Asked for again: the same place.
        let again = plan.slot(Slot::TagBytes(0));
        assert_eq!(plan.arena_offset(again), Some(spans[0].0));
        for (i, &(lo, hi)) in spans.iter().enumerate() {
            assert_eq!(lo % ARENA_ALIGN, 0);
            assert!(hi <= plan.arena_bytes);
            for &(lo2, hi2) in &spans[i + 1..] {
                assert!(hi <= lo2 || hi2 <= lo, "{lo}..{hi} overlaps {lo2}..{hi2}");
            }
        }
        let mut in_page: Vec<usize> = spans.iter().map(|&(lo, _)| lo % 4096).collect();
        in_page.sort_unstable();
        in_page.dedup();
        assert_eq!(in_page.len(), spans.len());
        for slot in [Slot::TagBits(0), Slot::RecentRows(0, 0), Slot::Arena(8)] {
            let i = plan.slot(slot);
            assert_eq!(plan.arena_offset(i), None, "{slot:?}");
        }
    }
}
