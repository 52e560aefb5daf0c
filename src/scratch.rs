//! Per-thread buffers that hot loops reuse instead of allocating (and
//! zeroing) a fresh one per call.
//!
//! Invariant: a buffer is taken out of its thread-local slot for the whole
//! of a use, so a nested use on the same thread (an integrand that
//! integrates) gets a fresh buffer and never aliases the outer one. The
//! contents left by an earlier use stay: callers write every element they
//! read.

use std::cell::Cell;
use std::thread::LocalKey;

/// A thread-local slot holding one reusable buffer.
pub type Slot<T> = LocalKey<Cell<Vec<T>>>;

/// Runs `f` on the first `len` elements of the buffer in `slot`, grown
/// with `T::default()` when shorter, and puts the buffer back afterwards.
/// While the thread exits (its slot already destroyed) a fresh buffer is
/// used and dropped.
pub fn with_buffer<T: Clone + Default, R>(
    slot: &'static Slot<T>,
    len: usize,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    let mut buf = slot.try_with(Cell::take).unwrap_or_default();
    if buf.len() < len {
        buf.resize(len, T::default());
    }
    let r = f(&mut buf[..len]);
    // Fails only while the thread exits; the buffer is then dropped.
    let _ = slot.try_with(|c| c.set(buf));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SLOT: Cell<Vec<u32>> = const { Cell::new(Vec::new()) };
    }

    #[test]
    fn a_nested_use_gets_its_own_buffer_and_the_outer_one_is_kept() {
        with_buffer(&SLOT, 4, |outer| {
            outer.copy_from_slice(&[1, 2, 3, 4]);
            with_buffer(&SLOT, 2, |inner| {
                inner.copy_from_slice(&[9, 9]);
            });
            assert_eq!(outer, &[1, 2, 3, 4]);
        });
        // The outer buffer went back last and is reused, contents and all.
        with_buffer(&SLOT, 3, |again| assert_eq!(again, &[1, 2, 3]));
    }
}
