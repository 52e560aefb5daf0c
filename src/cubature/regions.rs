//! The region store of adaptive cubature: each region's box, per-component
//! estimates and errors, split axis, and a max-heap of regions by error.
//!
//! Invariant: slots are numbered in creation order and reused only by a
//! split parent's first child, and heap ties are broken by the lower slot,
//! so which regions a step refines depends only on the problem.
//!
//! Memory: a region takes `8·(2·ndim + 3·nout) + 4` bytes in the store plus
//! 16 bytes in the heap ([`bytes_per_region`]); a run of `E` evaluations
//! holds at most `E/(2·points) + 1` regions, so `max_evals` bounds the
//! memory ([`peak_bytes`]). The store's vectors grow by doubling, so a run
//! holds at most twice [`peak_bytes`], plus the buffers of one step;
//! `tests/cubature_memory.rs` measures the peak resident set of a real run
//! of 10^8 evaluations against that bound.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Bytes one region occupies (store and heap entry).
pub fn bytes_per_region(ndim: usize, nout: usize) -> usize {
    8 * (2 * ndim + 3 * nout) + 4 + std::mem::size_of::<Entry>()
}

/// Most regions a run of `evals` evaluations with `points` per region can
/// hold: the first region, plus one per split (two regions evaluated).
pub fn max_regions(evals: u64, points: usize) -> u64 {
    evals / (2 * points as u64) + 1
}

/// Upper bound of the region store's memory for a run of `evals` evaluations.
pub fn peak_bytes(evals: u64, ndim: usize, nout: usize, points: usize) -> u64 {
    max_regions(evals, points) * bytes_per_region(ndim, nout) as u64
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: f64,
    slot: u32,
}

impl PartialEq for Entry {
    fn eq(&self, o: &Entry) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, o: &Entry) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Entry {
    fn cmp(&self, o: &Entry) -> Ordering {
        self.key
            .total_cmp(&o.key)
            .then_with(|| o.slot.cmp(&self.slot))
    }
}

/// What a region knows about how to split it, packed in 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Meta {
    /// The axis the rule's fourth differences choose.
    pub axis: usize,
    /// The axis along which the region carries a suspicion of a feature
    /// hidden from its points (meaningful when some suspicion is stored).
    pub suspect_axis: usize,
}

impl Meta {
    fn pack(self) -> u32 {
        debug_assert!(self.axis < 256 && self.suspect_axis < 256);
        self.axis as u32 | (self.suspect_axis as u32) << 8
    }

    fn unpack(v: u32) -> Meta {
        Meta {
            axis: (v & 0xff) as usize,
            suspect_axis: (v >> 8 & 0xff) as usize,
        }
    }
}

/// The regions of one adaptive run.
#[derive(Debug)]
pub struct Regions {
    ndim: usize,
    nout: usize,
    geom: Vec<f64>,
    est: Vec<f64>,
    err: Vec<f64>,
    sus: Vec<f64>,
    axis: Vec<u32>,
    heap: BinaryHeap<Entry>,
    peak: usize,
}

impl Regions {
    /// An empty store for regions of `ndim` axes and `nout` components.
    pub fn new(ndim: usize, nout: usize) -> Regions {
        Regions {
            ndim,
            nout,
            geom: Vec::new(),
            est: Vec::new(),
            err: Vec::new(),
            sus: Vec::new(),
            axis: Vec::new(),
            heap: BinaryHeap::new(),
            peak: 0,
        }
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.axis.len()
    }

    /// True when there is no region.
    pub fn is_empty(&self) -> bool {
        self.axis.is_empty()
    }

    /// Most regions held at once.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// Centre and half-widths of `slot`.
    pub fn geometry(&self, slot: usize) -> (&[f64], &[f64]) {
        let g = &self.geom[2 * self.ndim * slot..2 * self.ndim * (slot + 1)];
        g.split_at(self.ndim)
    }

    /// Estimates of `slot`, one per component.
    pub fn estimates(&self, slot: usize) -> &[f64] {
        &self.est[self.nout * slot..self.nout * (slot + 1)]
    }

    /// Errors of `slot`, one per component.
    pub fn errors(&self, slot: usize) -> &[f64] {
        &self.err[self.nout * slot..self.nout * (slot + 1)]
    }

