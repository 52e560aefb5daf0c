//! Integrands backed by C function pointers (scalar and batched).

use std::ffi::c_void;

use super::{Integrand, CHUNK};
use crate::error::EvalError;

/// A GSL-style scalar callback: `double f(double x, void *params)`.
pub type ScalarCallback = unsafe extern "C" fn(x: f64, params: *mut c_void) -> f64;

/// A batch callback: `int f(const double *x, double *fx, size_t n, void *params)`.
/// Fills `fx[0..n]`; a non-zero return aborts the integration.
pub type BatchCallback =
    unsafe extern "C" fn(x: *const f64, fx: *mut f64, n: usize, params: *mut c_void) -> i32;

/// A scalar C callback with its opaque `params` pointer.
#[derive(Debug, Clone, Copy)]
pub struct ScalarFn {
    f: ScalarCallback,
    params: *mut c_void,
}

/// A batch C callback with its opaque `params` pointer.
#[derive(Debug, Clone, Copy)]
pub struct BatchFn {
    f: BatchCallback,
    params: *mut c_void,
}

// SAFETY: vquad calls these callbacks concurrently from its worker threads.
// The C contract (documented on `vq_integrand_fn`/`vq_integrand_batch` in
// vquad.h) requires the function and whatever `params` points to be safe to
// use from several threads at once, and to outlive the integrand.
unsafe impl Send for ScalarFn {}
// SAFETY: see the `Send` impl above; the same caller contract covers sharing.
unsafe impl Sync for ScalarFn {}
// SAFETY: same caller contract as `ScalarFn`.
unsafe impl Send for BatchFn {}
// SAFETY: same caller contract as `ScalarFn`.
unsafe impl Sync for BatchFn {}

impl ScalarFn {
    /// Wraps a C callback.
    ///
    /// # Safety
    /// `f` must be safe to call concurrently from several threads with
    /// `params`, and `params` must stay valid for as long as the integrand
    /// is used.
    pub unsafe fn new(f: ScalarCallback, params: *mut c_void) -> ScalarFn {
        ScalarFn { f, params }
    }
}

impl BatchFn {
    /// Wraps a C batch callback.
    ///
    /// # Safety
    /// As for [`ScalarFn::new`]; additionally `f` must write exactly `n`
    /// values to `fx` and read at most `n` values from `x`.
    pub unsafe fn new(f: BatchCallback, params: *mut c_void) -> BatchFn {
        BatchFn { f, params }
    }
}

impl Integrand for ScalarFn {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        for (o, &x) in out.iter_mut().zip(xs) {
            // SAFETY: `ScalarFn::new`'s contract makes the call and the
            // concurrent use of `params` sound.
            *o = unsafe { (self.f)(x, self.params) };
        }
        Ok(())
    }

    fn strided_chunk(&self) -> Option<usize> {
        Some(CHUNK)
    }
}

impl Integrand for BatchFn {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        debug_assert_eq!(xs.len(), out.len());
        let n = xs.len().min(out.len());
        // SAFETY: both pointers are valid for `n` elements (slices), and the
        // callback's contract (see `BatchFn::new`) limits it to `n` of each.
        let code = unsafe { (self.f)(xs.as_ptr(), out.as_mut_ptr(), n, self.params) };
        if code != 0 {
            return Err(EvalError::Callback { code });
        }
        Ok(())
    }

    fn strided_chunk(&self) -> Option<usize> {
        Some(CHUNK)
    }
}
