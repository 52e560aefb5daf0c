//! Double-double arithmetic (about 106 significant bits), used to compute
//! quadrature tables and to keep running sums of the adaptive rules exact
//! enough that their rounding never matters.
//!
//! A value is the unevaluated sum `hi + lo` with `|lo| ≤ ulp(hi)/2`, so
//! [`Dd::to_f64`] is `hi`, the correctly rounded value. The error-free
//! transformations are Knuth's two-sum and the fused multiply-add product.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// A double-double number `hi + lo`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Dd {
    /// Leading part: the value rounded to `f64`.
    pub hi: f64,
    /// Trailing part, `|lo| ≤ ulp(hi)/2`.
    pub lo: f64,
}

/// `a + b` as an exact sum `s + e` (Knuth).
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `a + b` as an exact sum when `|a| ≥ |b|` (Dekker).
#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

/// `a·b` as an exact sum `p + e`, through a fused multiply-add.
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Dd {
    /// Zero.
    pub const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };
    /// One.
    pub const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };

    /// The exact value `x`.
    pub const fn from_f64(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// The value rounded to the nearest `f64`.
    pub fn to_f64(self) -> f64 {
        self.hi
    }

    /// Absolute value.
    #[cfg(test)]
    pub fn abs(self) -> Dd {
        if self.hi < 0.0 {
            -self
        } else {
            self
        }
    }

    /// Adds a plain `f64` (exactly, then renormalizes).
    pub fn add_f64(self, b: f64) -> Dd {
        let (s, e) = two_sum(self.hi, b);
        let (hi, lo) = quick_two_sum(s, e + self.lo);
        Dd { hi, lo }
    }
}

impl From<f64> for Dd {
    fn from(x: f64) -> Dd {
        Dd::from_f64(x)
    }
}

impl Neg for Dd {
    type Output = Dd;
    fn neg(self) -> Dd {
        Dd {
            hi: -self.hi,
            lo: -self.lo,
        }
    }
}

impl Add for Dd {
    type Output = Dd;
    fn add(self, b: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, b.hi);
        let (t, f) = two_sum(self.lo, b.lo);
        let (s, e) = quick_two_sum(s, e + t);
        let (hi, lo) = quick_two_sum(s, e + f);
        Dd { hi, lo }
    }
}

impl Sub for Dd {
    type Output = Dd;
    fn sub(self, b: Dd) -> Dd {
        self + (-b)
    }
}

impl Mul for Dd {
    type Output = Dd;
    fn mul(self, b: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, b.hi);
        let e = e + (self.hi * b.lo + self.lo * b.hi);
        let (hi, lo) = quick_two_sum(p, e);
        Dd { hi, lo }
    }
}

impl Div for Dd {
    type Output = Dd;
    fn div(self, b: Dd) -> Dd {
        // Long division: three f64 quotient digits.
        let q1 = self.hi / b.hi;
        let r = self - b * Dd::from(q1);
        let q2 = r.hi / b.hi;
        let r = r - b * Dd::from(q2);
        let q3 = r.hi / b.hi;
        let (hi, lo) = quick_two_sum(q1, q2);
        Dd { hi, lo }.add_f64(q3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_third_times_three_is_one_to_double_double_precision() {
        let third = Dd::ONE / Dd::from(3.0);
        let back = third * Dd::from(3.0);
        let err = (back - Dd::ONE).abs();
        assert!(err.hi < 1e-31, "{err:?}");
        assert_eq!(third.to_f64(), 1.0 / 3.0);
    }

    #[test]
    fn sums_keep_the_bits_a_double_loses() {
        let x = Dd::from(1.0) + Dd::from(1e-20);
        assert_eq!(x.hi, 1.0);
        assert_eq!(x.lo, 1e-20);
        assert_eq!((x - Dd::ONE).to_f64(), 1e-20);
        assert_eq!(Dd::from(2.0).add_f64(-1e-30).lo, -1e-30);
    }
}
