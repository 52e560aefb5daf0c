//! Fixed rules on `n` equal panels: midpoint, trapezoid, Simpson and
//! Gauss–Legendre, each written as a weighted combination of strided streams.
//!
//! A [`FixedPlan`] numbers the work of one rule on one interval as a list of
//! independent tasks, each yielding one double (its *partial*), and combines
//! the list of partials into the integral in a fixed order. A single-process
//! call runs every task on one context; a distributed run computes disjoint
//! ranges of tasks in different processes and combines the gathered list
//! with the same code (the distributed-run layer above). Either way the result
//! has the same bits.

use super::{gauss_legendre, orient, Computed};
use crate::error::{Error, EvalError, Result};
use crate::exec::evaluator::{Evaluator, Span};
use crate::exec::strided::{Stream, StreamTasks};
use crate::integrand::{eval_checked, Integrand};
use crate::options::{Options, Rule, MAX_ORDER, MAX_PANELS};
use crate::reduce::pairwise;

/// Checks that tasks `first .. first + count` lie inside `0..ntasks`.
///
/// # Errors
/// [`Error::InvalidArg`] when they do not.
pub fn check_range(ntasks: u64, first: u64, count: u64) -> Result<()> {
    if first > ntasks || count > ntasks - first {
        return Err(Error::invalid(format!(
            "tasks {first}..{first}+{count} are not inside 0..{ntasks}"
        )));
    }
    Ok(())
}

/// Number of integrand evaluations `rule` makes on `n` panels.
pub fn evals(rule: Rule, n: u64, order: u32) -> u64 {
    match rule {
        Rule::Midpoint => n,
        Rule::Trapezoid => n + 1,
        Rule::Simpson => 2 * n + 1,
        _ => n * u64::from(order),
    }
}

/// Checks the options of a fixed rule on `[a, b]`.
pub fn validate(rule: Rule, a: f64, b: f64, opts: &Options) -> Result<()> {
    if !a.is_finite() || !b.is_finite() {
        return Err(Error::invalid(format!(
            "fixed rule '{rule}' needs finite bounds, got a = {a}, b = {b} \
             (use gauss-kronrod or tanh-sinh for infinite ranges)"
        )));
    }
    if opts.n == 0 {
        return Err(Error::invalid(format!(
            "fixed rule '{rule}' needs n >= 1 panels"
        )));
    }
    if opts.n > MAX_PANELS {
        return Err(Error::invalid(format!(
            "n = {} exceeds 2^53 panels; past that, panel indices are not exact in a double",
            opts.n
        )));
    }
    if rule == Rule::GaussLegendre && opts.gl_order() > MAX_ORDER {
        return Err(Error::invalid(format!(
            "Gauss-Legendre order {} is out of range 1..={MAX_ORDER}",
            opts.order
        )));
    }
    if !(b - a).is_finite() {
        return Err(Error::invalid("the interval is too wide: b - a overflows"));
    }
    if a != b && (b - a) / opts.n as f64 == 0.0 {
        return Err(Error::invalid(
            "the panel width (b - a)/n underflows to zero",
        ));
    }
    let needed = evals(rule, opts.n, opts.gl_order());
    if opts.max_evals != 0 && needed > opts.max_evals {
        return Err(Error::invalid(format!(
            "rule '{rule}' on n = {} panels needs {needed} evaluations, over max_evals = {}",
            opts.n, opts.max_evals
        )));
    }
    Ok(())
}

/// A validated fixed rule on `[a, b]`, laid out as numbered tasks.
///
/// Task order: for the trapezoid and Simpson rules, task 0 evaluates the two
/// endpoints and yields `f(lo) + f(hi)`; then come the tasks of the rule's
/// streams ([`StreamTasks`]). Reversed bounds are integrated over `[b, a]`
/// and negated ([`orient`]); `a == b` has no tasks and integrates to 0.
/// This is exactly what [`crate::Context::integrate`] does, through this
/// same type.
#[derive(Debug, Clone)]
pub struct FixedPlan {
    rule: Rule,
    n: u64,
    order: u32,
    lo: f64,
    hi: f64,
    negate: bool,
    /// Whether task 0 is the endpoint task.
    ends: bool,
    /// `None` when `a == b`.
    streams: Option<StreamTasks>,
}

impl FixedPlan {
    /// Validates the options of the fixed rule `rule` on `[a, b]` (see
    /// [`validate`]) and lays out its tasks.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when the options or bounds are invalid, or
    /// `rule` is not a fixed rule.
    pub fn new(rule: Rule, a: f64, b: f64, opts: &Options) -> Result<FixedPlan> {
        if !rule.is_fixed() {
            return Err(Error::invalid(format!(
                "rule '{rule}' is not a fixed rule: only midpoint, trapezoid, \
                 simpson and gauss-legendre (or auto with n > 0) split into tasks"
            )));
        }
        validate(rule, a, b, opts)?;
        let (lo, hi, sign) = orient(a, b);
        let negate = sign < 0.0;
        let n = opts.n;
        let order = opts.gl_order();
        let streams = match rule {
            Rule::Midpoint => vec![Stream {
                offset: 0.5,
                count: n,
            }],
            Rule::Trapezoid => vec![Stream {
                offset: 1.0,
                count: n - 1,
            }],
            Rule::Simpson => vec![
                Stream {
                    offset: 1.0,
                    count: n - 1,
                },
                Stream {
                    offset: 0.5,
                    count: n,
                },
            ],
            _ => gauss_legendre::rule(order)
                .nodes
                .iter()
                .map(|&xi| Stream {
                    offset: 0.5 * (1.0 + xi),
                    count: n,
                })
                .collect(),
        };
        Ok(FixedPlan {
            rule,
            n,
            order,
            lo,
            hi,
            negate,
            ends: matches!(rule, Rule::Trapezoid | Rule::Simpson),
            streams: (a != b).then(|| StreamTasks::new(lo, hi, n, &streams)),
        })
    }

