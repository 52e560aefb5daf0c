//! Philox4x32-10, the counter-based generator of Salmon et al. (SC'11):
//! its output is a pure function of a 128-bit counter and a 64-bit key, so
//! any sample can be regenerated from its number alone, on any thread or
//! process.
//!
//! Invariant: [`philox4x32`] (one block) and [`philox4x32_lanes`] (one
//! block per SIMD lane) compute the same bits; both reproduce the published
//! known-answer vectors (see the tests).
//!
//! # Counter layout used by vquad
//! The samplers never use a generator state. The random words of sample
//! `i`, coordinates `2j` and `2j + 1`, purpose `stream`, under seed `s`
//! (after [`resolve_seed`]) are
//!
//! ```text
//! key     = (s mod 2^32, s >> 32)
//! counter = (i mod 2^32, i >> 32, j, stream)
//! (w0, w1, w2, w3) = philox4x32(counter, key)
//! coordinate 2j     = uniform(w0, w1)      (see super::uniform)
//! coordinate 2j + 1 = uniform(w2, w3)
//! ```
//!
//! The streams are listed in [`Stream`].

use wide::u32x8;

/// Multiplier of the first word pair.
const M0: u32 = 0xD251_1F53;
/// Multiplier of the second word pair.
const M1: u32 = 0xCD9E_8D57;
/// Weyl increment of the first key word.
const W0: u32 = 0x9E37_79B9;
/// Weyl increment of the second key word.
const W1: u32 = 0xBB67_AE85;
/// Rounds (the "-10" of Philox4x32-10).
const ROUNDS: usize = 10;

pub use crate::options::DEFAULT_SEED;

/// Replaces `seed = 0` ("use the default") by [`DEFAULT_SEED`].
pub fn resolve_seed(seed: u64) -> u64 {
    if seed == 0 {
        DEFAULT_SEED
    } else {
        seed
    }
}

/// The fourth counter word: what a random word is used for, so that the
/// samplers never reuse each other's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Stream {
    /// Plain Monte Carlo sample points (counter word 0–1: sample index).
    MonteCarlo = 0,
    /// Scrambling seeds of randomized QMC (sample index: replicate number;
    /// coordinate pair `j`: dimensions `2j`, `2j + 1`; each dimension's
    /// word pair is its scrambling key and its low-digit key).
    QmcScramble = 1,
    /// VEGAS points (sample index: the evaluation's number counted over all
    /// iterations of the call).
    Vegas = 2,
}

/// One Philox4x32-10 block: the four output words of `counter` under `key`.
pub fn philox4x32(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let [mut c0, mut c1, mut c2, mut c3] = counter;
    let [mut k0, mut k1] = key;
    for round in 0..ROUNDS {
        if round > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let p0 = u64::from(M0) * u64::from(c0);
        let p1 = u64::from(M1) * u64::from(c2);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
    }
    [c0, c1, c2, c3]
}

/// Eight Philox4x32-10 blocks at once, one per 32-bit SIMD lane: lane `l`
/// of the result is `philox4x32` of lane `l` of each counter word, all
/// under the same key.
#[inline]
pub fn philox4x32_lanes(counter: [u32x8; 4], key: [u32; 2]) -> [u32x8; 4] {
    let [mut c0, mut c1, mut c2, mut c3] = counter;
    let (m0, m1) = (u32x8::splat(M0), u32x8::splat(M1));
    let [mut k0, mut k1] = key;
    for round in 0..ROUNDS {
        if round > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let (lo0, hi0) = m0.mul_keep_low_high(c0);
        let (lo1, hi1) = m1.mul_keep_low_high(c2);
        (c0, c1, c2, c3) = (
            hi1 ^ c1 ^ u32x8::splat(k0),
            lo1,
            hi0 ^ c3 ^ u32x8::splat(k1),
            lo0,
        );
    }
    [c0, c1, c2, c3]
}

/// `K` independent sets of eight blocks at once: the rounds of the sets
/// interleave, so the multiplier latency of one set hides behind the work
/// of the others (one set alone is latency-bound). Set `k` of the result is
/// [`philox4x32_lanes`] of set `k`.
#[inline]
pub fn philox4x32_lanes_multi<const K: usize>(
    counters: [[u32x8; 4]; K],
    key: [u32; 2],
) -> [[u32x8; 4]; K] {
    let mut c = counters;
    let (m0, m1) = (u32x8::splat(M0), u32x8::splat(M1));
    let [mut k0, mut k1] = key;
    for round in 0..ROUNDS {
        if round > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let (kk0, kk1) = (u32x8::splat(k0), u32x8::splat(k1));
        for set in c.iter_mut() {
            let (lo0, hi0) = m0.mul_keep_low_high(set[0]);
            let (lo1, hi1) = m1.mul_keep_low_high(set[2]);
            *set = [hi1 ^ set[1] ^ kk0, lo1, hi0 ^ set[3] ^ kk1, lo0];
        }
    }
    c
}

