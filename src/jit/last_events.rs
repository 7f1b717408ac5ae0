//! What the runner finds per morsel about each row's last events of a type, for the
//! generated code: the rows with events in a group of short windows (`recent_rows`,
//! the marks of `codegen::recent`) and each row's latest event up to `now`
//! (`latest_events`, for the aggregates `codegen::latest` reads off it).
//!
//! Both read each row's last event time from the table's `last_at`, which the loaders
//! keep beside the offsets. Gathered from the event times instead, at an index from
//! the offsets, each row cost a cache miss the hardware prefetcher does not foresee;
//! read in order, eight rows an instruction where the processor has AVX-512 (one at
//! a time elsewhere), they cost a sequential 8 bytes a row, prefetched a few lines
//! ahead (`avx512::prefetch`): the prefetcher alone left the loads waiting on memory
//! at the start of every morsel's run.
//!
//! Every function takes a table whose offsets over the rows it is given are ascending
//! and end within its events (`Bound::offsets_ascend`, checked before a morsel runs),
//! and whose `last_at` has a time per row (`bind::check_shape`).

use std::ops::Range;

use crate::data::EventTable;

/// Sets bit `r - start` of `out` (morsel-local, 64 rows a word) for each row `r` of
/// `start..end` whose last event of `table` is at or after `lo`, and clears every
/// other bit of `out`.
pub(crate) fn recent_rows(table: &EventTable, start: usize, end: usize, lo: i64, out: &mut [u64]) {
    out.fill(0);
    let end = end.min(table.last_at.len());
    if start >= end {
        return;
    }
    // A row without events has a last time of `i64::MIN`, after `lo` only if `lo` is
    // `i64::MIN` too: then the offsets tell the rows apart.
    #[cfg(target_arch = "x86_64")]
    if lo > i64::MIN && std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has AVX-512 F, the one feature the function enables.
        unsafe { recent_rows_avx512(table, start, end, lo, out) };
        return;
    }
    mark(table, start, start..end, lo, out);
}

/// Writes, for each row `r` of `start..end`, entry `r - start` of `out`: the time of
/// the row's latest event at or before `now` (0 if none) and how many of its events are
/// at or before `now` (`[at, count]`). A row's events are in time order, so those
/// events are its first `count`.
pub(crate) fn latest_events(
    table: &EventTable,
    start: usize,
    end: usize,
    now: i64,
    out: &mut [[i64; 2]],
) {
    let end = end
        .min(table.offsets.len().saturating_sub(1))
        .min(table.last_at.len())
        .min(start + out.len());
    if start >= end {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: the processor has AVX-512 F, the one feature the function enables.
        unsafe { latest_avx512(table, start, end, now, out) };
        return;
    }
    latest(table, start, start..end, now, out);
}

/// The marks of rows `rows` (within `start..`), one row at a time, or'd into `out`.
fn mark(table: &EventTable, start: usize, rows: Range<usize>, lo: i64, out: &mut [u64]) {
    let (Some(offsets), Some(lasts)) = (
        table.offsets.get(rows.start..rows.end + 1),
        table.last_at.get(rows.clone()),
    ) else {
        return;
    };
    for (k, (pair, &last)) in offsets.windows(2).zip(lasts).enumerate() {
        let recent = (pair[1] > pair[0]) & (last >= lo);
        let local = rows.start + k - start;
        if let Some(word) = out.get_mut(local / 64) {
            *word |= u64::from(recent) << (local % 64);
        }
    }
}

/// The entries of rows `rows` (within `start..`), one row at a time.
fn latest(table: &EventTable, start: usize, rows: Range<usize>, now: i64, out: &mut [[i64; 2]]) {
    let (Some(offsets), Some(lasts)) = (
        table.offsets.get(rows.start..rows.end + 1),
        table.last_at.get(rows.clone()),
    ) else {
        return;
    };
    let outs = out.get_mut(rows.start - start..).unwrap_or_default();
    for ((pair, &last), entry) in offsets.windows(2).zip(lasts).zip(outs) {
        let (first, end) = (pair[0] as usize, pair[1] as usize);
        *entry = match end.checked_sub(first) {
            None | Some(0) => [0, 0],
            Some(count) if last <= now => [last, count as i64],
            Some(_) => latest_before_last(table.at.get(first..end).unwrap_or_default(), now),
        };
    }
}

