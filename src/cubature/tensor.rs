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

/// Integrates `f` over the box with the tensor product of a fixed rule.
///
/// # Errors
/// [`Error::InvalidArg`]: infinite bounds, `n` of 0 or above 2^53, an order
/// out of range, `ndim` above [`MAX_TENSOR_NDIM`], more than 2^53 points or
/// more than a non-zero `max_evals`. [`Error::Eval`] when the integrand fails.
pub fn integrate(
    ctx: &Context,
    f: &dyn NdIntegrand,
    rule: Rule,
    lower: &[f64],
    upper: &[f64],
    opts: &Options,
) -> Result<Outcome> {
    let (ndim, nout) = (lower.len(), f.nout());
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
        return Ok(empty(nout, false));
    }
    let axes: Vec<AxisRule> = (0..ndim)
        .map(|i| axis_rule(rule, opts.n, order, boxed.lo[i], boxed.hi[i]))
        .collect();
    let m = axes[0].nodes.len() as u64;
    let per_task = TASK_POINTS.min((1 << 16) / (ndim + nout)).max(1) as u64;
    let tasks = total.div_ceil(per_task);
    let epoch = ctx.epoch();
    let mut wave_sums: Vec<Vec<f64>> = Vec::new();
    let mut first = 0u64;
    while first < tasks {
        if ctx.cancelled_since(epoch) {
            return Err(Error::Cancelled);
        }
        let count = (tasks - first).min(WAVE_TASKS as u64) as usize;
        let sums = parallel::map(ctx, count, |t| {
            let lo = (first + t as u64) * per_task;
            let hi = total.min(lo + per_task);
            task_sums(f, &axes, m, lo, hi)
        });
        let mut task_sums_k = vec![Vec::with_capacity(count); nout];
        for s in sums {
            for (col, v) in task_sums_k.iter_mut().zip(s?) {
                col.push(v);
            }
        }
        wave_sums.push(task_sums_k.iter().map(|c| pairwise(c)).collect());
        first += count as u64;
    }
    let values = (0..nout)
        .map(|k| {
            let col: Vec<f64> = wave_sums.iter().map(|w| w[k]).collect();
            boxed.sign * pairwise(&col)
        })
        .collect();
    Ok(Outcome {
        integral: IntegralNd {
            values,
            abs_errors: None,
            evals: total,
            regions: opts.n.pow(ndim as u32),
            threads: 0,
            seconds: 0.0,
        },
        budget_exhausted: None,
    })
}

/// The weighted sums, per component, of points `lo..hi`.
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
    let mut idx = vec![0usize; d];
    let mut rem = lo;
    for i in (0..d).rev() {
        idx[i] = (rem % m) as usize;
        rem /= m;
    }
    let mut xs = vec![0.0; count * d];
    let mut w = vec![0.0; count];
    for (p, wp) in xs.chunks_exact_mut(d).zip(w.iter_mut()) {
        let mut prod = 1.0;
        for (i, x) in p.iter_mut().enumerate() {
            *x = axes[i].nodes[idx[i]];
            prod *= axes[i].weights[idx[i]];
        }
        *wp = prod;
        for i in (0..d).rev() {
            idx[i] += 1;
            if (idx[i] as u64) < m {
                break;
            }
            idx[i] = 0;
        }
    }
    let mut vals = vec![0.0; count * nout];
    f.eval_nd(&xs, &mut vals)?;
    weigh_and_check(&mut vals, Some(&w), &xs, d, nout)?;
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
