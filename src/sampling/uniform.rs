//! Uniform doubles in the open interval (0, 1) from Philox words.
//!
//! Invariant: every double carries 53 random bits and lies in
//! `[2^-54, 1 - 2^-53]`, so it is never 0 or 1 (transformations of infinite
//! ranges and VEGAS grids may divide by `u` or `1 - u`). Point `i`'s
//! coordinates are the same whatever block of points is being filled.

use wide::u32x8;

#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
use super::philox::philox4x32_x8_u64;
use super::philox::{key_of, philox4x32, philox4x32_lanes, philox4x32_lanes_multi, Stream};

/// 2^-32.
const TWO_M32: f64 = 1.0 / 4_294_967_296.0;
/// 2^-53.
const TWO_M53: f64 = TWO_M32 / 2_097_152.0;
/// The value that replaces the one all-zero word pair: 2^-54, the middle of
/// the first cell.
pub const SMALLEST: f64 = TWO_M53 / 2.0;

/// The double of the word pair `(hi, lo)`: the 53-bit integer
/// `k = hi · 2^21 + (lo >> 11)` times 2^-53, with `k = 0` replaced by
/// 2^-54. Exact (both parts are representable and do not overlap).
#[inline(always)]
pub fn uniform(hi: u32, lo: u32) -> f64 {
    let u = f64::from(hi).mul_add(TWO_M32, f64::from(lo >> 11) * TWO_M53);
    u.max(SMALLEST)
}

/// Sample `index`'s coordinates under `seed` (resolved) and `stream`, one
/// Philox block per coordinate pair: the reference for [`fill_columns`].
pub fn point(seed: u64, stream: Stream, index: u64, out: &mut [f64]) {
    let key = key_of(seed);
    for (j, pair) in out.chunks_mut(2).enumerate() {
        let w = philox4x32(
            [index as u32, (index >> 32) as u32, j as u32, stream as u32],
            key,
        );
        pair[0] = uniform(w[0], w[1]);
        if let Some(second) = pair.get_mut(1) {
            *second = uniform(w[2], w[3]);
        }
    }
}

/// Fills the columns of `out` with the points `first .. first + npts` of
/// `stream` under `seed`: coordinate `j` of point `first + p` goes to
/// `out[j·stride + p]` (column-major, `stride ≥ npts`). Bitwise equal to
/// calling [`point`] on each.
///
/// Each Philox lane call makes one coordinate pair of eight consecutive
/// points, and four such calls (32 points) interleave; their words convert
/// to doubles on SIMD lanes and land as contiguous runs of a column, so
/// nothing is transposed or scattered.
///
/// # Panics
/// When `out` is shorter than `ndim` columns of `stride`, or `npts > stride`.
pub fn fill_columns(
    seed: u64,
    stream: Stream,
    first: u64,
    ndim: usize,
    npts: usize,
    stride: usize,
    out: &mut [f64],
) {
    assert!(npts <= stride && out.len() >= ndim * stride);
    let key = key_of(seed);
    let pairs = ndim.div_ceil(2);
    let lane_offsets = u32x8::new([0, 1, 2, 3, 4, 5, 6, 7]);
    // The counter of eight points from `i` (carrying into the high word
    // where the low word wraps), coordinate pair `j`.
    let ctr = |i: u64, j: usize| {
        let lo = u32x8::splat(i as u32) + lane_offsets;
        let carry: [u32; 8] =
            std::array::from_fn(|l| u32::from((i as u32).checked_add(l as u32).is_none()));
        let hi = u32x8::splat((i >> 32) as u32) + u32x8::new(carry);
        [lo, hi, u32x8::splat(j as u32), u32x8::splat(stream as u32)]
    };
    let groups = npts / 8;
    for j in 0..pairs {
        let (c0, rest) = out[2 * j * stride..].split_at_mut(stride);
        let mut c1 = (2 * j + 1 < ndim).then(|| &mut rest[..stride]);
        let done = fill_pair_x8(key, stream, first, j, groups, c0, c1.as_deref_mut());
        let mut store = |g: usize, w: &[u32x8; 4]| {
            uniform_lanes(w[0], w[1], &mut c0[8 * g..8 * g + 8]);
            if let Some(c1) = c1.as_deref_mut() {
                uniform_lanes(w[2], w[3], &mut c1[8 * g..8 * g + 8]);
            }
        };
        let mut g = done;
        while g + 2 <= groups {
            let at = |k: usize| ctr(first + 8 * (g + k) as u64, j);
            let w = philox4x32_lanes_multi([at(0), at(1)], key);
            for (k, set) in w.iter().enumerate() {
                store(g + k, set);
            }
            g += 2;
        }
        while g < groups {
            store(g, &philox4x32_lanes(ctr(first + 8 * g as u64, j), key));
            g += 1;
        }
    }
    let mut one = vec![0.0; ndim];
    for q in 8 * groups..npts {
        point(seed, stream, first + q as u64, &mut one);
        for (j, &v) in one.iter().enumerate() {
            out[j * stride + q] = v;
        }
    }
}

