//! The integration context: a reusable thread pool, its placement, its
//! cancellation epoch and its progress sink.
//!
//! Invariant: a context knows how to run work, never what work. It imports
//! no integrand, rule or option; the integration entry points
//! ([`Context::integrate`], defined in the api layer) and the evaluator in
//! `exec` use it, never the other way round.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::affinity::{self, Binding};
use crate::error::{Error, Result};

/// Largest thread count a context accepts. Counts above it (such as 2^30)
/// are almost certainly a caller bug and are refused.
pub const MAX_THREADS: usize = 4096;

/// Environment variable consulted when a context is created with `threads = 0`.
pub const NUM_THREADS_ENV: &str = "VQUAD_NUM_THREADS";

/// A reusable integration context.
///
/// A context owns a rayon thread pool, created once and reused by every call.
/// It is `Send + Sync`: several threads may integrate on one context at once,
/// and an integrand may itself integrate on the same context (nested calls run
/// on the worker that makes them, without deadlock). Dropping a context
/// joins its worker threads.
///
/// # Examples
/// ```
/// let ctx = vquad::Context::new(2).unwrap();
/// let f = vquad::Poly::new(&[7.0, 0.0, 1.0]).unwrap();
/// let opts = vquad::Options::fixed(vquad::Rule::Midpoint, 1_000_000);
/// let r = ctx.integrate(&f, 0.0, 5.0, &opts).unwrap();
/// assert!((r.value - 230.0 / 3.0).abs() < 1e-9);
/// ```
pub struct Context {
    pool: Option<ThreadPool>,
    /// The pool's worker threads, joined when the context is dropped.
    workers: Vec<JoinHandle<()>>,
    threads: usize,
    /// The CPU each worker is bound to (empty: the workers are free).
    bound: Vec<usize>,
    /// Bumped by [`Context::cancel`]; a call stops when it changes.
    cancel_epoch: AtomicU64,
    /// Where calls report their progress (see [`Context::set_progress`]).
    progress: Mutex<Option<Arc<ProgressSink>>>,
    /// Whether `progress` holds a sink: read without the lock, so a call on
    /// a context without a callback takes no lock at all.
    has_progress: AtomicBool,
}

/// A progress callback and the flag that lets one thread at a time call it.
///
/// Invariant: `f` runs only while `busy` is held, so a callback never runs
/// on two threads at once, even for concurrent calls on one context.
pub struct ProgressSink {
    f: Box<dyn Fn(f64) + Send + Sync>,
    busy: AtomicBool,
}

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressSink").finish_non_exhaustive()
    }
}

impl ProgressSink {
    /// Unless another thread is calling the callback now, takes the flag,
    /// asks `decide` for the fraction to report (`None`: nothing) and calls
    /// the callback with it; returns whether the flag was taken.
    pub fn try_report_with(&self, decide: impl FnOnce() -> Option<f64>) -> bool {
        if self
            .busy
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        if let Some(fraction) = decide() {
            (self.f)(fraction);
        }
        self.busy.store(false, Ordering::Release);
        true
    }

    /// Calls the callback with `fraction`, waiting for a call running on
    /// another thread to return first.
    pub fn report(&self, fraction: f64) {
        while !self.try_report_with(|| Some(fraction)) {
            std::thread::yield_now();
        }
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("threads", &self.threads)
            .field("bound", &self.bound)
            .finish()
    }
}

impl Context {
    /// Creates a context with `threads` worker threads, placed as
    /// `VQUAD_BIND` says (see [`Binding`]; unset means [`Binding::Auto`]).
    ///
    /// `threads = 0` means the value of `VQUAD_NUM_THREADS` if set, else the
    /// number of logical CPUs. With one thread no pool is created and every
    /// call runs on the calling thread.
    ///
    /// # Errors
    /// - [`Error::UnsupportedCpu`] when the CPU lacks a feature this build was
    ///   compiled for.
    /// - [`Error::InvalidArg`] for more than [`MAX_THREADS`] threads, or an
    ///   unparsable `VQUAD_NUM_THREADS` or `VQUAD_BIND`.
    /// - [`Error::Alloc`] when the operating system refuses the threads.
    pub fn new(threads: usize) -> Result<Context> {
        // The thread count is checked first, so that its errors do not
        // depend on VQUAD_BIND.
        let threads = resolve_threads(threads)?;
        Context::with_binding(threads, Binding::from_env()?)
    }

    /// Creates a context as [`Context::new`] does, with the worker placement
    /// given here instead of by `VQUAD_BIND`.
    ///
    /// # Errors
    /// As [`Context::new`].
    pub fn with_binding(threads: usize, binding: Binding) -> Result<Context> {
        let missing = crate::simd::missing_cpu_features();
        if !missing.is_empty() {
            return Err(Error::UnsupportedCpu(missing));
        }
        let threads = resolve_threads(threads)?;
        let plan = binding.plan(threads, &affinity::allowed_cpus());
        let mut workers = Vec::new();
        let mut bound = Vec::new();
        let pool = if threads > 1 {
            // The threads are spawned here rather than by rayon so that
            // dropping the context can join them (rayon only signals them),
            // and so that each can be bound before it takes work.
            let built = ThreadPoolBuilder::new()
                .num_threads(threads)
                .spawn_handler(|worker| {
                    let index = worker.index();
                    let handle = std::thread::Builder::new()
                        .name(format!("vquad-worker-{index}"))
                        .spawn(|| worker.run())?;
                    if let Some(cpu) = plan.as_ref().map(|p| p[index]) {
                        if affinity::bind_thread(&handle, cpu) {
                            bound.push(cpu);
                        }
                    }
                    workers.push(handle);
                    Ok(())
                })
                .build();
            match built {
                Ok(pool) => Some(pool),
                Err(_) => {
                    // rayon has told the threads it did start to exit.
                    join_all(std::mem::take(&mut workers));
                    return Err(Error::Alloc);
                }
            }
        } else {
            None
        };
        // A partly bound pool is reported as free: binding is all or nothing
        // for the reader of `bound_cpus`, although the binds that succeeded
        // stay in place.
        if bound.len() != threads {
            bound.clear();
        }
        Ok(Context {
            pool,
            workers,
            threads,
            bound,
            cancel_epoch: AtomicU64::new(0),
            progress: Mutex::new(None),
            has_progress: AtomicBool::new(false),
        })
    }

