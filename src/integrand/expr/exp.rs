//! The SIMD exponential: `e^x = 2^(k/128) · e^r` with a 128-entry table of
//! `2^(j/128)` and a degree-5 polynomial on `|r| ≤ ln2/256`.
//!
//! Invariant: every lane's value depends only on that lane's argument (the
//! fast path and the wide-range path give the same bits wherever both
//! apply), and the result is within 1 ulp of the correctly rounded `e^x`
//! (`tests/expr_accuracy.rs` measures it against Rust's `f64::exp`).

use crate::simd::Lane;
#[cfg(not(all(target_feature = "avx2", not(target_feature = "avx512f"))))]
use crate::simd::LANES;

/// Unsigned integer lanes of the same width as [`Lane`], for bit access.
#[cfg(target_feature = "avx512f")]
pub(crate) type Bits = wide::u64x8;
/// Unsigned integer lanes of the same width as [`Lane`], for bit access.
#[cfg(not(target_feature = "avx512f"))]
pub(crate) type Bits = wide::u64x4;

/// Table entries per octave.
const N: usize = 128;
/// `1.5·2^52`: adding it rounds a double below 2^51 in magnitude to an
/// integer kept in the low mantissa bits (ties to even).
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// `N / ln 2`.
const INV_LN2_N: f64 = 184.664_965_233_787_3;
/// `ln 2 / N` split in two: `k·LN2_N_HI` is exact for the `k` that occur,
/// and `x − k·LN2_N_HI` is exact too (one fused multiply-add).
const LN2_N_HI: f64 = 0.005_415_212_348_124_572_5;
const LN2_N_LO: f64 = 1.811_755_323_317_421_5e-19;
/// Taylor coefficients of `e^r − 1 − r` over `r²`: `1/2, 1/6, 1/24, 1/120`
/// (truncation below 2^-60 relative for `|r| ≤ ln2/256`).
const C2: f64 = 0.5;
const C3: f64 = 1.0 / 6.0;
const C4: f64 = 1.0 / 24.0;
const C5: f64 = 1.0 / 120.0;

/// Largest |x| for which `e^x` is a normal number and the scaling is one
/// exponent addition: the fast path.
const FAST_LIMIT: f64 = 708.0;

