//! exp(-x^2)*cos(x) on [-5, 5], midpoint: the expression VM against a scalar
//! C-ABI callback, a batch C-ABI callback, and the same loop compiled inline
//! by gcc (-O3 -march=native -ffast-math -fopenmp, vectorized through
//! libmvec), at 1 and 2 threads in the same run.
//!
//! Run: `cargo bench --bench expr`. It first prints the ratio table
//! (vquad expression / gcc + libmvec, 1 and 2 threads, n = 10^8, best of
//! interleaved rounds, with the CPU model and the load), then criterion's
//! throughputs: the callbacks run on n = 2·10^7 to keep the run short, the
//! others on 10^8.

use std::ffi::c_void;
use std::path::Path;
use std::time::{Duration, Instant};

#[path = "common/c_reference.rs"]
mod c_reference;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vquad::{BatchFn, Context, Expr, Integrand, Options, Rule, ScalarFn};

const N: u64 = 100_000_000;
const N_CALLBACK: u64 = 20_000_000;

unsafe extern "C" fn scalar(x: f64, _: *mut c_void) -> f64 {
    (-x * x).exp() * x.cos()
}

unsafe extern "C" fn batch(x: *const f64, fx: *mut f64, n: usize, _: *mut c_void) -> i32 {
    // SAFETY: vquad passes n readable abscissae and n writable outputs.
    let (x, fx) = unsafe {
        (
            std::slice::from_raw_parts(x, n),
            std::slice::from_raw_parts_mut(fx, n),
        )
    };
    for (y, &x) in fx.iter_mut().zip(x) {
        *y = (-x * x).exp() * x.cos();
    }
    0
}

/// Rounds of the ratio table; each measures every configuration once, in
/// turn, so a burst of load from other processes hits both sides alike.
const ROUNDS: usize = 5;

/// The first `model name` of /proc/cpuinfo.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

/// The 1/5/15-minute load averages.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Whether the reference binary calls libmvec's vector functions (gcc
/// falls back to scalar `exp`/`cos` silently when it cannot vectorize).
fn uses_libmvec(exe: &Path) -> bool {
    std::fs::read(exe).is_ok_and(|b| {
        b.windows(10)
            .any(|w| w == b"_ZGVdN4v_e" || w == b"_ZGVeN8v_e")
    })
}

/// Prints vquad's throughput over gcc + libmvec's, measured in interleaved
/// rounds in this run, best of [`ROUNDS`] for each.
fn ratio_table(e: &Expr, exe: &Path) {
    let opts = Options::fixed(Rule::Midpoint, N);
    let ctxs = [Context::new(1).unwrap(), Context::new(2).unwrap()];
    let mut best = [[f64::INFINITY; 2]; 2]; // [threads - 1][vquad, C]
    let before = load();
    for _ in 0..ROUNDS {
        for (t, ctx) in ctxs.iter().enumerate() {
            let t0 = Instant::now();
            let v = ctx.integrate(e, -5.0, 5.0, &opts).unwrap().value;
            best[t][0] = best[t][0].min(t0.elapsed().as_secs_f64());
            assert!((v - 1.380_388_447_043_143).abs() < 1e-9, "{v}");
            let c = c_reference::time(&exe.to_path_buf(), N, t + 1, 1).as_secs_f64();
            best[t][1] = best[t][1].min(c);
        }
    }
    let mpts = |s: f64| N as f64 / s / 1e6;
    println!();
    println!(
        "exp(-x^2)*cos(x) on [-5, 5], midpoint, n = 10^8, best of {ROUNDS} interleaved rounds"
    );
    println!(
        "CPU: {}; load average before: {before}, after: {}",
        cpu_model(),
        load()
    );
    println!(
        "reference: gcc -O3 -march=native -ffast-math -fopenmp, vectorized through libmvec: {}",
        if uses_libmvec(exe) {
            "yes"
        } else {
            "NO (scalar exp/cos)"
        }
    );
    println!("| threads | vquad expression | gcc + libmvec | ratio |");
    println!("|---|---|---|---|");
    for (t, [v, c]) in best.iter().enumerate() {
        println!(
            "| {} | {:.0} Mpts/s | {:.0} Mpts/s | {:.2}x |",
            t + 1,
            mpts(*v),
            mpts(*c),
            c / v
        );
    }
    println!();
}

fn expr(c: &mut Criterion) {
    let e = Expr::parse("exp(-x^2)*cos(x)").unwrap();
    // SAFETY: the callbacks are pure functions and take no params.
    let (s, b) = unsafe {
        (
            ScalarFn::new(scalar, std::ptr::null_mut()),
            BatchFn::new(batch, std::ptr::null_mut()),
        )
    };
    let cases: [(&str, &dyn Integrand, u64); 3] = [
        ("expression", &e, N),
        ("scalar_callback", &s, N_CALLBACK),
        ("batch_callback", &b, N_CALLBACK),
    ];
    let c_ref = c_reference::build(
        "expr_reference.c",
        &["-O3", "-march=native", "-ffast-math", "-fopenmp"],
    );
    match &c_ref {
        Some(exe) => ratio_table(&e, exe),
        None => println!("gcc not found: no ratio table"),
    }
    let mut g = c.benchmark_group("expr_exp_cos");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    for threads in [1usize, 2] {
        let ctx = Context::new(threads).unwrap();
        for (name, f, n) in cases {
            let opts = Options::fixed(Rule::Midpoint, n);
            g.throughput(Throughput::Elements(n));
            g.bench_with_input(BenchmarkId::new(name, threads), &threads, |bch, _| {
                bch.iter(|| ctx.integrate(f, -5.0, 5.0, &opts).unwrap().value)
            });
        }
        if let Some(exe) = &c_ref {
            g.throughput(Throughput::Elements(N));
            g.bench_with_input(
                BenchmarkId::new("inline_c_libmvec", threads),
                &threads,
                |bch, &t| bch.iter_custom(|iters| c_reference::time(exe, N, t, iters)),
            );
        }
    }
    g.finish();
}

criterion_group!(benches, expr);
criterion_main!(benches);
