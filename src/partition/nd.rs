//! Distributed runs: a fixed-size integral over a box (Monte Carlo, QMC, or
//! a fixed tensor-product rule) as numbered tasks whose partials processes
//! (MPI ranks) compute and one process combines.
//!
//! Invariant: the tasks, each task's partial and the tree that combines
//! them are exactly those a single `integrate_nd` call runs, and depend only
//! on the rule, the options and the shape; so the combined values are
//! bitwise the single-process values for every ranks × threads layout.
//!
//! - Monte Carlo and QMC: the tasks of [`Plan`] (sample index blocks); a
//!   partial is `2·nout` doubles, each component's mean and sum of squared
//!   deviations.
//! - Midpoint and Gauss–Legendre tensor products in d ≥ 2 (or with
//!   `nout > 1`): the tasks of [`Tensor`] (blocks of lexicographically
//!   numbered points); a partial is `nout` doubles, each component's
//!   weighted sum.
//! - A fixed rule with `ndim = 1` and `nout = 1` runs the 1-D engine there,
//!   so it splits as `rules::fixed::FixedPlan` does; a partial is one double.

use crate::context::Context;
use crate::cubature::tensor::Tensor;
use crate::cubature::IntegralNd;
use crate::error::{Error, Result};
use crate::exec::evaluator::{Evaluator, Span};
use crate::integrand::nd::{NdAsOneD, NdIntegrand};
use crate::integrand::Integrand;
use crate::options::{Options, Rule};
use crate::rules::fixed::FixedPlan;
use crate::sampling::cube::UnitCube;
use crate::sampling::moments::Moments;
use crate::sampling::par;
use crate::sampling::plan::Plan;
use crate::sampling::SampleOptions;

/// The tasks of one distributed integral over a box.
#[derive(Debug, Clone)]
pub struct Distributed {
    kind: Kind,
    nout: usize,
    ndim: usize,
}

#[derive(Debug, Clone)]
enum Kind {
    /// MC or QMC; `None` for a box with an empty axis.
    Sampling(Option<Plan>, UnitCube),
    /// A tensor rule; `None` for a box with an empty axis.
    Tensor(Option<Tensor>),
    /// A 1-D fixed rule (`ndim = nout = 1`).
    OneD(FixedPlan),
}

impl Distributed {
    /// The tasks of `opts` for `nout` components over `lower..upper`: rule
    /// `MonteCarlo` or `Qmc` with `n > 0`, or a fixed rule (`Midpoint`,
    /// `GaussLegendre`, `Auto` with `n > 0`; in 1-D with one component also
    /// `Trapezoid` and `Simpson`). A box with an empty axis has no tasks.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] for another rule, `n == 0` (adaptive runs do
    /// not split), bad bounds or counts, infinite bounds with a fixed rule.
    pub fn new(lower: &[f64], upper: &[f64], nout: usize, opts: &Options) -> Result<Distributed> {
        let ndim = lower.len();
        if ndim == 0 || upper.len() != ndim {
            return Err(Error::invalid(format!(
                "a box needs as many lower as upper bounds, at least one ({ndim} and {})",
                upper.len()
            )));
        }
        if nout == 0 {
            return Err(Error::invalid("nout = 0: at least one component is needed"));
        }
        if opts.n == 0 {
            return Err(Error::invalid(
                "a distributed run needs a fixed n > 0 (n = 0 adapts, which does not split)",
            ));
        }
        let rule = crate::cubature::resolved_rule(opts, ndim);
        let kind = match rule {
            Rule::MonteCarlo | Rule::Qmc => {
                let cube = UnitCube::new(lower, upper)?;
                let s = SampleOptions::from(opts);
                let plan = if rule == Rule::MonteCarlo {
                    Plan::monte_carlo(&s, opts.n)
                } else {
                    let points = opts.n.checked_next_power_of_two().unwrap_or(u64::MAX);
                    Plan::qmc(&s, points, ndim)?
                };
                Kind::Sampling((!cube.is_empty()).then_some(plan), cube)
            }
            r if ndim == 1 && nout == 1 && r.is_fixed() => {
                Kind::OneD(crate::rules::fixed_plan(lower[0], upper[0], opts)?)
            }
            Rule::Midpoint | Rule::GaussLegendre => {
                Kind::Tensor(Tensor::new(rule, lower, upper, nout, opts)?)
            }
            r => {
                return Err(Error::invalid(format!(
                    "rule '{r}' does not split into tasks (use monte-carlo, qmc, midpoint or \
                     gauss-legendre with n > 0)"
                )))
            }
        };
        Ok(Distributed { kind, nout, ndim })
    }

    /// Number of tasks.
    pub fn tasks(&self) -> u64 {
        match &self.kind {
            Kind::Sampling(p, _) => p.as_ref().map_or(0, Plan::tasks),
            Kind::Tensor(t) => t.as_ref().map_or(0, Tensor::tasks),
            Kind::OneD(p) => p.tasks(),
        }
    }

