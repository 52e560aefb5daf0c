//! Per-thread state in cache-line-padded slots.
//!
//! Each worker thread of a call owns one slot; `CachePadded` aligns it to
//! 128 bytes on x86_64 and aarch64 (the adjacent-line prefetcher fetches pairs
//! of 64-byte lines) and 64 bytes elsewhere, so no two threads ever write the
//! same cache line. A slot is touched once per task (thousands of points),
//! never in the inner loop. Slot 0 (the calling thread's) lives inline; the
//! others are allocated the first time a pool thread records, so a call
//! that never leaves the calling thread allocates nothing.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

use crossbeam_utils::CachePadded;

use crate::result::ThreadStats;

/// What one thread did during one call.
#[derive(Debug, Default)]
pub struct Slot {
    evals: AtomicU64,
    busy_ns: AtomicU64,
    tasks: AtomicU64,
}

impl Slot {
    fn stats(&self) -> ThreadStats {
        ThreadStats {
            evals: self.evals.load(Relaxed),
            busy_ns: self.busy_ns.load(Relaxed),
            jobs: self.tasks.load(Relaxed),
        }
    }
}

/// One padded slot per worker thread.
#[derive(Debug)]
pub struct Slots {
    threads: usize,
    /// Thread 0's slot (the calling thread's when it is not a worker).
    first: CachePadded<Slot>,
    /// Threads `1..threads`, allocated on first use.
    rest: OnceLock<Box<[CachePadded<Slot>]>>,
}

impl Slots {
    /// Slots for `threads` workers; nothing is allocated yet.
    pub fn new(threads: usize) -> Slots {
        Slots {
            threads: threads.max(1),
            first: CachePadded::new(Slot::default()),
            rest: OnceLock::new(),
        }
    }

    fn slot(&self, thread: usize) -> &Slot {
        match thread % self.threads {
            0 => &self.first,
            t => {
                let rest = self.rest.get_or_init(|| {
                    (1..self.threads)
                        .map(|_| CachePadded::new(Slot::default()))
                        .collect()
                });
                &rest[t - 1]
            }
        }
    }

    /// Records `tasks` finished tasks on the slot of `thread`. Only that
    /// thread writes its slot, so the relaxed read-modify-writes never
    /// contend.
    pub fn record(&self, thread: usize, evals: u64, busy_ns: u64, tasks: u64) {
        let s = self.slot(thread);
        s.evals.fetch_add(evals, Relaxed);
        s.busy_ns.fetch_add(busy_ns, Relaxed);
        s.tasks.fetch_add(tasks, Relaxed);
    }

    /// Snapshot of every slot, in thread order.
    pub fn stats(&self) -> Vec<ThreadStats> {
        let mut out = vec![ThreadStats::default(); self.threads];
        out[0] = self.first.stats();
        if let Some(rest) = self.rest.get() {
            for (o, s) in out[1..].iter_mut().zip(rest.iter()) {
                *o = s.stats();
            }
        }
        out
    }

    /// Total evaluations over all slots.
    #[cfg(test)]
    pub fn total_evals(&self) -> u64 {
        self.stats().iter().map(|s| s.evals).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_do_not_share_cache_lines() {
        let slots = Slots::new(4);
        let addr: Vec<usize> = (0..4)
            .map(|t| slots.slot(t) as *const Slot as usize)
            .collect();
        let line = std::mem::align_of::<CachePadded<Slot>>();
        assert!(line >= 64);
        if cfg!(target_arch = "x86_64") {
            assert_eq!(line, 128);
        }
        for (i, a) in addr.iter().enumerate() {
            assert_eq!(a % line, 0, "slot {i} starts a line");
            for b in &addr[i + 1..] {
                assert!(a.abs_diff(*b) >= line, "slots {a:#x} and {b:#x}");
            }
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

    #[test]
    fn a_call_that_stays_on_thread_zero_allocates_no_other_slot() {
        let slots = Slots::new(8);
        slots.record(0, 3, 1, 1);
        assert!(slots.rest.get().is_none());
        assert_eq!(slots.stats().len(), 8);
        slots.record(5, 1, 1, 1);
        assert!(slots.rest.get().is_some());
        assert_eq!(slots.stats()[5].evals, 1);
    }
}
