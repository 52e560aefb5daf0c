//! Multi-D integration through the Rust API: exactness, infinite and
//! reversed bounds, vector integrands, fixed tensor rules, budgets, and the
//! same bits for any thread count.

use vquad::cubature::adaptive::WARM_UP_POINTS;
use vquad::{Context, Error, NdBatchFn, NdFn, Options, Poly, Rule};

fn ctx(threads: usize) -> Context {
    Context::new(threads).expect("context")
}

fn gm(epsrel: f64) -> Options {
    Options::adaptive(Rule::GenzMalik, 0.0, epsrel)
}

#[test]
fn a_degree_five_polynomial_is_exact_on_every_region_after_the_warm_up() {
    // The degree-7 rule is exact on every region, so the value is exact
    // whatever the splits; the run never stops before the uniform warm-up.
    let f = NdFn::new(3, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = x[0].powi(4) * x[1] + x[2].powi(2) * x[1].powi(2) + 1.0
    });
    let r = ctx(1)
        .integrate_nd(&f, &[0.0, 0.0, 0.0], &[1.0, 2.0, 1.0], &gm(1e-12))
        .unwrap();
    let exact = 2.0 / 5.0 + 8.0 / 9.0 + 2.0;
    assert!((r.values[0] - exact).abs() < 1e-13, "{}", r.values[0]);
    assert!(r.evals >= WARM_UP_POINTS, "{}", r.evals);
    assert!(r.abs_errors.unwrap()[0] <= 1e-12 * exact);
}

#[test]
fn a_gaussian_over_all_of_r3_through_per_axis_maps() {
    let f = NdFn::new(3, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = (-(x[0] * x[0] + x[1] * x[1] + x[2] * x[2])).exp()
    });
    let inf = f64::INFINITY;
    let r = ctx(2)
        .integrate_nd(&f, &[-inf, -inf, 0.0], &[inf, inf, inf], &gm(1e-8))
        .unwrap();
    let exact = std::f64::consts::PI.powf(1.5) / 2.0;
    let err = r.abs_errors.as_ref().unwrap()[0];
    assert!(
        (r.values[0] - exact).abs() <= err.max(1e-8 * exact),
        "{} vs {exact}",
        r.values[0]
    );
    assert!(err <= 1e-8 * exact);
}

#[test]
fn reversed_axes_flip_the_sign_and_an_empty_axis_gives_zero() {
    let f = NdFn::new(2, 1, |x: &[f64], fx: &mut [f64]| fx[0] = x[0] * x[0] + x[1]);
    let c = ctx(1);
    let up = c
        .integrate_nd(&f, &[0.0, 0.0], &[1.0, 1.0], &gm(1e-10))
        .unwrap();
    let down = c
        .integrate_nd(&f, &[1.0, 0.0], &[0.0, 1.0], &gm(1e-10))
        .unwrap();
    assert_eq!(up.values[0], -down.values[0]);
    let both = c
        .integrate_nd(&f, &[1.0, 1.0], &[0.0, 0.0], &gm(1e-10))
        .unwrap();
    assert_eq!(up.values[0], both.values[0]);
    let flat = c
        .integrate_nd(&f, &[0.0, 0.5], &[1.0, 0.5], &gm(1e-10))
        .unwrap();
    assert_eq!((flat.values[0], flat.evals), (0.0, 0));
}

#[test]
fn every_component_of_a_vector_integrand_meets_its_own_tolerance() {
    // ∫ over [0,1]^2 of (1, e^{x+y}, 1e6·sin(3x)·y, 1e-6·x)
    let f = NdFn::new(2, 4, |x: &[f64], fx: &mut [f64]| {
        fx[0] = 1.0;
        fx[1] = (x[0] + x[1]).exp();
        fx[2] = 1e6 * (3.0 * x[0]).sin() * x[1];
        fx[3] = 1e-6 * x[0];
    });
    let r = ctx(2)
        .integrate_nd(&f, &[0.0, 0.0], &[1.0, 1.0], &gm(1e-11))
        .unwrap();
    let e1 = 1f64.exp() - 1.0;
    let exact = [1.0, e1 * e1, 1e6 * (1.0 - 3f64.cos()) / 6.0, 0.5e-6];
    let errs = r.abs_errors.unwrap();
    for k in 0..4 {
        assert!(
            errs[k] <= 1e-11 * exact[k].abs(),
            "component {k}: {}",
            errs[k]
        );
        assert!(
            (r.values[k] - exact[k]).abs() <= 1e-10 * exact[k].abs(),
            "component {k}"
        );
    }
}

#[test]
fn a_sixty_five_thousand_component_integrand_integrates_each_component() {
    let nout = 65_536;
    let f = NdBatchFn::new(2, nout, move |xs: &[f64], out: &mut [f64]| {
        for (x, row) in xs.chunks_exact(2).zip(out.chunks_exact_mut(nout)) {
            for (k, v) in row.iter_mut().enumerate() {
                *v = (k as f64) * x[0] * x[1];
            }
        }
    });
    let r = ctx(2)
        .integrate_nd(&f, &[0.0, 0.0], &[1.0, 2.0], &gm(1e-10))
        .unwrap();
    for k in [0, 1, 777, nout - 1] {
        assert!(
            (r.values[k] - k as f64).abs() <= 1e-12 * k as f64,
            "{k}: {}",
            r.values[k]
        );
    }
}

