//! Decomposition of a strided sum into fixed blocks and tasks.
//!
//! A stream of `count` points is cut into blocks of [`BLOCK`] points (the last
//! may be shorter). Consecutive blocks are grouped into tasks of
//! `blocks_per_task` blocks, a power of two chosen so that a stream has at
//! most [`MAX_TASKS`] tasks. Every number here depends only on `count`, never
//! on the thread count, which is what makes the reduction tree, and hence the
//! result's bits, the same for any number of threads.

/// Points per block: the unit of the innermost SIMD kernel.
pub const BLOCK: usize = 16_384;

/// Upper bound on tasks per stream. Task sums are stored (8 bytes each), so
/// this bounds memory independently of `n`.
pub const MAX_TASKS: u64 = 4096;

/// How one stream of points is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamPlan {
    /// Points in the stream.
    pub count: u64,
    /// Blocks of [`BLOCK`] points (the last may be partial).
    pub blocks: u64,
    /// Blocks per task, a power of two.
    pub blocks_per_task: u64,
    /// Tasks in the stream.
    pub tasks: u64,
}

impl StreamPlan {
    /// Plans a stream of `count` points.
    pub fn new(count: u64) -> StreamPlan {
        let blocks = count.div_ceil(BLOCK as u64);
        let blocks_per_task = blocks.div_ceil(MAX_TASKS).max(1).next_power_of_two();
        let tasks = blocks.div_ceil(blocks_per_task);
        StreamPlan {
            count,
            blocks,
            blocks_per_task,
            tasks,
        }
    }

    /// Block range `[lo, hi)` of task `k`.
    pub fn task_blocks(&self, k: u64) -> (u64, u64) {
        let lo = k * self.blocks_per_task;
        (lo, (lo + self.blocks_per_task).min(self.blocks))
    }

    /// First point index and length of block `blk`.
    pub fn block_points(&self, blk: u64) -> (u64, usize) {
        let lo = blk * BLOCK as u64;
        (lo, (self.count - lo).min(BLOCK as u64) as usize)
    }

    /// Points covered by task `k`.
    pub fn task_points(&self, k: u64) -> u64 {
        let (lo, hi) = self.task_blocks(k);
        (hi * BLOCK as u64).min(self.count) - lo * BLOCK as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_covers_every_point_exactly_once() {
        for count in [
            1u64,
            16_383,
            16_384,
            16_385,
            1_000_000,
            1_000_000_000,
            1 << 53,
        ] {
            let p = StreamPlan::new(count);
            assert!(p.tasks <= MAX_TASKS);
            assert!(p.blocks_per_task.is_power_of_two());
            let total: u64 = (0..p.tasks).map(|k| p.task_points(k)).sum();
            assert_eq!(total, count, "count {count}");
            let (lo, len) = p.block_points(p.blocks - 1);
            assert_eq!(lo + len as u64, count);
        }
    }

    #[test]
    fn small_streams_get_one_block_per_task() {
        let p = StreamPlan::new(10 * BLOCK as u64);
        assert_eq!((p.blocks, p.blocks_per_task, p.tasks), (10, 1, 10));
    }
}
