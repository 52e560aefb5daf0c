//! Sampling rules: plain Monte Carlo, randomized quasi-Monte Carlo (Sobol)
//! and VEGAS, on counter-based random numbers.
//!
//! Invariant: every random number is a pure function of
//! `(seed, stream, sample index, coordinate)` (see [`philox`]), the work is
//! cut into tasks whose size depends only on the problem, and task results
//! are merged in a fixed tree ([`par`]): an estimate has the same bits for
//! any thread count and any split into ranks ([`plan`]).
//!
//! Error semantics: `abs_error` is one standard error — of the sample mean
//! for Monte Carlo, of the mean over independent randomizations for QMC,
//! and of the inverse-variance weighted mean of the iterations for VEGAS.
//! The true error exceeds it in about a third of runs; use 2–3 standard
//! errors for a confidence interval.

pub mod cube;
pub mod eval;
pub mod mc;
pub mod moments;
pub mod par;
pub mod philox;
pub mod plan;
pub mod qmc;
pub mod sobol;
#[cfg(test)]
mod sobol_reference;
pub mod sobol_table;
pub mod uniform;
pub mod vegas;

use crate::error::EvalError;

/// A vector-valued function of `ndim` variables evaluated on batches of
/// points: what the samplers integrate.
pub trait PointFn: Sync {
    /// Variables per point.
    fn ndim(&self) -> usize;
    /// Values per point.
    fn nout(&self) -> usize;
    /// Evaluates the points of `x` (point-major: point `i` is
    /// `x[i·ndim .. (i+1)·ndim]`) into `out` (point `i`'s values at
    /// `out[i·nout .. (i+1)·nout]`).
    fn eval(&self, x: &[f64], out: &mut [f64]) -> Result<(), EvalError>;
}

/// The sampler's knobs (the sampling part of [`crate::Options`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleOptions {
    /// Samples (MC), points per replicate (QMC, rounded up to a power of
    /// two) or evaluations per iteration (VEGAS); 0 means adaptive (MC,
    /// QMC) or the default (VEGAS).
    pub n: u64,
    /// Absolute tolerance on the standard error.
    pub epsabs: f64,
    /// Relative tolerance on the standard error.
    pub epsrel: f64,
    /// Evaluation budget (0 means [`crate::options::DEFAULT_MAX_EVALS`]).
    pub max_evals: u64,
    /// Seed (0 means [`philox::DEFAULT_SEED`]).
    pub seed: u64,
    /// QMC randomizations (0 means [`plan::DEFAULT_REPLICATES`]).
    pub replicates: u32,
}

impl Default for SampleOptions {
    fn default() -> SampleOptions {
        SampleOptions {
            n: 0,
            epsabs: 0.0,
            epsrel: 1e-3,
            max_evals: 0,
            seed: 0,
            replicates: 0,
        }
    }
}

impl SampleOptions {
    /// The budget with 0 resolved.
    pub fn budget(&self) -> u64 {
        if self.max_evals == 0 {
            crate::options::DEFAULT_MAX_EVALS
        } else {
            self.max_evals
        }
    }

    /// True when every component's standard error meets
    /// `max(epsabs, epsrel·|value|)`.
    pub fn met(&self, values: &[f64], errors: &[f64]) -> bool {
        values
            .iter()
            .zip(errors)
            .all(|(v, e)| *e <= self.epsabs.max(self.epsrel * v.abs()))
    }
}

/// What a sampling rule returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The estimate of each component.
    pub values: Vec<f64>,
    /// One standard error per component.
    pub errors: Vec<f64>,
    /// Integrand evaluations (points).
    pub evals: u64,
    /// True when the tolerance was met (always true for a fixed `n`).
    pub converged: bool,
    /// Rounds (MC), doublings + 1 (QMC) or iterations (VEGAS, warm-up
    /// included).
    pub iterations: u32,
    /// VEGAS: χ² per degree of freedom of the iterations after warm-up
    /// (component 0); NaN for the other rules or with one iteration.
    pub chi2_dof: f64,
}

impl Estimate {
    /// The estimate of an integral over an empty box: zeros, no error.
    pub fn zero(nout: usize) -> Estimate {
        Estimate {
            values: vec![0.0; nout],
            errors: vec![0.0; nout],
            evals: 0,
            converged: true,
            iterations: 0,
            chi2_dof: f64::NAN,
        }
    }
}
