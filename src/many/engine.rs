//! The table engine: rows in jobs across the pool's threads, and the first
//! rule application of several rows evaluated in one integrand call, their
//! points side by side on the SIMD lanes.
//!
//! Invariant: a row's result is a function of that row alone. The shared
//! call changes only which call evaluates the integrand at a row's first
//! nodes, never the nodes, the values (a parametric integrand's value at
//! `(x, p)` does not depend on the other points of its call) or the
//! arithmetic after them: each row then runs the same [`Plan`] through the
//! same code as a call of its own ([`AdaptivePlan::integrate_given`]), with
//! the same checks of the values. A shared call that fails is not charged
//! to any row: its rows evaluate their own nodes again, each on its own, so
//! a failure lands on the row that caused it.

use std::cell::RefCell;

use super::Table;
use crate::api::conclude;
use crate::clock::Stopwatch;
use crate::error::{Error, EvalError, Result};
use crate::exec::evaluator::Evaluator;
use crate::exec::points::PointEvaluator;
use crate::integrand::param::Row;
use crate::integrand::Integrand;
use crate::options::Options;
use crate::result::Integral;
use crate::rules::adaptive::AdaptivePlan;
use crate::rules::qags::{Stepper, Workspace};
use crate::rules::small::MAX_POINTS;
use crate::rules::{self, Finished, Plan};
use crate::scratch::with_kept;

/// Rows whose first rule applications share one integrand call: 16 rows
/// of G10K21 are 336 points, enough for an expression to run its SIMD
/// chunks full and for a C callback's call overhead to vanish, few enough
/// that the buffers stay in L1.
pub const ROWS_PER_CALL: usize = 16;

/// The rows of one table call.
pub struct Rows<'a> {
    /// The integrand.
    pub f: Table<'a>,
    /// Lower bounds.
    pub a: &'a [f64],
    /// Upper bounds.
    pub b: &'a [f64],
    /// Options every row shares.
    pub opts: &'a Options,
    /// The context's thread count, for the result records.
    pub threads: u32,
}

/// A row whose first nodes are in the shared call.
struct Member {
    /// Index in the group.
    i: usize,
    plan: AdaptivePlan,
    /// Its nodes in the group's buffers.
    off: usize,
    len: usize,
}

/// One job's buffers, reused by its groups.
#[derive(Default)]
pub struct Scratch {
    xs: Vec<f64>,
    ps: Vec<f64>,
    fx: Vec<f64>,
    members: Vec<Member>,
    workspaces: Vec<Workspace>,
    /// Members still stepping, those stepping now, and their offsets.
    live: Vec<usize>,
    stepping: Vec<usize>,
    offsets: Vec<usize>,
}

thread_local! {
    /// The buffers a thread's jobs reuse, so that a table allocates nothing
    /// per job once each thread has run one.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's kept [`Scratch`] (a fresh one when it is in use).
pub fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    with_kept(&SCRATCH, f)
}

