//! The samplers' one parallel primitive: a fixed binary tree over numbered
//! tasks, evaluated with `rayon::join` on the context's pool.
//!
//! Invariant: the tree's shape depends only on the task count (split at
//! `lo + (hi − lo) / 2` down to single tasks), and every combine takes its
//! left operand from the lower task numbers, so the result is bitwise the
//! same for any thread count. When tasks fail, the error of the lowest
//! numbered failing task is returned.

use crate::context::Context;
use crate::error::{Error, Result};

/// Evaluates `leaf(t)` for every `t` in `lo..hi` (`hi > lo`) and combines
/// the results pairwise in the fixed tree, on the pool of `ctx` (`None`:
/// on the calling thread). A cancellation of `ctx` stops the remaining
/// leaves with [`Error::Cancelled`].
pub fn tree<T: Send>(
    ctx: Option<&Context>,
    lo: u64,
    hi: u64,
    leaf: &(dyn Fn(u64) -> Result<T> + Sync),
    combine: &(dyn Fn(T, T) -> T + Sync),
) -> Result<T> {
    assert!(hi > lo, "an empty task range has no tree");
    let Some(ctx) = ctx else {
        return walk(lo, hi, leaf, combine, false);
    };
    let epoch = ctx.epoch();
    let guarded = |t: u64| {
        if ctx.cancelled_since(epoch) {
            Err(Error::Cancelled)
        } else {
            leaf(t)
        }
    };
    if ctx.threads() == 1 || hi - lo == 1 {
        return walk(lo, hi, &guarded, combine, false);
    }
    ctx.install(|| walk(lo, hi, &guarded, combine, true))
}

fn walk<T: Send>(
    lo: u64,
    hi: u64,
    leaf: &(dyn Fn(u64) -> Result<T> + Sync),
    combine: &(dyn Fn(T, T) -> T + Sync),
    parallel: bool,
) -> Result<T> {
    if hi - lo == 1 {
        return leaf(lo);
    }
    let mid = lo + (hi - lo) / 2;
    let (a, b) = if parallel {
        rayon::join(
            || walk(lo, mid, leaf, combine, true),
            || walk(mid, hi, leaf, combine, true),
        )
    } else {
        let a = walk(lo, mid, leaf, combine, false);
        let b = if a.is_ok() {
            walk(mid, hi, leaf, combine, false)
        } else {
            Err(Error::Cancelled)
        };
        (a, b)
    };
    Ok(combine(a?, b?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_sum_has_the_same_bits_for_every_thread_count() {
        let leaf = |t: u64| Ok(1.0 / (t as f64 + 1.0).powi(3));
        let add = |a: f64, b: f64| a + b;
        let one = tree(None, 0, 1001, &leaf, &add).unwrap();
        for threads in [2, 3, 8, 16] {
            let ctx = Context::new(threads).unwrap();
            let r = tree(Some(&ctx), 0, 1001, &leaf, &add).unwrap();
            assert_eq!(r.to_bits(), one.to_bits(), "{threads} threads");
        }
    }

    #[test]
    fn tree_reports_the_lowest_failing_task() {
        let leaf = |t: u64| {
            if t % 100 == 57 {
                Err(Error::invalid(format!("task {t}")))
            } else {
                Ok(t)
            }
        };
        for threads in [1, 3] {
            let ctx = Context::new(threads).unwrap();
            let e = tree(Some(&ctx), 0, 1000, &leaf, &|a, b| a + b).unwrap_err();
            assert_eq!(e.to_string(), "task 57");
        }
    }
}
