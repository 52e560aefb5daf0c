//! The value returned by an integration.

/// The outcome of one integration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Integral {
    /// The estimate of the integral.
    pub value: f64,
    /// Estimated absolute error, `None` where the rule gives no estimate
    /// (fixed rules).
    pub abs_error: Option<f64>,
    /// Exact number of integrand evaluations.
    pub evals: u64,
    /// Threads of the context that ran the call.
    pub threads: u32,
    /// Wall time spent inside the call, in seconds.
    pub seconds: f64,
    /// Subintervals: panels for fixed rules, final intervals for adaptive ones.
    pub subintervals: u64,
}

/// What one worker thread did during one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadStats {
    /// Integrand evaluations made by this thread.
    pub evals: u64,
    /// Nanoseconds this thread spent inside the call's jobs.
    pub busy_ns: u64,
    /// Jobs (tasks, chunks of points) this thread ran.
    pub jobs: u64,
}

/// How one call used the context's threads.
///
/// Entry `i` of `per_thread` is worker `i` of the pool; on a one-thread
/// context, or for work the calling thread did itself, entry 0. The figures
/// are measured, so they vary from run to run; the integral never does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallStats {
    /// One entry per worker thread of the context.
    pub per_thread: Vec<ThreadStats>,
    /// Wall time of the whole call, in nanoseconds.
    pub wall_ns: u64,
    /// Wall time spent inside parallel regions (the pool running the
    /// call's jobs), in nanoseconds.
    pub parallel_ns: u64,
}

impl CallStats {
    /// Wall time outside parallel regions (validation, planning, serial
    /// steps, the final reduction), in nanoseconds: the measured serial part
    /// of the call.
    pub fn serial_ns(&self) -> u64 {
        self.wall_ns.saturating_sub(self.parallel_ns)
    }

    /// Load imbalance: the busiest thread's busy time over the mean busy
    /// time of all threads; 1.0 is perfect balance, and 1.0 too when no
    /// thread was busy.
    pub fn load_imbalance(&self) -> f64 {
        let n = self.per_thread.len();
        let total: u64 = self.per_thread.iter().map(|t| t.busy_ns).sum();
        if n == 0 || total == 0 {
            return 1.0;
        }
        let max = self.per_thread.iter().map(|t| t.busy_ns).max().unwrap_or(0);
        max as f64 * n as f64 / total as f64
    }
}
