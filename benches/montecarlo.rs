//! The sampling rules against their Python anchors, measured side by side
//! in one run: plain MC against numpy's Philox with a vectorized numpy
//! integrand, QMC against SciPy's `qmc_quad`, VEGAS against `vegas` 6.x.
//!
//! Run: `cargo bench --bench montecarlo` (needs python3 with numpy, scipy
//! and vegas: `.ci/install-deps.sh`). Prints a table; the integrands and
//! constants are those of `benches/montecarlo_anchors.py`. Best of a few
//! repetitions; the host's load (`uptime`) is printed before and after.

use std::ffi::c_void;
use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use vquad::integrand::nd::NdBatchCallbackFn;
use vquad::sampling::integrate_box;
use vquad::sampling::philox::{resolve_seed, Stream};
use vquad::sampling::sobol::Scramble;
use vquad::sampling::uniform::fill_columns;
use vquad::{Context, NdExpr, Options, Rule};

const GC: [f64; 5] = [1.5, 2.0, 1.0, 2.5, 1.2];
const GW: [f64; 5] = [0.3, 0.5, 0.7, 0.4, 0.6];
const PC: [f64; 5] = [12.0, 9.0, 15.0, 10.0, 11.0];
const PW: [f64; 5] = [0.3, 0.45, 0.5, 0.6, 0.7];

fn gaussian_expr() -> String {
    let terms: Vec<String> = (0..5)
        .map(|j| format!("{}*(x{} - {})^2", GC[j] * GC[j], j + 1, GW[j]))
        .collect();
    format!("exp(-({}))", terms.join(" + "))
}

/// erf by its Maclaurin series (|x| ≤ 3 here), summed until the terms
/// vanish.
fn erf(x: f64) -> f64 {
    let mut sum = 0.0f64;
    let mut term = x;
    let mut k = 0.0f64;
    while term.abs() > 1e-18 * sum.abs().max(1e-300) || k < 5.0 {
        sum += term / (2.0 * k + 1.0);
        k += 1.0;
        term *= -x * x / k;
    }
    2.0 / std::f64::consts::PI.sqrt() * sum
}

fn gaussian_exact() -> f64 {
    (0..5)
        .map(|j| {
            let (c, w) = (GC[j], GW[j]);
            std::f64::consts::PI.sqrt() / (2.0 * c) * (erf(c * (1.0 - w)) + erf(c * w))
        })
        .product()
}

fn peak_exact() -> f64 {
    (0..5)
        .map(|j| PC[j] * ((PC[j] * (1.0 - PW[j])).atan() + (PC[j] * PW[j]).atan()))
        .product()
}

/// The product peak as a C batch callback.
unsafe extern "C" fn peak_batch(
    x: *const f64,
    npts: usize,
    ndim: usize,
    f: *mut f64,
    _nout: usize,
    _p: *mut c_void,
) -> i32 {
    // SAFETY: vquad passes npts·ndim coordinates and npts outputs.
    let (x, f) = unsafe {
        (
            std::slice::from_raw_parts(x, npts * ndim),
            std::slice::from_raw_parts_mut(f, npts),
        )
    };
    for (p, o) in x.chunks_exact(ndim).zip(f.iter_mut()) {
        let mut v = 1.0;
        for j in 0..5 {
            let d = p[j] - PW[j];
            v *= 1.0 / (1.0 / (PC[j] * PC[j]) + d * d);
        }
        *o = v;
    }
    0
}

fn best_of<R>(reps: usize, mut f: impl FnMut() -> R) -> (f64, R) {
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(r);
    }
    (best, last.expect("reps > 0"))
}

fn anchor(args: &[&str]) -> Option<serde_like::Doc> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/montecarlo_anchors.py");
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "anchor {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(serde_like::Doc(
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// Just enough JSON reading for the anchors' flat documents.
mod serde_like {
    /// One flat JSON object as text.
    pub struct Doc(pub String);
    impl Doc {
        /// The number under `key`.
        pub fn num(&self, key: &str) -> f64 {
            let pat = format!("\"{key}\": ");
            let rest = &self.0[self.0.find(&pat).map(|i| i + pat.len()).unwrap_or(0)..];
            let end = rest.find([',', '}']).unwrap_or(rest.len());
            rest[..end].trim().parse().unwrap_or(f64::NAN)
        }
    }
}

