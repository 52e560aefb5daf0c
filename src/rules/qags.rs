//! Globally adaptive Gauss–Kronrod with Wynn extrapolation (QUADPACK's
//! QAGS/QAGI), refining batches of intervals in parallel.
//!
//! The control flow is QAGS's: bisect the worst intervals; once the worst
//! interval is one of the smallest ("small": deeper than `level + 1`
//! bisections), first bring the error of the larger intervals under the
//! extrapolation tolerance, then add the current sum to the ε-table, halve
//! what counts as small and go on. The round-off counters, the divergence
//! tests and the choice between the extrapolated and the summed result are
//! QAGS's too.
//!
//! Where QAGS bisects one interval per step, a step here bisects a *batch*
//! (Gladwell; Bull and Freeman) taken from the top of the error-ordered list:
//! worst first, stopping as soon as the batch's errors add up to what must
//! be removed to meet the tolerance (so the batch is what serial QAGS would
//! bisect next if a bisection removed all of an interval's error), at
//! [`MAX_BATCH`] intervals, or where the list reaches intervals the current
//! mode must not touch. The batch depends only on the state of the problem,
//! never on the thread count; its children are evaluated together across the
//! pool, and the bookkeeping runs in batch order afterwards. Ties in the
//! ordering go to the interval created first. The final sum is pairwise over
//! the intervals sorted by left end. So the result is the same, to the bit,
//! for any number of threads.

use super::dd::Dd;
use super::gauss_kronrod::{centre, Estimate, Gk};
use super::outcome::{Adaptive, Outcome, Tolerance};
use super::pieces::{Piece, Pieces};
use super::wynn::Epsilon;
use crate::error::{Error, Result};
use crate::exec::points::PointEvaluator;
use crate::scratch::with_kept;
use std::cell::RefCell;

/// Most intervals bisected in one step.
pub const MAX_BATCH: usize = 128;
/// Most subintervals kept: about 300 MiB of bookkeeping. Reaching it ends
/// the integration like an exhausted budget.
pub const MAX_PIECES: usize = 1 << 22;

/// vquad's safeguard on top of QUADPACK's estimate: the children of a
/// bisection claim together at least `δ = |K_parent − (K_left + K_right)|`,
/// the change the bisection made (the larger-error child takes the
/// increase). Wherever bisection at least halves the true error, `δ` bounds
/// the children's error, so the floor is itself honest. QUADPACK's estimate
/// alone can fall below the true error at interior kinks, where the Gauss and
/// Kronrod values agree by accident (the battery's `min_exp_2`); on smooth
/// intervals `δ` is far below the estimate and the floor changes nothing.
fn bisection_floor(parent: f64, e1: &mut Estimate, e2: &mut Estimate) {
    let delta = (parent - (e1.value + e2.value)).abs();
    if e1.error + e2.error < delta {
        if e1.error >= e2.error {
            e1.error = delta - e2.error;
        } else {
            e2.error = delta - e1.error;
        }
    }
}

/// After the first rule application: either the answer, or the root
/// interval's estimate to continue from with [`resume`].
#[derive(Debug, Clone, Copy)]
pub enum Start {
    /// The first rule already ended the integration.
    Done(Adaptive),
    /// The root interval and its estimate; more work is needed.
    Root(Estimate),
}

/// Runs QAGS (finite range) or QAGI (infinite range) with pair `gk`.
///
/// # Errors
/// Evaluation failures, and [`Error::InvalidArg`] when the range is too
/// narrow to place a single rule strictly inside it or the budget is below
/// one rule application.
#[cfg_attr(not(test), allow(dead_code))] // the reference of rules::small
pub fn integrate(ev: &mut PointEvaluator, gk: Gk, tol: Tolerance, budget: u64) -> Result<Adaptive> {
    match start(ev, gk, tol, budget)? {
        Start::Done(out) => Ok(out),
        Start::Root(root) => resume(ev, gk, tol, budget, root),
    }
}

