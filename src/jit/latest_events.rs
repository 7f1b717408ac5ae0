//! Each row's latest event of a type, computed by the runner per morsel for the
//! aggregates read off it (`codegen::latest`): eight rows an instruction where the
//! processor has AVX-512 (a gather of the rows' last event times), one by one
//! elsewhere. In generated code, finding it took about twenty instructions a row and
//! event type: two offsets, the last event's time and a test against `now`.

use crate::data::EventTable;

/// Writes, for each row `r` of `start..end`, entry `r - start` of `out`: the time of
/// the row's latest event at or before `now` (0 if none) and how many of its events are
/// at or before `now` (`[at, count]`, two words a row). `table`'s offsets are
/// ascending and end within its events (the bind step's `check_shape`), and a row's
/// events are in time order, so those events are the first `count` of the row.
pub(crate) fn latest_events(
    table: &EventTable,
    start: usize,
    end: usize,
    now: i64,
    out: &mut [[i64; 2]],
) {
    let end = end
        .min(table.offsets.len().saturating_sub(1))
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

/// The entries of rows `rows` (within `start..`), one row at a time.
fn latest(
    table: &EventTable,
    start: usize,
    rows: std::ops::Range<usize>,
    now: i64,
    out: &mut [[i64; 2]],
) {
    let Some(offsets) = table.offsets.get(rows.start..rows.end + 1) else {
        return;
    };
    let outs = out.get_mut(rows.start - start..).unwrap_or_default();
    for (pair, entry) in offsets.windows(2).zip(outs) {
        let (first, end) = (pair[0] as usize, pair[1] as usize);
        let events = table.at.get(first..end).unwrap_or_default();
        *entry = latest_of(events, now);
    }
}

/// `[at, count]` of a row's events.
#[inline]
fn latest_of(events: &[i64], now: i64) -> [i64; 2] {
    match events.last() {
        Some(&t) if t <= now => [t, events.len() as i64],
        Some(_) => latest_before_last(events, now),
        None => [0, 0],
    }
}

/// [`latest_of`] for a row whose last event is after `now` (rare): a walk back.
#[cold]
fn latest_before_last(events: &[i64], now: i64) -> [i64; 2] {
    let count = events.iter().rposition(|&t| t <= now).map_or(0, |k| k + 1);
    let at = if count > 0 { events[count - 1] } else { 0 };
    [at, count as i64]
}

/// [`latest_events`] eight rows at a time: the rows' end offsets, less one, index a
/// gather of their last events' times, masked to the rows that have events; a row
/// whose last event is after `now` is then done one by one.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn latest_avx512(table: &EventTable, start: usize, end: usize, now: i64, out: &mut [[i64; 2]]) {
    use std::arch::x86_64::*;
    let offsets = &table.offsets;
    let at = table.at.as_ptr();
    let now_v = _mm512_set1_epi64(now);
    let one = _mm512_set1_epi64(1);
    let zero = _mm512_setzero_si512();
    // Lanes of `[at, count]` pairs: rows 0 to 3 of the eight, then 4 to 7.
    let low = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
    let high = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
    let mut r = start;
    // Eight rows read nine offsets and write sixteen words.
    while r + 8 < offsets.len() && r + 8 <= end {
        let window = &offsets[r..r + 9];
        let Some(entries) = out.get_mut(r - start..r - start + 8) else {
            break;
        };
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
        let times = unsafe { _mm512_mask_i64gather_epi64::<8>(zero, nonempty, last, at.cast()) };
        let counts = _mm512_sub_epi64(stops, firsts);
        // SAFETY: `entries` is eight pairs of `i64`: sixteen words, two stores of eight.
        unsafe {
            let to = entries.as_mut_ptr().cast::<i64>();
            _mm512_storeu_si512(to.cast(), _mm512_permutex2var_epi64(times, low, counts));
            _mm512_storeu_si512(
                to.add(8).cast(),
                _mm512_permutex2var_epi64(times, high, counts),
            );
        }
        let late = _mm512_mask_cmpgt_epi64_mask(nonempty, times, now_v);
        if late != 0 {
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
    /// row.
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
        EventTable {
            offsets,
            at,
            props: Vec::new(),
        }
    }

    #[test]
    fn finds_each_rows_latest_event_up_to_now() {
        let t = table(300);
        for (start, end) in [
            (0usize, 300usize),
            (0, 1),
            (3, 200),
            (64, 128),
            (299, 300),
            (5, 13),
        ] {
            for now in [i64::MIN, -60, -20, 0, 17, 40, 90, i64::MAX] {
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
    fn a_table_without_events_has_no_latest_event() {
        let t = EventTable {
            offsets: vec![0; 101],
            at: Vec::new(),
            props: Vec::new(),
        };
        let mut out = vec![[7, 7]; 100];
        latest_events(&t, 0, 100, 0, &mut out);
        assert_eq!(out, vec![[0, 0]; 100]);
    }
}