#[test]
fn thirty_two_dimensions_use_the_degree_five_rule() {
    let f = NdFn::new(32, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = x.iter().map(|v| v * v).sum::<f64>()
    });
    let r = ctx(2)
        .integrate_nd(&f, &[0.0; 32], &[1.0; 32], &gm(1e-9))
        .unwrap();
    // The degree-5 weights cancel heavily in 32-D: ~1e-12 relative round-off.
    assert!((r.values[0] - 32.0 / 3.0).abs() < 1e-10, "{}", r.values[0]);
    let pts: u64 = 2 * 32 * 32 + 2 * 32 + 1;
    assert_eq!(
        r.evals,
        pts + 2 * pts * (WARM_UP_POINTS - pts).div_ceil(2 * pts)
    );
}

fn peaky(x: &[f64], fx: &mut [f64]) {
    let s: f64 = x.iter().map(|v| (v - 0.3).powi(2)).sum();
    fx[0] = 1.0 / (1e-3 + s);
    fx[1] = (10.0 * x[0]).cos() * x.iter().product::<f64>();
}

#[test]
fn adaptive_and_tensor_results_have_the_same_bits_on_1_2_3_8_16_threads() {
    let f = NdFn::new(3, 2, peaky);
    let lo = [0.0; 3];
    let hi = [1.0; 3];
    let adaptive = Options {
        max_evals: 2_000_000,
        ..gm(1e-7)
    };
    let tensor = Options {
        order: 3,
        ..Options::fixed(Rule::GaussLegendre, 30)
    };
    let reference: Vec<_> = [adaptive, tensor]
        .iter()
        .map(|o| ctx(1).integrate_nd(&f, &lo, &hi, o).unwrap())
        .collect();
    assert!(reference[0].regions > 100, "the test needs many regions");
    for threads in [2, 3, 8, 16] {
        let c = ctx(threads);
        for (o, want) in [adaptive, tensor].iter().zip(&reference) {
            let got = c.integrate_nd(&f, &lo, &hi, o).unwrap();
            for k in 0..2 {
                assert_eq!(
                    got.values[k].to_bits(),
                    want.values[k].to_bits(),
                    "{threads} threads"
                );
            }
            assert_eq!(got.abs_errors, want.abs_errors);
            assert_eq!((got.evals, got.regions), (want.evals, want.regions));
        }
    }
}

#[test]
fn gauss_legendre_tensor_is_exact_for_its_degree_and_counts_points() {
    let f = NdFn::new(3, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = x[0].powi(5) * x[1].powi(3) + x[2].powi(5)
    });
    let o = Options {
        order: 3,
        ..Options::fixed(Rule::GaussLegendre, 2)
    };
    let r = ctx(2)
        .integrate_nd(&f, &[0.0, 0.0, -1.0], &[1.0, 2.0, 2.0], &o)
        .unwrap();
    let exact = (1.0 / 6.0) * 4.0 * 3.0 + (64.0 - 1.0) / 6.0 * 2.0;
    assert!((r.values[0] - exact).abs() < 1e-12, "{}", r.values[0]);
    assert_eq!(r.evals, 6u64.pow(3));
    assert_eq!(r.regions, 8);
    assert!(r.abs_errors.is_none());
}

#[test]
fn midpoint_tensor_converges_at_second_order() {
    let f = NdFn::new(2, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = (x[0] + 2.0 * x[1]).exp()
    });
    let exact = (1f64.exp() - 1.0) * (2f64.exp() - 1.0) / 2.0;
    let err = |n| {
        let r = ctx(1)
            .integrate_nd(
                &f,
                &[0.0, 0.0],
                &[1.0, 1.0],
                &Options::fixed(Rule::Midpoint, n),
            )
            .unwrap();
        (r.values[0] - exact).abs()
    };
    let ratio = err(40) / err(80);
    assert!((ratio - 4.0).abs() < 0.05, "{ratio}");
}

#[test]
fn a_one_d_integrand_gives_the_bits_of_the_one_d_engine() {
    let p = Poly::new(&[1.0, -2.0, 0.0, 3.0]).unwrap();
    let c = ctx(2);
    for o in [
        Options::fixed(Rule::Simpson, 101),
        Options::adaptive(Rule::GaussKronrod, 0.0, 1e-12),
    ] {
        let one = c.integrate(&p, 0.0, 2.0, &o).unwrap();
        let nd = c
            .integrate_nd(&vquad::integrand::nd::OneD(&p), &[0.0], &[2.0], &o)
            .unwrap();
        assert_eq!(one.value.to_bits(), nd.values[0].to_bits());
        assert_eq!(one.evals, nd.evals);
    }
}

