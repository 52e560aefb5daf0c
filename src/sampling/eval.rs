//! Evaluating the integrand on a block of unit-cube points: map to the
//! box, call the integrand, weight by the Jacobian, check every value.
//!
//! Invariant: a task's moments depend only on its points, which are cut
//! into chunks of [`chunk_points`] (a function of `ndim` and `nout` only)
//! and merged in chunk order.

use super::cube::UnitCube;
use super::moments::Moments;
use crate::error::EvalError;
use crate::integrand::nd::NdIntegrand;

/// Sample points per task of plain MC (and the largest QMC block).
pub const TASK: u64 = 4096;

/// Points per chunk: buffers of about 128 KiB, between 8 and 512 points.
pub fn chunk_points(ndim: usize, nout: usize) -> usize {
    (16_384 / (ndim + nout)).clamp(8, 512)
}

/// Scratch buffers of one chunk.
#[derive(Debug)]
pub struct Scratch {
    /// Unit-cube points, then box points (point-major).
    pub u: Vec<f64>,
    /// Jacobian of each point.
    pub jac: Vec<f64>,
    /// Weighted values (point-major).
    pub vals: Vec<f64>,
}

impl Scratch {
    /// Buffers for `points` points.
    pub fn new(points: usize, ndim: usize, nout: usize) -> Scratch {
        Scratch {
            u: vec![0.0; points * ndim],
            jac: vec![1.0; points],
            vals: vec![0.0; points * nout],
        }
    }
}

/// Maps the first `npts` points of `s.u` (in the unit cube, already
/// multiplied Jacobians in `s.jac`) to the box, evaluates `f` there and
/// leaves `f_k(x_p)·J_p` in `s.vals`.
///
/// # Errors
/// The integrand's own error; [`EvalError::NonFinite`] when a value is
/// not finite and [`EvalError::Overflow`] when its weighted value is not
/// (with the first coordinate of the point).
pub fn weighted_values(
    f: &dyn NdIntegrand,
    cube: &UnitCube,
    npts: usize,
    s: &mut Scratch,
) -> Result<(), EvalError> {
    let (ndim, nout) = (f.ndim(), f.nout());
    let u = &mut s.u[..npts * ndim];
    let jac = &mut s.jac[..npts];
    let vals = &mut s.vals[..npts * nout];
    cube.map(u, jac);
    f.eval_nd(u, vals)?;
    for (p, (row, &j)) in vals.chunks_exact_mut(nout).zip(jac.iter()).enumerate() {
        for v in row.iter_mut() {
            if !v.is_finite() {
                return Err(EvalError::NonFinite { x: u[p * ndim] });
            }
            *v *= j;
            if !v.is_finite() {
                return Err(EvalError::Overflow { x: u[p * ndim] });
            }
        }
    }
    Ok(())
}

/// The per-component moments of the weighted values of points
/// `first .. first + count`, whose unit-cube coordinates `fill(first, out)`
/// writes (point-major).
///
/// # Errors
/// As [`weighted_values`].
pub fn task_moments(
    f: &dyn NdIntegrand,
    cube: &UnitCube,
    first: u64,
    count: u64,
    fill: &dyn Fn(u64, &mut [f64]),
) -> Result<Vec<Moments>, EvalError> {
    let (ndim, nout) = (f.ndim(), f.nout());
    let chunk = chunk_points(ndim, nout);
    let mut s = Scratch::new(chunk.min(count as usize), ndim, nout);
    let mut acc = vec![Moments::default(); nout];
    let mut done = 0u64;
    while done < count {
        let npts = chunk.min((count - done) as usize);
        fill(first + done, &mut s.u[..npts * ndim]);
        s.jac[..npts].fill(1.0);
        weighted_values(f, cube, npts, &mut s)?;
        for (k, a) in acc.iter_mut().enumerate() {
            *a = a.merge(Moments::of_strided(&s.vals[k..npts * nout], nout));
        }
        done += npts as u64;
    }
    Ok(acc)
}
