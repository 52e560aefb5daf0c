//! The adaptive rules' common entry: tolerance checks, orientation of the
//! bounds, and the policy that turns an algorithm's outcome into a result.
//!
//! # Outcomes
//!
//! - The tolerance is met: `Ok`, with `abs_error ≤ max(epsabs, epsrel·|value|)`.
//! - The evaluation budget (`max_evals`) runs out first:
//!   [`Error::MaxEvals`], whose `partial` holds the best value reached and
//!   its (large) error estimate: the one error that carries a result.
//! - Going on cannot help: round-off dominates (QUADPACK's round-off tests,
//!   including round-off in the extrapolation table), the tolerance is below
//!   `50 ε·|I|` ≈ `1.1e-14·|I|` (the rules aim for that floor instead and
//!   end with the best double-precision result), or tanh–sinh reached its
//!   finest level: `Ok` with the best value and an `abs_error` that honestly
//!   exceeds the requested tolerance. The call ends there (nothing loops);
//!   the caller sees the unmet tolerance in `abs_error`.
//! - The integral may not exist: QAGS's intervals reached the resolution of
//!   the floating-point grid around a singularity, or its divergence test
//!   failed: `Ok` with the best value and `abs_error = +∞`, since no finite
//!   bound would be honest.

use super::gauss_kronrod::{centre, estimate, Estimate, Gk};
use super::kronrod;
use super::outcome::{Adaptive, Outcome, Tolerance};
use super::transform::Range;
use super::{orient, qags, small, tanh_sinh, Computed, Finished};
use crate::clock::Stopwatch;
use crate::error::{Error, EvalError, Result};
use crate::exec::evaluator::Evaluator;
use crate::exec::points::PointEvaluator;
use crate::integrand::{eval_checked, Integrand};
use crate::options::{Options, Rule};

/// Default Gauss order on finite ranges (G10K21, as QAGS).
pub const DEFAULT_ORDER_FINITE: u32 = 10;
/// Default Gauss order on infinite ranges (G7K15, as QAGI).
pub const DEFAULT_ORDER_INFINITE: u32 = 7;

/// The Gauss order the pair uses for `opts` on a range.
///
/// # Errors
/// [`Error::InvalidArg`] for an order without a Kronrod table.
pub fn kronrod_order(opts: &Options, finite: bool) -> Result<u32> {
    match opts.order {
        0 if finite => Ok(DEFAULT_ORDER_FINITE),
        0 => Ok(DEFAULT_ORDER_INFINITE),
        o if kronrod::ORDERS.contains(&o) => Ok(o),
        o => Err(Error::invalid(format!(
            "gauss-kronrod order {o} is not available (expected 0 for the default, or one of {:?})",
            kronrod::ORDERS
        ))),
    }
}

/// Finest tanh–sinh level `Auto` tries (`h = 1/8`, about 75 nodes on a
/// finite range) before handing over to QAGS.
pub const AUTO_TANH_SINH_LEVEL: u32 = 3;

/// `Auto`: one Gauss–Kronrod rule; if that does not meet the tolerance, a
/// short tanh–sinh pass, accepted only if it converges; else QAGS goes on
/// from its first rule. Any evaluation failure during the tanh–sinh pass
/// (it samples far closer to the endpoints than QAGS does) just ends the
/// pass: QAGS then reports its own.
fn auto(
    ev: &mut PointEvaluator,
    gk: Gk,
    tol: Tolerance,
    budget: u64,
    given: Option<&[f64]>,
) -> Result<Adaptive> {
    let root = match small::start(ev, gk.rule(), gk.range(), tol, budget, given)? {
        qags::Start::Done(out) => return Ok(out),
        qags::Start::Root(root) => root,
    };
    ev.run(|ev| {
        let range = gk.range();
        if let Ok(out) = tanh_sinh::integrate(ev, range, tol, budget, AUTO_TANH_SINH_LEVEL) {
            if out.outcome == Outcome::Converged {
                return Ok(out);
            }
        }
        qags::resume(ev, gk, tol, budget, root)
    })
}

