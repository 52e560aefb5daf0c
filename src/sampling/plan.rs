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
use super::uniform::fill_points;
use super::{Estimate, PointFn, SampleOptions};
use crate::context::Context;
use crate::error::{Error, Result};

/// Default number of QMC randomizations.
pub const DEFAULT_REPLICATES: u32 = 8;
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

    /// Computes task `t`'s per-component moments.
    ///
    /// # Errors
    /// The integrand's errors.
    pub fn leaf(&self, f: &dyn PointFn, cube: &UnitCube, t: u64) -> Result<Vec<Moments>> {
        let ndim = f.ndim();
        let len = self.task_len(t);
        match *self {
            Plan::MonteCarlo { seed, .. } => {
                let fill = |first: u64, u: &mut [f64]| {
                    fill_points(seed, Stream::MonteCarlo, first, ndim, u)
                };
                Ok(task_moments(f, cube, t * TASK, len, &fill)?)
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
                let fill = |first: u64, u: &mut [f64]| scramble.fill_points(first, u);
                Ok(task_moments(f, cube, b * block, len, &fill)?)
            }
        }
    }

    /// Merges the leaves in the plan's fixed tree into the estimate
    /// (`ctx = None`: sequentially), for `nout` components.
    ///
    /// # Errors
    /// The first error of a leaf (lowest task number).
    pub fn reduce(
        &self,
        ctx: Option<&Context>,
        nout: usize,
        leaf: &(dyn Fn(u64) -> Result<Vec<Moments>> + Sync),
    ) -> Result<Estimate> {
        match *self {
            Plan::MonteCarlo { .. } => {
                let m = par::tree(ctx, 0, self.tasks(), leaf, &merge_all)?;
                Ok(mc_estimate(&m, self.evals()))
            }
            Plan::Qmc {
                replicates,
                points,
                block,
                ..
            } => {
                let per = points / block;
                let reps = par::tree(
                    ctx,
                    0,
                    replicates,
                    &|r| {
                        let m = par::tree(ctx, r * per, (r + 1) * per, leaf, &merge_all)?;
                        Ok(vec![m])
                    },
                    &|mut a, b| {
                        a.extend(b);
                        a
                    },
                )?;
                Ok(qmc_estimate(&reps, nout, self.evals()))
            }
        }
    }

    /// Runs the whole plan on `ctx`.
    ///
    /// # Errors
    /// The integrand's errors, [`Error::Cancelled`].
    pub fn run(&self, ctx: &Context, f: &dyn PointFn, cube: &UnitCube) -> Result<Estimate> {
        self.reduce(Some(ctx), f.nout(), &|t| self.leaf(f, cube, t))
    }
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
