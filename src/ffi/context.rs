//! `vq_context`: creation, destruction and thread count.

use std::ffi::c_void;

use super::boundary::{non_null, status_boundary, value_boundary};
use super::status::vq_status;
use crate::context::Context;

/// An integration context: a reusable pool of worker threads.
///
/// Thread-safety: a context may be used by several threads at once, and a
/// callback may call `vq_integrate` on the context that is calling it
/// (nested integration). Ownership: created by `vq_context_new`, released
/// by `vq_context_free`; it must outlive every call that uses it.
pub struct vq_context {
    pub(crate) inner: Context,
}

/// Creates a context with `threads` worker threads, reused by every call.
///
/// `threads = 0` means `VQUAD_NUM_THREADS` if set, else all logical CPUs.
/// Worker placement follows `VQUAD_BIND`: `auto` (the default) binds worker
/// i to the i-th CPU of the process's affinity mask when the pool has as
/// many workers as the mask has CPUs; `cores` always binds, one worker per
/// physical core before any SMT sibling; `close` always binds, filling
/// hardware threads in order (siblings together); `spread` always binds,
/// spreading workers evenly over the cores in NUMA-node order; `off` never
/// binds. Placement never changes a result.
/// On success `*out` receives a context to release with `vq_context_free`.
///
/// Errors: `VQ_ERR_NULL_ARG` (out is NULL), `VQ_ERR_INVALID_ARG` (more than
/// 4096 threads, or a bad `VQUAD_NUM_THREADS` or `VQUAD_BIND`), `VQ_ERR_UNSUPPORTED_CPU`
/// (this CPU lacks an instruction set the library was compiled for),
/// `VQ_ERR_ALLOC` (threads could not be started). `*out` is untouched on error.
///
/// # Safety
/// `out` must be NULL or valid for writing one pointer.
#[no_mangle]
pub unsafe extern "C" fn vq_context_new(threads: u32, out: *mut *mut vq_context) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        let ctx = Context::new(threads as usize)?;
        let boxed = Box::into_raw(Box::new(vq_context { inner: ctx }));
        // SAFETY: `out` is non-NULL and, per the contract, writable.
        unsafe { out.write(boxed) };
        Ok(())
    })
}

/// Releases a context and joins its threads. NULL is a no-op.
///
/// # Safety
/// `ctx` must be NULL or a context from `vq_context_new` not yet freed, and
/// no call may be using it.
#[no_mangle]
pub unsafe extern "C" fn vq_context_free(ctx: *mut vq_context) {
    value_boundary((), || {
        if !ctx.is_null() {
            // SAFETY: per the contract, `ctx` came from `Box::into_raw` in
            // `vq_context_new` and is freed exactly once.
            drop(unsafe { Box::from_raw(ctx) });
        }
    })
}

/// Returns the number of threads of `ctx`, or 0 when `ctx` is NULL.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[no_mangle]
pub unsafe extern "C" fn vq_context_threads(ctx: *const vq_context) -> u32 {
    value_boundary(0, || {
        // SAFETY: NULL or a live context, per the contract.
        unsafe { ctx.as_ref() }.map_or(0, |c| c.inner.threads() as u32)
    })
}

/// Cancels every `vq_integrate` call running on `ctx` at this moment: each
/// stops at its next block boundary and returns `VQ_ERR_CANCELLED`. Calls
/// started afterwards run normally. Thread-safe (call it from a watchdog or
/// signal-handling thread); NULL is a no-op.
///
/// # Safety
/// `ctx` must be NULL or a live context.
#[no_mangle]
pub unsafe extern "C" fn vq_context_cancel(ctx: *const vq_context) {
    value_boundary((), || {
        // SAFETY: NULL or a live context, per the contract.
        if let Some(c) = unsafe { ctx.as_ref() } {
            c.inner.cancel();
        }
    })
}

/// A progress callback: `fraction_done` in `[0, 1]`, never decreasing
/// during one call, and `user_data` as given to `vq_context_set_progress`.
pub type vq_progress_fn = Option<unsafe extern "C" fn(fraction_done: f64, user_data: *mut c_void)>;

/// `user_data` carried to whichever thread reports.
struct UserData(*mut c_void);
// SAFETY: vq_context_set_progress documents that the callback may run on any
// of the context's threads (one at a time), so the caller vouches that
// `user_data` may be used from them.
unsafe impl Send for UserData {}
// SAFETY: as above; the callback never runs on two threads at once.
unsafe impl Sync for UserData {}

/// Sets the progress callback of every `vq_integrate` started on `ctx`
/// from now on (calls already running keep theirs); a NULL `callback`
/// removes it.
///
/// A call reports the fraction of its work done, in `[0, 1]`, never
/// decreasing: tasks done / total for fixed rules; evaluations spent /
/// `max_evals` for adaptive rules. It reports at most about every 100 ms,
/// from one thread at a time (any of the context's threads, never two at
/// once), and reports 1.0 when it succeeds. Without a callback a call pays
/// nothing measurable.
///
/// Errors: `VQ_ERR_NULL_ARG` (ctx is NULL).
///
/// # Safety
/// `ctx` must be NULL or a live context; `callback` must be safe to call
/// with `user_data` from any thread until it is replaced and every call
/// started before that has returned.
#[no_mangle]
pub unsafe extern "C" fn vq_context_set_progress(
    ctx: *mut vq_context,
    callback: vq_progress_fn,
    user_data: *mut c_void,
) -> vq_status {
    status_boundary(|| {
        non_null(ctx, "ctx")?;
        // SAFETY: non-NULL and, per the contract, a live context.
        let ctx = unsafe { &(*ctx).inner };
        let sink = callback.map(|cb| {
            let data = UserData(user_data);
            Box::new(move |fraction: f64| {
                let data = &data;
                // SAFETY: the caller vouches for `cb` with `user_data` on
                // any thread (see above).
                unsafe { cb(fraction, data.0) }
            }) as Box<dyn Fn(f64) + Send + Sync>
        });
        ctx.set_progress(sink);
        Ok(())
    })
}
