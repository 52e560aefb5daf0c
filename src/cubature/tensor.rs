//! Fixed tensor-product rules in d dimensions: `n` panels per axis and, for
//! Gauss–Legendre, `order` nodes per panel: `(n·order)^d` evaluations.
//!
//! Invariant: points are numbered lexicographically (last axis fastest) and
//! cut into tasks of [`TASK_POINTS`] consecutive indices and waves of
//! [`WAVE_TASKS`] tasks; each task's weighted values are summed pairwise,
//! each wave's task sums pairwise, and the wave sums pairwise. The tree
//! depends only on the point count, so the bits never depend on threads.

use super::axes::{weigh_and_check, Boxed};
use super::{empty, parallel, IntegralNd, Outcome, MAX_TENSOR_NDIM};
use crate::context::Context;
use crate::error::{Error, EvalError, Result};
use crate::integrand::nd::NdIntegrand;
use crate::options::{Options, Rule, MAX_ORDER, MAX_PANELS};
use crate::reduce::pairwise;
use crate::rules::gauss_legendre;

/// Points per task.
pub const TASK_POINTS: usize = 2048;
/// Tasks per wave (one parallel map).
pub const WAVE_TASKS: usize = 1024;

/// The 1-D nodes and weights of one axis.
#[derive(Debug, Clone)]
struct AxisRule {
    nodes: Vec<f64>,
    weights: Vec<f64>,
}

fn axis_rule(rule: Rule, n: u64, order: u32, a: f64, b: f64) -> AxisRule {
    let h = (b - a) / n as f64;
    let mut nodes = Vec::new();
    let mut weights = Vec::new();
    match rule {
        Rule::Midpoint => {
            for j in 0..n {
                nodes.push((j as f64 + 0.5).mul_add(h, a));
                weights.push(h);
            }
        }
        _ => {
            let gl = gauss_legendre::rule(order);
            for j in 0..n {
                let left = (j as f64).mul_add(h, a);
                for (x, w) in gl.nodes.iter().zip(&gl.weights) {
                    nodes.push((0.5 * (1.0 + x)).mul_add(h, left));
                    weights.push(0.5 * h * w);
                }
            }
        }
    }
    AxisRule { nodes, weights }
}

/// The laid-out work of a tensor-product run: its numbered tasks, how each
/// task's weighted sums are computed and the fixed tree that reduces them.
/// [`integrate`] and distributed runs (tasks computed by other processes,
/// see [`Tensor::task`] and [`Tensor::combine`]) share it, so their bits
/// agree.
#[derive(Debug, Clone)]
pub struct Tensor {
    axes: Vec<AxisRule>,
    m: u64,
    total: u64,
    per_task: u64,
    sign: f64,
    cells: u64,
    nout: usize,
}

impl Tensor {
    /// Lays out `rule` (midpoint or Gauss–Legendre) over the box for `nout`
    /// components; `None` when an axis is empty (`lower == upper`: the
    /// integral is 0 and there are no tasks).
    ///
    /// # Errors
    /// [`Error::InvalidArg`]: infinite bounds, `n` of 0 or above 2^53, an
    /// order out of range, `ndim` above [`MAX_TENSOR_NDIM`], more than 2^53
    /// points or more than a non-zero `max_evals`.
    pub fn new(
        rule: Rule,
        lower: &[f64],
        upper: &[f64],
        nout: usize,
        opts: &Options,
    ) -> Result<Option<Tensor>> {
        let ndim = lower.len();
        if ndim > MAX_TENSOR_NDIM {
            return Err(Error::invalid(format!(
                "ndim = {ndim} exceeds the fixed rules' limit of {MAX_TENSOR_NDIM} dimensions"
            )));
        }
        if lower.iter().chain(upper).any(|v| !v.is_finite()) {
            return Err(Error::invalid(format!(
                "fixed rule '{rule}' needs finite bounds (use genz-malik for infinite ones)"
            )));
        }
        if opts.n == 0 || opts.n > MAX_PANELS {
            return Err(Error::invalid(format!(
                "fixed rule '{rule}' needs 1 <= n <= 2^53 panels per axis, got n = {}",
                opts.n
            )));
        }
        let order = if rule == Rule::Midpoint {
            1
        } else {
            opts.gl_order()
        };
        if order > MAX_ORDER {
            return Err(Error::invalid(format!(
                "Gauss-Legendre order {order} is out of range 1..={MAX_ORDER}"
            )));
        }
        let per_axis = opts.n.checked_mul(u64::from(order));
        let total = per_axis
            .and_then(|m| m.checked_pow(ndim as u32))
            .filter(|&t| t <= MAX_PANELS);
        let Some(total) = total else {
            return Err(Error::invalid(format!(
                "(n·order)^ndim = ({}·{order})^{ndim} points exceed 2^53",
                opts.n
            )));
        };
        if opts.max_evals != 0 && total > opts.max_evals {
            return Err(Error::invalid(format!(
                "the fixed rule needs {total} evaluations, above max_evals = {}",
                opts.max_evals
            )));
        }
        let boxed = Boxed::new(lower, upper);
        if boxed.empty {
            return Ok(None);
        }
        let axes: Vec<AxisRule> = (0..ndim)
            .map(|i| axis_rule(rule, opts.n, order, boxed.lo[i], boxed.hi[i]))
            .collect();
        let m = axes[0].nodes.len() as u64;
        let per_task = TASK_POINTS.min((1 << 16) / (ndim + nout)).max(1) as u64;
        Ok(Some(Tensor {
            axes,
            m,
            total,
            per_task,
            sign: boxed.sign,
            cells: opts.n.pow(ndim as u32),
            nout,
        }))
    }

