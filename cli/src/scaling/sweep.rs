//! Timing sweeps over thread counts, run as interleaved rounds.
//!
//! Invariant: one context (pool) per thread count is built outside every
//! timed region, and the timed region is exactly one workload run; a round
//! runs each thread count once (order rotated every round), and at each
//! count the workload and the ceiling workload back to back (which goes
//! first alternates), so both see the same host.

use std::time::Instant;

use super::fit::Sample;
use super::rounds::Rounds;
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
    /// Timed rounds (each runs every point once).
    pub rounds: usize,
    /// Untimed warm-up rounds.
    pub warmup: usize,
    /// Worker placement of every point's context.
    pub binding: Binding,
}

/// What one worker thread did during one run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ThreadRecord {
    /// Integrand evaluations.
    pub evals: u64,
    /// Seconds spent inside the call's tasks.
    pub busy_s: f64,
    /// Tasks run.
    pub tasks: u64,
}

/// One timed run of a workload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunRecord {
    /// Wall seconds of the timed region.
    pub seconds: f64,
    /// Seconds outside parallel regions (serial stages and the calls'
    /// own serial parts), where measured.
    pub serial_s: Option<f64>,
    /// Seconds of the workload's own serial stage, for workloads that
    /// have one (the synthetic workload); `None` otherwise.
    pub stage_s: Option<f64>,
    /// Per-worker records from the library's padded per-thread slots
    /// (empty where the library did not report them).
    pub per_thread: Vec<ThreadRecord>,
}

impl RunRecord {
    /// A run known only by its wall time.
    pub fn timed(seconds: f64) -> RunRecord {
        RunRecord {
            seconds,
            ..RunRecord::default()
        }
    }

    /// Busiest worker's busy time over the mean busy time (1 = balanced);
    /// `None` without per-thread records.
    pub fn load_imbalance(&self) -> Option<f64> {
        let total: f64 = self.per_thread.iter().map(|t| t.busy_s).sum();
        if self.per_thread.is_empty() || total <= 0.0 {
            return None;
        }
        let max = self.per_thread.iter().map(|t| t.busy_s).fold(0.0, f64::max);
        Some(max * self.per_thread.len() as f64 / total)
    }
}

/// Something to time at a given thread count.
pub trait Workload {
    /// Runs once on `ctx` (which has `threads` threads) and returns what
    /// was measured.
    fn run(&self, ctx: &Context, threads: usize) -> Result<RunRecord>;
}

/// One integration per run; with `weak`, `n` grows with the thread count
/// (Gustafson weak scaling).
pub struct IntegrationWorkload {
    /// The integrand.
    pub f: Box<dyn Integrand>,
    /// Lower bound.
    pub a: f64,
    /// Upper bound.
    pub b: f64,
    /// Options (for weak scaling, `n` is the 1-thread size).
    pub opts: Options,
    /// Scale `n` by the thread count.
    pub weak: bool,
}

