//! Globally adaptive cubature: refine the regions of largest error, in
//! batches, until every component meets its tolerance or the budget ends.
//!
//! Invariant: each step's batch is chosen from the region store alone (pop
//! regions by decreasing error until the popped errors would bring every
//! component within tolerance, capped by the remaining budget); its children
//! are evaluated in tasks of a size fixed by the problem ([`task_regions`])
//! and stored in batch order. Nothing depends on the thread count.
//!
//! The key of a region is `max_k err_k / s_k`, with `s_k` the tolerance of
//! component `k` at the first estimate (1 where that is 0), so that
//! components of different magnitudes compete fairly.

use super::axes::{weigh_and_check, Boxed};
use super::genz_malik::GenzMalik;
use super::regions::Regions;
use super::{empty, parallel, IntegralNd, Outcome, MAX_ADAPTIVE_NDIM};
use crate::context::Context;
use crate::error::{Error, EvalError, Result};
use crate::integrand::nd::NdIntegrand;
use crate::options::Options;
use crate::rules::outcome::Tolerance;

/// Target number of points of one evaluation task.
const TASK_POINTS: usize = 2048;
/// Target number of doubles (coordinates and values) one task buffers.
const TASK_DOUBLES: usize = 1 << 16;

/// Regions evaluated per task: about [`TASK_POINTS`] points and at most
/// [`TASK_DOUBLES`] buffered doubles, at least one region.
pub fn task_regions(points: usize, ndim: usize, nout: usize) -> usize {
    (TASK_POINTS / points)
        .min(TASK_DOUBLES / (points * (ndim + nout + 1)))
        .max(1)
}

