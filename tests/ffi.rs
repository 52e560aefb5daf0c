//! The C ABI called from Rust: statuses, messages, outputs-on-success,
//! NULL handling, callbacks, nesting and the panic boundary.

use std::ffi::{c_void, CStr};
use std::ptr::{null, null_mut};

use vquad::ffi::*;

fn last_error() -> String {
    // SAFETY: vq_last_error returns a valid NUL-terminated thread-local string.
    unsafe { CStr::from_ptr(vq_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn context(threads: u32) -> *mut vq_context {
    let mut ctx = null_mut();
    // SAFETY: `ctx` is a valid out pointer.
    assert_eq!(unsafe { vq_context_new(threads, &mut ctx) }, VQ_OK);
    ctx
}

fn poly(c: &[f64]) -> *mut vq_integrand {
    let mut f = null_mut();
    // SAFETY: `c` is a valid slice and `f` a valid out pointer.
    assert_eq!(
        unsafe { vq_integrand_poly(c.as_ptr(), c.len(), &mut f) },
        VQ_OK
    );
    f
}

fn options(rule: vq_rule, n: u64) -> vq_options {
    let mut o = std::mem::MaybeUninit::<vq_options>::uninit();
    // SAFETY: writes a full vq_options into valid memory.
    unsafe { vq_options_default(o.as_mut_ptr()) };
    // SAFETY: initialised just above.
    let mut o = unsafe { o.assume_init() };
    o.rule = rule;
    o.n = n;
    o
}

const SENTINEL: vq_result = vq_result {
    value: 12345.0,
    abs_error: 1.0,
    evals: 7,
    threads: 9,
    seconds: 3.0,
    subintervals: 1,
};

/// Calls vq_integrate and checks that an error leaves `*out` untouched.
fn integrate(
    ctx: *mut vq_context,
    f: *const vq_integrand,
    a: f64,
    b: f64,
    o: Option<&vq_options>,
) -> (vq_status, vq_result) {
    let mut out = SENTINEL;
    let op = o.map_or(null(), |o| o as *const vq_options);
    // SAFETY: all pointers are valid or NULL as the test intends.
    let s = unsafe { vq_integrate(ctx, f, a, b, op, &mut out) };
    if s != VQ_OK && s != VQ_ERR_MAX_EVALS {
        assert_eq!(out, SENTINEL, "output written on error {s}");
    }
    (s, out)
}

#[test]
fn defaults_are_documented_values() {
    let o = options(VQ_RULE_AUTO, 0);
    assert_eq!(
        (o.rule, o.n, o.order, o.epsabs, o.epsrel, o.max_evals),
        (0, 0, 0, 0.0, 1e-10, 0)
    );
    // SAFETY: NULL is documented as a no-op.
    unsafe { vq_options_default(null_mut()) };
}

#[test]
fn seed_problem_through_the_c_abi() {
    let ctx = context(2);
    let f = poly(&[7.0, 0.0, 1.0]);
    let (s, r) = integrate(
        ctx,
        f,
        0.0,
        5.0,
        Some(&options(VQ_RULE_MIDPOINT, 1_000_000)),
    );
    assert_eq!(s, VQ_OK);
    assert!((r.value - 230.0 / 3.0).abs() < 1e-10);
    assert!(r.abs_error.is_nan());
    assert_eq!(
        (r.evals, r.threads, r.subintervals),
        (1_000_000, 2, 1_000_000)
    );
    assert!(r.seconds >= 0.0);
    // SAFETY: both were created above and are freed once.
    unsafe {
        vq_integrand_free(f);
        vq_context_free(ctx);
    }
}

#[test]
fn null_pointers_give_null_arg_and_name_the_parameter() {
    let ctx = context(1);
    let f = poly(&[1.0]);
    let o = options(VQ_RULE_MIDPOINT, 10);
    for (c, g, name) in [(null_mut(), f as *const _, "ctx"), (ctx, null(), "'f'")] {
        let (s, _) = integrate(c, g, 0.0, 1.0, Some(&o));
        assert_eq!(s, VQ_ERR_NULL_ARG);
        assert!(last_error().contains(name), "{}", last_error());
    }
    // SAFETY: NULL out pointers are what is being tested.
    unsafe {
        assert_eq!(
            vq_integrate(ctx, f, 0.0, 1.0, &o, null_mut()),
            VQ_ERR_NULL_ARG
        );
        assert_eq!(vq_context_new(1, null_mut()), VQ_ERR_NULL_ARG);
        assert_eq!(
            vq_integrand_poly([1.0].as_ptr(), 1, null_mut()),
            VQ_ERR_NULL_ARG
        );
        let mut out = null_mut();
        assert_eq!(vq_integrand_poly(null(), 3, &mut out), VQ_ERR_NULL_ARG);
        assert!(out.is_null());
        assert_eq!(vq_integrand_fn(None, null_mut(), &mut out), VQ_ERR_NULL_ARG);
        assert_eq!(
            vq_integrand_batch(None, null_mut(), &mut out),
            VQ_ERR_NULL_ARG
        );
        assert!(out.is_null());
        assert_eq!(vq_context_threads(null()), 0);
        vq_context_free(null_mut());
        vq_integrand_free(null_mut());
        vq_integrand_free(f);
        vq_context_free(ctx);
    }
}

#[test]
fn null_options_mean_defaults() {
    // Defaults are rule AUTO with n = 0 (adaptive, epsrel 1e-10): the
    // integral of 1 + 2x over [0, 1] succeeds, with the value 2, an error
    // estimate, and the same result as the explicit default options.
    let ctx = context(1);
    let f = poly(&[1.0, 2.0]);
    let (s, r) = integrate(ctx, f, 0.0, 1.0, None);
    assert_eq!(s, VQ_OK, "{}", last_error());
    assert!((r.value - 2.0).abs() <= 4.0 * f64::EPSILON, "{}", r.value);
    assert!(r.abs_error >= 0.0 && r.abs_error <= 1e-10 * 2.0);
    assert!(r.evals > 0 && r.subintervals >= 1);
    let (s2, r2) = integrate(ctx, f, 0.0, 1.0, Some(&options(VQ_RULE_AUTO, 0)));
    assert_eq!(s2, VQ_OK, "{}", last_error());
    assert_eq!(
        (r.value.to_bits(), r.evals, r.subintervals),
        (r2.value.to_bits(), r2.evals, r2.subintervals)
    );
    // SAFETY: created above, freed once.
    unsafe {
        vq_integrand_free(f);
        vq_context_free(ctx);
    }
}

#[test]
fn bad_arguments_give_invalid_arg_and_a_message() {
    let ctx = context(2);
    let f = poly(&[1.0]);
    let mut o = options(VQ_RULE_MIDPOINT, 10);
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    for (a, b) in [(nan, 1.0), (0.0, nan), (0.0, inf), (-inf, 0.0), (inf, inf)] {
        let (s, _) = integrate(ctx, f, a, b, Some(&o));
        assert_eq!(s, VQ_ERR_INVALID_ARG, "bounds {a} {b}");
        assert!(
            last_error().starts_with("VQ_ERR_INVALID_ARG: "),
            "{}",
            last_error()
        );
    }
    for n in [0u64, (1 << 53) + 1, 1 << 63] {
        o.n = n;
        assert_eq!(
            integrate(ctx, f, 0.0, 1.0, Some(&o)).0,
            VQ_ERR_INVALID_ARG,
            "n = {n}"
        );
    }
    o = options(VQ_RULE_GAUSS_LEGENDRE, 10);
    o.order = 65;
    assert_eq!(integrate(ctx, f, 0.0, 1.0, Some(&o)).0, VQ_ERR_INVALID_ARG);
    assert!(last_error().contains("order"));
    o.order = 64;
    assert_eq!(integrate(ctx, f, 0.0, 1.0, Some(&o)).0, VQ_OK);
    for rule in [-1, 11, 42, i32::MAX, i32::MIN] {
        o.rule = rule;
        assert_eq!(integrate(ctx, f, 0.0, 1.0, Some(&o)).0, VQ_ERR_INVALID_ARG);
        assert!(last_error().contains("unknown rule"), "{}", last_error());
    }
    let mut bad = null_mut();
    // SAFETY: valid pointers; the values are what is being tested.
    unsafe {
        assert_eq!(
            vq_integrand_poly([1.0].as_ptr(), 0, &mut bad),
            VQ_ERR_INVALID_ARG
        );
        assert_eq!(
            vq_integrand_poly([f64::NAN].as_ptr(), 1, &mut bad),
            VQ_ERR_INVALID_ARG
        );
        assert!(bad.is_null());
        let mut c = null_mut();
        assert_eq!(vq_context_new(1 << 30, &mut c), VQ_ERR_INVALID_ARG);
        assert!(c.is_null());
        vq_integrand_free(f);
        vq_context_free(ctx);
    }
}

unsafe extern "C" fn nan_above_half(x: f64, _: *mut c_void) -> f64 {
    if x > 0.5 {
        f64::NAN
    } else {
        x
    }
}

unsafe extern "C" fn failing_batch(_: *const f64, _: *mut f64, _: usize, _: *mut c_void) -> i32 {
    -7
}

unsafe extern "C" fn scaled_square(x: *const f64, fx: *mut f64, n: usize, p: *mut c_void) -> i32 {
    // SAFETY: vquad passes n readable x and n writable fx; p is the f64 below.
    let (x, fx, k) = unsafe {
        (
            std::slice::from_raw_parts(x, n),
            std::slice::from_raw_parts_mut(fx, n),
            *(p as *const f64),
        )
    };
    for (y, &x) in fx.iter_mut().zip(x) {
        *y = k * x * x;
    }
    0
}

#[test]
fn callbacks_report_nonfinite_values_and_error_codes() {
    let ctx = context(2);
    let mut f = null_mut();
    // SAFETY: valid callback and out pointer.
    unsafe {
        assert_eq!(
            vq_integrand_fn(Some(nan_above_half), null_mut(), &mut f),
            VQ_OK
        )
    };
    let (s, _) = integrate(ctx, f, 0.0, 1.0, Some(&options(VQ_RULE_MIDPOINT, 1000)));
    assert_eq!(s, VQ_ERR_NONFINITE);
    assert!(last_error().contains("x = 5.005"), "{}", last_error());
    let mut g = null_mut();
    // SAFETY: valid callback and out pointer.
    unsafe {
        assert_eq!(
            vq_integrand_batch(Some(failing_batch), null_mut(), &mut g),
            VQ_OK
        )
    };
    let (s, _) = integrate(ctx, g, 0.0, 1.0, Some(&options(VQ_RULE_SIMPSON, 100_000)));
    assert_eq!(s, VQ_ERR_CALLBACK);
    assert!(last_error().contains("-7"), "{}", last_error());
    let mut k = 3.0f64;
    let mut h = null_mut();
    // SAFETY: `k` outlives the integrand; the callback only reads it.
    unsafe {
        let p = &mut k as *mut f64 as *mut c_void;
        assert_eq!(vq_integrand_batch(Some(scaled_square), p, &mut h), VQ_OK);
    }
    let (s, r) = integrate(ctx, h, 0.0, 2.0, Some(&options(VQ_RULE_SIMPSON, 1001)));
    assert_eq!(s, VQ_OK);
    assert!((r.value - 8.0).abs() < 1e-12, "{}", r.value);
    // SAFETY: each created above, freed once.
    unsafe {
        vq_integrand_free(f);
        vq_integrand_free(g);
        vq_integrand_free(h);
        vq_context_free(ctx);
    }
}

struct Nested {
    ctx: *mut vq_context,
    inner: *const vq_integrand,
}

unsafe extern "C" fn outer(x: f64, p: *mut c_void) -> f64 {
    // SAFETY: `p` points to the `Nested` below, alive for the whole call.
    let n = unsafe { &*(p as *const Nested) };
    let o = options(VQ_RULE_GAUSS_LEGENDRE, 2);
    let mut r = SENTINEL;
    // SAFETY: live context and integrand, valid pointers.
    let s = unsafe { vq_integrate(n.ctx, n.inner, 0.0, x, &o, &mut r) };
    if s == VQ_OK {
        r.value
    } else {
        f64::NAN
    }
}

#[test]
fn a_callback_may_integrate_on_the_context_calling_it() {
    // ∫0^1 ∫0^x y^2 dy dx = 1/12
    let ctx = context(2);
    let inner = poly(&[0.0, 0.0, 1.0]);
    let mut nested = Nested { ctx, inner };
    let mut f = null_mut();
    // SAFETY: `nested` outlives every call below.
    unsafe {
        let p = &mut nested as *mut Nested as *mut c_void;
        assert_eq!(vq_integrand_fn(Some(outer), p, &mut f), VQ_OK);
    }
    let (s, r) = integrate(
        ctx,
        f,
        0.0,
        1.0,
        Some(&options(VQ_RULE_GAUSS_LEGENDRE, 20_000)),
    );
    assert_eq!(s, VQ_OK, "{}", last_error());
    assert!((r.value - 1.0 / 12.0).abs() < 1e-14, "{}", r.value);
    // SAFETY: each created above, freed once.
    unsafe {
        vq_integrand_free(f);
        vq_integrand_free(inner);
        vq_context_free(ctx);
    }
}

#[test]
fn last_error_is_thread_local() {
    let ctx = context(1);
    let (s, _) = integrate(ctx, null(), 0.0, 1.0, None);
    assert_eq!(s, VQ_ERR_NULL_ARG);
    let here = last_error();
    std::thread::spawn(|| assert_eq!(last_error(), ""))
        .join()
        .unwrap();
    assert_eq!(last_error(), here);
    // SAFETY: created above.
    unsafe { vq_context_free(ctx) };
}

#[test]
fn version_and_isa_strings() {
    // SAFETY: static NUL-terminated strings.
    let (v, isa) = unsafe { (CStr::from_ptr(vq_version()), CStr::from_ptr(vq_simd_isa())) };
    assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(isa.to_str().unwrap(), vquad::simd::isa());
}

#[test]
fn expressions_compile_or_fail_with_parse_and_utf8_errors() {
    let mut f = null_mut();
    // SAFETY: NUL-terminated literals and valid out pointers throughout.
    unsafe {
        assert_eq!(
            vq_integrand_expr(c"exp(-x^2)*cos(x)".as_ptr(), &mut f),
            VQ_OK
        );
        let mut bad = null_mut();
        assert_eq!(
            vq_integrand_expr(c"sin(x))".as_ptr(), &mut bad),
            VQ_ERR_PARSE
        );
        assert!(
            last_error().contains("unexpected ')' at column 7"),
            "{}",
            last_error()
        );
        assert_eq!(vq_integrand_expr(c"".as_ptr(), &mut bad), VQ_ERR_PARSE);
        assert_eq!(
            vq_integrand_expr(c"\xff\xfe".as_ptr(), &mut bad),
            VQ_ERR_INVALID_ARG
        );
        assert!(last_error().contains("UTF-8"));
        assert_eq!(vq_integrand_expr(null(), &mut bad), VQ_ERR_NULL_ARG);
        assert_eq!(
            vq_integrand_expr(c"x".as_ptr(), null_mut()),
            VQ_ERR_NULL_ARG
        );
        let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
        let deep = std::ffi::CString::new(deep).unwrap();
        assert_eq!(vq_integrand_expr(deep.as_ptr(), &mut bad), VQ_ERR_PARSE);
        assert!(bad.is_null());
    }
    let ctx = context(2);
    let (s, r) = integrate(
        ctx,
        f,
        -5.0,
        5.0,
        Some(&options(VQ_RULE_GAUSS_LEGENDRE, 10_000)),
    );
    assert_eq!(s, VQ_OK);
    assert!((r.value - std::f64::consts::PI.sqrt() * (-0.25f64).exp()).abs() < 1e-10);
    // SAFETY: created above, freed once.
    unsafe {
        vq_integrand_free(f);
        vq_context_free(ctx);
    }
}
