//! Ctrl-C during `vquad integrate`: the running integration is cancelled
//! and the command exits with status 130, printing a message and no result.
//!
//! Invariant: the signal handler only stores to an atomic flag (the one
//! thing a handler may safely do); a watcher thread turns that flag into
//! `Context::cancel` calls, repeated until the integration returns, so an
//! interrupt that arrives before the call has started is not lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use vquad::Context;

/// Set by the SIGINT handler.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// The exit status of a command stopped by Ctrl-C (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

/// How often the watcher looks at the flag.
const POLL: Duration = Duration::from_millis(10);

#[cfg(target_os = "linux")]
extern "C" fn on_sigint(_signal: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Installs the SIGINT handler (on Linux; elsewhere Ctrl-C keeps its
/// default action, ending the process).
fn install() {
    #[cfg(target_os = "linux")]
    // SAFETY: a zeroed `sigaction` is a valid value (no flags, no handler)
    // that is then filled in; `on_sigint` has the signature the kernel calls
    // and only performs an atomic store, which is async-signal-safe.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = libc::SA_RESTART;
        libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut());
    }
}

/// Whether Ctrl-C was pressed since the handler was installed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Runs `work` (an integration on `ctx`) with Ctrl-C cancelling it: from
/// the first SIGINT on, `ctx` is cancelled every 10 ms until `work`
/// returns. Check [`interrupted`] afterwards.
pub fn cancel_on_ctrl_c<R>(ctx: &Context, work: impl FnOnce() -> R) -> R {
    install();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::SeqCst) {
                if interrupted() {
                    ctx.cancel();
                }
                std::thread::sleep(POLL);
            }
        });
        let r = work();
        done.store(true, Ordering::SeqCst);
        r
    })
}