    /// Number of threads this context computes with.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The CPU each worker is bound to, in worker order; empty when the
    /// workers are free (see [`Binding`]).
    pub fn bound_cpus(&self) -> &[usize] {
        &self.bound
    }

    /// The pool, or `None` for a one-thread context.
    pub fn pool(&self) -> Option<&ThreadPool> {
        self.pool.as_ref()
    }

    /// Cancels every call running on this context now: each stops at its
    /// next task boundary and returns [`Error::Cancelled`]. Calls started
    /// afterwards run normally. Safe to call from any thread.
    pub fn cancel(&self) {
        self.cancel_epoch.fetch_add(1, Ordering::AcqRel);
    }

    /// The current cancellation epoch; pair with [`Context::cancelled_since`].
    pub fn epoch(&self) -> u64 {
        self.cancel_epoch.load(Ordering::Acquire)
    }

    /// True when [`Context::cancel`] was called after `epoch` was read.
    pub fn cancelled_since(&self, epoch: u64) -> bool {
        self.cancel_epoch.load(Ordering::Relaxed) != epoch
    }

    /// Runs `op` inside the pool (or directly on a one-thread context), so
    /// that rayon parallel iterators inside it use this context's threads.
    pub fn install<R: Send>(&self, op: impl FnOnce() -> R + Send) -> R {
        match &self.pool {
            Some(pool) => pool.install(op),
            None => op(),
        }
    }

    /// Sets the progress callback of every call started on this context
    /// from now on, replacing any earlier one; `None` removes it.
    ///
    /// A call reports the fraction of its work done, in `[0, 1]` and never
    /// decreasing: tasks done / total for fixed rules, evaluations spent /
    /// `max_evals` for adaptive rules. It reports at most about every
    /// 100 ms, from one thread at a time (the callback never runs
    /// concurrently with itself), and reports 1.0 when it succeeds. A call
    /// without a callback pays one branch per task.
    ///
    /// # Examples
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let ctx = vquad::Context::new(2).unwrap();
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// ctx.set_progress(Some(Box::new(move |f| log.lock().unwrap().push(f))));
    /// let f = vquad::Poly::new(&[1.0]).unwrap();
    /// let opts = vquad::Options::fixed(vquad::Rule::Midpoint, 1 << 20);
    /// ctx.integrate(&f, 0.0, 1.0, &opts).unwrap();
    /// assert_eq!(seen.lock().unwrap().last(), Some(&1.0));
    /// ```
    pub fn set_progress(&self, callback: Option<Box<dyn Fn(f64) + Send + Sync>>) {
        let sink = callback.map(|f| {
            Arc::new(ProgressSink {
                f,
                busy: AtomicBool::new(false),
            })
        });
        let mut slot = self.progress.lock().unwrap_or_else(|p| p.into_inner());
        self.has_progress.store(sink.is_some(), Ordering::Release);
        *slot = sink;
    }

    /// Whether calls starting now report progress (a sink is set): one
    /// atomic load, no lock.
    #[inline]
    pub fn reports_progress(&self) -> bool {
        self.has_progress.load(Ordering::Acquire)
    }

    /// The progress sink a call starting now reports to.
    pub fn progress_sink(&self) -> Option<Arc<ProgressSink>> {
        if !self.reports_progress() {
            return None;
        }
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for Context {
    /// Shuts the pool down and joins its worker threads, so that no thread
    /// of this context is still running once the drop returns.
    fn drop(&mut self) {
        // Dropping the pool tells the (idle) workers to exit.
        drop(self.pool.take());
        join_all(std::mem::take(&mut self.workers));
    }
}

/// Joins `workers`, except the calling thread itself (a context dropped by
/// one of its own workers, through an `Arc` released inside an integrand):
/// that one exits on its own once its current job returns.
fn join_all(workers: Vec<JoinHandle<()>>) {
    let me = std::thread::current().id();
    for handle in workers {
        if handle.thread().id() != me {
            // A worker never panics (rayon aborts if one does), so the
            // result carries nothing to report.
            let _ = handle.join();
        }
    }
}

/// Resolves a requested thread count: 0 means `VQUAD_NUM_THREADS`, else the
/// number of logical CPUs.
pub fn resolve_threads(requested: usize) -> Result<usize> {
    let threads = if requested != 0 {
        requested
    } else {
        match std::env::var(NUM_THREADS_ENV) {
            Ok(v) if !v.trim().is_empty() => v.trim().parse::<usize>().map_err(|_| {
                Error::invalid(format!("{NUM_THREADS_ENV}='{v}' is not a thread count"))
            })?,
            _ => logical_cpus(),
        }
    };
    if threads == 0 || threads > MAX_THREADS {
        return Err(Error::invalid(format!(
            "thread count {threads} is out of range 1..={MAX_THREADS}"
        )));
    }
    Ok(threads)
}

/// Number of logical CPUs available to this process.
pub fn logical_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