    /// Number of tasks: `ceil((n·order)^d / points per task)`.
    pub fn tasks(&self) -> u64 {
        self.total.div_ceil(self.per_task)
    }

    /// Points evaluated by the whole run.
    pub fn evals(&self) -> u64 {
        self.total
    }

    /// Points of task `t`.
    pub fn task_points(&self, t: u64) -> u64 {
        self.per_task.min(self.total - t * self.per_task)
    }

    /// Cells of the run: `n^d`.
    pub fn cells(&self) -> u64 {
        self.cells
    }

    /// Task `t`'s weighted sum of each component (unsigned: the box's
    /// orientation is applied by the reduction).
    ///
    /// # Errors
    /// The integrand's errors, and a non-finite value.
    pub fn task(&self, f: &dyn NdIntegrand, t: u64) -> std::result::Result<Vec<f64>, EvalError> {
        let lo = t * self.per_task;
        let hi = self.total.min(lo + self.per_task);
        task_sums(f, &self.axes, self.m, lo, hi)
    }

    /// One wave's sum per component from its tasks' sums, in task order
    /// (`row(i)` is task `i`'s `nout` sums).
    fn wave<'a>(&self, count: usize, row: impl Fn(usize) -> &'a [f64]) -> Vec<f64> {
        let mut col = vec![0.0; count];
        (0..self.nout)
            .map(|k| {
                for (i, c) in col.iter_mut().enumerate() {
                    *c = row(i)[k];
                }
                pairwise(&col)
            })
            .collect()
    }

    /// The signed values from the wave sums.
    fn finish(&self, wave_sums: &[Vec<f64>]) -> Vec<f64> {
        (0..self.nout)
            .map(|k| {
                let col: Vec<f64> = wave_sums.iter().map(|w| w[k]).collect();
                self.sign * pairwise(&col)
            })
            .collect()
    }

    /// The values from every task's sums (`partials`: `tasks() · nout`
    /// doubles, task-major, as [`Tensor::task`] returns them), reduced in
    /// the tree [`integrate`] uses: bitwise its values.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when `partials` has another length.
    pub fn combine(&self, partials: &[f64]) -> Result<Vec<f64>> {
        let tasks = self.tasks();
        if partials.len() as u64 != tasks * self.nout as u64 {
            return Err(Error::invalid(format!(
                "{} partial values given; {tasks} tasks of {} values each are needed",
                partials.len(),
                self.nout
            )));
        }
        let waves: Vec<Vec<f64>> = partials
            .chunks(WAVE_TASKS * self.nout)
            .map(|w| {
                self.wave(w.len() / self.nout, |i| {
                    &w[i * self.nout..(i + 1) * self.nout]
                })
            })
            .collect();
        Ok(self.finish(&waves))
    }
}

