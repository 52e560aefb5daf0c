//! Parallel evaluation of strided sums, the engine of the fixed rules.
//!
//! A fixed rule is a weighted combination of *streams*: stream `s` is the sum
//! `Σ_{i < count} f(a + (i + offset)·h)` with `h = (b − a)/n`. Each stream is
//! planned into blocks and tasks ([`StreamPlan`]); all tasks of all streams
//! form one flat, numbered list ([`StreamTasks`]). [`run_tasks`] runs any
//! range of such a list on the context's pool in any order; each task writes
//! only its own sum. Block sums inside a task and task sums inside a stream
//! are combined by the fixed pairwise tree, so the bits of every stream sum
//! are independent of the thread count, of scheduling, and of which process
//! computed which task (see [`crate::exec::partition`]).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

use rayon::prelude::*;

use super::blocks::StreamPlan;
use super::reduce::{pairwise, pairwise_range, with_sums};
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

/// The tasks of several streams over `[a, b]` cut into `n` panels, numbered
/// globally: stream 0's tasks first, then stream 1's, and so on. The layout
/// depends only on the problem, never on the thread or process count.
#[derive(Debug, Clone)]
pub struct StreamTasks {
    a: f64,
    width: f64,
    n: f64,
    h: f64,
    streams: Vec<Stream>,
    plans: Vec<StreamPlan>,
    /// First global task index of each stream, plus the total at the end.
    first_task: Vec<u64>,
}

impl StreamTasks {
    /// Lays out `streams` over `[a, b]` cut into `n ≥ 1` panels.
    pub fn new(a: f64, b: f64, n: u64, streams: &[Stream]) -> StreamTasks {
        let plans: Vec<StreamPlan> = streams.iter().map(|s| StreamPlan::new(s.count)).collect();
        let mut first_task = Vec::with_capacity(plans.len() + 1);
        let mut total_tasks = 0u64;
        for p in &plans {
            first_task.push(total_tasks);
            total_tasks += if p.count == 0 { 0 } else { p.tasks };
        }
        first_task.push(total_tasks);
        StreamTasks {
            a,
            width: b - a,
            n: n as f64,
            h: (b - a) / n as f64,
            streams: streams.to_vec(),
            plans,
            first_task,
        }
    }

    /// Number of tasks over all streams.
    pub fn len(&self) -> u64 {
        self.first_task[self.streams.len()]
    }

    /// True when no stream has a point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stream of global task `g` and the task's index inside it.
    fn locate(&self, g: u64) -> (usize, u64) {
        let s = self.first_task.partition_point(|&t| t <= g) - 1;
        (s, g - self.first_task[s])
    }

    /// Points evaluated by global task `g < len()`.
    pub fn task_points(&self, g: u64) -> u64 {
        let (s, k) = self.locate(g);
        self.plans[s].task_points(k)
    }

    /// The sum of global task `g < len()`: its blocks, each summed by the
    /// integrand's strided kernel (or, for an integrand with chunk sums, by
    /// the pairwise tree over them: see [`Integrand::strided_chunk`]),
    /// combined by the pairwise tree. With `split`, the chunks of a block
    /// are spread over the current rayon pool; the bits are the same either
    /// way. Before each block (and each split piece), `cancelled()` is asked
    /// whether to stop with [`EvalError::Cancelled`] (see
    /// [`Context::cancel`]).
    pub fn task_sum(
        &self,
        f: &dyn Integrand,
        g: u64,
        cancelled: &(dyn Fn() -> bool + Sync),
        split: bool,
    ) -> Result<f64, EvalError> {
        let (s, k) = self.locate(g);
        let plan = &self.plans[s];
        let offset = self.streams[s].offset;
        let (lo, hi) = plan.task_blocks(k);
        pairwise_range(lo, hi, &mut |blk| {
            if cancelled() {
                return Err(EvalError::Cancelled);
            }
            let (i0, len) = plan.block_points(blk);
            // The block's first point, from its index relative to the whole
            // interval: no error accumulates from block to block.
            let start = self.width.mul_add((i0 as f64 + offset) / self.n, self.a);
            let v = match f.strided_chunk() {
                Some(p) => chunked_sum(f, start, self.h, len, p, split, cancelled)?,
                None => f.sum_strided(start, self.h, len)?,
            };
            if v.is_finite() {
                Ok(v)
            } else {
                let x = find_nonfinite(f, start, self.h, len)?;
                Err(EvalError::NonFinite {
                    x: x.unwrap_or(f64::NAN),
                })
            }
        })
    }