#[test]
fn an_exhausted_budget_returns_the_best_estimate_with_max_evals() {
    let f = NdFn::new(2, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = (x[0] * x[1]).sqrt().ln()
    });
    let o = Options {
        max_evals: 1000,
        ..gm(1e-14)
    };
    match ctx(1).integrate_nd(&f, &[0.0, 0.0], &[1.0, 1.0], &o) {
        Err(Error::MaxEvals { partial, .. }) => {
            assert!(partial.evals <= 1000);
            assert!((partial.value + 1.0).abs() < 0.05, "{}", partial.value);
        }
        other => panic!("expected MaxEvals, got {other:?}"),
    }
}

#[test]
fn bad_calls_are_rejected_with_invalid_arg() {
    let f = NdFn::new(2, 1, |_: &[f64], fx: &mut [f64]| fx[0] = 1.0);
    let c = ctx(1);
    let inf = f64::INFINITY;
    let cases: [(&[f64], &[f64], Options); 5] = [
        (&[0.0], &[1.0], gm(1e-6)),
        (&[0.0, f64::NAN], &[1.0, 1.0], gm(1e-6)),
        (&[0.0, 0.0], &[1.0, inf], Options::fixed(Rule::Midpoint, 10)),
        (
            &[0.0, 0.0],
            &[1.0, 1.0],
            Options::adaptive(Rule::TanhSinh, 0.0, 1e-6),
        ),
        (
            &[0.0, 0.0],
            &[1.0, 1.0],
            Options::fixed(Rule::Midpoint, 1 << 30),
        ),
    ];
    for (lo, hi, o) in cases {
        let e = c.integrate_nd(&f, lo, hi, &o).unwrap_err();
        assert_eq!(e.status(), vquad::Status::InvalidArg, "{e}");
    }
}

#[test]
fn the_region_store_stays_within_the_bound_max_evals_sets() {
    use vquad::cubature::regions::{bytes_per_region, max_regions, peak_bytes};
    // A kink along a diagonal never meets 1e-15: the run spends its budget.
    let f = NdFn::new(3, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = (x[0] + x[1] - x[2]).abs()
    });
    let o = Options {
        max_evals: 300_000,
        ..gm(1e-15)
    };
    let pts = 8 + 2 * 9 + 2 * 3 + 1;
    match ctx(2).integrate_nd(&f, &[0.0; 3], &[1.0; 3], &o) {
        Err(Error::MaxEvals { partial, .. }) => {
            assert!(partial.evals <= 300_000);
            assert!(partial.subintervals <= max_regions(300_000, pts));
            assert!(partial.subintervals >= max_regions(300_000, pts) - 2);
        }
        other => panic!("expected MaxEvals, got {other:?}"),
    }
    // The documented bound of a 10^8-evaluation run: 8-D, one component.
    assert_eq!(bytes_per_region(8, 1), 172);
    assert!(peak_bytes(100_000_000, 8, 1, 401) <= 21 << 20);
    // 2-D is the worst case per evaluation: 17 points per region.
    assert!(peak_bytes(100_000_000, 2, 1, 17) <= 214 << 20);
}

/// `∫ exp(a·x)` over `[0, 1]^d` cut to `x1 < w1, x2 < w2`: Genz's
/// discontinuous family, in closed form.
fn discontinuous(a: &[f64], w: [f64; 2]) -> (impl Fn(&[f64], &mut [f64]) + Send + Sync, f64) {
    let exact = a
        .iter()
        .enumerate()
        .map(|(i, &ai)| ((ai * if i < 2 { w[i] } else { 1.0 }).exp() - 1.0) / ai)
        .product();
    let a = a.to_vec();
    let f = move |x: &[f64], fx: &mut [f64]| {
        fx[0] = if x[0] > w[0] || x[1] > w[1] {
            0.0
        } else {
            a.iter().zip(x).map(|(a, x)| a * x).sum::<f64>().exp()
        }
    };
    (f, exact)
}

#[test]
fn a_jump_hidden_next_to_a_face_is_not_claimed_as_converged() {
    // Battery cases whose jumps sit in the thin shells next to region faces,
    // where |I7 − I5| claimed 1e-4 with true errors up to 3e-4 relative.
    let cases: [(&[f64], [f64; 2]); 3] = [
        (
            &[3.0695, 21.9305],
            [0.628_823_126_135_164_1, 0.483_328_298_578_832_1],
        ),
        (
            &[14.81, 10.19],
            [0.221_976_089_944_586_95, 0.064_479_624_181_505_55],
        ),
        (
            &[4.0, 3.0, 4.1],
            [0.789_956_444_114_244_9, 0.012_930_079_131_211_802],
        ),
    ];
    for (a, w) in cases {
        let d = a.len();
        let (f, exact) = discontinuous(a, w);
        let o = Options {
            max_evals: 2_000_000,
            ..gm(1e-4)
        };
        match ctx(2).integrate_nd(&NdFn::new(d, 1, f), &vec![0.0; d], &vec![1.0; d], &o) {
            Ok(r) => {
                let (err, true_err) = (r.abs_errors.unwrap()[0], (r.values[0] - exact).abs());
                assert!(
                    true_err <= err.max(1e-4 * exact.abs()),
                    "{a:?}: claimed {err:e}, true error {true_err:e}"
                );
            }
            Err(Error::MaxEvals { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
}
