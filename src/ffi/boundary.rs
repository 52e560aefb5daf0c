//! The panic boundary and argument checks shared by every exported function.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::{record_error, vq_status, VQ_OK};
use crate::error::Error;

/// Runs `body`, turning its error or any panic into a status and a message
/// for `vq_last_error`. A panic never unwinds into C.
pub(crate) fn status_boundary(body: impl FnOnce() -> Result<(), Error>) -> vq_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => VQ_OK,
        Ok(Err(e)) => record_error(&e),
        Err(payload) => record_error(&Error::Panic(panic_message(payload.as_ref()))),
    }
}

/// Runs `body` for functions that return a value instead of a status; a
/// panic yields `fallback`.
pub(crate) fn value_boundary<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(payload) => {
            record_error(&Error::Panic(panic_message(payload.as_ref())));
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