    /// Doubles per task partial: `2·nout` (MC, QMC), `nout` (tensor
    /// rules), 1 (1-D fixed rules).
    pub fn partial_len(&self) -> usize {
        match self.kind {
            Kind::Sampling(..) => 2 * self.nout,
            Kind::Tensor(_) => self.nout,
            Kind::OneD(_) => 1,
        }
    }

    /// Computes the partials of tasks `first .. first + out.len() /
    /// partial_len()` into `out`, through `ev`.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when the range is outside `0..tasks()` or `f`
    /// has another shape; the integrand's errors.
    pub(crate) fn partials(
        &self,
        ev: &Evaluator,
        f: &dyn NdIntegrand,
        first: u64,
        out: &mut [f64],
    ) -> Result<()> {
        let len = self.partial_len();
        let count = (out.len() / len) as u64;
        if f.nout() != self.nout || f.ndim() != self.ndim {
            return Err(Error::invalid(
                "the integrand's shape differs from the plan's",
            ));
        }
        crate::rules::fixed::check_range(self.tasks(), first, count)?;
        if count == 0 {
            return Ok(());
        }
        let all = match &self.kind {
            Kind::OneD(p) => {
                let one = NdAsOneD(f);
                let g: &dyn Integrand = f.as_one_d().unwrap_or(&one);
                return p.run(ev, g, first, &mut out[..count as usize]);
            }
            Kind::Sampling(Some(plan), cube) => flat_tree(ev, first, count, len, &|t| {
                let (m, n) = plan.leaf(f, cube, t)?;
                Ok((m.iter().flat_map(|c| [c.mean, c.m2]).collect(), n))
            })?,
            Kind::Tensor(Some(plan)) => flat_tree(ev, first, count, len, &|t| {
                Ok((plan.task(f, t)?, plan.task_points(t)))
            })?,
            Kind::Sampling(None, _) | Kind::Tensor(None) => return Ok(()),
        };
        out[..all.len()].copy_from_slice(&all);
        Ok(())
    }

    /// Combines the partials of all tasks, in task order, into the result:
    /// bitwise the single-process values, standard errors (MC, QMC; `None`
    /// for fixed rules), evaluations and regions. `threads` and `seconds`
    /// are 0.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when `partials` does not hold `tasks()`
    /// partials.
    pub fn combine(&self, partials: &[f64]) -> Result<IntegralNd> {
        let len = self.partial_len();
        if partials.len() as u64 != self.tasks() * len as u64 {
            return Err(Error::invalid(format!(
                "{} partial values given; {} tasks of {len} values each are needed",
                partials.len(),
                self.tasks()
            )));
        }
        let done = |values, abs_errors, evals, regions| IntegralNd {
            values,
            abs_errors,
            evals,
            regions,
            threads: 0,
            seconds: 0.0,
        };
        Ok(match &self.kind {
            Kind::Sampling(None, _) => done(vec![0.0; self.nout], Some(vec![0.0; self.nout]), 0, 1),
            Kind::Sampling(Some(plan), _) => {
                let leaf = |t: u64| {
                    let row = &partials[t as usize * len..(t as usize + 1) * len];
                    let n = plan.task_len(t);
                    let m = row
                        .chunks_exact(2)
                        .map(|c| Moments {
                            n,
                            mean: c[0],
                            m2: c[1],
                        })
                        .collect();
                    Ok((m, n))
                };
                let e = plan.reduce(None, self.nout, &leaf)?;
                done(e.values, Some(e.errors), e.evals, 1)
            }
            Kind::Tensor(None) => done(vec![0.0; self.nout], None, 0, 0),
            Kind::Tensor(Some(t)) => done(t.combine(partials)?, None, t.evals(), t.cells()),
            Kind::OneD(p) => {
                let c = p.computed(p.combine(partials)?);
                done(
                    vec![c.value],
                    c.abs_error.map(|e| vec![e]),
                    c.evals,
                    c.subintervals,
                )
            }
        })
    }
}

/// The task results of `first .. first + count` (each `len` doubles),
/// concatenated in task order, computed through `ev`.
fn flat_tree(
    ev: &Evaluator,
    first: u64,
    count: u64,
    len: usize,
    leaf: &(dyn Fn(u64) -> par::Leaf<Vec<f64>> + Sync),
) -> Result<Vec<f64>> {
    Ok(par::tree(
        Some(ev),
        first,
        first + count,
        par::wave_for(len),
        Span::WHOLE,
        leaf,
        &|mut a: Vec<f64>, b| {
            a.extend(b);
            a
        },
    )?)
}

/// The partials of tasks `first ..` of the distributed run `d` into `out`
/// (`partial_len()` doubles per task), on `ctx`.
///
/// # Errors
/// [`Error::InvalidArg`] when the range is outside `0..tasks()` or `f` has
/// another shape; the integrand's errors.
pub fn integrate_partials(
    ctx: &Context,
    d: &Distributed,
    f: &dyn NdIntegrand,
    first: u64,
    out: &mut [f64],
) -> Result<()> {
    let ev = Evaluator::new(ctx);
    ev.run_in_pool(ev.threads() > 1, || d.partials(&ev, f, first, out))?;
    ev.finish();
    Ok(())
}