/// What [`AdaptivePlan::settle`] made of a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FirstApplication {
    /// The first Gauss–Kronrod application met the tolerance: the call's
    /// record, signed, exactly what [`AdaptivePlan::integrate`] returns.
    Settled(Computed),
    /// It did not: the integrand's values at the first `points` nodes are
    /// in the caller's buffer, for [`AdaptivePlan::integrate_given`], and
    /// what they cost per point when the call was timed (for the cost
    /// model that moves later steps into the pool).
    Unsettled {
        /// Nodes evaluated.
        points: usize,
        /// Nanoseconds per point, when timed.
        ns_per_point: Option<f64>,
    },
    /// The plan's first application does not take the small path
    /// (tanh–sinh, an empty or infinite range, a range too narrow for the
    /// nodes, a budget below one application); nothing was evaluated.
    NotSmall,
}

/// A validated adaptive integration on `[a, b]`, either orientation,
/// finite or infinite.
#[derive(Debug, Clone)]
pub struct AdaptivePlan {
    rule: Rule,
    tol: Tolerance,
    /// Gauss order of the Kronrod pair (0 for tanh–sinh).
    order: u32,
    a: f64,
    b: f64,
    budget: u64,
}

impl AdaptivePlan {
    /// Checks the tolerances and the order of the adaptive `rule`.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] for bad tolerances or orders.
    #[inline]
    pub fn new(rule: Rule, a: f64, b: f64, opts: &Options) -> Result<AdaptivePlan> {
        let tol = Tolerance::from_options(opts)?;
        let order = match rule {
            Rule::TanhSinh => 0,
            _ => kronrod_order(opts, a.is_finite() && b.is_finite())?,
        };
        Ok(AdaptivePlan {
            rule,
            tol,
            order,
            a,
            b,
            budget: opts.budget(),
        })
    }

    /// Writes the abscissae of this integration's first rule application
    /// into `xs` and returns their number, when that application takes the
    /// small path ([`small::first_nodes`]: Gauss–Kronrod or `Auto` on a
    /// finite, non-empty range) and so may be evaluated in a call shared
    /// with other integrals; see [`AdaptivePlan::integrate_given`].
    pub fn first_nodes(&self, xs: &mut [f64; small::MAX_POINTS]) -> Option<usize> {
        if self.rule == Rule::TanhSinh || self.a == self.b {
            return None;
        }
        let (lo, hi, _) = orient(self.a, self.b);
        small::first_nodes(
            kronrod::rule(self.order),
            Range::new(lo, hi),
            self.budget,
            xs,
        )
    }

    /// The small call in one piece: the first Gauss–Kronrod application
    /// (values written to `fx`), its estimate and QUADPACK's first test,
    /// with no evaluator, interval store or result policy in between. When
    /// that application meets the requested tolerance, the record is the
    /// one [`AdaptivePlan::integrate`] returns, to the bit (the same nodes,
    /// the same [`estimate`], the same test); in every other case the
    /// values go on to [`AdaptivePlan::integrate_given`], which takes them
    /// as if it had evaluated them itself.
    ///
    /// A context's cancellation and progress are not consulted: callers
    /// with a progress sink take [`AdaptivePlan::integrate`], and a cancel
    /// issued during these 21 evaluations is indistinguishable from one
    /// issued just after the call.
    ///
    /// # Errors
    /// The integrand's failure, or [`EvalError::NonFinite`] for the first
    /// node whose value is not finite: what [`AdaptivePlan::integrate`]
    /// reports for the same values.
    #[inline]
    pub fn settle(
        &self,
        f: &dyn Integrand,
        fx: &mut [f64; small::MAX_POINTS],
        timed: bool,
    ) -> Result<FirstApplication> {
        let mut xs = [0.0f64; small::MAX_POINTS];
        let Some(m) = self.first_nodes(&mut xs) else {
            return Ok(FirstApplication::NotSmall);
        };
        let clock = timed.then(Stopwatch::start);
        eval_checked(f, &xs[..m], &mut fx[..m])?;
        let ns_per_point = clock.map(|c| c.nanos() as f64 / m as f64);
        let (lo, hi, sign) = orient(self.a, self.b);
        let root = estimate(kronrod::rule(self.order), centre(lo, hi).1, &fx[..m])?;
        // `conclude`'s policy for a converged first application: a finite
        // value, an error within what was asked (not just the round-off
        // floor), a credible bound. Anything else takes the general path.
        let met = qags::first_test(&root, self.tol) == Some(Outcome::Converged)
            && root.value.is_finite()
            && root.error <= self.tol.requested(root.value);
        Ok(if met {
            FirstApplication::Settled(Computed {
                value: sign * root.value,
                abs_error: Some(root.error),
                evals: m as u64,
                subintervals: 1,
            })
        } else {
            FirstApplication::Unsettled {
                points: m,
                ns_per_point,
            }
        })
    }

