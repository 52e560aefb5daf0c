//! Per-axis changes of variable: every oriented axis becomes a finite
//! interval in a variable `t`, and an infinite one carries a Jacobian.
//!
//! Invariant: the map of each axis is fixed by its two bounds alone, the
//! rules only ever evaluate at interior points of the `t` box (never at an
//! end, where an infinite axis's map diverges), and the sign of the whole
//! box is the product of the per-axis orientations.
//!
//! - `[a, b]`: `x = t`, `t ∈ [a, b]`, Jacobian 1;
//! - `[a, ∞)`: `x = a + t/(1 − t)`, `t ∈ [0, 1)`, Jacobian `1/(1 − t)²`;
//! - `(−∞, b]`: `x = b − t/(1 − t)`, `t ∈ [0, 1)`, Jacobian `1/(1 − t)²`;
//! - `(−∞, ∞)`: `x = t/(1 − t²)`, `t ∈ (−1, 1)`, Jacobian `(1 + t²)/(1 − t²)²`.

use crate::error::EvalError;
use crate::integrand::first_non_finite;

/// One oriented axis (`lo < hi` in the caller's variable).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Axis {
    /// `[a, b]`, both finite.
    Finite,
    /// `[a, ∞)`.
    Upper(f64),
    /// `(−∞, b]`.
    Lower(f64),
    /// `(−∞, ∞)`.
    Whole,
}

/// The box of a call after orientation and the change of variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Boxed {
    /// Lower corner in `t`.
    pub lo: Vec<f64>,
    /// Upper corner in `t`.
    pub hi: Vec<f64>,
    /// The map of each axis.
    pub axes: Vec<Axis>,
    /// +1 or −1: the product of the orientations.
    pub sign: f64,
    /// True when some axis has `lower == upper` (the integral is 0).
    pub empty: bool,
}

impl Boxed {
    /// Orients and maps the box `lower[i]..upper[i]` (no NaN: callers check).
    pub fn new(lower: &[f64], upper: &[f64]) -> Boxed {
        let mut b = Boxed {
            lo: Vec::with_capacity(lower.len()),
            hi: Vec::with_capacity(lower.len()),
            axes: Vec::with_capacity(lower.len()),
            sign: 1.0,
            empty: false,
        };
        for (&l, &u) in lower.iter().zip(upper) {
            if l == u {
                b.empty = true;
            }
            let (l, u) = if u < l {
                b.sign = -b.sign;
                (u, l)
            } else {
                (l, u)
            };
            let (axis, tl, th) = match (l.is_finite(), u.is_finite()) {
                (true, true) => (Axis::Finite, l, u),
                (true, false) => (Axis::Upper(l), 0.0, 1.0),
                (false, true) => (Axis::Lower(u), 0.0, 1.0),
                (false, false) => (Axis::Whole, -1.0, 1.0),
            };
            b.axes.push(axis);
            b.lo.push(tl);
            b.hi.push(th);
        }
        b
    }

    /// True when some axis is infinite (points need [`Boxed::map_points`]).
    pub fn has_infinite(&self) -> bool {
        self.axes.iter().any(|a| *a != Axis::Finite)
    }

    /// Maps `t` points (row-major) to `x` in place and writes each point's
    /// Jacobian (the product over axes) to `jac`.
    pub fn map_points(&self, pts: &mut [f64], jac: &mut [f64]) {
        let d = self.axes.len();
        for (p, j) in pts.chunks_exact_mut(d).zip(jac.iter_mut()) {
            let mut w = 1.0;
            for (x, axis) in p.iter_mut().zip(&self.axes) {
                let t = *x;
                match *axis {
                    Axis::Finite => {}
                    Axis::Upper(a) => {
                        let r = 1.0 / (1.0 - t);
                        *x = a + t * r;
                        w *= r * r;
                    }
                    Axis::Lower(b) => {
                        let r = 1.0 / (1.0 - t);
                        *x = b - t * r;
                        w *= r * r;
                    }
                    Axis::Whole => {
                        let r = 1.0 / (1.0 - t * t);
                        *x = t * r;
                        w *= (1.0 + t * t) * r * r;
                    }
                }
            }
            *j = w;
        }
    }
}

