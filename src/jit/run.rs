//! Running compiled code: morsel buffers, samples, and turning outputs back into
//! [`ProfileValues`]; batches run through the morsel driver in `crate::eval::batch`.

use std::ops::Range;

use crate::eval::tally::{TagTally, Tally, value_of};
use crate::eval::{MORSEL_ROWS, ProfileValues, sample};
use crate::schema::Type;
use crate::value::Value;

use super::Compiled;
use super::bind::Bound;
use super::plan::{Plan, Slot};

/// One morsel's output buffers, reused across morsels.
#[derive(Default)]
pub(crate) struct Buffers {
    table: Vec<usize>,
    /// The buffers of the per-morsel slots without an entry per row (bitsets), by
    /// table index.
    words: Vec<Vec<u64>>,
    /// Every buffer with one entry per row, each at its `Plan::arena_offset` (bytes).
    arena: Vec<u64>,
    /// `EventStarts` buffers.
    starts: Vec<Vec<u16>>,
    /// Scratch of `Bound::set_members`.
    running: Vec<u64>,
}

/// The `len` words of the arena from byte `at` (a multiple of `plan::ARENA_ALIGN`).
fn arena_words(arena: &[u64], at: usize, len: usize) -> &[u64] {
    arena
        .get(at / 8..)
        .and_then(|w| w.get(..len))
        .unwrap_or(&[])
}

fn arena_words_mut(arena: &mut [u64], at: usize, len: usize) -> &mut [u64] {
    arena
        .get_mut(at / 8..)
        .and_then(|w| w.get_mut(..len))
        .unwrap_or_default()
}

fn arena_bytes(arena: &[u64], at: usize, len: usize) -> &[u8] {
    let bytes: &[u8] = bytemuck::cast_slice(arena);
    bytes.get(at..).and_then(|b| b.get(..len)).unwrap_or(&[])
}

fn arena_bytes_mut(arena: &mut [u64], at: usize, len: usize) -> &mut [u8] {
    let bytes: &mut [u8] = bytemuck::cast_slice_mut(arena);
    bytes
        .get_mut(at..)
        .and_then(|b| b.get_mut(..len))
        .unwrap_or_default()
}

/// `len` pairs of words (`Slot::Latest` entries) from byte `at`.
fn arena_pairs_mut(arena: &mut [u64], at: usize, len: usize) -> &mut [[i64; 2]] {
    bytemuck::cast_slice_mut(arena_words_mut(arena, at, 2 * len))
}

// A morsel's row-start counts are `u16`s.
const _: () = assert!(MORSEL_ROWS <= u16::MAX as usize);
// The late word function reads a morsel's valued tags a whole word of rows at a time,
// within arena buffers of `MORSEL_ROWS` rows.
const _: () = assert!(MORSEL_ROWS.is_multiple_of(64));

/// Evaluates `rows` (clamped to the profiles) morsel by morsel, in row order.
pub(crate) fn eval_rows(
    compiled: &Compiled,
    bound: &Bound<'_>,
    rows: Range<usize>,
    now: i64,
    out: &mut impl FnMut(usize, &ProfileValues),
) {
    let mut buffers = Buffers::default();
    let mut values = ProfileValues::default();
    for_morsels(bound, rows, |start, stop| {
        if !run_morsel(compiled, bound, start, stop, now, &mut buffers) {
            return interpreter(compiled).eval_batch(bound.profiles, start..stop, now, out);
        }
        for row in start..stop {
            read_row(compiled, bound, &buffers, row - start, &mut values);
            out(row, &values);
        }
    });
}

/// What evaluates a morsel that compiled code cannot read (`run_morsel` says so).
fn interpreter(compiled: &Compiled) -> crate::eval::Interpreter<'_> {
    crate::eval::Interpreter::new(&compiled.program)
}

