//! The sampling rules (Monte Carlo, QMC, VEGAS) through their Rust entry
//! points: reproducibility across thread counts and seeds, statistical
//! coverage of the error estimate, convergence orders, and VEGAS's gain.

use vquad::sampling::{integrate_box, Estimate};
use vquad::{Context, NdFn, NdIntegrand, Options, Rule};

/// The sampling knobs of a test run.
#[derive(Clone, Copy)]
struct SampleOptions {
    n: u64,
    epsrel: f64,
    max_evals: u64,
    seed: u64,
    replicates: u32,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions {
            n: 0,
            epsrel: 1e-3,
            max_evals: 0,
            seed: 0,
            replicates: 0,
        }
    }
}

type Runner = fn(&Context, &dyn NdIntegrand, &Cube, &SampleOptions) -> vquad::Result<Estimate>;

/// Box bounds.
struct Cube(Vec<f64>, Vec<f64>);

fn run_rule(
    rule: Rule,
    ctx: &Context,
    f: &dyn NdIntegrand,
    cube: &Cube,
    s: &SampleOptions,
) -> vquad::Result<Estimate> {
    let opts = Options {
        rule,
        n: s.n,
        epsrel: s.epsrel,
        max_evals: s.max_evals,
        seed: s.seed,
        replicates: s.replicates,
        ..Options::default()
    };
    integrate_box(ctx, f, rule, &cube.0, &cube.1, &opts)
}

mod mc {
    use super::*;
    pub fn integrate(
        c: &Context,
        f: &dyn NdIntegrand,
        b: &Cube,
        s: &SampleOptions,
    ) -> vquad::Result<Estimate> {
        run_rule(Rule::MonteCarlo, c, f, b, s)
    }
}
mod qmc {
    use super::*;
    pub fn integrate(
        c: &Context,
        f: &dyn NdIntegrand,
        b: &Cube,
        s: &SampleOptions,
    ) -> vquad::Result<Estimate> {
        run_rule(Rule::Qmc, c, f, b, s)
    }
}
mod vegas {
    use super::*;
    pub fn integrate(
        c: &Context,
        f: &dyn NdIntegrand,
        b: &Cube,
        s: &SampleOptions,
    ) -> vquad::Result<Estimate> {
        run_rule(Rule::Vegas, c, f, b, s)
    }
}

const RULES: [(&str, Runner); 3] = [
    ("monte-carlo", mc::integrate),
    ("qmc", qmc::integrate),
    ("vegas", vegas::integrate),
];

/// exp(Σ a_j x_j) on [0,1]^5 and its exact integral.
const A: [f64; 5] = [0.3, -0.7, 0.5, 0.9, -0.2];
fn smooth() -> impl NdIntegrand {
    NdFn::new(5, 1, |x: &[f64], o: &mut [f64]| {
        o[0] = x.iter().zip(A).map(|(x, a)| x * a).sum::<f64>().exp();
    })
}
fn smooth_exact() -> f64 {
    A.iter().map(|a| (a.exp() - 1.0) / a).product()
}

fn unit(d: usize) -> Cube {
    Cube(vec![0.0; d], vec![1.0; d])
}

