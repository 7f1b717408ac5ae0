//! Counting results without building a key per profile: membership by sums (bitset
//! popcounts, for the JIT), values by their raw bits or string code. Keys are made once
//! per distinct value, when a [`Tally`] becomes [`Counts`].
//!
//! A value's raw bits (`bits_of`) are its payload as a `u64`: `i64` for int, time and
//! duration, `f64` bits for float, the variant index for an enum, and the string code
//! for a string in compiled code. The tag's type says how to read them back.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::ir::Program;
use crate::output::{Counts, TagCount};
use crate::schema::{EnumId, Type};
use crate::value::Value;

use super::ProfileValues;

/// Raw values below this are counted in a dense array (enum variants, small ints,
/// string codes of a small dictionary); so are the values within this distance of the
/// first larger value seen (string constants' codes, past the dictionary, are
/// consecutive); the rest in a hash map.
const DENSE: u64 = 1024;

/// Independent sets of counters in [`ValueTally::add_column`].
#[cfg_attr(not(feature = "jit"), allow(dead_code))]
const LANES: usize = 4;

/// Values counted in each set of [`ValueTally::add_column`].
#[cfg_attr(not(feature = "jit"), allow(dead_code))]
const LANE_WIDTH: usize = 16;

/// Present values of a column whose least starts the lanes of
/// [`ValueTally::add_column`]: a valued tag's few values all show in the first rows.
#[cfg_attr(not(feature = "jit"), allow(dead_code))]
const BASE_SAMPLE: usize = 256;

/// Partial counts of one morsel or more, merged across threads, made into [`Counts`]
/// at the end.
#[derive(Clone, Debug)]
pub(crate) struct Tally {
    pub(crate) profiles: u64,
    pub(crate) tags: Vec<TagTally>,
    pub(crate) segments: Vec<u64>,
}

#[derive(Clone, Debug)]
pub(crate) enum TagTally {
    Members(u64),
    Values(ValueTally),
}

/// The values of one valued tag.
#[derive(Clone, Debug, Default)]
pub(crate) struct ValueTally {
    dense: Vec<u64>,
    /// Counts of values `near_base..near_base + DENSE` (empty until a value at or
    /// above `DENSE` is seen).
    near: Vec<u64>,
    near_base: u64,
    sparse: HashMap<u64, u64, BuildHasherDefault<MixHasher>>,
    /// Strings by text (the interpreter's values).
    texts: HashMap<Arc<str>, u64>,
    /// Values counted by their key (sets, and values not of the tag's type).
    keys: BTreeMap<String, u64>,
}

impl ValueTally {
    /// Counts raw bits `x` once.
    #[inline]
    pub(crate) fn add_bits(&mut self, x: u64) {
        self.add_bits_n(x, 1);
    }

    /// Counts raw bits `x` `n` times.
    #[inline]
    fn add_bits_n(&mut self, x: u64, n: u64) {
        if x < DENSE {
            let i = x as usize;
            if i >= self.dense.len() {
                self.dense.resize(i + 1, 0);
            }
            self.dense[i] += n;
        } else {
            self.add_large(x, n);
        }
    }