/// Counts `rows` (clamped to the profiles) morsel by morsel: bits by popcount, values
/// by their raw bits, so no per-profile value is built.
pub(crate) fn tally_rows(
    compiled: &Compiled,
    bound: &Bound<'_>,
    rows: Range<usize>,
    now: i64,
) -> Tally {
    let mut tally = Tally::new(&compiled.program);
    let mut buffers = Buffers::default();
    for_morsels(bound, rows, |start, stop| {
        if run_morsel(compiled, bound, start, stop, now, &mut buffers) {
            tally_morsel(compiled, bound, &buffers, stop - start, &mut tally);
        } else {
            let program = &*compiled.program;
            interpreter(compiled).eval_batch(bound.profiles, start..stop, now, &mut |_, v| {
                tally.add(program, v)
            });
        }
    });
    tally
}

/// Evaluates `rows` (clamped to the profiles) and keeps nothing.
pub(crate) fn run_rows(compiled: &Compiled, bound: &Bound<'_>, rows: Range<usize>, now: i64) {
    let mut buffers = Buffers::default();
    for_morsels(bound, rows, |start, stop| {
        if !run_morsel(compiled, bound, start, stop, now, &mut buffers) {
            interpreter(compiled).eval_batch(bound.profiles, start..stop, now, &mut |_, v| {
                std::hint::black_box(v);
            });
        }
    });
}

/// Calls `each` on morsels of up to `MORSEL_ROWS` rows. The profiles' last word of
/// rows, if it is not whole, is a morsel of its own: word functions that read
/// columns' values run only on whole words (`Native::uses_words`), and so they still
/// run on the rest of the last morsel.
fn for_morsels(bound: &Bound<'_>, rows: Range<usize>, mut each: impl FnMut(usize, usize)) {
    let total = bound.profiles.len();
    let end = rows.end.min(total);
    let mut start = rows.start;
    while start < end {
        let mut stop = (start + MORSEL_ROWS).min(end);
        let whole = stop - stop % 64;
        if stop.next_multiple_of(64) > total && whole > start {
            stop = whole;
        }
        each(start, stop);
        start = stop;
    }
}

/// Adds a morsel of `rows` rows, just run into `buffers`, to `tally`.
fn tally_morsel(
    compiled: &Compiled,
    bound: &Bound<'_>,
    buffers: &Buffers,
    rows: usize,
    tally: &mut Tally,
) {
    let program = &*compiled.program;
    // Bits past `rows` are never set: the buffers start zeroed.
    let ones = |i: usize| popcount(&buffers.words[i]);
    let arena = &buffers.arena[..];
    tally.profiles += rows as u64;
    let tags = tally.tags.iter_mut().zip(&program.tags);
    for ((count, rule), output) in tags.zip(&compiled.outputs) {
        match (count, *output) {
            (TagTally::Members(n), Output::Bits(i)) => *n += ones(i),
            (TagTally::Values(values), Output::Vals { vals, ok }) => {
                let xs = arena_words(arena, vals, rows);
                let oks = arena_bytes(arena, ok, rows);
                if rule.ty == Type::StrSet {
                    for (&x, _) in xs.iter().zip(oks).filter(|(_, ok)| **ok == 1) {
                        values.add_key(bound.set_value(x).to_key(&program.schema));
                    }
                } else {
                    super::count_values::add_column(values, xs, oks);
                }
            }
            // Not written: false or missing, which count nothing.
            _ => {}
        }
    }
    let segments = compiled.outputs.get(program.tags.len()..).unwrap_or(&[]);
    for (n, output) in tally.segments.iter_mut().zip(segments) {
        if let Output::Bits(i) = *output {
            *n += ones(i);
        }
    }
}

/// The set bits of `words`. The generic build counts bits with a dozen instructions a
/// word; the processor's vector or scalar popcount, where it has one, is far faster
/// (`tally_morsel` counts every result bitset of every morsel).
fn popcount(words: &[u64]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512vpopcntdq") {
            // SAFETY: the processor has the features the function enables (AVX-512
            // popcount implies AVX-512F).
            return unsafe { popcount_avx512(words) };
        }
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the processor has `popcnt`, the one feature the function enables.
            return unsafe { popcount_native(words) };
        }
    }
    popcount_generic(words)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
