//! Polynomial integrands, evaluated by SIMD Horner with fused multiply-add.
//!
//! On a strided block `x_j = start + j·step` the polynomial is first shifted
//! to the block's own variable, `q(j) = p(start + j·step)` (a Taylor shift,
//! once per block). The inner loop then runs Horner on the exact integer `j`
//! held in lanes: per lane vector that is `degree` FMAs, one add to advance
//! `j` and one add to accumulate, with eight independent accumulators to hide
//! the FMA latency.

use super::{Integrand, CHUNK};
use crate::error::{Error, EvalError};
use crate::reduce::{pairwise, pairwise_lanes};
use crate::simd::{Lane, LANES};

/// Largest number of coefficients a polynomial may have.
pub const MAX_COEFFS: usize = 4096;

/// A polynomial `c0 + c1·x + c2·x² + …`.
#[derive(Debug, Clone, PartialEq)]
pub struct Poly {
    coeffs: Vec<f64>,
}

impl Poly {
    /// Builds `c[0] + c[1]·x + …`. Trailing zero coefficients are dropped.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when `coeffs` is empty, longer than
    /// [`MAX_COEFFS`], or holds a NaN or infinity.
    pub fn new(coeffs: &[f64]) -> Result<Poly, Error> {
        if coeffs.is_empty() {
            return Err(Error::invalid(
                "a polynomial needs at least one coefficient",
            ));
        }
        if coeffs.len() > MAX_COEFFS {
            return Err(Error::invalid(format!(
                "a polynomial may have at most {MAX_COEFFS} coefficients, got {}",
                coeffs.len()
            )));
        }
        if let Some(i) = coeffs.iter().position(|c| !c.is_finite()) {
            return Err(Error::invalid(format!(
                "polynomial coefficient {i} is not finite ({})",
                coeffs[i]
            )));
        }
        let mut coeffs = coeffs.to_vec();
        while coeffs.len() > 1 && coeffs[coeffs.len() - 1] == 0.0 {
            coeffs.pop();
        }
        Ok(Poly { coeffs })
    }

    /// The coefficients, lowest degree first.
    pub fn coeffs(&self) -> &[f64] {
        &self.coeffs
    }

    /// Evaluates the polynomial at `x` (scalar Horner with FMA).
    pub fn at(&self, x: f64) -> f64 {
        horner(&self.coeffs, x)
    }

    /// The exact antiderivative's difference `P(b) − P(a)`, for tests and
    /// references.
    pub fn integral(&self, a: f64, b: f64) -> f64 {
        let anti: Vec<f64> = std::iter::once(0.0)
            .chain(
                self.coeffs
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c / (k as f64 + 1.0)),
            )
            .collect();
        horner(&anti, b) - horner(&anti, a)
    }
}

/// Coefficients of `q(j) = p(start + j·step)`, lowest degree first: a Taylor
/// shift by `start` (repeated synthetic division, so `t[k] = p^(k)(start)/k!`),
/// then a scaling by `step^k`.
///
/// Where `step^k` alone underflows or overflows (tiny panels, huge
/// coefficients) while `t[k]·step^k` does not, `t[k]` is multiplied by
/// `step` k times instead: found by fuzzing, a lost `x^5` term made a
/// result 12 % wrong.
#[inline(always)]
fn block_poly<const N: usize>(p: &[f64; N], start: f64, step: f64) -> [f64; N] {
    let mut t = taylor_shift(p, start);
    let mut scale = 1.0f64;
    for (k, c) in t.iter_mut().enumerate() {
        *c = if scale.is_normal() {
            *c * scale
        } else {
            (0..k).fold(*c, |v, _| v * step)
        };
        scale *= step;
    }
    t
}

#[inline(always)]
fn horner(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ck| acc.mul_add(x, ck))
}

/// Taylor shift of a polynomial by `by`: coefficients of `q(v + by)`.
#[inline(always)]
fn taylor_shift<const N: usize>(q: &[f64; N], by: f64) -> [f64; N] {
    let mut t = *q;
    for k in 0..N {
        for i in (k..N - 1).rev() {
            t[i] = t[i + 1].mul_add(by, t[i]);
        }
    }
    t
}

