//! The cost of sharing: the same reduction (Σ f(xᵢ) over `n` points, split
//! evenly over threads) with five ways of combining per-thread results.
//!
//! - [`Strategy::Register`]: each thread keeps its sum in a register and
//!   publishes once (what vquad's kernels do inside a task).
//! - [`Strategy::PaddedSlots`]: each thread adds every value into its own
//!   slot in memory, slots `CachePadded` (no two share a cache line).
//! - [`Strategy::PackedSlots`]: the same loop with the slots packed into one
//!   cache line: false sharing, the line bounces between cores.
//! - [`Strategy::Mutex`]: one shared total behind a `Mutex`, locked once per
//!   chunk of [`CHUNK`] points.
//! - [`Strategy::AtomicCas`]: one shared `f64` in an `AtomicU64`, updated by
//!   a compare-and-swap loop once per chunk.
//!
//! The loops are scalar on purpose (the point is the memory traffic, not the
//! arithmetic); sums are reported so the work cannot be optimized away.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crossbeam_utils::CachePadded;

use vquad::context::Context;
use vquad::error::Error;

/// Points per lock or CAS for the shared-total strategies.
pub const CHUNK: usize = 1024;

/// A way to combine per-thread partial sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Register accumulation, one publish per thread.
    Register,
    /// Per-thread cache-padded slots updated in the loop.
    PaddedSlots,
    /// Per-thread slots packed in one cache line, updated in the loop.
    PackedSlots,
    /// A shared total behind a mutex, once per chunk.
    Mutex,
    /// A shared atomic f64 updated by compare-and-swap, once per chunk.
    AtomicCas,
}

impl Strategy {
    /// Every strategy, the reference ([`Strategy::PaddedSlots`]) first.
    pub const ALL: [Strategy; 5] = [
        Strategy::PaddedSlots,
        Strategy::Register,
        Strategy::PackedSlots,
        Strategy::Mutex,
        Strategy::AtomicCas,
    ];

    /// Short name, e.g. `"packed-slots"`.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Register => "register",
            Strategy::PaddedSlots => "padded-slots",
            Strategy::PackedSlots => "packed-slots",
            Strategy::Mutex => "mutex",
            Strategy::AtomicCas => "atomic-cas",
        }
    }
}

#[inline(always)]
fn f(i: usize, h: f64) -> f64 {
    let x = (i as f64 + 0.5) * h;
    x * x + 7.0
}

/// Eight f64 slots in 64 bytes: one per thread, all in one cache line.
#[repr(C, align(64))]
struct PackedLine([AtomicU64; 8]);

/// Runs `strategy` over `n` points on `ctx` and returns (sum·h, seconds).
///
/// # Errors
/// [`Error::InvalidArg`] for the packed strategy on more than 8 threads
/// (eight slots fill one cache line).
pub fn run(ctx: &Context, strategy: Strategy, n: usize) -> Result<(f64, f64), Error> {
    let threads = ctx.threads();
    if strategy == Strategy::PackedSlots && threads > 8 {
        return Err(Error::invalid(
            "packed slots hold at most 8 threads (one cache line)",
        ));
    }
    let h = 5.0 / n as f64;
    let padded: Vec<CachePadded<AtomicU64>> = (0..threads)
        .map(|_| CachePadded::new(AtomicU64::new(0)))
        .collect();
    let packed = PackedLine(std::array::from_fn(|_| AtomicU64::new(0)));
    let shared = Mutex::new(0.0f64);
    let cas = AtomicU64::new(0f64.to_bits());
    let range = |t: usize| (n * t / threads, n * (t + 1) / threads);
    let body = |t: usize| {
        let (lo, hi) = range(t);
        match strategy {
            Strategy::Register => {
                let s: f64 = (lo..hi).map(|i| f(i, h)).sum();
                padded[t].store(s.to_bits(), Ordering::Relaxed);
            }
            Strategy::PaddedSlots => add_in_loop(&padded[t], lo, hi, h),
            Strategy::PackedSlots => add_in_loop(&packed.0[t], lo, hi, h),
            Strategy::Mutex => {
                for c in (lo..hi).step_by(CHUNK) {
                    let s: f64 = (c..(c + CHUNK).min(hi)).map(|i| f(i, h)).sum();
                    *shared.lock().unwrap_or_else(|p| p.into_inner()) += s;
                }
            }
            Strategy::AtomicCas => {
                for c in (lo..hi).step_by(CHUNK) {
                    let s: f64 = (c..(c + CHUNK).min(hi)).map(|i| f(i, h)).sum();
                    let _ = cas.fetch_update(Ordering::AcqRel, Ordering::Acquire, |bits| {
                        Some((f64::from_bits(bits) + s).to_bits())
                    });
                }
            }
        }
    };
    let t0 = Instant::now();
    match ctx.pool() {
        Some(pool) => pool.broadcast(|b| body(b.index())),
        None => vec![body(0)],
    };
    let seconds = t0.elapsed().as_secs_f64();
    let total = match strategy {
        Strategy::Register | Strategy::PaddedSlots => padded
            .iter()
            .map(|s| f64::from_bits(s.load(Ordering::Relaxed)))
            .sum(),
        Strategy::PackedSlots => packed
            .0
            .iter()
            .map(|s| f64::from_bits(s.load(Ordering::Relaxed)))
            .sum(),
        Strategy::Mutex => *shared.lock().unwrap_or_else(|p| p.into_inner()),
        Strategy::AtomicCas => f64::from_bits(cas.load(Ordering::Relaxed)),
    };
    Ok((total * h, seconds))
}

/// Adds each value into `slot` in memory (a relaxed load and store per
/// point, no read-modify-write instruction): the slot's cache line is
/// written on every iteration.
#[inline(never)]
fn add_in_loop(slot: &AtomicU64, lo: usize, hi: usize, h: f64) {
    for i in lo..hi {
        let v = f64::from_bits(slot.load(Ordering::Relaxed)) + f(i, h);
        slot.store(v.to_bits(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_computes_the_same_integral() {
        for threads in [1, 2, 3] {
            let ctx = Context::new(threads).unwrap();
            for s in Strategy::ALL {
                let (v, secs) = run(&ctx, s, 100_000).unwrap();
                assert!(
                    (v - 230.0 / 3.0).abs() < 1e-6,
                    "{} on {threads}: {v}",
                    s.name()
                );
                assert!(secs >= 0.0);
            }
        }
        let ctx = Context::new(9).unwrap();
        assert!(run(&ctx, Strategy::PackedSlots, 10).is_err());
    }
}
