//! `vq_integrand`: polynomials, scalar callbacks and batch callbacks.

use std::ffi::c_void;

use super::boundary::{non_null, status_boundary, supported_cpu, value_boundary};
use super::status::vq_status;
use super::types::{vq_batch_fn, vq_fn};
use crate::error::Error;
use crate::integrand::{BatchFn, Integrand, Poly, ScalarFn};

/// An integrand: immutable once created, shareable by any number of threads
/// and calls. Created by one of the `vq_integrand_*` constructors, released
/// by `vq_integrand_free`.
pub struct vq_integrand {
    pub(crate) inner: Box<dyn Integrand>,
}

pub(crate) fn publish(f: Box<dyn Integrand>, out: *mut *mut vq_integrand) {
    let boxed = Box::into_raw(Box::new(vq_integrand { inner: f }));
    // SAFETY: callers check `out` is non-NULL; the C contract makes it writable.
    unsafe { out.write(boxed) };
}

/// Creates the polynomial `coeffs[0] + coeffs[1]·x + … + coeffs[len-1]·x^(len-1)`.
/// The coefficients are copied.
///
/// Errors: `VQ_ERR_NULL_ARG` (coeffs or out NULL), `VQ_ERR_INVALID_ARG`
/// (`len` is 0 or above 4096, or a coefficient is NaN or infinite),
/// `VQ_ERR_UNSUPPORTED_CPU` (this CPU lacks an instruction set the library
/// was compiled for).
///
/// # Safety
/// `coeffs` must point to `len` readable doubles; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_poly(
    coeffs: *const f64,
    len: usize,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        non_null(coeffs, "coeffs")?;
        supported_cpu()?;
        if len == 0 || len > crate::integrand::poly::MAX_COEFFS {
            return Err(Error::invalid(format!(
                "len = {len}: a polynomial needs 1..={} coefficients",
                crate::integrand::poly::MAX_COEFFS
            )));
        }
        // SAFETY: non-NULL, and per the contract `len` doubles are readable.
        let c = unsafe { std::slice::from_raw_parts(coeffs, len) };
        publish(Box::new(Poly::new(c)?), out);
        Ok(())
    })
}

/// Creates an integrand from a GSL-style callback `double f(double x, void *params)`.
///
/// The callback is called concurrently from worker threads: `f` and
/// `params` must be thread-safe, and `params` must outlive the integrand
/// (vquad does not copy or free it). A NaN or ±Inf return value makes
/// `vq_integrate` fail with `VQ_ERR_NONFINITE`. The callback may itself call
/// `vq_integrate` (nested integration).
///
/// Errors: `VQ_ERR_NULL_ARG` (f or out NULL).
///
/// # Safety
/// See above; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_fn(
    f: vq_fn,
    params: *mut c_void,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        let f = f.ok_or(Error::NullArg("f"))?;
        // SAFETY: the caller guarantees thread-safety and lifetime (above).
        publish(Box::new(unsafe { ScalarFn::new(f, params) }), out);
        Ok(())
    })
}

/// Creates an integrand from a batch callback
/// `int f(const double *x, double *fx, size_t n, void *params)` that fills
/// `fx[0..n)` and returns 0, or returns non-zero to abort with `VQ_ERR_CALLBACK`.
///
/// Same thread-safety and lifetime rules as `vq_integrand_fn`; `n` is at
/// most 1024 per call, and `x`/`fx` are valid only during the call.
///
/// Errors: `VQ_ERR_NULL_ARG` (f or out NULL).
///
/// # Safety
/// See above; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_batch(
    f: vq_batch_fn,
    params: *mut c_void,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        let f = f.ok_or(Error::NullArg("f"))?;
        // SAFETY: the caller guarantees thread-safety and lifetime (above).
        publish(Box::new(unsafe { BatchFn::new(f, params) }), out);
        Ok(())
    })
}

/// Releases an integrand. NULL is a no-op.
///
/// # Safety
/// `f` must be NULL or an integrand not yet freed and not in use by a call.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_free(f: *mut vq_integrand) {
    value_boundary((), || {
        if !f.is_null() {
            // SAFETY: per the contract, `f` came from `Box::into_raw` in
            // `publish` and is freed exactly once.
            drop(unsafe { Box::from_raw(f) });
        }
    })
}

/// Compiles an expression in `x` into a SIMD integrand, e.g.
/// `"exp(-x^2)*cos(x)"`. Grammar: numbers (`1e-3`, `.5`), `x`, `pi`, `e`,
/// `+ - * / ^` (`^` is right-associative and binds tighter than unary
/// minus), parentheses, `sin cos tan asin acos atan sinh cosh tanh exp log
/// log2 log10 sqrt cbrt abs floor ceil`, and `pow atan2 min max` of two
/// arguments. The string is copied; the compiled integrand is immutable and
/// may be shared by any number of threads.
///
/// Errors: `VQ_ERR_NULL_ARG` (expr or out NULL), `VQ_ERR_INVALID_ARG`
/// (not valid UTF-8), `VQ_ERR_PARSE` (with the column in `vq_last_error()`,
/// e.g. "unexpected ')' at column 7"; also for input over 64 KiB or nested
/// too deeply), `VQ_ERR_UNSUPPORTED_CPU` (this CPU lacks an instruction set
/// the library was compiled for).
///
/// # Safety
/// `expr` must be NULL or a NUL-terminated string; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_expr(
    expr: *const std::ffi::c_char,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        non_null(expr, "expr")?;
        supported_cpu()?;
        // SAFETY: non-NULL and NUL-terminated per the contract.
        let text = unsafe { std::ffi::CStr::from_ptr(expr) };
        let text = text
            .to_str()
            .map_err(|e| Error::invalid(format!("expression is not valid UTF-8: {e}")))?;
        publish(Box::new(crate::integrand::Expr::parse(text)?), out);
        Ok(())
    })
}
