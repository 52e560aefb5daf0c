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

use super::kronrod;
use super::points::Evaluator;
use super::transform::Range;
use super::{gauss_kronrod::Gk, qags, small, tanh_sinh};
use crate::context::Context;
use crate::error::{Error, EvalError, Result};
use crate::integrand::Integrand;
use crate::options::{Options, Rule};
use crate::result::Integral;

/// Default Gauss order on finite ranges (G10K21, as QAGS).
pub const DEFAULT_ORDER_FINITE: u32 = 10;
/// Default Gauss order on infinite ranges (G7K15, as QAGI).
pub const DEFAULT_ORDER_INFINITE: u32 = 7;

/// Tightest relative accuracy the adaptive rules aim for: `50 ε`, QUADPACK's
/// limit (its rule error estimates never go below `50 ε ∫|f|`).
pub const MIN_EPSREL: f64 = 50.0 * f64::EPSILON;

/// Requested accuracy: `|error| ≤ max(epsabs, epsrel·|I|)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Absolute tolerance (≥ 0).
    pub epsabs: f64,
    /// Relative tolerance (≥ 0).
    pub epsrel: f64,
}

impl Tolerance {
    /// Checks the options' tolerances: neither may be NaN or negative, and
    /// at least one must be positive.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] naming the offending value.
    pub fn from_options(opts: &Options) -> Result<Tolerance> {
        let (epsabs, epsrel) = (opts.epsabs, opts.epsrel);
        if epsabs.is_nan() || epsrel.is_nan() || epsabs < 0.0 || epsrel < 0.0 {
            return Err(Error::invalid(format!(
                "tolerances must be >= 0 and not NaN (epsabs = {epsabs}, epsrel = {epsrel})"
            )));
        }
        if epsabs <= 0.0 && epsrel <= 0.0 {
            return Err(Error::invalid(
                "epsabs and epsrel are both 0: at least one must be positive",
            ));
        }
        Ok(Tolerance { epsabs, epsrel })
    }

    /// The error the algorithms aim for at an integral of value `value`:
    /// the requested bound, but never below [`MIN_EPSREL`]`·|value|`, the
    /// round-off floor of the rules' own sums (QUADPACK refuses such
    /// tolerances; vquad aims for the floor and reports the result as
    /// round-off limited).
    pub fn bound(&self, value: f64) -> f64 {
        self.epsabs.max(self.epsrel.max(MIN_EPSREL) * value.abs())
    }

    /// The bound the caller asked for.
    pub fn requested(&self, value: f64) -> f64 {
        self.epsabs.max(self.epsrel * value.abs())
    }
}

/// Why an adaptive integration stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The tolerance was met.
    Converged,
    /// The evaluation budget (or the subinterval limit) ran out.
    Budget,
    /// Round-off error prevents reaching the tolerance; the estimate stands.
    Roundoff,
    /// Tanh–sinh reached its finest level; the estimate (from the last level
    /// differences) stands.
    FinestLevel,
    /// QAGS's intervals reached the resolution of the floating-point grid near
    /// some point: a non-integrable or extremely strong singularity. No
    /// bound is claimed.
    BadIntegrand,
    /// QAGS's extrapolation stopped improving for five levels while far more
    /// accurate than the plain sum (QUADPACK's "round-off detected in the
    /// extrapolation table"): the extrapolated value is presumably the best
    /// obtainable, and its ε-table estimate stands.
    ExtrapolationRoundoff,
    /// QAGS's divergence test failed. No bound is claimed.
    Divergent,
}

impl Outcome {
    /// Whether the algorithm's error estimate is a credible bound: false for
    /// the outcomes where the integral may not even exist.
    pub fn claims_bound(self) -> bool {
        !matches!(self, Outcome::BadIntegrand | Outcome::Divergent)
    }
}

/// What an adaptive algorithm returns on `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adaptive {
    /// Best estimate.
    pub value: f64,
    /// Its error estimate.
    pub abs_error: f64,
    /// Integrand evaluations.
    pub evals: u64,
    /// Final subintervals (tanh–sinh: 1).
    pub subintervals: u64,
    /// Why it stopped.
    pub outcome: Outcome,
}

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
fn auto(ev: &mut Evaluator, gk: Gk, tol: Tolerance, budget: u64) -> Result<Adaptive> {
    let root = match small::start(ev, gk.rule(), gk.range(), tol, budget)? {
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

/// Integrates with an adaptive `rule` (Gauss–Kronrod or tanh–sinh) over
/// `[a, b]`, either orientation, finite or infinite.
///
/// # Errors
/// See the module documentation; plus [`Error::InvalidArg`] for bad
/// tolerances, orders or budgets, and [`Error::Eval`] when the integrand
/// fails.
pub fn integrate(
    ctx: &Context,
    f: &dyn Integrand,
    rule: Rule,
    a: f64,
    b: f64,
    opts: &Options,
) -> Result<Integral> {
    let tol = Tolerance::from_options(opts)?;
    let order = match rule {
        Rule::TanhSinh => 0,
        _ => kronrod_order(opts, a.is_finite() && b.is_finite())?,
    };
    let threads = ctx.threads() as u32;
    if a == b {
        return Ok(Integral {
            value: 0.0,
            abs_error: Some(0.0),
            evals: 0,
            threads,
            seconds: 0.0,
            subintervals: 0,
        });
    }
    let (lo, hi, sign) = if a < b { (a, b, 1.0) } else { (b, a, -1.0) };
    let range = Range::new(lo, hi);
    let budget = opts.budget();
    let mut ev = Evaluator::new(ctx, f);
    let mut out = match rule {
        Rule::TanhSinh => tanh_sinh::integrate(&mut ev, range, tol, budget, tanh_sinh::MAX_LEVEL)?,
        Rule::Auto => auto(&mut ev, Gk::new(kronrod::rule(order), range), tol, budget)?,
        _ => small::integrate(&mut ev, kronrod::rule(order), range, tol, budget)?,
    };
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
    let result = Integral {
        value: sign * out.value,
        abs_error: Some(abs_error),
        evals: out.evals,
        threads,
        seconds: 0.0,
        subintervals: out.subintervals,
    };
    if out.outcome == Outcome::Budget {
        return Err(Error::MaxEvals {
            partial: result,
            message: format!(
                "the evaluation budget ran out after {} evaluations ({} subintervals) before \
                 the tolerance was met: estimated error {:e} > requested {:e}",
                out.evals,
                out.subintervals,
                abs_error,
                tol.requested(out.value)
            ),
        });
    }
    Ok(result)
}