/// Integrates `f` over the box with the adaptive Genz–Malik rule.
///
/// # Errors
/// [`Error::InvalidArg`] for bad tolerances, `ndim` above
/// [`MAX_ADAPTIVE_NDIM`], or a budget below one region's points;
/// [`Error::Eval`] when the integrand fails; [`Error::Cancelled`].
pub fn integrate(
    ctx: &Context,
    f: &dyn NdIntegrand,
    lower: &[f64],
    upper: &[f64],
    opts: &Options,
) -> Result<Outcome> {
    let tol = Tolerance::from_options(opts)?;
    let (ndim, nout) = (lower.len(), f.nout());
    if ndim > MAX_ADAPTIVE_NDIM {
        return Err(Error::invalid(format!(
            "ndim = {ndim} exceeds the adaptive rule's limit of {MAX_ADAPTIVE_NDIM} dimensions"
        )));
    }
    let rule = GenzMalik::new(ndim);
    let pts = rule.points();
    let budget = opts.budget();
    if budget < pts as u64 {
        return Err(Error::invalid(format!(
            "max_evals = {budget} is below the {pts} points of one region in {ndim} dimensions"
        )));
    }
    let boxed = Boxed::new(lower, upper);
    if boxed.empty {
        return Ok(empty(nout, true));
    }
    let epoch = ctx.epoch();
    let eval = Evaluate {
        ctx,
        f,
        rule: &rule,
        boxed: &boxed,
    };
    let mut store = Regions::new(ndim, nout);
    let centre: Vec<f64> = boxed
        .lo
        .iter()
        .zip(&boxed.hi)
        .map(|(a, b)| 0.5 * (a + b))
        .collect();
    let half: Vec<f64> = boxed
        .lo
        .iter()
        .zip(&boxed.hi)
        .map(|(a, b)| 0.5 * (b - a))
        .collect();
    let first = eval.regions(&[centre.clone(), half.clone()].concat())?;
    let stride = 2 * nout + 1;
    let scale: Vec<f64> = first[..nout]
        .iter()
        .map(|v| match tol.requested(*v) {
            s if s > 0.0 && s.is_finite() => s,
            _ => 1.0,
        })
        .collect();
    let key = |row: &[f64]| {
        row[nout..2 * nout]
            .iter()
            .zip(&scale)
            .fold(0.0f64, |m, (e, s)| m.max(e / s))
    };
    store.put(
        0,
        (&centre, &half),
        &first[..nout],
        &first[nout..2 * nout],
        first[2 * nout] as usize,
        key(&first),
    );
    let mut evals = pts as u64;
    let mut running = Running::new(&first[..nout], &first[nout..2 * nout]);
    let mut exhausted = false;
    loop {
        let (est, err) = running.values();
        if meets(&est, &err, tol) {
            let (est, err) = store.totals();
            if meets(&est, &err, tol) {
                break;
            }
            running = Running::new(&est, &err);
        }
        if ctx.cancelled_since(epoch) {
            return Err(Error::Cancelled);
        }
        let max_splits = ((budget - evals) / (2 * pts as u64)) as usize;
        if max_splits == 0 {
            exhausted = true;
            break;
        }
        // Pop the regions whose refinement the tolerance requires.
        let (est, mut remaining) = running.values();
        let mut batch = Vec::new();
        while batch.len() < max_splits
            && remaining
                .iter()
                .zip(&est)
                .any(|(r, e)| *r > tol.requested(*e))
        {
            let Some(slot) = store.pop() else { break };
            for (r, e) in remaining.iter_mut().zip(store.errors(slot)) {
                *r -= e;
            }
            batch.push(slot);
        }
        if batch.is_empty() {
            exhausted = true;
            break;
        }
        let mut geoms = Vec::with_capacity(batch.len() * 4 * ndim);
        for &slot in &batch {
            let (c, h) = store.geometry(slot);
            let a = store.axis(slot);
            let mut h2 = h.to_vec();
            h2[a] *= 0.5;
            for s in [-1.0, 1.0] {
                let mut c2 = c.to_vec();
                c2[a] += s * h2[a];
                geoms.extend_from_slice(&c2);
                geoms.extend_from_slice(&h2);
            }
        }
        let rows = eval.regions(&geoms)?;
        evals += (2 * batch.len() * pts) as u64;
        for (i, &slot) in batch.iter().enumerate() {
            running.sub(store.estimates(slot), store.errors(slot));
            for child in 0..2 {
                let row = &rows[(2 * i + child) * stride..(2 * i + child + 1) * stride];
                let g = &geoms[(2 * i + child) * 2 * ndim..(2 * i + child + 1) * 2 * ndim];
                running.add(&row[..nout], &row[nout..2 * nout]);
                let at = if child == 0 { slot } else { store.len() };
                store.put(
                    at,
                    g.split_at(ndim),
                    &row[..nout],
                    &row[nout..2 * nout],
                    row[2 * nout] as usize,
                    key(row),
                );
            }
        }
    }
    let (est, err) = store.totals();
    let integral = IntegralNd {
        values: est.iter().map(|v| boxed.sign * v).collect(),
        abs_errors: Some(err.clone()),
        evals,
        regions: store.len() as u64,
        threads: 0,
        seconds: 0.0,
    };
    let budget_exhausted = (exhausted && !meets(&est, &err, tol)).then(|| {
        let k = (0..nout)
            .find(|&k| err[k] > tol.requested(est[k]))
            .unwrap_or(0);
        format!(
            "the evaluation budget ran out after {evals} evaluations ({} regions) before the \
             tolerance was met: component {k} has estimated error {:e} > requested {:e}",
            store.len(),
            err[k],
            tol.requested(est[k])
        )
    });
    Ok(Outcome {
        integral,
        budget_exhausted,
    })
}

/// True when every component meets `max(epsabs, epsrel·|I_k|)`.
fn meets(est: &[f64], err: &[f64], tol: Tolerance) -> bool {
    est.iter().zip(err).all(|(v, e)| *e <= tol.requested(*v))
}

/// Per-component running sums of the estimates and errors (Neumaier
/// compensated, updated in batch order).
struct Running {
    sum: Vec<[f64; 2]>,
    nout: usize,
}

