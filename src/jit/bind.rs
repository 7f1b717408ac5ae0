//! The bind step: checks that a [`Profiles`] is well formed for the schema (so compiled
//! code can read it without bounds checks) and resolves the program's strings against
//! its dictionary: constants to codes, `in` lists, `matches` and `contains` to bitsets
//! over codes, and every code to its byte-order rank.

use std::sync::Arc;

use crate::data::{Bitmap, Column, ColumnValues, Dictionary, Profiles};
use crate::ir::Program;
use crate::schema::{Schema, Type};

use super::JitError;
use super::plan::{BitsetReq, Plan, SET_ROW_BITS, SetMembers, SetSource, Slot};

/// A [`Profiles`] bound to a compiled program: the address table and the data it
/// points to beyond the profiles themselves.
///
/// INVARIANT: every address in `table` points into `profiles`, into a `Vec` owned
/// here, whose heap buffer never moves or changes while `self` lives, or into a static.
pub(crate) struct Bound<'p> {
    pub(crate) profiles: &'p Profiles,
    /// One address per [`Plan::slots`] entry; per-morsel entries are 0.
    pub(crate) table: Vec<usize>,
    /// Every code's text (boxed: compiled code holds its address).
    texts: Box<Texts<'p>>,
    _codes: Vec<i64>,
    /// Each [`Plan::set_members`] entry's field and the codes of its strings.
    members: Vec<BoundMembers>,
    _ranks: Vec<u32>,
    _bits: Vec<Vec<u64>>,
    /// The offsets compiled code and the runner index without bounds checks, checked
    /// a morsel at a time ([`Bound::offsets_ascend`]).
    offsets: Vec<Offsets>,
}

/// Offsets whose order the bind step leaves to each morsel: that they ascend, and so
/// stay within what they index, is a pass over every one of them, which on each bind
/// took as long as a tenth of an evaluation; a morsel's, checked just before its
/// code reads them, are already in cache.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Offsets {
    /// An event table's, by profile.
    Table(u32),
    /// A `set<string>` field's, by profile.
    FieldSet(u32),
    /// A `set<string>` property's, by event (event table, property).
    PropSet(u32, u32),
}

impl<'p> Bound<'p> {
    /// A set value as the interpreter shows it: its strings sorted, without duplicates.
    pub(crate) fn set_value(&self, x: u64) -> crate::value::Value {
        let mut items: Vec<Arc<str>> = self
            .texts
            .set(x)
            .unwrap_or(&[])
            .iter()
            .map(|&c| self.string(u64::from(c)))
            .collect();
        items.sort();
        items.dedup();
        crate::value::Value::StrSet(items.into())
    }

    /// Fills `out` (a word per row) with the `Slot::SetMembers` words of
    /// [`Plan::set_members`] entry `k` for `rows`: bit `j` of row `r - start` says
    /// whether row `r`'s set holds string `j`. Without a branch per row or element,
    /// which would mispredict on the sets' sizes: a running XOR of the elements' bits
    /// over the rows' elements (`running`, scratch), then each row's bits as the XOR
    /// at its end and at its start, since a set holds each string at most once.
    #[inline(never)]
    pub(crate) fn set_members(
        &self,
        k: usize,
        rows: std::ops::Range<usize>,
        running: &mut Vec<u64>,
        out: &mut [u64],
    ) {
        let field = self.members.get(k);
        let column = field.and_then(|m| self.profiles.columns.get(m.field as usize));
        let set = column.and_then(|c| match &c.values {
            ColumnValues::StrSet { offsets, codes } => {
                Some((offsets.get(rows.start..=rows.end)?, codes, c.valid.words()))
            }
            _ => None,
        });
        // Not reached for bound profiles: their columns have the schema's types.
        let (Some(members), Some((offsets, codes, valid))) = (field, set) else {
            out.fill(0);
            return;
        };
        let strings = &members.codes[..];
        let present = |r: usize| {
            let bit = valid.get(r / 64).map_or(0, |v| v >> (r % 64) & 1);
            bit.wrapping_neg()
        };
        let first = offsets.first().map_or(0, |&o| o as usize);
        let last = offsets.last().map_or(0, |&o| o as usize);
        let elements = codes.get(first..last).unwrap_or(&[]);
        if let ([word, ..], 1) = (&mut *out, rows.len()) {
            // One profile (a row evaluator's morsel): its elements' bits at once.
            let bits = elements.iter().fold(0, |bits, &code| {
                bits | element_bits(i64::from(code), strings)
            });
            *word = bits & present(rows.start);
            return;
        }
        running.clear();
        running.resize(elements.len() + 1, 0);
        let after = running.get_mut(1..).unwrap_or(&mut []);
        match strings.len() {
            1 => running_bits::<1>(elements, strings, after),
            2 => running_bits::<2>(elements, strings, after),
            3 | 4 => running_bits::<4>(elements, strings, after),
            5..=8 => running_bits::<8>(elements, strings, after),
            _ => running_bits_any(elements, strings, after),
        }
        let at = |o: u32| {
            running
                .get((o as usize).wrapping_sub(first))
                .copied()
                .unwrap_or(0)
        };
        for (r, (w, word)) in rows.zip(offsets.windows(2).zip(out.iter_mut())) {
            *word = (at(w[1]) ^ at(w[0])) & present(r);
        }
    }