/// Integrates `f` over the box with the tensor product of a fixed rule.
///
/// # Errors
/// As [`Tensor::new`]; [`Error::Eval`] when the integrand fails.
pub fn integrate(
    ctx: &Context,
    f: &dyn NdIntegrand,
    rule: Rule,
    lower: &[f64],
    upper: &[f64],
    opts: &Options,
) -> Result<Outcome> {
    let nout = f.nout();
    let Some(plan) = Tensor::new(rule, lower, upper, nout, opts)? else {
        return Ok(empty(nout, false));
    };
    let tasks = plan.tasks();
    let epoch = ctx.epoch();
    let mut wave_sums: Vec<Vec<f64>> = Vec::new();
    let mut first = 0u64;
    while first < tasks {
        if ctx.cancelled_since(epoch) {
            return Err(Error::Cancelled);
        }
        let count = (tasks - first).min(WAVE_TASKS as u64) as usize;
        let sums = parallel::map(ctx, count, |t| plan.task(f, first + t as u64));
        let sums = sums
            .into_iter()
            .collect::<std::result::Result<Vec<_>, _>>()?;
        wave_sums.push(plan.wave(count, |i| &sums[i]));
        first += count as u64;
    }
    Ok(Outcome {
        integral: IntegralNd {
            values: plan.finish(&wave_sums),
            abs_errors: None,
            evals: plan.total,
            regions: plan.cells,
            threads: 0,
            seconds: 0.0,
        },
        budget_exhausted: None,
    })
}

/// The weighted sums, per component, of points `lo..hi`.
///
/// The points are laid out in columns (axis `i`'s coordinates together),
/// which expressions read without a transpose. In the lexicographic order
/// axis `i`'s node index is `(k / m^(d−1−i)) mod m` at point `k`: runs of
/// `m^(d−1−i)` equal coordinates, so each column is a few fills. A point's
/// weight is the product of its axes' weights taken in axis order,
/// `((1·w₀)·w₁)·…`, whichever way it is computed.
fn task_sums(
    f: &dyn NdIntegrand,
    axes: &[AxisRule],
    m: u64,
    lo: u64,
    hi: u64,
) -> std::result::Result<Vec<f64>, EvalError> {
    let d = axes.len();
    let nout = f.nout();
    let count = (hi - lo) as usize;
    let mut cols = vec![0.0; count * d];
    let mut w = vec![1.0; count];
    // `run` is m^(d−1−i) for axis i; at most the point count, below 2^53.
    let mut run = 1u64;
    let mut runs = vec![0u64; d];
    for i in (0..d).rev() {
        runs[i] = run;
        run = run.saturating_mul(m);
    }
    for (i, axis) in axes.iter().enumerate() {
        let col = &mut cols[i * count..(i + 1) * count];
        let run = runs[i];
        let mut idx = ((lo / run) % m) as usize;
        let mut left = run - lo % run;
        let mut p = 0;
        if run == 1 {
            // The last axis: the nodes in turn, copied a cycle at a time.
            while p < count {
                let len = (m as usize - idx).min(count - p);
                col[p..p + len].copy_from_slice(&axis.nodes[idx..idx + len]);
                for (v, &wi) in w[p..p + len].iter_mut().zip(&axis.weights[idx..]) {
                    *v *= wi;
                }
                p += len;
                idx = 0;
            }
            continue;
        }
        while p < count {
            let len = left.min((count - p) as u64) as usize;
            col[p..p + len].fill(axis.nodes[idx]);
            let wi = axis.weights[idx];
            for v in &mut w[p..p + len] {
                *v *= wi;
            }
            p += len;
            left = run;
            idx += 1;
            if idx as u64 == m {
                idx = 0;
            }
        }
    }
    let mut vals = vec![0.0; count * nout];
    f.eval_columns(&cols, count, count, &mut vals)?;
    weigh_and_check(&mut vals, Some(&w), |p| cols[p], nout)?;
    if nout == 1 {
        return Ok(vec![pairwise(&vals)]);
    }
    let mut col = vec![0.0; count];
    Ok((0..nout)
        .map(|k| {
            for (c, row) in col.iter_mut().zip(vals.chunks_exact(nout)) {
                *c = row[k];
            }
            pairwise(&col)
        })
        .collect())
}