impl Running {
    fn new(est: &[f64], err: &[f64]) -> Running {
        let sum = est.iter().chain(err).map(|&v| [v, 0.0]).collect();
        Running {
            sum,
            nout: est.len(),
        }
    }

    fn add_to(&mut self, values: &[f64], at: usize, sign: f64) {
        for (s, &v) in self.sum[at..at + self.nout].iter_mut().zip(values) {
            let v = sign * v;
            let t = s[0] + v;
            s[1] += if s[0].abs() >= v.abs() {
                (s[0] - t) + v
            } else {
                (v - t) + s[0]
            };
            s[0] = t;
        }
    }

    fn add(&mut self, est: &[f64], err: &[f64]) {
        self.add_to(est, 0, 1.0);
        self.add_to(err, self.nout, 1.0);
    }

    fn sub(&mut self, est: &[f64], err: &[f64]) {
        self.add_to(est, 0, -1.0);
        self.add_to(err, self.nout, -1.0);
    }

    fn values(&self) -> (Vec<f64>, Vec<f64>) {
        let v: Vec<f64> = self.sum.iter().map(|s| s[0] + s[1]).collect();
        let (est, err) = v.split_at(self.nout);
        (est.to_vec(), err.iter().map(|e| e.max(0.0)).collect())
    }
}

/// Evaluates regions with one rule on one integrand.
struct Evaluate<'a> {
    ctx: &'a Context,
    f: &'a dyn NdIntegrand,
    rule: &'a GenzMalik,
    boxed: &'a Boxed,
}

impl Evaluate<'_> {
    /// Applies the rule to each region of `geoms` (centre then half-widths,
    /// `2·ndim` values each) and returns rows of `2·nout + 1` values: the
    /// estimates, the errors and the split axis.
    fn regions(&self, geoms: &[f64]) -> Result<Vec<f64>> {
        let d = self.rule.ndim();
        let nout = self.f.nout();
        let count = geoms.len() / (2 * d);
        let per = task_regions(self.rule.points(), d, nout);
        let tasks = count.div_ceil(per);
        let parts = parallel::map(self.ctx, tasks, |t| {
            let lo = t * per;
            let hi = count.min(lo + per);
            self.task(&geoms[lo * 2 * d..hi * 2 * d])
        });
        let mut rows = Vec::with_capacity(count * (2 * nout + 1));
        for p in parts {
            rows.extend_from_slice(&p?);
        }
        Ok(rows)
    }

    fn task(&self, geoms: &[f64]) -> std::result::Result<Vec<f64>, EvalError> {
        let d = self.rule.ndim();
        let nout = self.f.nout();
        let pts = self.rule.points();
        let count = geoms.len() / (2 * d);
        let mut xs = vec![0.0; count * pts * d];
        for (g, x) in geoms.chunks_exact(2 * d).zip(xs.chunks_exact_mut(pts * d)) {
            let (c, h) = g.split_at(d);
            self.rule.fill_points(c, h, x);
        }
        let jac = if self.boxed.has_infinite() {
            let mut jac = vec![0.0; count * pts];
            self.boxed.map_points(&mut xs, &mut jac);
            Some(jac)
        } else {
            None
        };
        let mut vals = vec![0.0; count * pts * nout];
        self.f.eval_nd(&xs, &mut vals)?;
        weigh_and_check(&mut vals, jac.as_deref(), &xs, d, nout)?;
        let mut rows = vec![0.0; count * (2 * nout + 1)];
        let mut diffs = vec![0.0; d];
        for ((g, v), row) in geoms
            .chunks_exact(2 * d)
            .zip(vals.chunks_exact(pts * nout))
            .zip(rows.chunks_exact_mut(2 * nout + 1))
        {
            let h = &g[d..];
            let (est, rest) = row.split_at_mut(nout);
            let (err, axis) = rest.split_at_mut(nout);
            axis[0] = self.rule.apply(v, nout, h, est, err, &mut diffs) as f64;
        }
        Ok(rows)
    }
}
