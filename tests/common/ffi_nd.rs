//! C-API helpers for the multi-D tests: contexts, the last error message
//! and one `vq_integrate_nd` call.
#![allow(dead_code)]

use std::ffi::CStr;
use std::ptr;

use vquad::ffi::*;

/// A fresh context of `threads` threads (free it with `vq_context_free`).
pub fn context(threads: u32) -> *mut vq_context {
    let mut c = ptr::null_mut();
    assert_eq!(unsafe { vq_context_new(threads, &mut c) }, 0);
    c
}

/// The calling thread's last error message.
pub fn last_error() -> String {
    unsafe { CStr::from_ptr(vq_last_error()) }
        .to_string_lossy()
        .into_owned()
}

/// `(values, errors, record)` of one `vq_integrate_nd` call on `threads`
/// threads; panics with the message when it fails.
pub fn integrate_nd(
    f: *const vq_integrand,
    lo: &[f64],
    hi: &[f64],
    o: &vq_options,
    nout: usize,
    threads: u32,
) -> (Vec<f64>, Vec<f64>, vq_result) {
    let ctx = context(threads);
    let (mut v, mut e) = (vec![0.0; nout], vec![0.0; nout]);
    let mut r = unsafe { std::mem::zeroed() };
    let s = unsafe {
        vq_integrate_nd(
            ctx,
            f,
            lo.as_ptr(),
            hi.as_ptr(),
            lo.len(),
            o,
            v.as_mut_ptr(),
            e.as_mut_ptr(),
            nout,
            &mut r,
        )
    };
    unsafe { vq_context_free(ctx) };
    assert_eq!(s, 0, "{}", last_error());
    assert_eq!(r.value.to_bits(), v[0].to_bits());
    (v, e, r)
}