fn popcount_avx512(words: &[u64]) -> u64 {
    popcount_generic(words)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn popcount_native(words: &[u64]) -> u64 {
    popcount_generic(words)
}

#[inline(always)]
fn popcount_generic(words: &[u64]) -> u64 {
    words.iter().map(|w| u64::from(w.count_ones())).sum()
}

/// Runs the compiled code on rows `start..end` into `buffers`; false, running nothing,
/// if the rows' offsets are malformed (`Bound::offsets_ascend`) or `now` too close to
/// the earliest time for the code's windows (`Plan::windows_fit`): the caller then has
/// the interpreter evaluate them.
#[must_use]
pub(crate) fn run_morsel(
    compiled: &Compiled,
    bound: &Bound<'_>,
    start: usize,
    end: usize,
    now: i64,
    buffers: &mut Buffers,
) -> bool {
    // The callers' morsels are never longer; the arena has room for no more.
    let end = end.min(start + MORSEL_ROWS);
    if !compiled.plan.windows_fit(now) || !bound.offsets_ascend(start..end) {
        return false;
    }
    let rows = end - start;
    let slots = &compiled.plan.slots;
    buffers.table.clear();
    buffers.table.extend_from_slice(&bound.table);
    buffers.words.resize_with(slots.len(), Vec::new);
    buffers.starts.resize_with(slots.len(), Vec::new);
    // Sized once for whole morsels; the slots below zero what must start zeroed.
    let arena_len = compiled.plan.arena_bytes.div_ceil(8).max(1);
    if buffers.arena.len() < arena_len {
        buffers.arena = vec![0; arena_len];
    }
    let arena_at = buffers.arena.as_mut_ptr() as usize;
    // The word function overwrites every word of its rules' bitsets, and packing the
    // row function's bytes every word of theirs: those buffers are only sized, not
    // cleared.
    let by_words = compiled.native.uses_words(start, end, bound.profiles.len());
    for &i in &compiled.morsel_slots {
        let Some(slot) = slots.get(i) else {
            continue;
        };
        if let Some(at) = compiled.plan.arena_offset(i as u32) {
            let arena = &mut buffers.arena[..];
            match *slot {
                Slot::Latest(e) => {
                    let latest = arena_pairs_mut(arena, at, rows);
                    if let Some(table) = bound.profiles.events.get(e as usize) {
                        super::last_events::latest_events(table, start, end, now, latest);
                    }
                }
                Slot::SetMembers(k) => {
                    let words = arena_words_mut(arena, at, rows);
                    bound.set_members(k as usize, start..end, &mut buffers.running, words);
                }
                Slot::AccWords(_) => arena_words_mut(arena, at, rows).fill(0),
                Slot::AccBytes(_) => arena_bytes_mut(arena, at, rows).fill(0),
                Slot::TagOk(_) if compiled.plan.always_present.contains(&(i as u32)) => {
                    arena_bytes_mut(arena, at, rows).fill(1)
                }
                // Written for every row before it is read.
                _ => {}
            }
            buffers.table[i] = arena_at + at;
            continue;
        }
        let words = &mut buffers.words[i];
        let len = match *slot {
            Slot::Now => {
                buffers.table[i] = now as usize;
                continue;
            }
            Slot::EventStarts(e) => {
                let starts = &mut buffers.starts[i];
                super::bind::row_starts(bound.profiles, e, start, end, starts);
                buffers.table[i] = starts.as_mut_ptr() as usize;
                continue;
            }
            Slot::RecentRows(e, k) => {
                let d = compiled.plan.windows.get(k as usize).copied().unwrap_or(1);
                let (lo, _) = super::plan::window_range(now, d);
                words.resize(rows.div_ceil(64).max(1), 0);
                if let Some(table) = bound.profiles.events.get(e as usize) {
                    super::last_events::recent_rows(table, start, end, lo, words);
                }
                buffers.table[i] = words.as_mut_ptr() as usize;
                continue;
            }
            Slot::Arena(_) => {
                buffers.table[i] = arena_at;
                continue;
            }
            _ => rows.div_ceil(64).max(1),
        };
        let whole = (by_words && compiled.native.writes_whole(i)) || compiled.packed[i];
        if words.len() != len || !whole {
            words.clear();
            words.resize(len, 0);
        }
        if let Slot::Sample(k) = *slot
            && let Some((fraction, salt)) = compiled.plan.samples.get(k as usize)
        {
            for r in 0..rows {
                if sample(&bound.profiles.ids[start + r], salt, *fraction) {
                    words[r / 64] |= 1 << (r % 64);
                }
            }
        }
        buffers.table[i] = words.as_mut_ptr() as usize;
    }
    for &(i, size) in &compiled.by_row {
        if let Some(entry) = buffers.table.get_mut(i) {
            *entry = entry.wrapping_sub(start * size);
        }
    }
    // SAFETY: `buffers.table` is the bound table (addresses into `bound`, alive for
    // this call) with every per-morsel buffer slot pointing at a buffer of `rows`
    // entries that nothing else touches during the call: words for bits, and for a
    // slot with one entry per row (`Slot::row_entry_bytes`) its place in the arena,
    // which has room for `MORSEL_ROWS >= rows` entries of every such buffer at its
    // `Plan::arena_offset`, and the `Arena` slots the arena's start; those addresses
    // are biased back by `start` entries, as the code indexes them by row,
    // `start..end`. A buffer is zeroed unless the word function runs and writes it
    // whole or the row function writes every row before reading it (bool bytes,
    // valued tags' values and validity); a never-missing tag's validity is all ones
    // (`Plan::always_present`), a `SetMembers` slot holds one word per row
    // (`Bound::set_members`), a `Latest` slot two words per row (`latest_events`), a
    // `RecentRows` slot a bit per row (`recent_rows`); an `EventStarts` slot holds one
    // `u16` per event of the morsel's rows and one more, filled by `row_starts`; the
    // `Now` slot holds a value, not an address. `start..end` are rows of the bound profiles, whose shape `bind` checked, and
    // whose offsets ascend (`offsets_ascend`, above).
    unsafe {
        compiled
            .native
            .call(&buffers.table, start, end, bound.profiles.len(), now)
    };
    for &(bytes, bits) in &compiled.packs {
        pack_bits(
            arena_bytes(&buffers.arena, bytes, rows),
            &mut buffers.words[bits],
        );
    }
    if by_words {
        // Leaves are written, and read, only when the word functions run.
        for &(bytes, bits) in &compiled.leaf_packs {
            pack_bits(
                arena_bytes(&buffers.arena, bytes, rows),
                &mut buffers.words[bits],
            );
        }
        // SAFETY: the table is as above, every bool rule's and leaf's bits were just
        // packed (or written whole by the early word function), and the row functions
        // wrote every valued tag's values and validity (or the validity was filled
        // above) into arena buffers with room for `MORSEL_ROWS` rows.
        unsafe { compiled.native.call_late(&buffers.table, start, end) };
    }
    clear_tails(&compiled.tails, buffers, rows);
    true
}

/// A bool result's bytes (arena offset) and bits (table index).
pub(crate) type Pack = (usize, usize);

/// Where the row function writes a bool rule's bytes and where their bits go: the
/// arena offset of each `TagBytes`/`SegBytes` slot and the table index of its
/// `TagBits`/`SegBits` slot; then the same for the late rules' leaves (`LeafBytes`,
/// `LeafBits`).
pub(crate) fn packs(plan: &Plan) -> (Vec<Pack>, Vec<Pack>) {
    let positions = positions(&plan.slots);
    let index = |slot: Slot| positions.get(&slot).copied();
    let (mut rules, mut leaves) = (Vec::new(), Vec::new());
    for (i, slot) in plan.slots.iter().enumerate() {
        let (bits, into) = match *slot {
            Slot::TagBytes(t) => (Slot::TagBits(t), &mut rules),
            Slot::SegBytes(s) => (Slot::SegBits(s), &mut rules),
            Slot::LeafBytes(k) => (Slot::LeafBits(k), &mut leaves),
            _ => continue,
        };
        if let (Some(bytes), Some(bits)) = (plan.arena_offset(i as u32), index(bits)) {
            into.push((bytes, bits));
        }
    }
    (rules, leaves)
}

/// The table index of every slot (a rule set of thousands has thousands of slots).
fn positions(slots: &[Slot]) -> std::collections::HashMap<Slot, usize> {
    slots.iter().enumerate().map(|(i, s)| (*s, i)).collect()
}

/// Packs 0/1 bytes into bits, 64 a word; the last word's bits past the bytes are 0.
#[inline]
pub(crate) fn pack_bits(bytes: &[u8], words: &mut [u64]) {
    // One profile (a row evaluator's morsel): one bit, without the loops' set-up.
    if let ([b], [word, ..]) = (bytes, &mut *words) {
        *word = u64::from(b & 1);
        return;
    }
    // A small morsel is not worth a call.
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 512 {
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the processor has AVX-512 BW (which implies AVX-512 F), the
            // features the function enables.
            return unsafe { pack_bits_avx512(bytes, words) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, the one feature the function enables.
            return unsafe { pack_bits_avx2(bytes, words) };
        }
    }
    pack_bits_generic(bytes, words)
}

/// 64 bytes a word: one byte test per word.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn pack_bits_avx512(bytes: &[u8], words: &mut [u64]) {
    use std::arch::x86_64::{_mm512_loadu_si512, _mm512_set1_epi8, _mm512_test_epi8_mask};
    let ones = _mm512_set1_epi8(1);
    let mut chunks = bytes.chunks_exact(64);
    let mut out = words.iter_mut();
    for (chunk, word) in (&mut chunks).zip(&mut out) {
        // SAFETY: `chunk` is 64 readable bytes, and the load takes any alignment.
        let v = unsafe { _mm512_loadu_si512(chunk.as_ptr().cast()) };
        *word = _mm512_test_epi8_mask(v, ones);
    }
    pack_rest(chunks.remainder(), out.next());
}