/// The first `groups` groups of eight points of coordinate pair `j`
/// (see [`fill_columns`]) on AVX-512, through [`philox4x32_x8_u64`], four
/// sets of eight points interleaved; returns the groups filled (all of
/// them). The same bits as the 32-bit-lane path: the counters are the
/// same words, and each double is [`uniform`]'s exact sum.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
fn fill_pair_x8(
    key: [u32; 2],
    stream: Stream,
    first: u64,
    j: usize,
    groups: usize,
    c0: &mut [f64],
    mut c1: Option<&mut [f64]>,
) -> usize {
    use std::arch::x86_64::{
        __m512i, _mm256_srli_epi32, _mm512_add_epi64, _mm512_cvtepi64_epi32, _mm512_cvtepu32_pd,
        _mm512_fmadd_pd, _mm512_max_pd, _mm512_mul_pd, _mm512_set1_epi64, _mm512_set1_pd,
        _mm512_setr_epi64, _mm512_srli_epi64, _mm512_storeu_pd,
    };
    assert!(c0.len() >= 8 * groups && c1.as_ref().is_none_or(|c| c.len() >= 8 * groups));
    // SAFETY: compiled only where the whole build enables AVX-512F (cfg
    // above), so the intrinsics run on a CPU that has them; the only
    // memory they touch is the stores into `c0` and `c1`, each of eight
    // doubles at 8·g with g < groups, inside the lengths asserted above.
    unsafe {
        let lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
        let (jj, ss) = (
            _mm512_set1_epi64(j as i64),
            _mm512_set1_epi64(stream as i64),
        );
        // Sample numbers i + l as 64-bit sums: their low words (high halves
        // are ignored by the first multiply) and their high words.
        let ctr = |i: u64| -> [__m512i; 4] {
            let n = _mm512_add_epi64(_mm512_set1_epi64(i as i64), lanes);
            [n, _mm512_srli_epi64::<32>(n), jj, ss]
        };
        let (two_m32, two_m53, smallest) = (
            _mm512_set1_pd(TWO_M32),
            _mm512_set1_pd(TWO_M53),
            _mm512_set1_pd(SMALLEST),
        );
        let to_unit = |hi: __m512i, lo: __m512i| {
            let h = _mm512_cvtepu32_pd(_mm512_cvtepi64_epi32(hi));
            let l = _mm512_cvtepu32_pd(_mm256_srli_epi32::<11>(_mm512_cvtepi64_epi32(lo)));
            _mm512_max_pd(
                _mm512_fmadd_pd(h, two_m32, _mm512_mul_pd(l, two_m53)),
                smallest,
            )
        };
        let mut store = |g: usize, w: &[__m512i; 4]| {
            // `c0` and `c1` hold at least 8·groups doubles (asserted above)
            // and g < groups, so each store writes inside its slice.
            _mm512_storeu_pd(c0.as_mut_ptr().add(8 * g), to_unit(w[0], w[1]));
            if let Some(c1) = c1.as_deref_mut() {
                _mm512_storeu_pd(c1.as_mut_ptr().add(8 * g), to_unit(w[2], w[3]));
            }
        };
        let mut g = 0;
        while g + 4 <= groups {
            let at = |k: usize| ctr(first + 8 * (g + k) as u64);
            let w = philox4x32_x8_u64([at(0), at(1), at(2), at(3)], key);
            for (k, set) in w.iter().enumerate() {
                store(g + k, set);
            }
            g += 4;
        }
        while g < groups {
            let [w] = philox4x32_x8_u64([ctr(first + 8 * g as u64)], key);
            store(g, &w);
            g += 1;
        }
    }
    groups
}

