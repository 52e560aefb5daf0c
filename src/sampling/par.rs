//! The samplers' one parallel primitive: a fixed binary tree over numbered
//! tasks, whose leaves run as jobs of the call's evaluator.
//!
//! Invariant: the tree's shape depends only on the task range (split at
//! `lo + (hi − lo) / 2` down to single tasks), and every combine takes its
//! left operand from the lower task numbers, so the result is bitwise the
//! same for any thread count and any wave size. When tasks fail, the error
//! of the lowest numbered failing task is returned.
//!
//! Subtrees of at most `wave` tasks are computed as one batch of jobs
//! (`Evaluator::run_jobs`), then folded; larger trees are split first,
//! which bounds the memory held at once to `wave` task results.

use crate::error::EvalError;
use crate::exec::evaluator::{Evaluator, Span};

/// A task's result and the integrand evaluations it made.
pub type Leaf<T> = Result<(T, u64), EvalError>;

/// Tasks per batch of jobs for results of `doubles` doubles each: about
/// 8 MiB of results at once, between 16 and 1024 tasks.
pub fn wave_for(doubles: usize) -> u64 {
    ((1usize << 20) / doubles.max(1)).clamp(16, 1024) as u64
}

/// Evaluates `leaf(t)` for every `t` in `lo..hi` (`hi > lo`) and combines
/// the results pairwise in the fixed tree, running the leaves through `ev`
/// (`None`: in order on this thread), reporting progress through `span`.
///
/// # Errors
/// The error of the lowest-numbered failing task, or
/// [`EvalError::Cancelled`].
pub fn tree<T: Send>(
    ev: Option<&Evaluator>,
    lo: u64,
    hi: u64,
    wave: u64,
    span: Span,
    leaf: &(dyn Fn(u64) -> Leaf<T> + Sync),
    combine: &(dyn Fn(T, T) -> T + Sync),
) -> Result<T, EvalError> {
    assert!(hi > lo, "an empty task range has no tree");
    if hi - lo > wave {
        let mid = lo + (hi - lo) / 2;
        let share = (mid - lo) as f64 / (hi - lo) as f64;
        let left = Span {
            base: span.base,
            span: span.span * share,
        };
        let right = Span {
            base: span.base + left.span,
            span: span.span - left.span,
        };
        let a = tree(ev, lo, mid, wave, left, leaf, combine)?;
        let b = tree(ev, mid, hi, wave, right, leaf, combine)?;
        return Ok(combine(a, b));
    }
    let leaves = map(ev, lo, hi, span, leaf)?;
    Ok(fold(leaves, combine))
}

/// The leaves of `lo..hi`, in order.
fn map<T: Send>(
    ev: Option<&Evaluator>,
    lo: u64,
    hi: u64,
    span: Span,
    leaf: &(dyn Fn(u64) -> Leaf<T> + Sync),
) -> Result<Vec<T>, EvalError> {
    let Some(ev) = ev else {
        return (lo..hi).map(|t| leaf(t).map(|r| r.0)).collect();
    };
    let mut out: Vec<Option<T>> = (lo..hi).map(|_| None).collect();
    let parallel = ev.threads() > 1 && out.len() > 1;
    ev.run_jobs(&mut out, parallel, span, |i, slot| {
        let (v, evals) = leaf(lo + i as u64)?;
        *slot = Some(v);
        Ok(evals)
    })?;
    Ok(out
        .into_iter()
        .map(|v| v.expect("run_jobs fills every slot on success"))
        .collect())
}

/// Folds `v` in the midpoint tree.
fn fold<T>(mut v: Vec<T>, combine: &(dyn Fn(T, T) -> T + Sync)) -> T {
    if v.len() == 1 {
        return v.pop().expect("one element");
    }
    let right = v.split_off(v.len() / 2);
    let a = fold(v, combine);
    combine(a, fold(right, combine))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;

    #[test]
    fn tree_sum_has_the_same_bits_for_every_thread_count_and_wave() {
        let leaf = |t: u64| Ok((1.0 / (t as f64 + 1.0).powi(3), 1));
        let add = |a: f64, b: f64| a + b;
        let one = tree(None, 0, 1001, 16, Span::WHOLE, &leaf, &add).unwrap();
        for threads in [1, 2, 3, 8, 16] {
            let ctx = Context::new(threads).unwrap();
            for wave in [16, 100, 2000] {
                let ev = Evaluator::new(&ctx);
                let r = tree(Some(&ev), 0, 1001, wave, Span::WHOLE, &leaf, &add).unwrap();
                assert_eq!(r.to_bits(), one.to_bits(), "{threads} threads, wave {wave}");
            }
        }
    }

    #[test]
    fn tree_reports_the_lowest_failing_task() {
        let leaf = |t: u64| {
            if t % 100 == 57 {
                Err(EvalError::Callback { code: t as i32 })
            } else {
                Ok((t, 1))
            }
        };
        for threads in [1, 3] {
            let ctx = Context::new(threads).unwrap();
            let ev = Evaluator::new(&ctx);
            let e = tree(Some(&ev), 0, 1000, 64, Span::WHOLE, &leaf, &|a, b| a + b).unwrap_err();
            assert_eq!(e, EvalError::Callback { code: 57 });
        }
    }
}
