//! The small-call fast path of the Gauss–Kronrod rules: the first rule
//! application on a finite range, with nothing on the heap.
//!
//! Invariant: [`start`] returns exactly what [`qags::start`] returns (the
//! same [`Start`], to the bit, and the same evaluation count), and
//! [`integrate`] exactly what [`qags::integrate`] returns; only the cost
//! differs. An integral that one G10K21 application settles (most smooth
//! integrands at `epsrel = 1e-10`) then costs its 21 evaluations, one rule
//! sum and one power: no interval store, no ε-table, no pool and no
//! allocation. Anything else (infinite ranges, ranges too narrow for the
//! nodes, too small a budget) goes to [`qags`] unchanged.

use super::gauss_kronrod::{centre, Estimate, Gk};
use super::kronrod::KronrodRule;
use super::outcome::{Adaptive, Tolerance};
use super::qags::{self, Start};
use super::transform::Range;
use crate::error::{EvalError, Result};
use crate::exec::points::PointEvaluator as Evaluator;

/// Largest Kronrod rule (G30K61) a stack buffer holds.
const MAX_POINTS: usize = 61;

/// QAGS with pair `rule` on `range`: [`qags::integrate`], with the first
/// application done by [`start`].
///
/// # Errors
/// As [`qags::integrate`].
pub fn integrate(
    ev: &mut Evaluator,
    rule: &'static KronrodRule,
    range: Range,
    tol: Tolerance,
    budget: u64,
) -> Result<Adaptive> {
    match start(ev, rule, range, tol, budget)? {
        Start::Done(out) => Ok(out),
        Start::Root(root) => qags::resume(ev, Gk::new(rule, range), tol, budget, root),
    }
}

/// [`qags::start`] for pair `rule` on `range`, without heap allocation on
/// a finite range.
///
/// # Errors
/// As [`qags::start`].
pub fn start(
    ev: &mut Evaluator,
    rule: &'static KronrodRule,
    range: Range,
    tol: Tolerance,
    budget: u64,
) -> Result<Start> {
    let gk = Gk::new(rule, range);
    let m = rule.points();
    let Range::Finite(lo, hi) = range else {
        return qags::start(ev, gk, tol, budget);
    };
    if budget < m as u64 || m > MAX_POINTS {
        return qags::start(ev, gk, tol, budget);
    }
    let mut xs = [0.0f64; MAX_POINTS];
    if !finite_nodes(rule, lo, hi, &mut xs[..m]) {
        // Too narrow: qags::start reports it.
        return qags::start(ev, gk, tol, budget);
    }
    let mut fx = [0.0f64; MAX_POINTS];
    ev.eval_small(&xs[..m], &mut fx[..m])?;
    let root = finite_apply(rule, lo, hi, &fx[..m])?;
    Ok(match qags::first_test(&root, tol) {
        Some(outcome) => Start::Done(Adaptive {
            value: root.value,
            abs_error: root.error,
            evals: ev.evals(),
            subintervals: 1,
            outcome,
        }),
        None => Start::Root(root),
    })
}

/// The nodes of `[lo, hi]` in [`Gk`]'s order (centre, then `c ∓ h·x_j`),
/// or false when one would not lie strictly inside.
fn finite_nodes(rule: &KronrodRule, lo: f64, hi: f64, xs: &mut [f64]) -> bool {
    let (c, h) = centre(lo, hi);
    let outer = h * rule.xgk[0];
    if !(lo < c - outer && c + outer < hi) {
        return false;
    }
    // Rounding is monotone and `xgk` decreases, so every node lies between
    // the outermost pair just checked: no per-node test is needed.
    xs[0] = c;
    for (j, &x) in rule.xgk[..rule.n].iter().enumerate() {
        let a = h * x;
        xs[1 + 2 * j] = c - a;
        xs[2 + 2 * j] = c + a;
    }
    true
}

