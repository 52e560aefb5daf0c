//! The operators of the expression language: their names, their scalar
//! meaning (Rust's `f64` methods, the reference) and their SIMD versions.
//!
//! Each SIMD function computes a fast path on every lane and also returns
//! the mask of lanes outside the range where the fast path is known to be
//! within a few ulp of the scalar reference; the VM recomputes those lanes
//! with the reference after the chunk loop (huge trigonometric arguments,
//! subnormal or non-positive logarithm arguments, special values). Those
//! lanes therefore give exactly what the scalar reference gives, NaNs and
//! signed zeros included. The accuracy of the fast paths is measured by
//! `tests/expr_accuracy.rs`.

// Polynomial coefficients are quoted with the digits their sources publish.
#![allow(clippy::excessive_precision)]

use super::exp::{pow2, Bits};
use crate::simd::Lane;

pub(crate) use super::exp::exp;
pub(crate) use super::trig::TRIG_LIMIT;

/// An operator: arithmetic, a function, or the prefix minus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Op {
    Neg,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Exp,
    Log,
    Log2,
    Log10,
    Sqrt,
    Cbrt,
    Abs,
    Floor,
    Ceil,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Atan2,
    Min,
    Max,
    /// `a·b + c`, fused by the compiler (never written by the user).
    MulAdd,
    /// `a·b − c`, fused by the compiler.
    MulSub,
    /// `c − a·b`, fused by the compiler.
    NegMulAdd,
    /// `−(a·b)`, fused by the compiler from a negated product.
    NegMul,
}

/// Functions callable by name, with the operator each one is.
const FUNCTIONS: [(&str, Op); 22] = [
    ("sin", Op::Sin),
    ("cos", Op::Cos),
    ("tan", Op::Tan),
    ("asin", Op::Asin),
    ("acos", Op::Acos),
    ("atan", Op::Atan),
    ("sinh", Op::Sinh),
    ("cosh", Op::Cosh),
    ("tanh", Op::Tanh),
    ("exp", Op::Exp),
    ("log", Op::Log),
    ("log2", Op::Log2),
    ("log10", Op::Log10),
    ("sqrt", Op::Sqrt),
    ("cbrt", Op::Cbrt),
    ("abs", Op::Abs),
    ("floor", Op::Floor),
    ("ceil", Op::Ceil),
    ("pow", Op::Pow),
    ("atan2", Op::Atan2),
    ("min", Op::Min),
    ("max", Op::Max),
];

impl Op {
    /// The function called `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Op> {
        FUNCTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, op)| op)
    }

    /// The function name (`"sin"`), or the operator's symbol (`"+"`).
    pub fn name(self) -> &'static str {
        match self {
            Op::Neg | Op::Sub => "-",
            Op::Add => "+",
            Op::Mul => "*",
            Op::Div => "/",
            _ => FUNCTIONS
                .iter()
                .find(|(_, op)| *op == self)
                .map_or("?", |&(n, _)| n),
        }
    }

    /// Number of operands.
    pub fn arity(self) -> usize {
        match self {
            Op::Add
            | Op::Sub
            | Op::Mul
            | Op::Div
            | Op::Pow
            | Op::Atan2
            | Op::Min
            | Op::Max
            | Op::NegMul => 2,
            Op::MulAdd | Op::MulSub | Op::NegMulAdd => 3,
            _ => 1,
        }
    }

    /// The reference meaning of the operator on scalars: [`Op::scalar`], and
    /// one rounding for the fused operators.
    pub fn scalar3(self, a: f64, b: f64, c: f64) -> f64 {
        match self {
            Op::MulAdd => a.mul_add(b, c),
            Op::MulSub => a.mul_add(b, -c),
            Op::NegMulAdd => (-a).mul_add(b, c),
            _ => self.scalar(a, b),
        }
    }

    /// The reference meaning of the operator on scalars (`b` is ignored by
    /// unary operators; the fused operators go through [`Op::scalar3`]). The VM's SIMD code agrees with it bit for bit on
    /// the arithmetic operators, `sqrt`, `abs`, `floor`, `ceil`, `min` and
    /// `max`, and within a few ulp on the others.
    pub fn scalar(self, a: f64, b: f64) -> f64 {
        match self {
            Op::Neg => -a,
            Op::Sin => a.sin(),
            Op::Cos => a.cos(),
            Op::Tan => a.tan(),
            Op::Asin => a.asin(),
            Op::Acos => a.acos(),
            Op::Atan => a.atan(),
            Op::Sinh => a.sinh(),
            Op::Cosh => a.cosh(),
            Op::Tanh => a.tanh(),
            Op::Exp => a.exp(),
            Op::Log => a.ln(),
            Op::Log2 => a.log2(),
            Op::Log10 => a.log10(),
            Op::Sqrt => a.sqrt(),
            Op::Cbrt => a.cbrt(),
            Op::Abs => a.abs(),
            Op::Floor => a.floor(),
            Op::Ceil => a.ceil(),
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul => a * b,
            Op::NegMul => -(a * b),
            Op::Div => a / b,
            Op::Pow => a.powf(b),
            Op::Atan2 => a.atan2(b),
            Op::Min => min(a, b),
            Op::Max => max(a, b),
            Op::MulAdd | Op::MulSub | Op::NegMulAdd => self.scalar3(a, b, 0.0),
        }
    }
}