/// Multiplies each point's `nout` values by its Jacobian and checks every
/// value is finite; `first(p)` is point `p`'s first coordinate, which names
/// the point in an error.
///
/// # Errors
/// [`EvalError::NonFinite`] at the first non-finite value (with the point's
/// first coordinate), [`EvalError::Overflow`] when a finite value times its
/// Jacobian overflows.
pub fn weigh_and_check(
    vals: &mut [f64],
    jac: Option<&[f64]>,
    first: impl Fn(usize) -> f64,
    nout: usize,
) -> Result<(), EvalError> {
    // Branch-free passes over every value (they vectorize); the first
    // failure in point order is looked for only once one is known to exist.
    if let Some(i) = first_non_finite(vals) {
        return Err(EvalError::NonFinite { x: first(i / nout) });
    }
    let Some(jac) = jac else {
        return Ok(());
    };
    // An integrand that decays to 0 faster than the map grows contributes
    // 0, even where the Jacobian is huge.
    let weigh = |v: &mut f64, w: f64| *v = if *v == 0.0 { 0.0 } else { *v * w };
    if nout == 1 {
        vals.iter_mut().zip(jac).for_each(|(v, &w)| weigh(v, w));
    } else {
        for (row, &w) in vals.chunks_exact_mut(nout).zip(jac) {
            row.iter_mut().for_each(|v| weigh(v, w));
        }
    }
    if let Some(i) = first_non_finite(vals) {
        return Err(EvalError::Overflow { x: first(i / nout) });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversed_axes_flip_the_sign_and_equal_bounds_empty_the_box() {
        let b = Boxed::new(&[1.0, 0.0, 2.0], &[0.0, 1.0, 2.0]);
        assert_eq!(b.sign, -1.0);
        assert!(b.empty);
        assert_eq!(b.lo, vec![0.0, 0.0, 2.0]);
    }

    #[test]
    fn weighing_reports_the_first_failure_in_point_order() {
        let first = |p: usize| 10.0 + p as f64;
        // Two components per point; a NaN at point 2 comes before an
        // overflow at point 3, and a NaN anywhere wins over overflows.
        let mut vals = [1.0, 2.0, 0.0, 4.0, 5.0, f64::NAN, 1e300, 1.0];
        let jac = [1.0, 1e300, 2.0, 1e300];
        assert_eq!(
            weigh_and_check(&mut vals, Some(&jac), first, 2),
            Err(EvalError::NonFinite { x: 12.0 })
        );
        let mut vals = [1.0, 2.0, 0.0, 4e10, 5.0, 6.0, 1e300, 1.0];
        assert_eq!(
            weigh_and_check(&mut vals, Some(&jac), first, 2),
            Err(EvalError::Overflow { x: 11.0 })
        );
        // A zero value times a huge Jacobian stays 0.
        let mut vals = [0.0, 0.0, 1.0, 2.0];
        let jac = [f64::INFINITY, 3.0];
        assert_eq!(weigh_and_check(&mut vals, Some(&jac), first, 2), Ok(()));
        assert_eq!(vals, [0.0, 0.0, 3.0, 6.0]);
        let mut vals = [1.0, f64::INFINITY];
        assert_eq!(
            weigh_and_check(&mut vals, None, first, 1),
            Err(EvalError::NonFinite { x: 11.0 })
        );
    }

    #[test]
    fn infinite_axes_map_interior_points_monotonically() {
        let b = Boxed::new(
            &[2.0, f64::NEG_INFINITY, f64::NEG_INFINITY],
            &[f64::INFINITY, 3.0, f64::INFINITY],
        );
        assert_eq!(b.lo, vec![0.0, 0.0, -1.0]);
        let mut p = vec![0.5, 0.5, 0.5, 0.0, 0.0, 0.0];
        let mut j = [0.0; 2];
        b.map_points(&mut p, &mut j);
        assert_eq!(&p[..3], &[3.0, 2.0, 0.5 / 0.75]);
        assert_eq!(&p[3..], &[2.0, 3.0, 0.0]);
        assert_eq!(j[1], 1.0);
        assert!((j[0] - 4.0 * 4.0 * (1.25 / 0.5625)).abs() < 1e-12);
    }
}
