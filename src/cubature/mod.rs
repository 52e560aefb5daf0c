//! Integration over boxes in d dimensions: validation, orientation and
//! dispatch of [`integrate_nd`] (the twin of `vq_integrate_nd`).
//!
//! Invariant: every multi-D result is a function of the problem alone
//! (integrand, box, options). Rules lay out their work in batches whose
//! composition depends only on the problem, evaluate each batch through
//! [`parallel::map`] (results returned in task order), and reduce in a fixed
//! order, so the bits never depend on the thread count.
//!
//! # Rules
//! - [`Rule::GenzMalik`] (and [`Rule::Auto`] with `n = 0` when d ≥ 2):
//!   globally adaptive cubature ([`adaptive`]). Up to d = 12 it uses the
//!   degree-7 Genz–Malik rule (2^d + 2d² + 2d + 1 points per region) with its
//!   embedded degree-5 rule; from d = 13 to [`MAX_ADAPTIVE_NDIM`] the
//!   degree-5 rule (2d² + 2d + 1 points) with an embedded degree-3 rule. In
//!   1-D it runs the 1-D engine's adaptive Gauss–Kronrod.
//! - [`Rule::Midpoint`] and [`Rule::GaussLegendre`] (and [`Rule::Auto`] with
//!   `n > 0`): fixed tensor products ([`tensor`]), `n` panels per axis and
//!   `order` nodes per panel: `(n·order)^d` evaluations.
//!
//! # Bounds
//! `upper < lower` on an axis flips the sign; `lower == upper` on any axis
//! gives 0 without evaluating. An infinite bound is mapped to a finite one
//! per axis ([`axes`]) and is accepted by the adaptive rule only.
//!
//! # Convergence of vector integrands
//! A call converges when every component `k` meets
//! `abs_error_k ≤ max(epsabs, epsrel·|value_k|)`.

pub mod adaptive;
pub mod axes;
pub mod genz_malik;
pub mod parallel;
pub mod regions;
pub mod tensor;

use std::time::Instant;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::integrand::nd::{NdAsOneD, NdIntegrand};
use crate::integrand::Integrand;
use crate::options::{Options, Rule};
use crate::result::Integral;

/// Largest dimension of the adaptive rule.
pub const MAX_ADAPTIVE_NDIM: usize = 64;
/// Largest dimension of the fixed tensor rules.
pub const MAX_TENSOR_NDIM: usize = 64;

/// The outcome of one integration over a box.
#[derive(Debug, Clone, PartialEq)]
pub struct IntegralNd {
    /// The estimate of each component.
    pub values: Vec<f64>,
    /// Estimated absolute error of each component; `None` for fixed rules.
    pub abs_errors: Option<Vec<f64>>,
    /// Points evaluated (each point yields all components).
    pub evals: u64,
    /// Regions: final regions of the adaptive rule, cells of a fixed rule.
    pub regions: u64,
    /// Threads of the context that ran the call.
    pub threads: u32,
    /// Wall time inside the call, in seconds.
    pub seconds: f64,
}

impl IntegralNd {
    /// Component 0 as a 1-D [`Integral`] (what `vq_result` mirrors).
    pub fn first(&self) -> Integral {
        Integral {
            value: self.values[0],
            abs_error: self.abs_errors.as_ref().map(|e| e[0]),
            evals: self.evals,
            threads: self.threads,
            seconds: self.seconds,
            subintervals: self.regions,
        }
    }
}

/// A finished run: the estimate, and when the budget ran out before the
/// tolerance was met, the message saying so (the estimate is then the best
/// one reached).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The estimate.
    pub integral: IntegralNd,
    /// `Some(message)` when `max_evals` ran out first.
    pub budget_exhausted: Option<String>,
}

impl Context {
    /// Integrates `f` over the box `lower[i]..upper[i]`, `i < f.ndim()`.
    ///
    /// # Errors
    /// See [`integrate_nd`]; [`Error::MaxEvals`] carries component 0 of the
    /// best estimate (use [`integrate_nd`] for every component).
    pub fn integrate_nd<F: NdIntegrand + ?Sized>(
        &self,
        f: &F,
        lower: &[f64],
        upper: &[f64],
        opts: &Options,
    ) -> Result<IntegralNd> {
        let out = integrate_nd(self, &DynNd(f), lower, upper, opts)?;
        match out.budget_exhausted {
            None => Ok(out.integral),
            Some(message) => Err(Error::MaxEvals {
                partial: out.integral.first(),
                message,
            }),
        }
    }
}

/// Adapts any `&F` to `&dyn NdIntegrand` without boxing.
struct DynNd<'a, F: NdIntegrand + ?Sized>(&'a F);

impl<F: NdIntegrand + ?Sized> NdIntegrand for DynNd<'_, F> {
    fn ndim(&self) -> usize {
        self.0.ndim()
    }
    fn nout(&self) -> usize {
        self.0.nout()
    }
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> std::result::Result<(), crate::EvalError> {
        self.0.eval_nd(xs, out)
    }
    fn eval_columns(
        &self,
        cols: &[f64],
        stride: usize,
        npts: usize,
        out: &mut [f64],
    ) -> std::result::Result<(), crate::EvalError> {
        self.0.eval_columns(cols, stride, npts, out)
    }
    fn as_one_d(&self) -> Option<&dyn Integrand> {
        self.0.as_one_d()
    }
}

