//! Regression tests for bugs found by the reliability work (issue #7): the
//! bad-input matrix, the stress test and fuzzing. Each test names the
//! behaviour that was broken.

use std::collections::BTreeSet;
use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use vquad::ffi::*;
use vquad::{Context, Error, EvalError, Expr, Options, Poly, Rule};

/// The Linux thread id of the calling thread, from `/proc/thread-self`.
fn linux_tid() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

#[test]
fn dropping_a_context_joins_its_worker_threads() {
    if linux_tid().is_none() {
        eprintln!("no /proc/thread-self: skipping on this OS");
        return;
    }
    let ctx = Context::new(4).unwrap();
    let seen = Mutex::new(BTreeSet::new());
    let f = |x: f64| {
        if let Some(tid) = linux_tid() {
            seen.lock().unwrap().insert(tid);
        }
        x
    };
    // Enough tasks that the workers take part.
    ctx.integrate(&f, 0.0, 1.0, &Options::fixed(Rule::Midpoint, 200_000))
        .unwrap();
    let caller = linux_tid().unwrap();
    let workers: Vec<u32> = seen
        .into_inner()
        .unwrap()
        .into_iter()
        .filter(|&t| t != caller)
        .collect();
    assert!(!workers.is_empty(), "no worker thread evaluated anything");
    drop(ctx);
    // Before the fix, rayon only signalled its threads: they were still
    // alive when the drop (vq_context_free) returned.
    let alive: Vec<u32> = workers
        .iter()
        .copied()
        .filter(|t| std::path::Path::new(&format!("/proc/self/task/{t}")).exists())
        .collect();
    assert!(
        alive.is_empty(),
        "worker threads {alive:?} outlived their context"
    );
}

#[test]
fn an_integral_too_large_for_a_double_is_an_error_not_infinity() {
    let ctx = Context::new(1).unwrap();
    // Every value is finite, but the result (or an intermediate weighted
    // sum) is not representable: this returned Ok(inf) before the fix.
    let cases = [
        (1e300, 0.0, 1e10, Rule::Midpoint),
        (1e300, 0.0, 1e10, Rule::GaussLegendre),
        (1.5e308, 0.0, 1.0, Rule::Simpson),
        (1.5e308, 0.0, 1.0, Rule::GaussLegendre),
        (1e300, -1e10, 0.0, Rule::Trapezoid),
    ];
    for (c, a, b, rule) in cases {
        let f = Poly::new(&[c]).unwrap();
        match ctx.integrate(&f, a, b, &Options::fixed(rule, 1)) {
            Err(Error::Eval(EvalError::NonFinite { x })) => assert!(x.is_nan()),
            other => panic!("{c} over [{a}, {b}] by {rule}: expected NonFinite, got {other:?}"),
        }
    }
    // Through the C ABI: VQ_ERR_NONFINITE and an untouched output.
    let mut c = std::ptr::null_mut();
    let mut f = std::ptr::null_mut();
    let mut out = vq_result {
        value: 1.0,
        abs_error: 2.0,
        evals: 3,
        threads: 4,
        seconds: 5.0,
        subintervals: 6,
    };
    let before = out;
    let opts = vq_options::from(&Options::fixed(Rule::Midpoint, 1));
    // SAFETY: valid pointers throughout; objects freed once at the end.
    unsafe {
        assert_eq!(vq_context_new(1, &mut c), VQ_OK);
        assert_eq!(vq_integrand_poly([1e300].as_ptr(), 1, &mut f), VQ_OK);
        assert_eq!(
            vq_integrate(c, f, 0.0, 1e10, &opts, &mut out),
            VQ_ERR_NONFINITE
        );
        let msg = CStr::from_ptr(vq_last_error()).to_str().unwrap();
        assert!(
            msg.starts_with("VQ_ERR_NONFINITE: ") && msg.contains("overflowed"),
            "{msg}"
        );
        vq_integrand_free(f);
        vq_context_free(c);
    }
    assert_eq!(out, before);
}

