//! Sobol points with Joe–Kuo direction numbers, and their randomization by
//! hash-based nested (Owen-style) scrambling.
//!
//! Invariant: unscrambled point `k` of dimension `d` is SciPy's
//! `qmc.Sobol(d, scramble=False, bits=32)` point `k` (Gray-code order, so the
//! first `2^m` points are the same set as in natural order); a scrambled
//! point depends only on `(seed, replicate, k)`.
//!
//! # Randomization
//! Replicate `r` draws, for each dimension `d`, two 32-bit keys from Philox
//! (counter `(r, 0, d / 2, Stream::QmcScramble)`, words `2·(d mod 2)` and
//! `2·(d mod 2) + 1`). The first scrambles the 32 Sobol digits with a
//! nested permutation: the digits are bit-reversed, passed through an
//! add-then-multiply-xor hash in which every output bit depends only on
//! itself and lower input bits (Laine–Karras; Burley 2020), and reversed
//! back, so digit `b` of the point is flipped by a random function of
//! digits `1..b` — Owen's nested uniform scramble. The second key hashes
//! the scrambled 32 digits into 21 further random digits (the nested
//! scramble of digits 33–53, which the 32-digit net leaves free). The
//! result converts as [`super::uniform::uniform`], so it lies in (0, 1).

use std::sync::OnceLock;

use wide::u32x8;

use super::philox::{key_of, philox4x32, Stream};
use super::sobol_table::{SOBOL_DIMS, SOBOL_TABLE};
use super::uniform::{uniform, uniform_lanes};

/// Largest dimension of the Sobol sequence.
pub const MAX_DIM: usize = SOBOL_DIMS;
/// Digits per coordinate: a replicate holds at most 2^32 points.
pub const BITS: usize = 32;

/// Direction numbers `v[d][b]` (bit `b` of the index contributes
/// `v[d][b]`, left-aligned in 32 bits), computed once from the table.
fn directions() -> &'static [[u32; BITS]] {
    static V: OnceLock<Vec<[u32; BITS]>> = OnceLock::new();
    V.get_or_init(|| SOBOL_TABLE.iter().map(|(p, m)| dimension(*p, m)).collect())
}

/// The direction numbers with their bits reversed, so that the Gray-code
/// XOR builds the reversed point, which the scramble works on.
fn directions_reversed() -> &'static [[u32; BITS]] {
    static V: OnceLock<Vec<[u32; BITS]>> = OnceLock::new();
    V.get_or_init(|| {
        directions()
            .iter()
            .map(|v| v.map(u32::reverse_bits))
            .collect()
    })
}

/// The direction numbers of one dimension from its primitive polynomial
/// `poly` (degree `s`, leading and constant terms included) and initial
/// numbers `m_1..m_s`, by the recurrence
/// `m_k = 2a_1 m_{k-1} ⊕ 4a_2 m_{k-2} ⊕ … ⊕ 2^s m_{k-s} ⊕ m_{k-s}`.
fn dimension(poly: u32, m_init: &[u16]) -> [u32; BITS] {
    let s = (32 - poly.leading_zeros() - 1) as usize;
    let mut m = [0u64; BITS];
    if s == 0 {
        // Van der Corput: every m_k = 1.
        m = [1; BITS];
    } else {
        for k in 0..BITS {
            m[k] = if k < s {
                u64::from(m_init[k])
            } else {
                let mut v = m[k - s] ^ (m[k - s] << s);
                for i in 1..s {
                    if (poly >> (s - i)) & 1 == 1 {
                        v ^= m[k - i] << i;
                    }
                }
                v
            };
        }
    }
    std::array::from_fn(|k| (m[k] << (BITS - 1 - k)) as u32)
}

/// The unscrambled point `index` (Gray-code order) in dimensions
/// `0..out.len()`, as 32-bit integers (`x = out[d] / 2^32`).
///
/// # Panics
/// When `out.len() > MAX_DIM` or `index >= 2^32`.
pub fn sobol_ints(index: u64, out: &mut [u32]) {
    assert!(out.len() <= MAX_DIM && index < 1 << BITS);
    let gray = index ^ (index >> 1);
    for (d, o) in out.iter_mut().enumerate() {
        let v = &directions()[d];
        *o = (0..BITS)
            .filter(|b| gray >> b & 1 == 1)
            .fold(0, |x, b| x ^ v[b]);
    }
}

/// One replicate's randomization: per-dimension scrambling keys.
#[derive(Debug, Clone)]
pub struct Scramble {
    keys: Vec<(u32, u32)>,
}

