//! Quadrature rules: what to evaluate, on an interval with `lo < hi`.
//!
//! Invariant: a rule decides which points to evaluate and how to combine
//! their values; how the work runs (the pool, chunking, progress,
//! cancellation) is always asked of the evaluator in `exec`, and the result
//! record is built by the api layer above. Validation ([`validate`]) and
//! orientation ([`orient`]) are written here once, for every rule.

pub(crate) mod adaptive;
pub(crate) mod dd;
pub(crate) mod fixed;
pub(crate) mod gauss_kronrod;
pub(crate) mod gauss_legendre;
pub(crate) mod kronrod;
pub(crate) mod outcome;
pub(crate) mod pieces;
pub(crate) mod qags;
pub(crate) mod small;
pub(crate) mod tanh_sinh;
pub(crate) mod transform;
pub(crate) mod wynn;

use crate::error::{Error, Result};
use crate::exec::evaluator::Evaluator;
use crate::integrand::Integrand;
use crate::options::{Options, MAX_ORDER};

/// What a rule computed on `[a, b]`, before the api layer adds the thread
/// count and the time to make an [`crate::Integral`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Computed {
    /// The estimate (already signed for `b < a`).
    pub value: f64,
    /// Estimated absolute error; `None` for fixed rules.
    pub abs_error: Option<f64>,
    /// Integrand evaluations.
    pub evals: u64,
    /// Panels (fixed rules) or final subintervals (adaptive rules).
    pub subintervals: u64,
}

/// `[a, b]` as `(lo, hi, sign)` with `lo ≤ hi`: `∫_a^b = sign · ∫_lo^hi`.
pub fn orient(a: f64, b: f64) -> (f64, f64, f64) {
    if b < a {
        (b, a, -1.0)
    } else {
        (a, b, 1.0)
    }
}

/// What a rule computed, and whether it ran out of budget first.
#[derive(Debug, Clone, PartialEq)]
pub struct Finished {
    /// The estimate and its record.
    pub computed: Computed,
    /// `Some(why)` when the evaluation budget ran out before the tolerance
    /// was met: the api layer reports [`Error::MaxEvals`] carrying the
    /// estimate.
    pub budget_exhausted: Option<String>,
}

/// A validated integration: the resolved rule laid out on `[a, b]`.
#[derive(Debug, Clone)]
pub enum Plan {
    /// A fixed rule: numbered tasks (none when `a == b`).
    Fixed(fixed::FixedPlan),
    /// An adaptive rule.
    Adaptive(adaptive::AdaptivePlan),
    /// A sampling rule (Monte Carlo, QMC, VEGAS) on `[a, b]`.
    Sampling {
        /// The rule.
        rule: crate::options::Rule,
        /// Lower bound.
        a: f64,
        /// Upper bound.
        b: f64,
        /// The options.
        opts: Options,
    },
}

/// The checks every rule shares: bounds not NaN, `order` in range.
#[inline]
fn check_common(a: f64, b: f64, opts: &Options) -> Result<()> {
    if a.is_nan() || b.is_nan() {
        return Err(Error::invalid(format!(
            "bounds must not be NaN (a = {a}, b = {b})"
        )));
    }
    if opts.order > MAX_ORDER {
        return Err(Error::invalid(format!(
            "order {} is out of range 0..={MAX_ORDER}",
            opts.order
        )));
    }
    Ok(())
}

/// Validates `opts` for the resolved rule on `[a, b]`, once for every
/// rule: the shared checks, then the rule's own (in the plan's
/// constructor), and lays the rule out.
///
/// # Errors
/// [`Error::InvalidArg`] naming the offending value.
#[inline]
pub fn plan(a: f64, b: f64, opts: &Options) -> Result<Plan> {
    check_common(a, b, opts)?;
    let rule = opts.resolved_rule();
    Ok(if rule.is_sampling() {
        Plan::Sampling {
            rule,
            a,
            b,
            opts: *opts,
        }
    } else if rule.is_fixed() {
        Plan::Fixed(fixed::FixedPlan::new(rule, a, b, opts)?)
    } else {
        Plan::Adaptive(adaptive::AdaptivePlan::new(rule, a, b, opts)?)
    })
}

impl Plan {
    /// Runs the plan through `ev`.
    ///
    /// # Errors
    /// See [`Error`]; an exhausted budget is not an error here (see
    /// [`Finished::budget_exhausted`]).
    #[inline]
    pub fn run(&self, ev: &Evaluator, f: &dyn Integrand) -> Result<Finished> {
        match self {
            Plan::Fixed(p) => Ok(Finished {
                computed: p.integrate(ev, f)?,
                budget_exhausted: None,
            }),
            Plan::Adaptive(p) => p.integrate(ev, f),
            Plan::Sampling { rule, a, b, opts } => {
                let e = crate::sampling::integrate_1d(ev, f, *rule, *a, *b, opts)?;
                Ok(Finished {
                    budget_exhausted: (!e.converged).then(|| e.unconverged_message()),
                    computed: Computed {
                        value: e.values[0],
                        abs_error: Some(e.errors[0]),
                        evals: e.evals,
                        subintervals: 1,
                    },
                })
            }
        }
    }
}

/// Validates `opts` exactly as [`plan`] does and lays out the resolved
/// fixed rule on `[a, b]` as tasks: the entry point of the partition API.
///
/// # Errors
/// [`Error::InvalidArg`] for anything [`plan`] rejects, and for adaptive
/// rules, which do not split into a fixed list of tasks.
pub fn fixed_plan(a: f64, b: f64, opts: &Options) -> Result<fixed::FixedPlan> {
    check_common(a, b, opts)?;
    fixed::FixedPlan::new(opts.resolved_rule(), a, b, opts)
}