    /// Whether every offset compiled code reads for rows `rows` ascends and stays
    /// within what it indexes: the events of the rows' event tables, the elements of
    /// their sets. Where it does not, the morsel is not run (the interpreter evaluates
    /// it), so malformed offsets found mid-evaluation never reach compiled code.
    pub(crate) fn offsets_ascend(&self, rows: std::ops::Range<usize>) -> bool {
        let profiles = self.profiles;
        let (first, last) = (rows.start, rows.end);
        self.offsets.iter().all(|&o| match o {
            Offsets::Table(e) => profiles
                .events
                .get(e as usize)
                .is_some_and(|t| ascend_within(&t.offsets, first, last, t.at.len())),
            Offsets::FieldSet(f) => profiles
                .columns
                .get(f as usize)
                .is_some_and(|c| set_ascends_within(c, first, last)),
            Offsets::PropSet(e, p) => profiles.events.get(e as usize).is_some_and(|t| {
                // The rows' events: their table's offsets were checked first.
                let event = |r: usize| t.offsets.get(r).map_or(0, |&o| o as usize);
                t.props
                    .get(p as usize)
                    .is_some_and(|c| set_ascends_within(c, event(first), event(last)))
            }),
        })
    }

    /// The text of a code (dictionary or constant).
    pub(crate) fn string(&self, code: u64) -> Arc<str> {
        Arc::from(self.texts.get(code).unwrap_or(""))
    }
}

/// A [`SetMembers`] entry resolved: its field, and its strings' codes in bit order.
struct BoundMembers {
    field: u32,
    codes: Vec<i64>,
}

/// The strings of the codes (the dictionary's, then constants the dictionary lacks),
/// and the set columns compiled code names by [`SetSource`] index.
pub(crate) struct Texts<'p> {
    dict: &'p Dictionary,
    extra: Vec<Arc<str>>,
    profiles: &'p Profiles,
    sets: Vec<SetSource>,
}

impl Texts<'_> {
    /// The codes of a set value `(source << SET_ROW_BITS) | row`.
    pub(crate) fn set(&self, x: u64) -> Option<&[u32]> {
        let source = self.sets.get(usize::try_from(x >> SET_ROW_BITS).ok()?)?;
        let row = usize::try_from(x & ((1 << SET_ROW_BITS) - 1)).ok()?;
        let column = match *source {
            SetSource::Field(f) => self.profiles.columns.get(f as usize)?,
            SetSource::Prop(e, p) => self
                .profiles
                .events
                .get(e as usize)?
                .props
                .get(p as usize)?,
        };
        let ColumnValues::StrSet { offsets, codes } = &column.values else {
            return None;
        };
        let lo = *offsets.get(row)? as usize;
        let hi = *offsets.get(row + 1)? as usize;
        codes.get(lo..hi)
    }

    pub(crate) fn get(&self, code: u64) -> Option<&str> {
        let code = usize::try_from(code).ok()?;
        if code < self.dict.len() {
            Some(self.dict.get(code as u32))
        } else {
            self.extra.get(code - self.dict.len()).map(|s| &**s)
        }
    }
}

