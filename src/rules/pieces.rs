//! QAGS's list of intervals, ordered by error, split into "large" and
//! "small" intervals (QAGS's `small` threshold, kept as a bisection depth).
//!
//! Two binary heaps keyed by `(error, creation order)` replace QUADPACK's
//! sorted index list: taking the worst intervals costs `O(log n)` each, so
//! a run with a million intervals stays fast. Ties go to the interval created
//! first, so the order is a pure function of the problem.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::reduce::pairwise;

/// One subinterval (in the rule's variable) and its estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Piece {
    /// Left end.
    pub lo: f64,
    /// Right end.
    pub hi: f64,
    /// Integral estimate.
    pub value: f64,
    /// Error estimate (non-negative).
    pub error: f64,
    /// Bisections from the whole range.
    pub depth: u32,
}

/// Heap key: larger error first, then the lower id (created first).
type Key = (u64, Reverse<usize>);

/// The intervals of one integration.
#[derive(Debug, Default)]
pub struct Pieces {
    all: Vec<Piece>,
    large: BinaryHeap<Key>,
    small: BinaryHeap<Key>,
    /// Intervals deeper than `level + 1` bisections are small.
    level: u32,
    /// Extrapolation abandoned: every interval counts as large.
    flat: bool,
}

impl Pieces {
    /// The list holding only `root`.
    #[cfg(test)]
    pub fn new(root: Piece) -> Pieces {
        let mut p = Pieces::default();
        p.place(0, root);
        p
    }

    /// Makes this the list holding only `root`, keeping the buffers.
    pub fn reset(&mut self, root: Piece) {
        self.all.clear();
        self.large.clear();
        self.small.clear();
        self.level = 0;
        self.flat = false;
        self.place(0, root);
    }

    /// Intervals the buffers hold without growing.
    pub fn capacity(&self) -> usize {
        self.all.capacity()
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.all.len()
    }

    /// Interval `id`.
    pub fn get(&self, id: usize) -> Piece {
        self.all[id]
    }

    /// Whether an interval at `depth` is large at the current level.
    pub fn is_large(&self, depth: u32) -> bool {
        self.flat || depth <= self.level + 1
    }

    /// True when some interval is large.
    pub fn has_large(&self) -> bool {
        !self.large.is_empty()
    }

    /// Whether the worst interval overall is large.
    pub fn worst_is_large(&self) -> bool {
        self.peek_global()
            .is_some_and(|(_, Reverse(id))| self.is_large(self.all[id].depth))
    }

    /// Stores interval `id` (a new id appends); it must not be in a heap.
    pub fn place(&mut self, id: usize, p: Piece) {
        if id == self.all.len() {
            self.all.push(p);
        } else {
            self.all[id] = p;
        }
        let k = (p.error.to_bits(), Reverse(id));
        if self.is_large(p.depth) {
            self.large.push(k);
        } else {
            self.small.push(k);
        }
    }

    /// Halves what counts as small (QAGS's `small = small/2`).
    pub fn next_level(&mut self) {
        self.level += 1;
        self.refile();
    }

    /// Makes every interval large (extrapolation abandoned).
    pub fn flatten(&mut self) {
        self.flat = true;
        self.refile();
    }

    fn refile(&mut self) {
        for k in std::mem::take(&mut self.small) {
            if self.is_large(self.all[k.1 .0].depth) {
                self.large.push(k);
            } else {
                self.small.push(k);
            }
        }
    }

    fn peek_global(&self) -> Option<Key> {
        match (self.large.peek(), self.small.peek()) {
            (Some(a), Some(b)) => Some(*a.max(b)),
            (a, b) => a.or(b).copied(),
        }
    }

    /// Takes a batch out of the heaps: worst first, until the errors taken
    /// add up to `excess` or `cap` intervals are taken. With `large_only`
    /// only large intervals qualify; otherwise the worst intervals overall,
    /// stopping at the first small one unless it comes first.
    #[cfg(test)]
    pub fn take_batch(&mut self, excess: f64, cap: usize, large_only: bool) -> Vec<usize> {
        let mut batch = Vec::new();
        self.take_batch_into(excess, cap, large_only, &mut batch);
        batch
    }

