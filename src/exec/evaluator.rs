//! The one evaluator every rule runs its work through.
//!
//! Invariant: what a call computes never depends on the evaluator's
//! decisions. A call's work is a list of independent jobs numbered `0..J`;
//! job `i` writes only `out[i]`, so the results are in job order whichever
//! thread ran which job, and whether the pool is used at all is a speed
//! decision only. The evaluator owns every such decision (when to enter the
//! pool, how finely to cut, the cost model) together with what a call
//! measures on the way: per-thread work in padded slots, the time spent in
//! parallel regions, cancellation and progress.
//!
//! # For rule families
//! A rule (1-D fixed or adaptive, cubature over batches of regions, Monte
//! Carlo over sample blocks, tables of many small integrals) makes one
//! [`Evaluator`] per call and, per step:
//! 1. lays the step out as `J` jobs whose split depends only on the problem;
//! 2. asks [`Evaluator::parallel_for`] (a predicted cost) or
//!    [`Evaluator::parallel_for_points`] (a point count) whether the step
//!    pays for the pool;
//! 3. calls [`Evaluator::run_jobs`], then combines `out` in a fixed order
//!    (see [`crate::reduce`]).
//!
//! Long iterative rules move into the pool once, with [`Evaluator::run_in_pool`]
//! or [`Evaluator::step_loop`], rather than once per step.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

use rayon::prelude::*;

use super::progress::Progress;
use super::slots::Slots;
use crate::clock::Stopwatch;
use crate::context::Context;
use crate::error::{EvalError, Result};
use crate::result::CallStats;

/// A step predicted to take less than this runs on the calling thread:
/// waking the pool costs on the order of 10 µs.
pub const SERIAL_NS: f64 = 40_000.0;
/// Below this many points a cheap integrand (a polynomial) runs on the
/// calling thread: waking the pool costs 10–20 µs, the time to evaluate about
/// half a million polynomial points on one core.
pub const SERIAL_POINTS_CHEAP: u64 = 1 << 19;
/// Below this many points any other integrand runs on the calling thread.
pub const SERIAL_POINTS: u64 = 4096;

/// The share of a call's progress one batch of jobs covers: when job `k`
/// of `J` finishes, the call has done `base + span·k/J`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span {
    /// Fraction done before the batch.
    pub base: f64,
    /// Fraction the whole batch adds.
    pub span: f64,
}

impl Span {
    /// The batch is the whole call.
    pub const WHOLE: Span = Span {
        base: 0.0,
        span: 1.0,
    };
}

/// Runs one call's jobs on a context and records what the threads did.
///
/// Making one costs no allocation, no lock and one clock read (none for
/// [`Evaluator::unobserved`]): a 21-point integral pays for nothing it does
/// not use. The per-thread slots beyond the calling thread's are allocated
/// when a pool thread first records; the progress clock starts only when
/// the context has a callback.
#[derive(Debug)]
pub struct Evaluator<'c> {
    ctx: &'c Context,
    /// Cancellation epoch read when the call started: a cancel issued
    /// later stops it, one issued earlier does not.
    epoch: u64,
    slots: Slots,
    progress: Progress,
    /// `Some` when the caller reads [`Evaluator::stats`].
    start: Option<Stopwatch>,
    parallel_ns: AtomicU64,
}