/// `[at, count]` of a row whose last event is after `now` (rare): a walk back.
#[cold]
fn latest_before_last(events: &[i64], now: i64) -> [i64; 2] {
    let count = events.iter().rposition(|&t| t <= now).map_or(0, |k| k + 1);
    let at = if count > 0 { events[count - 1] } else { 0 };
    [at, count as i64]
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// How far ahead of the row it reads each loop prefetches `last_at`: the lines of
    /// 32 steps of 8 rows.
    const AHEAD: usize = 256;

    /// Touches, for the prefetcher, the line of `lasts` [`AHEAD`] rows after `r`.
    #[inline]
    pub(super) fn prefetch(lasts: &[i64], r: usize) {
        // A prefetch does not fault: past the end it is only wasted, but the address
        // must not be computed out of the allocation.
        let ahead = (r + AHEAD).min(lasts.len());
        // SAFETY: `ahead` is at most the length: the address is within `lasts` or one
        // past its end.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(lasts.as_ptr().add(ahead).cast()) };
    }

    /// The last event times of rows `r..r + 8`, if all eight are rows of `lasts`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) fn last_eight(lasts: &[i64], r: usize) -> Option<__m512i> {
        let eight = lasts.get(r..r + 8)?;
        // SAFETY: `eight` holds eight `i64`s, the 64 bytes the load reads.
        Some(unsafe { _mm512_loadu_si512(eight.as_ptr().cast()) })
    }

    /// Rows `r..r + 8`, if all eight are rows of `offsets`: which have events (a lane
    /// mask) and their number of events.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) fn counts_eight(offsets: &[u32], r: usize) -> Option<(__mmask8, __m512i)> {
        let window = offsets.get(r..r + 9)?;
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
        Some((nonempty, _mm512_sub_epi64(stops, firsts)))
    }
}

/// [`recent_rows`] eight rows at a time, for `lo` above `i64::MIN`, which no row
/// without events has as its last time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn recent_rows_avx512(table: &EventTable, start: usize, end: usize, lo: i64, out: &mut [u64]) {
    use std::arch::x86_64::*;
    let lasts = &table.last_at[..];
    let lo_v = _mm512_set1_epi64(lo);
    let mut r = start;
    while r + 8 <= end {
        avx512::prefetch(lasts, r);
        let Some(times) = avx512::last_eight(lasts, r) else {
            break;
        };
        let marks = _mm512_cmpge_epi64_mask(times, lo_v);
        let k = r - start;
        if let Some(word) = out.get_mut(k / 64) {
            *word |= u64::from(marks) << (k % 64);
        }
        r += 8;
    }
    mark(table, start, r..end, lo, out);
}