    /// Counts the raw bits `values[i]` of every `i` whose `present[i]` is 1.
    ///
    /// A valued tag has few distinct values, so successive rows mostly add to the same
    /// counter, and each increment would wait for the one before it. The values within
    /// [`LANE_WIDTH`] of the least of the first [`BASE_SAMPLE`] present ones are
    /// counted in [`LANES`] sets of counters, row `i` in set `i % LANES`, which do not
    /// wait on each other; the rest one by one. (Lanes aligned to a multiple of
    /// [`LANE_WIDTH`] split a tag's few consecutive string codes when they straddle
    /// one, and the branch to the rest mispredicted for about half the rows.)
    // Only the JIT counts a column at a time: without it, this and its constants
    // are unused.
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) fn add_column(&mut self, values: &[u64], present: &[u8]) {
        let base = Self::lanes_base(values, present);
        let mut lanes = [[0u64; LANE_WIDTH]; LANES];
        let n = values.len().min(present.len());
        let (values, present) = (&values[..n], &present[..n]);
        if all_ones(present) {
            // Every cell present (a `case` with an `else`): no test per row, and each
            // of an unrolled step's rows has its own lane.
            let (steps, rest) = values.as_chunks::<LANES>();
            for step in steps {
                // A fixed count: unrolled, each row's lane a constant offset.
                for k in 0..LANES {
                    match lanes[k].get_mut(step[k].wrapping_sub(base) as usize) {
                        Some(count) => *count += 1,
                        None => self.add_outside(step[k]),
                    }
                }
            }
            rest.iter().for_each(|&x| self.add_bits(x));
        } else {
            for (i, (&x, &ok)) in values.iter().zip(present).enumerate() {
                if ok != 1 {
                    continue;
                }
                match lanes[i % LANES].get_mut(x.wrapping_sub(base) as usize) {
                    Some(count) => *count += 1,
                    None => self.add_outside(x),
                }
            }
        }
        let sums: [u64; LANE_WIDTH] =
            std::array::from_fn(|k| lanes.iter().map(|lane| lane[k]).sum());
        self.add_near(base, &sums);
    }

    /// The count of each raw value, however it is kept.
    #[cfg(test)]
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) fn by_value(&self) -> BTreeMap<u64, u64> {
        let dense = self.dense.iter().enumerate().map(|(x, &n)| (x as u64, n));
        let near = Self::large(self.near.clone(), self.near_base);
        let sparse = self.sparse.iter().map(|(&x, &n)| (x, n));
        let mut out = BTreeMap::new();
        for (x, n) in dense.chain(near).chain(sparse).filter(|&(_, n)| n > 0) {
            *out.entry(x).or_insert(0) += n;
        }
        out
    }

    /// Where [`Self::add_column`]'s lanes start: the least of the first
    /// [`BASE_SAMPLE`] present values (with no present cell nothing is counted,
    /// whatever the base).
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) fn lanes_base(values: &[u64], present: &[u8]) -> u64 {
        values
            .iter()
            .zip(present)
            .filter(|(_, ok)| **ok == 1)
            .take(BASE_SAMPLE)
            .fold(u64::MAX, |least, (&x, _)| least.min(x))
    }

    /// Counts `base + k` `counts[k]` times, for every `k`.
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) fn add_near(&mut self, base: u64, counts: &[u64]) {
        for (k, &n) in counts.iter().enumerate() {
            if n > 0 {
                self.add_bits_n(base.wrapping_add(k as u64), n);
            }
        }
    }

    /// [`Self::add_bits`] for a value outside [`Self::add_column`]'s lanes: out of
    /// line, so that the lanes' loop stays small enough to unroll.
    #[cold]
    #[inline(never)]
    #[cfg_attr(not(feature = "jit"), allow(dead_code))]
    pub(crate) fn add_outside(&mut self, x: u64) {
        self.add_bits(x);
    }

    fn add_large(&mut self, x: u64, n: u64) {
        if self.near.is_empty() {
            self.near = vec![0; DENSE as usize];
            self.near_base = x.saturating_sub(DENSE / 2).max(DENSE);
        }
        match self.near.get_mut(x.wrapping_sub(self.near_base) as usize) {
            Some(count) => *count += n,
            None => *self.sparse.entry(x).or_insert(0) += n,
        }
    }

    /// The counts of the values at or above `DENSE`.
    fn large(near: Vec<u64>, base: u64) -> impl Iterator<Item = (u64, u64)> {
        near.into_iter()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .map(move |(i, n)| (base + i as u64, n))
    }

    pub(crate) fn add_key(&mut self, key: String) {
        *self.keys.entry(key).or_insert(0) += 1;
    }

    fn merge(&mut self, other: ValueTally) {
        if self.dense.len() < other.dense.len() {
            self.dense.resize(other.dense.len(), 0);
        }
        for (a, b) in self.dense.iter_mut().zip(other.dense) {
            *a += b;
        }
        let near = Self::large(other.near, other.near_base);
        for (k, n) in near.chain(other.sparse) {
            self.add_large(k, n);
        }
        for (k, n) in other.texts {
            *self.texts.entry(k).or_insert(0) += n;
        }
        for (k, n) in other.keys {
            *self.keys.entry(k).or_insert(0) += n;
        }
    }

    /// Every value's key with its count (equal keys summed).
    fn into_keys(
        self,
        program: &Program,
        ty: Type,
        string: &impl Fn(u64) -> Arc<str>,
    ) -> BTreeMap<String, u64> {
        let schema = &program.schema;
        let mut keys = self.keys;
        let mut add = |key: String, n: u64| *keys.entry(key).or_insert(0) += n;
        let dense = self
            .dense
            .into_iter()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .map(|(x, n)| (x as u64, n));
        let near = Self::large(self.near, self.near_base);
        for (x, n) in dense.chain(near).chain(self.sparse) {
            let value = match ty {
                Type::Str => Value::Str(string(x)),
                _ => value_of(ty, x),
            };
            add(value.to_key(schema), n);
        }
        for (text, n) in self.texts {
            add(text.to_string(), n);
        }
        keys
    }
}