impl<'c> Evaluator<'c> {
    /// The evaluator of a call starting now on `ctx`, recording per-thread
    /// work and wall time for [`Evaluator::stats`].
    pub fn new(ctx: &'c Context) -> Evaluator<'c> {
        Evaluator {
            start: Some(Stopwatch::start()),
            ..Evaluator::unobserved(ctx)
        }
    }

    /// The evaluator of a call whose [`Evaluator::stats`] nobody reads:
    /// serial steps are neither timed nor recorded (unless the pool's cost
    /// model needs their time), and `stats` reports nothing. Results,
    /// cancellation and progress are those of [`Evaluator::new`].
    pub fn unobserved(ctx: &'c Context) -> Evaluator<'c> {
        Evaluator {
            ctx,
            epoch: ctx.epoch(),
            slots: Slots::new(ctx.threads()),
            progress: Progress::new(ctx),
            start: None,
            parallel_ns: AtomicU64::new(0),
        }
    }

    /// The evaluator of one integral inside this call (a row of a table):
    /// the same context and cancellation epoch, so a cancel issued during
    /// the call stops it; no progress of its own (the call reports for its
    /// parts), and unobserved.
    pub fn part(&self) -> Evaluator<'c> {
        Evaluator {
            ctx: self.ctx,
            epoch: self.epoch,
            slots: Slots::new(1),
            progress: Progress::silent(),
            start: None,
            parallel_ns: AtomicU64::new(0),
        }
    }

    /// Whether the time of a step run on the calling thread is worth a
    /// clock read: for the stats, or for the cost model that decides when
    /// a later step moves to the pool (never on one thread).
    #[inline]
    pub fn times_serial_steps(&self) -> bool {
        self.start.is_some() || self.threads() > 1
    }

    /// The context's thread count.
    pub fn threads(&self) -> usize {
        self.ctx.threads()
    }

    /// True once [`Context::cancel`] was called after the call started.
    #[inline]
    pub fn cancelled(&self) -> bool {
        self.ctx.cancelled_since(self.epoch)
    }

    /// Whether a step predicted to take `ns` nanoseconds of serial work
    /// should run on the pool.
    pub fn parallel_for(&self, ns: f64) -> bool {
        self.threads() > 1 && ns >= SERIAL_NS
    }

    /// Whether `jobs` jobs evaluating `points` points in total should run
    /// on the pool: `cheap` integrands (see
    /// [`crate::Integrand::is_cheap`]) need more points to pay for waking
    /// it; `splittable` says a single job can itself use several threads.
    pub fn parallel_for_points(
        &self,
        points: u64,
        cheap: bool,
        jobs: usize,
        splittable: bool,
    ) -> bool {
        let threshold = if cheap {
            SERIAL_POINTS_CHEAP
        } else {
            SERIAL_POINTS
        };
        self.threads() > 1 && points > threshold && (jobs > 1 || splittable)
    }

    /// True when this thread is not one of the pool's workers, so that
    /// work meant for the pool must be handed over.
    pub fn outside_pool(&self) -> bool {
        self.ctx
            .pool()
            .is_some_and(|p| p.current_thread_index().is_none())
    }

    /// Runs `op` inside the pool when `enter` and the calling thread is not
    /// already a worker, else right here. Moving a long rule in once, before
    /// its first parallel step, replaces a hand-off and a wake-up per step
    /// (tens of microseconds each) by one.
    pub fn run_in_pool<R: Send>(&self, enter: bool, op: impl FnOnce() -> R + Send) -> R {
        if enter && self.outside_pool() {
            self.ctx.install(op)
        } else {
            op()
        }
    }

    /// Drives an iterative rule: calls `step(state)` until it returns a
    /// result, moving the rest of the loop into the pool (once) as soon as
    /// `wants_pool(state)` says the next step would run in parallel.
    ///
    /// # Errors
    /// The first error of `step`.
    pub fn step_loop<S: Send, R: Send>(
        &self,
        mut state: S,
        wants_pool: impl Fn(&S) -> bool,
        mut step: impl FnMut(&mut S) -> Result<Option<R>> + Send,
    ) -> Result<R> {
        loop {
            if wants_pool(&state) && self.outside_pool() {
                return self.ctx.install(move || loop {
                    if let Some(r) = step(&mut state)? {
                        return Ok(r);
                    }
                });
            }
            if let Some(r) = step(&mut state)? {
                return Ok(r);
            }
        }
    }

    /// Runs jobs `0..out.len()`: `job(i, &mut out[i])` computes job `i`
    /// into its own slot and returns the integrand evaluations it made. With
    /// `parallel` the jobs run on the pool in any order, else in order on
    /// this thread; `out` is the same either way. Each job's evaluations,
    /// time and count land in the slot of the thread that ran it, and the
    /// call's progress advances through `span` as jobs finish.
    ///
    /// # Errors
    /// The error of the lowest-numbered failing job, whatever the thread
    /// count (later jobs may be skipped; `out` is then partly written), or
    /// [`EvalError::Cancelled`] when the call was cancelled before a job
    /// started.
    pub fn run_jobs<T: Send>(
        &self,
        out: &mut [T],
        parallel: bool,
        span: Span,
        job: impl Fn(usize, &mut T) -> std::result::Result<u64, EvalError> + Sync,
    ) -> std::result::Result<(), EvalError> {
        self.run_chunks(out, 1, parallel, span, |i, o| job(i, &mut o[0]))
    }

    /// [`Evaluator::run_jobs`] where job `i` owns the chunk
    /// `out[i·chunk .. min((i + 1)·chunk, len)]`: the jobs of an array cut
    /// into pieces, without a list of the pieces.
    ///
    /// # Errors
    /// As [`Evaluator::run_jobs`].
    ///
    /// # Panics
    /// When `chunk` is 0.
    pub fn run_chunks<T: Send>(
        &self,
        out: &mut [T],
        chunk: usize,
        parallel: bool,
        span: Span,
        job: impl Fn(usize, &mut [T]) -> std::result::Result<u64, EvalError> + Sync,
    ) -> std::result::Result<(), EvalError> {
        let total = out.len().div_ceil(chunk);
        let done = AtomicU64::new(0);
        // Lowest failing job so far; jobs above it are skipped.
        let first_failure = AtomicU64::new(u64::MAX);
        let failure: Mutex<Option<(usize, EvalError)>> = Mutex::new(None);
        let fail = |i: usize, e: EvalError| {
            let mut f = failure.lock().unwrap_or_else(|p| p.into_inner());
            if f.as_ref().is_none_or(|(k, _)| i < *k) {
                *f = Some((i, e));
                first_failure.fetch_min(i as u64, Relaxed);
            }
        };
        let progress = |k: u64| {
            self.progress
                .report(span.base + span.span * k as f64 / total as f64)
        };
        match self.ctx.pool().filter(|_| parallel) {
            Some(pool) => {
                let run_one = |i: usize, slot: &mut [T]| {
                    if i as u64 > first_failure.load(Relaxed) {
                        return;
                    }
                    let t0 = Stopwatch::start();
                    let outcome = if self.cancelled() {
                        Err(EvalError::Cancelled)
                    } else {
                        job(i, slot)
                    };
                    match outcome {
                        Ok(evals) => {
                            let thread = rayon::current_thread_index().unwrap_or(0);
                            self.slots.record(thread, evals, t0.nanos(), 1);
                            if self.progress.active() {
                                progress(done.fetch_add(1, Relaxed) + 1);
                            }
                        }
                        Err(e) => fail(i, e),
                    }
                };
                let t0 = Stopwatch::start();
                pool.install(|| {
                    out.par_chunks_mut(chunk)
                        .enumerate()
                        .for_each(|(i, slot)| run_one(i, slot))
                });
                self.parallel_ns.fetch_add(t0.nanos(), Relaxed);
            }
            None => {
                // In order on this thread: at most one clock read for the
                // batch, so small steps (a 21-point rule is three jobs) stay
                // cheap.
                let t0 = self.start.map(|_| Stopwatch::start());
                let (mut evals, mut jobs) = (0, 0);
                for (i, slot) in out.chunks_mut(chunk).enumerate() {
                    let outcome = if self.cancelled() {
                        Err(EvalError::Cancelled)
                    } else {
                        job(i, slot)
                    };
                    match outcome {
                        Ok(e) => {
                            evals += e;
                            jobs += 1;
                            if self.progress.active() {
                                progress(jobs);
                            }
                        }
                        Err(e) => {
                            fail(i, e);
                            break;
                        }
                    }
                }
                if let Some(t0) = t0 {
                    let thread = rayon::current_thread_index().unwrap_or(0);
                    self.slots.record(thread, evals, t0.nanos(), jobs);
                }
            }
        }
        match failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }

    /// Records one job of `evals` evaluations and `ns` nanoseconds that ran
    /// on the calling thread outside [`Evaluator::run_jobs`] (a rule's
    /// small first step); nothing for an unobserved evaluator.
    pub fn record_here(&self, evals: u64, ns: u64) {
        if self.start.is_some() {
            let thread = rayon::current_thread_index().unwrap_or(0);
            self.slots.record(thread, evals, ns, 1);
        }
    }

    /// Ends a successful call: reports progress 1.0.
    pub fn finish(&self) {
        self.progress.finish();
    }

    /// What the call's threads did so far, and its wall time so far (all
    /// zero for an [`Evaluator::unobserved`] one).
    pub fn stats(&self) -> CallStats {
        CallStats {
            per_thread: self.slots.stats(),
            wall_ns: self.start.map_or(0, |s| s.nanos()),
            parallel_ns: self.parallel_ns.load(Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_land_in_job_order_for_any_thread_count() {
        for threads in [1, 2, 3, 8] {
            let ctx = Context::new(threads).unwrap();
            let ev = Evaluator::new(&ctx);
            let mut out = vec![0u64; 1000];
            ev.run_jobs(&mut out, true, Span::WHOLE, |i, o| {
                *o = (i as u64) * 3;
                Ok(2)
            })
            .unwrap();
            assert!(out.iter().enumerate().all(|(i, &v)| v == 3 * i as u64));
            let stats = ev.stats();
            assert_eq!(stats.per_thread.len(), threads);
            assert_eq!(stats.per_thread.iter().map(|t| t.evals).sum::<u64>(), 2000);
            assert_eq!(stats.per_thread.iter().map(|t| t.jobs).sum::<u64>(), 1000);
        }
    }

    #[test]
    fn lowest_failing_job_is_reported_for_any_thread_count() {
        for threads in [1, 2, 3] {
            let ctx = Context::new(threads).unwrap();
            let ev = Evaluator::new(&ctx);
            let mut out = vec![0.0f64; 500];
            let r = ev.run_jobs(&mut out, true, Span::WHOLE, |i, _| {
                if i % 97 == 13 {
                    Err(EvalError::NonFinite { x: i as f64 })
                } else {
                    Ok(1)
                }
            });
            assert_eq!(r, Err(EvalError::NonFinite { x: 13.0 }));
        }
    }

    #[test]
    fn a_cancel_before_the_jobs_stops_them_but_not_a_later_call() {
        let ctx = Context::new(2).unwrap();
        let ev = Evaluator::new(&ctx);
        ctx.cancel();
        let mut out = vec![0u8; 10];
        assert_eq!(
            ev.run_jobs(&mut out, true, Span::WHOLE, |_, _| Ok(1)),
            Err(EvalError::Cancelled)
        );
        let later = Evaluator::new(&ctx);
        assert_eq!(
            later.run_jobs(&mut out, true, Span::WHOLE, |_, _| Ok(1)),
            Ok(())
        );
    }
}
