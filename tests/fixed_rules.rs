//! Fixed rules: exactness, convergence order, accuracy and reproducibility.

use vquad::{Context, Error, Integrand, Options, Poly, Rule};

fn ctx(t: usize) -> Context {
    Context::new(t).expect("context")
}

fn integrate(
    c: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    rule: Rule,
    n: u64,
    order: u32,
) -> f64 {
    let opts = Options {
        order,
        ..Options::fixed(rule, n)
    };
    c.integrate(f, a, b, &opts).expect("integrates").value
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

#[test]
fn each_rule_is_exact_up_to_its_degree() {
    let c = ctx(2);
    // (rule, order, highest exact degree)
    let cases = [
        (Rule::Midpoint, 0, 1),
        (Rule::Trapezoid, 0, 1),
        (Rule::Simpson, 0, 3),
        (Rule::GaussLegendre, 1, 1),
        (Rule::GaussLegendre, 3, 5),
        (Rule::GaussLegendre, 8, 15),
        (Rule::GaussLegendre, 20, 39),
    ];
    for (rule, order, degree) in cases {
        for d in 0..=degree {
            let mut coeffs = vec![0.0; d + 1];
            coeffs[d] = 1.0;
            coeffs[0] += 0.5;
            let p = Poly::new(&coeffs).unwrap();
            let exact = p.integral(-0.7, 1.3);
            let got = integrate(&c, &p, -0.7, 1.3, rule, 3, order);
            assert!(
                rel(got, exact) < 1e-13,
                "{rule} order {order} degree {d}: {got} vs {exact}"
            );
        }
        // One degree more is no longer exact (checked where the error of one
        // panel is far above round-off).
        if degree > 20 {
            continue;
        }
        let mut coeffs = vec![0.0; degree + 2];
        coeffs[degree + 1] = 1.0;
        let p = Poly::new(&coeffs).unwrap();
        let got = integrate(&c, &p, -0.7, 1.3, rule, 1, order);
        assert!(
            rel(got, p.integral(-0.7, 1.3)) > 1e-12,
            "{rule} order {order} too exact"
        );
    }
}

#[test]
fn convergence_orders_match_theory() {
    let c = ctx(2);
    let f = |x: f64| x.exp() * (3.0 * x).sin();
    let exact = {
        // ∫ e^x sin 3x = e^x (sin 3x − 3 cos 3x)/10
        let g = |x: f64| x.exp() * ((3.0 * x).sin() - 3.0 * (3.0 * x).cos()) / 10.0;
        g(1.5) - g(0.0)
    };
    for (rule, order, p) in [
        (Rule::Midpoint, 0, 2.0),
        (Rule::Trapezoid, 0, 2.0),
        (Rule::Simpson, 0, 4.0),
        (Rule::GaussLegendre, 2, 4.0),
        (Rule::GaussLegendre, 3, 6.0),
    ] {
        let e1 = (integrate(&c, &f, 0.0, 1.5, rule, 40, order) - exact).abs();
        let e2 = (integrate(&c, &f, 0.0, 1.5, rule, 80, order) - exact).abs();
        let observed = (e1 / e2).log2();
        assert!(
            (observed - p).abs() < 0.15,
            "{rule}/{order}: order {observed}, expected {p}"
        );
    }
}

#[test]
fn seed_problem_gives_nearest_double_on_1e9_midpoint_panels() {
    let c = ctx(2);
    let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    let r = c
        .integrate(&f, 0.0, 5.0, &Options::fixed(Rule::Midpoint, 1_000_000_000))
        .unwrap();
    // 230.0 / 3.0 is correctly rounded: it is the double nearest 230/3, and
    // README.md promises exactly that double.
    assert_eq!(
        r.value.to_bits(),
        (230.0f64 / 3.0).to_bits(),
        "value {:.17}, not the double nearest 230/3",
        r.value
    );
    assert_eq!(r.evals, 1_000_000_000);
    assert_eq!(r.subintervals, 1_000_000_000);
    assert!(r.abs_error.is_none());
}

#[test]
fn results_are_bitwise_identical_for_thread_counts_1_to_16() {
    let poly = Poly::new(&[7.0, -1.0, 1.0, 0.25]).unwrap();
    let smooth = |x: f64| (-x * x).exp() * x.cos();
    let problems: [(&dyn Integrand, Rule, u64, u32); 6] = [
        (&poly, Rule::Midpoint, 10_000_019, 0),
        (&poly, Rule::Simpson, 3_000_001, 0),
        (&poly, Rule::GaussLegendre, 1_000_003, 7),
        (&smooth, Rule::Midpoint, 2_000_003, 0),
        (&smooth, Rule::Trapezoid, 1_000_001, 0),
        (&smooth, Rule::GaussLegendre, 300_007, 5),
    ];
    let contexts: Vec<Context> = (1..=16).map(ctx).collect();
    for (f, rule, n, order) in problems {
        let reference = integrate(&contexts[0], f, -2.0, 3.0, rule, n, order);
        for c in &contexts[1..] {
            let v = integrate(c, f, -2.0, 3.0, rule, n, order);
            assert_eq!(
                v.to_bits(),
                reference.to_bits(),
                "{rule} n={n} threads={}",
                c.threads()
            );
        }
    }
}

#[test]
fn evaluation_counts_are_exact() {
    let c = ctx(3);
    let f = Poly::new(&[1.0]).unwrap();
    for (rule, order, expect) in [
        (Rule::Midpoint, 0, 1000),
        (Rule::Trapezoid, 0, 1001),
        (Rule::Simpson, 0, 2001),
        (Rule::GaussLegendre, 0, 8000),
        (Rule::GaussLegendre, 64, 64_000),
        (Rule::Auto, 5, 5000),
    ] {
        let opts = Options {
            order,
            ..Options::fixed(rule, 1000)
        };
        let r = c.integrate(&f, 0.0, 1.0, &opts).unwrap();
        assert_eq!(r.evals, expect, "{rule}");
        assert_eq!(r.threads, 3);
    }
}

#[test]
fn reversed_bounds_negate_and_equal_bounds_give_zero() {
    let c = ctx(2);
    let f = |x: f64| x.sin() + 2.0;
    let fwd = integrate(&c, &f, 0.5, 2.0, Rule::Simpson, 1000, 0);
    let rev = integrate(&c, &f, 2.0, 0.5, Rule::Simpson, 1000, 0);
    assert_eq!(rev.to_bits(), (-fwd).to_bits());
    let r = c
        .integrate(&f, 1.0, 1.0, &Options::fixed(Rule::Midpoint, 10))
        .unwrap();
    assert_eq!((r.value, r.evals), (0.0, 0));
}

#[test]
fn invalid_arguments_are_rejected_with_messages() {
    let c = ctx(1);
    let f = Poly::new(&[1.0]).unwrap();
    let bad = [
        (f64::NAN, 1.0, Options::fixed(Rule::Midpoint, 10), "NaN"),
        (
            0.0,
            f64::INFINITY,
            Options::fixed(Rule::Midpoint, 10),
            "finite",
        ),
        (
            f64::NEG_INFINITY,
            0.0,
            Options::fixed(Rule::Simpson, 10),
            "finite",
        ),
        (0.0, 1.0, Options::fixed(Rule::Midpoint, 0), "n >= 1"),
        (
            0.0,
            1.0,
            Options::fixed(Rule::Midpoint, (1 << 53) + 1),
            "2^53",
        ),
        (0.0, 1.0, Options::fixed(Rule::Midpoint, u64::MAX), "2^53"),
        (
            0.0,
            1.0,
            Options {
                order: 65,
                ..Options::fixed(Rule::GaussLegendre, 10)
            },
            "order",
        ),
        (
            -1e308,
            1e308,
            Options::fixed(Rule::Midpoint, 10),
            "overflows",
        ),
        (
            0.0,
            1.0,
            Options {
                max_evals: 5,
                ..Options::fixed(Rule::Midpoint, 10)
            },
            "max_evals",
        ),
    ];
    for (a, b, opts, needle) in bad {
        match c.integrate(&f, a, b, &opts) {
            Err(Error::InvalidArg(m)) => assert!(m.contains(needle), "{m:?} lacks {needle:?}"),
            other => panic!("expected InvalidArg for {a} {b} {opts:?}, got {other:?}"),
        }
    }
}

#[test]
fn subnormal_bounds_integrate_without_error() {
    let c = ctx(2);
    let f = Poly::new(&[1.0]).unwrap();
    let tiny = f64::from_bits(1); // smallest subnormal
    let r = c
        .integrate(&f, 0.0, 1e-300, &Options::fixed(Rule::Midpoint, 4))
        .unwrap();
    assert!(rel(r.value, 1e-300) < 1e-12);
    let r = c
        .integrate(&f, tiny, 1.0, &Options::fixed(Rule::Midpoint, 4))
        .unwrap();
    assert!(rel(r.value, 1.0) < 1e-15);
}

#[test]
fn nonfinite_integrand_reports_the_abscissa() {
    let f = |x: f64| if x > 0.75 { f64::NAN } else { 1.0 };
    for t in [1, 2, 5] {
        let c = ctx(t);
        match c.integrate(&f, 0.0, 1.0, &Options::fixed(Rule::Midpoint, 100_000)) {
            Err(Error::Eval(vquad::EvalError::NonFinite { x })) => {
                assert!(x > 0.75 && x < 0.75 + 2e-5, "x = {x} (threads {t})");
            }
            other => panic!("expected NonFinite, got {other:?}"),
        }
    }
    let inf_at_end = |x: f64| 1.0 / (1.0 - x);
    match ctx(2).integrate(&inf_at_end, 0.0, 1.0, &Options::fixed(Rule::Trapezoid, 10)) {
        Err(e) => assert!(e.to_string().contains("x = 1e0"), "{e}"),
        Ok(r) => panic!("expected an error, got {r:?}"),
    }
}

#[test]
fn context_thread_count_resolution() {
    assert_eq!(ctx(3).threads(), 3);
    assert!(matches!(Context::new(1 << 30), Err(Error::InvalidArg(_))));
    assert!(Context::new(0).unwrap().threads() >= 1);
}

#[test]
fn nested_integration_on_the_same_context_does_not_deadlock() {
    let c = std::sync::Arc::new(ctx(2));
    let inner_ctx = c.clone();
    // ∫0^1 ∫0^1 (x + y) dy dx = 1
    let outer = move |x: f64| {
        let g = move |y: f64| x + y;
        inner_ctx
            .integrate(&g, 0.0, 1.0, &Options::fixed(Rule::GaussLegendre, 4))
            .unwrap()
            .value
    };
    let r = c
        .integrate(&outer, 0.0, 1.0, &Options::fixed(Rule::GaussLegendre, 4000))
        .unwrap();
    assert!((r.value - 1.0).abs() < 1e-13, "{}", r.value);
}

#[test]
fn concurrent_calls_from_many_threads_share_one_context() {
    let c = ctx(3);
    let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    let opts = Options::fixed(Rule::Midpoint, 2_000_000);
    let reference = c.integrate(&f, 0.0, 5.0, &opts).unwrap().value;
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for _ in 0..10 {
                    let v = c.integrate(&f, 0.0, 5.0, &opts).unwrap().value;
                    assert_eq!(v.to_bits(), reference.to_bits());
                }
            });
        }
    });
}

