//! Thread sweep of the seed problem (one `BenchmarkId` per thread count) and
//! the reduction-strategy comparison (padded slots, false sharing, mutex,
//! atomic CAS) at 1 and 2 threads.
//!
//! Run: `cargo bench --bench scaling`, then fit Amdahl's law to criterion's
//! samples with `cargo run --release -- fit-criterion target/criterion/scaling_seed`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vquad::{Context, Options, Poly, Rule};
use vquad_lab::scaling::contention::{run, Strategy};

fn thread_sweep(c: &mut Criterion) {
    let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    let n = 200_000_000;
    let opts = Options::fixed(Rule::Midpoint, n);
    let max = vquad::context::logical_cpus().max(2) * 2;
    let mut g = c.benchmark_group("scaling_seed");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(n));
    for threads in (1..=max).filter(|t| t.is_power_of_two() || *t <= 4) {
        let ctx = Context::new(threads).unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(threads), &threads, |b, _| {
            b.iter(|| ctx.integrate(&f, 0.0, 5.0, &opts).unwrap().value)
        });
    }
    g.finish();
}

fn contention(c: &mut Criterion) {
    let n = 20_000_000usize;
    let mut g = c.benchmark_group("contention");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(n as u64));
    for threads in [1usize, 2] {
        let ctx = Context::new(threads).unwrap();
        for s in Strategy::ALL {
            g.bench_with_input(BenchmarkId::new(s.name(), threads), &threads, |b, _| {
                b.iter(|| run(&ctx, s, n).unwrap().0)
            });
        }
    }
    g.finish();
}

criterion_group!(benches, thread_sweep, contention);
criterion_main!(benches);
