//! Which rows of a morsel have recent events: the marks of the short windows' pass
//! (`codegen::recent`), computed by the runner per morsel, eight rows an instruction
//! where the processor has AVX-512 (a gather of the rows' last event times), one by
//! one elsewhere. Generated code is limited to Cranelift's 128-bit vectors and has no
//! gather; one by one it spent about twenty instructions a row on each mark.

use crate::data::EventTable;

/// Sets bit `r - start` of `out` (morsel-local, 64 rows a word) for each row `r` of
/// `start..end` whose last event of `table` is at or after `lo`, and clears every
/// other bit of `out`. `table`'s offsets are ascending and end within its events (the
/// bind step's `check_shape`).
pub(crate) fn recent_rows(table: &EventTable, start: usize, end: usize, lo: i64, out: &mut [u64]) {
    out.fill(0);
    let end = end.min(table.offsets.len().saturating_sub(1));
    if start >= end || table.at.is_empty() {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has AVX-512 F, the one feature the function enables.
        unsafe { recent_rows_avx512(table, start, end, lo, out) };
        return;
    }
    mark(table, start, start..end, lo, out);
}

/// The marks of rows `rows` (within `start..`), one row at a time, or'd into `out`.
fn mark(table: &EventTable, start: usize, rows: std::ops::Range<usize>, lo: i64, out: &mut [u64]) {
    let Some(offsets) = table.offsets.get(rows.start..rows.end + 1) else {
        return;
    };
    for (k, pair) in offsets.windows(2).enumerate() {
        let (first, stop) = (pair[0], pair[1]);
        // A row whose events would end before event 0 has none: `stop - 1` wraps.
        let last = table.at.get((stop as usize).wrapping_sub(1));
        let recent = (stop > first) & last.is_some_and(|&t| t >= lo);
        let local = rows.start + k - start;
        if let Some(word) = out.get_mut(local / 64) {
            *word |= u64::from(recent) << (local % 64);
        }
    }
}

/// [`recent_rows`] eight rows at a time: the rows' end offsets, less one, index a
/// gather of their last events' times, masked to the rows that have events.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn recent_rows_avx512(table: &EventTable, start: usize, end: usize, lo: i64, out: &mut [u64]) {
    use std::arch::x86_64::*;
    let offsets = &table.offsets;
    let at = table.at.as_ptr();
    let lo_v = _mm512_set1_epi64(lo);
    let one = _mm512_set1_epi64(1);
    let mut r = start;
    // Eight rows read nine offsets.
    while r + 8 < offsets.len() && r + 8 <= end {
        let window = &offsets[r..r + 9];
        // SAFETY: `window` holds nine `u32`s: each load reads eight of them.
        let (firsts, stops) = unsafe {
            (
                _mm256_loadu_si256(window.as_ptr().cast()),
                _mm256_loadu_si256(window.as_ptr().add(1).cast()),
            )
        };
        let firsts = _mm512_cvtepu32_epi64(firsts);
        let stops = _mm512_cvtepu32_epi64(stops);
        let nonempty = _mm512_cmpgt_epu64_mask(stops, firsts);
        let last = _mm512_sub_epi64(stops, one);
        // SAFETY: only the lanes of rows with events are read, at their last event:
        // `stop - 1`, with `stop` at most `table.at.len()` (ascending offsets that end
        // within the events) and above `first`, so at least 1.
        let times = unsafe { _mm512_mask_i64gather_epi64::<8>(lo_v, nonempty, last, at.cast()) };
        let marks = _mm512_mask_cmpge_epi64_mask(nonempty, times, lo_v);
        let k = r - start;
        if let Some(word) = out.get_mut(k / 64) {
            *word |= u64::from(marks) << (k % 64);
        }
        r += 8;
    }
    mark(table, start, r..end, lo, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table whose row `r` has `r % 5` events, at `t, t + 10, ...` with `t` from the
    /// row.
    fn table(rows: usize) -> EventTable {
        let mut offsets = vec![0u32];
        let mut at = Vec::new();
        for r in 0..rows {
            let t = ((r * 37) % 100) as i64 - 50;
            for j in 0..r % 5 {
                at.push(t + 10 * j as i64);
            }
            offsets.push(at.len() as u32);
        }
        EventTable {
            offsets,
            at,
            props: Vec::new(),
        }
    }

    fn expected(table: &EventTable, start: usize, end: usize, lo: i64) -> Vec<u64> {
        let mut out = vec![0u64; (end - start).div_ceil(64).max(1)];
        for r in start..end {
            let events = &table.at[table.range(r)];
            if events.last().is_some_and(|&t| t >= lo) {
                out[(r - start) / 64] |= 1 << ((r - start) % 64);
            }
        }
        out
    }

    #[test]
    fn marks_the_rows_whose_last_event_is_recent() {
        let t = table(300);
        for (start, end) in [
            (0usize, 300usize),
            (0, 1),
            (3, 200),
            (64, 128),
            (299, 300),
            (5, 13),
        ] {
            for lo in [i64::MIN, -60, -20, 0, 17, 40, 90, i64::MAX] {
                let mut out = vec![u64::MAX; (end - start).div_ceil(64).max(1)];
                recent_rows(&t, start, end, lo, &mut out);
                assert_eq!(
                    out,
                    expected(&t, start, end, lo),
                    "rows {start}..{end}, lo {lo}"
                );
                // One row at a time, as without AVX-512.
                let mut one_by_one = vec![0u64; out.len()];
                mark(&t, start, start..end, lo, &mut one_by_one);
                assert_eq!(one_by_one, out, "rows {start}..{end}, lo {lo}");
            }
        }
    }

    #[test]
    fn a_table_without_events_marks_nothing() {
        let t = EventTable {
            offsets: vec![0; 101],
            at: Vec::new(),
            props: Vec::new(),
        };
        let mut out = vec![u64::MAX; 2];
        recent_rows(&t, 0, 100, i64::MIN, &mut out);
        assert_eq!(out, vec![0, 0]);
    }
}