#[test]
fn every_rule_gives_the_same_bits_on_1_2_3_8_16_threads() {
    // Two components, one infinite axis: exp(-x²)·y and x²·exp(-x²)·y on
    // (-inf, inf) × [0, 2], plus a third finite axis.
    let f = NdFn::new(3, 2, |x: &[f64], o: &mut [f64]| {
        let e = (-x[0] * x[0]).exp() * x[1] * (1.0 + x[2]);
        o[0] = e;
        o[1] = x[0] * x[0] * e;
    });
    let cube = Cube(
        vec![f64::NEG_INFINITY, 0.0, 0.0],
        vec![f64::INFINITY, 2.0, 1.0],
    );
    for (name, run) in RULES {
        for n in [0u64, 50_000] {
            let opts = SampleOptions {
                n,
                epsrel: 3e-3,
                max_evals: 2_000_000,
                seed: 11,
                ..SampleOptions::default()
            };
            let one = run(&Context::new(1).unwrap(), &f, &cube, &opts).unwrap();
            let pi = std::f64::consts::PI.sqrt() * 2.0 * 1.5;
            assert!(
                (one.values[0] - pi).abs() < 5.0 * one.errors[0] + 1e-12,
                "{name}: {one:?}"
            );
            assert!(
                (one.values[1] - pi / 2.0).abs() < 5.0 * one.errors[1],
                "{name}: {one:?}"
            );
            for threads in [2, 3, 8, 16] {
                let r = run(&Context::new(threads).unwrap(), &f, &cube, &opts).unwrap();
                for k in 0..2 {
                    assert_eq!(
                        r.values[k].to_bits(),
                        one.values[k].to_bits(),
                        "{name} n={n} {threads}t"
                    );
                    assert_eq!(
                        r.errors[k].to_bits(),
                        one.errors[k].to_bits(),
                        "{name} n={n} {threads}t"
                    );
                }
                assert_eq!(r.evals, one.evals);
            }
        }
    }
}

#[test]
fn another_seed_gives_another_estimate_and_seed_zero_is_the_default_seed() {
    let ctx = Context::new(2).unwrap();
    let f = smooth();
    for (name, run) in RULES {
        let at = |seed| {
            let opts = SampleOptions {
                n: 8192,
                seed,
                max_evals: 1_000_000,
                ..SampleOptions::default()
            };
            run(&ctx, &f, &unit(5), &opts).unwrap().values[0]
        };
        assert_ne!(at(1).to_bits(), at(2).to_bits(), "{name}");
        assert_eq!(
            at(0).to_bits(),
            at(vquad::options::DEFAULT_SEED).to_bits(),
            "{name}"
        );
    }
}

/// Fraction of `seeds` runs whose true error is within two standard errors.
fn coverage(run: Runner, opts: SampleOptions, seeds: u64) -> f64 {
    let ctx = Context::new(2).unwrap();
    let f = smooth();
    let exact = smooth_exact();
    let hits = (1..=seeds)
        .filter(|&seed| {
            let r = run(&ctx, &f, &unit(5), &SampleOptions { seed, ..opts }).unwrap();
            (r.values[0] - exact).abs() <= 2.0 * r.errors[0]
        })
        .count();
    hits as f64 / seeds as f64
}

#[test]
fn monte_carlo_two_standard_errors_cover_the_truth_in_90_to_99_percent_of_seeds() {
    let opts = SampleOptions {
        n: 1 << 13,
        ..SampleOptions::default()
    };
    let c = coverage(mc::integrate, opts, 200);
    eprintln!("MC coverage of ±2 SE over 200 seeds: {c}");
    assert!((0.90..=0.99).contains(&c), "coverage {c}");
}

#[test]
fn qmc_two_standard_errors_cover_the_truth_in_90_to_99_percent_of_seeds() {
    // With R replicates the studentized error follows Student's t with
    // R − 1 degrees of freedom: P(|t_15| < 2) = 0.936.
    let opts = SampleOptions {
        n: 1 << 9,
        replicates: 16,
        ..SampleOptions::default()
    };
    let c = coverage(qmc::integrate, opts, 200);
    eprintln!("QMC coverage of ±2 SE over 200 seeds: {c}");
    assert!((0.90..=0.99).contains(&c), "coverage {c}");
}

/// Least-squares slope of log(rmse) against log(points).
fn slope(points: &[f64], rmse: &[f64]) -> f64 {
    let xs: Vec<f64> = points.iter().map(|p| p.ln()).collect();
    let ys: Vec<f64> = rmse.iter().map(|e| e.ln()).collect();
    let (mx, my) = (xs.iter().sum::<f64>() / 6.0, ys.iter().sum::<f64>() / 6.0);
    let num: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let den: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    num / den
}

