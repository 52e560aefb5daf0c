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
use crate::topology::Topology;

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
    /// Always bind, one worker per physical core first (OpenMP's
    /// `OMP_PLACES=cores` with `OMP_PROC_BIND=close`): worker `i` goes to the
    /// first hardware thread of the `i`-th allowed core, and only when every
    /// core has a worker do further workers go to SMT siblings. For scaling
    /// studies, where every point of a sweep should be placed the same way.
    Cores,
    /// Always bind, filling hardware threads in order (`OMP_PLACES=threads`
    /// with `OMP_PROC_BIND=close`): both SMT siblings of core 0, then of
    /// core 1, …. Measures what SMT sharing costs.
    Close,
    /// Always bind, spreading the workers evenly over the allowed cores in
    /// NUMA-node order (`OMP_PROC_BIND=spread`): 2 workers on a 2-socket
    /// machine land on different sockets; beyond one worker per core, as
    /// [`Binding::Cores`].
    Spread,
}

/// The names [`Binding::parse`] accepts.
const NAMES: &str = "auto, off, cores, close, spread";

impl Binding {
    /// The name used by `VQUAD_BIND` and the CLI: `auto`, `off`, `cores`,
    /// `close` or `spread`.
    pub fn name(self) -> &'static str {
        match self {
            Binding::Auto => "auto",
            Binding::Off => "off",
            Binding::Cores => "cores",
            Binding::Close => "close",
            Binding::Spread => "spread",
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
            "close" => Ok(Binding::Close),
            "spread" => Ok(Binding::Spread),
            other => Err(Error::invalid(format!(
                "binding '{other}' is not one of {NAMES}"
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
            Ok(v) if !v.trim().is_empty() => Binding::parse(&v)
                .map_err(|_| Error::invalid(format!("{BIND_ENV}='{v}' is not one of {NAMES}"))),
            _ => Ok(Binding::Auto),
        }
    }

    /// The CPU for each of `threads` workers under this binding, given the
    /// CPUs the process may use (`allowed`, ascending), or `None` to leave
    /// the workers free. The machine's topology is read from `/sys`.
    pub fn plan(self, threads: usize, allowed: &[usize]) -> Option<Vec<usize>> {
        match self {
            // Only the topology-aware policies pay for reading /sys.
            Binding::Cores | Binding::Close | Binding::Spread => {
                self.plan_on(threads, allowed, &Topology::detect())
            }
            Binding::Auto | Binding::Off => {
                self.plan_on(threads, allowed, &Topology { cpus: Vec::new() })
            }
        }
    }

    /// As [`Binding::plan`], on the given topology. Allowed CPUs the
    /// topology does not list count as cores of their own on node 0.
    pub fn plan_on(self, threads: usize, allowed: &[usize], topo: &Topology) -> Option<Vec<usize>> {
        let bind = match self {
            Binding::Off => false,
            Binding::Auto => threads == allowed.len(),
            Binding::Cores | Binding::Close | Binding::Spread => true,
        };
        if !(bind && threads > 1 && !allowed.is_empty()) {
            return None;
        }
        // (node, core, smt) of each allowed CPU; unknown CPUs get a core
        // number past every real one so they never pose as siblings.
        let place = |cpu: usize| {
            topo.cpu(cpu)
                .map_or((0, usize::MAX / 2 + cpu, 0), |c| (c.node, c.core, c.smt))
        };
        let mut order: Vec<usize> = allowed.to_vec();
        match self {
            Binding::Auto | Binding::Off => {}
            Binding::Close => order.sort_by_key(|&c| (place(c).1, place(c).2, c)),
            Binding::Cores | Binding::Spread => {
                order.sort_by_key(|&c| (place(c).2, place(c).0, place(c).1, c))
            }
        }
        if self == Binding::Spread {
            let first_threads = order.iter().filter(|&&c| place(c).2 == 0).count();
            if threads <= first_threads {
                // OpenMP's spread: worker i takes place ⌊i·n/t⌋ of the n cores.
                return Some(
                    (0..threads)
                        .map(|i| order[i * first_threads / threads])
                        .collect(),
                );
            }
        }
        Some((0..threads).map(|i| order[i % order.len()]).collect())
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

    /// 2 sockets (= NUMA nodes) × 2 cores × 2 threads, Linux numbering:
    /// cpu `c + 4` is the SMT sibling of cpu `c`.
    fn two_socket_smt() -> Topology {
        Topology::from_raw(&[
            (0, 0, 0, 0),
            (1, 0, 1, 0),
            (2, 1, 0, 1),
            (3, 1, 1, 1),
            (4, 0, 0, 0),
            (5, 0, 1, 0),
            (6, 1, 0, 1),
            (7, 1, 1, 1),
        ])
    }

    #[test]
    fn auto_binds_only_a_pool_that_fills_the_allowed_cpus() {
        let allowed = [0, 1, 4, 5];
        assert_eq!(Binding::Auto.plan(4, &allowed), Some(vec![0, 1, 4, 5]));
        assert_eq!(Binding::Auto.plan(2, &allowed), None);
        assert_eq!(Binding::Auto.plan(8, &allowed), None);
    }

    #[test]
    fn cores_takes_one_hardware_thread_per_core_before_any_sibling() {
        let t = two_socket_smt();
        let all: Vec<usize> = (0..8).collect();
        assert_eq!(Binding::Cores.plan_on(4, &all, &t), Some(vec![0, 1, 2, 3]));
        assert_eq!(
            Binding::Cores.plan_on(6, &all, &t),
            Some(vec![0, 1, 2, 3, 4, 5])
        );
        let four = Binding::Cores.plan_on(4, &all, &t).unwrap();
        assert!(!t.shares_a_core(&four));
    }

    #[test]
    fn close_fills_both_siblings_of_a_core_first() {
        let t = two_socket_smt();
        let all: Vec<usize> = (0..8).collect();
        assert_eq!(Binding::Close.plan_on(4, &all, &t), Some(vec![0, 4, 1, 5]));
        assert!(t.shares_a_core(&Binding::Close.plan_on(2, &all, &t).unwrap()));
    }

    #[test]
    fn spread_puts_two_workers_on_different_sockets() {
        let t = two_socket_smt();
        let all: Vec<usize> = (0..8).collect();
        let two = Binding::Spread.plan_on(2, &all, &t).unwrap();
        assert_eq!(two, vec![0, 2]);
        assert_ne!(t.cpu(two[0]).unwrap().node, t.cpu(two[1]).unwrap().node);
        // Beyond one worker per core, siblings are used round robin.
        assert_eq!(Binding::Spread.plan_on(5, &all, &t).unwrap().len(), 5);
    }

    #[test]
    fn unknown_cpus_bind_round_robin_in_number_order() {
        let none = Topology { cpus: Vec::new() };
        assert_eq!(
            Binding::Cores.plan_on(2, &[3, 7, 9], &none),
            Some(vec![3, 7])
        );
        assert_eq!(
            Binding::Close.plan_on(5, &[3, 7], &none),
            Some(vec![3, 7, 3, 7, 3])
        );
    }

    #[test]
    fn nothing_is_bound_when_off_single_threaded_or_cpus_unknown() {
        assert_eq!(Binding::Off.plan(2, &[0, 1]), None);
        assert_eq!(Binding::Cores.plan(1, &[0, 1]), None);
        assert_eq!(Binding::Cores.plan(2, &[]), None);
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for b in [
            Binding::Auto,
            Binding::Off,
            Binding::Cores,
            Binding::Close,
            Binding::Spread,
        ] {
            assert_eq!(Binding::parse(b.name()).unwrap(), b);
        }
        assert!(matches!(
            Binding::parse("compact"),
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
