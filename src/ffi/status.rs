//! Status codes, their names, and the thread-local last-error message.

use std::cell::RefCell;
use std::ffi::c_char;

use super::boundary::value_boundary;
use crate::error::{Error, Status};

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

/// Capacity of the last-error message, NUL included; longer messages are
/// cut at a character boundary and end in `...`.
const LAST_ERROR_CAPACITY: usize = 1024;

thread_local! {
    // A plain array with a const initializer: it needs no destructor, so it
    // stays usable while the thread exits (C code may call vquad from a
    // pthread key destructor, after Rust's thread-local destructors ran;
    // a `CString` here made such a call abort the process).
    static LAST_ERROR: RefCell<[u8; LAST_ERROR_CAPACITY]> =
        const { RefCell::new([0; LAST_ERROR_CAPACITY]) };
}

/// Stores `e`'s message for `vq_last_error` and returns its status.
pub(crate) fn record_error(e: &Error) -> vq_status {
    let msg = format!("{}: {e}", e.status().name()).replace('\0', "\\0");
    LAST_ERROR.with(|m| store_message(&mut m.borrow_mut(), &msg));
    e.status() as vq_status
}

/// Copies `msg` into `buf` NUL-terminated, cut at a character boundary
/// with a trailing `...` when it does not fit.
fn store_message(buf: &mut [u8; LAST_ERROR_CAPACITY], msg: &str) {
    let room = LAST_ERROR_CAPACITY - 1;
    let text = if msg.len() <= room {
        msg
    } else {
        let mut end = room - 3;
        while !msg.is_char_boundary(end) {
            end -= 1;
        }
        &msg[..end]
    };
    buf[..text.len()].copy_from_slice(text.as_bytes());
    let mut len = text.len();
    if text.len() < msg.len() {
        buf[len..len + 3].copy_from_slice(b"...");
        len += 3;
    }
    buf[len] = 0;
}

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
    value_boundary(c"".as_ptr(), || {
        LAST_ERROR.with(|m| m.as_ptr().cast::<c_char>().cast_const())
    })
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
    fn long_messages_are_cut_at_a_character_boundary() {
        let mut buf = [0xFFu8; LAST_ERROR_CAPACITY];
        store_message(&mut buf, "short");
        assert_eq!(
            CStr::from_bytes_until_nul(&buf).unwrap().to_str(),
            Ok("short")
        );
        let long = "é".repeat(LAST_ERROR_CAPACITY);
        store_message(&mut buf, &long);
        let cut = CStr::from_bytes_until_nul(&buf).unwrap().to_str().unwrap();
        assert!(
            cut.len() < LAST_ERROR_CAPACITY && cut.ends_with("é..."),
            "{cut}"
        );
        assert!(cut.len() >= LAST_ERROR_CAPACITY - 5);
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
