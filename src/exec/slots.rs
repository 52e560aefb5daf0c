//! Per-thread state in cache-line-padded slots.
//!
//! Each worker thread of a call owns one slot; `CachePadded` aligns it to
//! 128 bytes on x86_64 and aarch64 (the adjacent-line prefetcher fetches pairs
//! of 64-byte lines) and 64 bytes elsewhere, so no two threads ever write the
//! same cache line. A slot is touched once per task (thousands of points),
//! never in the inner loop.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crossbeam_utils::CachePadded;

use crate::result::ThreadStats;

/// What one thread did during one call.
#[derive(Debug, Default)]
pub struct Slot {
    evals: AtomicU64,
    busy_ns: AtomicU64,
    tasks: AtomicU64,
}

/// One padded slot per worker thread.
#[derive(Debug)]
pub struct Slots {
    slots: Vec<CachePadded<Slot>>,
}

impl Slots {
    /// Slots for `threads` workers.
    pub fn new(threads: usize) -> Slots {
        Slots {
            slots: (0..threads.max(1))
                .map(|_| CachePadded::new(Slot::default()))
                .collect(),
        }
    }

    /// Records `tasks` finished tasks on the slot of `thread`. Only that
    /// thread writes its slot, so the relaxed read-modify-writes never
    /// contend.
    pub fn record(&self, thread: usize, evals: u64, busy_ns: u64, tasks: u64) {
        let s = &self.slots[thread % self.slots.len()];
        s.evals.fetch_add(evals, Relaxed);
        s.busy_ns.fetch_add(busy_ns, Relaxed);
        s.tasks.fetch_add(tasks, Relaxed);
    }

    /// Snapshot of every slot, in thread order.
    pub fn stats(&self) -> Vec<ThreadStats> {
        self.slots
            .iter()
            .map(|s| ThreadStats {
                evals: s.evals.load(Relaxed),
                busy_ns: s.busy_ns.load(Relaxed),
                jobs: s.tasks.load(Relaxed),
            })
            .collect()
    }

    /// Total evaluations over all slots.
    #[cfg(test)]
    pub fn total_evals(&self) -> u64 {
        self.slots.iter().map(|s| s.evals.load(Relaxed)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_do_not_share_cache_lines() {
        let slots = Slots::new(4);
        let addr: Vec<usize> = slots
            .slots
            .iter()
            .map(|s| &**s as *const Slot as usize)
            .collect();
        let line = std::mem::align_of::<CachePadded<Slot>>();
        assert!(line >= 64);
        if cfg!(target_arch = "x86_64") {
            assert_eq!(line, 128);
        }
        for w in addr.windows(2) {
            assert!(w[1] - w[0] >= line);
            assert_eq!(w[0] / line + (w[1] - w[0]) / line, w[1] / line);
        }
    }

    #[test]
    fn record_accumulates_per_thread() {
        let slots = Slots::new(2);
        slots.record(0, 10, 5, 1);
        slots.record(1, 7, 1, 1);
        slots.record(0, 1, 1, 1);
        assert_eq!(slots.total_evals(), 18);
        assert_eq!(
            slots.stats()[0],
            ThreadStats {
                evals: 11,
                busy_ns: 6,
                jobs: 2
            }
        );
    }
}
