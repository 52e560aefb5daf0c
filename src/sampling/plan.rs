//! Fixed-size MC and QMC runs as numbered tasks over the sample index
//! space: what a single process computes, and what ranks split.
//!
//! Invariant: a plan's tasks, their points and the tree that merges them
//! depend only on the rule, `n`, `replicates`, `seed` and the shape, so
//! [`Plan::reduce`] gives the same bits whether the leaves are computed
//! here on any number of threads or gathered from other processes.
//!
//! - Monte Carlo: `ceil(n / 4096)` tasks; task `t` holds samples
//!   `4096·t ..` (the last one may be short).
//! - QMC: `R · T` tasks, replicate-major; replicate `r`, block `b` holds
//!   Sobol points `B·b .. B·(b + 1)` of randomization `r`, with
//!   `N = 2^ceil(log2 n)` points per replicate, `B = min(N, 4096)` and
//!   `T = N / B`.
//!
//! A task's partial is `2·nout` doubles: for each component its mean and
//! its sum of squared deviations.

use super::cube::UnitCube;
use super::eval::{task_moments, TASK};
use super::moments::{merge_all, Moments};
use super::par;
use super::philox::{resolve_seed, Stream};
use super::sobol::{Scramble, BITS};
use super::uniform::fill_columns;
use super::{Estimate, SampleOptions};
use crate::error::{Error, EvalError, Result};
use crate::exec::evaluator::{Evaluator, Span};
use crate::integrand::nd::NdIntegrand;

/// Default number of QMC randomizations.
pub const DEFAULT_REPLICATES: u32 = crate::options::DEFAULT_REPLICATES;
/// Largest number of QMC randomizations.
pub const MAX_REPLICATES: u32 = 1 << 16;

/// A fixed-size sampling run.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Plain Monte Carlo with `n` samples.
    MonteCarlo {
        /// Resolved seed.
        seed: u64,
        /// Samples.
        n: u64,
    },
    /// Randomized Sobol.
    Qmc {
        /// Resolved seed.
        seed: u64,
        /// Randomizations.
        replicates: u64,
        /// Points per replicate (a power of two).
        points: u64,
        /// Points per task.
        block: u64,
    },
}

impl Plan {
    /// Plain Monte Carlo with `n > 0` samples.
    pub fn monte_carlo(opts: &SampleOptions, n: u64) -> Plan {
        Plan::MonteCarlo {
            seed: resolve_seed(opts.seed),
            n,
        }
    }

    /// Randomized QMC with `points` (a power of two) per replicate.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] for `replicates == 1`, more than
    /// [`MAX_REPLICATES`], more than 2^32 points per replicate, or more than
    /// [`super::sobol::MAX_DIM`] dimensions.
    pub fn qmc(opts: &SampleOptions, points: u64, ndim: usize) -> Result<Plan> {
        let replicates = replicates(opts)?;
        if points > 1 << BITS {
            return Err(Error::invalid(format!(
                "QMC takes at most 2^32 points per replicate (n = {points})"
            )));
        }
        if ndim > super::sobol::MAX_DIM {
            return Err(Error::invalid(format!(
                "QMC supports at most {} dimensions (ndim = {ndim})",
                super::sobol::MAX_DIM
            )));
        }
        Ok(Plan::Qmc {
            seed: resolve_seed(opts.seed),
            replicates: u64::from(replicates),
            points,
            block: points.min(TASK),
        })
    }

    /// Number of tasks.
    pub fn tasks(&self) -> u64 {
        match *self {
            Plan::MonteCarlo { n, .. } => n.div_ceil(TASK),
            Plan::Qmc {
                replicates,
                points,
                block,
                ..
            } => replicates * (points / block),
        }
    }

    /// Integrand evaluations of the whole run.
    pub fn evals(&self) -> u64 {
        match *self {
            Plan::MonteCarlo { n, .. } => n,
            Plan::Qmc {
                replicates, points, ..
            } => replicates * points,
        }
    }

    /// Points of task `t`.
    pub fn task_len(&self, t: u64) -> u64 {
        match *self {
            Plan::MonteCarlo { n, .. } => TASK.min(n - t * TASK),
            Plan::Qmc { block, .. } => block,
        }
    }

    /// Computes task `t`'s per-component moments, and its evaluations.
    ///
    /// # Errors
    /// The integrand's errors.
    pub fn leaf(&self, f: &dyn NdIntegrand, cube: &UnitCube, t: u64) -> par::Leaf<Vec<Moments>> {
        let ndim = f.ndim();
        let len = self.task_len(t);
        match *self {
            Plan::MonteCarlo { seed, .. } => {
                let fill = |first: u64, npts: usize, stride: usize, u: &mut [f64]| {
                    fill_columns(seed, Stream::MonteCarlo, first, ndim, npts, stride, u)
                };
                Ok((task_moments(f, cube, t * TASK, len, &fill)?, len))
            }
            Plan::Qmc {
                seed,
                points,
                block,
                ..
            } => {
                let per = points / block;
                let (r, b) = (t / per, t % per);
                let scramble = Scramble::new(seed, r, ndim);
                let fill = |first: u64, npts: usize, stride: usize, u: &mut [f64]| {
                    scramble.fill_columns(first, npts, stride, u)
                };
                Ok((task_moments(f, cube, b * block, len, &fill)?, len))
            }
        }
    }

