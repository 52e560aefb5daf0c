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

use super::gauss_kronrod::{centre, estimate, rule_nodes, Gk};
use super::kronrod::KronrodRule;
use super::outcome::{Adaptive, Tolerance};
use super::qags::{self, Start};
use super::transform::Range;
use crate::error::Result;
use crate::exec::points::PointEvaluator as Evaluator;

/// Largest Kronrod rule (G30K61) a stack buffer holds.
pub const MAX_POINTS: usize = 61;

/// QAGS with pair `rule` on `range`: [`qags::integrate`], with the first
/// application done by [`start`].
///
/// # Errors
/// As [`qags::integrate`].
#[inline]
pub fn integrate(
    ev: &mut Evaluator,
    rule: &'static KronrodRule,
    range: Range,
    tol: Tolerance,
    budget: u64,
    given: Option<&[f64]>,
) -> Result<Adaptive> {
    match start(ev, rule, range, tol, budget, given)? {
        Start::Done(out) => Ok(out),
        Start::Root(root) => qags::resume(ev, Gk::new(rule, range), tol, budget, root),
    }
}

/// Writes the abscissae of the first application of pair `rule` into
/// `xs` and returns their number when the small path takes it (a finite
/// range wide enough for the nodes, a budget of at least one application);
/// `None` when [`qags::start`] does.
#[inline]
pub fn first_nodes(
    rule: &'static KronrodRule,
    range: Range,
    budget: u64,
    xs: &mut [f64; MAX_POINTS],
) -> Option<usize> {
    let m = rule.points();
    let Range::Finite(lo, hi) = range else {
        return None;
    };
    (budget >= m as u64 && m <= MAX_POINTS && rule_nodes(rule, lo, hi, &mut xs[..m])).then_some(m)
}

/// [`qags::start`] for pair `rule` on `range`, without heap allocation on
/// a finite range. `given` holds the integrand's values at the
/// [`first_nodes`] when a call shared with other integrals computed them
/// (`None`: evaluate them here); they are checked and counted as if
/// evaluated here, so the result is the same either way.
///
/// # Errors
/// As [`qags::start`].
#[inline]
pub fn start(
    ev: &mut Evaluator,
    rule: &'static KronrodRule,
    range: Range,
    tol: Tolerance,
    budget: u64,
    given: Option<&[f64]>,
) -> Result<Start> {
    let gk = Gk::new(rule, range);
    let mut xs = [0.0f64; MAX_POINTS];
    let Some(m) = first_nodes(rule, range, budget, &mut xs) else {
        // Infinite, too narrow (qags::start reports it) or too small a
        // budget: the general path.
        debug_assert!(
            given.is_none(),
            "values given for nodes the small path does not use"
        );
        return qags::start(ev, gk, tol, budget);
    };
    let mut fx = [0.0f64; MAX_POINTS];
    // Every value is finite once this returns (`eval_checked`), and on a
    // finite range the rule's values are the integrand's: what
    // `Gk::apply` computes, without its transform.
    let fx = match given {
        Some(values) => {
            ev.take(&xs[..m], values)?;
            values
        }
        None => {
            ev.eval_small(&xs[..m], &mut fx[..m])?;
            &fx[..m]
        }
    };
    let (lo, hi) = range.gk_root();
    let root = estimate(rule, centre(lo, hi).1, fx)?;
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
                    let fast = start(&mut e1, rule, range, tol, 1000, None);
                    let mut e2 = Evaluator::new(&engine, &f, 1000);
                    let slow = qags::start(&mut e2, Gk::new(rule, range), tol, 1000);
                    let what = format!("{name} order {order} on [{lo}, {hi}]");
                    assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{what}");
                    assert_eq!(e1.evals(), e2.evals(), "{what}");
                    let mut e1 = Evaluator::new(&engine, &f, 100_000);
                    let fast = integrate(&mut e1, rule, range, tol, 100_000, None);
                    let mut e2 = Evaluator::new(&engine, &f, 100_000);
                    let slow = qags::integrate(&mut e2, Gk::new(rule, range), tol, 100_000);
                    assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{what}");
                }
            }
        }
    }
}