/// 32 bytes a step: bit 0 of each byte shifted to its top bit, then gathered.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn pack_bits_avx2(bytes: &[u8], words: &mut [u64]) {
    use std::arch::x86_64::{_mm256_loadu_si256, _mm256_movemask_epi8, _mm256_slli_epi16};
    let half = |h: &[u8]| {
        // SAFETY: `h` is 32 readable bytes, and the load takes any alignment.
        let v = unsafe { _mm256_loadu_si256(h.as_ptr().cast()) };
        // Shifting 16-bit lanes moves each byte's bit 0 to its bit 7 and nothing
        // else there: a low byte's other bits go to bits 8 to 14 of the lane.
        u64::from(_mm256_movemask_epi8(_mm256_slli_epi16::<7>(v)) as u32)
    };
    let mut chunks = bytes.chunks_exact(64);
    let mut out = words.iter_mut();
    for (chunk, word) in (&mut chunks).zip(&mut out) {
        let (lo, hi) = chunk.split_at(32);
        *word = half(lo) | half(hi) << 32;
    }
    pack_rest(chunks.remainder(), out.next());
}

/// The bits of the last, partial word.
fn pack_rest(rest: &[u8], word: Option<&mut u64>) {
    if let Some(word) = word.filter(|_| !rest.is_empty()) {
        *word = pack_word(rest);
    }
}

