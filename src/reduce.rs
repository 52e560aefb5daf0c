//! Fixed-order summation. Every sum in vquad goes through these functions, so
//! its rounding depends only on the number of terms, never on which thread
//! computed what.

use crate::simd::{Lane, LANES};

/// Pairwise (cascade) sum of `v`: split in halves down to eight terms, which
/// are added left to right. Error grows as O(ε·log n).
pub fn pairwise(v: &[f64]) -> f64 {
    if v.len() <= 8 {
        return v.iter().fold(0.0, |s, &x| s + x);
    }
    let mid = v.len() / 2;
    pairwise(&v[..mid]) + pairwise(&v[mid..])
}

/// Pairwise sum of the values `leaf(i)` for `i` in `lo..hi`, computed
/// recursively without storing them (the tree of [`pairwise`] over an index
/// range). Stops at the first error.
pub fn pairwise_range<E>(
    lo: u64,
    hi: u64,
    leaf: &mut impl FnMut(u64) -> Result<f64, E>,
) -> Result<f64, E> {
    debug_assert!(hi > lo);
    if hi - lo == 1 {
        return leaf(lo);
    }
    let mid = lo + (hi - lo) / 2;
    Ok(pairwise_range(lo, mid, leaf)? + pairwise_range(mid, hi, leaf)?)
}

/// Runs `body` on a zeroed buffer of `n` partial sums: on the stack for the
/// usual few dozen (the chunks of one block), on the heap beyond.
pub fn with_sums<R>(n: usize, body: impl FnOnce(&mut [f64]) -> R) -> R {
    let mut on_stack = [0.0f64; 64];
    if n <= on_stack.len() {
        body(&mut on_stack[..n])
    } else {
        body(&mut vec![0.0; n])
    }
}

/// Sums a slice with eight independent lane accumulators (fixed lane and
/// accumulator order), the tail added last. Used on evaluated chunks.
pub fn sum_slice(v: &[f64]) -> f64 {
    const ACCS: usize = 8;
    let group = ACCS * LANES;
    let mut acc = [Lane::splat(0.0); ACCS];
    let mut groups = v.chunks_exact(group);
    for g in &mut groups {
        for (a, lanes) in acc.iter_mut().zip(g.chunks_exact(LANES)) {
            *a += Lane::new(lanes.try_into().expect("LANES values"));
        }
    }
    pairwise(&pairwise_lanes(acc).to_array()) + pairwise(groups.remainder())
}

/// Adds `ACC` lane accumulators pairwise (`ACC` a power of two).
#[inline(always)]
pub fn pairwise_lanes<const ACC: usize>(mut acc: [Lane; ACC]) -> Lane {
    let mut width = ACC;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            let upper = acc[i + width];
            acc[i] += upper;
        }
    }
    acc[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_is_exact_on_integers() {
        let v: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(pairwise(&v), 500_500.0);
        assert_eq!(sum_slice(&v), 500_500.0);
        assert_eq!(pairwise(&[]), 0.0);
        assert_eq!(sum_slice(&[]), 0.0);
    }

    #[test]
    fn pairwise_range_matches_pairwise_of_materialized_values() {
        for n in [1u64, 2, 3, 7, 8, 9, 100, 1023] {
            let v: Vec<f64> = (0..n).map(|i| 1.0 / (i as f64 + 1.0)).collect();
            let r = pairwise_range::<()>(0, n, &mut |i| Ok(v[i as usize])).unwrap();
            let expect = if n <= 1 { v[0] } else { tree(&v) };
            assert_eq!(r.to_bits(), expect.to_bits(), "n = {n}");
        }
        fn tree(v: &[f64]) -> f64 {
            if v.len() == 1 {
                v[0]
            } else {
                let m = v.len() / 2;
                tree(&v[..m]) + tree(&v[m..])
            }
        }
    }

    #[test]
    fn pairwise_sum_error_does_not_grow_like_naive_sum() {
        let v = vec![0.1f64; 1 << 20];
        let exact = 0.1 * (1u64 << 20) as f64;
        let naive: f64 = v.iter().sum();
        let pw = pairwise(&v);
        assert!((pw - exact).abs() < (naive - exact).abs() / 100.0);
        // sum_slice serves chunks of up to 1024 values.
        let chunk = vec![0.1f64; 1024];
        assert!((sum_slice(&chunk) - 102.4).abs() <= 1e-13);
    }
}
