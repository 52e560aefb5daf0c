//! `Rule::MonteCarlo`: plain Monte Carlo on Philox points.
//!
//! Sample `i` is point `i` of stream `Stream::MonteCarlo`.
//!
//! Invariant: sample `i` is always the same point under the seed, whatever `n`, round or thread does it: a run with
//! `n = 0` that stops after `N` samples used exactly the first `N` points.
//!
//! With `n > 0` the run is the fixed [`Plan::MonteCarlo`]. With `n = 0` it
//! samples in rounds of whole 4096-point tasks: 16 384 samples first, then
//! each round aims at the sample count the current standard error predicts
//! for the tolerance (times 1.2), at least one task and at most three
//! times the samples so far, until every component's standard error is at
//! most `max(epsabs, epsrel·|I_k|)` or the next round would pass
//! `max_evals` (then the estimate so far is returned unconverged). The
//! round sizes depend only on the estimates, so the bits do not depend on
//! the thread count either.

use super::cube::UnitCube;
use super::eval::TASK;
use super::moments::{merge_all, Moments};
use super::par;
use super::plan::{mc_estimate, Plan};
use super::{Estimate, SampleOptions};
use crate::error::{Error, Result};
use crate::exec::evaluator::{Evaluator, Span};
use crate::integrand::nd::NdIntegrand;

/// Samples of the first round of an adaptive run.
pub const FIRST_ROUND: u64 = 4 * TASK;

/// Integrates `f ∘ cube` by plain Monte Carlo.
///
/// # Errors
/// [`Error::InvalidArg`] when a fixed `n` exceeds a non-zero `max_evals`;
/// the integrand's errors; [`Error::Cancelled`].
pub(crate) fn integrate(
    ev: &Evaluator,
    f: &dyn NdIntegrand,
    cube: &UnitCube,
    opts: &SampleOptions,
) -> Result<Estimate> {
    if opts.n > 0 {
        if opts.max_evals != 0 && opts.n > opts.max_evals {
            return Err(Error::invalid(format!(
                "monte-carlo with n = {} samples is over max_evals = {}",
                opts.n, opts.max_evals
            )));
        }
        return Ok(Plan::monte_carlo(opts, opts.n).run(ev, f, cube)?);
    }
    let plan = Plan::monte_carlo(opts, u64::MAX);
    let budget = opts.budget();
    let mut done = 0u64;
    let mut acc = vec![Moments::default(); f.nout()];
    let mut rounds = 0u32;
    loop {
        let target = if done == 0 {
            FIRST_ROUND
        } else {
            let est = mc_estimate(&acc, done);
            if opts.met(&est.values, &est.errors) {
                return Ok(Estimate {
                    iterations: rounds,
                    ..est
                });
            }
            next_total(opts, &est, done)
        };
        let target = target.min(budget);
        if target <= done {
            return Ok(Estimate {
                converged: false,
                iterations: rounds,
                ..mc_estimate(&acc, done)
            });
        }
        let (t0, t1) = (done / TASK, target.div_ceil(TASK));
        // The budget may cut the last task short.
        let short = Plan::monte_carlo(opts, target);
        let leaf = |t: u64| {
            if (t + 1) * TASK > target {
                short.leaf(f, cube, t)
            } else {
                plan.leaf(f, cube, t)
            }
        };
        let span = Span {
            base: done as f64 / budget as f64,
            span: (target - done) as f64 / budget as f64,
        };
        let wave = par::wave_for(3 * f.nout());
        let round = par::tree(Some(ev), t0, t1, wave, span, &leaf, &merge_all)?;
        acc = merge_all(acc, round);
        done = target;
        rounds += 1;
    }
}

/// The sample count the next round aims at: what the standard error
/// predicts for the tolerance, times 1.2, between one more task and three
/// times `done`, in whole tasks.
fn next_total(opts: &SampleOptions, est: &Estimate, done: u64) -> u64 {
    let mut need = done as f64;
    for (v, e) in est.values.iter().zip(&est.errors) {
        let tol = opts.epsabs.max(opts.epsrel * v.abs());
        let ratio = if tol > 0.0 { e / tol } else { f64::INFINITY };
        need = need.max(done as f64 * ratio * ratio * 1.2);
    }
    let lo = done + TASK;
    let hi = 3 * done;
    let need = if need.is_finite() { need as u64 } else { hi };
    need.clamp(lo, hi).div_ceil(TASK) * TASK
}
