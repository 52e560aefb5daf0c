//! Tanh–sinh (double exponential) quadrature with level refinement.
//!
//! On `s ∈ (−1, 1)` the substitution `s = tanh(π/2 · sinh t)` turns endpoint
//! singularities into a doubly exponentially decaying integrand on the real
//! line, which the trapezoid rule with step `h` integrates with an error like
//! `exp(−c/h)`. Level `ℓ` uses `h = 2^−ℓ` and evaluates only the nodes new at
//! that level (odd multiples of `h`); every level's terms are summed pairwise
//! in a fixed order and accumulated in double-double, so the result does not
//! depend on the thread count.
//!
//! Nodes are built from the distance to the nearer end,
//! `d = 1 − |s| = 2q/(1 + q)` with `q = exp(−π sinh |t|)`, never from
//! `1 − tanh(…)`: next to a finite end `a` the abscissa is `a + w·d`, which
//! keeps full relative precision when `a = 0` and is never rounded onto `a`
//! (such nodes, and nodes whose weight overflows, end the walk along that
//! side). The integrand is never evaluated at an endpoint.
//!
//! The error estimate of level `ℓ ≥ 1` is conservative: `|S_ℓ − S_{ℓ−1}|`
//! (for a double exponential rule, a bound on the error of `S_{ℓ−1}`, so a
//! large overestimate of that of `S_ℓ`), plus the round-off floor
//! `50 ε h Σ|w f|`, plus the magnitude of the outermost term on each side,
//! which bounds the part of the integral beyond the last representable node
//! for any singularity milder than `|x − a|^−0.97`.
//!
//! On a finite range wider than about 2^961 the weights (which carry the
//! half-width) and their running sums are kept in units of 2^64 and scaled
//! back at the end: an integral such as ∫ 1 over [−5e307, 5e307] = 1e308 is
//! then a double although its level sums `Σ w f` (before the step `h`) are
//! not. The scaling is a power of two, so the abscissae are exact and the
//! result has the same bits as unscaled sums wherever those do not overflow.

use std::f64::consts::PI;

use super::dd::Dd;
use super::outcome::{Adaptive, Outcome, Tolerance};
use super::transform::Range;
use crate::error::{Error, EvalError, Result};
use crate::exec::points::PointEvaluator;
use crate::reduce::pairwise;

/// Finest level: `h = 2^−12`, about 2 × 6 × 4096 nodes.
pub const MAX_LEVEL: u32 = 12;
/// Coarsest level at which convergence may be declared (`h = 1/8`).
pub const MIN_LEVEL: u32 = 3;

/// Ranges whose ends exceed this magnitude keep their sums in units of
/// [`WIDE_SCALE`].
const WIDE_RANGE: f64 = 1.0e289; // about 2^960
/// The unit of the weights and sums of a very wide finite range.
const WIDE_SCALE: f64 = 18_446_744_073_709_551_616.0; // 2^64

/// `range` in the units its sums are kept in, and that unit.
fn sum_units(range: Range) -> (Range, f64) {
    match range {
        Range::Finite(a, b) if a.abs().max(b.abs()) > WIDE_RANGE => {
            (Range::Finite(a / WIDE_SCALE, b / WIDE_SCALE), WIDE_SCALE)
        }
        other => (other, 1.0),
    }
}

/// The node at `t ≥ 0` on one side: its abscissa and its weight
/// `ds/dt · dx/ds` (without the step `h`), or `None` past the last
/// representable node.
fn node(range: Range, t: f64, right: bool) -> Option<(f64, f64)> {
    let q = (-PI * t.sinh()).exp();
    let d = 2.0 * q / (1.0 + q);
    if d < f64::MIN_POSITIVE {
        return None;
    }
    let ds_dt = PI * t.cosh() * d / (1.0 + q);
    let (x, jac) = range.ts_point(d, right)?;
    let w = ds_dt * jac;
    (w.is_finite() && w > 0.0).then_some((x, w))
}

/// A node: abscissa, weight, `t ≥ 0` and side.
#[derive(Debug, Clone, Copy)]
struct Node {
    x: f64,
    w: f64,
    t: f64,
    right: bool,
}

/// The nodes new at `level`: the centre (level 0 only), then the left side
/// outwards, then the right side outwards. `range` is in sum units of size
/// `unit`: the abscissae are returned in the integrand's variable, the
/// weights in sum units.
fn level_nodes(range: Range, unit: f64, level: u32) -> Vec<Node> {
    let h = 0.5f64.powi(level as i32);
    let (first, stride) = if level == 0 { (1u64, 1u64) } else { (1, 2) };
    let mut nodes = Vec::new();
    if level == 0 {
        nodes.extend(node(range, 0.0, false).map(|(x, w)| Node {
            x: x * unit,
            w,
            t: 0.0,
            right: false,
        }));
    }
    for right in [false, true] {
        let mut k = first;
        loop {
            let t = k as f64 * h;
            let Some((x, w)) = node(range, t, right) else {
                break;
            };
            nodes.push(Node {
                x: x * unit,
                w,
                t,
                right,
            });
            k += stride;
        }
    }
    nodes
}

