//! The thread-local last-error message behind `vq_last_error`.
//!
//! Invariant: the buffer needs no destructor, so recording or reading a
//! message works at any point of a thread's life.

use std::cell::RefCell;
use std::ffi::c_char;

use crate::error::Error;

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
pub(crate) fn record_error(e: &Error) -> i32 {
    let msg = format!("{}: {e}", e.status().name()).replace('\0', "\\0");
    LAST_ERROR.with(|m| store_message(&mut m.borrow_mut(), &msg));
    e.status() as i32
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

/// The calling thread's message, NUL-terminated (empty before any failure).
pub(crate) fn message_ptr() -> *const c_char {
    LAST_ERROR.with(|m| m.as_ptr().cast::<c_char>().cast_const())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

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
}