#[test]
fn cancel_stops_a_running_call_and_later_calls_run() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let c = ctx(2);
    let started = AtomicBool::new(false);
    let slow = |x: f64| {
        started.store(true, Ordering::Relaxed);
        std::thread::sleep(std::time::Duration::from_micros(1));
        x
    };
    // Bounded work: should cancellation fail, the call still ends (10^6
    // sleeps over 2 threads) and the assertion below reports it.
    let opts = Options::fixed(Rule::Midpoint, 1_000_000);
    let result = std::thread::scope(|s| {
        let run = s.spawn(|| c.integrate(&slow, 0.0, 1.0, &opts));
        // A cancel issued before the call has begun is not seen by it, so
        // wait until it evaluates, then keep cancelling until it returns:
        // no cancel can be lost, and no timing is assumed.
        while !started.load(Ordering::Relaxed) && !run.is_finished() {
            std::thread::yield_now();
        }
        while !run.is_finished() {
            c.cancel();
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        run.join().unwrap()
    });
    assert!(
        matches!(result, Err(Error::Cancelled)),
        "expected Cancelled, got {result:?}"
    );
    let quick = c
        .integrate(&slow, 0.0, 1.0, &Options::fixed(Rule::Midpoint, 1000))
        .unwrap();
    assert!((quick.value - 0.5).abs() < 1e-12);
}
