//! Integrands: the [`Integrand`] trait and its implementations.
//!
//! Kernels call an integrand once per block of points, never once per point,
//! so dynamic dispatch costs nothing measurable. Each implementation chooses
//! how to evaluate a block: the polynomial runs a register-only SIMD kernel,
//! expressions run a vectorized program over L1-sized chunks, and callbacks
//! are adapted from C.

pub mod callback;
pub mod expr;
pub mod poly;

pub use callback::{BatchFn, ScalarFn};
pub use expr::Expr;
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
    match out.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(EvalError::NonFinite { x: xs[i] }),
        None => Ok(()),
    }
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
