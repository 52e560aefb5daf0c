//! Parallel evaluation of strided sums, the engine of the fixed rules.
//!
//! A fixed rule is a weighted combination of *streams*: stream `s` is the sum
//! `Σ_{i < count} f(a + (i + offset)·h)` with `h = (b − a)/n`. Each stream is
//! planned into blocks and tasks ([`StreamPlan`]); all tasks of all streams
//! form one flat, numbered list ([`StreamTasks`]). The evaluator runs any
//! range of such a list as jobs, in any order; each task writes only its
//! own sum. Block sums inside a task and task sums inside a stream
//! are combined by the fixed pairwise tree, so the bits of every stream sum
//! are independent of the thread count, of scheduling, and of which process
//! computed which task (the distributed runs of the C API rely on this).

use rayon::prelude::*;

use crate::blocks::StreamPlan;
use crate::error::EvalError;
use crate::integrand::{find_nonfinite, Integrand};
use crate::reduce::{pairwise, pairwise_range, with_sums};

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
    /// [`crate::Context::cancel`]).
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