/// [`Gk::apply`] on a finite range, the same operations in the same order.
fn finite_apply(rule: &KronrodRule, lo: f64, hi: f64, g: &[f64]) -> Result<Estimate, EvalError> {
    if let Some(k) = g.iter().position(|v| !v.is_finite()) {
        let mut xs = [0.0f64; MAX_POINTS];
        finite_nodes(rule, lo, hi, &mut xs[..g.len()]);
        return Err(EvalError::NonFinite { x: xs[k] });
    }
    let n = rule.n;
    let (_, h) = centre(lo, hi);
    let fc = g[0];
    let mut resg = rule.wg[n] * fc;
    let mut resk = rule.wgk[n] * fc;
    let mut resabs = resk.abs();
    for j in 0..n {
        let (f1, f2) = (g[1 + 2 * j], g[2 + 2 * j]);
        let fsum = f1 + f2;
        resg += rule.wg[j] * fsum;
        resk += rule.wgk[j] * fsum;
        resabs += rule.wgk[j] * (f1.abs() + f2.abs());
    }
    let reskh = 0.5 * resk;
    let mut resasc = rule.wgk[n] * (fc - reskh).abs();
    for j in 0..n {
        resasc += rule.wgk[j] * ((g[1 + 2 * j] - reskh).abs() + (g[2 + 2 * j] - reskh).abs());
    }
    let value = resk * h;
    let resabs = resabs * h;
    let resasc = resasc * h;
    let mut error = ((resk - resg) * h).abs();
    if resasc != 0.0 && error != 0.0 {
        error = resasc * (200.0 * error / resasc).powf(1.5).min(1.0);
    }
    if resabs > f64::MIN_POSITIVE / (50.0 * f64::EPSILON) {
        error = error.max(50.0 * f64::EPSILON * resabs);
    }
    if !(value.is_finite() && error.is_finite() && resasc.is_finite()) {
        return Err(EvalError::NonFinite { x: f64::NAN });
    }
    Ok(Estimate {
        value,
        error,
        resabs,
        resasc,
    })
}

#[cfg(test)]
mod tests {
    use super::super::kronrod;
    use super::*;
    use crate::context::Context;
    use crate::exec::evaluator::Evaluator as Engine;

    /// Integrands whose first application converges, needs bisection, or
    /// fails, on ranges of several scales.
    type Named = (&'static str, fn(f64) -> f64);

    fn integrands() -> Vec<Named> {
        vec![
            ("exp", |x: f64| (-1.5 * x * x).exp()),
            ("lorentz", |x: f64| 1.0 / (1.0 + 1e4 * x * x)),
            ("sqrtlog", |x: f64| x.sqrt() * x.ln()),
            ("cancel", |x: f64| x - 0.5),
            ("zero", |_| 0.0),
            ("pole", |x: f64| if x > 0.9 { f64::NAN } else { x }),
        ]
    }

    #[test]
    fn fast_start_equals_qags_start_to_the_bit_for_every_order() {
        let ctx = Context::new(1).unwrap();
        let tol = Tolerance {
            epsabs: 0.0,
            epsrel: 1e-10,
        };
        for order in kronrod::ORDERS {
            for (name, f) in integrands() {
                for (lo, hi) in [
                    (0.0, 1.0),
                    (-3.0, 1e-3),
                    (1e10, 1e10 + 1.0),
                    (1.0, 1.0 + 1e-14),
                ] {
                    let range = Range::Finite(lo, hi);
                    let rule = kronrod::rule(order);
                    let engine = Engine::new(&ctx);
                    let mut e1 = Evaluator::new(&engine, &f, 1000);
                    let fast = start(&mut e1, rule, range, tol, 1000);
                    let mut e2 = Evaluator::new(&engine, &f, 1000);
                    let slow = qags::start(&mut e2, Gk::new(rule, range), tol, 1000);
                    let what = format!("{name} order {order} on [{lo}, {hi}]");
                    assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{what}");
                    assert_eq!(e1.evals(), e2.evals(), "{what}");
                    let mut e1 = Evaluator::new(&engine, &f, 100_000);
                    let fast = integrate(&mut e1, rule, range, tol, 100_000);
                    let mut e2 = Evaluator::new(&engine, &f, 100_000);
                    let slow = qags::integrate(&mut e2, Gk::new(rule, range), tol, 100_000);
                    assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{what}");
                }
            }
        }
    }
}