/// Writes `running[k]`, the XOR of elements `..=k`'s bits over `strings` (bit `j`: the
/// element is string `j`), for up to `N` strings: the compiler unrolls the tests
/// against a fixed number of strings, padded with a code no element has.
#[inline(never)]
fn running_bits<const N: usize>(elements: &[u32], strings: &[i64], running: &mut [u64]) {
    let mut padded = [-1i64; N];
    for (p, &s) in padded.iter_mut().zip(strings) {
        *p = s;
    }
    xor_scan(elements, &padded, running);
}

/// [`running_bits`] for any number of strings, tested in a loop.
#[inline(never)]
fn running_bits_any(elements: &[u32], strings: &[i64], running: &mut [u64]) {
    xor_scan(elements, strings, running);
}

#[inline(always)]
fn xor_scan(elements: &[u32], strings: &[i64], running: &mut [u64]) {
    let mut acc = 0u64;
    for (r, &code) in running.iter_mut().zip(elements) {
        acc ^= element_bits(i64::from(code), strings);
        *r = acc;
    }
}

#[inline(always)]
fn element_bits(code: i64, strings: &[i64]) -> u64 {
    strings
        .iter()
        .enumerate()
        .fold(0u64, |bits, (j, &s)| bits | (u64::from(code == s) << j))
}

/// Addresses of the helpers compiled code calls.
pub(crate) struct Helpers {
    pub(crate) fmod: usize,
    pub(crate) contains: usize,
    pub(crate) set_contains: usize,
}

/// Event 0 of an empty event table: `at`, a validity word and a value, all zero.
static EVENT_ZERO: [u64; 1] = [0];