    /// Merges the leaves in the plan's fixed tree into the estimate
    /// (`ev = None`: sequentially), for `nout` components.
    ///
    /// # Errors
    /// The first error of a leaf (lowest task number).
    pub fn reduce(
        &self,
        ev: Option<&Evaluator>,
        nout: usize,
        leaf: &(dyn Fn(u64) -> par::Leaf<Vec<Moments>> + Sync),
    ) -> Result<Estimate, EvalError> {
        let wave = par::wave_for(3 * nout);
        match *self {
            Plan::MonteCarlo { .. } => {
                let m = par::tree(ev, 0, self.tasks(), wave, Span::WHOLE, leaf, &merge_all)?;
                Ok(mc_estimate(&m, self.evals()))
            }
            Plan::Qmc {
                replicates,
                points,
                block,
                ..
            } => {
                let per = points / block;
                let reps = replicate_trees(ev, replicates, 0, per, per, wave, leaf)?;
                Ok(qmc_estimate(&reps, nout, self.evals()))
            }
        }
    }

    /// Runs the whole plan through `ev`.
    ///
    /// # Errors
    /// The integrand's errors, [`EvalError::Cancelled`].
    pub fn run(
        &self,
        ev: &Evaluator,
        f: &dyn NdIntegrand,
        cube: &UnitCube,
    ) -> Result<Estimate, EvalError> {
        self.reduce(Some(ev), f.nout(), &|t| self.leaf(f, cube, t))
    }
}

/// Per replicate `r < replicates`, the fixed tree over its blocks
/// `from..to` (tasks `r·per + b`). Replicates whose blocks fit in one wave
/// are computed together as one batch of jobs, so that small replicates
/// still fill the pool; the trees are the same either way.
///
/// # Errors
/// The first error of a leaf.
pub fn replicate_trees(
    ev: Option<&Evaluator>,
    replicates: u64,
    from: u64,
    to: u64,
    per: u64,
    wave: u64,
    leaf: &(dyn Fn(u64) -> par::Leaf<Vec<Moments>> + Sync),
) -> Result<Vec<Vec<Moments>>, EvalError> {
    let blocks = to - from;
    let mut out = Vec::with_capacity(replicates as usize);
    if blocks >= wave {
        for r in 0..replicates {
            let span = Span {
                base: r as f64 / replicates as f64,
                span: 1.0 / replicates as f64,
            };
            let (lo, hi) = (r * per + from, r * per + to);
            out.push(par::tree(ev, lo, hi, wave, span, leaf, &merge_all)?);
        }
        return Ok(out);
    }
    let group = wave / blocks;
    let mut r0 = 0;
    while r0 < replicates {
        let r1 = (r0 + group).min(replicates);
        let span = Span {
            base: r0 as f64 / replicates as f64,
            span: (r1 - r0) as f64 / replicates as f64,
        };
        // The group's leaves in order, as one batch of jobs.
        let batch = par::tree(
            ev,
            0,
            (r1 - r0) * blocks,
            u64::MAX,
            span,
            &|i| {
                let (r, b) = (r0 + i / blocks, from + i % blocks);
                let (m, n) = leaf(r * per + b)?;
                Ok((vec![m], n))
            },
            &|mut a: Vec<Vec<Moments>>, b| {
                a.extend(b);
                a
            },
        )?;
        let mut it = batch.into_iter();
        for _ in r0..r1 {
            out.push(fold_leaves(it.by_ref().take(blocks as usize).collect()));
        }
        r0 = r1;
    }
    Ok(out)
}

/// Folds leaves in the midpoint tree (the tree of [`par::tree`]).
fn fold_leaves(mut v: Vec<Vec<Moments>>) -> Vec<Moments> {
    if v.len() == 1 {
        return v.pop().expect("one leaf");
    }
    let right = v.split_off(v.len() / 2);
    let a = fold_leaves(v);
    merge_all(a, fold_leaves(right))
}

/// The replicate count with 0 resolved, validated.
///
/// # Errors
/// [`Error::InvalidArg`] for 1 or more than [`MAX_REPLICATES`].
pub fn replicates(opts: &SampleOptions) -> Result<u32> {
    match opts.replicates {
        0 => Ok(DEFAULT_REPLICATES),
        1 => Err(Error::invalid(
            "QMC needs at least 2 replicates for its error estimate (replicates = 1)",
        )),
        r if r > MAX_REPLICATES => Err(Error::invalid(format!(
            "replicates = {r} is over the limit of {MAX_REPLICATES}"
        ))),
        r => Ok(r),
    }
}

/// The MC estimate of merged moments: the mean and its standard error.
pub fn mc_estimate(m: &[Moments], evals: u64) -> Estimate {
    Estimate {
        values: m.iter().map(|c| c.mean).collect(),
        errors: m.iter().map(Moments::std_error).collect(),
        evals,
        converged: true,
        iterations: 1,
        chi2_dof: f64::NAN,
    }
}

/// The QMC estimate from each replicate's moments: the mean of the
/// replicate means and the standard error of that mean.
pub fn qmc_estimate(reps: &[Vec<Moments>], nout: usize, evals: u64) -> Estimate {
    let (mut values, mut errors) = (Vec::with_capacity(nout), Vec::with_capacity(nout));
    for k in 0..nout {
        let means: Vec<f64> = reps.iter().map(|r| r[k].mean).collect();
        let m = Moments::of_strided(&means, 1);
        values.push(m.mean);
        errors.push(m.std_error());
    }
    Estimate {
        values,
        errors,
        evals,
        converged: true,
        iterations: 1,
        chi2_dof: f64::NAN,
    }
}
