//! The map from the open unit cube to the caller's box, infinite axes
//! included, with its Jacobian.
//!
//! Invariant: for `u` in (0, 1)^d (which every sampler produces), the image
//! is finite and the Jacobian is finite and non-zero except where the
//! double arithmetic overflows; the orientation sign of reversed axes
//! (`upper < lower`) is carried by the Jacobian, so a sampler integrates
//! `f(x(u))·J(u)` over the unit cube and never looks at the bounds.
//!
//! Per axis, with `a = lower`, `b = upper`:
//!
//! | bounds | `x(u)` | `dx/du` |
//! |---|---|---|
//! | both finite | `a + (b − a)·u` | `b − a` |
//! | `[a, +∞)` | `a + u/(1 − u)` | `1/(1 − u)²` |
//! | `(−∞, b]` | `b − (1 − u)/u` | `1/u²` |
//! | `(−∞, +∞)` | `(u − ½)/(u(1 − u))` | `(u² − u + ½)/(u(1 − u))²` |
//!
//! Reversed infinite axes (`lower = +∞` or `upper = −∞`) are the
//! corresponding forward axis with a sign of −1.

use crate::error::{Error, Result};

/// How one axis maps.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Axis {
    /// `a + w·u`.
    Finite { a: f64, w: f64 },
    /// `a + u/(1 − u)`.
    Upper { a: f64 },
    /// `b − (1 − u)/u`.
    Lower { b: f64 },
    /// The whole line.
    Line,
}

/// A box `[lower, upper]` in `d` dimensions as a map from the unit cube.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitCube {
    axes: Vec<Axis>,
    sign: f64,
    empty: bool,
}

impl UnitCube {
    /// The map of the box with these bounds.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] for NaN bounds or lengths that differ.
    pub fn new(lower: &[f64], upper: &[f64]) -> Result<UnitCube> {
        if lower.len() != upper.len() {
            return Err(Error::invalid(format!(
                "lower has {} bounds but upper has {}",
                lower.len(),
                upper.len()
            )));
        }
        let mut sign = 1.0;
        let mut empty = false;
        let mut axes = Vec::with_capacity(lower.len());
        for (k, (&lo, &hi)) in lower.iter().zip(upper).enumerate() {
            if lo.is_nan() || hi.is_nan() {
                return Err(Error::invalid(format!(
                    "bounds of axis {} must not be NaN (lower = {lo}, upper = {hi})",
                    k + 1
                )));
            }
            let (a, b) = if hi < lo {
                sign = -sign;
                (hi, lo)
            } else {
                (lo, hi)
            };
            empty |= a == b;
            axes.push(match (a.is_finite(), b.is_finite()) {
                (true, true) => Axis::Finite { a: lo, w: hi - lo },
                (true, false) => Axis::Upper { a },
                (false, true) => Axis::Lower { b },
                (false, false) => Axis::Line,
            });
            // A finite axis keeps its own orientation in `w`; undo the flip.
            if let Some(Axis::Finite { .. }) = axes.last() {
                if hi < lo {
                    sign = -sign;
                }
            }
        }
        Ok(UnitCube { axes, sign, empty })
    }

    /// Dimensions.
    pub fn ndim(&self) -> usize {
        self.axes.len()
    }

    /// True when some axis has `lower == upper`: the integral is 0.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// True when an axis is infinite.
    pub fn has_infinite_axis(&self) -> bool {
        self.axes.iter().any(|a| !matches!(a, Axis::Finite { .. }))
    }

