//! The CPU-feature guard: a context refuses to start, through the Rust API
//! and the C ABI, when a feature this build was compiled for is reported
//! missing. The test hook `VQUAD_TEST_HIDE_CPU_FEATURES` simulates a CPU
//! without it. Its own test binary: the test sets an environment variable.

use std::ffi::CStr;

use vquad::ffi::{
    vq_context_free, vq_context_new, vq_integrand, vq_integrand_expr, vq_integrand_free,
    vq_integrand_poly, vq_last_error, VQ_ERR_UNSUPPORTED_CPU, VQ_OK,
};
use vquad::simd::HIDE_FEATURES_ENV;
use vquad::{Context, Error};

/// The widest SIMD feature compiled into this build, if any.
fn compiled_in_feature() -> Option<&'static str> {
    if cfg!(target_feature = "avx512f") {
        Some("avx512f")
    } else if cfg!(target_feature = "avx2") {
        Some("avx2")
    } else if cfg!(target_feature = "sse2") {
        Some("sse2")
    } else if cfg!(target_feature = "neon") {
        Some("neon")
    } else {
        None
    }
}

/// Creates a context through the C ABI: its status, and the message on error.
fn c_context_new() -> (i32, String) {
    let mut ctx = std::ptr::null_mut();
    // SAFETY: `ctx` is a valid out pointer; a context created is freed once.
    let status = unsafe { vq_context_new(2, &mut ctx) };
    if status == VQ_OK {
        // SAFETY: created just above.
        unsafe { vq_context_free(ctx) };
        return (status, String::new());
    }
    assert!(ctx.is_null(), "*out written on error");
    // SAFETY: vq_last_error returns a NUL-terminated thread-local string.
    let msg = unsafe { CStr::from_ptr(vq_last_error()) };
    (status, msg.to_string_lossy().into_owned())
}

/// Creates the SIMD integrands through the C ABI: `(constructor, status,
/// *out)` for each; `*out` starts NULL.
fn c_simd_integrands() -> Vec<(&'static str, i32, *mut vq_integrand)> {
    let mut poly = std::ptr::null_mut();
    let mut expr = std::ptr::null_mut();
    let coeffs = [1.0, 2.0];
    // SAFETY: valid coefficient array, NUL-terminated string, out pointers.
    let (p, e) = unsafe {
        (
            vq_integrand_poly(coeffs.as_ptr(), coeffs.len(), &mut poly),
            vq_integrand_expr(c"x^2".as_ptr(), &mut expr),
        )
    };
    vec![
        ("vq_integrand_poly", p, poly),
        ("vq_integrand_expr", e, expr),
    ]
}

#[test]
fn a_context_refuses_to_start_when_a_compiled_in_feature_is_missing() {
    let Some(feature) = compiled_in_feature() else {
        eprintln!("no SIMD feature is compiled in: nothing to hide");
        return;
    };
    std::env::remove_var(HIDE_FEATURES_ENV);
    assert!(Context::new(2).is_ok());
    assert_eq!(c_context_new().0, VQ_OK);

    for hidden in [feature.to_string(), format!("not-a-feature, {feature}")] {
        std::env::set_var(HIDE_FEATURES_ENV, &hidden);
        match Context::new(2) {
            Err(e @ Error::UnsupportedCpu(_)) => {
                let Error::UnsupportedCpu(missing) = &e else {
                    unreachable!()
                };
                assert_eq!(missing, &vec![feature]);
                let text = e.to_string();
                assert!(text.contains(feature) && text.contains("rebuild"), "{text}");
            }
            other => panic!("hiding {hidden:?}: expected UnsupportedCpu, got {other:?}"),
        }
        let (status, msg) = c_context_new();
        assert_eq!(status, VQ_ERR_UNSUPPORTED_CPU, "{msg}");
        // Integrand constructors that run SIMD code refuse too, and leave
        // `*out` untouched.
        for (what, status, out) in c_simd_integrands() {
            assert_eq!(status, VQ_ERR_UNSUPPORTED_CPU, "{what}");
            assert!(out.is_null(), "{what}: *out written on error");
        }
        assert!(
            msg.starts_with("VQ_ERR_UNSUPPORTED_CPU: ") && msg.contains(feature),
            "{msg}"
        );
    }

    // Names that are not compiled in change nothing.
    std::env::set_var(HIDE_FEATURES_ENV, "not-a-feature,,");
    assert!(Context::new(2).is_ok());
    assert_eq!(c_context_new().0, VQ_OK);
    for (what, status, out) in c_simd_integrands() {
        assert_eq!(status, VQ_OK, "{what}");
        // SAFETY: created just above, freed once.
        unsafe { vq_integrand_free(out) };
    }
    std::env::remove_var(HIDE_FEATURES_ENV);
}
