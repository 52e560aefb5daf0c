//! `cargo bench --bench cubature`: the multi-D figures of the cubature
//! README section, each a ratio measured in one run (interleaved
//! repetitions, minimum and median), never a test.
//!
//! 1. 2-thread speedup of adaptive Genz–Malik on an 8-D integrand of about
//!    1 µs per point, beside the machine's ceiling for the same evaluations
//!    (the points of the run evaluated in fixed chunks over the same
//!    2-thread pool, with no adaptive step at all).
//! 2. A 5-D Gaussian as an expression against the same function as a C
//!    point callback (Gauss–Legendre tensor and adaptive, 1 thread).

use std::ffi::c_void;
use std::hint::black_box;
use std::time::Instant;

use rayon::prelude::*;
use vquad::integrand::nd::{NdExpr, NdIntegrand, NdPointFn};
use vquad::{Context, Error, NdBatchFn, Options, Rule};

const REPS: usize = 5;

/// About 1 µs per point in 8-D: a 90-term Fourier sum of a linear form.
fn costly(x: &[f64]) -> f64 {
    let s: f64 = x.iter().enumerate().map(|(i, v)| (i + 1) as f64 * v).sum();
    (1..=60)
        .map(|k| (k as f64 * 0.05 * s).cos() / (k * k) as f64)
        .sum::<f64>()
        + 2.0
}

fn min_median(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn time(run: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    run();
    t.elapsed().as_secs_f64()
}

fn speedup_8d() {
    let d = 8;
    let f = NdBatchFn::new(d, 1, |xs: &[f64], out: &mut [f64]| {
        for (x, o) in xs.chunks_exact(d).zip(out.iter_mut()) {
            *o = costly(x);
        }
    });
    let opts = Options {
        max_evals: 1_000_000,
        ..Options::adaptive(Rule::GenzMalik, 0.0, 1e-14)
    };
    let run = |ctx: &Context| match ctx.integrate_nd(&f, &[0.0; 8], &[1.0; 8], &opts) {
        Ok(r) => r.evals,
        Err(Error::MaxEvals { partial, .. }) => partial.evals,
        Err(e) => panic!("{e}"),
    };
    let c1 = Context::new(1).unwrap();
    let c2 = Context::new(2).unwrap();
    let evals = run(&c1);
    let per = {
        let t = Instant::now();
        let mut s = 0.0;
        for i in 0..20_000 {
            s += costly(&[i as f64 * 1e-5; 8]);
        }
        black_box(s);
        t.elapsed().as_secs_f64() / 20_000.0
    };
    // The ceiling: the same number of evaluations, in 2048-point chunks.
    let xs: Vec<f64> = (0..evals as usize * d)
        .map(|i| (i as f64 * 0.618_033_988_75).fract())
        .collect();
    let chunk = |c: &[f64]| c.chunks_exact(d).map(costly).sum::<f64>();
    let ceiling = |pool: Option<&Context>| match pool {
        None => xs.chunks(2048 * d).map(chunk).sum::<f64>(),
        Some(ctx) => ctx.install(|| xs.par_chunks(2048 * d).map(chunk).sum::<f64>()),
    };
    let mut t: [Vec<f64>; 4] = Default::default();
    for _ in 0..REPS {
        t[0].push(time(&mut || {
            black_box(run(&c1));
        }));
        t[1].push(time(&mut || {
            black_box(run(&c2));
        }));
        t[2].push(time(&mut || {
            black_box(ceiling(None));
        }));
        t[3].push(time(&mut || {
            black_box(ceiling(Some(&c2)));
        }));
    }
    let [v1, v2, m1, m2] = t.map(min_median);
    println!(
        "8-D adaptive Genz–Malik, {evals} evaluations of {:.2} µs each, {REPS} interleaved runs:",
        per * 1e6
    );
    for (label, at) in [("min", 0usize), ("median", 1)] {
        let p = |s: (f64, f64)| if at == 0 { s.0 } else { s.1 };
        let (sv, sm) = (p(v1) / p(v2), p(m1) / p(m2));
        println!(
            "  {label:<6}: 1 thread {:.3} s, 2 threads {:.3} s, speedup {sv:.2}x | ceiling {sm:.2}x \
             | {:.0}% of the ceiling",
            p(v1),
            p(v2),
            100.0 * sv / sm
        );
    }
}

extern "C" fn gauss5(
    x: *const f64,
    ndim: usize,
    fval: *mut f64,
    _nout: usize,
    _p: *mut c_void,
) -> i32 {
    // SAFETY: vquad passes `ndim` coordinates and room for one value.
    let x = unsafe { std::slice::from_raw_parts(x, ndim) };
    let s: f64 = x.iter().map(|v| v * v).sum();
    // SAFETY: as above.
    unsafe { *fval = (-s).exp() };
    0
}

fn expression_vs_callback() {
    let expr = NdExpr::parse("exp(-(x1^2+x2^2+x3^2+x4^2+x5^2))", 5).unwrap();
    // SAFETY: `gauss5` is thread-safe and uses no parameters.
    let cb = unsafe { NdPointFn::new(gauss5, std::ptr::null_mut(), 5, 1) };
    let ctx = Context::new(1).unwrap();
    let cases = [
        (
            "Gauss–Legendre 24^5 tensor",
            Options {
                order: 8,
                ..Options::fixed(Rule::GaussLegendre, 3)
            },
        ),
        (
            "adaptive epsrel 1e-9",
            Options::adaptive(Rule::GenzMalik, 0.0, 1e-9),
        ),
    ];
    println!("5-D Gaussian on [-1,1]^5, expression vs C point callback, 1 thread, {REPS} interleaved runs:");
    for (name, opts) in cases {
        let fs: [&dyn NdIntegrand; 2] = [&expr, &cb];
        let mut t: [Vec<f64>; 2] = Default::default();
        let mut evals = 0;
        for _ in 0..REPS {
            for (i, f) in fs.iter().enumerate() {
                t[i].push(time(&mut || {
                    let r = vquad::cubature::integrate_nd(&ctx, *f, &[-1.0; 5], &[1.0; 5], &opts)
                        .unwrap();
                    evals = r.integral.evals;
                    black_box(r);
                }));
            }
        }
        let [e, c] = t.map(min_median);
        println!(
            "  {name} ({evals} points): expression {:.1} ms, callback {:.1} ms, ratio {:.2}x (min), {:.2}x (median)",
            e.0 * 1e3,
            c.0 * 1e3,
            c.0 / e.0,
            c.1 / e.1
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    speedup_8d();
    expression_vs_callback();
}