/// `TABLE[j] = (t, s)`: `2^(j/N) = h·(1 + t)` with `h` the double nearest
/// to it and `t` the rounded relative remainder (both as bits), and
/// `s = bits(h) − j·2^45`, so that adding `k·2^45` (k = 128·e + j) to it
/// gives the bits of `h·2^e`. Checked by `table_entries_are_consistent`.
static TABLE: [(u64, u64); N] = [
    (0x0000000000000000, 0x3ff0000000000000),
    (0x3c9b3b4f1a88bf6e, 0x3feff63da9fb3335),
    (0xbc7160139cd8dc5d, 0x3fefec9a3e778061),
    (0xbc905e7a108766d1, 0x3fefe315e86e7f85),
    (0x3c8cd2523567f613, 0x3fefd9b0d3158574),
    (0xbc8bce8023f98efa, 0x3fefd06b29ddf6de),
    (0x3c60f74e61e6c861, 0x3fefc74518759bc8),
    (0x3c90a3e45b33d399, 0x3fefbe3ecac6f383),
    (0x3c979aa65d837b6d, 0x3fefb5586cf9890f),
    (0x3c8eb51a92fdeffc, 0x3fefac922b7247f7),
    (0x3c3ebe3d702f9cd1, 0x3fefa3ec32d3d1a2),
    (0xbc6a033489906e0b, 0x3fef9b66affed31b),
    (0xbc9556522a2fbd0e, 0x3fef9301d0125b51),
    (0xbc5080ef8c4eea55, 0x3fef8abdc06c31cc),
    (0xbc91c923b9d5f416, 0x3fef829aaea92de0),
    (0x3c80d3e3e95c55af, 0x3fef7a98c8a58e51),
    (0xbc801b15eaa59348, 0x3fef72b83c7d517b),
    (0xbc8f1ff055de323d, 0x3fef6af9388c8dea),
    (0x3c8b898c3f1353bf, 0x3fef635beb6fcb75),
    (0xbc96d99c7611eb26, 0x3fef5be084045cd4),
    (0x3c9aecf73e3a2f60, 0x3fef54873168b9aa),
    (0xbc8fe782cb86389d, 0x3fef4d5022fcd91d),
    (0x3c8a6f4144a6c38d, 0x3fef463b88628cd6),
    (0x3c807a05b0e4047d, 0x3fef3f49917ddc96),
    (0x3c968efde3a8a894, 0x3fef387a6e756238),
    (0x3c875e18f274487d, 0x3fef31ce4fb2a63f),
    (0x3c80472b981fe7f2, 0x3fef2b4565e27cdd),
    (0xbc96b87b3f71085e, 0x3fef24dfe1f56381),
    (0x3c82f7e16d09ab31, 0x3fef1e9df51fdee1),
    (0xbc3d219b1a6fbffa, 0x3fef187fd0dad990),
    (0x3c8b3782720c0ab4, 0x3fef1285a6e4030b),
    (0x3c6e149289cecb8f, 0x3fef0cafa93e2f56),
    (0x3c834d754db0abb6, 0x3fef06fe0a31b715),
    (0x3c864201e2ac744c, 0x3fef0170fc4cd831),
    (0x3c8fdd395dd3f84a, 0x3feefc08b26416ff),
    (0xbc86a3803b8e5b04, 0x3feef6c55f929ff1),
    (0xbc924aedcc4b5068, 0x3feef1a7373aa9cb),
    (0xbc9907f81b512d8e, 0x3feeecae6d05d866),
    (0xbc71d1e83e9436d2, 0x3feee7db34e59ff7),
    (0xbc991919b3ce1b15, 0x3feee32dc313a8e5),
    (0x3c859f48a72a4c6d, 0x3feedea64c123422),
    (0xbc9312607a28698a, 0x3feeda4504ac801c),
    (0xbc58a78f4817895b, 0x3feed60a21f72e2a),
    (0xbc7c2c9b67499a1b, 0x3feed1f5d950a897),
    (0x3c4363ed60c2ac11, 0x3feece086061892d),
    (0x3c9666093b0664ef, 0x3feeca41ed1d0057),
    (0x3c6ecce1daa10379, 0x3feec6a2b5c13cd0),
    (0x3c93ff8e3f0f1230, 0x3feec32af0d7d3de),
    (0x3c7690cebb7aafb0, 0x3feebfdad5362a27),
    (0x3c931dbdeb54e077, 0x3feebcb299fddd0d),
    (0xbc8f94340071a38e, 0x3feeb9b2769d2ca7),
    (0xbc87deccdc93a349, 0x3feeb6daa2cf6642),
    (0xbc78dec6bd0f385f, 0x3feeb42b569d4f82),
    (0xbc861246ec7b5cf6, 0x3feeb1a4ca5d920f),
    (0x3c93350518fdd78e, 0x3feeaf4736b527da),
    (0x3c7b98b72f8a9b05, 0x3feead12d497c7fd),
    (0x3c9063e1e21c5409, 0x3feeab07dd485429),
    (0x3c34c7855019c6ea, 0x3feea9268a5946b7),
    (0x3c9432e62b64c035, 0x3feea76f15ad2148),
    (0xbc8ce44a6199769f, 0x3feea5e1b976dc09),
    (0xbc8c33c53bef4da8, 0x3feea47eb03a5585),
    (0xbc845378892be9ae, 0x3feea34634ccc320),
    (0xbc93cedd78565858, 0x3feea23882552225),
    (0x3c5710aa807e1964, 0x3feea155d44ca973),
    (0xbc93b3efbf5e2228, 0x3feea09e667f3bcd),
    (0xbc6a12ad8734b982, 0x3feea012750bdabf),
    (0xbc6367efb86da9ee, 0x3fee9fb23c651a2f),
    (0xbc80dc3d54e08851, 0x3fee9f7df9519484),
    (0xbc781f647e5a3ecf, 0x3fee9f75e8ec5f74),
    (0xbc86ee4ac08b7db0, 0x3fee9f9a48a58174),
    (0xbc8619321e55e68a, 0x3fee9feb564267c9),
    (0x3c909ccb5e09d4d3, 0x3feea0694fde5d3f),
    (0xbc7b32dcb94da51d, 0x3feea11473eb0187),
    (0x3c94ecfd5467c06b, 0x3feea1ed0130c132),
    (0x3c65ebe1abd66c55, 0x3feea2f336cf4e62),
    (0xbc88a1c52fb3cf42, 0x3feea427543e1a12),
    (0xbc9369b6f13b3734, 0x3feea589994cce13),
    (0xbc805e843a19ff1e, 0x3feea71a4623c7ad),
    (0xbc94d450d872576e, 0x3feea8d99b4492ed),
    (0x3c90ad675b0e8a00, 0x3feeaac7d98a6699),
    (0x3c8db72fc1f0eab4, 0x3feeace5422aa0db),
    (0xbc65b6609cc5e7ff, 0x3feeaf3216b5448c),
    (0x3c7bf68359f35f44, 0x3feeb1ae99157736),
    (0xbc93091fa71e3d83, 0x3feeb45b0b91ffc6),
    (0xbc5da9b88b6c1e29, 0x3feeb737b0cdc5e5),
    (0xbc6c23f97c90b959, 0x3feeba44cbc8520f),
    (0xbc92434322f4f9aa, 0x3feebd829fde4e50),
    (0xbc85ca6cd7668e4b, 0x3feec0f170ca07ba),
    (0x3c71affc2b91ce27, 0x3feec49182a3f090),
    (0x3c6dd235e10a73bb, 0x3feec86319e32323),
    (0xbc87c50422622263, 0x3feecc667b5de565),
    (0x3c8b1c86e3e231d5, 0x3feed09bec4a2d33),
    (0xbc91bbd1d3bcbb15, 0x3feed503b23e255d),
    (0x3c90cc319cee31d2, 0x3feed99e1330b358),
    (0x3c8469846e735ab3, 0x3feede6b5579fdbf),
    (0xbc82dfcd978e9db4, 0x3feee36bbfd3f37a),
    (0x3c8c1a7792cb3387, 0x3feee89f995ad3ad),
    (0xbc907b8f4ad1d9fa, 0x3feeee07298db666),
    (0xbc55c3d956dcaeba, 0x3feef3a2b84f15fb),
    (0xbc90a40e3da6f640, 0x3feef9728de5593a),
    (0xbc68d6f438ad9334, 0x3feeff76f2fb5e47),
    (0xbc91eee26b588a35, 0x3fef05b030a1064a),
    (0x3c74ffd70a5fddcd, 0x3fef0c1e904bc1d2),
    (0xbc91bdfbfa9298ac, 0x3fef12c25bd71e09),
    (0x3c736eae30af0cb3, 0x3fef199bdd85529c),
    (0x3c8ee3325c9ffd94, 0x3fef20ab5fffd07a),
    (0x3c84e08fd10959ac, 0x3fef27f12e57d14b),
    (0x3c63cdaf384e1a67, 0x3fef2f6d9406e7b5),
    (0x3c676b2c6c921968, 0x3fef3720dcef9069),
    (0xbc808a1883ccb5d2, 0x3fef3f0b555dc3fa),
    (0xbc8fad5d3ffffa6f, 0x3fef472d4a07897c),
    (0xbc900dae3875a949, 0x3fef4f87080d89f2),
    (0x3c74a385a63d07a7, 0x3fef5818dcfba487),
    (0xbc82919e2040220f, 0x3fef60e316c98398),
    (0x3c8e5a50d5c192ac, 0x3fef69e603db3285),
    (0x3c843a59ac016b4b, 0x3fef7321f301b460),
    (0xbc82d52107b43e1f, 0x3fef7c97337b9b5f),
    (0xbc892ab93b470dc9, 0x3fef864614f5a129),
    (0x3c74b604603a88d3, 0x3fef902ee78b3ff6),
    (0x3c83c5ec519d7271, 0x3fef9a51fbc74c83),
    (0xbc8ff7128fd391f0, 0x3fefa4afa2a490da),
    (0xbc8dae98e223747d, 0x3fefaf482d8e67f1),
    (0x3c8ec3bc41aa2008, 0x3fefba1bee615a27),
    (0x3c842b94c3a9eb32, 0x3fefc52b376bba97),
    (0x3c8a64a931d185ee, 0x3fefd0765b6e4540),
    (0xbc8e37bae43be3ed, 0x3fefdbfdad9cbe14),
    (0x3c77893b4d91cd9d, 0x3fefe7c1819e90d8),
    (0x3c5305c14160cc89, 0x3feff3c22b8f71f1),
];