/// Applies the pair once to the whole range and runs QAGS's first tests.
///
/// # Errors
/// As [`integrate`].
pub fn start(ev: &mut PointEvaluator, gk: Gk, tol: Tolerance, budget: u64) -> Result<Start> {
    let per = gk.evals_per_interval() as u64;
    if budget < per {
        return Err(Error::invalid(format!(
            "max_evals = {budget} is below the {per} evaluations of one Gauss-Kronrod rule"
        )));
    }
    let (lo, hi) = gk.range().gk_root();
    let mut xs = Vec::with_capacity(per as usize);
    if !gk.push_abscissae(lo, hi, &mut xs) {
        return Err(Error::invalid(format!(
            "the interval [{lo:e}, {hi:e}] is too narrow to place quadrature nodes strictly inside it"
        )));
    }
    let mut fx = vec![0.0; xs.len()];
    ev.eval(&xs, &mut fx)?;
    let root = gk.apply(lo, hi, &fx)?;
    let Some(outcome) = first_test(&root, tol) else {
        return Ok(Start::Root(root));
    };
    Ok(Start::Done(Adaptive {
        value: root.value,
        abs_error: root.error,
        evals: ev.evals(),
        subintervals: 1,
        outcome,
    }))
}

/// QAGS's first test on the root estimate: done (`Converged`), round-off
/// already dominates (`Roundoff`), or `None` to go on bisecting.
pub fn first_test(root: &Estimate, tol: Tolerance) -> Option<Outcome> {
    let errbnd = tol.bound(root.value);
    if root.error <= 100.0 * f64::EPSILON * root.resabs && root.error > errbnd {
        Some(Outcome::Roundoff)
    } else if (root.error <= errbnd && root.error != root.resasc) || root.error == 0.0 {
        Some(Outcome::Converged)
    } else {
        None
    }
}

/// Continues QAGS from the root estimate returned by [`start`] (further
/// evaluations made in between count against the budget). The steps run on
/// the calling thread until the next one is predicted to run in parallel;
/// the rest of the loop then moves into the pool at once
/// ([`PointEvaluator::should_enter_pool`]).
///
/// # Errors
/// Evaluation failures.
pub fn resume(
    ev: &mut PointEvaluator,
    gk: Gk,
    tol: Tolerance,
    budget: u64,
    root: Estimate,
) -> Result<Adaptive> {
    with_workspace(|w| {
        let (lo, hi) = gk.range().gk_root();
        let engine = ev.engine();
        let q = Qags::new(ev, w, gk, tol, budget, lo, hi, root);
        engine.step_loop(q, |q| q.ev.should_enter_pool(), |q| q.step())
    })
}

/// A QAGS run driven one step at a time by a caller that evaluates each
/// step's nodes itself, together with other runs' (a table's rows): the
/// same steps, values and bookkeeping as [`resume`], so the same result to
/// the bit, with the evaluations in someone else's call.
pub struct Stepper<'a, 'e>(Qags<'a, 'e>);

impl<'a, 'e> Stepper<'a, 'e> {
    /// [`resume`]'s run from `root`, with `w` as its workspace.
    pub fn new(
        ev: &'a mut PointEvaluator<'e>,
        w: &'a mut Workspace,
        gk: Gk,
        tol: Tolerance,
        budget: u64,
        root: Estimate,
    ) -> Stepper<'a, 'e> {
        let (lo, hi) = gk.range().gk_root();
        Stepper(Qags::new(ev, w, gk, tol, budget, lo, hi, root))
    }

    /// Prepares the next step: `Some` result when the run ends here, else
    /// `None` and [`Stepper::points`] holds the nodes to evaluate.
    pub fn prepare(&mut self) -> Option<Adaptive> {
        self.0.prepare()
    }

    /// The nodes of the prepared step.
    pub fn points(&self) -> &[f64] {
        &self.0.w.xs
    }

    /// Ends the prepared step with the values at [`Stepper::points`]
    /// (`None`: evaluate them here, on their own). Returns the result when
    /// the run ends.
    ///
    /// # Errors
    /// As [`resume`].
    pub fn absorb(&mut self, values: Option<&[f64]>) -> Result<Option<Adaptive>> {
        self.0.absorb(values)
    }
}

/// The buffers of one QAGS run: the interval list, the step's nodes and
/// values, its batch, and the final sum's columns. A thread keeps one for
/// its next run, so a small integration allocates nothing once the thread
/// has run one before; nothing in it outlives a run's meaning (each run
/// starts by clearing it).
#[derive(Debug, Default)]
pub struct Workspace {
    pieces: Pieces,
    xs: Vec<f64>,
    fx: Vec<f64>,
    batch: Vec<usize>,
    order: Vec<usize>,
    values: Vec<f64>,
    errors: Vec<f64>,
}

impl Workspace {
    /// Gives the buffers back when a run grew them past what is worth
    /// keeping for the next one.
    pub fn trim(&mut self) {
        if self.pieces.capacity() > KEEP_PIECES {
            *self = Workspace::default();
        }
    }
}

