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

use crate::error::{Error, Result};
use crate::exec::evaluator::Evaluator;
use crate::integrand::nd::NdIntegrand;
use crate::options::{Options, Rule};

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
    /// Seed (0 means [`crate::options::DEFAULT_SEED`]).
    pub seed: u64,
    /// QMC randomizations (0 means [`plan::DEFAULT_REPLICATES`]).
    pub replicates: u32,
}

impl From<&Options> for SampleOptions {
    fn from(o: &Options) -> SampleOptions {
        SampleOptions {
            n: o.n,
            epsabs: o.epsabs,
            epsrel: o.epsrel,
            max_evals: o.max_evals,
            seed: o.seed,
            replicates: o.replicates,
        }
    }
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
    /// Why an unconverged run stopped, for [`Error::MaxEvals`].
    pub fn unconverged_message(&self) -> String {
        format!(
            "the standard error {:e} did not meet the tolerance within the evaluation budget \
             ({} evaluations)",
            self.errors.iter().cloned().fold(0.0, f64::max),
            self.evals
        )
    }

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

/// Integrates `f` over the box `lower..upper` with the sampling `rule`
/// (`Rule::MonteCarlo`, `Rule::Qmc` or `Rule::Vegas`) through the call's
/// evaluator. An unconverged run is `Ok` with `converged == false`.
///
/// # Errors
/// [`Error::InvalidArg`] for a rule that does not sample, bad bounds,
/// tolerances or counts; the integrand's errors; [`Error::Cancelled`].
pub(crate) fn integrate(
    ev: &Evaluator,
    f: &dyn NdIntegrand,
    rule: Rule,
    lower: &[f64],
    upper: &[f64],
    opts: &Options,
) -> Result<Estimate> {
    let cube = cube::UnitCube::new(lower, upper)?;
    let s = SampleOptions::from(opts);
    check(&s)?;
    if cube.is_empty() {
        return Ok(Estimate::zero(f.nout()));
    }
    let enter = ev.threads() > 1;
    ev.run_in_pool(enter, || match rule {
        Rule::MonteCarlo => mc::integrate(ev, f, &cube, &s),
        Rule::Qmc => qmc::integrate(ev, f, &cube, &s),
        Rule::Vegas => vegas::integrate(ev, f, &cube, &s),
        r => Err(Error::invalid(format!("rule '{r}' is not a sampling rule"))),
    })
}

/// Integrates `f` over the box `lower..upper` with the sampling `rule` on
/// `ctx`: the Rust entry point that also returns what only the sampling
/// rules know (iterations, χ²/dof, whether the tolerance was met). An
/// unconverged run is `Ok` with `converged == false`.
///
/// # Errors
/// [`Error::InvalidArg`] for a rule that does not sample, bad bounds,
/// tolerances or counts, or `f`'s shape differing from the box; the
/// integrand's errors; [`Error::Cancelled`].
///
/// # Examples
/// ```
/// use vquad::{Context, NdFn, Options, Rule};
/// let ctx = Context::new(2).unwrap();
/// let f = NdFn::new(2, 1, |x: &[f64], out: &mut [f64]| out[0] = x[0] * x[1]);
/// let opts = Options { rule: Rule::Qmc, n: 1 << 12, ..Options::default() };
/// let e = vquad::sampling::integrate_box(&ctx, &f, Rule::Qmc, &[0.0, 0.0], &[1.0, 1.0], &opts).unwrap();
/// assert!((e.values[0] - 0.25).abs() < 5.0 * e.errors[0] + 1e-9);
/// ```
pub fn integrate_box(
    ctx: &crate::context::Context,
    f: &dyn NdIntegrand,
    rule: Rule,
    lower: &[f64],
    upper: &[f64],
    opts: &Options,
) -> Result<Estimate> {
    if lower.len() != f.ndim() || upper.len() != f.ndim() {
        return Err(Error::invalid(format!(
            "the integrand has ndim = {} but the box has {} lower and {} upper bounds",
            f.ndim(),
            lower.len(),
            upper.len()
        )));
    }
    let ev = Evaluator::new(ctx);
    let e = integrate(&ev, f, rule, lower, upper, opts)?;
    if e.converged {
        ev.finish();
    }
    Ok(e)
}

/// The tolerance checks the sampling rules share.
fn check(s: &SampleOptions) -> Result<()> {
    if s.epsabs.is_nan() || s.epsrel.is_nan() || s.epsabs < 0.0 || s.epsrel < 0.0 {
        return Err(Error::invalid(format!(
            "tolerances must be non-negative numbers (epsabs = {}, epsrel = {})",
            s.epsabs, s.epsrel
        )));
    }
    Ok(())
}

/// A 1-D integrand `f` on `[a, b]` as a sampling problem: what
/// `vq_integrate` runs for the sampling rules, with the same bits as the
/// multi-D entry point with `ndim = 1`.
///
/// # Errors
/// As [`integrate`].
pub(crate) fn integrate_1d(
    ev: &Evaluator,
    f: &dyn crate::integrand::Integrand,
    rule: Rule,
    a: f64,
    b: f64,
    opts: &Options,
) -> Result<Estimate> {
    integrate(ev, &crate::integrand::nd::OneD(f), rule, &[a], &[b], opts)
}
