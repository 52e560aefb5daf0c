//! Evaluating the integrand on a block of unit-cube points: map to the
//! box, call the integrand, weight by the Jacobian, check every value.
//!
//! Invariant: a task's moments depend only on its points, which are cut
//! into chunks of [`chunk_points`] (a function of `ndim` and `nout` only)
//! and merged in chunk order.

use std::cell::RefCell;

use super::cube::UnitCube;
use super::moments::Moments;
use crate::error::EvalError;
use crate::integrand::first_non_finite;
use crate::integrand::nd::NdIntegrand;
use crate::scratch::with_kept;

/// Sample points per task of plain MC (and the largest QMC block).
pub const TASK: u64 = 4096;

/// Points per chunk: buffers of about 128 KiB, between 8 and 512 points.
pub fn chunk_points(ndim: usize, nout: usize) -> usize {
    (16_384 / (ndim + nout)).clamp(8, 512)
}

/// Scratch buffers of one chunk of up to `cap` points.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Unit-cube points, then box points, in columns: coordinate `j` of
    /// point `p` at `u[j·cap + p]`.
    pub u: Vec<f64>,
    /// Points per column (the stride of `u`).
    pub cap: usize,
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
            cap: points,
            jac: vec![1.0; points],
            vals: vec![0.0; points * nout],
        }
    }

    /// Resizes the buffers for `points` points. Values left from earlier
    /// use stay: every caller writes a point's coordinates, Jacobian and
    /// values before reading them.
    fn reshape(&mut self, points: usize, ndim: usize, nout: usize) {
        self.cap = points;
        self.u.resize(points * ndim, 0.0);
        self.jac.resize(points, 1.0);
        self.vals.resize(points * nout, 0.0);
    }
}

thread_local! {
    /// Each thread's chunk buffers, reused by every task it runs.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new(0, 0, 0));
}

/// Runs `f` with this thread's [`Scratch`] (kept between tasks), shaped for
/// `points` points.
pub fn with_scratch<R>(
    points: usize,
    ndim: usize,
    nout: usize,
    f: impl FnOnce(&mut Scratch) -> R,
) -> R {
    with_kept(&SCRATCH, |s| {
        s.reshape(points, ndim, nout);
        f(s)
    })
}

/// Maps the first `npts` points of `s.u` (in the unit cube, already
/// multiplied Jacobians in `s.jac`) to the box, evaluates `f` there on the
/// columns and leaves `f_k(x_p)·J_p` in `s.vals`.
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
    let nout = f.nout();
    let jac = &mut s.jac[..npts];
    let vals = &mut s.vals[..npts * nout];
    cube.map_columns(&mut s.u, s.cap, npts, jac);
    f.eval_columns(&s.u, s.cap, npts, vals)?;
    // The first bad value in point order decides the error, as a
    // point-by-point check would: a non-finite value, or a finite one whose
    // weighted value overflows.
    let bad_input = first_non_finite(vals);
    if nout == 1 {
        for (v, &j) in vals.iter_mut().zip(jac.iter()) {
            *v *= j;
        }
    } else {
        for (row, &j) in vals.chunks_exact_mut(nout).zip(jac.iter()) {
            for v in row.iter_mut() {
                *v *= j;
            }
        }
    }
    if let Some(i) = first_non_finite(vals) {
        // Column 0 holds each point's first coordinate.
        let x = s.u[i / nout];
        return Err(if bad_input == Some(i) {
            EvalError::NonFinite { x }
        } else {
            EvalError::Overflow { x }
        });
    }
    Ok(())
}

/// Writes the unit-cube coordinates of points `first .. first + npts` in
/// columns of `stride`: `fill(first, npts, stride, out)`.
pub type Fill<'a> = dyn Fn(u64, usize, usize, &mut [f64]) + 'a;