/// Intervals a thread's kept [`Workspace`] may hold (about 200 KiB of
/// buffers); a run that grew past it gives its buffers back.
const KEEP_PIECES: usize = 1 << 12;

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// Runs `f` with this thread's kept workspace ([`with_kept`]), trimmed
/// afterwards.
fn with_workspace<R>(f: impl FnOnce(&mut Workspace) -> R) -> R {
    with_kept(&WORKSPACE, |w| {
        let r = f(w);
        w.trim();
        r
    })
}

struct Qags<'a, 'e> {
    ev: &'a mut PointEvaluator<'e>,
    w: &'a mut Workspace,
    /// No step has been taken yet.
    first: bool,
    gk: Gk,
    tol: Tolerance,
    budget: u64,
    area: Dd,
    errsum: Dd,
    erlarg: Dd,
    errbnd: f64,
    ertest: f64,
    extrap: bool,
    noext: bool,
    iroff1: u32,
    iroff2: u32,
    iroff3: u32,
    ierro3: bool,
    table: Epsilon,
    /// Best extrapolated result and its error (`f64::MAX`: none yet).
    result: f64,
    abserr: f64,
    correc: f64,
    ktmin: u32,
    defabs: f64,
    ksgn_negative: bool,
    outcome: Option<Outcome>,
}

