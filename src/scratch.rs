//! Per-thread state that hot loops keep between calls instead of
//! allocating (and zeroing) it anew each time: buffers, workspaces.
//!
//! Invariant: a thread's kept value is borrowed for the whole of a use, so a
//! nested use on the same thread (an integrand that integrates) gets a
//! fresh value and never aliases the outer one; so does a use while the
//! thread exits and its slot is already destroyed. Contents left by an
//! earlier use stay: callers write every element they read.

use std::cell::RefCell;
use std::thread::LocalKey;

/// A thread-local slot holding one kept value.
pub type Slot<T> = LocalKey<RefCell<T>>;

/// Runs `f` with this thread's value in `slot`, or with a fresh
/// `T::default()` when that one is in use or already destroyed.
pub fn with_kept<T: Default, R>(slot: &'static Slot<T>, f: impl FnOnce(&mut T) -> R) -> R {
    let mut f = Some(f);
    let kept = slot.try_with(|cell| {
        let mut value = cell.try_borrow_mut().ok()?;
        Some((f.take().expect("called once"))(&mut value))
    });
    match kept {
        Ok(Some(r)) => r,
        _ => (f.take().expect("not called yet"))(&mut T::default()),
    }
}

/// Runs `f` on the first `len` elements of the buffer in `slot`
/// ([`with_kept`]), grown with `T::default()` when shorter.
pub fn with_buffer<T: Clone + Default, R>(
    slot: &'static Slot<Vec<T>>,
    len: usize,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    with_kept(slot, |buf| {
        if buf.len() < len {
            buf.resize(len, T::default());
        }
        f(&mut buf[..len])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SLOT: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    }

    #[test]
    fn a_nested_use_gets_its_own_buffer_and_the_outer_one_is_kept() {
        with_buffer(&SLOT, 4, |outer| {
            outer.copy_from_slice(&[1, 2, 3, 4]);
            with_buffer(&SLOT, 2, |inner| {
                assert_eq!(inner, &[0, 0], "a fresh buffer");
                inner.copy_from_slice(&[9, 9]);
            });
            assert_eq!(outer, &[1, 2, 3, 4]);
        });
        // The outer buffer is kept and reused, contents and all.
        with_buffer(&SLOT, 3, |again| assert_eq!(again, &[1, 2, 3]));
    }
}
