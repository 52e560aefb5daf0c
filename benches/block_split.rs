//! The 2-thread speedup of problems of a single block (up to 16 384
//! points) with an expensive integrand, whose chunks are split across the
//! pool (README.md, "Few blocks, expensive integrand"); and a cheap
//! integrand on many blocks for comparison.
//!
//! `cargo bench --bench block_split` prints, for each problem, the best and
//! the median of interleaved 1-thread and 2-thread runs, and their ratio.
//! Timing only: correctness is pinned by tests/block_split.rs.

use std::hint::black_box;
use std::time::{Duration, Instant};

use vquad::{Context, Options, Rule};

/// Interleaved repetitions per problem.
const REPS: usize = 30;

/// x², after spinning for `cost` (the price of an expensive callback).
fn spin_square(x: f64, cost: Duration) -> f64 {
    let until = Instant::now() + cost;
    while Instant::now() < until {
        std::hint::spin_loop();
    }
    x * x
}

/// A problem: its label, its integrand and its panel count.
type Problem<'a> = (&'a str, &'a (dyn Fn(f64) -> f64 + Sync), u64);

/// Best and median of a sample, in seconds.
fn best_median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn main() {
    let (c1, c2) = (Context::new(1).unwrap(), Context::new(2).unwrap());
    let cost = Duration::from_nanos(1600);
    let expensive = |x: f64| spin_square(x, cost);
    let cheap = |x: f64| x * x;
    let problems: [Problem; 4] = [
        ("1.6 us callback", &expensive, 5_000),
        ("1.6 us callback", &expensive, 10_000),
        ("1.6 us callback", &expensive, 16_000),
        ("cheap closure", &cheap, 20_000_000),
    ];
    println!("midpoint on [0, 1], {REPS} interleaved runs of 1 and 2 threads");
    println!(
        "{:<16} {:>9}  {:<32} {:<32}",
        "integrand", "n", "best: 1 -> 2 threads (speedup)", "median: 1 -> 2 threads (speedup)"
    );
    for (name, f, n) in problems {
        let opts = Options::fixed(Rule::Midpoint, n);
        let mut t: [Vec<f64>; 2] = Default::default();
        for _ in 0..REPS {
            for (i, ctx) in [&c1, &c2].into_iter().enumerate() {
                let start = Instant::now();
                black_box(ctx.integrate(&f, 0.0, 1.0, &opts).unwrap());
                t[i].push(start.elapsed().as_secs_f64());
            }
        }
        let [(b1, m1), (b2, m2)] = t.map(best_median);
        let cell =
            |t1: f64, t2: f64| format!("{:.2} -> {:.2} ms ({:.2}x)", t1 * 1e3, t2 * 1e3, t1 / t2);
        println!(
            "{name:<16} {n:>9}  {:<32} {:<32}",
            cell(b1, b2),
            cell(m1, m2)
        );
    }
}
