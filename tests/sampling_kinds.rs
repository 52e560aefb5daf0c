//! Every integrand kind through the C entry points with the sampling rules:
//! point and batch callbacks, expressions, 1-D callbacks and polynomials,
//! vector-valued integrands and infinite bounds, through `vq_integrate_nd`
//! and `vq_integrate`, with the same bits on 1, 2, 3, 8 and 16 threads.

use std::ffi::{c_void, CString};
use std::ptr;

use vquad::ffi::*;

mod common;
use common::ffi_nd::{context, integrate_nd};

unsafe extern "C" fn gauss_point(
    x: *const f64,
    ndim: usize,
    f: *mut f64,
    nout: usize,
    _: *mut c_void,
) -> i32 {
    let x = std::slice::from_raw_parts(x, ndim);
    let r2: f64 = x.iter().map(|v| v * v).sum();
    for k in 0..nout {
        *f.add(k) = (-(k as f64 + 1.0) * r2).exp();
    }
    0
}

unsafe extern "C" fn gauss_batch(
    x: *const f64,
    npts: usize,
    ndim: usize,
    f: *mut f64,
    nout: usize,
    p: *mut c_void,
) -> i32 {
    for i in 0..npts {
        gauss_point(x.add(i * ndim), ndim, f.add(i * nout), nout, p);
    }
    0
}

unsafe extern "C" fn one_d(x: f64, _: *mut c_void) -> f64 {
    (-x * x).exp()
}

fn opts(rule: vq_rule, n: u64) -> vq_options {
    let mut o = unsafe {
        let mut o = std::mem::zeroed();
        vq_options_default(&mut o);
        o
    };
    o.rule = rule;
    o.n = n;
    o.epsrel = 2e-3;
    o.max_evals = 3_000_000;
    o.seed = 77;
    o
}

const RULES: [vq_rule; 3] = [VQ_RULE_MONTE_CARLO, VQ_RULE_QMC, VQ_RULE_VEGAS];

#[test]
fn nd_callbacks_and_expressions_give_the_same_bits_on_every_thread_count() {
    let mut kinds: Vec<(&str, *mut vq_integrand, usize)> = Vec::new();
    unsafe {
        let mut f = ptr::null_mut();
        assert_eq!(
            vq_integrand_nd_fn(Some(gauss_point), ptr::null_mut(), 3, 2, &mut f),
            0
        );
        kinds.push(("point callback, 2 components", f, 2));
        let mut f = ptr::null_mut();
        assert_eq!(
            vq_integrand_nd_batch(Some(gauss_batch), ptr::null_mut(), 3, 2, &mut f),
            0
        );
        kinds.push(("batch callback, 2 components", f, 2));
        let mut f = ptr::null_mut();
        let e = CString::new("exp(-(x^2 + y^2 + z^2))").unwrap();
        assert_eq!(vq_integrand_expr_nd(e.as_ptr(), 3, &mut f), 0);
        kinds.push(("expression", f, 1));
    }
    // (-inf, inf) x [0, 1] x [-1, 0]: the first component is
    // sqrt(pi) * (erf(1) sqrt(pi)/2)^2.
    let erf1 = 0.842_700_792_949_714_9_f64;
    let exact = std::f64::consts::PI.sqrt() * (erf1 * std::f64::consts::PI.sqrt() / 2.0).powi(2);
    let (lo, hi) = ([f64::NEG_INFINITY, 0.0, -1.0], [f64::INFINITY, 1.0, 0.0]);
    for (name, f, nout) in &kinds {
        for rule in RULES {
            for n in [0u64, 40_000] {
                let o = opts(rule, n);
                let (v1, e1, _) = integrate_nd(*f, &lo, &hi, &o, *nout, 1);
                assert!(
                    (v1[0] - exact).abs() < 5.0 * e1[0],
                    "{name} rule {rule}: {v1:?} ± {e1:?}"
                );
                for threads in [2, 3, 8, 16] {
                    let (v, e, _) = integrate_nd(*f, &lo, &hi, &o, *nout, threads);
                    for k in 0..*nout {
                        assert_eq!(
                            v[k].to_bits(),
                            v1[k].to_bits(),
                            "{name} rule {rule} n {n} {threads}t"
                        );
                        assert_eq!(
                            e[k].to_bits(),
                            e1[k].to_bits(),
                            "{name} rule {rule} n {n} {threads}t"
                        );
                    }
                }
            }
        }
    }
    // The three kinds compute the same function: the same bits.
    for rule in RULES {
        let o = opts(rule, 8192);
        let a = integrate_nd(kinds[0].1, &lo, &hi, &o, 2, 2);
        let b = integrate_nd(kinds[1].1, &lo, &hi, &o, 2, 3);
        assert_eq!((a.0, a.1), (b.0, b.1), "rule {rule}");
    }
    for (_, f, _) in kinds {
        unsafe { vq_integrand_free(f) };
    }
}