/// Calls vquad from a thread-local destructor that runs after vquad's own
/// thread-local state would have been destroyed.
struct CallsVquadOnDrop(Arc<AtomicBool>);

impl Drop for CallsVquadOnDrop {
    fn drop(&mut self) {
        let mut c = std::ptr::null_mut();
        // SAFETY: `c` is a valid out pointer; the message is NUL-terminated.
        let failed_cleanly = unsafe {
            vq_context_new(1 << 30, &mut c) == VQ_ERR_INVALID_ARG
                && c.is_null()
                && CStr::from_ptr(vq_last_error())
                    .to_string_lossy()
                    .contains("thread count")
        };
        // An expression evaluated on this exiting thread (one-thread
        // context): its scratch space is gone too.
        let f = Expr::parse("x*x").unwrap();
        let r =
            Context::new(1)
                .unwrap()
                .integrate(&f, 0.0, 1.0, &Options::fixed(Rule::Midpoint, 1000));
        let integrated = r.is_ok_and(|r| (r.value - 1.0 / 3.0).abs() < 1e-6);
        self.0.store(failed_cleanly && integrated, Ordering::SeqCst);
    }
}

thread_local! {
    static GUARD: std::cell::RefCell<Option<CallsVquadOnDrop>> = const { std::cell::RefCell::new(None) };
}

#[test]
fn errors_reported_during_thread_exit_do_not_abort_the_process() {
    let ok = Arc::new(AtomicBool::new(false));
    let flag = ok.clone();
    std::thread::spawn(move || {
        GUARD.with(|g| *g.borrow_mut() = Some(CallsVquadOnDrop(flag)));
        // First use of the last-error message and of the expression scratch
        // space on this thread, after GUARD: destructors run in reverse
        // order, so state with a destructor was destroyed before GUARD's
        // drop, which then aborted the process (last error) or panicked
        // (expression evaluation).
        let mut c = std::ptr::null_mut();
        // SAFETY: `c` is a valid out pointer.
        let s = unsafe { vq_context_new(1 << 30, &mut c) };
        assert_eq!(s, VQ_ERR_INVALID_ARG);
        let f = Expr::parse("x*x").unwrap();
        let ctx = Context::new(1).unwrap();
        ctx.integrate(&f, 0.0, 1.0, &Options::fixed(Rule::Midpoint, 1000))
            .unwrap();
    })
    .join()
    .unwrap();
    assert!(
        ok.load(Ordering::SeqCst),
        "the call from the destructor failed"
    );
}

#[test]
fn cube_roots_of_special_arguments_equal_the_scalar_reference() {
    // Found by fuzzing: the SIMD cube root of a subnormal was an ulp off,
    // though special arguments are documented to give exactly the scalar
    // reference's result.
    let e = Expr::parse("cbrt(x)").unwrap();
    let xs = [
        f64::from_bits(0x3220242078),
        5e-324,
        -5e-324,
        f64::MIN_POSITIVE / 3.0,
        -1e-310,
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        27.0,
    ];
    let mut out = [0.0; 11];
    vquad::Integrand::eval(&e, &xs, &mut out).unwrap();
    for (x, y) in xs.iter().zip(out) {
        let s = e.eval_scalar(*x);
        assert!(
            y.to_bits() == s.to_bits() || y.is_nan() && s.is_nan(),
            "cbrt({x:e}): SIMD {y:e}, scalar {s:e}"
        );
    }
}