/// `min` as the language defines it: a NaN operand is ignored (as by
/// `f64::min`), and `min(-0, +0) = -0` (where `f64::min` may return either).
pub(crate) fn min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b < a {
        b
    } else if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else {
        a
    }
}

/// `max` as the language defines it: a NaN operand is ignored, and
/// `max(-0, +0) = +0`.
pub(crate) fn max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b > a {
        b
    } else if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else {
        a
    }
}

#[inline(always)]
fn splat(v: f64) -> Lane {
    Lane::splat(v)
}

/// A fast-path result and the mask of lanes it covers (all bits set where
/// the fast path holds; the scalar reference recomputes the other lanes).
/// The VM ANDs these masks over a pass, one operation per lane vector.
pub(crate) type Checked = (Lane, Lane);

/// `(r, ok)`.
#[inline(always)]
fn checked(r: Lane, ok: Lane) -> Checked {
    (r, ok)
}

/// Sign bits of `x` (the rest zero).
#[inline(always)]
fn sign_of(x: Lane) -> Lane {
    x & splat(-0.0)
}

/// Horner evaluation of `c[0]·z^(n-1) + … + c[n-1]`.
#[inline(always)]
fn poly(z: Lane, c: &[f64]) -> Lane {
    let mut acc = splat(c[0]);
    for &ck in &c[1..] {
        acc = acc.mul_add(z, splat(ck));
    }
    acc
}

// --- Trigonometric functions --------------------------------------------

/// π/2 split into four 26-bit parts and a 53-bit tail: for a quadrant
/// number `y < 2^26` every product `y·C[k]`, k < 4, is exact, so the
/// reduction `x − y·π/2` is exact up to the last step (Cody–Waite).
const PIO2: [f64; 5] = [
    1.5707963109016418,
    1.5893254712295857e-08,
    6.123233932053594e-17,
    6.368317055225283e-25,
    1.082856673921914e-32,
];

/// For `a = |x| ≤ TRIG_LIMIT`: `(r, q)` with `a = q·π/2 + r`, `|r| ≲ π/4`
/// and `q` (the quadrant, a float in 0..4) taken mod 4.
#[inline(always)]
fn reduce_pio2(a: Lane) -> (Lane, Lane) {
    let y = (a * splat(std::f64::consts::FRAC_2_PI)).round_ties_even();
    let mut r = a;
    for c in PIO2 {
        r = y.mul_neg_add(splat(c), r);
    }
    let q = y - (y * splat(0.25)).floor() * splat(4.0);
    (r, q)
}

/// Cephes' rational approximation of tan on [-π/4, π/4]:
/// `tan r = r + r·z·P(z)/Q(z)`, `z = r²`, `Q` monic.
const TAN_P: [f64; 3] = [
    -1.30936939181383777646E4,
    1.15351664838587416140E6,
    -1.79565251976484877988E7,
];
const TAN_Q: [f64; 5] = [
    1.0,
    1.36812963470692954678E4,
    -1.32089234440210967447E6,
    2.50083801823357915839E7,
    -5.38695755929454629881E7,
];

/// Tangent.
#[inline(always)]
pub(crate) fn tan(x: Lane) -> Checked {
    let a = x.abs();
    let (r, q) = reduce_pio2(a);
    let z = r * r;
    let t = (r * z).mul_add(poly(z, &TAN_P) / poly(z, &TAN_Q), r);
    let odd = q.simd_eq(splat(1.0)) | q.simd_eq(splat(3.0));
    let v = odd.select(splat(-1.0) / t, t) ^ sign_of(x);
    checked(v, a.simd_le(splat(TRIG_LIMIT)))
}

/// Arcsine.
#[inline(always)]
pub(crate) fn asin(x: Lane) -> Checked {
    checked(x.asin(), x.abs().simd_le(splat(1.0)))
}