    /// [`Pieces::take_batch`] into `batch` (cleared first), reusing its
    /// buffer.
    pub fn take_batch_into(
        &mut self,
        excess: f64,
        cap: usize,
        large_only: bool,
        batch: &mut Vec<usize>,
    ) {
        batch.clear();
        let mut removed = 0.0;
        while batch.len() < cap {
            let key = if large_only {
                self.large.pop()
            } else {
                match self.peek_global() {
                    Some(k) if batch.is_empty() || self.is_large(self.all[k.1 .0].depth) => {
                        if self.large.peek() == Some(&k) {
                            self.large.pop()
                        } else {
                            self.small.pop()
                        }
                    }
                    _ => None,
                }
            };
            let Some((_, Reverse(id))) = key else { break };
            batch.push(id);
            removed += self.all[id].error;
            if removed >= excess {
                break;
            }
        }
    }

    /// Puts back intervals taken by [`Pieces::take_batch`] but not bisected.
    pub fn put_back(&mut self, ids: &[usize]) {
        for &id in ids {
            self.place(id, self.all[id]);
        }
    }

    /// Pairwise sums of values and of errors over the intervals in order of
    /// left ends.
    #[cfg(test)]
    pub fn sums(&self) -> (f64, f64) {
        self.sums_with(&mut Vec::new(), &mut Vec::new(), &mut Vec::new())
    }

    /// [`Pieces::sums`] with the caller's buffers for the order and the two
    /// columns (the same order and sums: a stable sort by left end).
    pub fn sums_with(
        &self,
        order: &mut Vec<usize>,
        values: &mut Vec<f64>,
        errors: &mut Vec<f64>,
    ) -> (f64, f64) {
        order.clear();
        order.extend(0..self.all.len());
        order.sort_by(|&p, &q| self.all[p].lo.total_cmp(&self.all[q].lo));
        values.clear();
        values.extend(order.iter().map(|&i| self.all[i].value));
        errors.clear();
        errors.extend(order.iter().map(|&i| self.all[i].error));
        (pairwise(values), pairwise(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(lo: f64, error: f64, depth: u32) -> Piece {
        Piece {
            lo,
            hi: lo + 1.0,
            value: lo,
            error,
            depth,
        }
    }

    #[test]
    fn batch_takes_the_worst_until_the_excess_is_covered() {
        let mut p = Pieces::new(piece(0.0, 1.0, 1));
        for (i, e) in [4.0, 2.0, 2.0, 0.5].into_iter().enumerate() {
            p.place(p.len(), piece(i as f64 + 1.0, e, 1));
        }
        // 4 + 2 >= 5.5: two intervals; of the equal errors, the older first.
        assert_eq!(p.take_batch(5.5, 10, false), vec![1, 2]);
        assert_eq!(p.take_batch(0.0, 10, false), vec![3]);
        assert_eq!(p.take_batch(100.0, 2, false), vec![0, 4]);
        assert!(p.take_batch(1.0, 10, false).is_empty());
    }

    #[test]
    fn small_intervals_wait_until_the_level_reaches_them() {
        let mut p = Pieces::new(piece(0.0, 1.0, 1));
        p.place(1, piece(1.0, 9.0, 3));
        p.place(2, piece(2.0, 2.0, 2));
        // Level 0: only depth <= 1 is large.
        assert!(!p.worst_is_large());
        assert_eq!(p.take_batch(100.0, 10, true), vec![0]);
        p.put_back(&[0]);
        // A small interval is taken only when it is the worst overall.
        assert_eq!(p.take_batch(100.0, 10, false), vec![1]);
        p.put_back(&[1]);
        p.next_level();
        p.next_level();
        assert!(p.worst_is_large());
        assert_eq!(p.take_batch(100.0, 10, true), vec![1, 2, 0]);
        p.put_back(&[1]);
        assert_eq!(p.sums(), (3.0, 12.0));
    }
}
