//! `sample(fraction, "salt")`: a stable pseudo-random choice of profiles.
//!
//! This is part of the language specification: other tools (and the JIT) must
//! reproduce it bit for bit, so it is spelled out here in full.

/// FNV-1a, 64-bit: offset basis `0xcbf29ce484222325`, prime `0x100000001b3`; for each
/// byte, `h ^= byte; h *= prime` (wrapping).
fn fnv1a64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// MurmurHash3's 64-bit finalizer: spreads FNV's weak low bits over the whole word.
fn fmix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b93e_53fe_1a85);
    x ^= x >> 33;
    x
}

/// The profile's point in `[0, 1)` for a salt:
/// `x = fmix64(fnv1a64(utf8(salt) ++ b":" ++ utf8(id)))`, then
/// `((x >> 11) as f64) / 2^53` (the top 53 bits, exactly representable).
pub fn sample_point(id: &str, salt: &str) -> f64 {
    let x = fmix64(fnv1a64(&[salt.as_bytes(), b":", id.as_bytes()]));
    // 2^53 as f64 is exact; the quotient is exact too (a 53-bit integer over a power of 2).
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether the profile `id` is in `sample(fraction, salt)`:
/// `sample_point(id, salt) < fraction`.
///
/// * `x = fmix64(fnv1a64(utf8(salt) ++ b":" ++ utf8(id)))` where `fnv1a64` is 64-bit
///   FNV-1a (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`, xor then
///   multiply, wrapping) and `fmix64` is MurmurHash3's finalizer
///   (`x ^= x>>33; x *= 0xff51afd7ed558ccd; x ^= x>>33; x *= 0xc4ceb93e53fe1a85;
///   x ^= x>>33`, wrapping);
/// * the profile is in the sample iff `((x >> 11) as f64) / 2^53 < fraction`.
///
/// So `fraction <= 0` (or NaN) selects nobody and `fraction >= 1` everybody; the same
/// (id, salt) gives the same answer on every run and machine, and different salts give
/// independent samples.
pub fn sample(id: &str, salt: &str, fraction: f64) -> bool {
    sample_point(id, salt) < fraction
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    /// Expected points computed independently in Python 3 (arbitrary-precision ints
    /// masked to 64 bits):
    ///
    /// ```python
    /// M = (1 << 64) - 1
    /// def fnv1a64(b):
    ///     h = 0xcbf29ce484222325
    ///     for c in b: h ^= c; h = (h * 0x100000001b3) & M
    ///     return h
    /// def fmix64(x):
    ///     x ^= x >> 33; x = (x * 0xff51afd7ed558ccd) & M
    ///     x ^= x >> 33; x = (x * 0xc4ceb93e53fe1a85) & M
    ///     return x ^ (x >> 33)
    /// def point(id, salt):
    ///     x = fmix64(fnv1a64(salt.encode() + b":" + id.encode()))
    ///     return (x >> 11) / float(1 << 53)
    /// ```
    const PYTHON_POINTS: &[(&str, &str, f64)] = &[
        ("u1", "recall-2026", 0.014487890486678756),
        ("u2", "recall-2026", 0.8425553265621072),
        ("u3", "recall-2026", 0.7421067493295497),
        ("alice", "ab", 0.47996051867613054),
        ("用户42", "实验", 0.1401743690359687),
        ("", "", 0.09679028911965482),
    ];

    #[test]
    fn points_match_the_python_reference() {
        for &(id, salt, point) in PYTHON_POINTS {
            assert_eq!(sample_point(id, salt), point, "{id:?} {salt:?}");
        }
        // The hash itself, for reimplementers who compare raw words.
        let x = fmix64(fnv1a64(&[b"recall-2026", b":", b"u1"]));
        assert_eq!(x, 0x03b5_7a77_d40c_748d);
    }

    #[test]
    fn fixed_membership() {
        assert!(sample("u1", "recall-2026", 0.10));
        assert!(!sample("u2", "recall-2026", 0.10));
        assert!(sample("u2", "recall-2026", 0.85));
        assert!(sample("用户42", "实验", 0.15));
        assert!(!sample("用户42", "实验", 0.14));
        assert!(!sample("u1", "recall-2026", 0.0));
        assert!(!sample("u1", "recall-2026", f64::NAN));
        assert!(sample("u2", "recall-2026", 1.0));
    }

    #[test]
    fn about_a_tenth_of_100k_ids() {
        let n = 100_000;
        let hits = (0..n)
            .filter(|i| sample(&format!("user-{i}"), "recall-2026", 0.10))
            .count();
        // Binomial sd is ~95; allow a generous 5 sd.
        assert!((9_525..=10_475).contains(&hits), "{hits}");
    }

    proptest! {
        #[test]
        fn fraction_tracks_p(p in 0.0f64..=1.0, salt in "[a-z0-9-]{0,12}") {
            let n = 4_000;
            let hits = (0..n).filter(|i| sample(&format!("id{i}"), &salt, p)).count();
            let share = hits as f64 / n as f64;
            // sd <= 0.0079 at n = 4000; 6 sd.
            prop_assert!((share - p).abs() < 0.048, "p={p} share={share}");
        }

        #[test]
        fn monotone_in_fraction(id in ".{0,20}", salt in ".{0,20}", a in 0.0f64..1.0, b in 0.0f64..1.0) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(!sample(&id, &salt, lo) || sample(&id, &salt, hi));
        }
    }
}