#[test]
fn an_adaptive_integral_that_overflows_is_an_error_not_nan() {
    // Found probing the adaptive rules for the fuzz target's invariant
    // "VQ_OK means a finite value": every value is 1, but tanh-sinh's
    // weighted sums over [-1e308, 1e308] overflowed to NaN, which was
    // returned as Ok(NaN).
    let ctx = Context::new(1).unwrap();
    for rule in [Rule::TanhSinh, Rule::GaussKronrod, Rule::Auto] {
        let opts = Options {
            max_evals: 100_000,
            ..Options::adaptive(rule, 0.0, 1e-10)
        };
        // The true value, 2e308, is not a double: the only right answer is
        // an error that says the sum overflowed (VQ_ERR_NONFINITE in C),
        // never Ok with a finite (wrong) value, +inf or NaN.
        match ctx.integrate(&|_x: f64| 1.0, -1e308, 1e308, &opts) {
            Err(e @ Error::Eval(EvalError::NonFinite { .. } | EvalError::Overflow { .. })) => {
                assert!(e.to_string().contains("overflow"), "{rule}: {e}");
                assert_eq!(e.status(), vquad::Status::NonFinite, "{rule}");
            }
            other => panic!("{rule}: expected an overflow error, got {other:?}"),
        }
        // A tenth of it is far from overflowing: the same integrand succeeds.
        let tenth = ctx.integrate(&|_x: f64| 1.0, -1e307, 1e307, &opts).unwrap();
        assert!(
            (tenth.value - 2e307).abs() <= 1e-10 * 2e307,
            "{rule}: {}",
            tenth.value
        );
    }
}

#[test]
fn an_integral_near_the_largest_double_is_computed_when_it_fits() {
    // ∫ 1 over [−5e307, 5e307] = 1e308 is a double, but tanh-sinh's level
    // sums Σ w·f (before the step h) exceeded the largest double and the
    // call failed with VQ_ERR_NONFINITE. Wide ranges now keep their sums in
    // units of 2^64.
    let ctx = Context::new(2).unwrap();
    for rule in [Rule::TanhSinh, Rule::GaussKronrod, Rule::Auto] {
        let opts = Options::adaptive(rule, 0.0, 1e-12);
        let r = ctx
            .integrate(&|_x: f64| 1.0, -5e307, 5e307, &opts)
            .unwrap_or_else(|e| panic!("{rule}: {e}"));
        assert!(
            (r.value - 1e308).abs() <= 1e-12 * 1e308,
            "{rule}: {}",
            r.value
        );
        let err = r.abs_error.expect("adaptive rules estimate their error");
        assert!(err.is_finite() && err <= 1e-12 * 1e308, "{rule}: {err}");
        // The scaled sums must still evaluate f at the true abscissae:
        // ∫ (x/1e307)² over [−1e307, 1e307] = 2e307/3 only if they do.
        let f = |x: f64| (x / 1e307) * (x / 1e307);
        let r = ctx.integrate(&f, -1e307, 1e307, &opts).unwrap();
        let exact = 2e307 / 3.0;
        assert!(
            (r.value - exact).abs() <= 1e-10 * exact,
            "{rule}: {} vs {exact}",
            r.value
        );
    }
}

#[test]
fn polynomials_on_tiny_panels_keep_their_high_degree_terms() {
    // Found by fuzzing (a 12 % error reported as VQ_OK): on panels of width
    // 1e-75 the polynomial kernel's scale step^5 = 1e-375 underflowed to 0
    // and dropped the x^5 term, although c5·step^5 = 1e-185 is perfectly
    // representable. Here the result came out 3000 times too small.
    let ctx = Context::new(2).unwrap();
    let p = Poly::new(&[0.0, 0.0, 0.0, 0.0, 0.0, 1e190]).unwrap();
    let (a, b) = (0.0, 1e-72);
    for n in [1000, 100_000] {
        let opts = Options {
            order: 3, // exact for degree 5
            ..Options::fixed(Rule::GaussLegendre, n)
        };
        let r = ctx.integrate(&p, a, b, &opts).unwrap();
        let exact = p.integral(a, b); // 1e190 · (1e-72)^6 / 6
        assert!(
            (r.value - exact).abs() <= 1e-12 * exact.abs(),
            "n = {n}: {} vs {exact}",
            r.value
        );
    }
}
