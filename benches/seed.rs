//! Seed problem benchmarks: vquad vs the OpenMP reference at 1 and 2
//! threads (same run), and the small-call latency and pool crossover.
//!
//! Run: `cargo bench --bench seed`. Estimates land in
//! `target/criterion/<group>/<id>/new/estimates.json`.

use std::time::Duration;

#[path = "common/c_reference.rs"]
mod c_reference;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vquad::{Context, Options, Poly, Rule};

const N: u64 = 1_000_000_000;

fn seed(c: &mut Criterion) {
    let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    let opts = Options::fixed(Rule::Midpoint, N);
    let omp = c_reference::build("openmp_reference.c", &["-O3", "-march=native", "-fopenmp"]);
    let mut g = c.benchmark_group("seed_1e9");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(N));
    for threads in [1usize, 2] {
        let ctx = Context::new(threads).unwrap();
        g.bench_with_input(BenchmarkId::new("vquad", threads), &threads, |b, _| {
            b.iter(|| ctx.integrate(&f, 0.0, 5.0, &opts).unwrap().value)
        });
        if let Some(exe) = &omp {
            g.bench_with_input(BenchmarkId::new("openmp", threads), &threads, |b, &t| {
                b.iter_custom(|iters| c_reference::time(exe, N, t, iters))
            });
        }
    }
    g.finish();
}

fn small_calls(c: &mut Criterion) {
    let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    let mut g = c.benchmark_group("small_call");
    g.measurement_time(Duration::from_secs(2));
    for threads in [1usize, 2] {
        let ctx = Context::new(threads).unwrap();
        for n in [1_000u64, 100_000, 500_000, 1_000_000, 4_000_000] {
            let opts = Options::fixed(Rule::Midpoint, n);
            g.throughput(Throughput::Elements(n));
            g.bench_with_input(
                BenchmarkId::new(format!("threads_{threads}"), n),
                &n,
                |b, _| b.iter(|| ctx.integrate(&f, 0.0, 5.0, &opts).unwrap().value),
            );
        }
    }
    g.finish();
}

criterion_group!(benches, seed, small_calls);
criterion_main!(benches);