impl Tally {
    pub(crate) fn new(program: &Program) -> Tally {
        Tally {
            profiles: 0,
            tags: program
                .tags
                .iter()
                .map(|t| match t.ty {
                    Type::Bool => TagTally::Members(0),
                    _ => TagTally::Values(ValueTally::default()),
                })
                .collect(),
            segments: vec![0; program.segments.len()],
        }
    }

    /// Counts one profile's values (the interpreter's way in).
    pub(crate) fn add(&mut self, program: &Program, values: &ProfileValues) {
        self.profiles += 1;
        for ((tally, value), rule) in self.tags.iter_mut().zip(&values.tags).zip(&program.tags) {
            match tally {
                TagTally::Members(n) => *n += u64::from(value.truthy()),
                TagTally::Values(v) => match value {
                    Value::Missing => {}
                    Value::Str(s) if rule.ty == Type::Str => match v.texts.get_mut(s) {
                        Some(n) => *n += 1,
                        None => {
                            v.texts.insert(s.clone(), 1);
                        }
                    },
                    _ => match bits_of(value) {
                        Some(x) if value.type_of() == Some(rule.ty) => v.add_bits(x),
                        _ => v.add_key(value.to_key(&program.schema)),
                    },
                },
            }
        }
        for (n, member) in self.segments.iter_mut().zip(&values.segments) {
            *n += u64::from(*member);
        }
    }

    pub(crate) fn merge(&mut self, other: Tally) {
        self.profiles += other.profiles;
        for (mine, theirs) in self.tags.iter_mut().zip(other.tags) {
            match (mine, theirs) {
                (TagTally::Members(a), TagTally::Members(b)) => *a += b,
                (TagTally::Values(a), TagTally::Values(b)) => a.merge(b),
                _ => {}
            }
        }
        for (a, b) in self.segments.iter_mut().zip(other.segments) {
            *a += b;
        }
    }

    /// The counts, with a key per distinct value; `string` gives the text of a string
    /// code counted by [`ValueTally::add_bits`].
    pub(crate) fn into_counts(self, program: &Program, string: impl Fn(u64) -> Arc<str>) -> Counts {
        let tags = self
            .tags
            .into_iter()
            .zip(&program.tags)
            .map(|(tally, rule)| match tally {
                TagTally::Members(n) => TagCount::Members(n),
                TagTally::Values(v) => TagCount::Values(v.into_keys(program, rule.ty, &string)),
            })
            .collect();
        Counts {
            profiles: self.profiles,
            tags,
            segments: self.segments,
        }
    }
}

/// Whether every byte is 1, tested a block at a time without an early exit (which
/// would keep the compiler from vectorizing the test).
pub(crate) fn all_ones(bytes: &[u8]) -> bool {
    let (blocks, rest) = bytes.as_chunks::<64>();
    let block_ok = |block: &[u8; 64]| block.iter().fold(0u8, |bad, &b| bad | (b ^ 1)) == 0;
    blocks.iter().all(block_ok) && rest.iter().all(|&b| b == 1)
}

/// The raw bits of a value that has them (not strings, sets or missing).
fn bits_of(value: &Value) -> Option<u64> {
    Some(match *value {
        Value::Bool(b) => u64::from(b),
        Value::Int(x) | Value::Time(x) | Value::Duration(x) => x as u64,
        Value::Float(x) => x.to_bits(),
        Value::Enum(_, v) => u64::from(v),
        Value::Missing | Value::Str(_) | Value::StrSet(_) => return None,
    })
}