/// Arccosine.
#[inline(always)]
pub(crate) fn acos(x: Lane) -> Checked {
    checked(x.acos(), x.abs().simd_le(splat(1.0)))
}

/// Arctangent.
#[inline(always)]
pub(crate) fn atan(x: Lane) -> Checked {
    checked(x.atan(), x.abs().simd_lt(splat(f64::INFINITY)))
}

/// Two-argument arctangent `atan2(y, x)`. Zeros, infinities and NaNs take
/// the scalar path.
#[inline(always)]
pub(crate) fn atan2(y: Lane, x: Lane) -> Checked {
    let r = y.atan2(x);
    let inf = splat(f64::INFINITY);
    let zero = splat(0.0);
    let ok = y.abs().simd_lt(inf) & x.abs().simd_lt(inf) & !y.simd_eq(zero) & !x.simd_eq(zero);
    checked(r, ok)
}

// --- Hyperbolic functions -------------------------------------------------

/// Beyond this |x|, `exp(|x|)` overflows before sinh and cosh do: those
/// lanes take the scalar path.
const HYP_LIMIT: f64 = 709.0;

/// Taylor coefficients of `(sinh a − a)/a³` in `z = a²`, highest first
/// (terms up to a²¹/21!: below 2^-60 relative for |a| < 1).
const SINH_C: [f64; 10] = [
    1.0 / 51_090_942_171_709_440_000.0,
    1.0 / 121_645_100_408_832_000.0,
    1.0 / 355_687_428_096_000.0,
    1.0 / 1_307_674_368_000.0,
    1.0 / 6_227_020_800.0,
    1.0 / 39_916_800.0,
    1.0 / 362_880.0,
    1.0 / 5_040.0,
    1.0 / 120.0,
    1.0 / 6.0,
];
/// Taylor coefficients of `(cosh a − 1)/a²` in `z = a²`, highest first.
const COSH_C: [f64; 10] = [
    1.0 / 2_432_902_008_176_640_000.0,
    1.0 / 6_402_373_705_728_000.0,
    1.0 / 20_922_789_888_000.0,
    1.0 / 87_178_291_200.0,
    1.0 / 479_001_600.0,
    1.0 / 3_628_800.0,
    1.0 / 40_320.0,
    1.0 / 720.0,
    1.0 / 24.0,
    1.0 / 2.0,
];

/// Hyperbolic sine: Taylor series below 1, `(e^a − e^−a)/2` above.
#[inline(always)]
pub(crate) fn sinh(x: Lane) -> Checked {
    let a = x.abs();
    let small = a.simd_lt(splat(1.0));
    let z = a * a;
    let mut v = (a * z).mul_add(poly(z, &SINH_C), a);
    if !small.all() {
        let e = exp(a);
        v = small.select(v, splat(0.5) * (e - splat(1.0) / e));
    }
    checked(v ^ sign_of(x), a.simd_le(splat(HYP_LIMIT)))
}

/// Hyperbolic cosine: Taylor series below 1, `(e^a + e^−a)/2` above.
#[inline(always)]
pub(crate) fn cosh(x: Lane) -> Checked {
    let a = x.abs();
    let small = a.simd_lt(splat(1.0));
    let z = a * a;
    let mut v = z.mul_add(poly(z, &COSH_C), splat(1.0));
    if !small.all() {
        let e = exp(a);
        v = small.select(v, splat(0.5) * (e + splat(1.0) / e));
    }
    checked(v, a.simd_le(splat(HYP_LIMIT)))
}

/// Cephes' rational approximation of tanh below 0.625:
/// `tanh a = a + a·z·P(z)/Q(z)`, `z = a²`, `Q` monic.
const TANH_P: [f64; 3] = [
    -9.64399179425052238628E-1,
    -9.92877231001918586564E1,
    -1.61468768441708447952E3,
];
const TANH_Q: [f64; 4] = [
    1.0,
    1.12811678491632931402E2,
    2.23548839060100448583E3,
    4.84406305325125486048E3,
];

/// Hyperbolic tangent: rational approximation below 0.625,
/// `1 − 2/(e^{2a} + 1)` above (which also gives ±1 and NaN correctly).
#[inline(always)]
pub(crate) fn tanh(x: Lane) -> Lane {
    let a = x.abs();
    let small = a.simd_lt(splat(0.625));
    let z = a * a;
    let mut v = (a * z).mul_add(poly(z, &TANH_P) / poly(z, &TANH_Q), a);
    if !small.all() {
        let e = exp(a + a);
        v = small.select(v, splat(1.0) - splat(2.0) / (e + splat(1.0)));
    }
    v ^ sign_of(x)
}

