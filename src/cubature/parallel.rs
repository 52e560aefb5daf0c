//! The one place where multi-D rules run work on the context's pool.
//!
//! Invariant: [`map`] returns `f(0), f(1), …, f(n − 1)` in index order, each
//! computed by exactly one call, whatever the thread count: callers lay out
//! tasks that depend only on the problem, and reduce the returned vector in
//! a fixed order, so the bits never depend on threads.

use rayon::prelude::*;

use crate::context::Context;

/// Computes `f(i)` for `i < n` on `ctx`'s pool (inline when `n ≤ 1` or the
/// context has one thread) and returns the results in index order.
pub fn map<R: Send>(ctx: &Context, n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    if n <= 1 || ctx.threads() <= 1 {
        return (0..n).map(f).collect();
    }
    ctx.install(|| (0..n).into_par_iter().with_max_len(1).map(&f).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_index_order_for_any_thread_count() {
        for threads in [1, 2, 3] {
            let ctx = Context::new(threads).unwrap();
            let v = map(&ctx, 100, |i| i * i);
            assert_eq!(v, (0..100).map(|i| i * i).collect::<Vec<_>>());
        }
    }
}