/// `K` sets of eight Philox4x32-10 blocks on AVX-512, each 32-bit word in
/// the low half of a 64-bit lane: set `k`, lane `l` of the result is
/// [`philox4x32`] of the low halves of lane `l` of set `k`'s counter words,
/// under `key`, in the low halves of the result (the high halves hold
/// garbage; callers truncate).
///
/// Why a second lane form: `vpmuludq` multiplies the low halves of 64-bit
/// lanes into full 64-bit products, so a round is two multiplies, two
/// shifts and two three-way XORs (`vpternlogq`) per eight blocks, where
/// the 32-bit-lane form also shuffles the products into place.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
#[inline(always)]
pub fn philox4x32_x8_u64<const K: usize>(
    counters: [[std::arch::x86_64::__m512i; 4]; K],
    key: [u32; 2],
) -> [[std::arch::x86_64::__m512i; 4]; K] {
    use std::arch::x86_64::{
        _mm512_mul_epu32, _mm512_set1_epi64, _mm512_srli_epi64, _mm512_ternarylogic_epi64,
    };
    // SAFETY: compiled only where the whole build enables AVX-512F (cfg
    // above), so these intrinsics run on a CPU that has them; none of them
    // reads or writes memory.
    unsafe {
        let mut c = counters;
        let (m0, m1) = (_mm512_set1_epi64(M0.into()), _mm512_set1_epi64(M1.into()));
        let [mut k0, mut k1] = key;
        for round in 0..ROUNDS {
            if round > 0 {
                k0 = k0.wrapping_add(W0);
                k1 = k1.wrapping_add(W1);
            }
            let (kk0, kk1) = (_mm512_set1_epi64(k0.into()), _mm512_set1_epi64(k1.into()));
            for set in c.iter_mut() {
                // Only the low halves of the multiplicands are read, so the
                // garbage the XORs leave in the high halves never enters.
                let p0 = _mm512_mul_epu32(set[0], m0);
                let p1 = _mm512_mul_epu32(set[2], m1);
                *set = [
                    _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p1), set[1], kk0),
                    p1,
                    _mm512_ternarylogic_epi64::<0x96>(_mm512_srli_epi64::<32>(p0), set[3], kk1),
                    p0,
                ];
            }
        }
        c
    }
}

/// The key words of a (resolved) 64-bit seed.
#[inline]
pub fn key_of(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random123's published known-answer vectors for Philox4x32-10.
    const KNOWN_ANSWERS: [([u32; 4], [u32; 2], [u32; 4]); 3] = [
        (
            [0, 0, 0, 0],
            [0, 0],
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8],
        ),
        (
            [u32::MAX; 4],
            [u32::MAX; 2],
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd],
        ),
        (
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
            [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1],
        ),
    ];

    #[test]
    fn scalar_philox_reproduces_random123_known_answers() {
        for (ctr, key, out) in KNOWN_ANSWERS {
            assert_eq!(philox4x32(ctr, key), out, "counter {ctr:08x?}");
        }
    }

    #[test]
    fn lane_philox_reproduces_known_answers_in_every_lane() {
        for (ctr, key, out) in KNOWN_ANSWERS {
            let lanes = philox4x32_lanes(ctr.map(u32x8::splat), key);
            for (word, expect) in lanes.iter().zip(out) {
                assert_eq!(word.to_array(), [expect; 8]);
            }
        }
    }

    #[test]
    fn lane_philox_matches_scalar_for_distinct_counters() {
        let key = [0x1234_5678, 0x9abc_def0];
        let ctr: [[u32; 8]; 4] = [
            std::array::from_fn(|l| 0xffff_fffa_u32.wrapping_add(l as u32)),
            std::array::from_fn(|l| l as u32 * 77),
            [3; 8],
            std::array::from_fn(|l| u32::MAX - l as u32),
        ];
        let out = philox4x32_lanes(ctr.map(u32x8::new), key);
        for l in 0..8usize {
            let scalar = philox4x32(ctr.map(|word| word[l]), key);
            for (w, word) in out.iter().enumerate() {
                assert_eq!(word.to_array()[l], scalar[w], "lane {l} word {w}");
            }
        }
    }

    #[test]
    fn interleaved_sets_equal_single_sets() {
        let key = [7, 9];
        let sets: [[u32x8; 4]; 3] = std::array::from_fn(|k| {
            std::array::from_fn(|w| {
                u32x8::new(std::array::from_fn(|l| (k * 100 + w * 10 + l) as u32))
            })
        });
        let multi = philox4x32_lanes_multi(sets, key);
        for k in 0..3 {
            let one = philox4x32_lanes(sets[k], key);
            for w in 0..4 {
                assert_eq!(multi[k][w].to_array(), one[w].to_array());
            }
        }
    }

    #[test]
    fn seed_zero_means_the_documented_default() {
        assert_eq!(resolve_seed(0), DEFAULT_SEED);
        assert_eq!(resolve_seed(7), 7);
        assert_eq!(key_of(0x1_0000_0002), [2, 1]);
    }
}