// --- Exponentials, logarithms, powers --------------------------------------

/// Lanes where wide's `ln` is accurate: positive, normal, finite.
#[inline(always)]
fn log_ok(x: Lane) -> Lane {
    x.simd_ge(splat(f64::MIN_POSITIVE)) & x.simd_lt(splat(f64::INFINITY))
}

/// Natural logarithm.
#[inline(always)]
pub(crate) fn ln(x: Lane) -> Checked {
    checked(x.ln(), log_ok(x))
}

/// Base-2 logarithm.
#[inline(always)]
pub(crate) fn log2(x: Lane) -> Checked {
    checked(x.ln() * splat(std::f64::consts::LOG2_E), log_ok(x))
}

/// Base-10 logarithm.
#[inline(always)]
pub(crate) fn log10(x: Lane) -> Checked {
    checked(x.ln() * splat(std::f64::consts::LOG10_E), log_ok(x))
}

/// Cube root. Zero, subnormal and non-finite arguments take the scalar
/// reference: on subnormals the fast path is an ulp off (found by fuzzing).
#[inline(always)]
pub(crate) fn cbrt(x: Lane) -> Checked {
    let a = x.abs();
    checked(
        x.cbrt(),
        a.simd_ge(splat(f64::MIN_POSITIVE)) & a.simd_lt(splat(f64::INFINITY)),
    )
}

