//! The panic boundary and argument checks shared by every exported function.
//!
//! Invariant: no panic crosses into C. Every exported body runs inside
//! [`status_boundary`] or [`value_boundary`], and so does recording its
//! error for `vq_last_error` (formatting a message allocates, and may panic).

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::last_error::record_error;
use crate::error::{Error, Status};

// The statuses the boundary itself returns, as `vq_status` numbers (not
// `ffi::status`, which uses this boundary for its own functions).
const OK: i32 = Status::Ok as i32;
const PANIC: i32 = Status::Panic as i32;

/// Runs `body`, turning its error or any panic into a status and a message
/// for `vq_last_error`. A panic never unwinds into C.
pub(crate) fn status_boundary(body: impl FnOnce() -> Result<(), Error>) -> i32 {
    let run = || match body() {
        Ok(()) => OK,
        Err(e) => record_error(&e),
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(status) => status,
        Err(payload) => record_panic(payload.as_ref()),
    }
}

/// Records a caught panic for `vq_last_error`, itself inside a boundary:
/// if even that panics, the status is still `VQ_ERR_PANIC`.
fn record_panic(payload: &(dyn Any + Send)) -> i32 {
    catch_unwind(AssertUnwindSafe(|| {
        record_error(&Error::Panic(panic_message(payload)))
    }))
    .unwrap_or(PANIC)
}

/// Runs `body` for functions that return a value instead of a status; a
/// panic yields `fallback`.
pub(crate) fn value_boundary<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            record_panic(payload.as_ref());
            fallback
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

/// Returns `Err(Error::NullArg(name))` when `p` is NULL.
pub(crate) fn non_null<T>(p: *const T, name: &'static str) -> Result<(), Error> {
    if p.is_null() {
        Err(Error::NullArg(name))
    } else {
        Ok(())
    }
}

/// Returns `Err(Error::UnsupportedCpu)` when the CPU lacks a feature this
/// build was compiled for: the guard of every entry that can run SIMD code.
pub(crate) fn supported_cpu() -> Result<(), Error> {
    let missing = crate::simd::missing_cpu_features();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::UnsupportedCpu(missing))
    }
}
