//! Parallel evaluation of strided sums, the engine of the fixed rules.
//!
//! A fixed rule is a weighted combination of *streams*: stream `s` is the sum
//! `Σ_{i < count} f(a + (i + offset)·h)` with `h = (b − a)/n`. Each stream is
//! planned into blocks and tasks ([`StreamPlan`]); all tasks of all streams
//! form one flat list that the context's pool runs in any order. Each task
//! writes only its own sum; block sums inside a task and task sums inside a
//! stream are combined by the fixed pairwise tree, so the bits of every
//! stream sum are independent of the thread count and of scheduling.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use super::blocks::StreamPlan;
use super::reduce::{pairwise, pairwise_range};
use super::slots::Slots;
use crate::context::Context;
use crate::error::EvalError;
use crate::integrand::{find_nonfinite, Integrand};

/// Below this many points a cheap integrand (a polynomial) runs on the
/// calling thread: waking the pool costs 10–20 µs, the time to evaluate about
/// half a million polynomial points on one core.
pub const SERIAL_POINTS_CHEAP: u64 = 1 << 19;
/// Below this many points any other integrand runs on the calling thread.
pub const SERIAL_POINTS: u64 = 4096;

/// One stream of equally spaced points: `a + (i + offset)·h`, `i < count`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stream {
    /// Offset of the first point, in units of `h`.
    pub offset: f64,
    /// Number of points.
    pub count: u64,
}

/// Outcome of [`run_streams`].
#[derive(Debug)]
pub struct StreamSums {
    /// One sum per stream, in the order given.
    pub sums: Vec<f64>,
    /// Per-thread work records.
    pub slots: Slots,
    /// Whether the pool was used (false: the calling thread did everything).
    pub parallel: bool,
}

struct Job<'a> {
    ctx: &'a Context,
    /// Cancellation epoch read when the call started.
    epoch: u64,
    f: &'a dyn Integrand,
    a: f64,
    width: f64,
    n: f64,
    h: f64,
    streams: &'a [Stream],
    plans: Vec<StreamPlan>,
    /// First global task index of each stream, plus the total at the end.
    first_task: Vec<u64>,
}

impl Job<'_> {
    fn locate(&self, g: u64) -> (usize, u64) {
        let s = self.first_task.partition_point(|&t| t <= g) - 1;
        (s, g - self.first_task[s])
    }

    fn run_task(&self, g: u64) -> Result<(f64, u64), EvalError> {
        let (s, k) = self.locate(g);
        let plan = &self.plans[s];
        let offset = self.streams[s].offset;
        let (lo, hi) = plan.task_blocks(k);
        let sum = pairwise_range(lo, hi, &mut |blk| {
            if self.ctx.cancelled_since(self.epoch) {
                return Err(EvalError::Cancelled);
            }
            let (i0, len) = plan.block_points(blk);
            // The block's first point, from its index relative to the whole
            // interval: no error accumulates from block to block.
            let start = self.width.mul_add((i0 as f64 + offset) / self.n, self.a);
            let v = self.f.sum_strided(start, self.h, len)?;
            if v.is_finite() {
                Ok(v)
            } else {
                let x = find_nonfinite(self.f, start, self.h, len)?;
                Err(EvalError::NonFinite {
                    x: x.unwrap_or(f64::NAN),
                })
            }
        })?;
        Ok((sum, plan.task_points(k)))
    }
}

/// Computes every stream's sum over `[a, b]` cut into `n` panels, on the
/// context's pool when the problem is large enough.
///
/// On failure, the error of the lowest-numbered failing task is returned, so
/// the reported error does not depend on the thread count either.
pub fn run_streams(
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    n: u64,
    streams: &[Stream],
) -> Result<StreamSums, EvalError> {
    let plans: Vec<StreamPlan> = streams.iter().map(|s| StreamPlan::new(s.count)).collect();
    let mut first_task = Vec::with_capacity(plans.len() + 1);
    let mut total_tasks = 0u64;
    for p in &plans {
        first_task.push(total_tasks);
        total_tasks += if p.count == 0 { 0 } else { p.tasks };
    }
    first_task.push(total_tasks);
    let job = Job {
        ctx,
        epoch: ctx.epoch(),
        f,
        a,
        width: b - a,
        n: n as f64,
        h: (b - a) / n as f64,
        streams,
        plans,
        first_task,
    };
    let points: u64 = streams.iter().map(|s| s.count).sum();
    let threshold = if f.is_cheap() {
        SERIAL_POINTS_CHEAP
    } else {
        SERIAL_POINTS
    };
    let parallel = ctx.threads() > 1 && points > threshold && total_tasks > 1;
    let slots = Slots::new(ctx.threads());
    let mut task_sums = vec![0.0f64; total_tasks as usize];
    // Lowest failing task index so far; tasks above it are skipped.
    let first_failure = AtomicU64::new(u64::MAX);
    let failure: Mutex<Option<(u64, EvalError)>> = Mutex::new(None);

    let run_one = |g: u64, out: &mut f64| {
        if g > first_failure.load(Relaxed) {
            return;
        }
        let t0 = Instant::now();
        let thread = rayon::current_thread_index().unwrap_or(0);
        match job.run_task(g) {
            Ok((v, evals)) => {
                *out = v;
                slots.record(thread, evals, t0.elapsed().as_nanos() as u64);
            }
            Err(e) => {
                let mut slot = failure.lock().unwrap_or_else(|p| p.into_inner());
                if slot.as_ref().is_none_or(|(k, _)| g < *k) {
                    *slot = Some((g, e));
                    first_failure.fetch_min(g, Relaxed);
                }
            }
        }
    };
    match ctx.pool().filter(|_| parallel) {
        Some(pool) => pool.install(|| {
            task_sums
                .par_iter_mut()
                .enumerate()
                .for_each(|(g, out)| run_one(g as u64, out))
        }),
        None => {
            for (g, out) in task_sums.iter_mut().enumerate() {
                run_one(g as u64, out);
                if first_failure.load(Relaxed) != u64::MAX {
                    break;
                }
            }
        }
    }
    if let Some((_, e)) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    let sums = (0..streams.len())
        .map(|s| {
            let range = job.first_task[s] as usize..job.first_task[s + 1] as usize;
            pairwise(&task_sums[range])
        })
        .collect();
    Ok(StreamSums {
        sums,
        slots,
        parallel,
    })
}