    /// Each stream's sum from the sums of all `len()` tasks: the pairwise
    /// tree over the stream's task sums, in task order.
    pub fn stream_sums(&self, task_sums: &[f64]) -> Vec<f64> {
        debug_assert_eq!(task_sums.len() as u64, self.len());
        self.first_task
            .windows(2)
            .map(|w| pairwise(&task_sums[w[0] as usize..w[1] as usize]))
            .collect()
    }
}

/// Points in one piece of a block split across threads: enough to make a
/// piece's hand-off (about a microsecond) negligible for any integrand that
/// is not cheap.
const SPLIT_POINTS: usize = 1024;

/// The pairwise tree over the `p`-point chunk sums of the stream
/// `f(start + j·step)`, `j < count`; with `split`, pieces of at least
/// [`SPLIT_POINTS`] run in parallel on the current pool. On failure, the
/// error of the lowest failing piece.
fn chunked_sum(
    f: &dyn Integrand,
    start: f64,
    step: f64,
    count: usize,
    p: usize,
    split: bool,
    cancelled: &(dyn Fn() -> bool + Sync),
) -> Result<f64, EvalError> {
    let per = SPLIT_POINTS.div_ceil(p).max(1);
    with_sums(count.div_ceil(p), |sums| {
        if split && sums.len() > per {
            let results: Vec<Result<(), EvalError>> = sums
                .par_chunks_mut(per)
                .enumerate()
                .map(|(i, piece)| {
                    if cancelled() {
                        return Err(EvalError::Cancelled);
                    }
                    f.strided_chunk_sums(start, step, count, i * per, piece)
                })
                .collect();
            if let Some(e) = results.into_iter().find_map(Result::err) {
                return Err(e);
            }
        } else {
            f.strided_chunk_sums(start, step, count, 0, sums)?;
        }
        Ok(pairwise(sums))
    })
}

/// What [`run_tasks`] did besides writing the task sums.
#[derive(Debug)]
pub struct TaskRun {
    /// Per-thread work records.
    pub slots: Slots,
    /// Whether the pool was used (false: the calling thread did everything).
    pub parallel: bool,
}

/// Runs tasks `first .. first + out.len()` on the context, writing the sum
/// of task `first + i` to `out[i]`. `task(g, split)` returns the sum of task
/// `g` and the points it evaluated, splitting its blocks across the pool
/// when `split` is true; `points` is the total over the range, used with
/// `cheap` (see [`Integrand::is_cheap`]) to decide whether waking the pool
/// pays off, and `splittable` says whether a single task can use more than
/// one thread. The values written never depend on these decisions.
///
/// On failure, the error of the lowest-numbered failing task is returned, so
/// the reported error does not depend on the thread count either; `out` is
/// then partly written.
pub fn run_tasks(
    ctx: &Context,
    first: u64,
    out: &mut [f64],
    points: u64,
    cheap: bool,
    splittable: bool,
    task: impl Fn(u64, bool) -> Result<(f64, u64), EvalError> + Sync,
) -> Result<TaskRun, EvalError> {
    let threshold = if cheap {
        SERIAL_POINTS_CHEAP
    } else {
        SERIAL_POINTS
    };
    let parallel = ctx.threads() > 1 && points > threshold && (out.len() > 1 || splittable);
    let slots = Slots::new(ctx.threads());
    // Lowest failing task index so far; tasks above it are skipped.
    let first_failure = AtomicU64::new(u64::MAX);
    let failure: Mutex<Option<(u64, EvalError)>> = Mutex::new(None);

    let run_one = |g: u64, out: &mut f64| {
        if g > first_failure.load(Relaxed) {
            return;
        }
        let t0 = Instant::now();
        let thread = rayon::current_thread_index().unwrap_or(0);
        match task(g, parallel) {
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
            out.par_iter_mut()
                .enumerate()
                .for_each(|(i, out)| run_one(first + i as u64, out))
        }),
        None => {
            for (i, out) in out.iter_mut().enumerate() {
                run_one(first + i as u64, out);
                if first_failure.load(Relaxed) != u64::MAX {
                    break;
                }
            }
        }
    }
    if let Some((_, e)) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(TaskRun { slots, parallel })
}