/// The per-component moments of the weighted values of points
/// `first .. first + count`, whose unit-cube coordinates
/// `fill(first, npts, stride, out)` writes in columns (see [`Scratch`]).
///
/// # Errors
/// As [`weighted_values`].
pub fn task_moments(
    f: &dyn NdIntegrand,
    cube: &UnitCube,
    first: u64,
    count: u64,
    fill: &Fill,
) -> Result<Vec<Moments>, EvalError> {
    let (ndim, nout) = (f.ndim(), f.nout());
    let chunk = chunk_points(ndim, nout);
    with_scratch(chunk.min(count as usize), ndim, nout, |s| {
        let mut acc = vec![Moments::default(); nout];
        let mut done = 0u64;
        while done < count {
            let npts = chunk.min((count - done) as usize);
            fill(first + done, npts, s.cap, &mut s.u);
            s.jac[..npts].fill(1.0);
            weighted_values(f, cube, npts, s)?;
            for (k, a) in acc.iter_mut().enumerate() {
                *a = a.merge(Moments::of_strided(&s.vals[k..npts * nout], nout));
            }
            done += npts as u64;
        }
        Ok(acc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrand::nd::{NdExpr, NdFn};

    /// Points in columns of `stride` and the same points in rows.
    fn points(ndim: usize, npts: usize, stride: usize) -> (Vec<f64>, Vec<f64>) {
        let x = |p: usize, j: usize| ((p * 5 + j * 11) % 23) as f64 / 7.0 - 1.3;
        let mut cols = vec![f64::NAN; ndim * stride];
        let mut rows = vec![0.0; ndim * npts];
        for p in 0..npts {
            for j in 0..ndim {
                cols[j * stride + p] = x(p, j);
                rows[p * ndim + j] = x(p, j);
            }
        }
        (cols, rows)
    }

    #[test]
    fn column_evaluation_gives_the_bits_of_row_evaluation() {
        let (npts, stride) = (37, 40);
        // An expression that leaves its last variable unread, and a closure
        // (which goes through the transposing default).
        let e = NdExpr::parse("exp(-(x1^2 + 2*x2^2)) * sin(x3) / (1 + x1*x2)", 4).unwrap();
        let c = NdFn::new(3, 2, |x: &[f64], o: &mut [f64]| {
            o[0] = x[0] * x[1] - x[2];
            o[1] = (x[0] + x[2]).cos();
        });
        for f in [&e as &dyn NdIntegrand, &c] {
            let (ndim, nout) = (f.ndim(), f.nout());
            let (cols, rows) = points(ndim, npts, stride);
            let (mut a, mut b) = (vec![0.0; npts * nout], vec![0.0; npts * nout]);
            f.eval_columns(&cols, stride, npts, &mut a).unwrap();
            f.eval_nd(&rows, &mut b).unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "ndim {ndim}");
        }
    }

    #[test]
    fn the_first_bad_value_in_point_order_names_the_error() {
        // Point 1 overflows when weighted, point 2 is NaN: point 1 decides.
        let f = NdFn::new(1, 1, |x: &[f64], o: &mut [f64]| {
            o[0] = if x[0] > 0.7 { f64::NAN } else { 1e300 }
        });
        let cube = UnitCube::new(&[0.0], &[1.0]).unwrap();
        let mut s = Scratch::new(3, 1, 1);
        s.u[..3].copy_from_slice(&[0.1, 0.5, 0.9]);
        s.jac[..3].copy_from_slice(&[1.0, 1e300, 1.0]);
        let e = weighted_values(&f, &cube, 3, &mut s).unwrap_err();
        assert_eq!(e, EvalError::Overflow { x: 0.5 });
        s.u[..3].copy_from_slice(&[0.1, 0.9, 0.5]);
        s.jac[..3].copy_from_slice(&[1.0, 1.0, 1e300]);
        let e = weighted_values(&f, &cube, 3, &mut s).unwrap_err();
        assert_eq!(e, EvalError::NonFinite { x: 0.9 });
    }
}