/// Up to 64 bytes into one word.
#[inline(always)]
fn pack_word(chunk: &[u8]) -> u64 {
    chunk
        .iter()
        .enumerate()
        .fold(0, |w, (i, &b)| w | (u64::from(b & 1) << i))
}

/// A packing routine, as the tests name it.
#[cfg(test)]
pub(crate) type Packer = (&'static str, fn(&[u8], &mut [u64]));

/// Every packing routine this processor can run, dispatching and generic first.
#[cfg(test)]
pub(crate) fn pack_bits_variants() -> Vec<Packer> {
    let mut all: Vec<Packer> = vec![("pack_bits", pack_bits), ("generic", pack_bits_generic)];
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, the one feature the function enables.
            all.push(("avx2", |b, w| unsafe { pack_bits_avx2(b, w) }));
        }
        if std::arch::is_x86_feature_detected!("avx512bw") {
            // SAFETY: the processor has AVX-512 BW (which implies AVX-512 F).
            all.push(("avx512", |b, w| unsafe { pack_bits_avx512(b, w) }));
        }
    }
    all
}

fn pack_bits_generic(bytes: &[u8], words: &mut [u64]) {
    let mut chunks = bytes.chunks_exact(64);
    let mut out = words.iter_mut();
    for (chunk, word) in (&mut chunks).zip(&mut out) {
        *word = pack_word(chunk);
    }
    pack_rest(chunks.remainder(), out.next());
}

