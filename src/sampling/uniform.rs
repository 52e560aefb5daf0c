//! Uniform doubles in the open interval (0, 1) from Philox words.
//!
//! Invariant: every double carries 53 random bits and lies in
//! `[2^-54, 1 - 2^-53]`, so it is never 0 or 1 (transformations of infinite
//! ranges and VEGAS grids may divide by `u` or `1 - u`). Point `i`'s
//! coordinates are the same whatever block of points is being filled.

use wide::{f64x4, i32x4, u32x8};

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
/// Philox block per coordinate pair: the reference for [`fill_points`].
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

/// Fills `out` (point-major, `ndim` doubles per point) with the points
/// `first, first + 1, …` of `stream` under `seed`, eight points per Philox
/// lane call. Bitwise equal to calling [`point`] on each.
pub fn fill_points(seed: u64, stream: Stream, first: u64, ndim: usize, out: &mut [f64]) {
    debug_assert!(ndim > 0 && out.len().is_multiple_of(ndim));
    let npts = out.len() / ndim;
    let key = key_of(seed);
    let pairs = ndim.div_ceil(2);
    let lane_offsets = u32x8::new([0, 1, 2, 3, 4, 5, 6, 7]);
    let mut p = 0;
    while p + 8 <= npts {
        let i = first + p as u64;
        let lo = u32x8::splat(i as u32) + lane_offsets;
        // Carry into the high word where the low word wrapped.
        let carry: [u32; 8] =
            std::array::from_fn(|l| u32::from((i as u32).checked_add(l as u32).is_none()));
        let hi = u32x8::splat((i >> 32) as u32) + u32x8::new(carry);
        let rows = &mut out[p * ndim..(p + 8) * ndim];
        let ctr = |j: usize| [lo, hi, u32x8::splat(j as u32), u32x8::splat(stream as u32)];
        let mut j = 0;
        while j + 4 <= pairs {
            let w = philox4x32_lanes_multi([ctr(j), ctr(j + 1), ctr(j + 2), ctr(j + 3)], key);
            for (k, set) in w.iter().enumerate() {
                store_pair(rows, ndim, j + k, set);
            }
            j += 4;
        }
        while j + 2 <= pairs {
            let w = philox4x32_lanes_multi([ctr(j), ctr(j + 1)], key);
            for (k, set) in w.iter().enumerate() {
                store_pair(rows, ndim, j + k, set);
            }
            j += 2;
        }
        if j < pairs {
            store_pair(rows, ndim, j, &philox4x32_lanes(ctr(j), key));
        }
        p += 8;
    }
    for q in p..npts {
        point(
            seed,
            stream,
            first + q as u64,
            &mut out[q * ndim..(q + 1) * ndim],
        );
    }
}

/// [`uniform`] on eight lanes: the same bits, converted four at a time
/// (`hi − 2^31` fits an `i32`, and adding 2^31 back is exact).
#[inline(always)]
fn uniform_lanes(hi: u32x8, lo: u32x8) -> [f64; 8] {
    let h = (hi ^ u32x8::splat(0x8000_0000)).to_array();
    let l: [u32; 8] = (lo >> 11u32).to_array();
    let half = |v: &[u32; 8], k: usize| {
        f64x4::from_i32x4(i32x4::new([
            v[k] as i32,
            v[k + 1] as i32,
            v[k + 2] as i32,
            v[k + 3] as i32,
        ]))
    };
    let conv = |k: usize| {
        let hf = half(&h, k) + f64x4::splat(2_147_483_648.0);
        let lf = half(&l, k) * f64x4::splat(TWO_M53);
        hf.mul_add(f64x4::splat(TWO_M32), lf)
            .max(f64x4::splat(SMALLEST))
            .to_array()
    };
    let (a, b) = (conv(0), conv(4));
    [a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]]
}

/// Writes coordinates `2j` and `2j + 1` (when below `ndim`) of eight
/// points from one lane block.
#[inline(always)]
fn store_pair(rows: &mut [f64], ndim: usize, j: usize, w: &[u32x8; 4]) {
    let first = uniform_lanes(w[0], w[1]);
    for (row, v) in rows.chunks_exact_mut(ndim).zip(first) {
        row[2 * j] = v;
    }
    if 2 * j + 1 < ndim {
        let second = uniform_lanes(w[2], w[3]);
        for (row, v) in rows.chunks_exact_mut(ndim).zip(second) {
            row[2 * j + 1] = v;
        }
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
    fn lane_fill_equals_pointwise_generation_across_the_word_carry() {
        let seed = 0xDEAD_BEEF_0000_0001;
        for ndim in [1usize, 2, 3, 5, 8] {
            let first = (1u64 << 32) - 5; // lanes straddle the carry
            let npts = 21;
            let mut filled = vec![0.0; npts * ndim];
            fill_points(seed, Stream::MonteCarlo, first, ndim, &mut filled);
            for q in 0..npts {
                let mut one = vec![0.0; ndim];
                point(seed, Stream::MonteCarlo, first + q as u64, &mut one);
                let row = &filled[q * ndim..(q + 1) * ndim];
                assert_eq!(row, &one[..], "ndim {ndim} point {q}");
            }
        }
    }

    #[test]
    fn uniform_mean_and_variance_match_the_uniform_law() {
        let n = 1 << 16;
        let mut v = vec![0.0; n * 3];
        fill_points(1, Stream::MonteCarlo, 0, 3, &mut v);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - 0.5) * (x - 0.5)).sum::<f64>() / v.len() as f64;
        // Standard errors: 1/sqrt(12·3n) ≈ 6.5e-4 and about 3.8e-4.
        assert!((mean - 0.5).abs() < 4.0 * 6.5e-4, "mean {mean}");
        assert!((var - 1.0 / 12.0).abs() < 4.0 * 3.8e-4, "var {var}");
        assert!(v.iter().all(|&x| x > 0.0 && x < 1.0));
    }
}
