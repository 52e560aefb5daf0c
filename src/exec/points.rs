//! Evaluation of one adaptive step's points, as jobs of the [`Evaluator`].
//!
//! An adaptive step gathers every abscissa it needs (all children of a batch
//! of intervals, or all new nodes of a tanh–sinh level) into one flat array.
//! The array is cut into chunks whose length depends only on the number of
//! points, each chunk is one [`Integrand::eval`] call, and each value lands
//! in its own slot. Neither the calls the integrand sees nor the values
//! depend on the thread count or on scheduling; whether the pool is used at
//! all is a speed decision only (it is made from the measured cost of
//! earlier points).

use super::evaluator::{Evaluator, Span};
use crate::clock::Stopwatch;
use crate::error::EvalError;
use crate::integrand::{eval_checked, first_non_finite, Integrand, CHUNK};

/// Chunks a step aims for: up to 16 threads each get 16, so the wait at the
/// end of a step (for the last chunk in flight) is a small part of it. On
/// two threads and the 1.6 µs integrand of `benches/adaptive.rs`, 256
/// chunks took 3% less wall time than 64 (minimum of 150 interleaved runs:
/// 3.22 against 3.33 ms).
const TARGET_CHUNKS: usize = 256;
/// Smallest chunk: one AVX-512 lane vector. Small steps (a few intervals)
/// then still split evenly across two or three threads.
const MIN_CHUNK: usize = 8;

/// Points per [`Integrand::eval`] call for a step of `len` points.
pub fn chunk_len(len: usize) -> usize {
    len.div_ceil(TARGET_CHUNKS).clamp(MIN_CHUNK, CHUNK)
}

/// Evaluates the integrand of one adaptive integration and keeps the
/// running cost per point that decides between the pool and the calling
/// thread.
pub struct PointEvaluator<'a> {
    ev: &'a Evaluator<'a>,
    f: &'a dyn Integrand,
    /// Evaluations allowed; progress is evaluations spent over this.
    budget: u64,
    /// Measured nanoseconds per point (`None` before the first step).
    ns_per_point: Option<f64>,
    /// Points evaluated so far.
    evals: u64,
    /// Points of the last step.
    last_len: usize,
}

