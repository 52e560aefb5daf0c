//! The integration entry points: validation, orientation and the result
//! record, once for every rule.
//!
//! Invariant: this is the only layer that turns a request into an
//! [`Integral`]. It sits above `rules/` and `exec/` and nothing below
//! imports it; [`Context::integrate`] is defined here (an inherent method
//! may live in any module of its crate), so the context itself knows
//! nothing of rules.

use crate::clock::Stopwatch;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::exec::evaluator::Evaluator;
use crate::integrand::Integrand;
use crate::options::Options;
use crate::result::{CallStats, Integral};
use crate::rules::{self, Computed, Finished};

/// The result record of `c`, computed with `threads` threads in
/// `seconds`: the one place an [`Integral`] is built from a rule's output.
pub(crate) fn record(c: Computed, threads: u32, seconds: f64) -> Integral {
    Integral {
        value: c.value,
        abs_error: c.abs_error,
        evals: c.evals,
        threads,
        seconds,
        subintervals: c.subintervals,
    }
}

/// Integrates `f` over `[a, b]` on `ctx` with the given options, and says
/// how the call used the threads.
///
/// `b < a` gives −∫ from b to a, and `a == b` gives 0.
///
/// # Errors
/// See [`Error`]. [`Error::MaxEvals`] still carries the best estimate.
pub fn integrate_with_stats(
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
) -> (Result<Integral>, CallStats) {
    let ev = Evaluator::new(ctx);
    let result = run(&ev, ctx, f, a, b, opts);
    let stats = ev.stats();
    // The record's time is the call's wall time in `stats`, to the
    // nanosecond, so the two never disagree.
    let seconds = stats.wall_ns as f64 * 1e-9;
    let result = match result {
        Ok(r) => Ok(Integral { seconds, ..r }),
        Err(Error::MaxEvals { partial, message }) => Err(Error::MaxEvals {
            partial: Integral { seconds, ..partial },
            message,
        }),
        Err(e) => Err(e),
    };
    (result, stats)
}

fn run(
    ev: &Evaluator,
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
) -> Result<Integral> {
    let clock = Stopwatch::start();
    let finished = rules::plan(a, b, opts)?.run(ev, f)?;
    let result = conclude(finished, ctx.threads() as u32, clock.seconds());
    if result.is_ok() {
        ev.finish();
    }
    result
}

/// The record of a finished rule run with `threads` threads in `seconds`:
/// `Ok`, or [`Error::MaxEvals`] carrying the estimate when the budget ran
/// out. The one place a run's outcome becomes the caller's result (a
/// table's rows come through here too).
pub(crate) fn conclude(finished: Finished, threads: u32, seconds: f64) -> Result<Integral> {
    let result = record(finished.computed, threads, seconds);
    match finished.budget_exhausted {
        Some(message) => Err(Error::MaxEvals {
            partial: result,
            message,
        }),
        None => Ok(result),
    }
}

/// Integrates `f` over `[a, b]` on `ctx`: the free-function form of
/// [`Context::integrate`].
///
/// # Errors
/// See [`Error`]. [`Error::MaxEvals`] still carries the best estimate.
pub fn integrate(
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
) -> Result<Integral> {
    // Nobody reads this call's stats: its serial steps go untimed and
    // unrecorded, so a small call costs its arithmetic.
    run(&Evaluator::unobserved(ctx), ctx, f, a, b, opts)
}

impl Context {
    /// Integrates `f` over `[a, b]` with the given options.
    ///
    /// `b < a` gives −∫ from b to a, and `a == b` gives 0. Any integrand
    /// reference coerces to `&dyn Integrand`, so every method of the
    /// integrand (its fast strided kernels included) is the one it defines.
    ///
    /// # Errors
    /// See [`Error`]. [`Error::MaxEvals`] still carries the best estimate.
    pub fn integrate(&self, f: &dyn Integrand, a: f64, b: f64, opts: &Options) -> Result<Integral> {
        integrate(self, f, a, b, opts)
    }

    /// As [`Context::integrate`], and says how the call used the threads:
    /// per-thread evaluations, busy time and jobs, the load imbalance, and
    /// the serial time outside parallel regions (see [`CallStats`]).
    ///
    /// # Examples
    /// ```
    /// let ctx = vquad::Context::new(2).unwrap();
    /// let f = vquad::Poly::new(&[1.0, 2.0]).unwrap();
    /// let opts = vquad::Options::fixed(vquad::Rule::Midpoint, 1 << 22);
    /// let (r, stats) = ctx.integrate_with_stats(&f, 0.0, 1.0, &opts);
    /// assert_eq!(r.unwrap().evals, stats.per_thread.iter().map(|t| t.evals).sum());
    /// assert!(stats.load_imbalance() >= 1.0);
    /// ```
    pub fn integrate_with_stats(
        &self,
        f: &dyn Integrand,
        a: f64,
        b: f64,
        opts: &Options,
    ) -> (Result<Integral>, CallStats) {
        integrate_with_stats(self, f, a, b, opts)
    }
}
