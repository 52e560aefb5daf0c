//! Binding a context's worker threads to CPUs.
//!
//! A worker left free to move can be placed by the operating system on the
//! same CPU as another worker of the same pool: after an idle spell, the
//! kernel often wakes a worker on the CPU of the thread that woke it, and
//! both then share that CPU until the next load-balancing pass, milliseconds
//! later. A fork–join step waits for its slowest worker, so one such spell
//! can make a two-thread integration as slow as a one-thread one. Binding
//! worker `i` to the `i`-th CPU the process may use rules that out.
//!
//! Binding is a placement decision only: it never changes a result.

use crate::error::{Error, Result};

/// Environment variable that sets the binding of contexts created with
/// [`Context::new`](crate::Context::new).
pub const BIND_ENV: &str = "VQUAD_BIND";

/// Where a context's worker threads may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Binding {
    /// Bind when the pool has exactly as many workers as the process may use
    /// CPUs (the default thread count), leave the threads free otherwise.
    /// So a context that fills the machine (or the CPU set an MPI launcher
    /// or `taskset` gave the process) is bound, and a smaller one, which may
    /// share the machine with other processes doing the same, is not.
    #[default]
    Auto,
    /// Never bind: the operating system places the workers.
    Off,
    /// Always bind worker `i` to allowed CPU `i mod n` (OpenMP's
    /// `OMP_PROC_BIND=close`); for scaling studies, where every point of a
    /// sweep should be placed the same way.
    Cores,
}

impl Binding {
    /// The name used by `VQUAD_BIND` and the CLI: `auto`, `off` or `cores`.
    pub fn name(self) -> &'static str {
        match self {
            Binding::Auto => "auto",
            Binding::Off => "off",
            Binding::Cores => "cores",
        }
    }

    /// Parses a name accepted by [`Binding::name`].
    ///
    /// # Errors
    /// [`Error::InvalidArg`] for any other text.
    pub fn parse(text: &str) -> Result<Binding> {
        match text.trim() {
            "auto" => Ok(Binding::Auto),
            "off" => Ok(Binding::Off),
            "cores" => Ok(Binding::Cores),
            other => Err(Error::invalid(format!(
                "binding '{other}' is not one of auto, off, cores"
            ))),
        }
    }

    /// The binding named by `VQUAD_BIND`, or [`Binding::Auto`] when it is
    /// unset or empty.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when the variable holds anything else.
    pub fn from_env() -> Result<Binding> {
        match std::env::var(BIND_ENV) {
            Ok(v) if !v.trim().is_empty() => Binding::parse(&v).map_err(|_| {
                Error::invalid(format!("{BIND_ENV}='{v}' is not one of auto, off, cores"))
            }),
            _ => Ok(Binding::Auto),
        }
    }

    /// The CPU for each of `threads` workers under this binding, given the
    /// CPUs the process may use (`allowed`, ascending), or `None` to leave
    /// the workers free.
    pub fn plan(self, threads: usize, allowed: &[usize]) -> Option<Vec<usize>> {
        let bind = match self {
            Binding::Off => false,
            Binding::Cores => true,
            Binding::Auto => threads == allowed.len(),
        };
        (bind && threads > 1 && !allowed.is_empty())
            .then(|| (0..threads).map(|i| allowed[i % allowed.len()]).collect())
    }
}

impl std::fmt::Display for Binding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The CPUs this process may run on, ascending (empty where the platform
/// cannot say, which disables binding).
#[cfg(target_os = "linux")]
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is a plain bit array, for which all zeros is valid.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size passed, and
    // pid 0 names the calling thread.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return Vec::new();
    }
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu` is below CPU_SETSIZE, the capacity of `set`.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect()
}

/// The CPUs this process may run on: unknown on this platform.
#[cfg(not(target_os = "linux"))]
pub fn allowed_cpus() -> Vec<usize> {
    Vec::new()
}

/// Restricts the running thread `thread` to `cpu`. Returns false when the
/// operating system refuses (the thread then stays free).
#[cfg(target_os = "linux")]
pub fn bind_thread<T>(thread: &std::thread::JoinHandle<T>, cpu: usize) -> bool {
    use std::os::unix::thread::JoinHandleExt;
    if cpu >= libc::CPU_SETSIZE as usize {
        return false;
    }
    // SAFETY: cpu_set_t is a plain bit array, for which all zeros is valid.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu` is below CPU_SETSIZE (checked above).
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: the handle is not joined, so its pthread_t names a live or
    // not-yet-reaped thread, and `set` is a valid cpu_set_t of the size
    // passed.
    let rc = unsafe {
        libc::pthread_setaffinity_np(
            thread.as_pthread_t(),
            std::mem::size_of::<libc::cpu_set_t>(),
            &set,
        )
    };
    rc == 0
}

/// Restricts a thread to one CPU: not supported on this platform.
#[cfg(not(target_os = "linux"))]
pub fn bind_thread<T>(_thread: &std::thread::JoinHandle<T>, _cpu: usize) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_binds_only_a_pool_that_fills_the_allowed_cpus() {
        let allowed = [0, 1, 4, 5];
        assert_eq!(Binding::Auto.plan(4, &allowed), Some(vec![0, 1, 4, 5]));
        assert_eq!(Binding::Auto.plan(2, &allowed), None);
        assert_eq!(Binding::Auto.plan(8, &allowed), None);
    }

    #[test]
    fn cores_binds_round_robin_over_the_allowed_cpus() {
        assert_eq!(Binding::Cores.plan(2, &[3, 7, 9]), Some(vec![3, 7]));
        assert_eq!(Binding::Cores.plan(5, &[3, 7]), Some(vec![3, 7, 3, 7, 3]));
    }

    #[test]
    fn nothing_is_bound_when_off_single_threaded_or_cpus_unknown() {
        assert_eq!(Binding::Off.plan(2, &[0, 1]), None);
        assert_eq!(Binding::Cores.plan(1, &[0, 1]), None);
        assert_eq!(Binding::Cores.plan(2, &[]), None);
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for b in [Binding::Auto, Binding::Off, Binding::Cores] {
            assert_eq!(Binding::parse(b.name()).unwrap(), b);
        }
        assert!(matches!(
            Binding::parse("spread"),
            Err(Error::InvalidArg(_))
        ));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_allowed_cpus_include_the_one_running_this_test() {
        // SAFETY: sched_getcpu has no preconditions.
        let here = unsafe { libc::sched_getcpu() };
        assert!(here >= 0);
        assert!(allowed_cpus().contains(&(here as usize)));
    }
}
