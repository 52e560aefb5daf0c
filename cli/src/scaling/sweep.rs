//! Timing sweeps over thread counts.
//!
//! One context (pool) per thread count is built outside the timed region;
//! the timed region is exactly one user call. Each point is warmed up, then
//! repeated.

use std::time::Instant;

use super::fit::Sample;
use vquad::affinity::Binding;
use vquad::context::Context;
use vquad::error::{Error, Result};
use vquad::integrand::Integrand;
use vquad::options::Options;

/// Parses a thread list such as `1,2,4,8`, `1..16` or `1..4,8,16`.
///
/// # Errors
/// A message naming the bad item; zero threads are rejected.
pub fn parse_threads(spec: &str) -> std::result::Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let parse = |s: &str| {
            s.trim()
                .parse::<usize>()
                .map_err(|_| format!("'{s}' is not a thread count"))
        };
        if let Some((lo, hi)) = item.split_once("..") {
            let (lo, hi) = (parse(lo)?, parse(hi.trim_start_matches('='))?);
            if lo > hi {
                return Err(format!("empty range '{item}'"));
            }
            out.extend(lo..=hi);
        } else {
            out.push(parse(item)?);
        }
    }
    if out.is_empty() {
        return Err("no thread counts given".into());
    }
    if out.contains(&0) {
        return Err("thread counts start at 1".into());
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// How a sweep is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepConfig {
    /// Thread counts, ascending.
    pub threads: Vec<usize>,
    /// Timed repetitions per point.
    pub reps: usize,
    /// Untimed warm-up runs per point.
    pub warmup: usize,
    /// Worker placement of every point's context.
    pub binding: Binding,
}

/// Something to time at a given thread count: returns the seconds of the
/// timed region (the closure times exactly what it means to measure).
pub trait Workload {
    /// Runs once on `ctx` (which has `threads` threads) and returns seconds.
    fn run(&self, ctx: &Context, threads: usize) -> Result<f64>;
}

/// One integration per run; with `weak`, `n` grows with the thread count
/// (Gustafson weak scaling).
pub struct IntegrationWorkload<'a> {
    /// The integrand.
    pub f: &'a dyn Integrand,
    /// Lower bound.
    pub a: f64,
    /// Upper bound.
    pub b: f64,
    /// Options (for weak scaling, `n` is the 1-thread size).
    pub opts: Options,
    /// Scale `n` by the thread count.
    pub weak: bool,
}

impl Workload for IntegrationWorkload<'_> {
    fn run(&self, ctx: &Context, threads: usize) -> Result<f64> {
        let mut opts = self.opts;
        if self.weak {
            opts.n = opts.n.saturating_mul(threads as u64);
        }
        let t0 = Instant::now();
        let r = ctx.integrate(self.f, self.a, self.b, &opts);
        let dt = t0.elapsed().as_secs_f64();
        match r {
            Ok(_) | Err(Error::MaxEvals { .. }) => Ok(dt),
            Err(e) => Err(e),
        }
    }
}

/// A synthetic workload with a known serial fraction `F`: a serial stage on
/// one thread, then a parallel stage on all threads, each an integration of
/// the same scalar integrand ([`synthetic_integrand`]). The serial stage has
/// `F/(1−F)` times the work of the parallel stage, so it takes the fraction
/// `F` of the 1-thread time.
///
/// The integrand is scalar code on purpose: wide SIMD kernels can run at a
/// lower clock when every core is busy, which would show up as a spurious
/// serial fraction; scalar transcendental code keeps the per-core speed the
/// same at any thread count, as Amdahl's model assumes.
pub struct SerialFractionWorkload {
    serial: Context,
    f: fn(f64) -> f64,
    n_parallel: u64,
    n_serial: u64,
}

impl SerialFractionWorkload {
    /// A workload with serial fraction `fraction` (0 ≤ F < 1) and `n`
    /// points in the parallel stage.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when `fraction` is outside `[0, 1)`.
    pub fn new(fraction: f64, n: u64) -> Result<SerialFractionWorkload> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::invalid(format!(
                "serial fraction {fraction} is outside [0, 1)"
            )));
        }
        Ok(SerialFractionWorkload {
            serial: Context::new(1)?,
            f: synthetic_integrand,
            n_parallel: n,
            n_serial: (n as f64 * fraction / (1.0 - fraction)).round() as u64,
        })
    }
}

/// The validation workload's integrand: scalar code of about 20 ns a point.
pub fn synthetic_integrand(x: f64) -> f64 {
    (x.sin() * x.cos()).mul_add(0.5, (x * 0.1).exp())
}

impl Workload for SerialFractionWorkload {
    fn run(&self, ctx: &Context, _threads: usize) -> Result<f64> {
        let rule = vquad::options::Rule::Midpoint;
        let t0 = Instant::now();
        if self.n_serial > 0 {
            self.serial
                .integrate(&self.f, 0.0, 5.0, &Options::fixed(rule, self.n_serial))?;
        }
        ctx.integrate(&self.f, 0.0, 5.0, &Options::fixed(rule, self.n_parallel))?;
        Ok(t0.elapsed().as_secs_f64())
    }
}

/// Times `work` at every thread count of `cfg`. `progress(done, total)` is
/// called after each run.
pub fn run_sweep(
    work: &dyn Workload,
    cfg: &SweepConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Sample>> {
    let total = cfg.threads.len() * (cfg.reps.max(1) + cfg.warmup);
    let mut done = 0;
    let mut samples = Vec::with_capacity(cfg.threads.len());
    for &p in &cfg.threads {
        let ctx = Context::with_binding(p, cfg.binding)?;
        for _ in 0..cfg.warmup {
            work.run(&ctx, p)?;
            done += 1;
            progress(done, total);
        }
        let mut times = Vec::with_capacity(cfg.reps.max(1));
        for _ in 0..cfg.reps.max(1) {
            times.push(work.run(&ctx, p)?);
            done += 1;
            progress(done, total);
        }
        samples.push(Sample { threads: p, times });
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_lists_accept_lists_and_ranges() {
        assert_eq!(parse_threads("1,2,4,8").unwrap(), vec![1, 2, 4, 8]);
        assert_eq!(parse_threads("1..4").unwrap(), vec![1, 2, 3, 4]);
        assert_eq!(parse_threads("1..=3,8, 2").unwrap(), vec![1, 2, 3, 8]);
        assert!(parse_threads("0,1").is_err());
        assert!(parse_threads("4..2").is_err());
        assert!(parse_threads("a").is_err());
        assert!(parse_threads("").is_err());
    }

    #[test]
    fn serial_fraction_workload_rejects_fractions_outside_unit_interval() {
        assert!(SerialFractionWorkload::new(1.0, 10).is_err());
        assert!(SerialFractionWorkload::new(-0.1, 10).is_err());
        assert_eq!(
            SerialFractionWorkload::new(0.5, 1000).unwrap().n_serial,
            1000
        );
    }
}