/// Clears the bits past the morsel's `rows` in the result bitsets `tails`: the word
/// function writes whole words.
fn clear_tails(tails: &[usize], buffers: &mut Buffers, rows: usize) {
    if rows.is_multiple_of(64) {
        return;
    }
    let keep = (1u64 << (rows % 64)) - 1;
    for &i in tails {
        if let Some(last) = buffers.words.get_mut(i).and_then(|w| w.last_mut()) {
            *last &= keep;
        }
    }
}

/// Table indexes of the per-morsel slots (the runner's buffers), and of the result
/// bits whose last word may have bits past the morsel's rows: those the word function
/// or the row function writes, not those packed from bytes (`packed`).
pub(crate) fn morsel_slots(slots: &[Slot], packed: &[bool]) -> (Vec<usize>, Vec<usize>) {
    let per_morsel = (0..slots.len())
        .filter(|&i| slots[i].per_morsel())
        .collect();
    let tails = (0..slots.len())
        .filter(|&i| matches!(slots[i], Slot::TagBits(_) | Slot::SegBits(_)))
        .filter(|&i| !packed.get(i).copied().unwrap_or(false))
        .collect();
    (per_morsel, tails)
}

/// Where a rule's result is in a morsel's buffers, resolved once.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Output {
    /// The table index of its bits.
    Bits(usize),
    /// The arena offsets of its values and their validity bytes.
    Vals { vals: usize, ok: usize },
    /// Not written by the code (unreachable for a compiled rule).
    Absent,
}

/// The outputs of every tag, then every segment.
pub(crate) fn outputs(program: &crate::ir::Program, plan: &Plan) -> Vec<Output> {
    let positions = positions(&plan.slots);
    let index = |slot: Slot| positions.get(&slot).copied();
    let arena = |slot: Slot| plan.arena_offset(index(slot)? as u32);
    let tags = program.tags.iter().enumerate().map(|(t, rule)| {
        let t = t as u32;
        if rule.ty == Type::Bool {
            index(Slot::TagBits(t)).map_or(Output::Absent, Output::Bits)
        } else {
            match (arena(Slot::TagVals(t)), arena(Slot::TagOk(t))) {
                (Some(vals), Some(ok)) => Output::Vals { vals, ok },
                _ => Output::Absent,
            }
        }
    });
    let segments = (0..program.segments.len())
        .map(|s| index(Slot::SegBits(s as u32)).map_or(Output::Absent, Output::Bits));
    tags.chain(segments).collect()
}

pub(crate) fn read_row(
    compiled: &Compiled,
    bound: &Bound<'_>,
    buffers: &Buffers,
    r: usize,
    out: &mut ProfileValues,
) {
    let program = &*compiled.program;
    let bit = |i: usize| {
        buffers.words[i]
            .get(r / 64)
            .is_some_and(|w| w >> (r % 64) & 1 == 1)
    };
    let n_tags = program.tags.len();
    out.tags.clear();
    for (rule, output) in program.tags.iter().zip(&compiled.outputs) {
        let value = match *output {
            Output::Bits(i) => Value::Bool(bit(i)),
            Output::Vals { vals, ok } => {
                let present = arena_bytes(&buffers.arena, ok, r + 1).get(r) == Some(&1);
                match arena_words(&buffers.arena, vals, r + 1).get(r) {
                    Some(&x) if present => to_value(bound, rule.ty, x),
                    _ => Value::Missing,
                }
            }
            Output::Absent if rule.ty == Type::Bool => Value::Bool(false),
            Output::Absent => Value::Missing,
        };
        out.tags.push(value);
    }
    out.segments.clear();
    out.segments.extend(
        compiled.outputs[n_tags.min(compiled.outputs.len())..]
            .iter()
            .map(|o| matches!(*o, Output::Bits(i) if bit(i))),
    );
}

fn to_value(bound: &Bound<'_>, ty: Type, x: u64) -> Value {
    match ty {
        Type::Str => Value::Str(bound.string(x)),
        Type::StrSet => bound.set_value(x),
        _ => value_of(ty, x),
    }
}