#[inline(always)]
fn splat(v: f64) -> Lane {
    Lane::splat(v)
}

/// The table entries at the low 7 bits of each lane of `k`: the relative
/// tails and the scale bits. With AVX2 (four lanes), each entry is one
/// 16-byte load, and two inserts and two unpacks transpose them.
#[cfg(all(target_feature = "avx2", not(target_feature = "avx512f")))]
#[inline(always)]
fn lookup(k: Bits) -> (Lane, Bits) {
    use std::arch::x86_64::{
        __m256d, _mm256_castpd128_pd256, _mm256_insertf128_pd, _mm256_unpackhi_pd,
        _mm256_unpacklo_pd, _mm_loadu_pd,
    };
    let k = k.to_array();
    let at = |l: usize| std::ptr::from_ref(&TABLE[k[l] as usize % N]).cast::<f64>();
    // SAFETY: AVX2 is compiled in (cfg above), and each pointer is to a
    // whole table entry: two consecutive u64s, 16 readable bytes.
    let (a, b): (__m256d, __m256d) = unsafe {
        let a = _mm256_castpd128_pd256(_mm_loadu_pd(at(0)));
        let b = _mm256_castpd128_pd256(_mm_loadu_pd(at(1)));
        (
            _mm256_insertf128_pd::<1>(a, _mm_loadu_pd(at(2))),
            _mm256_insertf128_pd::<1>(b, _mm_loadu_pd(at(3))),
        )
    };
    // SAFETY: as above; unpacks only rearrange lanes.
    let (tail, scale) = unsafe { (_mm256_unpacklo_pd(a, b), _mm256_unpackhi_pd(a, b)) };
    (wide::bytemuck::cast(tail), wide::bytemuck::cast(scale))
}