impl Rows<'_> {
    /// Integrates rows `first .. first + out.len()` into `out`, on the
    /// calling thread; returns the evaluations made.
    pub fn run(
        &self,
        ev: &Evaluator,
        first: usize,
        out: &mut [Option<Result<Integral>>],
        scratch: &mut Scratch,
    ) -> u64 {
        out.chunks_mut(ROWS_PER_CALL)
            .enumerate()
            .map(|(g, group)| self.group(ev, first + g * ROWS_PER_CALL, group, scratch))
            .sum()
    }

    /// One group of at most [`ROWS_PER_CALL`] rows starting at row `first`.
    fn group(
        &self,
        ev: &Evaluator,
        first: usize,
        out: &mut [Option<Result<Integral>>],
        s: &mut Scratch,
    ) -> u64 {
        let Scratch {
            xs,
            ps,
            fx,
            members,
            workspaces,
            live,
            stepping,
            offsets,
        } = s;
        xs.clear();
        ps.clear();
        members.clear();
        let mut evals = 0;
        let mut nodes = [0.0f64; MAX_POINTS];
        for (i, slot) in out.iter_mut().enumerate() {
            let k = first + i;
            let plan = match rules::plan(self.a[k], self.b[k], self.opts) {
                Ok(plan) => plan,
                Err(e) => {
                    *slot = Some(Err(e));
                    continue;
                }
            };
            if let Plan::Adaptive(p) = &plan {
                if let Some(len) = p.first_nodes(&mut nodes) {
                    let off = xs.len();
                    xs.extend_from_slice(&nodes[..len]);
                    repeat_row(ps, self.params(k), len);
                    members.push(Member {
                        i,
                        plan: p.clone(),
                        off,
                        len,
                    });
                    continue;
                }
            }
            *slot = Some(self.finish_row(ev, k, &plan, None, &mut evals));
        }
        if members.is_empty() {
            return evals;
        }
        fx.clear();
        fx.resize(xs.len(), 0.0);
        let shared = self.eval_points(xs, ps, fx).is_ok();
        // Gauss–Kronrod rows go on in lockstep: each step of every row that
        // has not ended is evaluated in one call again. Other rows (Auto's
        // tanh–sinh pass), and all rows when the shared call failed, go on
        // alone.
        let part = ev.part();
        let clock = Stopwatch::start();
        let fns: Vec<RowFn> = members
            .iter()
            .map(|m| RowFn {
                table: self.f,
                p: self.params(first + m.i),
            })
            .collect();
        let mut pes: Vec<PointEvaluator> = members
            .iter()
            .zip(&fns)
            .map(|(m, f)| m.plan.point_evaluator(&part, f))
            .collect();
        if workspaces.len() < members.len() {
            workspaces.resize_with(members.len(), Workspace::default);
        }
        // Runs still going, by member; each stays where it was built.
        let mut steppers: Vec<Option<Stepper>> = Vec::with_capacity(members.len());
        live.clear();
        for (m, (pe, w)) in members
            .iter()
            .zip(pes.iter_mut().zip(workspaces.iter_mut()))
        {
            let values = &fx[m.off..m.off + m.len];
            let mut stepper = None;
            if !(shared && m.plan.is_qags()) {
                let plan = Plan::Adaptive(m.plan.clone());
                let given = shared.then_some(values);
                out[m.i] = Some(self.finish_row(ev, first + m.i, &plan, given, &mut evals));
            } else {
                match m.plan.begin_given(pe, values) {
                    Ok(Ok(done)) => out[m.i] = Some(self.record(Ok(done), &clock, &mut evals)),
                    Ok(Err(root)) => {
                        live.push(steppers.len());
                        stepper = Some(m.plan.stepper(pe, w, root));
                    }
                    Err(e) => out[m.i] = Some(Err(e)),
                }
            }
            steppers.push(stepper);
        }
        while !live.is_empty() {
            xs.clear();
            ps.clear();
            offsets.clear();
            stepping.clear();
            for &j in live.iter() {
                let (m, slot) = (&members[j], &mut steppers[j]);
                let st = slot.as_mut().expect("a live run");
                match st.prepare() {
                    Some(done) => {
                        let r = m.plan.conclude(done);
                        out[m.i] = Some(self.record(r, &clock, &mut evals));
                        *slot = None;
                    }
                    None => {
                        offsets.push(xs.len());
                        xs.extend_from_slice(st.points());
                        repeat_row(ps, self.params(first + m.i), st.points().len());
                        stepping.push(j);
                    }
                }
            }
            live.clear();
            if stepping.is_empty() {
                break;
            }
            fx.clear();
            fx.resize(xs.len(), 0.0);
            let shared = self.eval_points(xs, ps, fx).is_ok();
            for (&j, &off) in stepping.iter().zip(offsets.iter()) {
                let (m, slot) = (&members[j], &mut steppers[j]);
                let st = slot.as_mut().expect("a live run");
                let len = st.points().len();
                match st.absorb(shared.then(|| &fx[off..off + len])) {
                    Ok(None) => {
                        live.push(j);
                        continue;
                    }
                    Ok(Some(done)) => {
                        let r = m.plan.conclude(done);
                        out[m.i] = Some(self.record(r, &clock, &mut evals));
                    }
                    Err(e) => out[m.i] = Some(Err(e)),
                }
                *slot = None;
            }
        }
        drop(steppers);
        for w in workspaces.iter_mut() {
            w.trim();
        }
        evals
    }

    /// The record of a row's finished run, and its evaluations added to
    /// `evals`.
    fn record(
        &self,
        finished: Result<Finished>,
        clock: &Stopwatch,
        evals: &mut u64,
    ) -> Result<Integral> {
        let result = finished.and_then(|done| conclude(done, self.threads, clock.seconds()));
        *evals += match &result {
            Ok(r) => r.evals,
            Err(Error::MaxEvals { partial, .. }) => partial.evals,
            Err(_) => 0,
        };
        result
    }

    /// Row `k`'s parameters (empty for a plain integrand).
    fn params(&self, k: usize) -> &[f64] {
        match self.f {
            Table::Plain(_) => &[],
            Table::Param { f, params } => {
                let np = f.nparams();
                &params[k * np..(k + 1) * np]
            }
        }
    }

    /// The integrand at points of several rows, `ps` holding each point's
    /// row.
    fn eval_points(&self, xs: &[f64], ps: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        match self.f {
            Table::Plain(f) => f.eval(xs, out),
            Table::Param { f, .. } => f.eval_points(xs, ps, out),
        }
    }

    /// Runs row `k`'s `plan` as a call of its own would, with `given` the
    /// values at its first nodes when the shared call computed them.
    fn finish_row(
        &self,
        ev: &Evaluator,
        k: usize,
        plan: &Plan,
        given: Option<&[f64]>,
        evals: &mut u64,
    ) -> Result<Integral> {
        let part = ev.part();
        let clock = Stopwatch::start();
        let row;
        let f: &dyn Integrand = match self.f {
            Table::Plain(f) => f,
            Table::Param { f, .. } => {
                row = Row::new(f, self.params(k));
                &row
            }
        };
        let finished = match plan {
            Plan::Adaptive(p) => p.integrate_given(&part, f, given),
            other => other.run(&part, f),
        };
        self.record(finished, &clock, evals)
    }
}

/// Appends `row` to `ps` `times` times: one parameter row per point.
fn repeat_row(ps: &mut Vec<f64>, row: &[f64], times: usize) {
    match row {
        [] => {}
        // One parameter (the common case): a fill, not a copy per point.
        [v] => ps.resize(ps.len() + times, *v),
        _ => {
            for _ in 0..times {
                ps.extend_from_slice(row);
            }
        }
    }
}

/// The integrand of one row, as a call of its own sees it: the plain
/// integrand, or the parametric one with the row's parameters (what
/// [`Row`] evaluates).
struct RowFn<'a> {
    table: Table<'a>,
    p: &'a [f64],
}

impl Integrand for RowFn<'_> {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        match self.table {
            Table::Plain(f) => f.eval(xs, out),
            Table::Param { f, .. } => f.eval_row(xs, self.p, out),
        }
    }
}