    /// The part of each component's error that is suspicion of a feature
    /// the region's points cannot see (included in [`Regions::errors`]).
    pub fn suspicion(&self, slot: usize) -> &[f64] {
        &self.sus[self.nout * slot..self.nout * (slot + 1)]
    }

    /// How `slot` was made and splits.
    pub fn meta(&self, slot: usize) -> Meta {
        Meta::unpack(self.axis[slot])
    }

    /// Stores a region in `slot` (or appends it when `slot == len()`), with
    /// heap key `key`: its estimates, errors (suspicion included), the
    /// suspicion part of the errors, and its [`Meta`].
    #[allow(clippy::too_many_arguments)]
    pub fn put(
        &mut self,
        slot: usize,
        g: (&[f64], &[f64]),
        est: &[f64],
        err: &[f64],
        sus: &[f64],
        meta: Meta,
        key: f64,
    ) {
        let (d, m) = (self.ndim, self.nout);
        if slot == self.len() {
            self.geom.extend_from_slice(g.0);
            self.geom.extend_from_slice(g.1);
            self.est.extend_from_slice(est);
            self.err.extend_from_slice(err);
            self.sus.extend_from_slice(sus);
            self.axis.push(meta.pack());
        } else {
            self.geom[2 * d * slot..2 * d * slot + d].copy_from_slice(g.0);
            self.geom[2 * d * slot + d..2 * d * (slot + 1)].copy_from_slice(g.1);
            self.est[m * slot..m * (slot + 1)].copy_from_slice(est);
            self.err[m * slot..m * (slot + 1)].copy_from_slice(err);
            self.sus[m * slot..m * (slot + 1)].copy_from_slice(sus);
            self.axis[slot] = meta.pack();
        }
        self.heap.push(Entry {
            key,
            slot: slot as u32,
        });
        self.peak = self.peak.max(self.len());
    }

    /// Removes and returns the slot with the largest key (lowest slot on
    /// ties), or `None` when the heap is empty.
    pub fn pop(&mut self) -> Option<usize> {
        self.heap.pop().map(|e| e.slot as usize)
    }

    /// Pushes `slot` back on the heap with `key` (a popped region that was
    /// not refined after all).
    pub fn push_back(&mut self, slot: usize, key: f64) {
        self.heap.push(Entry {
            key,
            slot: slot as u32,
        });
    }

    /// Rebuilds the heap over every region with the keys `key(slot)` (the
    /// switch from the warm-up order to the error order).
    pub fn rekey(&mut self, key: impl Fn(usize) -> f64) {
        let entries: Vec<Entry> = (0..self.len())
            .map(|slot| Entry {
                key: key(slot),
                slot: slot as u32,
            })
            .collect();
        self.heap = BinaryHeap::from(entries);
    }

    /// Sums of the estimates and errors of every region, component by
    /// component, each as a pairwise sum in slot order.
    pub fn totals(&self) -> (Vec<f64>, Vec<f64>) {
        let m = self.nout;
        let n = self.len();
        let mut col = vec![0.0; n];
        let mut sum = |v: &[f64]| {
            (0..m)
                .map(|k| {
                    for (c, row) in col.iter_mut().zip(v.chunks_exact(m)) {
                        *c = row[k];
                    }
                    crate::reduce::pairwise(&col)
                })
                .collect::<Vec<f64>>()
        };
        let est = sum(&self.est);
        let err = sum(&self.err);
        (est, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heap_pops_the_largest_key_and_the_lowest_slot_on_ties() {
        let mut r = Regions::new(1, 1);
        for (slot, key) in [0.5, 2.0, 2.0, 1.0].into_iter().enumerate() {
            r.put(
                slot,
                (&[0.0], &[1.0]),
                &[1.0],
                &[key],
                &[0.0],
                Meta::default(),
                key,
            );
        }
        assert_eq!(r.pop(), Some(1));
        assert_eq!(r.pop(), Some(2));
        assert_eq!(r.pop(), Some(3));
        assert_eq!(r.totals(), (vec![4.0], vec![5.5]));
    }

    #[test]
    fn the_memory_bound_follows_the_evaluation_budget() {
        // 8-D Genz–Malik: 401 points per region.
        assert_eq!(max_regions(100_000_000, 401), 124_689);
        assert_eq!(bytes_per_region(8, 1), 8 * 19 + 4 + 16);
        assert!(peak_bytes(100_000_000, 8, 1, 401) < 21 << 20);
    }
}