impl<'a, 'e> Qags<'a, 'e> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        ev: &'a mut PointEvaluator<'e>,
        w: &'a mut Workspace,
        gk: Gk,
        tol: Tolerance,
        budget: u64,
        lo: f64,
        hi: f64,
        root: Estimate,
    ) -> Qags<'a, 'e> {
        let mut table = Epsilon::new();
        table.push(root.value);
        let whole = Piece {
            lo,
            hi,
            value: root.value,
            error: root.error,
            depth: 0,
        };
        w.pieces.reset(whole);
        Qags {
            ev,
            w,
            first: true,
            gk,
            tol,
            budget,
            area: Dd::from(root.value),
            errsum: Dd::from(root.error),
            erlarg: Dd::ZERO,
            errbnd: tol.bound(root.value),
            ertest: 0.0,
            extrap: false,
            noext: false,
            iroff1: 0,
            iroff2: 0,
            iroff3: 0,
            ierro3: false,
            table,
            result: root.value,
            abserr: f64::MAX,
            correc: 0.0,
            ktmin: 0,
            defabs: root.resabs,
            ksgn_negative: root.value.abs() < (1.0 - 50.0 * f64::EPSILON) * root.resabs,
            outcome: None,
        }
    }

    /// Picks this step's batch (see the module documentation): in
    /// extrapolation mode from the large intervals, against the excess of
    /// their error over the extrapolation tolerance; otherwise from all,
    /// against the excess of the total error over the tolerance.
    fn select(&mut self, cap: usize) {
        let excess = if self.extrap {
            self.erlarg.add_f64(-self.ertest).to_f64()
        } else {
            self.errsum.add_f64(-self.errbnd).to_f64()
        };
        let w = &mut *self.w;
        w.pieces
            .take_batch_into(excess, cap, self.extrap, &mut w.batch);
    }

    /// One batch of bisections and QAGS's tests after it. Returns the final
    /// result when the integration ends.
    fn step(&mut self) -> Result<Option<Adaptive>> {
        if let Some(done) = self.prepare() {
            return Ok(Some(done));
        }
        self.absorb(None)
    }

    /// The first half of a step: picks the batch and places its children's
    /// nodes in the workspace, or returns the result when the run ends
    /// before evaluating (budget spent, or an interval too narrow for its
    /// children's nodes: QAGS's "bad integrand behaviour", ier = 4).
    fn prepare(&mut self) -> Option<Adaptive> {
        let per = 2 * self.gk.evals_per_interval() as u64;
        let affordable = self.budget.saturating_sub(self.ev.evals()) / per;
        let room = (MAX_PIECES - self.w.pieces.len()) as u64;
        let cap = (MAX_BATCH as u64).min(affordable).min(room) as usize;
        if cap == 0 {
            return Some(self.finish(Outcome::Budget));
        }
        self.select(cap);
        let w = &mut *self.w;
        w.xs.clear();
        let mut ok = true;
        for &id in &w.batch {
            let p = w.pieces.get(id);
            let (mid, _) = centre(p.lo, p.hi);
            ok &= self.gk.push_abscissae(p.lo, mid, &mut w.xs)
                && self.gk.push_abscissae(mid, p.hi, &mut w.xs);
        }
        if !ok {
            w.pieces.put_back(&w.batch);
            return Some(self.finish(Outcome::BadIntegrand));
        }
        None
    }

    /// The second half of a step: the integrand's values at the nodes
    /// [`Qags::prepare`] placed, either `given` (computed in a call shared
    /// with other integrals, checked and counted as if evaluated here) or
    /// evaluated here; then the bisections' bookkeeping and QAGS's tests.
    fn absorb(&mut self, given: Option<&[f64]>) -> Result<Option<Adaptive>> {
        let w = &mut *self.w;
        match given {
            Some(values) => self.ev.take(&w.xs, values)?,
            None => {
                w.fx.resize(w.xs.len(), 0.0);
                self.ev.eval(&w.xs, &mut w.fx)?;
            }
        }
        // Taken out for the bookkeeping, which borrows `self`; put back
        // after it.
        let batch = std::mem::take(&mut self.w.batch);
        let fx = std::mem::take(&mut self.w.fx);
        let first = std::mem::replace(&mut self.first, false);
        let stop = self.bisect_batch(&batch, given.unwrap_or(&fx), first);
        self.w.batch = batch;
        self.w.fx = fx;
        stop
    }

    /// The bookkeeping of one step: its `batch` of bisections with the
    /// children's values `fx`, and QAGS's tests after it.
    fn bisect_batch(
        &mut self,
        batch: &[usize],
        fx: &[f64],
        first: bool,
    ) -> Result<Option<Adaptive>> {
        let m = self.gk.evals_per_interval();
        let mut bad_point = false;
        for (i, &id) in batch.iter().enumerate() {
            let p = self.w.pieces.get(id);
            let (mid, _) = centre(p.lo, p.hi);
            let off = 2 * i * m;
            let e1 = self.gk.apply(p.lo, mid, &fx[off..off + m])?;
            let e2 = self.gk.apply(mid, p.hi, &fx[off + m..off + 2 * m])?;
            self.bisected(id, p, mid, e1, e2, first);
            let (a1, b2, a2) = (p.lo.abs(), p.hi.abs(), mid.abs());
            if a1.max(b2) <= (1.0 + 100.0 * f64::EPSILON) * (a2 + 1000.0 * f64::MIN_POSITIVE) {
                bad_point = true;
            }
        }
        self.errbnd = self.tol.bound(self.area.to_f64());
        if self.iroff1 + self.iroff2 >= 10 || self.iroff3 >= 20 {
            self.outcome = Some(Outcome::Roundoff);
        }
        if self.iroff2 >= 5 {
            self.ierro3 = true;
        }
        if bad_point {
            self.outcome = Some(Outcome::BadIntegrand);
        }
        if self.errsum.to_f64() <= self.errbnd {
            return Ok(Some(self.finish_sum(Outcome::Converged)));
        }
        if let Some(o) = self.outcome {
            return Ok(Some(self.finish(o)));
        }
        if first {
            self.erlarg = self.errsum;
            self.ertest = self.errbnd;
            self.table.push(self.area.to_f64());
            return Ok(None);
        }
        if self.noext {
            return Ok(None);
        }
        if !self.extrap {
            if self.w.pieces.worst_is_large() {
                return Ok(None);
            }
            self.extrap = true;
        }
        if !self.ierro3 && self.erlarg.to_f64() > self.ertest && self.w.pieces.has_large() {
            return Ok(None);
        }
        Ok(self.extrapolate())
    }

    /// QAGS's bookkeeping for one bisection of interval `id`.
    fn bisected(
        &mut self,
        id: usize,
        p: Piece,
        mid: f64,
        mut e1: Estimate,
        mut e2: Estimate,
        first: bool,
    ) {
        let area12 = e1.value + e2.value;
        let saturated = e1.resasc == e1.error || e2.resasc == e2.error;
        bisection_floor(p.value, &mut e1, &mut e2);
        let erro12 = e1.error + e2.error;
        self.errsum = self.errsum + Dd::from(erro12) - Dd::from(p.error);
        self.area = self.area + Dd::from(area12) - Dd::from(p.value);
        if !saturated {
            if (p.value - area12).abs() <= 1e-5 * area12.abs() && erro12 >= 0.99 * p.error {
                if self.extrap {
                    self.iroff2 += 1;
                } else {
                    self.iroff1 += 1;
                }
            }
            if self.w.pieces.len() + 1 > 10 && erro12 > p.error {
                self.iroff3 += 1;
            }
        }
        let depth = p.depth + 1;
        if !first && !self.noext {
            self.erlarg = self.erlarg - Dd::from(p.error);
            if self.w.pieces.is_large(depth) {
                self.erlarg = self.erlarg + Dd::from(erro12);
            }
        }
        let left = Piece {
            lo: p.lo,
            hi: mid,
            value: e1.value,
            error: e1.error,
            depth,
        };
        let right = Piece {
            lo: mid,
            hi: p.hi,
            value: e2.value,
            error: e2.error,
            depth,
        };
        self.w.pieces.place(id, left);
        self.w.pieces.place(self.w.pieces.len(), right);
    }

    /// Adds the current sum to the ε-table and starts the next level.
    fn extrapolate(&mut self) -> Option<Adaptive> {
        self.table.push(self.area.to_f64());
        let (reseps, abseps) = self.table.extrapolate();
        self.ktmin += 1;
        if self.ktmin > 5 && self.abserr < 1e-3 * self.errsum.to_f64() {
            self.outcome = Some(Outcome::ExtrapolationRoundoff);
        }
        if abseps < self.abserr {
            self.ktmin = 0;
            self.abserr = abseps;
            self.result = reseps;
            self.correc = self.erlarg.to_f64();
            self.ertest = self.tol.bound(reseps);
            if self.abserr <= self.ertest {
                return Some(self.finish(self.outcome.unwrap_or(Outcome::Converged)));
            }
        }
        if self.table.len() == 1 {
            self.noext = true;
            self.w.pieces.flatten();
        }
        if let Some(o) = self.outcome {
            return Some(self.finish(o));
        }
        self.extrap = false;
        self.w.pieces.next_level();
        self.erlarg = self.errsum;
        None
    }

    /// QAGS's choice between the extrapolated result and the plain sum.
    fn finish(&mut self, outcome: Outcome) -> Adaptive {
        if self.abserr == f64::MAX {
            return self.finish_sum(outcome);
        }
        let mut outcome = outcome;
        let area = self.area.to_f64();
        let errsum = self.errsum.to_f64();
        let mut abserr = self.abserr;
        if outcome != Outcome::Converged || self.ierro3 {
            if self.ierro3 {
                abserr += self.correc;
            }
            if outcome == Outcome::Converged {
                outcome = Outcome::Roundoff;
            }
            if self.result != 0.0 && area != 0.0 {
                if abserr / self.result.abs() > errsum / area.abs() {
                    return self.finish_sum(outcome);
                }
            } else if abserr > errsum {
                return self.finish_sum(outcome);
            } else if area == 0.0 {
                return self.extrapolated(abserr, outcome);
            }
        }
        // Divergence test (an exhausted budget is reported as such).
        if outcome != Outcome::Budget
            && !(self.ksgn_negative && self.result.abs().max(area.abs()) <= 0.01 * self.defabs)
        {
            let ratio = self.result / area;
            if !(0.01..=100.0).contains(&ratio) || errsum > area.abs() {
                outcome = Outcome::Divergent;
            }
        }
        self.extrapolated(abserr, outcome)
    }

    /// The extrapolated result. QELG's error estimate (the spread of its last
    /// three results) is trusted when the run converged or the table itself
    /// stopped improving; otherwise the bound is at least
    /// `errsum + |area − result|`, which holds whenever the plain sum's
    /// estimate does (QAGS can prefer an extrapolation that is worse than the
    /// sum, as for `sin(1/x)` on `(0, 1]` once its round-off tests fire).
    fn extrapolated(&self, abserr: f64, outcome: Outcome) -> Adaptive {
        let mut abs_error = abserr;
        if !matches!(outcome, Outcome::Converged | Outcome::ExtrapolationRoundoff) {
            let gap = (self.area.to_f64() - self.result).abs();
            abs_error = abs_error.max(self.errsum.to_f64() + gap);
        }
        self.done(self.result, abs_error, outcome)
    }

    /// The plain sum over all intervals, pairwise in order of left ends.
    fn finish_sum(&mut self, outcome: Outcome) -> Adaptive {
        let w = &mut *self.w;
        let (value, errsum) = w
            .pieces
            .sums_with(&mut w.order, &mut w.values, &mut w.errors);
        self.done(value, errsum, outcome)
    }

    fn done(&self, value: f64, abs_error: f64, outcome: Outcome) -> Adaptive {
        Adaptive {
            value,
            abs_error,
            evals: self.ev.evals(),
            subintervals: self.w.pieces.len() as u64,
            outcome,
        }
    }
}