    /// Integrates through `ev`; progress is evaluations spent over the
    /// budget, then 1.0 on success.
    ///
    /// # Errors
    /// See the module documentation; plus [`Error::InvalidArg`] for budgets
    /// below the first step, and [`Error::Eval`] when the integrand fails.
    #[inline]
    pub fn integrate(&self, ev: &Evaluator, f: &dyn Integrand) -> Result<Finished> {
        self.integrate_given(ev, f, None)
    }

    /// [`AdaptivePlan::integrate`], with `given` the values of `f` at the
    /// [`AdaptivePlan::first_nodes`] when a shared call computed them
    /// (`None`: evaluated here). The result is the same, to the bit.
    ///
    /// # Errors
    /// As [`AdaptivePlan::integrate`].
    pub fn integrate_given(
        &self,
        ev: &Evaluator,
        f: &dyn Integrand,
        given: Option<&[f64]>,
    ) -> Result<Finished> {
        self.integrate_given_timed(ev, f, given, None)
    }

    /// [`AdaptivePlan::integrate_given`], with the cost per point of the
    /// `given` values when it was measured, so that a costly integrand's
    /// next step may run on the pool at once (as if evaluated here).
    ///
    /// # Errors
    /// As [`AdaptivePlan::integrate`].
    pub fn integrate_given_timed(
        &self,
        ev: &Evaluator,
        f: &dyn Integrand,
        given: Option<&[f64]>,
        ns_per_point: Option<f64>,
    ) -> Result<Finished> {
        let (a, b, tol, budget) = (self.a, self.b, self.tol, self.budget);
        if a == b {
            return Ok(Finished {
                computed: Computed {
                    value: 0.0,
                    abs_error: Some(0.0),
                    evals: 0,
                    subintervals: 0,
                },
                budget_exhausted: None,
            });
        }
        let (lo, hi, _) = orient(a, b);
        let range = Range::new(lo, hi);
        let mut ev = PointEvaluator::new(ev, f, budget);
        if let Some(ns) = ns_per_point {
            ev.assume_ns_per_point(ns);
        }
        let order = self.order;
        let out = match self.rule {
            Rule::TanhSinh => {
                tanh_sinh::integrate(&mut ev, range, tol, budget, tanh_sinh::MAX_LEVEL)?
            }
            Rule::Auto => auto(
                &mut ev,
                Gk::new(kronrod::rule(order), range),
                tol,
                budget,
                given,
            )?,
            _ => small::integrate(&mut ev, kronrod::rule(order), range, tol, budget, given)?,
        };
        self.conclude(out)
    }

    /// Whether the first application is Gauss–Kronrod's and QAGS goes on
    /// from it ([`Rule::GaussKronrod`]; `Auto` tries tanh–sinh in between):
    /// a run a caller may drive with [`AdaptivePlan::begin_given`] and
    /// [`AdaptivePlan::stepper`].
    pub fn is_qags(&self) -> bool {
        self.rule == Rule::GaussKronrod
    }