/// The table entries at the low 7 bits of each lane of `k`: the relative
/// tails and the scale bits.
#[cfg(not(all(target_feature = "avx2", not(target_feature = "avx512f"))))]
#[inline(always)]
fn lookup(k: Bits) -> (Lane, Bits) {
    let k = k.to_array();
    let entry = |l: usize| TABLE[k[l] as usize % N];
    let tail: [f64; LANES] = std::array::from_fn(|l| f64::from_bits(entry(l).0));
    let scale: [u64; LANES] = std::array::from_fn(|l| entry(l).1);
    (Lane::new(tail), Bits::new(scale))
}

/// For `x`, with `k = round(x·N/ln2)`: `k` as a double, its bits after
/// [`SHIFT`] (the low bits hold `k` in two's complement), and
/// `t = tail + (e^r − 1)` where `x = k·ln2/N + r`, so that
/// `e^x = 2^(k/N)·(1 + t)` to within about 2^-63 relative.
#[inline(always)]
fn reduce(x: Lane) -> (Lane, Bits, Lane, Bits) {
    let kd = x.mul_add(splat(INV_LN2_N), splat(SHIFT));
    let ki: Bits = wide::bytemuck::cast(kd);
    let kd = kd - splat(SHIFT);
    let r = kd.mul_neg_add(splat(LN2_N_HI), x);
    let r = kd.mul_neg_add(splat(LN2_N_LO), r);
    let (tail, scale) = lookup(ki);
    let r2 = r * r;
    let p23 = r.mul_add(splat(C3), splat(C2));
    let p45 = r.mul_add(splat(C5), splat(C4));
    let p = r2.mul_add(p45, p23);
    let t = r2.mul_add(p, tail + r);
    (kd, ki, t, scale)
}

/// Exponential. NaN propagates, `e^-inf = 0`, `e^inf = inf`, and results
/// in the subnormal range are rounded once.
#[inline(always)]
pub(crate) fn exp(x: Lane) -> Lane {
    if x.abs().simd_le(splat(FAST_LIMIT)).all() {
        let (_, ki, t, scale) = reduce(x);
        let s: Lane = wide::bytemuck::cast(scale + (ki << 45));
        return s.mul_add(t, s);
    }
    wide_range(x)
}