/// Without AVX-512 the 32-bit-lane path fills every group.
#[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
fn fill_pair_x8(
    _: [u32; 2],
    _: Stream,
    _: u64,
    _: usize,
    _: usize,
    _: &mut [f64],
    _: Option<&mut [f64]>,
) -> usize {
    0
}

/// [`uniform`] on eight lanes into `out[..8]`: the same bits (the high word
/// and the top 21 bits of the low word convert exactly, and their scaled
/// sum is exact).
#[inline(always)]
pub fn uniform_lanes(hi: u32x8, lo: u32x8, out: &mut [f64]) {
    let h = hi.to_array();
    let l = (lo >> 11u32).to_array();
    for ((o, &h), &l) in out[..8].iter_mut().zip(&h).zip(&l) {
        *o = f64::from(h)
            .mul_add(TWO_M32, f64::from(l) * TWO_M53)
            .max(SMALLEST);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_words_stay_strictly_inside_the_unit_interval() {
        assert_eq!(uniform(0, 0), SMALLEST);
        assert!(uniform(0, 0) > 0.0);
        assert_eq!(uniform(0, 1 << 11), TWO_M53);
        assert_eq!(uniform(0, (1 << 11) - 1), SMALLEST);
        assert_eq!(uniform(u32::MAX, u32::MAX), 1.0 - TWO_M53);
        assert!(uniform(u32::MAX, u32::MAX) < 1.0);
        assert_eq!(uniform(1 << 31, 0), 0.5);
    }

    #[test]
    fn uniform_keeps_all_53_bits() {
        // Flipping the lowest kept bit of the low word changes the double.
        let a = uniform(0x8000_0000, 0x0000_0800);
        let b = uniform(0x8000_0000, 0x0000_1000);
        assert_eq!(b - a, TWO_M53);
        // The top bit of the high word is worth one half.
        assert_eq!(uniform(0xC000_0000, 0) - uniform(0x4000_0000, 0), 0.5);
    }

    #[test]
    fn column_fill_equals_pointwise_generation_across_the_word_carry() {
        let seed = 0xDEAD_BEEF_0000_0001;
        for ndim in [1usize, 2, 3, 5, 8] {
            // Lanes straddle the carry; 53 points are one interleaved run
            // of 32, two single groups of 8 and a scalar tail of 5.
            let first = (1u64 << 32) - 13;
            let (npts, stride) = (53, 56);
            let mut filled = vec![f64::NAN; ndim * stride];
            fill_columns(
                seed,
                Stream::MonteCarlo,
                first,
                ndim,
                npts,
                stride,
                &mut filled,
            );
            for q in 0..npts {
                let mut one = vec![0.0; ndim];
                point(seed, Stream::MonteCarlo, first + q as u64, &mut one);
                let col: Vec<f64> = (0..ndim).map(|j| filled[j * stride + q]).collect();
                assert_eq!(col, one, "ndim {ndim} point {q}");
            }
            // Nothing is written past npts in a column.
            assert!(filled[npts..stride].iter().all(|v| v.is_nan()));
        }
    }

    #[test]
    fn uniform_mean_and_variance_match_the_uniform_law() {
        let n = 1 << 16;
        let mut v = vec![0.0; n * 3];
        fill_columns(1, Stream::MonteCarlo, 0, 3, n, n, &mut v);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - 0.5) * (x - 0.5)).sum::<f64>() / v.len() as f64;
        // Standard errors: 1/sqrt(12·3n) ≈ 6.5e-4 and about 3.8e-4.
        assert!((mean - 0.5).abs() < 4.0 * 6.5e-4, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 4.0 * 3.8e-4, "var {var}");
        assert!(v.iter().all(|&x| x > 0.0 && x < 1.0));
    }
}