impl Scramble {
    /// The keys of replicate `replicate` under the (resolved) `seed` for
    /// `ndim` dimensions.
    pub fn new(seed: u64, replicate: u64, ndim: usize) -> Scramble {
        let key = key_of(seed);
        let keys = (0..ndim)
            .map(|d| {
                let w = philox4x32(
                    [
                        replicate as u32,
                        (replicate >> 32) as u32,
                        (d / 2) as u32,
                        Stream::QmcScramble as u32,
                    ],
                    key,
                );
                if d % 2 == 0 {
                    (w[0], w[1])
                } else {
                    (w[2], w[3])
                }
            })
            .collect();
        Scramble { keys }
    }

    /// Fills the columns of `out` with the scrambled points `first ..
    /// first + npts` of this replicate: coordinate `d` of point `first + p`
    /// at `out[d·stride + p]` (`stride ≥ npts`). Bitwise equal to
    /// [`Scramble::point`] on each.
    ///
    /// The Gray-code steps update one digit word per dimension; the
    /// scramble and the conversion run down each dimension's column on
    /// eight lanes.
    ///
    /// # Panics
    /// When the points run past index 2^32, `ndim > MAX_DIM`, or `out` is
    /// shorter than `ndim` columns of `stride`.
    pub fn fill_columns(&self, first: u64, npts: usize, stride: usize, out: &mut [f64]) {
        let ndim = self.keys.len();
        assert!(first + npts as u64 <= 1 << BITS && ndim <= MAX_DIM);
        assert!(npts <= stride && out.len() >= ndim * stride);
        if npts == 0 {
            return;
        }
        let dirs = &directions_reversed()[..ndim];
        // The direction index of each Gray-code step: point k differs from
        // k − 1 by the direction of the lowest zero bit of k − 1.
        let steps: Vec<u8> = (1..npts)
            .map(|p| (first + p as u64 - 1).trailing_ones() as u8)
            .collect();
        let padded = npts.next_multiple_of(8);
        let mut raw = vec![0u32; padded];
        let mut start = vec![0u32; ndim];
        sobol_ints(first, &mut start);
        for (d, ((&(k1, k2), v), &x0)) in self.keys.iter().zip(dirs).zip(&start).enumerate() {
            // Reversed unscrambled digits of dimension d, by Gray-code steps.
            let mut x = x0.reverse_bits();
            raw[0] = x;
            for (r, &b) in raw[1..npts].iter_mut().zip(&steps) {
                x ^= v[usize::from(b)];
                *r = x;
            }
            let col = &mut out[d * stride..d * stride + npts];
            for (g, lanes) in raw.chunks_exact(8).enumerate() {
                let r = u32x8::new(lanes.try_into().expect("8 lanes"));
                let s = reverse_lanes(owen_hash_lanes(r, k1));
                let low = low_digits_lanes(s, k2);
                let n = 8.min(npts - 8 * g);
                if n == 8 {
                    uniform_lanes(s, low, &mut col[8 * g..8 * g + 8]);
                } else {
                    let mut last = [0.0; 8];
                    uniform_lanes(s, low, &mut last);
                    col[8 * g..8 * g + n].copy_from_slice(&last[..n]);
                }
            }
        }
    }

    /// The scrambled point `index` of this replicate (the scalar reference
    /// of [`Scramble::fill_columns`]).
    pub fn point(&self, index: u64, out: &mut [f64]) {
        let mut x = vec![0u32; self.keys.len()];
        sobol_ints(index, &mut x);
        for ((o, &xd), &(k1, k2)) in out.iter_mut().zip(&x).zip(&self.keys) {
            let s = nested_scramble(xd, k1);
            *o = uniform(s, low_digits(s, k2));
        }
    }
}

/// The keyed hash of reversed digits in which every output bit depends only
/// on itself and lower input bits (Laine–Karras, with Burley's constants).
#[inline(always)]
fn owen_hash(mut r: u32, key: u32) -> u32 {
    r = r.wrapping_add(key);
    r ^= r.wrapping_mul(0x6c50_b47c);
    r ^= r.wrapping_mul(0xb82f_1e52);
    r ^= r.wrapping_mul(0xc7af_e638);
    r ^ r.wrapping_mul(0x8d22_f6e6)
}

/// [`owen_hash`] on eight lanes.
#[inline(always)]
fn owen_hash_lanes(mut r: u32x8, key: u32) -> u32x8 {
    r += u32x8::splat(key);
    r ^= r * u32x8::splat(0x6c50_b47c);
    r ^= r * u32x8::splat(0xb82f_1e52);
    r ^= r * u32x8::splat(0xc7af_e638);
    r ^ (r * u32x8::splat(0x8d22_f6e6))
}