/// [`exp`] for a vector with some lane outside `[-FAST_LIMIT, FAST_LIMIT]`
/// (or NaN): the same reduction on the argument clamped to [-746, 710]
/// (beyond which the result is 0 or inf anyway), the result formed in
/// [1, 2) and scaled by `2^e` in two exact-or-once-rounded halves. For the
/// lanes inside the fast range this is bit for bit the fast path, since a
/// power-of-two scaling commutes with rounding while the result is normal.
#[cold]
#[inline(never)]
fn wide_range(x: Lane) -> Lane {
    let x = x.simd_lt(splat(-746.0)).select(splat(-746.0), x);
    let x = x.simd_gt(splat(710.0)).select(splat(710.0), x);
    let (kd, ki, t, scale) = reduce(x);
    let j = ki & Bits::splat(N as u64 - 1);
    let h: Lane = wide::bytemuck::cast(scale + (j << 45));
    let y = h.mul_add(t, h);
    // e = (k − j)/N, exactly, in −1077 ..= 1025.
    let jd: Lane = wide::bytemuck::cast(j | Bits::splat(0x4330_0000_0000_0000));
    let jd = jd - splat(4_503_599_627_370_496.0);
    let e = (kd - jd) * splat(1.0 / N as f64);
    let e1 = (e * splat(0.5)).floor();
    y * pow2(e1) * pow2(e - e1)
}

/// `2^k` for integer-valued lanes `k` in `-1022..=1023`.
#[inline(always)]
pub(crate) fn pow2(k: Lane) -> Lane {
    let biased: Bits = wide::bytemuck::cast(k + splat(4_503_599_627_370_496.0 + 1023.0));
    wide::bytemuck::cast(biased << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(a + b)²` as a double-double, for `|b| ≤ ulp(a)`.
    fn square_dd(a: f64, b: f64) -> (f64, f64) {
        let p = a * a;
        let e = a.mul_add(a, -p);
        let lo = e + 2.0 * a * b;
        let hi = p + lo;
        (hi, lo - (hi - p))
    }

    /// Entry `j` as a double-double `2^(j/N)`.
    fn entry(j: usize) -> (f64, f64) {
        let (t, s) = TABLE[j];
        let h = f64::from_bits(s.wrapping_add((j as u64) << 45));
        (h, h * f64::from_bits(t))
    }

    /// Squaring entry `j` gives entry `2j` (or twice entry `2j − N`) to
    /// about 2^-100, and entry 0 is 1: together these pin every entry to
    /// `2^(j/N)` (the chain of squarings ends at `2^(N/N)` = 2).
    #[test]
    fn table_entries_are_consistent() {
        assert_eq!(entry(0), (1.0, 0.0));
        for j in 1..N {
            let (h, l) = entry(j);
            assert!(l.abs() <= h * f64::EPSILON / 2.0, "tail {j}");
            let (sh, sl) = square_dd(h, l);
            let (wh, wl) = if 2 * j < N {
                entry(2 * j)
            } else {
                let (a, b) = entry(2 * j - N);
                (2.0 * a, 2.0 * b)
            };
            let diff = (sh - wh) + (sl - wl);
            assert!(diff.abs() <= wh * 2f64.powi(-100), "entry {j}: {diff:e}");
        }
    }

    #[test]
    fn fast_and_wide_range_paths_agree_bit_for_bit() {
        let mut x = -708.0;
        while x <= 708.0 {
            let v = Lane::new(std::array::from_fn(|l| x + l as f64 * 0.37));
            let v = v.simd_gt(splat(FAST_LIMIT)).select(splat(FAST_LIMIT), v);
            assert_eq!(exp(v).to_array(), wide_range(v).to_array(), "{x}");
            x += 0.913;
        }
    }

    #[test]
    fn edges_and_special_values() {
        let cases = [
            (f64::NEG_INFINITY, 0.0),
            (f64::INFINITY, f64::INFINITY),
            (-746.0, 0.0),
            (710.0, f64::INFINITY),
            (0.0, 1.0),
            (-0.0, 1.0),
            (1.0, std::f64::consts::E),
        ];
        for (x, want) in cases {
            assert_eq!(exp(splat(x)).to_array()[0], want, "exp({x})");
        }
        assert!(exp(splat(f64::NAN)).to_array()[0].is_nan());
        // A lane's value does not depend on its neighbours.
        let mixed = Lane::new(std::array::from_fn(|l| [1.5, -800.0, 709.5, -744.0][l % 4]));
        for (l, y) in exp(mixed).to_array().into_iter().enumerate() {
            let alone = exp(splat(mixed.to_array()[l])).to_array()[0];
            assert_eq!(y.to_bits(), alone.to_bits());
        }
    }
}
