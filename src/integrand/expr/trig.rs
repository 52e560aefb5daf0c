//! SIMD sine and cosine: the argument is reduced by multiples of π/2 (the
//! quadrant found by one rounding addition, the remainder by a three-part
//! fused reduction to `|r| ≤ π/4`), then every lane evaluates the same sine
//! polynomial: on `r` in even quadrants, and on `r/2` in odd ones, where
//! `cos r = 1 − 2·sin²(r/2)`. The sign comes from the quadrant's bits.
//!
//! Invariant: every lane's value depends only on that lane's argument, and
//! lanes with `|x| > TRIG_LIMIT` (or non-finite) are flagged for the scalar
//! reference, which reduces exactly. Within the limit the result is within
//! the README's ulp of Rust's `f64::sin` / `f64::cos`
//! (`tests/expr_accuracy.rs`).

// Polynomial coefficients are quoted with all the digits of their doubles.
#![allow(clippy::excessive_precision)]

use super::exp::Bits;
use crate::simd::{Lane, LANES};

/// Largest |x| handled by the SIMD trigonometric functions; beyond it the
/// scalar reference (with its exact range reduction) takes over.
pub(crate) const TRIG_LIMIT: f64 = 1e8;

/// `1.5·2^52`: adding it rounds to an integer kept in the low mantissa bits.
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// π/2 as the sum of three doubles (159 bits). For an integer `q < 2^26`,
/// `a − q·PIO2[0]` is exact in one fused multiply-add (the result is below 1
/// and its bits stop at ulp(PIO2[0])), and the two later steps lose nothing
/// that matters even next to a multiple of π/2, where `r` is smallest.
const PIO2: [f64; 3] = [
    std::f64::consts::FRAC_PI_2,
    6.123_233_995_736_766e-17,
    -1.497_384_904_859_169_8e-33,
];

/// Cephes' minimax polynomial for the sine on [-π/4, π/4], highest degree
/// first: `sin r = r + r³·S(r²)`.
const SIN_C: [f64; 6] = [
    1.589_623_015_765_465_680_60e-10,
    -2.505_074_776_285_780_728_66e-8,
    2.755_731_362_138_572_452_13e-6,
    -1.984_126_982_958_953_859_96e-4,
    8.333_333_333_322_118_588_78e-3,
    -1.666_666_666_666_663_072_95e-1,
];

/// `c` in every lane (usable in constants).
const fn k(c: f64) -> Lane {
    Lane::new([c; LANES])
}

/// Every constant of the kernels, broadcast to full lane vectors. The VM
/// passes them through [`std::hint::black_box`], so that the compiler
/// reads them as memory operands of the arithmetic instead of
/// re-broadcasting each one in the loop when the registers run out.
pub(crate) struct Consts {
    two_over_pi: Lane,
    /// [`SHIFT`], and [`SHIFT`] + 1 (exact: its ulp is 1).
    shift: [Lane; 2],
    pio2: [Lane; 3],
    sin_c: [Lane; 6],
    one: Lane,
    limit: Lane,
    sign: Lane,
    /// The bit pattern `1 << 63`, as a lane.
    q_top: Lane,
    /// The bit pattern `1 << 52` (one unit of the exponent field).
    exp_one: Lane,
}

/// The constants of [`sin_with`] and [`cos_with`].
pub(crate) static CONSTS: Consts = Consts {
    two_over_pi: k(std::f64::consts::FRAC_2_PI),
    shift: [k(SHIFT), k(SHIFT + 1.0)],
    pio2: [k(PIO2[0]), k(PIO2[1]), k(PIO2[2])],
    sin_c: [
        k(SIN_C[0]),
        k(SIN_C[1]),
        k(SIN_C[2]),
        k(SIN_C[3]),
        k(SIN_C[4]),
        k(SIN_C[5]),
    ],
    one: k(1.0),
    limit: k(TRIG_LIMIT),
    sign: k(-0.0),
    q_top: k(f64::from_bits(1 << 63)),
    exp_one: k(f64::from_bits(1 << 52)),
};

/// A polynomial in `z` (coefficients highest first) by Horner's rule: one
/// fused multiply-add per coefficient, each reading its coefficient from
/// memory.
#[inline(always)]
fn horner(z: Lane, c: &[Lane]) -> Lane {
    let mut acc = c[0];
    for &ck in &c[1..] {
        acc = acc.mul_add(z, ck);
    }
    acc
}

/// `sin(q·π/2 + r)` for `|r| ≲ π/4`, where `qb` holds the quadrant `q` in
/// its low bits: `±sin r` when `q` is even, `±cos r = ±(1 − 2·sin²(r/2))`
/// when it is odd (so every lane runs the same sine polynomial, on `r` or
/// `r/2`), negated when bit 1 of `q` is set.
#[inline(always)]
fn in_quadrant(r: Lane, qb: Bits, k: &Consts) -> Lane {
    let low: Bits = qb << 63;
    let top: Bits = wide::bytemuck::cast(k.q_top);
    let odd: Bits = low.simd_eq(top);
    // 1 or ½, by subtracting one from the exponent field in odd lanes.
    let one: Bits = wide::bytemuck::cast(k.one);
    let exp_one: Bits = wide::bytemuck::cast(k.exp_one);
    let f: Lane = wide::bytemuck::cast(one - (odd & exp_one));
    let u = r * f;
    let z = u * u;
    let s = (u * z).mul_add(horner(z, &k.sin_c), u);
    let c = (s + s).mul_neg_add(s, k.one);
    let odd: Lane = wide::bytemuck::cast(odd);
    let negate: Lane = wide::bytemuck::cast((qb >> 1) << 63);
    odd.select(c, s) ^ negate
}

/// For `a = |x|`: the remainder `r = a − q·π/2` (`0 ≤ q < 2^26`) and the
/// bits of `q + shift − SHIFT` (`shift` is [`SHIFT`] plus 0 or 1: the
/// quadrant of the sine or, one further, of the cosine).
#[inline(always)]
fn quadrant(a: Lane, shift: Lane, k: &Consts) -> (Lane, Bits) {
    let qs = a.mul_add(k.two_over_pi, shift);
    let q = qs - shift;
    let r = q.mul_neg_add(k.pio2[0], a);
    let r = q.mul_neg_add(k.pio2[1], r);
    let r = q.mul_neg_add(k.pio2[2], r);
    (r, wide::bytemuck::cast(qs))
}

/// Sine, and the mask of lanes it covers (the others are left to the
/// scalar reference).
#[inline(always)]
pub(crate) fn sin_with(x: Lane, k: &Consts) -> (Lane, Lane) {
    let a = x.abs();
    let (r, qb) = quadrant(a, k.shift[0], k);
    let v = in_quadrant(r, qb, k) ^ (x & k.sign);
    (v, a.simd_le(k.limit))
}

/// Cosine (`cos a = sin(a + π/2)`: one quadrant further), and the mask of
/// lanes it covers.
#[inline(always)]
pub(crate) fn cos_with(x: Lane, k: &Consts) -> (Lane, Lane) {
    let a = x.abs();
    let (r, qb) = quadrant(a, k.shift[1], k);
    let v = in_quadrant(r, qb, k);
    (v, a.simd_le(k.limit))
}