#[test]
fn one_d_integrands_through_vq_integrate_match_vq_integrate_nd_bit_for_bit() {
    let mut kinds: Vec<*mut vq_integrand> = Vec::new();
    unsafe {
        let mut f = ptr::null_mut();
        assert_eq!(vq_integrand_fn(Some(one_d), ptr::null_mut(), &mut f), 0);
        kinds.push(f);
        let mut f = ptr::null_mut();
        let e = CString::new("exp(-x^2)").unwrap();
        assert_eq!(vq_integrand_expr(e.as_ptr(), &mut f), 0);
        kinds.push(f);
        let mut f = ptr::null_mut();
        let c = [1.0, 0.0, -1.0];
        assert_eq!(vq_integrand_poly(c.as_ptr(), 3, &mut f), 0);
        kinds.push(f);
    }
    for (i, f) in kinds.iter().enumerate() {
        // An infinite range for the Gaussians, [-1, 1] for 1 - x^2.
        let (a, b, exact) = if i < 2 {
            (
                f64::NEG_INFINITY,
                f64::INFINITY,
                std::f64::consts::PI.sqrt(),
            )
        } else {
            (1.0, -1.0, -4.0 / 3.0)
        };
        for rule in RULES {
            let o = opts(rule, 0);
            let mut one = unsafe { std::mem::zeroed::<vq_result>() };
            for threads in [1, 2, 3, 8, 16] {
                let ctx = context(threads);
                let mut r = unsafe { std::mem::zeroed::<vq_result>() };
                assert_eq!(unsafe { vq_integrate(ctx, *f, a, b, &o, &mut r) }, 0);
                unsafe { vq_context_free(ctx) };
                if threads == 1 {
                    one = r;
                    assert!(
                        (r.value - exact).abs() < 5.0 * r.abs_error,
                        "kind {i} rule {rule}: {r:?}"
                    );
                } else {
                    assert_eq!(
                        r.value.to_bits(),
                        one.value.to_bits(),
                        "kind {i} rule {rule} {threads}t"
                    );
                    assert_eq!(r.abs_error.to_bits(), one.abs_error.to_bits());
                }
            }
            let (v, e, _) = integrate_nd(*f, &[a], &[b], &o, 1, 2);
            assert_eq!(
                (v[0].to_bits(), e[0].to_bits()),
                (one.value.to_bits(), one.abs_error.to_bits())
            );
        }
    }
    for f in kinds {
        unsafe { vq_integrand_free(f) };
    }
}

#[test]
fn sampling_rules_validate_replicates_and_report_an_exhausted_budget() {
    let mut f = ptr::null_mut();
    let e = CString::new("x1 * x2").unwrap();
    assert_eq!(unsafe { vq_integrand_expr_nd(e.as_ptr(), 2, &mut f) }, 0);
    let ctx = context(2);
    let (lo, hi) = ([0.0, 0.0], [1.0, 1.0]);
    let (mut v, mut er) = ([7.0], [7.0]);
    let mut r = unsafe { std::mem::zeroed::<vq_result>() };
    let mut o = opts(VQ_RULE_QMC, 1024);
    o.replicates = 1;
    let s = unsafe {
        vq_integrate_nd(
            ctx,
            f,
            lo.as_ptr(),
            hi.as_ptr(),
            2,
            &o,
            v.as_mut_ptr(),
            er.as_mut_ptr(),
            1,
            &mut r,
        )
    };
    assert_eq!(s, 2); // VQ_ERR_INVALID_ARG
    assert_eq!(v[0], 7.0, "outputs untouched on error");
    let mut o = opts(VQ_RULE_MONTE_CARLO, 0);
    o.epsrel = 1e-9;
    o.max_evals = 100_000;
    let s = unsafe {
        vq_integrate_nd(
            ctx,
            f,
            lo.as_ptr(),
            hi.as_ptr(),
            2,
            &o,
            v.as_mut_ptr(),
            er.as_mut_ptr(),
            1,
            &mut r,
        )
    };
    assert_eq!(s, 6); // VQ_ERR_MAX_EVALS, with the best estimate
    assert!(
        (v[0] - 0.25).abs() < 5.0 * er[0] && r.evals <= 100_000,
        "{v:?} {r:?}"
    );
    unsafe {
        vq_context_free(ctx);
        vq_integrand_free(f);
    }
}