/// `a + b` exactly, as a rounded sum and its error.
#[inline(always)]
fn two_sum(a: Lane, b: Lane) -> (Lane, Lane) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a · b` exactly, as a rounded product and its error (one fused
/// multiply-subtract where FMA is compiled in, Dekker's splitting otherwise).
#[inline(always)]
fn two_prod(a: Lane, b: Lane) -> (Lane, Lane) {
    let p = a * b;
    if cfg!(target_feature = "fma") {
        return (p, a.mul_sub(b, p));
    }
    let split = |v: Lane| {
        let c = splat(134_217_729.0) * v;
        let hi = c - (c - v);
        (hi, v - hi)
    };
    let ((ah, al), (bh, bl)) = (split(a), split(b));
    (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
}

/// fdlibm's split of ln 2: `LN2_HI` has 21 trailing zero bits, so `e·LN2_HI`
/// is exact for every binary exponent `e`.
const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
/// 2/3 as a double-double.
const TWO_THIRDS: (f64, f64) = (0.6666666666666666, 3.700743415417188e-17);
/// Coefficients of `(atanh(s) − s − s³/3)·2/s⁵` in `z = s²`, highest first:
/// `2/27, 2/25, …, 2/5` (enough below 2^-70 for `|s| ≤ 0.1716`).
const LOG_TAIL: [f64; 12] = [
    2.0 / 27.0,
    2.0 / 25.0,
    2.0 / 23.0,
    2.0 / 21.0,
    2.0 / 19.0,
    2.0 / 17.0,
    2.0 / 15.0,
    2.0 / 13.0,
    2.0 / 11.0,
    2.0 / 9.0,
    2.0 / 7.0,
    2.0 / 5.0,
];

/// `ln a` as a double-double (relative error near 2^-66) for positive
/// normal finite `a`: `a = m·2^e` with `m ∈ [√½, √2)`, `s = (m−1)/(m+1)`,
/// `ln m = 2·atanh s = 2s + (2/3)s³ + s⁵·P(s²)`, the leading terms carried
/// in double-double.
#[inline(always)]
fn ln_dd(a: Lane) -> (Lane, Lane) {
    let bits: Bits = wide::bytemuck::cast(a);
    let m: Lane = wide::bytemuck::cast(
        (bits & Bits::splat(0x000F_FFFF_FFFF_FFFF)) | Bits::splat(0x3FF0_0000_0000_0000),
    );
    let e_field: Lane = wide::bytemuck::cast((bits >> 52) | Bits::splat(0x4330_0000_0000_0000));
    let e = e_field - splat(4_503_599_627_370_496.0 + 1023.0);
    let big = m.simd_gt(splat(std::f64::consts::SQRT_2));
    let m = big.select(m * splat(0.5), m);
    let e = big.select(e + splat(1.0), e);
    // s = f/d in double-double; f = m − 1 is exact.
    let f = m - splat(1.0);
    let (d, d_lo) = two_sum(m, splat(1.0));
    let s = f / d;
    let (p, p_err) = two_prod(s, d);
    let s_lo = ((f - p) - p_err - s * d_lo) / d;
    // (2/3)·s³ in double-double, including the s_lo contribution 2·s²·s_lo.
    let (z, z_lo) = two_prod(s, s);
    let (c, c_err) = two_prod(z, s);
    let c_lo = c_err + z_lo * s;
    let (t, t_err) = two_prod(c, splat(TWO_THIRDS.0));
    let t_lo = t_err + c * splat(TWO_THIRDS.1) + c_lo * splat(TWO_THIRDS.0) + splat(2.0) * z * s_lo;
    let rest = c * z * poly(z, &LOG_TAIL);
    // e·ln2 + 2s + t + (small terms).
    let (l1, e1) = two_sum(e * splat(LN2_HI), s + s);
    let (l2, e2) = two_sum(l1, t);
    let lo = e1 + e2 + (s_lo + s_lo) + t_lo + rest + e * splat(LN2_LO);
    let hi = l2 + lo;
    (hi, lo - (hi - l2))
}

/// Results of the SIMD `pow` within this factor of 1 stay clear of the
/// overflow and subnormal ranges; beyond it the scalar `powf` takes over.
const POW_RANGE: f64 = 1e300;

/// `a^b = 2^k·exp(r)` where `b·ln a = k·ln 2 + r`, with `ln a`, the product
/// and the reduction carried in double-double: the error stays near that of
/// `exp` on `|r| ≤ ln 2/2` for every result size, and exact powers of two
/// come out exact. The fast path needs a positive normal finite base, a
/// finite exponent and a result within [`POW_RANGE`] of 1; everything else
/// (negative bases, zeros, infinities, NaNs, huge or tiny results) is scalar.
#[inline(always)]
pub(crate) fn pow(a: Lane, b: Lane) -> Checked {
    let (l, l_lo) = ln_dd(a);
    let (p, p_err) = two_prod(b, l);
    let p_lo = p_err + b * l_lo;
    let k = (p * splat(std::f64::consts::LOG2_E)).round_ties_even();
    // Exact: k·LN2_HI has at most 43 bits and is within a factor 2 of p.
    let r_hi = k.mul_neg_add(splat(LN2_HI), p);
    let r_lo = k.mul_neg_add(splat(LN2_LO), p_lo);
    let r = r_hi + r_lo;
    let r_lo = r_lo - (r - r_hi);
    let e = exp(r);
    let res = e.mul_add(r_lo, e) * pow2(k);
    let ok = log_ok(a)
        & b.abs().simd_lt(splat(f64::INFINITY))
        & k.abs().simd_le(splat(1000.0))
        & res.simd_le(splat(POW_RANGE))
        & res.simd_ge(splat(1.0 / POW_RANGE));
    checked(res, ok)
}

/// [`min`] on lanes.
#[inline(always)]
pub(crate) fn min_lane(a: Lane, b: Lane) -> Lane {
    let r = b.simd_lt(a).select(b, a);
    let r = a.simd_eq(b).select(a | b, r);
    a.is_nan().select(b, r)
}

/// [`max`] on lanes.
#[inline(always)]
pub(crate) fn max_lane(a: Lane, b: Lane) -> Lane {
    let r = b.simd_gt(a).select(b, a);
    let r = a.simd_eq(b).select(a & b, r);
    a.is_nan().select(b, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_and_max_ignore_nan_and_order_signed_zeros() {
        let nan = f64::NAN;
        assert_eq!(min(nan, 2.0), 2.0);
        assert_eq!(min(2.0, nan), 2.0);
        assert!(min(nan, nan).is_nan());
        assert!(min(-0.0, 0.0).is_sign_negative());
        assert!(min(0.0, -0.0).is_sign_negative());
        assert!(max(-0.0, 0.0).is_sign_positive());
        assert!(max(0.0, -0.0).is_sign_positive());
        assert_eq!(max(1.0, 3.0), 3.0);
        let cases = [nan, -0.0, 0.0, 1.0, -1.0, f64::INFINITY, f64::NEG_INFINITY];
        for &a in &cases {
            for &b in &cases {
                let (la, lb) = (Lane::splat(a), Lane::splat(b));
                let (mn, mx) = (
                    min_lane(la, lb).to_array()[0],
                    max_lane(la, lb).to_array()[0],
                );
                assert_eq!(mn.to_bits(), min(a, b).to_bits(), "min({a}, {b})");
                assert_eq!(mx.to_bits(), max(a, b).to_bits(), "max({a}, {b})");
            }
        }
    }

    #[test]
    fn every_function_name_round_trips() {
        for (name, op) in FUNCTIONS {
            assert_eq!(Op::from_name(name), Some(op));
            assert_eq!(op.name(), name);
        }
        assert_eq!(Op::from_name("sinn"), None);
    }
}