/// [`latest_events`] eight rows at a time; a row whose last event is after `now` is
/// then redone one by one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn latest_avx512(table: &EventTable, start: usize, end: usize, now: i64, out: &mut [[i64; 2]]) {
    use std::arch::x86_64::*;
    let lasts = &table.last_at[..];
    let now_v = _mm512_set1_epi64(now);
    // Lanes of `[at, count]` pairs: rows 0 to 3 of the eight, then 4 to 7.
    let low = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
    let high = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    let mut r = start;
    while r + 8 <= end {
        avx512::prefetch(lasts, r);
        let Some(entries) = out.get_mut(r - start..r - start + 8) else {
            break;
        };
        let (Some((nonempty, counts)), Some(times)) = (
            avx512::counts_eight(&table.offsets, r),
            avx512::last_eight(lasts, r),
        ) else {
            break;
        };
        let times = _mm512_maskz_mov_epi64(nonempty, times);
        // SAFETY: `entries` is eight pairs of `i64`: sixteen words, two stores of eight.
        unsafe {
            let to = entries.as_mut_ptr().cast::<i64>();
            _mm512_storeu_si512(to.cast(), _mm512_permutex2var_epi64(times, low, counts));
            _mm512_storeu_si512(
                to.add(8).cast(),
                _mm512_permutex2var_epi64(times, high, counts),
            );
        }
        if _mm512_mask_cmpgt_epi64_mask(nonempty, times, now_v) != 0 {
            latest(table, start, r..r + 8, now, out);
        }
        r += 8;
    }
    latest(table, start, r..end, now, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table whose row `r` has `r % 6` events, at `t, t + 10, ...` with `t` from the
    /// row: rows without events, and times on either side of each `lo` and `now` below.
    fn table(rows: usize) -> EventTable {
        let mut offsets = vec![0u32];
        let mut at = Vec::new();
        for r in 0..rows {
            let t = ((r * 37) % 100) as i64 - 50;
            for j in 0..r % 6 {
                at.push(t + 10 * j as i64);
            }
            offsets.push(at.len() as u32);
        }
        EventTable::new(offsets, at, Vec::new())
    }

    /// Row ranges: whole words, partial words, one row, the last row.
    const RANGES: [(usize, usize); 6] =
        [(0, 300), (0, 1), (3, 200), (64, 128), (299, 300), (5, 13)];

    /// Times around the table's, and the extremes.
    const TIMES: [i64; 8] = [i64::MIN, -60, -20, 0, 17, 40, 90, i64::MAX];

    #[test]
    fn marks_the_rows_whose_last_event_is_recent() {
        let t = table(300);
        for (start, end) in RANGES {
            for lo in TIMES {
                let mut out = vec![u64::MAX; (end - start).div_ceil(64)];
                recent_rows(&t, start, end, lo, &mut out);
                let mut expected = vec![0u64; out.len()];
                for r in start..end {
                    if t.at[t.range(r)].last().is_some_and(|&x| x >= lo) {
                        expected[(r - start) / 64] |= 1 << ((r - start) % 64);
                    }
                }
                assert_eq!(out, expected, "rows {start}..{end}, lo {lo}");
                // One row at a time, as without AVX-512.
                let mut one_by_one = vec![0u64; out.len()];
                mark(&t, start, start..end, lo, &mut one_by_one);
                assert_eq!(one_by_one, out, "rows {start}..{end}, lo {lo}");
            }
        }
    }

    #[test]
    fn finds_each_rows_latest_event_up_to_now() {
        let t = table(300);
        for (start, end) in RANGES {
            for now in TIMES {
                let mut out = vec![[7, 7]; end - start];
                latest_events(&t, start, end, now, &mut out);
                let expected: Vec<[i64; 2]> = (start..end)
                    .map(|r| {
                        let up_to_now: Vec<i64> = t.at[t.range(r)]
                            .iter()
                            .copied()
                            .filter(|&x| x <= now)
                            .collect();
                        [
                            up_to_now.last().copied().unwrap_or(0),
                            up_to_now.len() as i64,
                        ]
                    })
                    .collect();
                assert_eq!(out, expected, "rows {start}..{end}, now {now}");
                // One row at a time, as without AVX-512.
                let mut one_by_one = vec![[7, 7]; end - start];
                latest(&t, start, start..end, now, &mut one_by_one);
                assert_eq!(one_by_one, out, "rows {start}..{end}, now {now}");
            }
        }
    }

    #[test]
    fn a_table_without_events_has_no_recent_or_latest_event() {
        let t = EventTable::new(vec![0; 101], Vec::new(), Vec::new());
        let mut marks = vec![u64::MAX; 2];
        recent_rows(&t, 0, 100, i64::MIN, &mut marks);
        assert_eq!(marks, vec![0, 0]);
        let mut latest = vec![[7, 7]; 100];
        latest_events(&t, 0, 100, 0, &mut latest);
        assert_eq!(latest, vec![[0, 0]; 100]);
    }
}