pub(crate) fn bind<'p>(
    program: &Program,
    plan: &Plan,
    profiles: &'p Profiles,
    helpers: &Helpers,
) -> Result<Bound<'p>, JitError> {
    check_shape(&program.schema, profiles).map_err(JitError::Malformed)?;
    let dict = &profiles.dict;
    let n_dict = dict.len();

    // Constants the dictionary lacks get codes past it.
    let mut extra: Vec<Arc<str>> = Vec::new();
    let codes: Vec<i64> = plan
        .strings
        .iter()
        .map(|s| match dict.code(s) {
            Some(c) => i64::from(c),
            None => {
                let i = extra.iter().position(|x| x == s).unwrap_or_else(|| {
                    extra.push(s.clone());
                    extra.len() - 1
                });
                (n_dict + i) as i64
            }
        })
        .collect();
    let text = |code: usize| -> &str {
        if code < n_dict {
            dict.get(code as u32)
        } else {
            &extra[code - n_dict]
        }
    };
    let n_codes = n_dict + extra.len();

    // Ranks: equal strings share a code, so sorting the codes by text gives ranks.
    // Sorting a large dictionary dominates binding: only when the code compares order.
    let mut ranks = vec![0u32; n_codes.max(1)];
    if plan.slots.contains(&Slot::Ranks) {
        let mut by_text: Vec<usize> = (0..n_codes).collect();
        by_text.sort_by(|&a, &b| text(a).as_bytes().cmp(text(b).as_bytes()));
        for (rank, &code) in by_text.iter().enumerate() {
            ranks[code] = rank as u32;
        }
    }
    // The code of a constant string (every constant has one: dictionary or extra).
    let code_of = |s: &str| -> Option<usize> {
        match dict.code(s) {
            Some(c) => Some(c as usize),
            None => extra.iter().position(|x| &**x == s).map(|i| n_dict + i),
        }
    };

    let bits: Vec<Vec<u64>> = plan
        .bitsets
        .iter()
        .map(|req| match req {
            BitsetReq::Strings(items) => {
                // By lookup, not a scan of the dictionary: equal strings share a code.
                let mut words = empty_bitset(n_codes);
                for c in items.iter().filter_map(|s| code_of(s)) {
                    words[c / 64] |= 1 << (c % 64);
                }
                words
            }
            BitsetReq::Regex(r) => {
                let re = program.regexes.get(r.0 as usize);
                bitset(n_codes, |c| re.is_some_and(|re| re.is_match(text(c))))
            }
            BitsetReq::Contains(part) => bitset(n_codes, |c| text(c).contains(&**part)),
            BitsetReq::EnumRegex(e, r) => {
                let re = program.regexes.get(r.0 as usize);
                let variants = program
                    .schema
                    .enums
                    .get(e.0 as usize)
                    .map_or(&[][..], |d| &d.variants[..]);
                bitset(variants.len(), |v| {
                    re.is_some_and(|re| re.is_match(&variants[v]))
                })
            }
        })
        .collect();

    let members = plan
        .set_members
        .iter()
        .map(|m: &SetMembers| BoundMembers {
            field: m.field,
            codes: m
                .strings
                .iter()
                .map(|&s| codes.get(s as usize).copied().unwrap_or(-1))
                .collect(),
        })
        .collect();

    let mut table = vec![0usize; plan.slots.len()];
    for (i, slot) in plan.slots.iter().enumerate() {
        table[i] = match *slot {
            Slot::FieldValid(f) => words(&profiles.columns[f as usize].valid),
            Slot::FieldValues(f) => values_addr(&profiles.columns[f as usize]),
            Slot::SetOffsets(f) => match &profiles.columns[f as usize].values {
                ColumnValues::StrSet { offsets, .. } => offsets.as_ptr() as usize,
                _ => 0,
            },
            Slot::EventOffsets(e) => profiles.events[e as usize].offsets.as_ptr() as usize,
            // An empty table's columns point at zeros, so that reading event 0 (which
            // compiled code does, and ignores, past a row's events) is a valid read.
            Slot::EventAt(e) | Slot::PropValid(e, _) | Slot::PropValues(e, _)
                if profiles.events[e as usize].at.is_empty() =>
            {
                EVENT_ZERO.as_ptr() as usize
            }
            Slot::EventAt(e) => profiles.events[e as usize].at.as_ptr() as usize,
            Slot::PropValid(e, p) => words(&profiles.events[e as usize].props[p as usize].valid),
            Slot::PropValues(e, p) => values_addr(&profiles.events[e as usize].props[p as usize]),
            Slot::StrCodes => codes.as_ptr() as usize,
            Slot::CodeCount => n_codes,
            Slot::Ranks => ranks.as_ptr() as usize,
            Slot::Bits(k) => bits[k as usize].as_ptr() as usize,
            Slot::Fmod => helpers.fmod,
            Slot::ContainsFn => helpers.contains,
            Slot::SetContainsFn => helpers.set_contains,
            Slot::Texts => 0,
            _ => 0,
        };
    }
    let texts = Box::new(Texts {
        dict: &profiles.dict,
        extra,
        profiles,
        sets: plan.set_sources.clone(),
    });
    for (i, slot) in plan.slots.iter().enumerate() {
        if *slot == Slot::Texts {
            table[i] = &*texts as *const Texts<'_> as usize;
        }
    }
    let offsets = checked_offsets(program, plan);
    Ok(Bound {
        profiles,
        table,
        texts,
        members,
        _codes: codes,
        _ranks: ranks,
        _bits: bits,
        offsets,
    })
}