    /// Maps `npts` points held in columns (coordinate `j` of point `p` at
    /// `cols[j·stride + p]`) in place to the box, and multiplies `jac[p]`
    /// by each point's Jacobian (times the orientation sign). Each point
    /// sees the same operations in the same order whatever `npts` and
    /// `stride`; the loops run down columns, on SIMD lanes.
    pub fn map_columns(&self, cols: &mut [f64], stride: usize, npts: usize, jac: &mut [f64]) {
        let jac = &mut jac[..npts];
        if !self.has_infinite_axis() {
            // A finite box: an affine map with a constant Jacobian (the same
            // operations as the general loop, in the same order).
            let mut vol = self.sign;
            for axis in &self.axes {
                if let Axis::Finite { w, .. } = axis {
                    vol *= w;
                }
            }
            for (k, axis) in self.axes.iter().enumerate() {
                if let Axis::Finite { a, w } = *axis {
                    for x in &mut cols[k * stride..k * stride + npts] {
                        *x = w.mul_add(*x, a);
                    }
                }
            }
            for j in jac.iter_mut() {
                *j *= vol;
            }
            return;
        }
        let mut w = vec![self.sign; npts];
        for (k, axis) in self.axes.iter().enumerate() {
            let col = cols[k * stride..k * stride + npts].iter_mut().zip(&mut w);
            match *axis {
                Axis::Finite { a, w: width } => {
                    for (x, w) in col {
                        *x = width.mul_add(*x, a);
                        *w *= width;
                    }
                }
                Axis::Upper { a } => {
                    for (x, w) in col {
                        let s = 1.0 - *x;
                        *x = a + *x / s;
                        *w /= s * s;
                    }
                }
                Axis::Lower { b } => {
                    for (x, w) in col {
                        let t = *x;
                        *x = b - (1.0 - t) / t;
                        *w /= t * t;
                    }
                }
                Axis::Line => {
                    for (x, w) in col {
                        let t = *x;
                        let q = t * (1.0 - t);
                        *x = (t - 0.5) / q;
                        *w *= (t * t - t + 0.5) / (q * q);
                    }
                }
            }
        }
        for (j, w) in jac.iter_mut().zip(w) {
            *j *= w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(cube: &UnitCube, u: &[f64]) -> (Vec<f64>, f64) {
        // One point: its columns are its coordinates (stride 1).
        let mut x = u.to_vec();
        let mut j = [1.0];
        cube.map_columns(&mut x, 1, 1, &mut j);
        (x, j[0])
    }

    #[test]
    fn finite_box_maps_affinely_with_signed_volume() {
        let c = UnitCube::new(&[0.0, 2.0], &[2.0, -1.0]).unwrap();
        let (x, j) = image(&c, &[0.25, 0.5]);
        assert_eq!(x, vec![0.5, 0.5]);
        assert_eq!(j, 2.0 * -3.0);
        assert!(!c.is_empty() && !c.has_infinite_axis());
    }

    #[test]
    fn infinite_axes_have_the_derivative_of_their_map() {
        let c = UnitCube::new(
            &[1.0, f64::NEG_INFINITY, f64::NEG_INFINITY, f64::INFINITY],
            &[f64::INFINITY, 3.0, f64::INFINITY, 0.0],
        )
        .unwrap();
        for &t in &[0.1, 0.5, 0.93] {
            let h = 1e-6;
            let (x0, j) = image(&c, &[t; 4]);
            let mut fd = -1.0; // the reversed fourth axis
            for k in 0..4 {
                let mut up = [t; 4];
                let mut dn = [t; 4];
                up[k] += h;
                dn[k] -= h;
                fd *= (image(&c, &up).0[k] - image(&c, &dn).0[k]) / (2.0 * h);
            }
            assert!((j - fd).abs() <= 1e-6 * fd.abs(), "t {t}: {j} vs {fd}");
            assert!(x0.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn column_map_of_many_points_equals_each_point_mapped_alone() {
        let c = UnitCube::new(
            &[
                1.0,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
                2.0,
                f64::INFINITY,
            ],
            &[f64::INFINITY, 3.0, f64::INFINITY, -1.0, 0.0],
        )
        .unwrap();
        let (npts, stride) = (13, 16);
        let u = |p: usize, k: usize| ((p * 7 + k * 3) % 17 + 1) as f64 / 19.0;
        let mut cols = vec![f64::NAN; 5 * stride];
        for k in 0..5 {
            for p in 0..npts {
                cols[k * stride + p] = u(p, k);
            }
        }
        let mut jac = vec![2.0; npts];
        c.map_columns(&mut cols, stride, npts, &mut jac);
        for p in 0..npts {
            let (x, j) = image(&c, &(0..5).map(|k| u(p, k)).collect::<Vec<_>>());
            let got: Vec<f64> = (0..5).map(|k| cols[k * stride + p]).collect();
            assert_eq!(got, x, "point {p}");
            assert_eq!(jac[p].to_bits(), (2.0 * j).to_bits(), "point {p}");
        }
        assert!(cols[npts..stride].iter().all(|v| v.is_nan()));
    }

    #[test]
    fn degenerate_and_nan_bounds() {
        assert!(UnitCube::new(&[1.0, 0.0], &[1.0, 2.0]).unwrap().is_empty());
        assert!(UnitCube::new(&[f64::NAN], &[1.0]).is_err());
        assert!(UnitCube::new(&[0.0], &[1.0, 2.0]).is_err());
    }
}
