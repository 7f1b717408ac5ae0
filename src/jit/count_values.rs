//! Counting a valued tag's values over a morsel, eight rows an instruction where the
//! processor has AVX-512 (`ValueTally::add_column` is the portable way, and the
//! meaning).
//!
//! A valued tag has few distinct values (`recency` 1 to 5, `lifecycle` four string
//! codes), so the values within sixteen of the least of them are most of a column. A
//! row's value `base + k` is counted as a one in byte `k % 8` of one of two words
//! (`1 << 8k`, or `1 << 8(k - 8)` in the second), eight rows to a vector of words, so
//! a vector add counts eight rows. A byte holds 255 counts: the vectors are emptied
//! into the counts every 255 steps. A value outside the sixteen shifts its one out of
//! both words (a shift by 64 or more leaves 0) and is counted on its own.

use crate::eval::tally::{ValueTally, all_ones};

/// Values a lane of byte counters takes.
#[cfg(target_arch = "x86_64")]
const SPAN: u64 = 16;

/// Steps of eight rows between emptying the byte counters: each step adds at most one
/// to a byte.
#[cfg(target_arch = "x86_64")]
const STEPS_PER_FLUSH: usize = 255;

/// Counts the values `values` of a valued tag, present where `present` is 1, into
/// `tally`.
pub(crate) fn add_column(tally: &mut ValueTally, values: &[u64], present: &[u8]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") && all_ones(present) {
        let n = values.len().min(present.len());
        let base = ValueTally::lanes_base(values, present);
        // SAFETY: the processor has AVX-512 F, the one feature the function enables.
        unsafe { count_avx512(tally, &values[..n], base) };
        return;
    }
    tally.add_column(values, present);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn count_avx512(tally: &mut ValueTally, values: &[u64], base: u64) {
    use std::arch::x86_64::*;
    let (steps, rest) = values.as_chunks::<8>();
    let base_v = _mm512_set1_epi64(base as i64);
    let span = _mm512_set1_epi64(SPAN as i64);
    let one = _mm512_set1_epi64(1);
    let sixty_four = _mm512_set1_epi64(64);
    let mut counts = [0u64; SPAN as usize];
    for block in steps.chunks(STEPS_PER_FLUSH) {
        let mut low = _mm512_setzero_si512();
        let mut high = _mm512_setzero_si512();
        for step in block {
            // SAFETY: `step` is eight `u64`s, one unaligned load.
            let v = unsafe { _mm512_loadu_si512(step.as_ptr().cast()) };
            let k = _mm512_sub_epi64(v, base_v);
            let outside = _mm512_cmpge_epu64_mask(k, span);
            // `k` at most 16, times 8: a shift of 128 leaves 0 in both words, one below
            // 64 (`k - 8` negative) none in the second.
            let shift = _mm512_slli_epi64::<3>(_mm512_min_epu64(k, span));
            low = _mm512_add_epi64(low, _mm512_sllv_epi64(one, shift));
            let shift_high = _mm512_sub_epi64(shift, sixty_four);
            high = _mm512_add_epi64(high, _mm512_sllv_epi64(one, shift_high));
            let mut rows = outside;
            while rows != 0 {
                tally.add_outside(step[rows.trailing_zeros() as usize]);
                rows &= rows - 1;
            }
        }
        let mut words = [[0u64; 8]; 2];
        // SAFETY: each of `words` is eight `u64`s, one unaligned store.
        unsafe {
            _mm512_storeu_si512(words[0].as_mut_ptr().cast(), low);
            _mm512_storeu_si512(words[1].as_mut_ptr().cast(), high);
        }
        for (half, lanes) in words.iter().enumerate() {
            for lane in lanes {
                for byte in 0..8 {
                    counts[half * 8 + byte] += (lane >> (8 * byte)) & 0xff;
                }
            }
        }
    }
    tally.add_near(base, &counts);
    rest.iter().for_each(|&x| tally.add_bits(x));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each column counted here and by `ValueTally::add_column` gives the same tally.
    fn assert_counts_agree(values: &[u64], present: &[u8]) {
        let mut fast = ValueTally::default();
        add_column(&mut fast, values, present);
        let mut portable = ValueTally::default();
        portable.add_column(values, present);
        assert_eq!(
            fast.by_value(),
            portable.by_value(),
            "{} values",
            values.len()
        );
        let present_values = values.iter().zip(present).filter(|(_, ok)| **ok == 1);
        assert_eq!(
            fast.by_value().values().sum::<u64>(),
            present_values.count() as u64
        );
    }

    #[test]
    fn counts_agree_with_the_portable_count() {
        // Few values near the least, values far from it (below, above, at the ends of
        // `u64`), more rows than a flush takes, lengths off the eight-row steps.
        let near: Vec<u64> = (0..5000u64).map(|i| 3 + (i * 7) % 5).collect();
        let mut mixed = near.clone();
        for i in (0..mixed.len()).step_by(37) {
            mixed[i] = [0, 2, 19, 1 << 40, u64::MAX, 3 + 16, 3 + 15][i % 7];
        }
        let wide: Vec<u64> = (0..3000u64).map(|i| (i * 13) % 40).collect();
        let same = vec![9u64; 255 * 8 * 3 + 5];
        for values in [&near, &mixed, &wide, &same] {
            for len in [0, 1, 7, 8, 9, 255 * 8, 255 * 8 + 1, values.len()] {
                let len = len.min(values.len());
                let ones = vec![1u8; len];
                assert_counts_agree(&values[..len], &ones);
                let gaps: Vec<u8> = (0..len).map(|i| u8::from(i % 5 != 0)).collect();
                assert_counts_agree(&values[..len], &gaps);
            }
        }
    }
}
