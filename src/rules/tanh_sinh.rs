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

use std::f64::consts::PI;

use super::adaptive::{Adaptive, Outcome, Tolerance};
use super::dd::Dd;
use super::points::Evaluator;
use super::transform::Range;
use crate::error::{Error, EvalError, Result};
use crate::exec::reduce::pairwise;

/// Finest level: `h = 2^−12`, about 2 × 6 × 4096 nodes.
pub const MAX_LEVEL: u32 = 12;
/// Coarsest level at which convergence may be declared (`h = 1/8`).
pub const MIN_LEVEL: u32 = 3;

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
/// outwards, then the right side outwards.
fn level_nodes(range: Range, level: u32) -> Vec<Node> {
    let h = 0.5f64.powi(level as i32);
    let (first, stride) = if level == 0 { (1u64, 1u64) } else { (1, 2) };
    let mut nodes = Vec::new();
    if level == 0 {
        nodes.extend(node(range, 0.0, false).map(|(x, w)| Node {
            x,
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
            nodes.push(Node { x, w, t, right });
            k += stride;
        }
    }
    nodes
}

/// Integrates over `range` to tolerance `tol` within `budget` evaluations,
/// refining up to level `max_level` (at most [`MAX_LEVEL`]).
///
/// # Errors
/// Evaluation failures, and [`Error::InvalidArg`] when the budget does not
/// cover the first level.
pub fn integrate(
    ev: &mut Evaluator,
    range: Range,
    tol: Tolerance,
    budget: u64,
    max_level: u32,
) -> Result<Adaptive> {
    let mut total = Dd::ZERO;
    let mut abs_total = Dd::ZERO;
    // (|term|, t) of the outermost node so far, left and right.
    let mut outer = [(0.0f64, -1.0f64); 2];
    let mut prev: Option<(f64, f64)> = None; // (S, error) of the last level
    let mut fx = Vec::new();
    let mut last_diff = f64::INFINITY;
    for level in 0..=max_level.min(MAX_LEVEL) {
        let nodes = level_nodes(range, level);
        if ev.evals() + nodes.len() as u64 > budget {
            if level == 0 {
                return Err(Error::invalid(format!(
                    "max_evals = {budget} is below the {} evaluations of tanh-sinh's first level",
                    nodes.len()
                )));
            }
            let (value, abs_error) = prev.expect("a level was completed");
            return Ok(done(ev, value, abs_error, Outcome::Budget));
        }
        let xs: Vec<f64> = nodes.iter().map(|n| n.x).collect();
        fx.resize(xs.len(), 0.0);
        ev.eval(&xs, &mut fx)?;
        let mut terms = Vec::with_capacity(xs.len());
        for (n, &f) in nodes.iter().zip(&fx) {
            let term = n.w * f;
            if !term.is_finite() {
                return Err(EvalError::NonFinite { x: n.x }.into());
            }
            terms.push(term);
            let side = usize::from(n.right);
            if n.t > outer[side].1 {
                outer[side] = (term.abs(), n.t);
            }
        }
        total = total + Dd::from(pairwise(&terms));
        let abs_terms: Vec<f64> = terms.iter().map(|t| t.abs()).collect();
        abs_total = abs_total + Dd::from(pairwise(&abs_terms));
        let h = 0.5f64.powi(level as i32);
        let s = h * total.to_f64();
        let floor = 50.0 * f64::EPSILON * h * abs_total.to_f64() + outer[0].0 + outer[1].0;
        let diff = prev.map_or(f64::INFINITY, |(p, _)| (s - p).abs());
        let err = diff + floor;
        if level >= MIN_LEVEL {
            if err <= tol.bound(s) {
                return Ok(done(ev, s, err, Outcome::Converged));
            }
            if diff <= floor {
                return Ok(done(ev, s, err, Outcome::Roundoff));
            }
        }
        // Short of convergence, the larger of the last two differences: the
        // error of an algebraically converging sum (an interior kink) need
        // not shrink monotonically.
        prev = Some((s, diff.max(last_diff) + floor));
        last_diff = diff;
    }
    let (s, err) = prev.expect("at least one level");
    Ok(done(ev, s, err, Outcome::FinestLevel))
}

fn done(ev: &Evaluator, value: f64, abs_error: f64, outcome: Outcome) -> Adaptive {
    Adaptive {
        value,
        abs_error,
        evals: ev.evals(),
        subintervals: 1,
        outcome,
    }
}