/// The value of type `ty` with raw bits `x` (strings and sets have no bits: missing).
pub(crate) fn value_of(ty: Type, x: u64) -> Value {
    match ty {
        Type::Bool => Value::Bool(x & 1 == 1),
        Type::Int => Value::Int(x as i64),
        Type::Float => Value::Float(f64::from_bits(x)),
        Type::Time => Value::Time(x as i64),
        Type::Duration => Value::Duration(x as i64),
        Type::Enum(e) => Value::Enum(EnumId(e.0), x as u32),
        Type::Str | Type::StrSet => Value::Missing,
    }
}

/// A multiplicative hash for `u64` keys: raw values are not adversarial, and SipHash
/// per profile would cost more than evaluating some tags.
#[derive(Default)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        let h = (self.0 ^ x ^ (x >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every raw value with its count, however it is stored.
    fn by_value(t: ValueTally) -> BTreeMap<u64, u64> {
        let dense = t.dense.into_iter().enumerate().map(|(x, n)| (x as u64, n));
        let near = ValueTally::large(t.near, t.near_base);
        let mut out = BTreeMap::new();
        for (x, n) in dense.chain(near).chain(t.sparse) {
            if n > 0 {
                *out.entry(x).or_insert(0) += n;
            }
        }
        out
    }

    #[test]
    fn values_count_the_same_dense_near_or_sparse_and_merged() {
        // Small values, consecutive large ones (string constants' codes), far ones.
        let values: Vec<u64> = (0..5000u64)
            .map(|i| match i % 4 {
                0 => i % 7,
                1 => 2_000_000 + i % 5,
                2 => 2_000_000 - 600 + i % 3,
                _ => u64::MAX - i % 11,
            })
            .collect();
        let mut expected = BTreeMap::new();
        for &x in &values {
            *expected.entry(x).or_insert(0) += 1;
        }
        let mut whole = ValueTally::default();
        values.iter().for_each(|&x| whole.add_bits(x));
        assert_eq!(by_value(whole), expected);
        // Halves in opposite orders: their near windows start at different values.
        let (a, b) = values.split_at(values.len() / 2);
        let mut first = ValueTally::default();
        a.iter().for_each(|&x| first.add_bits(x));
        let mut second = ValueTally::default();
        b.iter().rev().for_each(|&x| second.add_bits(x));
        first.merge(second);
        assert_eq!(by_value(first), expected);
    }

    #[test]
    fn all_ones_finds_a_missing_cell_anywhere() {
        for len in [0usize, 1, 63, 64, 65, 200] {
            let mut bytes = vec![1u8; len];
            assert!(all_ones(&bytes), "{len} ones");
            for i in 0..len {
                bytes[i] = 0;
                assert!(!all_ones(&bytes), "{len} bytes, 0 at {i}");
                bytes[i] = 2;
                assert!(!all_ones(&bytes), "{len} bytes, 2 at {i}");
                bytes[i] = 1;
            }
        }
    }

    #[test]
    fn a_column_counts_what_its_present_cells_count_one_by_one() {
        // Runs of equal values, values past the lanes' window on either side, large
        // codes, the largest raw value (whose distance from the window wraps), and
        // missing cells with values that must not count.
        let columns: Vec<Vec<u64>> = vec![
            (0..4096u64).map(|i| 1 + (i / 7) % 5).collect(),
            (0..4099u64).map(|i| (i * 13) % 40).collect(),
            (0..1000u64).map(|i| 2_000_000 + i % 4).collect(),
            (0..1000u64).map(|i| 1038 + (i * 7) % 4).collect(),
            (0..1000u64)
                .map(|i| [17, 15, 31, 32, u64::MAX, 0][i as usize % 6])
                .collect(),
            vec![u64::MAX; 9],
            vec![],
        ];
        for (c, values) in columns.iter().enumerate() {
            // 0: none missing; `usize::MAX`: all missing.
            for missing_every in [0usize, 1, 3, usize::MAX] {
                let present: Vec<u8> = (0..values.len())
                    .map(|i| match missing_every {
                        0 => 1,
                        usize::MAX => 0,
                        m => u8::from(i % (m + 1) != 0),
                    })
                    .collect();
                let mut one_by_one = ValueTally::default();
                for (&x, _) in values.iter().zip(&present).filter(|(_, ok)| **ok == 1) {
                    one_by_one.add_bits(x);
                }
                let mut column = ValueTally::default();
                column.add_column(values, &present);
                assert_eq!(
                    by_value(column),
                    by_value(one_by_one),
                    "column {c}, missing every {missing_every}"
                );
            }
        }
    }
}
