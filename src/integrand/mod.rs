//! Integrands: the [`Integrand`] trait and its implementations.
//!
//! Kernels call an integrand once per block of points, never once per point,
//! so dynamic dispatch costs nothing measurable. Each implementation chooses
//! how to evaluate a block: the polynomial runs a register-only SIMD kernel,
//! expressions run a vectorized program over L1-sized chunks, and callbacks
//! are adapted from C.

pub mod callback;
pub mod expr;
pub mod nd;
pub mod param;
pub mod poly;

pub use callback::{BatchFn, ScalarFn};
pub use expr::Expr;
pub use nd::{NdBatchFn, NdExpr, NdFn, NdIntegrand};
pub use param::{ParamExpr, ParamFn, ParamIntegrand};
pub use poly::Poly;

use crate::error::EvalError;
use crate::reduce::sum_slice;
use crate::simd::{Lane, LANES};

/// Points per chunk when a block is evaluated through [`Integrand::eval`]:
/// two chunk buffers (x and f(x)) stay in L1.
pub const CHUNK: usize = 1024;

/// A function of one variable that vquad can integrate.
///
/// Implementations must be `Send + Sync`: vquad evaluates them concurrently
/// from the worker threads of a context.
pub trait Integrand: Send + Sync {
    /// Evaluates the integrand at every point of `xs`, writing `out[i] = f(xs[i])`.
    /// `xs` and `out` have the same length.
    ///
    /// Returning a non-finite value is allowed here; vquad detects it and
    /// reports [`EvalError::NonFinite`] with the abscissa.
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError>;

    /// The SIMD lane entry point: evaluates the integrand on one lane vector.
    ///
    /// The default goes through [`Integrand::eval`]; integrands that compute
    /// natively on lanes override it.
    fn eval_lane(&self, x: Lane) -> Result<Lane, EvalError> {
        let xs = x.to_array();
        let mut out = [0.0; LANES];
        self.eval(&xs, &mut out)?;
        Ok(Lane::new(out))
    }

    /// Returns `Σ_{j < count} f(start + j·step)`, summed in a fixed order
    /// that depends only on `count`.
    ///
    /// This is the hot entry point of the fixed rules (`count` is at most one
    /// block). The default fills chunks of [`CHUNK`] abscissae, calls
    /// [`Integrand::eval`], sums each chunk with SIMD accumulators and
    /// combines the chunk sums pairwise.
    fn sum_strided(&self, start: f64, step: f64, count: usize) -> Result<f64, EvalError> {
        sum_strided_via_eval(self, start, step, count)
    }

    /// True when one evaluation costs only a few nanoseconds (polynomials):
    /// used to decide when a problem is too small to wake the thread pool.
    fn is_cheap(&self) -> bool {
        false
    }

    /// Points per chunk of [`Integrand::strided_chunk_sums`], or `None` (the
    /// default) when the integrand does not offer chunk sums.
    ///
    /// With `Some(P)`, the fixed rules sum each block as the pairwise tree
    /// over its chunk sums, and may compute the chunks of one block on
    /// several threads: a problem of a single block (up to 16 384 points)
    /// with an expensive integrand still uses the whole pool. The tree is the
    /// same with or without the split, so the bits never depend on it.
    /// `None` leaves every block to [`Integrand::sum_strided`].
    fn strided_chunk(&self) -> Option<usize> {
        None
    }

    /// Sets `sums[i]` to the sum of chunk `first + i` of the stream
    /// `f(strided_point(start, step, j))`, `j < count`, where chunk `c` holds
    /// `j` in `c·P .. min((c + 1)·P, count)` and `P` is
    /// [`Integrand::strided_chunk`]. Called only when that is `Some`; the
    /// default evaluates through [`Integrand::eval`] and sums each chunk with
    /// [`sum_slice`] (valid for `P` = [`CHUNK`]).
    fn strided_chunk_sums(
        &self,
        start: f64,
        step: f64,
        count: usize,
        first: usize,
        sums: &mut [f64],
    ) -> Result<(), EvalError> {
        chunk_sums_via_eval(self, start, step, count, first, sums)
    }
}

/// The abscissa `start + j·step` exactly as every fixed-rule kernel computes
/// it (one fused multiply-add).
#[inline]
pub fn strided_point(start: f64, step: f64, j: usize) -> f64 {
    (j as f64).mul_add(step, start)
}

/// [`Integrand::sum_strided`] through [`Integrand::eval`]: the pairwise
/// tree over the [`CHUNK`]-point chunk sums of [`chunk_sums_via_eval`].
pub fn sum_strided_via_eval<F: Integrand + ?Sized>(
    f: &F,
    start: f64,
    step: f64,
    count: usize,
) -> Result<f64, EvalError> {
    let chunks = count.div_ceil(CHUNK);
    let mut sums = [0.0f64; crate::blocks::BLOCK / CHUNK];
    debug_assert!(chunks <= sums.len());
    chunk_sums_via_eval(f, start, step, count, 0, &mut sums[..chunks])?;
    Ok(crate::reduce::pairwise(&sums[..chunks]))
}