    /// An evaluator of `f` for this plan's budget.
    pub fn point_evaluator<'a>(
        &self,
        ev: &'a Evaluator<'a>,
        f: &'a dyn Integrand,
    ) -> PointEvaluator<'a> {
        PointEvaluator::new(ev, f, self.budget)
    }

    /// The first application of an [`AdaptivePlan::is_qags`] plan from the
    /// values `given` at its [`AdaptivePlan::first_nodes`]: `Ok(Ok(_))` when
    /// that ended the integration (what [`AdaptivePlan::integrate_given`]
    /// returns), `Ok(Err(root))` when QAGS must go on from `root`.
    ///
    /// # Errors
    /// As [`AdaptivePlan::integrate`].
    pub fn begin_given(
        &self,
        ev: &mut PointEvaluator,
        given: &[f64],
    ) -> Result<std::result::Result<Finished, Estimate>> {
        let (lo, hi, _) = orient(self.a, self.b);
        let rule = kronrod::rule(self.order);
        let start = small::start(
            ev,
            rule,
            Range::new(lo, hi),
            self.tol,
            self.budget,
            Some(given),
        )?;
        match start {
            qags::Start::Done(out) => self.conclude(out).map(Ok),
            qags::Start::Root(root) => Ok(Err(root)),
        }
    }

    /// The rest of an [`AdaptivePlan::is_qags`] run from `root`, stepped by
    /// the caller; its result goes through [`AdaptivePlan::conclude`].
    pub fn stepper<'a, 'e>(
        &self,
        ev: &'a mut PointEvaluator<'e>,
        w: &'a mut qags::Workspace,
        root: Estimate,
    ) -> qags::Stepper<'a, 'e> {
        let (lo, hi, _) = orient(self.a, self.b);
        let gk = Gk::new(kronrod::rule(self.order), Range::new(lo, hi));
        qags::Stepper::new(ev, w, gk, self.tol, self.budget, root)
    }

    /// The policy of the module documentation applied to an algorithm's
    /// outcome `out` on the oriented range: the signed result, its honest
    /// error bound, and whether the budget ran out.
    ///
    /// # Errors
    /// [`Error::Eval`] when a weighted sum overflowed.
    pub fn conclude(&self, mut out: Adaptive) -> Result<Finished> {
        let (tol, sign) = (self.tol, orient(self.a, self.b).2);
        if !out.value.is_finite() {
            // Every value was finite, but a weighted sum overflowed (tanh-sinh
            // on [-1e308, 1e308] gave NaN): not a result, never an `Ok(NaN)`.
            return Err(EvalError::NonFinite { x: f64::NAN }.into());
        }
        if out.outcome == Outcome::Converged && out.abs_error > tol.requested(out.value) {
            // Met the round-off floor, not the (tighter) tolerance asked for.
            out.outcome = Outcome::Roundoff;
        }
        let abs_error = if !out.outcome.claims_bound() || out.abs_error.is_nan() {
            f64::INFINITY
        } else {
            out.abs_error
        };
        let budget_exhausted = (out.outcome == Outcome::Budget).then(|| {
            format!(
                "the evaluation budget ran out after {} evaluations ({} subintervals) before \
                 the tolerance was met: estimated error {:e} > requested {:e}",
                out.evals,
                out.subintervals,
                abs_error,
                tol.requested(out.value)
            )
        });
        Ok(Finished {
            computed: Computed {
                value: sign * out.value,
                abs_error: Some(abs_error),
                evals: out.evals,
                subintervals: out.subintervals,
            },
            budget_exhausted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use std::time::{Duration, Instant};

    /// A kink at the midpoint, which one bisection resolves at `epsrel =
    /// 1e-3`, costing 20 µs a point.
    fn costly_kink(x: f64) -> f64 {
        let t = Instant::now();
        while t.elapsed() < Duration::from_micros(20) {
            std::hint::spin_loop();
        }
        (x - 0.5).abs() + 1.0
    }

    #[test]
    fn handed_over_timing_runs_the_first_bisection_on_the_pool_at_once() {
        let ctx = Context::new(2).unwrap();
        let opts = Options::adaptive(Rule::GaussKronrod, 0.0, 1e-3);
        let plan = AdaptivePlan::new(Rule::GaussKronrod, 0.0, 1.0, &opts).unwrap();
        let mut fx = [0.0; small::MAX_POINTS];
        let first = plan.settle(&costly_kink, &mut fx, true).unwrap();
        let FirstApplication::Unsettled {
            points,
            ns_per_point: Some(ns),
        } = first
        else {
            panic!("the kink needs a bisection, and the call was timed: {first:?}");
        };
        // At least 20 µs a point (the TSC clock is calibrated to about 1%).
        assert!(ns >= 15_000.0, "{ns}");
        let run = |ns: Option<f64>| {
            let ev = Evaluator::new(&ctx);
            let done = plan
                .integrate_given_timed(&ev, &costly_kink, Some(&fx[..points]), ns)
                .unwrap();
            (done, ev.stats().parallel_ns > 0)
        };
        // One bisection (42 points, 0.8 ms) ends the run. Told what a point
        // costs, it runs on the pool (which of its threads take the chunks
        // is the scheduler's affair); untimed, it runs where the call is.
        // The result is the same.
        let (timed, pooled_timed) = run(Some(ns));
        let (untimed, pooled_untimed) = run(None);
        assert_eq!(timed.computed.evals, 63, "{timed:?}");
        assert_eq!((pooled_timed, pooled_untimed), (true, false));
        assert_eq!(timed, untimed);
    }
}
