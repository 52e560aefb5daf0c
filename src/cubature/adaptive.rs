//! Globally adaptive cubature: refine the regions of largest error, in
//! batches, until every component meets its tolerance or the budget ends.
//!
//! Invariant: each step's batch is chosen from the region store alone (pop
//! regions by decreasing error until the popped errors would bring every
//! component within tolerance, and at least `MIN_STEP_POINTS` points'
//! worth, capped by the remaining budget); its children
//! are evaluated in tasks of a size fixed by the problem ([`task_regions`])
//! and stored in batch order. Nothing depends on the thread count.
//!
//! The key of a region is `max_k err_k / s_k`, with `s_k` the tolerance of
//! component `k` at the first estimate (1 where that is 0), so that
//! components of different magnitudes compete fairly.
//!
//! # Honest errors
//! A region's error is the sum of three parts, each an upper estimate:
//! - the rule's own, from null rules of descending degree
//!   (`genz_malik::estimate_error`);
//! - the disagreement between a parent and its two children, shared by the
//!   children ([`reconcile`]);
//! - suspicion of a jump hidden between the children's points and their
//!   shared face, which splits along that axis discharge (`suspect`).
//!
//! The run never stops before [`WARM_UP_POINTS`] evaluations: until then it
//! splits the largest regions along their widest axes (a uniform start that
//! a feature smaller than the first region cannot hide from), then switches
//! to the error order.

use std::cell::RefCell;

use super::axes::{weigh_and_check, Boxed};
use super::genz_malik::GenzMalik;
use super::regions::{Meta, Regions};
use super::{empty, parallel, IntegralNd, Outcome, MAX_ADAPTIVE_NDIM};
use crate::context::Context;
use crate::error::{Error, EvalError, Result};
use crate::integrand::nd::NdIntegrand;
use crate::options::Options;
use crate::rules::outcome::Tolerance;
use crate::scratch::with_buffer;

/// Target number of points of one evaluation task.
const TASK_POINTS: usize = 2048;
/// Target number of doubles (coordinates and values) one task buffers.
const TASK_DOUBLES: usize = 1 << 16;
/// Fewest points a step evaluates while regions and budget remain: a step
/// refines at least this many points' worth of regions (and at most a
/// sixteenth of the store) even when fewer would meet the tolerance, so that
/// steps keep the pool busy and their count stays small (the extra regions
/// only tighten the estimate).
const MIN_STEP_POINTS: usize = 8192;
/// Evaluations of the uniform warm-up (or the whole budget when smaller).
pub const WARM_UP_POINTS: u64 = 8192;