#[test]
fn qmc_rmse_falls_faster_than_n_to_the_minus_0_9_while_mc_falls_as_n_to_the_minus_half() {
    let ctx = Context::new(2).unwrap();
    let f = smooth();
    let exact = smooth_exact();
    let sizes: Vec<u64> = (0..6).map(|k| 1u64 << (10 + 2 * k)).collect();
    let mut q = Vec::new();
    let mut m = Vec::new();
    for &n in &sizes {
        // RMSE over 4 randomizations, measured against the exact value.
        let mut sq = 0.0;
        for seed in 1..=4 {
            let opts = SampleOptions {
                n,
                seed,
                replicates: 2,
                max_evals: 1 << 30,
                ..SampleOptions::default()
            };
            let r = qmc::integrate(&ctx, &f, &unit(5), &opts).unwrap();
            sq += (r.values[0] - exact).powi(2);
        }
        q.push((sq / 4.0).sqrt());
        // MC: its standard error (n·2 samples, the same evaluations).
        let opts = SampleOptions {
            n: 2 * n,
            seed: 5,
            ..SampleOptions::default()
        };
        m.push(mc::integrate(&ctx, &f, &unit(5), &opts).unwrap().errors[0]);
    }
    let points: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
    let (sq, sm) = (slope(&points, &q), slope(&points, &m));
    eprintln!("slopes: QMC {sq}, MC {sm}");
    assert!(sq <= -0.9, "QMC slope {sq}: {q:?}");
    assert!((-0.55..=-0.45).contains(&sm), "MC slope {sm}: {m:?}");
}

#[test]
fn vegas_error_is_ten_times_below_plain_monte_carlo_on_a_product_peak_at_equal_evaluations() {
    let ctx = Context::new(2).unwrap();
    // Genz product peak, c = 12, w = 0.3 … 0.7 per axis.
    let c = 12.0f64;
    let w = [0.3, 0.45, 0.5, 0.6, 0.7];
    let f = NdFn::new(5, 1, move |x: &[f64], o: &mut [f64]| {
        o[0] = x
            .iter()
            .zip(w)
            .map(|(x, w)| 1.0 / (c.powi(-2) + (x - w) * (x - w)))
            .product();
    });
    let exact: f64 = w
        .iter()
        .map(|w| c * ((c * (1.0 - w)).atan() + (c * w).atan()))
        .product();
    for seed in 1..=3 {
        let vopts = SampleOptions {
            n: 20_000,
            epsrel: 1e-9,
            max_evals: 400_000,
            seed,
            ..SampleOptions::default()
        };
        let v = vegas::integrate(&ctx, &f, &unit(5), &vopts).unwrap();
        let mopts = SampleOptions {
            n: v.evals,
            seed,
            ..SampleOptions::default()
        };
        let m = mc::integrate(&ctx, &f, &unit(5), &mopts).unwrap();
        let verr = (v.values[0] - exact).abs();
        eprintln!(
            "seed {seed}: vegas err {verr:.2e} se {:.2e} chi2/dof {:.2} | mc se {:.2e}",
            v.errors[0], v.chi2_dof, m.errors[0]
        );
        assert!(
            verr <= 5.0 * v.errors[0],
            "seed {seed}: vegas {v:?} exact {exact}"
        );
        assert!(
            10.0 * v.errors[0] <= m.errors[0],
            "seed {seed}: vegas {v:?} mc {m:?}"
        );
        assert!(v.chi2_dof.is_finite() && v.chi2_dof < 5.0, "{v:?}");
    }
}

#[test]
fn adaptive_runs_stop_at_the_tolerance_or_report_the_budget() {
    let ctx = Context::new(2).unwrap();
    let f = smooth();
    for (name, run) in RULES {
        let opts = SampleOptions {
            epsrel: 1e-3,
            max_evals: 20_000_000,
            ..SampleOptions::default()
        };
        let r = run(&ctx, &f, &unit(5), &opts).unwrap();
        assert!(r.converged, "{name}: {r:?}");
        assert!(r.errors[0] <= 1e-3 * r.values[0].abs(), "{name}: {r:?}");
        let tight = SampleOptions {
            epsrel: 1e-12,
            max_evals: 300_000,
            ..opts
        };
        let r = run(&ctx, &f, &unit(5), &tight).unwrap();
        assert!(!r.converged && r.evals <= 300_000, "{name}: {r:?}");
    }
}