fn uptime() -> String {
    Command::new("uptime")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn main() {
    println!("# vquad sampling benchmark");
    println!(
        "cpu: {} ({}), SIMD {}",
        cpu_model(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        vquad::simd::isa()
    );
    println!("load before: {}", uptime());
    let exact_g = gaussian_exact();
    let gauss = NdExpr::parse(&gaussian_expr(), 5).expect("expression parses");
    let unit = ([0.0; 5], [1.0; 5]);
    let (c1, c2) = (Context::new(1).unwrap(), Context::new(2).unwrap());

    // 1. Plain MC throughput.
    let n_mc: u64 = 1 << 23;
    let mc = Options {
        rule: Rule::MonteCarlo,
        n: n_mc,
        ..Options::default()
    };
    let (t1, r1) = best_of(3, || {
        integrate_box(&c1, &gauss, Rule::MonteCarlo, &unit.0, &unit.1, &mc).unwrap()
    });
    let (t2, r2) = best_of(3, || {
        integrate_box(&c2, &gauss, Rule::MonteCarlo, &unit.0, &unit.1, &mc).unwrap()
    });
    assert_eq!(r1.values[0].to_bits(), r2.values[0].to_bits());
    let mut buf = vec![0.0; 512 * 5];
    let (tg, _) = best_of(3, || {
        let mut i = 0;
        while i < n_mc {
            fill_columns(1, Stream::MonteCarlo, i, 5, 512, 512, &mut buf);
            black_box(&buf);
            i += 512;
        }
    });
    // The host's 2-thread ceiling in the same run: generation alone on two
    // plain threads, each doing the full single-thread amount of work.
    let gen = |first: u64| {
        let mut buf = vec![0.0; 512 * 5];
        let mut i = 0;
        while i < n_mc {
            fill_columns(1, Stream::MonteCarlo, first + i, 5, 512, 512, &mut buf);
            black_box(&buf);
            i += 512;
        }
    };
    let (tc, _) = best_of(3, || {
        std::thread::scope(|s| {
            s.spawn(|| gen(0));
            s.spawn(|| gen(n_mc));
        })
    });
    let ceiling = 2.0 * tg / tc;
    let scramble = Scramble::new(resolve_seed(7), 0, 5);
    let (ts, _) = best_of(3, || {
        let mut i = 0;
        while i < n_mc.min(1 << 22) {
            scramble.fill_columns(i, 512, 512, &mut buf);
            black_box(&buf);
            i += 512;
        }
    });
    let n_sobol = n_mc.min(1 << 22);
    let np = anchor(&["numpy-mc", "4000000"]);
    let np_rate = np.as_ref().map_or(f64::NAN, |d| d.num("mpts_per_s"));
    let (rate1, rate2) = (n_mc as f64 / t1 / 1e6, n_mc as f64 / t2 / 1e6);
    println!();
    println!("| plain MC, 5-D Gaussian expression | value |");
    println!("|---|---|");
    println!(
        "| vquad 1 thread | {rate1:.1} Mpts/s ({:.1} ns/point generation + evaluation) |",
        t1 / n_mc as f64 * 1e9
    );
    println!(
        "| vquad 2 threads | {rate2:.1} Mpts/s (speedup {:.2}x) |",
        t1 / t2
    );
    println!("| host ceiling, 2 threads (generation alone on 2 plain threads) | {ceiling:.2}x |");
    println!(
        "| Philox generation alone, 5-D | {:.1} ns/point |",
        tg / n_mc as f64 * 1e9
    );
    println!(
        "| scrambled Sobol generation alone, 5-D | {:.1} ns/point |",
        ts / n_sobol as f64 * 1e9
    );
    println!("| numpy Philox + vectorized numpy, 1 thread | {np_rate:.2} Mpts/s |");
    println!("| vquad / numpy per thread | {:.0}x |", rate1 / np_rate);
    println!(
        "| estimate (2^23 samples) | {:.6e} ± {:.1e} (true error {:.1e}) |",
        r1.values[0],
        r1.errors[0],
        (r1.values[0] - exact_g).abs()
    );

    // 2. QMC at 8 x 2^17 points against SciPy's qmc_quad.
    let qmc = Options {
        rule: Rule::Qmc,
        n: 1 << 17,
        replicates: 8,
        seed: 7,
        ..Options::default()
    };
    let (tq1, q) = best_of(3, || {
        integrate_box(&c1, &gauss, Rule::Qmc, &unit.0, &unit.1, &qmc).unwrap()
    });
    let (tq2, _) = best_of(3, || {
        integrate_box(&c2, &gauss, Rule::Qmc, &unit.0, &unit.1, &qmc).unwrap()
    });
    let sp = anchor(&["qmc-quad"]);
    let (sp_err, sp_se, sp_t) = sp.as_ref().map_or((f64::NAN, f64::NAN, f64::NAN), |d| {
        (d.num("error"), d.num("std_error"), d.num("seconds"))
    });
    let q_err = (q.values[0] - exact_g).abs();
    println!();
    println!("| QMC, 8 x 2^17 Sobol points, 5-D Gaussian | error | std error | time |");
    println!("|---|---|---|---|");
    println!(
        "| vquad, 1 thread | {q_err:.2e} | {:.2e} | {:.4} s |",
        q.errors[0], tq1
    );
    println!("| vquad, 2 threads | same bits | | {tq2:.4} s |");
    println!("| SciPy qmc_quad | {sp_err:.2e} | {sp_se:.2e} | {sp_t:.4} s |");
    println!(
        "| vquad speed / SciPy | 1 thread {:.0}x, 2 threads {:.0}x | std error ratio {:.2} | |",
        sp_t / tq1,
        sp_t / tq2,
        q.errors[0] / sp_se
    );

    // 3. VEGAS on the 5-D product peak with a C batch callback, first with
    // the anchor's 10^5 evaluations per iteration, then with vquad's
    // default iteration size (n = 0).
    // SAFETY: the callback is thread-safe and needs no parameters.
    let peak = unsafe { NdBatchCallbackFn::new(peak_batch, std::ptr::null_mut(), 5, 1) };
    let exact_p = peak_exact();
    let vg = anchor(&["vegas"]);
    let (vg_rel, vg_t, vg_chi, vg_evals) =
        vg.as_ref()
            .map_or((f64::NAN, f64::NAN, f64::NAN, f64::NAN), |d| {
                (
                    d.num("rel_std_error"),
                    d.num("seconds"),
                    d.num("chi2_dof"),
                    d.num("evals"),
                )
            });
    println!();
    println!(
        "| VEGAS, 5-D product peak, epsrel 1e-4 | est. rel. error | true rel. error | evals | chi2/dof | time | vegas time / this |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut per_eval = f64::NAN;
    for (n, label) in [
        (100_000, "n = 1e5 per iteration (as the anchor)"),
        (0, "default n (5e4)"),
    ] {
        let vopts = Options {
            rule: Rule::Vegas,
            n,
            epsrel: 1e-4,
            max_evals: 3_000_000,
            seed: 1,
            ..Options::default()
        };
        let (tv1, v) = best_of(3, || {
            integrate_box(&c1, &peak, Rule::Vegas, &unit.0, &unit.1, &vopts).unwrap()
        });
        let (tv2, v2) = best_of(3, || {
            integrate_box(&c2, &peak, Rule::Vegas, &unit.0, &unit.1, &vopts).unwrap()
        });
        let same = if v2.values[0].to_bits() == v.values[0].to_bits() {
            "same bits"
        } else {
            "DIFFERENT BITS"
        };
        if n == 100_000 {
            per_eval = tv1 / v.evals as f64;
        }
        let rel_se = v.errors[0] / v.values[0].abs();
        let true_rel = (v.values[0] - exact_p).abs() / exact_p;
        println!(
            "| vquad, {label}, C batch callback, 1 thread | {rel_se:.2e} | {true_rel:.2e} ({:.1} SE) | {} | {:.2} | {tv1:.4} s | {:.1}x |",
            true_rel / rel_se,
            v.evals,
            v.chi2_dof,
            vg_t / tv1
        );
        println!(
            "| vquad, {label}, 2 threads | {same} | | | | {tv2:.4} s | {:.1}x |",
            vg_t / tv2
        );
    }
    println!("| vegas 6.x (numpy batch, 10+10 x 1e5, best of 3) | {vg_rel:.2e} | | {vg_evals} | {vg_chi:.2} | {vg_t:.4} s | |");
    let vg_per_eval = vg_t / vg_evals;
    println!(
        "| time per evaluation, 1 thread | vquad (n = 1e5) {:.1} ns | vegas {:.1} ns | | | | {:.1}x |",
        per_eval * 1e9,
        vg_per_eval * 1e9,
        vg_per_eval / per_eval
    );
    println!();
    println!("load after: {}", uptime());
}