/// Sums `q(j)` for `j` in `0..count`.
///
/// One lane vector `v` of point indices is shared by all `ACC` accumulators;
/// accumulator `a` evaluates the pre-shifted polynomial `r_a(v) = q(v + a·LANES)`.
/// The constant terms are factored out of the loop (added once, times the
/// number of groups), so per lane vector the loop costs `degree` FMAs, and
/// advancing `v` costs one add per group.
#[inline(always)]
fn sum_shifted<const N: usize, const ACC: usize>(q: &[f64; N], count: usize) -> f64 {
    let group = ACC * LANES;
    let groups = count / group;
    let shifted: [[f64; N]; ACC] = std::array::from_fn(|a| taylor_shift(q, (a * LANES) as f64));
    let r: [[Lane; N]; ACC] =
        std::array::from_fn(|a| std::array::from_fn(|k| Lane::splat(shifted[a][k])));
    let mut v = Lane::new(std::array::from_fn(|i| i as f64));
    let advance = Lane::splat(group as f64);
    let mut acc = [Lane::splat(0.0); ACC];
    if N > 1 {
        for _ in 0..groups {
            for a in 0..ACC {
                let mut t = r[a][N - 1];
                for k in (1..N - 1).rev() {
                    t = t.mul_add(v, r[a][k]);
                }
                acc[a] = t.mul_add(v, acc[a]);
            }
            v += advance;
        }
    }
    let constants: [f64; ACC] = std::array::from_fn(|a| shifted[a][0]);
    let body =
        pairwise(&pairwise_lanes(acc).to_array()) + pairwise(&constants) * (groups * LANES) as f64;
    let tail: f64 = (groups * group..count).map(|i| horner(q, i as f64)).sum();
    body + tail
}

impl Integrand for Poly {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let c = &self.coeffs;
        let mut xc = xs.chunks_exact(LANES);
        let mut oc = out.chunks_exact_mut(LANES);
        for (x, o) in (&mut xc).zip(&mut oc) {
            let xl = Lane::new(x.try_into().expect("chunk of LANES"));
            let mut y = Lane::splat(c[c.len() - 1]);
            for &ck in c[..c.len() - 1].iter().rev() {
                y = y.mul_add(xl, Lane::splat(ck));
            }
            o.copy_from_slice(&y.to_array());
        }
        for (o, &x) in oc.into_remainder().iter_mut().zip(xc.remainder()) {
            *o = horner(c, x);
        }
        Ok(())
    }

    fn eval_lane(&self, x: Lane) -> Result<Lane, EvalError> {
        let c = &self.coeffs;
        let mut y = Lane::splat(c[c.len() - 1]);
        for &ck in c[..c.len() - 1].iter().rev() {
            y = y.mul_add(x, Lane::splat(ck));
        }
        Ok(y)
    }

    fn sum_strided(&self, start: f64, step: f64, count: usize) -> Result<f64, EvalError> {
        if count < CHUNK / 4 {
            // Not worth the shift: the generic path is exact enough and short.
            return super::sum_strided_via_eval(self, start, step, count);
        }
        macro_rules! dispatch {
            ($($n:literal => $acc:literal),*) => {
                match self.coeffs.len() {
                    $($n => {
                        let c: &[f64; $n] = self.coeffs.as_slice().try_into().expect("length");
                        sum_shifted::<$n, $acc>(&block_poly(c, start, step), count)
                    })*
                    _ => super::sum_strided_via_eval(self, start, step, count)?,
                }
            };
        }
        // Eight accumulators while their shifted coefficients fit in the 32
        // vector registers, four beyond.
        Ok(dispatch!(1 => 8, 2 => 8, 3 => 8, 4 => 8, 5 => 4, 6 => 4, 7 => 4, 8 => 4))
    }

    fn is_cheap(&self) -> bool {
        self.coeffs.len() <= 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_polynomial_matches_direct_evaluation() {
        let p = Poly::new(&[7.0, -3.0, 2.0, 0.5, -0.25]).unwrap();
        let (start, step) = (1.25, 1e-3);
        let c: &[f64; 5] = p.coeffs().try_into().unwrap();
        let q = block_poly(c, start, step);
        for j in [0usize, 1, 17, 1000, 16383] {
            let direct = p.at(start + j as f64 * step);
            let via = horner(&q, j as f64);
            assert!(
                (direct - via).abs() <= 1e-13 * direct.abs().max(1.0),
                "{j}: {direct} {via}"
            );
        }
    }

    #[test]
    fn kernel_sum_matches_pointwise_sum() {
        let p = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
        for count in [256usize, 1000, 16384, 16383, 777] {
            let (start, step) = (0.5e-3, 1e-3);
            let fast = p.sum_strided(start, step, count).unwrap();
            let slow: f64 = (0..count).map(|j| p.at(start + j as f64 * step)).sum();
            assert!(
                (fast - slow).abs() <= 1e-12 * slow,
                "{count}: {fast} vs {slow}"
            );
        }
    }

    #[test]
    fn trailing_zeros_are_dropped_and_bad_coefficients_rejected() {
        assert_eq!(
            Poly::new(&[1.0, 2.0, 0.0, 0.0]).unwrap().coeffs(),
            &[1.0, 2.0]
        );
        assert!(Poly::new(&[]).is_err());
        assert!(Poly::new(&[1.0, f64::NAN]).is_err());
        assert!(Poly::new(&[f64::INFINITY]).is_err());
    }

    #[test]
    fn integral_of_seed_polynomial_is_230_over_3() {
        let p = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
        assert!((p.integral(0.0, 5.0) - 230.0 / 3.0).abs() <= 2.0 * f64::EPSILON * 76.7);
    }
}