/// The rule actually run for `ndim` dimensions: `Auto` becomes
/// Gauss–Legendre with `n > 0`, the 1-D adaptive default in 1-D and
/// Genz–Malik in d ≥ 2.
pub fn resolved_rule(opts: &Options, ndim: usize) -> Rule {
    match opts.resolved_rule() {
        Rule::Auto if ndim >= 2 => Rule::GenzMalik,
        r => r,
    }
}

/// Checks the shape and bounds of a call: `lower`/`upper` hold `ndim`
/// values, `ndim` and `nout` match the integrand, no bound is NaN.
///
/// # Errors
/// [`Error::InvalidArg`] naming what is wrong.
pub fn check_call(f: &dyn NdIntegrand, lower: &[f64], upper: &[f64], nout: usize) -> Result<()> {
    let ndim = lower.len();
    if ndim == 0 {
        return Err(Error::invalid("ndim = 0: a box has at least one axis"));
    }
    if nout == 0 {
        return Err(Error::invalid("nout = 0: at least one component is needed"));
    }
    if upper.len() != ndim {
        return Err(Error::invalid(format!(
            "lower has {ndim} bounds but upper has {}",
            upper.len()
        )));
    }
    if f.ndim() != ndim || f.nout() != nout {
        return Err(Error::invalid(format!(
            "shape mismatch: the integrand has ndim = {}, nout = {}, the call has ndim = {ndim}, \
             nout = {nout}",
            f.ndim(),
            f.nout()
        )));
    }
    for (i, (&a, &b)) in lower.iter().zip(upper).enumerate() {
        if a.is_nan() || b.is_nan() {
            return Err(Error::invalid(format!(
                "bounds must not be NaN (axis {i}: lower = {a}, upper = {b})"
            )));
        }
    }
    Ok(())
}

/// Integrates `f` over the box `lower[i]..upper[i]` on `ctx`.
///
/// A 1-D integrand (or a multi-D one of shape (1, 1)) over one axis goes to
/// the 1-D engine, with the same bits as [`Context::integrate`].
///
/// # Errors
/// [`Error::InvalidArg`]: `lower`/`upper` lengths differ from the
/// integrand's `ndim`, NaN bounds, `ndim` above the rule's limit, an
/// infinite bound with a fixed rule, a rule that has no multi-D form, bad
/// tolerances or counts. [`Error::Eval`] when the integrand fails or returns
/// a non-finite value. Budget exhaustion is not an error here: see
/// [`Outcome::budget_exhausted`].
pub fn integrate_nd(
    ctx: &Context,
    f: &dyn NdIntegrand,
    lower: &[f64],
    upper: &[f64],
    opts: &Options,
) -> Result<Outcome> {
    let t0 = Instant::now();
    let nout = f.nout();
    check_call(f, lower, upper, nout)?;
    let ndim = lower.len();
    if ndim == 1 && nout == 1 {
        let one = NdAsOneD(f);
        let g: &dyn Integrand = f.as_one_d().unwrap_or(&one);
        return one_d(ctx.integrate(g, lower[0], upper[0], opts));
    }
    let rule = resolved_rule(opts, ndim);
    let mut out = match rule {
        Rule::GenzMalik | Rule::Auto => adaptive::integrate(ctx, f, lower, upper, opts)?,
        Rule::Midpoint | Rule::GaussLegendre => {
            tensor::integrate(ctx, f, rule, lower, upper, opts)?
        }
        r if r.is_sampling() => sampled(crate::sampling::integrate_box(
            ctx, f, r, lower, upper, opts,
        )?),
        r => {
            return Err(Error::invalid(format!(
                "rule '{r}' not supported for multi-D integrands (ndim = {ndim}, nout = {nout}); \
                 use genz-malik, midpoint or gauss-legendre"
            )))
        }
    };
    out.integral.threads = ctx.threads() as u32;
    out.integral.seconds = t0.elapsed().as_secs_f64();
    Ok(out)
}

/// A sampling rule's estimate as an [`Outcome`]: `abs_errors` are standard
/// errors, `regions` is 1 (the whole box).
fn sampled(e: crate::sampling::Estimate) -> Outcome {
    let budget_exhausted = (!e.converged).then(|| e.unconverged_message());
    Outcome {
        integral: IntegralNd {
            values: e.values,
            abs_errors: Some(e.errors),
            evals: e.evals,
            regions: 1,
            threads: 0,
            seconds: 0.0,
        },
        budget_exhausted,
    }
}

/// A 1-D engine result as an [`Outcome`].
fn one_d(r: Result<Integral>) -> Result<Outcome> {
    let (r, budget_exhausted) = match r {
        Ok(r) => (r, None),
        Err(Error::MaxEvals { partial, message }) => (partial, Some(message)),
        Err(e) => return Err(e),
    };
    Ok(Outcome {
        integral: IntegralNd {
            values: vec![r.value],
            abs_errors: r.abs_error.map(|e| vec![e]),
            evals: r.evals,
            regions: r.subintervals,
            threads: r.threads,
            seconds: r.seconds,
        },
        budget_exhausted,
    })
}

/// The result of a box with an empty axis (`lower == upper`): all zeros.
fn empty(nout: usize, with_errors: bool) -> Outcome {
    Outcome {
        integral: IntegralNd {
            values: vec![0.0; nout],
            abs_errors: with_errors.then(|| vec![0.0; nout]),
            evals: 0,
            regions: 0,
            threads: 0,
            seconds: 0.0,
        },
        budget_exhausted: None,
    }
}