impl Workload for IntegrationWorkload {
    fn run(&self, ctx: &Context, threads: usize) -> Result<RunRecord> {
        let mut opts = self.opts;
        if self.weak {
            opts.n = opts.n.saturating_mul(threads as u64);
        }
        let (r, mut rec) = integrate_recorded(ctx, &*self.f, self.a, self.b, &opts);
        match r {
            Ok(()) | Err(Error::MaxEvals { .. }) => {
                rec.serial_s = rec.serial_s.or(Some(0.0));
                Ok(rec)
            }
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
    fn run(&self, ctx: &Context, _threads: usize) -> Result<RunRecord> {
        let rule = vquad::options::Rule::Midpoint;
        let t0 = Instant::now();
        let serial_stage = if self.n_serial > 0 {
            self.serial
                .integrate(&self.f, 0.0, 5.0, &Options::fixed(rule, self.n_serial))?;
            t0.elapsed().as_secs_f64()
        } else {
            0.0
        };
        let (r, rec) = integrate_recorded(
            ctx,
            &self.f,
            0.0,
            5.0,
            &Options::fixed(rule, self.n_parallel),
        );
        r?;
        Ok(RunRecord {
            seconds: t0.elapsed().as_secs_f64(),
            serial_s: Some(serial_stage + rec.serial_s.unwrap_or(0.0)),
            stage_s: Some(serial_stage),
            per_thread: rec.per_thread,
        })
    }
}

impl SerialFractionWorkload {
    /// The ceiling workload of this one: its parallel stage alone (the same
    /// per-thread work, no serial part).
    ///
    /// # Errors
    /// As [`SerialFractionWorkload::new`].
    pub fn ceiling(&self) -> Result<SerialFractionWorkload> {
        SerialFractionWorkload::new(0.0, self.n_parallel)
    }

    /// Points of the parallel stage.
    pub fn parallel_points(&self) -> u64 {
        self.n_parallel
    }
}

/// One integration, timed, with the per-thread view from the library's
/// padded per-thread slots: `(outcome, record)`. The record's `serial_s` is
/// the call's wall time outside its parallel regions.
pub fn integrate_recorded(
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
) -> (Result<()>, RunRecord) {
    let t0 = Instant::now();
    let (r, stats) = ctx.integrate_with_stats(f, a, b, opts);
    let seconds = t0.elapsed().as_secs_f64();
    let per_thread = stats
        .per_thread
        .iter()
        .map(|t| ThreadRecord {
            evals: t.evals,
            busy_s: t.busy_ns as f64 * 1e-9,
            tasks: t.jobs,
        })
        .collect();
    let record = RunRecord {
        seconds,
        serial_s: Some(stats.serial_ns() as f64 * 1e-9),
        stage_s: None,
        per_thread,
    };
    (r.map(|_| ()), record)
}

/// The measurements of an interleaved sweep.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SweepRecords {
    /// Thread counts, ascending.
    pub threads: Vec<usize>,
    /// Workload runs, `[round][point]`.
    pub work: Vec<Vec<RunRecord>>,
    /// Ceiling runs, `[round][point]`.
    pub ceiling: Vec<Vec<RunRecord>>,
    /// The CPU each worker was bound to, per point (empty: workers free).
    pub bound_cpus: Vec<Vec<usize>>,
    /// The CPU each worker reported running on after the last round, per
    /// point (for a one-thread context, the calling thread's).
    pub seen_cpus: Vec<Vec<usize>>,
}

/// Whether the workload runs before the ceiling at slot `k` of `round`
/// (the point at slot `k` is `(k + round) % n`).
///
/// Within a round the order alternates slot by slot (W C, C W, W C, …), and
/// it flips every `n` rounds. The rotation visits every point at every slot
/// once per `n` rounds, so each point runs workload-first in exactly half of
/// every `2n` rounds. A rule tied to `(round + k)` parity alone would fix the
/// order of each point when `n` is even (with 1 and 2 threads: the 2-thread
/// workload always right after the 2-thread ceiling), and the warm-up of the
/// first run after a switch would bias α corrected.
pub fn work_runs_first(round: usize, k: usize, n: usize) -> bool {
    ((round / n.max(1)) + k).is_multiple_of(2)
}

/// Runs `cfg.rounds` interleaved rounds of `work` and `ceiling` (after
/// `cfg.warmup` untimed rounds). `progress(done, total)` is called after
/// each run.
///
/// # Errors
/// The first error of a context or a run.
pub fn run_rounds(
    work: &dyn Workload,
    ceiling: &dyn Workload,
    cfg: &SweepConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SweepRecords> {
    let n = cfg.threads.len();
    let rounds = cfg.rounds.max(1);
    let total = 2 * n * (rounds + cfg.warmup);
    let ctxs = cfg
        .threads
        .iter()
        .map(|&p| Context::with_binding(p, cfg.binding))
        .collect::<Result<Vec<_>>>()?;
    let mut out = SweepRecords {
        threads: cfg.threads.clone(),
        work: Vec::with_capacity(rounds),
        ceiling: Vec::with_capacity(rounds),
        bound_cpus: ctxs.iter().map(|c| c.bound_cpus().to_vec()).collect(),
        seen_cpus: Vec::new(),
    };
    let mut done = 0;
    for round in 0..cfg.warmup + rounds {
        let mut w = vec![RunRecord::default(); n];
        let mut c = vec![RunRecord::default(); n];
        for k in 0..n {
            let i = (k + round) % n;
            let (ctx, p) = (&ctxs[i], cfg.threads[i]);
            if work_runs_first(round, k, n) {
                w[i] = work.run(ctx, p)?;
                c[i] = ceiling.run(ctx, p)?;
            } else {
                c[i] = ceiling.run(ctx, p)?;
                w[i] = work.run(ctx, p)?;
            }
            done += 2;
            progress(done, total);
        }
        if round >= cfg.warmup {
            out.work.push(w);
            out.ceiling.push(c);
        }
    }
    out.seen_cpus = ctxs.iter().map(worker_cpus).collect();
    Ok(out)
}

/// The CPU each worker of `ctx` runs on now (empty where unknown).
pub fn worker_cpus(ctx: &Context) -> Vec<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getcpu has no preconditions.
        let here = || unsafe { libc::sched_getcpu() };
        match ctx.pool() {
            Some(pool) => pool
                .broadcast(|_| here())
                .into_iter()
                .filter_map(|c| usize::try_from(c).ok())
                .collect(),
            None => usize::try_from(here()).into_iter().collect(),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = ctx;
        Vec::new()
    }
}

impl SweepRecords {
    /// The wall times as [`Rounds`], with `fitted[i]` saying which points
    /// enter the fit.
    pub fn rounds(&self, fitted: Vec<bool>) -> Rounds {
        let secs = |v: &Vec<Vec<RunRecord>>| {
            v.iter()
                .map(|row| row.iter().map(|r| r.seconds).collect())
                .collect()
        };
        Rounds {
            threads: self.threads.clone(),
            work: secs(&self.work),
            ceiling: secs(&self.ceiling),
            fitted,
        }
    }