/// The offsets of the tables and sets `plan` reads, each once, every table before its
/// properties.
fn checked_offsets(program: &Program, plan: &Plan) -> Vec<Offsets> {
    let schema = &program.schema;
    let is_set = |ty: Option<Type>| ty == Some(Type::StrSet);
    let field_set = |f: u32| is_set(schema.fields.get(f as usize).map(|x| x.ty));
    let prop_set = |e: u32, p: u32| {
        let prop = schema
            .events
            .get(e as usize)
            .and_then(|x| x.props.get(p as usize));
        is_set(prop.map(|x| x.ty))
    };
    let mut found = Vec::new();
    let mut add = |o: Offsets| {
        if !found.contains(&o) {
            found.push(o);
        }
    };
    for slot in &plan.slots {
        match *slot {
            Slot::EventOffsets(e)
            | Slot::EventAt(e)
            | Slot::PropValid(e, _)
            | Slot::EventStarts(e)
            | Slot::RecentRows(e, _)
            | Slot::Latest(e) => add(Offsets::Table(e)),
            Slot::PropValues(e, p) => {
                add(Offsets::Table(e));
                if prop_set(e, p) {
                    add(Offsets::PropSet(e, p));
                }
            }
            Slot::SetOffsets(f) => add(Offsets::FieldSet(f)),
            Slot::FieldValues(f) if field_set(f) => add(Offsets::FieldSet(f)),
            Slot::SetMembers(k) => {
                if let Some(m) = plan.set_members.get(k as usize) {
                    add(Offsets::FieldSet(m.field));
                }
            }
            _ => {}
        }
    }
    // Tables first: a property's check reads its table's offsets.
    found.sort_by_key(|o| !matches!(o, Offsets::Table(_)));
    found
}

/// Fills `out` with the `Slot::EventStarts` buffer of event table `event` for rows
/// `start..end` (at most a morsel: the counts fit a `u16`): entry `k` counts the rows
/// `start + 1..end` whose events start at
/// `offsets[start] + k`, so that the running sum over a walk of the morsel's events is
/// each event's row minus `start`, with no branch per row. One entry past the events
/// (rows after the last event start there), and at least one.
pub(crate) fn row_starts(
    profiles: &Profiles,
    event: u32,
    start: usize,
    end: usize,
    out: &mut Vec<u16>,
) {
    let offsets = profiles
        .events
        .get(event as usize)
        .and_then(|t| t.offsets.get(start..=end))
        .unwrap_or(&[]);
    let lo = offsets.first().map_or(0, |&o| o as usize);
    let hi = offsets.last().map_or(0, |&o| o as usize);
    out.clear();
    out.resize(hi.saturating_sub(lo) + 1, 0);
    for &o in offsets.iter().skip(1).take(end.saturating_sub(start + 1)) {
        if let Some(n) = out.get_mut((o as usize).saturating_sub(lo)) {
            *n += 1;
        }
    }
}

/// At least one word, so an empty bitset still has an address.
fn empty_bitset(len: usize) -> Vec<u64> {
    vec![0u64; len.div_ceil(64).max(1)]
}

fn bitset(len: usize, mut member: impl FnMut(usize) -> bool) -> Vec<u64> {
    let mut words = empty_bitset(len);
    for i in 0..len {
        if member(i) {
            words[i / 64] |= 1 << (i % 64);
        }
    }
    words
}

fn words(bitmap: &Bitmap) -> usize {
    bitmap.words().as_ptr() as usize
}

fn values_addr(column: &Column) -> usize {
    match &column.values {
        ColumnValues::Bool(b) => words(b),
        ColumnValues::Int(v) | ColumnValues::Time(v) | ColumnValues::Duration(v) => {
            v.as_ptr() as usize
        }
        ColumnValues::Float(v) => v.as_ptr() as usize,
        ColumnValues::Str(v) | ColumnValues::Enum(v) => v.as_ptr() as usize,
        ColumnValues::StrSet { codes, .. } => codes.as_ptr() as usize,
    }
}