/// Reverses the bits of each lane.
#[inline(always)]
fn reverse_lanes(mut v: u32x8) -> u32x8 {
    let swap = |v: u32x8, mask: u32, s: u32| {
        let m = u32x8::splat(mask);
        ((v >> s) & m) | ((v & m) << s)
    };
    v = swap(v, 0x5555_5555, 1);
    v = swap(v, 0x3333_3333, 2);
    v = swap(v, 0x0f0f_0f0f, 4);
    v = swap(v, 0x00ff_00ff, 8);
    (v >> 16) | (v << 16)
}

/// Owen-style nested scramble of 32 digits: digit `b` (from the top) is
/// flipped by a keyed function of digits above it.
#[inline(always)]
pub fn nested_scramble(x: u32, key: u32) -> u32 {
    owen_hash(x.reverse_bits(), key).reverse_bits()
}

/// A keyed 32-bit mix of the scrambled digits whose top 21 bits become the
/// digits below them (only bits 11..32 are used by `uniform`).
#[inline(always)]
fn low_digits(s: u32, key: u32) -> u32 {
    let mut h = s ^ key;
    h = (h ^ (h >> 16)).wrapping_mul(0x7feb_352d);
    h = (h ^ (h >> 15)).wrapping_mul(0x846c_a68b);
    h ^ (h >> 16)
}

/// [`low_digits`] on eight lanes.
#[inline(always)]
fn low_digits_lanes(s: u32x8, key: u32) -> u32x8 {
    let mut h = s ^ u32x8::splat(key);
    h = (h ^ (h >> 16)) * u32x8::splat(0x7feb_352d);
    h = (h ^ (h >> 15)) * u32x8::splat(0x846c_a68b);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::super::sobol_reference::SOBOL_REFERENCE;
    use super::*;

    #[test]
    fn unscrambled_points_match_scipy_sobol() {
        for &(d, index, expect) in SOBOL_REFERENCE {
            let mut got = vec![0u32; d];
            sobol_ints(index, &mut got);
            assert_eq!(&got[..], expect, "d = {d}, point {index}");
        }
    }

    #[test]
    fn every_dimension_is_stratified_in_each_power_of_two_prefix() {
        // A (t, s)-sequence in base 2 puts one point of the first 2^m in
        // each interval [j/2^m, (j+1)/2^m) of every one-dimensional
        // projection (t = 0 per coordinate): a check independent of SciPy.
        let m = 10;
        let mut seen = vec![vec![false; 1 << m]; MAX_DIM];
        let mut x = vec![0u32; MAX_DIM];
        for k in 0..1u64 << m {
            sobol_ints(k, &mut x);
            for (d, &xd) in x.iter().enumerate() {
                let cell = (xd >> (32 - m)) as usize;
                assert!(!seen[d][cell], "dimension {d}, point {k}");
                seen[d][cell] = true;
            }
        }
    }

    #[test]
    fn lane_fill_with_gray_code_steps_equals_the_scalar_reference() {
        let s = Scramble::new(3, 0, 7);
        for (first, n) in [(1000u64, 41usize), (0, 1), (5, 8), ((1 << 32) - 9, 9)] {
            let stride = n + 3;
            let mut stepped = vec![f64::NAN; 7 * stride];
            s.fill_columns(first, n, stride, &mut stepped);
            for p in 0..n {
                let mut one = vec![0.0; 7];
                s.point(first + p as u64, &mut one);
                let col: Vec<f64> = (0..7).map(|d| stepped[d * stride + p]).collect();
                assert_eq!(col, one, "point {first}+{p}");
            }
            // Nothing is written past n in a column.
            assert!(stepped[n..stride].iter().all(|v| v.is_nan()));
        }
    }

    #[test]
    fn nested_scramble_preserves_stratification() {
        // Owen scrambling maps a net to a net: the scrambled first 2^m
        // points still fill every 2^-m cell of each coordinate once.
        let m = 12;
        let s = Scramble::new(99, 5, 3);
        let mut pts = vec![0.0; 3 << m];
        s.fill_columns(0, 1 << m, 1 << m, &mut pts);
        for d in 0..3 {
            let mut seen = vec![false; 1 << m];
            for x in &pts[d << m..(d + 1) << m] {
                let cell = (x * f64::from(1u32 << m)) as usize;
                assert!(!seen[cell]);
                seen[cell] = true;
            }
        }
        assert!(pts.iter().all(|&x| x > 0.0 && x < 1.0));
    }

    #[test]
    fn replicates_differ() {
        let (a, b) = (Scramble::new(1, 0, 4), Scramble::new(1, 1, 4));
        let (mut pa, mut pb) = (vec![0.0; 4], vec![0.0; 4]);
        a.fill_columns(0, 1, 1, &mut pa);
        b.fill_columns(0, 1, 1, &mut pb);
        assert_ne!(pa, pb);
    }
}
