//! exp(-x^2)*cos(x) on [-5, 5], midpoint: the expression VM against a scalar
//! C-ABI callback, a batch C-ABI callback, and the same loop compiled inline
//! by gcc (-O3 -march=native -ffast-math -fopenmp, vectorized through
//! libmvec), at 1 and 2 threads in the same run.
//!
//! Run: `cargo bench --bench expr`. Compare throughputs (points/s): the
//! callbacks run on n = 2·10^7 to keep the run short, the others on 10^8.

use std::ffi::c_void;
use std::time::Duration;

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