/// Regions evaluated per task: about `TASK_POINTS` points and at most
/// `TASK_DOUBLES` buffered doubles, at least one region.
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
    let stride = 3 * nout + 1;
    let scale: Vec<f64> = first[..nout]
        .iter()
        .map(|v| match tol.requested(*v) {
            s if s > 0.0 && s.is_finite() => s,
            _ => 1.0,
        })
        .collect();
    let err_key = |errs: &[f64]| {
        errs.iter()
            .zip(&scale)
            .fold(0.0f64, |m, (e, s)| m.max(e / s))
    };
    let volume_key = |h: &[f64]| h.iter().map(|x| x.ln()).sum::<f64>();
    let min_evals = WARM_UP_POINTS.min(budget);
    let mut warm = (pts as u64) < min_evals;
    let key = |row: &[f64], h: &[f64], warm: bool| {
        if warm {
            volume_key(h)
        } else {
            err_key(&row[nout..2 * nout])
        }
    };
    let zeros = vec![0.0; nout];
    store.put(
        0,
        (&centre, &half),
        &first[..nout],
        &first[nout..2 * nout],
        &zeros,
        row_meta(&first, nout, 0),
        key(&first, &half, warm),
    );
    let mut evals = pts as u64;
    let mut running = Running::new(&first[..nout], &first[nout..2 * nout]);
    let mut exhausted = false;
    loop {
        if warm && evals >= min_evals {
            warm = false;
            let keys: Vec<f64> = (0..store.len()).map(|s| err_key(store.errors(s))).collect();
            store.rekey(|slot| keys[slot]);
        }
        let (est, err) = running.values();
        if evals >= min_evals && meets(&est, &err, tol) {
            let (est, err) = store.totals();
            if evals >= min_evals && meets(&est, &err, tol) {
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
        let min_splits = if warm {
            ((min_evals - evals) as usize).div_ceil(2 * pts)
        } else {
            (MIN_STEP_POINTS / (2 * pts)).min(store.len() / 16).max(1)
        };
        while batch.len() < max_splits
            && (batch.len() < min_splits
                || remaining
                    .iter()
                    .zip(&est)
                    .any(|(r, e)| *r > tol.requested(*e)))
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
        let mut axes = Vec::with_capacity(batch.len());
        for &slot in &batch {
            let (c, h) = store.geometry(slot);
            let a = split_axis(&store, slot, warm);
            axes.push(a);
            let mut h2 = h.to_vec();
            h2[a] *= 0.5;
            for s in [-1.0, 1.0] {
                let mut c2 = c.to_vec();
                c2[a] += s * h2[a];
                geoms.extend_from_slice(&c2);
                geoms.extend_from_slice(&h2);
            }
        }
        let mut rows = eval.regions(&geoms)?;
        evals += (2 * batch.len() * pts) as u64;
        let mut sus = vec![0.0; nout];
        let mut total = vec![0.0; nout];
        for (i, (&slot, &a)) in batch.iter().zip(&axes).enumerate() {
            let pair = &mut rows[2 * i * stride..(2 * i + 2) * stride];
            let suspect_axis = suspect(&store, slot, a, pair, nout, &mut sus);
            reconcile(store.estimates(slot), pair, nout);
            running.sub(store.estimates(slot), store.errors(slot));
            for child in 0..2 {
                let row = &rows[(2 * i + child) * stride..(2 * i + child + 1) * stride];
                let g = &geoms[(2 * i + child) * 2 * ndim..(2 * i + child + 1) * 2 * ndim];
                for ((t, e), q) in total.iter_mut().zip(&row[nout..2 * nout]).zip(&sus) {
                    *t = e + q;
                }
                running.add(&row[..nout], &total);
                let at = if child == 0 { slot } else { store.len() };
                let k = if warm {
                    volume_key(&g[ndim..])
                } else {
                    err_key(&total)
                };
                store.put(
                    at,
                    g.split_at(ndim),
                    &row[..nout],
                    &total,
                    &sus,
                    row_meta(row, nout, suspect_axis),
                    k,
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

/// Weight of the parent–children disagreement that scales the children's
/// errors up (relative to their own sum).
pub const DISAGREEMENT_SCALE: f64 = 0.5;
/// Share of the parent–children disagreement added to each child's error.
pub const DISAGREEMENT_SHARE: f64 = 0.25;

/// Makes two children's errors consistent with their parent: where the
/// parent's estimate and the sum of the children's differ by `δ`, an error
/// the children's own rules cannot see, each child's error `e` becomes
/// `e·(1 + DISAGREEMENT_SCALE·δ/(e₁ + e₂)) + DISAGREEMENT_SHARE·δ`, so the
/// pair's error is never below `δ`'s share. `pair` holds the two children's
/// rows (estimates, errors, axis).
pub fn reconcile(parent: &[f64], pair: &mut [f64], nout: usize) {
    let stride = 3 * nout + 1;
    let (a, b) = pair.split_at_mut(stride);
    for (k, &p) in parent.iter().enumerate() {
        let delta = (p - (a[k] + b[k])).abs();
        let both = a[nout + k] + b[nout + k];
        let grow = if both > 0.0 {
            1.0 + DISAGREEMENT_SCALE * delta / both
        } else {
            1.0
        };
        for child in [&mut *a, &mut *b] {
            child[nout + k] = child[nout + k] * grow + DISAGREEMENT_SHARE * delta;
        }
    }
}

/// Fraction of a child's extent along the split axis that lies between its
/// points nearest the shared face (`±λ3`) and the face: `(1 − λ3)/2`.
pub const SHELL: f64 = super::genz_malik::SHELL_FRACTION;
/// Safety factor on the mass a jump hidden in that shell can carry.
pub const SHELL_SAFETY: f64 = 2.0;

/// The [`Meta`] of a rule's row (estimates, errors, hidden, axis).
fn row_meta(row: &[f64], nout: usize, suspect_axis: usize) -> Meta {
    Meta {
        axis: row[3 * nout] as usize,
        suspect_axis,
    }
}

/// The axis to split `slot` along: the widest during the warm-up, the axis
/// of its suspicion when suspicion is most of its error, else the rule's.
fn split_axis(store: &Regions, slot: usize, warm: bool) -> usize {
    let meta = store.meta(slot);
    if warm {
        return widest(store.geometry(slot).1);
    }
    let dominated = store
        .suspicion(slot)
        .iter()
        .zip(store.errors(slot))
        .any(|(q, e)| *q > 0.5 * e);
    if dominated {
        meta.suspect_axis
    } else {
        meta.axis
    }
}

/// The suspicion each child of `slot` (split along `a` into the rows of
/// `pair`) carries, written to `sus`; returns its axis.
///
/// A jump at the face two children share, inside the thin shells between
/// their outermost points and the face, shows as a gap across the face that
/// neither child's rule sees (`GenzMalik::face_gap`, the `hidden` part of
/// the rows): each child then carries `SHELL_SAFETY·SHELL·gap·volume`, tied
/// to the split axis, until splits along that axis have shrunk the shell. A
/// split along the suspicion axis passes a quarter of the parent's
/// suspicion to each child (half the volume, half the shell), any other
/// split a half (half the volume).
fn suspect(
    store: &Regions,
    slot: usize,
    a: usize,
    pair: &[f64],
    nout: usize,
    sus: &mut [f64],
) -> usize {
    let meta = store.meta(slot);
    let inherit = if a == meta.suspect_axis { 0.25 } else { 0.5 };
    let mut fresh_wins = false;
    for (k, (q, &p)) in sus.iter_mut().zip(store.suspicion(slot)).enumerate() {
        let old = inherit * p;
        let fresh = pair[2 * nout + k];
        fresh_wins |= fresh > old;
        *q = old + fresh;
    }
    if fresh_wins {
        a
    } else {
        meta.suspect_axis
    }
}

/// The widest axis of half-widths `h` (the lowest index on ties).
fn widest(h: &[f64]) -> usize {
    (1..h.len()).fold(0, |a, i| if h[i] > h[a] { i } else { a })
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

thread_local! {
    /// Points of one evaluation task, reused by every task on this thread.
    static POINTS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
    /// Values of one evaluation task.
    static VALUES: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
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
    /// `2·ndim` values each) and returns rows of `3·nout + 1` values: the
    /// estimates, the errors, the hidden-jump suspicion of each child of a
    /// pair (regions come in sibling pairs when there are several) and the
    /// split axis.
    fn regions(&self, geoms: &[f64]) -> Result<Vec<f64>> {
        let d = self.rule.ndim();
        let nout = self.f.nout();
        let count = geoms.len() / (2 * d);
        let per = task_regions(self.rule.points(), d, nout);
        // Keep sibling pairs in one task.
        let per = (per & !1).max(2);
        let tasks = count.div_ceil(per);
        let parts = parallel::map(self.ctx, tasks, |t| {
            let lo = t * per;
            let hi = count.min(lo + per);
            self.task(&geoms[lo * 2 * d..hi * 2 * d])
        });
        let mut rows = Vec::with_capacity(count * (3 * nout + 1));
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
        // Every point and value is written before it is read.
        with_buffer(&POINTS, count * pts * d, |xs| {
            with_buffer(&VALUES, count * pts * nout, |vals| {
                self.rows(geoms, xs, vals)
            })
        })
    }

    /// [`Evaluate::task`] with its buffers: `xs` for the points of every
    /// region of `geoms`, `vals` for their values.
    fn rows(
        &self,
        geoms: &[f64],
        xs: &mut [f64],
        vals: &mut [f64],
    ) -> std::result::Result<Vec<f64>, EvalError> {
        let d = self.rule.ndim();
        let nout = self.f.nout();
        let pts = self.rule.points();
        let count = geoms.len() / (2 * d);
        for (g, x) in geoms.chunks_exact(2 * d).zip(xs.chunks_exact_mut(pts * d)) {
            let (c, h) = g.split_at(d);
            self.rule.fill_points(c, h, x);
        }
        let jac = if self.boxed.has_infinite() {
            let mut jac = vec![0.0; count * pts];
            self.boxed.map_points(xs, &mut jac);
            Some(jac)
        } else {
            None
        };
        self.f.eval_nd(xs, vals)?;
        weigh_and_check(vals, jac.as_deref(), |p| xs[p * d], nout)?;
        let stride = 3 * nout + 1;
        let mut rows = vec![0.0; count * stride];
        let mut diffs = vec![0.0; d];
        for ((g, v), row) in geoms
            .chunks_exact(2 * d)
            .zip(vals.chunks_exact(pts * nout))
            .zip(rows.chunks_exact_mut(stride))
        {
            let h = &g[d..];
            let (est, rest) = row.split_at_mut(nout);
            let (err, rest) = rest.split_at_mut(nout);
            rest[nout] = self.rule.apply(v, nout, h, est, err, &mut diffs) as f64;
        }
        if count.is_multiple_of(2) {
            // Children come in pairs, below then above the parent's centre.
            for ((g, v), rows) in geoms
                .chunks_exact(4 * d)
                .zip(vals.chunks_exact(2 * pts * nout))
                .zip(rows.chunks_exact_mut(2 * stride))
            {
                let a = (0..d).find(|&i| g[i] != g[2 * d + i]).unwrap_or(0);
                let volume: f64 = g[d..2 * d].iter().map(|&x| 2.0 * x).product();
                let (lower, upper) = v.split_at(pts * nout);
                let (r0, r1) = rows.split_at_mut(stride);
                let gap = &mut r0[2 * nout..3 * nout];
                self.rule.face_gap(lower, upper, nout, a, gap);
                for q in gap.iter_mut() {
                    *q *= SHELL_SAFETY * SHELL * volume;
                }
                r1[2 * nout..3 * nout].copy_from_slice(gap);
            }
        }
        Ok(rows)
    }
}