    /// Number of tasks, hence of partials; 0 when `a == b`.
    pub fn tasks(&self) -> u64 {
        self.streams
            .as_ref()
            .map_or(0, |s| u64::from(self.ends) + s.len())
    }

    /// Computes the partial of task `g < tasks()` and the points it
    /// evaluated; `cancelled` is checked before every block.
    fn task(
        &self,
        f: &dyn Integrand,
        g: u64,
        cancelled: &(dyn Fn() -> bool + Sync),
        split: bool,
    ) -> std::result::Result<(f64, u64), EvalError> {
        if self.ends && g == 0 {
            let mut fx = [0.0; 2];
            eval_checked(f, &[self.lo, self.hi], &mut fx)?;
            return Ok((fx[0] + fx[1], 2));
        }
        let streams = self.streams.as_ref().expect("a == b has no tasks");
        let g = g - u64::from(self.ends);
        Ok((
            streams.task_sum(f, g, cancelled, split)?,
            streams.task_points(g),
        ))
    }

    /// Points evaluated by task `g < tasks()`.
    fn task_points(&self, g: u64) -> u64 {
        if self.ends && g == 0 {
            return 2;
        }
        let streams = self.streams.as_ref().expect("a == b has no tasks");
        streams.task_points(g - u64::from(self.ends))
    }

    /// Computes the partials of tasks `first .. first + out.len()` through
    /// `ev` into `out`, in parallel when that pays off; progress counts
    /// the tasks done.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when the range does not lie inside
    /// `0..tasks()`; [`Error::Eval`] from the integrand (the lowest-numbered
    /// failing task's error); [`Error::Cancelled`] when
    /// [`crate::Context::cancel`] is called meanwhile. `out` is unspecified
    /// after an error.
    pub fn run(
        &self,
        ev: &Evaluator,
        f: &dyn Integrand,
        first: u64,
        out: &mut [f64],
    ) -> Result<()> {
        let count = out.len() as u64;
        check_range(self.tasks(), first, count)?;
        let points = (first..first + count).map(|g| self.task_points(g)).sum();
        let splittable = f.strided_chunk().is_some();
        let parallel = ev.parallel_for_points(points, f.is_cheap(), out.len(), splittable);
        let cancelled = || ev.cancelled();
        ev.run_jobs(out, parallel, Span::WHOLE, |i, o| {
            let (v, evals) = self.task(f, first + i as u64, &cancelled, parallel)?;
            *o = v;
            Ok(evals)
        })?;
        Ok(())
    }

    /// The integral from the partials of all tasks, in task order: each
    /// stream's partials are summed by the pairwise tree and the stream sums
    /// weighted by the rule, in a fixed order.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when `partials.len() != tasks()`;
    /// [`Error::Eval`] (`NonFinite`) when the result overflows a double.
    pub fn combine(&self, partials: &[f64]) -> Result<f64> {
        if partials.len() as u64 != self.tasks() {
            return Err(Error::invalid(format!(
                "got {} partials; this rule, n and interval have {} tasks",
                partials.len(),
                self.tasks()
            )));
        }
        let Some(streams) = &self.streams else {
            return Ok(0.0);
        };
        let (ends, partials) = if self.ends {
            (partials[0], &partials[1..])
        } else {
            (0.0, partials)
        };
        let sums = streams.stream_sums(partials);
        let h = (self.hi - self.lo) / self.n as f64;
        let value = match self.rule {
            Rule::Midpoint => h * sums[0],
            Rule::Trapezoid => h * (0.5 * ends + sums[0]),
            Rule::Simpson => h / 6.0 * (ends + 2.0 * sums[0] + 4.0 * sums[1]),
            _ => {
                let gl = gauss_legendre::rule(self.order);
                let weighted: Vec<f64> = gl.weights.iter().zip(&sums).map(|(w, s)| w * s).collect();
                0.5 * h * pairwise(&weighted)
            }
        };
        if !value.is_finite() {
            // Every value and partial was finite, but the weighted total or
            // its product with the panel width overflowed: the result is
            // not representable, which is an error, never an `Ok(inf)`.
            return Err(EvalError::NonFinite { x: f64::NAN }.into());
        }
        Ok(if self.negate { -value } else { value })
    }

    /// What this plan computed, for the result record, given the `value`
    /// of [`FixedPlan::combine`].
    pub fn computed(&self, value: f64) -> Computed {
        let done = self.streams.is_some();
        Computed {
            value,
            abs_error: None,
            evals: if done {
                evals(self.rule, self.n, self.order)
            } else {
                0
            },
            subintervals: if done { self.n } else { 0 },
        }
    }

    /// Runs every task through `ev` and combines: the whole integral.
    ///
    /// # Errors
    /// As [`FixedPlan::run`] and [`FixedPlan::combine`].
    pub fn integrate(&self, ev: &Evaluator, f: &dyn Integrand) -> Result<Computed> {
        let mut partials = vec![0.0; self.tasks() as usize];
        self.run(ev, f, 0, &mut partials)?;
        let value = self.combine(&partials)?;
        Ok(self.computed(value))
    }
}
