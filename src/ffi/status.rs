//! Status codes, their names, and `vq_last_error`.

use std::ffi::c_char;

use super::boundary::value_boundary;
use super::last_error;
use crate::error::Status;

/// Result of a fallible vquad function: `VQ_OK` (0) or one of `VQ_ERR_*`.
/// The numbers never change and are never reused.
pub type vq_status = i32;

/// Success.
pub const VQ_OK: vq_status = 0;
/// A required pointer argument was NULL.
pub const VQ_ERR_NULL_ARG: vq_status = 1;
/// An argument was out of range (bounds, n, order, rule, thread count...).
pub const VQ_ERR_INVALID_ARG: vq_status = 2;
/// An expression failed to parse; `vq_last_error()` has the column.
pub const VQ_ERR_PARSE: vq_status = 3;
/// The integrand returned NaN or ±Inf, or a finite value whose weighted
/// contribution (or the sum) overflows a double; `vq_last_error()` names
/// the x and says which.
pub const VQ_ERR_NONFINITE: vq_status = 4;
/// A batch callback returned non-zero; `vq_last_error()` has the code.
pub const VQ_ERR_CALLBACK: vq_status = 5;
/// The evaluation budget ran out. Unlike every other error, `*out` IS
/// written: it holds the best value and its (large) error estimate.
pub const VQ_ERR_MAX_EVALS: vq_status = 6;
/// The CPU lacks an instruction-set feature this build was compiled for.
pub const VQ_ERR_UNSUPPORTED_CPU: vq_status = 7;
/// An internal panic was caught at the boundary (a bug in vquad).
pub const VQ_ERR_PANIC: vq_status = 8;
/// Memory or threads could not be allocated.
pub const VQ_ERR_ALLOC: vq_status = 9;
/// The computation was cancelled.
pub const VQ_ERR_CANCELLED: vq_status = 10;

/// Returns the name of a status code, e.g. `"VQ_ERR_PARSE"`, or
/// `"VQ_ERR_UNKNOWN"` for a number that is not a status.
///
/// The string is static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn vq_status_str(status: vq_status) -> *const c_char {
    value_boundary(c"VQ_ERR_UNKNOWN".as_ptr(), || {
        match Status::from_code(status) {
            Some(s) => s.c_name().as_ptr(),
            None => c"VQ_ERR_UNKNOWN".as_ptr(),
        }
    })
}

/// Returns the message of the last failure on the calling thread (the
/// status name, a colon and a description), or `""` if none failed yet.
///
/// The message is thread-local: failures on other threads never change it.
/// The pointer stays valid until the next failing vquad call on this thread;
/// never free it. Successful calls leave it unchanged. Messages longer than
/// 1023 bytes are cut and end in `...`.
#[no_mangle]
pub extern "C" fn vq_last_error() -> *const c_char {
    value_boundary(c"".as_ptr(), last_error::message_ptr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn status_names_match_the_rust_enum() {
        for s in Status::ALL {
            // SAFETY: vq_status_str returns a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(vq_status_str(s as i32)) };
            assert_eq!(name.to_str().unwrap(), s.name());
        }
        // SAFETY: as above.
        let unknown = unsafe { CStr::from_ptr(vq_status_str(99)) };
        assert_eq!(unknown.to_str().unwrap(), "VQ_ERR_UNKNOWN");
    }

    #[test]
    fn status_numbers_are_fixed() {
        let expect = [
            (VQ_OK, 0),
            (VQ_ERR_NULL_ARG, 1),
            (VQ_ERR_INVALID_ARG, 2),
            (VQ_ERR_PARSE, 3),
            (VQ_ERR_NONFINITE, 4),
            (VQ_ERR_CALLBACK, 5),
            (VQ_ERR_MAX_EVALS, 6),
            (VQ_ERR_UNSUPPORTED_CPU, 7),
            (VQ_ERR_PANIC, 8),
            (VQ_ERR_ALLOC, 9),
            (VQ_ERR_CANCELLED, 10),
        ];
        for ((got, want), s) in expect.into_iter().zip(Status::ALL) {
            assert_eq!(got, want);
            assert_eq!(s as i32, want, "{s:?}");
        }
    }
}
