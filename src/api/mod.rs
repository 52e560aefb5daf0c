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
use crate::rules::adaptive::FirstApplication;
use crate::rules::small::MAX_POINTS;
use crate::rules::{self, Computed, Finished, Plan};

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
    if !ctx.reports_progress() {
        if let Some(result) = small_call(ctx, f, a, b, opts) {
            return result;
        }
    }
    run(&Evaluator::unobserved(ctx), ctx, f, a, b, opts)
}

/// An adaptive call whose first Gauss–Kronrod application may settle it,
/// without building an evaluator unless that application falls short
/// (see [`rules::adaptive::AdaptivePlan::settle`]); `None` for the calls it does not take
/// (other rules, infinite or empty ranges), which [`run`] then plans anew.
/// Validation, results and errors are [`run`]'s, to the bit.
#[inline]
fn small_call(
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
) -> Option<Result<Integral>> {
    let clock = Stopwatch::start();
    let plan = match rules::plan(a, b, opts) {
        Ok(Plan::Adaptive(plan)) => plan,
        Ok(_) => return None,
        Err(e) => return Some(Err(e)),
    };
    let threads = ctx.threads() as u32;
    let mut fx = [0.0f64; MAX_POINTS];
    // Timed as the general path times its first step: on a context with a
    // pool, where a costly integrand's next step should move into it.
    Some(match plan.settle(f, &mut fx, threads > 1) {
        Err(e) => Err(e),
        Ok(FirstApplication::NotSmall) => return None,
        Ok(FirstApplication::Settled(c)) => Ok(record(c, threads, clock.seconds())),
        Ok(FirstApplication::Unsettled {
            points,
            ns_per_point,
        }) => {
            let ev = Evaluator::unobserved(ctx);
            let result = plan
                .integrate_given_timed(&ev, f, Some(&fx[..points]), ns_per_point)
                .and_then(|done| conclude(done, threads, clock.seconds()));
            if result.is_ok() {
                ev.finish();
            }
            result
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Rule;

    /// The general path of [`integrate`], without the small call.
    fn general(ctx: &Context, f: &dyn Integrand, a: f64, b: f64, o: &Options) -> String {
        untimed(run(&Evaluator::unobserved(ctx), ctx, f, a, b, o))
    }

    fn fast(ctx: &Context, f: &dyn Integrand, a: f64, b: f64, o: &Options) -> String {
        untimed(integrate(ctx, f, a, b, o))
    }

    /// Everything a call returns but its time, the partial result of
    /// [`Error::MaxEvals`] included.
    fn untimed(r: Result<Integral>) -> String {
        let zero = |r: Integral| Integral { seconds: 0.0, ..r };
        format!(
            "{:?}",
            r.map(zero).map_err(|e| match e {
                Error::MaxEvals { partial, message } => Error::MaxEvals {
                    partial: zero(partial),
                    message,
                },
                e => e,
            })
        )
    }

    #[test]
    fn small_call_returns_what_the_general_path_returns_to_the_bit() {
        type Case = (&'static str, fn(f64) -> f64);
        let cases: [Case; 7] = [
            ("smooth", |x| (-1.5 * x * x).exp()),
            ("peak", |x| 1.0 / (1.0 + 1e4 * x * x)),
            ("endpoint", |x| x.sqrt() * x.ln()),
            ("zero", |_| 0.0),
            ("cancel", |x| x - 0.5),
            ("nan", |x| if x > 0.7 { f64::NAN } else { x }),
            ("overflow", |x| 1e300 * x.exp()),
        ];
        let mut settled = 0;
        for threads in [1, 3] {
            let ctx = Context::new(threads).unwrap();
            for rule in [Rule::GaussKronrod, Rule::Auto, Rule::TanhSinh] {
                for (epsabs, epsrel) in [(0.0, 1e-10), (0.0, 1e-3), (1e-6, 0.0), (0.0, 1e-15)] {
                    for max_evals in [0, 21, 50] {
                        let o = Options {
                            max_evals,
                            ..Options::adaptive(rule, epsabs, epsrel)
                        };
                        for (name, f) in cases {
                            for (a, b) in [
                                (0.0, 1.0),
                                (1.0, 0.0),
                                (-3.0, 1e-3),
                                (0.0, f64::INFINITY),
                                (2.0, 2.0),
                            ] {
                                let what = format!(
                                    "{name} {rule} {epsabs} {epsrel} {max_evals} [{a}, {b}]"
                                );
                                let want = general(&ctx, &f, a, b, &o);
                                assert_eq!(fast(&ctx, &f, a, b, &o), want, "{what}");
                                settled += usize::from(
                                    want.starts_with("Ok(") && want.contains("subintervals: 1 "),
                                );
                            }
                        }
                    }
                }
            }
        }
        assert!(settled > 50, "{settled}");
        // Invalid requests fail the same way on both paths.
        let ctx = Context::new(1).unwrap();
        let bad = Options::adaptive(Rule::GaussKronrod, -1.0, 1e-10);
        let f = |x: f64| x;
        assert_eq!(
            fast(&ctx, &f, 0.0, 1.0, &bad),
            general(&ctx, &f, 0.0, 1.0, &bad)
        );
        let o = Options::adaptive(Rule::GaussKronrod, 0.0, 1e-10);
        assert_eq!(
            fast(&ctx, &f, f64::NAN, 1.0, &o),
            general(&ctx, &f, f64::NAN, 1.0, &o)
        );
    }
}
