//! Integration ranges and the variable changes that make infinite ones
//! finite, for both adaptive rules.
//!
//! - Gauss–Kronrod follows QUADPACK's QAGI: `[a, ∞)` becomes `t ∈ (0, 1]`
//!   through `x = a + (1 − t)/t` (`dx = dt/t²`), `(−∞, b]` through
//!   `x = b − (1 − t)/t`, and `(−∞, ∞)` is folded onto `[0, ∞)` as
//!   `f(x) + f(−x)` (two evaluations per node). `t = 0`, the point at
//!   infinity, is never a node.
//! - Tanh–sinh works on `s ∈ (−1, 1)` and receives every node as the
//!   *distance* `d` to the nearer end of that interval, so that nodes close
//!   to an endpoint keep their full relative precision: a finite end `a` is
//!   reached as `a + w·d`, an infinite one through `x ~ 1/d`.

/// An oriented integration range (`a < b`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// `[a, b]`, both finite.
    Finite(f64, f64),
    /// `[a, ∞)`.
    Upper(f64),
    /// `(−∞, b]`.
    Lower(f64),
    /// `(−∞, ∞)`.
    Whole,
}

impl Range {
    /// The range of `a < b`.
    pub fn new(a: f64, b: f64) -> Range {
        debug_assert!(a < b);
        match (a.is_finite(), b.is_finite()) {
            (true, true) => Range::Finite(a, b),
            (true, false) => Range::Upper(a),
            (false, true) => Range::Lower(b),
            (false, false) => Range::Whole,
        }
    }

    /// The interval the Gauss–Kronrod rule bisects: `[a, b]`, or `[0, 1]`
    /// in the QAGI variable `t`.
    pub fn gk_root(self) -> (f64, f64) {
        match self {
            Range::Finite(a, b) => (a, b),
            _ => (0.0, 1.0),
        }
    }

    /// Integrand evaluations per Gauss–Kronrod node: 2 for the folded
    /// `(−∞, ∞)`, else 1.
    pub fn gk_evals_per_node(self) -> usize {
        if self == Range::Whole {
            2
        } else {
            1
        }
    }

    /// The abscissa `x` of the Gauss–Kronrod node `t` (for `(−∞, ∞)`, the
    /// non-negative one of the pair `±x`).
    #[inline]
    pub fn gk_x(self, t: f64) -> f64 {
        match self {
            Range::Finite(..) => t,
            Range::Upper(a) => a + (1.0 - t) / t,
            Range::Lower(b) => b - (1.0 - t) / t,
            Range::Whole => (1.0 - t) / t,
        }
    }

    /// True when `x = gk_x(t)` may be evaluated: finite and not equal to a
    /// finite end of the original range (where the integrand may be
    /// singular).
    #[inline]
    pub fn gk_x_is_interior(self, x: f64) -> bool {
        match self {
            Range::Finite(a, b) => a < x && x < b,
            Range::Upper(a) => a < x && x < f64::INFINITY,
            Range::Lower(b) => f64::NEG_INFINITY < x && x < b,
            Range::Whole => x.is_finite(),
        }
    }

    /// The value of the transformed integrand at node `t` from the integrand
    /// values there (`fx[0]`, and `fx[1] = f(−x)` for `(−∞, ∞)`).
    #[inline]
    pub fn gk_value(self, t: f64, fx: &[f64]) -> f64 {
        match self {
            Range::Finite(..) => fx[0],
            Range::Upper(_) | Range::Lower(_) => (fx[0] / t) / t,
            Range::Whole => ((fx[0] + fx[1]) / t) / t,
        }
    }

    /// Tanh–sinh: the abscissa and the Jacobian `dx/ds` of the node at
    /// distance `d ∈ (0, 1]` from the left (`right = false`) or right end of
    /// `s ∈ (−1, 1)`. Returns `None` where the node cannot be represented
    /// (it would round onto a finite end or overflow).
    #[inline]
    pub fn ts_point(self, d: f64, right: bool) -> Option<(f64, f64)> {
        let (x, jac) = match self {
            Range::Finite(a, b) => {
                let half = 0.5 * b - 0.5 * a;
                let x = if right { b - half * d } else { a + half * d };
                (x, half)
            }
            Range::Upper(a) => {
                // u = (s + 1)/2 ∈ (0, 1), x = a + u/(1 − u), dx/ds = 1/(2(1 − u)²).
                let (x, one_minus_u) = if right {
                    (a + (2.0 - d) / d, 0.5 * d)
                } else {
                    (a + d / (2.0 - d), 1.0 - 0.5 * d)
                };
                (x, 0.5 / (one_minus_u * one_minus_u))
            }
            Range::Lower(b) => {
                // The mirror image of `Upper`: the right end of s is x = b.
                let (x, one_minus_u) = if right {
                    (b - d / (2.0 - d), 1.0 - 0.5 * d)
                } else {
                    (b - (2.0 - d) / d, 0.5 * d)
                };
                (x, 0.5 / (one_minus_u * one_minus_u))
            }
            Range::Whole => {
                // x = s/(1 − s²), 1 − s² = d(2 − d), dx/ds = (1 + s²)/(1 − s²)².
                let s_abs = 1.0 - d;
                let q = d * (2.0 - d);
                let x = s_abs / q;
                (if right { x } else { -x }, (1.0 + s_abs * s_abs) / q / q)
            }
        };
        (self.gk_x_is_interior(x) && jac.is_finite()).then_some((x, jac))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qagi_map_sends_the_unit_interval_onto_the_half_line() {
        let r = Range::new(2.0, f64::INFINITY);
        assert_eq!(r, Range::Upper(2.0));
        assert_eq!(r.gk_x(1.0), 2.0);
        assert_eq!(r.gk_x(0.5), 3.0);
        assert!(!r.gk_x_is_interior(2.0));
        assert_eq!(Range::new(f64::NEG_INFINITY, 1.0).gk_x(0.25), -2.0);
        // dx/dt = 1/t² for the Jacobian.
        assert_eq!(r.gk_value(0.5, &[1.0]), 4.0);
        assert_eq!(Range::Whole.gk_value(0.5, &[1.0, 2.0]), 12.0);
    }

    #[test]
    fn tanh_sinh_nodes_near_an_end_keep_their_distance() {
        let r = Range::Finite(0.0, 2.0);
        let (x, jac) = r.ts_point(1e-300, false).unwrap();
        assert_eq!((x, jac), (1e-300, 1.0));
        // At a nonzero end the node rounds onto the end: not evaluable.
        assert!(Range::Finite(1.0, 3.0).ts_point(1e-300, false).is_none());
        assert_eq!(
            Range::Finite(1.0, 3.0).ts_point(1.0, true),
            Some((2.0, 1.0))
        );
    }

    #[test]
    fn tanh_sinh_maps_of_infinite_ranges_are_monotone_and_finite() {
        for r in [Range::Upper(-1.0), Range::Lower(1.0), Range::Whole] {
            // Left side from its far end inwards, then the right side outwards.
            let mut xs = Vec::new();
            for k in (1..=40).rev() {
                let d = 0.5f64.powi(k);
                if let Some((x, jac)) = r.ts_point(d, false) {
                    xs.push(x);
                    assert!(jac > 0.0 && jac.is_finite());
                }
            }
            for k in 1..=40 {
                let d = 0.5f64.powi(k);
                if let Some((x, _)) = r.ts_point(d, true) {
                    xs.push(x);
                }
            }
            assert!(xs.windows(2).all(|w| w[0] < w[1]), "{r:?}: {xs:?}");
        }
    }
}
