//! Adaptive rules: evaluation counts and wall time on the test battery, and
//! the 2-thread speedup on an expensive integrand.
//!
//! Run: `cargo bench --bench adaptive`. The evaluation table is printed
//! before the timings; estimates land in
//! `target/criterion/<group>/<id>/new/estimates.json`.

#[path = "../tests/common/battery.rs"]
mod battery;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vquad::{Context, Options, Rule};

const RULES: [Rule; 3] = [Rule::Auto, Rule::GaussKronrod, Rule::TanhSinh];

/// About a microsecond per point: a 100-term Fourier sum. On `[0, 10]` at
/// `epsrel = 1e-12` QAGS needs a few hundred intervals, refined in batches.
fn expensive(x: f64) -> f64 {
    let mut s = 1.0;
    for k in 1..=100 {
        let k = f64::from(k);
        s += (k * x).cos() / (k * k);
    }
    s
}

/// Integrates every battery case once; returns the total evaluations.
fn run_battery(ctx: &Context, rule: Rule) -> u64 {
    let opts = Options::adaptive(rule, 0.0, 1e-10);
    battery::cases()
        .iter()
        .map(|c| match ctx.integrate(&c.f, c.a, c.b, &opts) {
            Ok(r) => black_box(r).evals,
            Err(vquad::Error::MaxEvals { partial, .. }) => partial.evals,
            Err(e) => panic!("{}: {e}", c.name),
        })
        .sum()
}

fn battery_counts(ctx: &Context) {
    let cases = battery::cases();
    let quadpack: u64 = cases.iter().map(|c| c.quadpack_evals).sum();
    println!("battery at epsrel 1e-10: evaluations (QUADPACK QAGS/QAGI: {quadpack})");
    for rule in RULES {
        let evals = run_battery(ctx, rule);
        println!(
            "  {rule:<14} {evals:>7}  ({:.3}x QUADPACK)",
            evals as f64 / quadpack as f64
        );
    }
}

fn battery(c: &mut Criterion) {
    let ctx = Context::new(1).unwrap();
    battery_counts(&ctx);
    let mut g = c.benchmark_group("battery_1e-10");
    g.measurement_time(Duration::from_secs(3));
    for rule in RULES {
        g.bench_function(rule.name(), |b| b.iter(|| run_battery(&ctx, rule)));
    }
    g.finish();
}

fn speedup(c: &mut Criterion) {
    let opts = |rule| Options::adaptive(rule, 0.0, 1e-12);
    let probe =
        Context::new(1)
            .unwrap()
            .integrate(&expensive, 0.0, 10.0, &opts(Rule::GaussKronrod));
    let probe = probe.unwrap();
    println!(
        "expensive integrand at epsrel 1e-12: {} evaluations, {} subintervals",
        probe.evals, probe.subintervals
    );
    // Criterion's means suffer on a shared machine; the minimum of
    // interleaved runs is the figure to quote there.
    for rule in [Rule::GaussKronrod, Rule::Auto] {
        let (c1, c2) = (Context::new(1).unwrap(), Context::new(2).unwrap());
        let (mut t1, mut t2) = (f64::MAX, f64::MAX);
        for _ in 0..40 {
            for (ctx, best) in [(&c1, &mut t1), (&c2, &mut t2)] {
                let t = Instant::now();
                black_box(ctx.integrate(&expensive, 0.0, 10.0, &opts(rule)).unwrap());
                *best = best.min(t.elapsed().as_secs_f64());
            }
        }
        println!(
            "  {rule}: min of 40 interleaved runs: 1 thread {:.2} ms, 2 threads {:.2} ms, \
             speedup {:.2}x",
            t1 * 1e3,
            t2 * 1e3,
            t1 / t2
        );
    }
    let mut g = c.benchmark_group("expensive_1e-12");
    g.sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(probe.evals));
    for rule in [Rule::GaussKronrod, Rule::Auto] {
        for threads in [1usize, 2] {
            let ctx = Context::new(threads).unwrap();
            g.bench_with_input(BenchmarkId::new(rule.name(), threads), &threads, |b, _| {
                b.iter(|| {
                    ctx.integrate(&expensive, 0.0, 10.0, &opts(rule))
                        .unwrap()
                        .value
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, battery, speedup);
criterion_main!(benches);