impl<'a> PointEvaluator<'a> {
    /// An evaluator of `f` running its steps through `ev`, with `budget`
    /// evaluations allowed.
    pub fn new(ev: &'a Evaluator<'a>, f: &'a dyn Integrand, budget: u64) -> PointEvaluator<'a> {
        PointEvaluator {
            ev,
            f,
            budget: budget.max(1),
            ns_per_point: None,
            evals: 0,
            last_len: 0,
        }
    }

    /// Takes `ns` nanoseconds per point as the integrand's measured cost,
    /// for values evaluated elsewhere and handed over with
    /// [`PointEvaluator::take`].
    pub fn assume_ns_per_point(&mut self, ns: f64) {
        self.ns_per_point = Some(ns);
    }

    /// Integrand evaluations made so far.
    pub fn evals(&self) -> u64 {
        self.evals
    }

    /// The call's evaluator.
    pub fn engine(&self) -> &'a Evaluator<'a> {
        self.ev
    }

    /// True when the rest of the integration should move into the pool:
    /// the next step, predicted at twice the points of the last (batches
    /// grow about that fast), would run in parallel. The steps that stay
    /// small then run serially on the worker.
    pub fn should_enter_pool(&self) -> bool {
        self.ns_per_point
            .is_some_and(|ns| self.ev.parallel_for(ns * (2 * self.last_len) as f64))
    }

    /// Runs the rest of an integration, `op`, inside the context's pool when
    /// [`PointEvaluator::should_enter_pool`] says so, else right here.
    pub fn run<R: Send>(&mut self, op: impl FnOnce(&mut Self) -> R + Send) -> R {
        let (ev, enter) = (self.ev, self.should_enter_pool());
        ev.run_in_pool(enter, move || op(self))
    }

    /// [`PointEvaluator::eval`] for one rule application (at most
    /// [`CHUNK`] points): one integrand call on the calling thread, timed
    /// only when the stats or the cost model (a context with a pool) read
    /// the time.
    ///
    /// # Errors
    /// As [`PointEvaluator::eval`].
    pub fn eval_small(&mut self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        debug_assert!(xs.len() <= CHUNK && xs.len() == out.len());
        if self.ev.cancelled() {
            return Err(EvalError::Cancelled);
        }
        let t0 = self.ev.times_serial_steps().then(Stopwatch::start);
        let res = eval_checked(self.f, xs, out);
        if let Some(t0) = t0 {
            let ns = t0.nanos();
            if res.is_ok() {
                self.ev.record_here(xs.len() as u64, ns);
            }
            self.ns_per_point = Some(ns as f64 / xs.len().max(1) as f64);
        }
        self.evals += xs.len() as u64;
        self.last_len = xs.len();
        res
    }

    /// Takes `values` of the integrand at `xs` that were computed
    /// elsewhere, in a call shared with other integrals (a table's rows):
    /// counts them and checks them as [`PointEvaluator::eval`] does after
    /// evaluating.
    ///
    /// # Errors
    /// [`EvalError::Cancelled`] once [`crate::Context::cancel`] was called,
    /// else [`EvalError::NonFinite`] with the first abscissa whose value is
    /// NaN or infinite.
    pub fn take(&mut self, xs: &[f64], values: &[f64]) -> Result<(), EvalError> {
        debug_assert_eq!(xs.len(), values.len());
        if self.ev.cancelled() {
            return Err(EvalError::Cancelled);
        }
        self.evals += xs.len() as u64;
        self.last_len = xs.len();
        match first_non_finite(values) {
            Some(i) => Err(EvalError::NonFinite { x: xs[i] }),
            None => Ok(()),
        }
    }

    /// Sets `out[i] = f(xs[i])` for every point.
    ///
    /// # Errors
    /// The first failure in point order: [`EvalError::NonFinite`] with the
    /// first abscissa whose value is NaN or infinite, or the callback's
    /// error, so the error reported is the same for any thread count; or
    /// [`EvalError::Cancelled`] once [`crate::Context::cancel`] was called
    /// (checked before every chunk).
    pub fn eval(&mut self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        debug_assert_eq!(xs.len(), out.len());
        let c = chunk_len(xs.len());
        let parallel = self
            .ns_per_point
            .is_some_and(|ns| self.ev.parallel_for(ns * xs.len() as f64));
        let span = Span {
            base: self.evals as f64 / self.budget as f64,
            span: xs.len() as f64 / self.budget as f64,
        };
        let f = self.f;
        let t0 = (self.ev.threads() > 1).then(Stopwatch::start);
        let result = self.ev.run_chunks(out, c, parallel, span, |i, o| {
            let x = &xs[i * c..i * c + o.len()];
            eval_checked(f, x, o)?;
            Ok(x.len() as u64)
        });
        if let (Some(t0), false) = (t0, xs.is_empty()) {
            let spent = t0.nanos() as f64;
            // Serial cost per point: a parallel step's wall time times the
            // threads it ran on approximates it from above.
            let scale = if parallel {
                self.ev.threads() as f64
            } else {
                1.0
            };
            self.ns_per_point = Some(spent * scale / xs.len() as f64);
        }
        self.evals += xs.len() as u64;
        self.last_len = xs.len();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_length_depends_only_on_the_point_count() {
        assert_eq!(chunk_len(21), MIN_CHUNK);
        assert_eq!(chunk_len(TARGET_CHUNKS * 100), 100);
        assert_eq!(chunk_len(1 << 30), CHUNK);
    }

    #[test]
    fn first_nonfinite_in_point_order_is_reported_for_any_thread_count() {
        let f = |x: f64| {
            if x > 500.0 {
                f64::NAN
            } else {
                1.0 / (x - 700.0)
            }
        };
        let xs: Vec<f64> = (0..10_000).rev().map(f64::from).collect();
        for threads in [1, 2, 3] {
            let ctx = crate::Context::new(threads).unwrap();
            let engine = Evaluator::new(&ctx);
            let mut ev = PointEvaluator::new(&engine, &f, u64::MAX);
            ev.ns_per_point = Some(1e6);
            let mut out = vec![0.0; xs.len()];
            assert_eq!(
                ev.eval(&xs, &mut out),
                Err(EvalError::NonFinite { x: 9999.0 })
            );
            assert_eq!(ev.evals(), 10_000);
        }
    }
}