/// [`Integrand::strided_chunk_sums`] through [`Integrand::eval`], with
/// chunks of [`CHUNK`] points.
pub fn chunk_sums_via_eval<F: Integrand + ?Sized>(
    f: &F,
    start: f64,
    step: f64,
    count: usize,
    first: usize,
    sums: &mut [f64],
) -> Result<(), EvalError> {
    let mut xs = [0.0f64; CHUNK];
    let mut fx = [0.0f64; CHUNK];
    for (c, slot) in (first..).zip(sums.iter_mut()) {
        let lo = c * CHUNK;
        let len = CHUNK.min(count - lo);
        for (j, x) in xs[..len].iter_mut().enumerate() {
            *x = strided_point(start, step, lo + j);
        }
        f.eval(&xs[..len], &mut fx[..len])?;
        *slot = sum_slice(&fx[..len]);
    }
    Ok(())
}

/// Finds the first abscissa of `start + j·step`, `j < count`, where `f` is
/// not finite. Used after a block sum came out non-finite.
pub fn find_nonfinite<F: Integrand + ?Sized>(
    f: &F,
    start: f64,
    step: f64,
    count: usize,
) -> Result<Option<f64>, EvalError> {
    let mut xs = [0.0f64; CHUNK];
    let mut fx = [0.0f64; CHUNK];
    let mut lo = 0;
    while lo < count {
        let len = CHUNK.min(count - lo);
        for (j, x) in xs[..len].iter_mut().enumerate() {
            *x = strided_point(start, step, lo + j);
        }
        f.eval(&xs[..len], &mut fx[..len])?;
        if let Some(i) = fx[..len].iter().position(|v| !v.is_finite()) {
            return Ok(Some(xs[i]));
        }
        lo += len;
    }
    Ok(None)
}

/// Evaluates `f` at `xs` and checks every value is finite: the entry point
/// for rules that place their own nodes (adaptive rules, endpoint terms).
pub fn eval_checked<F: Integrand + ?Sized>(
    f: &F,
    xs: &[f64],
    out: &mut [f64],
) -> Result<(), EvalError> {
    f.eval(xs, out)?;
    match first_non_finite(out) {
        Some(i) => Err(EvalError::NonFinite { x: xs[i] }),
        None => Ok(()),
    }
}

/// The index of the first value that is NaN or infinite: one branch-free
/// pass ([`all_finite`]) in the usual case that there is none, a search
/// only when there is one.
#[inline]
pub fn first_non_finite(values: &[f64]) -> Option<usize> {
    if all_finite(values) {
        None
    } else {
        values.iter().position(|v| !v.is_finite())
    }
}

/// Whether every value is finite: one pass of bit tests with no early
/// exit, which the compiler turns into SIMD compares (a rule application
/// checks 15–61 values, almost always all finite).
#[inline]
pub fn all_finite(values: &[f64]) -> bool {
    const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    !values
        .iter()
        .fold(false, |any, v| any | (v.to_bits() & EXPONENT == EXPONENT))
}

impl<F: Fn(f64) -> f64 + Send + Sync> Integrand for F {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = self(x);
        }
        Ok(())
    }

    fn strided_chunk(&self) -> Option<usize> {
        Some(CHUNK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_finite_rejects_every_nan_and_infinity_at_any_position() {
        let mut v = [1.0f64; 21];
        assert!(all_finite(&v));
        assert!(all_finite(&[]));
        assert_eq!(first_non_finite(&v), None);
        for k in 0..v.len() {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN] {
                v[k] = bad;
                assert!(!all_finite(&v), "{bad} at {k}");
                assert_eq!(first_non_finite(&v), Some(k), "{bad} at {k}");
            }
            v[k] = f64::MAX;
            assert!(all_finite(&v));
            v[k] = -f64::MIN_POSITIVE / 2.0;
            assert!(all_finite(&v));
        }
    }

    #[test]
    fn eval_checked_names_the_first_point_whose_value_is_not_finite() {
        let f = |x: f64| if x > 2.5 { f64::INFINITY } else { x };
        let xs = [1.0, 3.0, 2.0, 4.0];
        let mut out = [0.0; 4];
        assert_eq!(
            eval_checked(&f, &xs, &mut out),
            Err(EvalError::NonFinite { x: 3.0 })
        );
        assert!(eval_checked(&f, &xs[..1], &mut out[..1]).is_ok());
    }
}