/// Integrates over `range` to tolerance `tol` within `budget` evaluations,
/// refining up to level `max_level` (at most [`MAX_LEVEL`]). Levels up to
/// [`MIN_LEVEL`] are evaluated together, as one step across the pool (no
/// convergence test looks at them earlier); later levels one step each.
///
/// # Errors
/// Evaluation failures, and [`Error::InvalidArg`] when the budget does not
/// cover the levels up to [`MIN_LEVEL`].
pub fn integrate(
    ev: &mut PointEvaluator,
    range: Range,
    tol: Tolerance,
    budget: u64,
    max_level: u32,
) -> Result<Adaptive> {
    let max_level = max_level.min(MAX_LEVEL);
    let (range, unit) = sum_units(range);
    let first: Vec<Vec<Node>> = (0..=MIN_LEVEL.min(max_level))
        .map(|l| level_nodes(range, unit, l))
        .collect();
    let count: usize = first.iter().map(Vec::len).sum();
    if ev.evals() + count as u64 > budget {
        return Err(Error::invalid(format!(
            "max_evals = {budget} is below the {count} evaluations of tanh-sinh's first levels"
        )));
    }
    let xs: Vec<f64> = first.iter().flatten().map(|n| n.x).collect();
    let mut fx = vec![0.0; xs.len()];
    ev.eval(&xs, &mut fx)?;
    let mut sums = Sums::new(unit);
    let mut offset = 0;
    for (level, nodes) in first.iter().enumerate() {
        let stop = sums.add_level(level as u32, nodes, &fx[offset..offset + nodes.len()], tol)?;
        if let Some((s, err, outcome)) = stop {
            return Ok(done(ev, s, err, outcome));
        }
        offset += nodes.len();
    }
    // Each further level doubles the nodes: once the next one would run in
    // parallel, the rest moves into the pool at once (PointEvaluator::run).
    ev.run(move |ev| {
        for level in MIN_LEVEL + 1..=max_level {
            let nodes = level_nodes(range, unit, level);
            if ev.evals() + nodes.len() as u64 > budget {
                let (value, abs_error) = sums.prev.expect("a level was completed");
                return Ok(done(ev, value, abs_error, Outcome::Budget));
            }
            let xs: Vec<f64> = nodes.iter().map(|n| n.x).collect();
            fx.resize(xs.len(), 0.0);
            ev.eval(&xs, &mut fx)?;
            if let Some((s, err, outcome)) = sums.add_level(level, &nodes, &fx, tol)? {
                return Ok(done(ev, s, err, outcome));
            }
        }
        let (s, err) = sums.prev.expect("at least one level");
        Ok(done(ev, s, err, Outcome::FinestLevel))
    })
}

/// The running sums over all levels so far.
struct Sums {
    total: Dd,
    abs_total: Dd,
    /// `(|term|, t)` of the outermost node so far, left and right.
    outer: [(f64, f64); 2],
    /// `(S, error)` of the last level.
    prev: Option<(f64, f64)>,
    last_diff: f64,
    /// The unit of the weights (1, or [`WIDE_SCALE`]).
    unit: f64,
}

impl Sums {
    fn new(unit: f64) -> Sums {
        Sums {
            unit,
            total: Dd::ZERO,
            abs_total: Dd::ZERO,
            outer: [(0.0, -1.0); 2],
            prev: None,
            last_diff: f64::INFINITY,
        }
    }

    /// Adds the terms of `level` and returns `(S, error, outcome)` when the
    /// integration ends there.
    fn add_level(
        &mut self,
        level: u32,
        nodes: &[Node],
        fx: &[f64],
        tol: Tolerance,
    ) -> Result<Option<(f64, f64, Outcome)>> {
        let mut terms = Vec::with_capacity(nodes.len());
        for (n, &f) in nodes.iter().zip(fx) {
            let term = n.w * f;
            if !term.is_finite() {
                let x = n.x;
                let e = if f.is_finite() {
                    EvalError::Overflow { x }
                } else {
                    EvalError::NonFinite { x }
                };
                return Err(e.into());
            }
            terms.push(term);
            let side = usize::from(n.right);
            if n.t > self.outer[side].1 {
                self.outer[side] = (term.abs(), n.t);
            }
        }
        self.total = self.total + Dd::from(pairwise(&terms));
        let abs_terms: Vec<f64> = terms.iter().map(|t| t.abs()).collect();
        self.abs_total = self.abs_total + Dd::from(pairwise(&abs_terms));
        let h = 0.5f64.powi(level as i32);
        // `* self.unit` is exact (a power of two), and the identity when 1.
        let s = h * self.total.to_f64() * self.unit;
        let floor =
            (50.0 * f64::EPSILON * h * self.abs_total.to_f64() + self.outer[0].0 + self.outer[1].0)
                * self.unit;
        let diff = self.prev.map_or(f64::INFINITY, |(p, _)| (s - p).abs());
        let err = diff + floor;
        if level >= MIN_LEVEL {
            if err <= tol.bound(s) {
                return Ok(Some((s, err, Outcome::Converged)));
            }
            if diff <= floor {
                return Ok(Some((s, err, Outcome::Roundoff)));
            }
        }
        // Short of convergence, the larger of the last two differences: the
        // error of an algebraically converging sum (an interior kink) need
        // not shrink monotonically.
        self.prev = Some((s, diff.max(self.last_diff) + floor));
        self.last_diff = diff;
        Ok(None)
    }
}

fn done(ev: &PointEvaluator, value: f64, abs_error: f64, outcome: Outcome) -> Adaptive {
    Adaptive {
        value,
        abs_error,
        evals: ev.evals(),
        subintervals: 1,
        outcome,
    }
}