    /// The workload's serial fraction as run: at the first point (1
    /// thread), the share of each run's time spent in the workload's own
    /// serial stage (`stage_s`), median over rounds; 0 when the workload
    /// has no serial stage. (Not `serial_s`: at 1 thread every second is
    /// outside a parallel region.)
    pub fn realized_serial_fraction(&self) -> f64 {
        let mut v: Vec<f64> = self
            .work
            .iter()
            .filter_map(|row| row.first())
            .map(|r| r.stage_s.unwrap_or(0.0) / r.seconds)
            .collect();
        if v.is_empty() {
            0.0
        } else {
            super::rounds::median(&mut v)
        }
    }

    /// The workload's repetitions per thread count, as the classic
    /// [`Sample`]s (for the median-based fit, `alpha`).
    pub fn samples(&self) -> Vec<Sample> {
        (0..self.threads.len())
            .map(|i| Sample {
                threads: self.threads[i],
                times: self.work.iter().map(|row| row[i].seconds).collect(),
            })
            .collect()
    }
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
    fn every_point_runs_workload_first_in_half_of_the_rounds() {
        for n in 1..=7 {
            let rounds = 2 * n * 3;
            let mut first = vec![0usize; n];
            for round in 0..rounds {
                for k in 0..n {
                    if work_runs_first(round, k, n) {
                        first[(k + round) % n] += 1;
                    }
                }
            }
            assert!(first.iter().all(|&c| c == rounds / 2), "n = {n}: {first:?}");
        }
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

    #[test]
    fn realized_serial_fraction_is_the_median_stage_share_at_the_first_point() {
        let run = |seconds: f64, stage: f64| RunRecord {
            seconds,
            serial_s: Some(seconds),
            stage_s: Some(stage),
            ..RunRecord::default()
        };
        let rec = SweepRecords {
            threads: vec![1, 2],
            work: vec![
                vec![run(1.0, 0.30), run(0.7, 0.30)],
                vec![run(2.0, 0.62), run(1.2, 0.62)],
                vec![run(1.0, 0.29), run(0.6, 0.29)],
            ],
            ..SweepRecords::default()
        };
        // Shares at 1 thread: 0.30, 0.31, 0.29; the second point's larger
        // shares and the all-serial `serial_s` do not enter.
        assert!((rec.realized_serial_fraction() - 0.30).abs() < 1e-12);
        assert_eq!(SweepRecords::default().realized_serial_fraction(), 0.0);
    }

    #[test]
    fn synthetic_workload_reports_its_serial_stage_within_the_run() {
        let w = SerialFractionWorkload::new(0.5, 20_000).unwrap();
        let ctx = Context::new(1).unwrap();
        let r = w.run(&ctx, 1).unwrap();
        let stage = r.stage_s.unwrap();
        assert!(stage > 0.0 && stage < r.seconds, "{stage} of {}", r.seconds);
        assert_eq!(
            w.ceiling().unwrap().run(&ctx, 1).unwrap().stage_s,
            Some(0.0)
        );
    }
}
