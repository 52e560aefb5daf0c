//! `Rule::Qmc`: randomized Sobol points, Owen-scrambled, with independent
//! replicates.
//!
//! Invariant: replicate `r`'s point `k` is the same whatever `n`, round or
//! thread computes it, and each replicate's sum is the fixed tree over its
//! blocks, so doubling `N` reuses the previous tree as the left half.
//!
//! `n > 0` points per replicate are rounded up to the next power of two
//! `N = 2^ceil(log2 n)` (a Sobol net: the sample keeps its stratification);
//! the run evaluates `replicates · N` points. With `n = 0`, `N` starts at
//! 4096 and doubles until every component's standard error over the
//! replicates meets `max(epsabs, epsrel·|I_k|)`, or the next doubling
//! would pass `max_evals`.

use super::cube::UnitCube;
use super::eval::TASK;
use super::moments::{merge_all, Moments};
use super::par;
use super::plan::{qmc_estimate, replicate_trees, Plan};
use super::sobol::BITS;
use super::{Estimate, SampleOptions};
use crate::error::{Error, Result};
use crate::exec::evaluator::Evaluator;
use crate::integrand::nd::NdIntegrand;

/// Integrates `f ∘ cube` by randomized QMC.
///
/// # Errors
/// [`Error::InvalidArg`] for bad replicates or dimensions (see
/// [`Plan::qmc`]) and when a fixed run exceeds a non-zero `max_evals`; the
/// integrand's errors; [`Error::Cancelled`].
pub(crate) fn integrate(
    ev: &Evaluator,
    f: &dyn NdIntegrand,
    cube: &UnitCube,
    opts: &SampleOptions,
) -> Result<Estimate> {
    let nout = f.nout();
    if opts.n > 0 {
        let points = opts.n.checked_next_power_of_two().unwrap_or(u64::MAX);
        let plan = Plan::qmc(opts, points, f.ndim())?;
        if opts.max_evals != 0 && plan.evals() > opts.max_evals {
            return Err(Error::invalid(format!(
                "qmc with {} replicates of {points} points is over max_evals = {}",
                plan.tasks() / (points / points.min(TASK)),
                opts.max_evals
            )));
        }
        return Ok(plan.run(ev, f, cube)?);
    }
    let full = Plan::qmc(opts, 1 << BITS, f.ndim())?;
    let Plan::Qmc { replicates, .. } = full else {
        unreachable!("Plan::qmc builds a QMC plan")
    };
    let budget = opts.budget();
    let mut points = TASK;
    let mut reps: Vec<Vec<Moments>> = vec![vec![Moments::default(); nout]; replicates as usize];
    let mut blocks_done = 0u64;
    let mut rounds = 0u32;
    loop {
        if blocks_done > 0 {
            let est = qmc_estimate(&reps, nout, replicates * points / 2);
            let next = replicates * points;
            if opts.met(&est.values, &est.errors) || next > budget || points > 1 << BITS {
                let converged = opts.met(&est.values, &est.errors);
                return Ok(Estimate {
                    converged,
                    iterations: rounds,
                    ..est
                });
            }
        } else if replicates * points > budget {
            return Err(Error::invalid(format!(
                "max_evals = {budget} is below one QMC round ({replicates} × {points} points)"
            )));
        }
        // Blocks of TASK points; the tree over blocks_done..2·blocks_done
        // is the right half of the tree over 0..2·blocks_done.
        let blocks = points / TASK;
        let plan = Plan::qmc(opts, 1 << BITS, f.ndim())?;
        let per_full = (1u64 << BITS) / TASK;
        let wave = par::wave_for(3 * nout);
        let leaf = |t: u64| plan.leaf(f, cube, t);
        let new = replicate_trees(
            Some(ev),
            replicates,
            blocks_done,
            blocks,
            per_full,
            wave,
            &leaf,
        )?;
        for (old, add) in reps.iter_mut().zip(new) {
            *old = merge_all(std::mem::take(old), add);
        }
        blocks_done = blocks;
        points *= 2;
        rounds += 1;
    }
}