/// Every column as long as its table and of its declared type, every table's and set's
/// last offset in range: with offsets that ascend, which each morsel checks of its
/// own ([`Bound::offsets_ascend`]), what lets compiled code skip bounds checks. String
/// codes are not checked (a pass over every string column, on every call): compiled
/// code tests a code against the number of codes before it indexes a bitset or the
/// ranks with it (`Gen::known_code`), and looks up texts with bounds checks.
fn check_shape(schema: &Schema, profiles: &Profiles) -> Result<(), String> {
    let n = profiles.len();
    if profiles.columns.len() != schema.fields.len() {
        return Err("the profiles do not have one column per field".into());
    }
    for (field, column) in schema.fields.iter().zip(&profiles.columns) {
        check_column(column, field.ty, n).map_err(|e| format!("field `{}`: {e}", field.name))?;
    }
    if profiles.events.len() != schema.events.len() {
        return Err("the profiles do not have one table per event type".into());
    }
    for (event, table) in schema.events.iter().zip(&profiles.events) {
        let rows = table.at.len();
        let offsets_ok = table.offsets.len() == n + 1
            && table.offsets.last().is_some_and(|&o| o as usize <= rows);
        let shape_ok = table.last_at.len() == n && table.props.len() == event.props.len();
        if !offsets_ok || !shape_ok {
            return Err(format!("event `{}`: malformed table", event.name));
        }
        for (prop, column) in event.props.iter().zip(&table.props) {
            check_column(column, prop.ty, rows)
                .map_err(|e| format!("event `{}`, property `{}`: {e}", event.name, prop.name))?;
        }
    }
    Ok(())
}

/// Whether `offsets[first..=last]` never decrease and end at most at `len`.
fn ascend_within(offsets: &[u32], first: usize, last: usize, len: usize) -> bool {
    offsets
        .get(first..=last)
        .is_some_and(|span| ascending(span) && span.last().is_some_and(|&o| o as usize <= len))
}

/// [`ascend_within`] for a `set<string>` column's offsets and elements.
fn set_ascends_within(column: &Column, first: usize, last: usize) -> bool {
    match &column.values {
        ColumnValues::StrSet { offsets, codes } => ascend_within(offsets, first, last, codes.len()),
        _ => false,
    }
}

/// Whether `offsets` never decrease: without an early exit, so it vectorises (it runs
/// over a morsel's offsets of every table it reads), sixteen offsets a compare where
/// the processor has AVX-512.
fn ascending(offsets: &[u32]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has AVX-512 F, the one feature the function enables.
        return unsafe { ascending_avx512(offsets) };
    }
    ascending_generic(offsets)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn ascending_avx512(offsets: &[u32]) -> bool {
    ascending_generic(offsets)
}

#[inline(always)]
fn ascending_generic(offsets: &[u32]) -> bool {
    let next = offsets.get(1..).unwrap_or(&[]);
    offsets
        .iter()
        .zip(next)
        .fold(true, |ok, (a, b)| ok & (a <= b))
}

fn check_column(column: &Column, ty: Type, rows: usize) -> Result<(), String> {
    if column.valid.len() < rows {
        return Err("short validity".into());
    }
    let ok = match (&column.values, ty) {
        (ColumnValues::Bool(b), Type::Bool) => b.len() >= rows,
        (ColumnValues::Int(v), Type::Int)
        | (ColumnValues::Time(v), Type::Time)
        | (ColumnValues::Duration(v), Type::Duration) => v.len() >= rows,
        (ColumnValues::Float(v), Type::Float) => v.len() >= rows,
        (ColumnValues::Enum(v), Type::Enum(_)) => v.len() >= rows,
        (ColumnValues::Str(v), Type::Str) => v.len() >= rows,
        (ColumnValues::StrSet { offsets, codes }, Type::StrSet) => {
            offsets.len() > rows && offsets[rows] as usize <= codes.len()
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("short or mistyped column for {ty:?} ({rows} rows)"))
    }
}

#[cfg(test)]
mod tests {
    use super::ascending;

    /// A single descent anywhere, in runs shorter and longer than a vector's lanes and
    /// off their multiples, is found; equal neighbours are ascending.
    #[test]
    fn ascending_finds_a_descent_anywhere() {
        for len in [0usize, 1, 2, 15, 16, 17, 31, 33, 64, 100, 4097] {
            let mut offsets: Vec<u32> = (0..len as u32).map(|i| 5 + i / 3).collect();
            assert!(ascending(&offsets), "{len} offsets");
            for i in 1..len {
                let kept = offsets[i];
                offsets[i] = offsets[i - 1] - 1;
                assert!(!ascending(&offsets), "{len} offsets, descent at {i}");
                offsets[i] = kept;
            }
        }
    }
}
