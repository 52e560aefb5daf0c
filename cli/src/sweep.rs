//! `vquad sweep`: time a workload over thread counts in interleaved rounds,
//! measure the machine's own parallel ceiling in the same rounds, and fit
//! Amdahl's serial fraction α raw (against p) and corrected (against the
//! ceiling), with intervals from a bootstrap over rounds; or do the same on
//! a simulated machine (`--simulate`), or check the estimator's coverage
//! (`--validate`).

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use vquad::topology::Topology;
use vquad::{Binding, Rule};
use vquad_lab::scaling::fit::{self, AmdahlFit, FitOptions, PointStats, Sample, Trust};
use vquad_lab::scaling::html::{self, Report, Table};
use vquad_lab::scaling::machine::Machine;
use vquad_lab::scaling::rounds::{AlphaEstimate, Baseline, Rounds, RESAMPLES};
use vquad_lab::scaling::simulate::{power_of_two_threads, SimMachine};
use vquad_lab::scaling::sweep::{
    parse_threads, run_rounds, RunRecord, SerialFractionWorkload, SweepConfig, SweepRecords,
    Workload,
};
use vquad_lab::scaling::validate::{self, ValidationRun, VALIDATION_ALPHAS};

use crate::seed::parse_count;
use crate::workloads;

/// Version of the JSON written by `--json`; 2 added the interleaved-round
/// fields (`alpha_raw`, `alpha_corrected`, per-thread views, topology).
pub const SCHEMA_VERSION: u32 = 2;
/// Seed of the bootstrap (reports are reproducible from their times).
const BOOT_SEED: u64 = 0x5eed_0fa3_da41;

/// Options of `vquad sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Integrand expression (default: the seed problem x^2+7 on [0,5]).
    pub expr: Option<String>,
    /// Lower bound (constant expression).
    pub a: Option<String>,
    /// Upper bound (constant expression).
    pub b: Option<String>,
    /// Workload (default: chosen from the other options): serial-fraction,
    /// callback, nd or integrate.
    #[arg(long)]
    pub workload: Option<String>,
    /// Dimensions of the `nd` workload (the expression's variables are
    /// x1..xD on the unit cube).
    #[arg(long, value_name = "D")]
    pub dims: Option<usize>,
    /// Rule (fixed rules sweep n panels; adaptive rules sweep a tolerance).
    #[arg(long, default_value = "midpoint")]
    pub rule: Rule,
    /// Panels (accepts 1e9); for --weak, the 1-thread size; for --validate, the parallel stage (default 4e6).
    #[arg(short, long, value_parser = parse_count)]
    pub n: Option<u64>,
    /// Thread counts: a list `1,2,4,8` and/or ranges `1..16` (default:
    /// 1..logical CPUs); 1 is always added, as the baseline.
    #[arg(long, value_parser = thread_list)]
    pub threads: Option<ThreadList>,
    /// Timed rounds; each runs every thread count once, workload and
    /// ceiling back to back.
    /// (default 16; 40 for --validate and --serial-fraction).
    #[arg(long, alias = "reps")]
    pub rounds: Option<usize>,
    /// Worker placement, as OMP_PROC_BIND / OMP_PLACES: `cores` (one worker
    /// per physical core first), `close` (hardware threads in order, SMT
    /// siblings together), `spread` (evenly over cores and NUMA nodes),
    /// `auto` or `off`.
    #[arg(long, alias = "bind", default_value = "cores", value_parser = binding)]
    pub place: Binding,
    /// Gustafson weak scaling: n grows with the thread count.
    #[arg(long)]
    pub weak: bool,
    /// Validation workload: a synthetic serial stage of this fraction of the
    /// 1-thread time; the fit should recover it.
    #[arg(long, value_name = "F")]
    pub serial_fraction: Option<f64>,
    /// Sweep a C integrand `double f(double x, void *params)` from a shared
    /// object (called with params = NULL).
    #[arg(long, value_name = "LIB.so:SYMBOL")]
    pub callback: Option<String>,
    /// Interval of the callback workload, `A,B` (default 0,1).
    #[arg(long, value_name = "A,B", allow_hyphen_values = true)]
    pub bounds: Option<String>,
    /// Run the coverage validation: --runs sweeps of the synthetic workload
    /// with α cycling through 0, 0.1, 0.3, 0.5 (or all at --serial-fraction),
    /// and print the coverage table. With --simulate: the simulated 64- and
    /// 256-core table.
    #[arg(long)]
    pub validate: bool,
    /// Sweeps run by --validate.
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Fit and report a simulated machine instead of timing this one.
    #[arg(long)]
    pub simulate: bool,
    /// --simulate: the true serial fraction.
    #[arg(long, default_value_t = 0.05)]
    pub sim_alpha: f64,
    /// --simulate: physical cores (2-way SMT, 2 NUMA nodes from 8 cores).
    #[arg(long, default_value_t = 64)]
    pub sim_cores: usize,
    /// --simulate: relative noise of each timing.
    #[arg(long, default_value_t = 0.02)]
    pub sim_noise: f64,
    /// --simulate: most capacity above one thread a foreign load takes.
    #[arg(long, default_value_t = 0.10)]
    pub sim_drift: f64,
    /// --simulate: seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the sweep as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the points as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write a speedup plot as SVG (the load-imbalance plot goes next to it,
    /// with `-imbalance` added to the name).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write one self-contained HTML page with the plots and tables.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Parses `--place` (see [`Binding::parse`]).
fn binding(s: &str) -> Result<Binding, String> {
    Binding::parse(s).map_err(|e| e.to_string())
}

/// A parsed `--threads` value.
#[derive(Debug, Clone)]
pub struct ThreadList(pub Vec<usize>);

/// Parses `--threads` (see [`parse_threads`]).
pub fn thread_list(s: &str) -> Result<ThreadList, String> {
    parse_threads(s).map(ThreadList)
}

fn progress_bar(total: usize, what: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{{spinner}} {what} [{{bar:30}}] {{pos}}/{{len}} runs {{elapsed}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// `--rounds`, or `default`; at least 2.
fn rounds_or(args: &SweepArgs, default: usize) -> usize {
    args.rounds.unwrap_or(default).max(2)
}

/// Thread counts with 1 added.
fn with_baseline(mut t: Vec<usize>) -> Vec<usize> {
    t.push(1);
    t.sort_unstable();
    t.dedup();
    t
}

/// Runs the command.
pub fn run(args: &SweepArgs) -> Result<std::process::ExitCode, String> {
    match (args.simulate, args.validate) {
        (true, true) => simulate_table(args),
        (true, false) => simulate(args),
        (false, true) => validate_live(args),
        (false, false) => sweep(args),
    }
}

/// The synthetic ceiling for a workload without its own: the perfectly
/// parallel workload sized to the workload's 1-thread time.
fn matched_ceiling(work: &dyn Workload) -> Result<SerialFractionWorkload, String> {
    let one = vquad::Context::with_binding(1, Binding::Off).map_err(|e| e.to_string())?;
    let t_work = work.run(&one, 1).map_err(|e| e.to_string())?.seconds;
    let probe_n = 1_000_000;
    let probe = SerialFractionWorkload::new(0.0, probe_n).map_err(|e| e.to_string())?;
    probe.run(&one, 1).map_err(|e| e.to_string())?;
    let t_probe = probe.run(&one, 1).map_err(|e| e.to_string())?.seconds;
    let n = (probe_n as f64 * t_work / t_probe).clamp(1e5, 1e10) as u64;
    SerialFractionWorkload::new(0.0, n).map_err(|e| e.to_string())
}

/// Where each point's workers run and whether the point is fitted.
struct Placement {
    smt: Vec<bool>,
    oversubscribed: Vec<bool>,
}

impl Placement {
    fn of(records: &SweepRecords, topo: &Topology, allowed: usize) -> Placement {
        let cores = topo.cores().min(allowed.max(1));
        let smt = records
            .threads
            .iter()
            .zip(&records.bound_cpus)
            .map(|(&p, bound)| {
                if bound.is_empty() {
                    p > cores
                } else {
                    topo.shares_a_core(bound)
                }
            })
            .collect();
        let oversubscribed = records.threads.iter().map(|&p| p > allowed).collect();
        Placement {
            smt,
            oversubscribed,
        }
    }

    fn fitted(&self) -> Vec<bool> {
        self.smt
            .iter()
            .zip(&self.oversubscribed)
            .map(|(s, o)| !s && !o)
            .collect()
    }
}

fn sweep(args: &SweepArgs) -> Result<std::process::ExitCode, String> {
    let machine = Machine::detect();
    let topo = Topology::detect();
    let allowed = vquad::affinity::allowed_cpus().len().max(1);
    let threads = with_baseline(match &args.threads {
        Some(list) => list.0.clone(),
        None => (1..=machine.logical_cores).collect(),
    });
    let entry = workloads::select(args)?;
    let default_n = match entry.name {
        "serial-fraction" => 4_000_000,
        "integrate" if args.expr.is_none() => 1_000_000_000,
        "nd" => 2_000_000,
        _ => 100_000_000,
    };
    let built = (entry.build)(args, args.n.unwrap_or(default_n))?;
    let matched;
    let ceiling: &dyn Workload = match &built.ceiling {
        Some(c) => &**c,
        None => {
            matched = matched_ceiling(&*built.work)?;
            &matched
        }
    };
    let cfg = SweepConfig {
        threads,
        // The synthetic workload is the validation's: the same rounds, so a
        // plain `--serial-fraction F` sweep is one validation run.
        rounds: rounds_or(
            args,
            if entry.name == "serial-fraction" {
                validate::LIVE_ROUNDS
            } else {
                16
            },
        ),
        warmup: 1,
        binding: args.place,
    };
    let description = format!(
        "{}, workers placed: {}, {} rounds",
        built.description, args.place, cfg.rounds
    );
    println!("{description}");
    println!(
        "machine: {} ({} logical / {} physical cores, {} sockets, {} NUMA nodes, {})",
        machine.cpu_model,
        topo.logical(),
        topo.cores(),
        topo.sockets(),
        topo.nodes(),
        machine.simd_isa
    );
    let bar = progress_bar(2 * cfg.threads.len() * (cfg.rounds + cfg.warmup), "sweep");
    let records = run_rounds(&*built.work, ceiling, &cfg, &mut |done, _| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    })
    .map_err(|e| e.to_string())?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let place = Placement::of(&records, &topo, allowed);
    let analysis = Analysis::new(
        records.rounds(place.fitted()),
        Some(&records),
        &place,
        machine.physical_cores,
    )?;
    let env = json!({
        "machine": machine,
        "topology": topology_json(&topo),
        "load_average": load_average(),
        "problem": {
            "description": description,
            "workload": entry.name,
            "expr": args.expr.clone().unwrap_or_else(|| "x^2+7".into()),
            "callback": args.callback,
            "rule": args.rule.name(),
            "weak": args.weak,
            "serial_fraction": args.serial_fraction,
            "reps": cfg.rounds,
            "rounds": cfg.rounds,
            "bind": args.place.name(),
            "place": args.place.name(),
        },
    });
    analysis.report(args, &description, env)
}

fn simulate(args: &SweepArgs) -> Result<std::process::ExitCode, String> {
    let m = SimMachine {
        noise: args.sim_noise,
        drift: args.sim_drift,
        ..SimMachine::realistic(args.sim_cores.max(1))
    };
    let threads = with_baseline(match &args.threads {
        Some(list) => list.0.clone(),
        None => power_of_two_threads(m.logical().min(256)),
    });
    let rounds = m.rounds(args.sim_alpha, &threads, rounds_or(args, 16), args.seed);
    let smt: Vec<bool> = threads.iter().map(|&p| m.shares_cores(p)).collect();
    let place = Placement {
        oversubscribed: threads.iter().map(|&p| p > m.logical()).collect(),
        smt,
    };
    let description = format!(
        "simulated machine: {} cores x {} SMT, {} NUMA nodes, true alpha {}, noise {}, drift {}, {} rounds, seed {}",
        m.cores, m.smt, m.nodes, args.sim_alpha, m.noise, m.drift, rounds_or(args, 16), args.seed
    );
    println!("{description}");
    let analysis = Analysis::new(rounds, None, &place, m.cores)?;
    let env = json!({
        "machine": {"simulated": true, "cores": m.cores, "smt": m.smt, "nodes": m.nodes,
                    "smt_gain": m.smt_gain, "numa_penalty": m.numa_penalty},
        "problem": {"description": description, "workload": "simulated",
                    "true_alpha": args.sim_alpha, "noise": m.noise, "drift": m.drift,
                    "rounds": rounds_or(args, 16), "seed": args.seed},
    });
    analysis.report(args, &description, env)
}

/// The README's simulated table: fit quality at 64 and 256 cores.
fn simulate_table(args: &SweepArgs) -> Result<std::process::ExitCode, String> {
    let runs = args.runs.max(1);
    println!(
        "simulated machines, 2-way SMT (SMT points left out of the fit), 2 NUMA nodes, noise {} per timing, drift up to {} of capacity, {} rounds, {runs} runs per row\n",
        args.sim_noise, args.sim_drift, rounds_or(args, 16)
    );
    println!("| cores | threads fitted | true α | mean α corrected | max abs error | CI holds truth | mean α raw |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    for cores in [64usize, 256] {
        let m = SimMachine {
            noise: args.sim_noise,
            drift: args.sim_drift,
            ..SimMachine::realistic(cores)
        };
        let threads = power_of_two_threads(2 * cores);
        let fitted: Vec<String> = threads
            .iter()
            .filter(|&&p| !m.shares_cores(p))
            .map(|p| p.to_string())
            .collect();
        for truth in [0.001, 0.01, 0.05, 0.2] {
            let rs: Vec<ValidationRun> = (0..runs)
                .map(|i| {
                    let r = m.rounds(truth, &threads, rounds_or(args, 16), args.seed + i as u64);
                    ValidationRun::from_rounds(truth, truth, &r, i as u64)
                        .map_err(|e| e.to_string())
                })
                .collect::<Result<_, _>>()?;
            let c = validate::coverage(&rs);
            let err = rs
                .iter()
                .map(|r| (r.corrected - truth).abs())
                .fold(0.0, f64::max);
            let mean =
                |f: fn(&ValidationRun) -> f64| rs.iter().map(f).sum::<f64>() / rs.len() as f64;
            println!(
                "| {cores} | 1..{} | {truth} | {:.4} | {err:.4} | {}/{} | {:.4} |",
                fitted.last().map_or("1", |s| s),
                mean(|r| r.corrected),
                c.covered,
                c.runs,
                mean(|r| r.raw)
            );
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `uptime`'s load averages, for the record.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn validate_live(args: &SweepArgs) -> Result<std::process::ExitCode, String> {
    let machine = Machine::detect();
    let threads = with_baseline(match &args.threads {
        Some(list) => list.0.clone(),
        None => (1..=machine.physical_cores.min(machine.logical_cores)).collect(),
    });
    let n = args.n.unwrap_or(validate::LIVE_POINTS);
    let rounds = rounds_or(args, validate::LIVE_ROUNDS);
    println!(
        "validation: {} runs, threads {:?}, {rounds} rounds each, n = {n}, placement {}",
        args.runs, threads, args.place
    );
    println!(
        "machine: {} ({} logical / {} physical), load average at start: {}",
        machine.cpu_model,
        machine.logical_cores,
        machine.physical_cores,
        load_average()
    );
    let t0 = std::time::Instant::now();
    let mut runs = Vec::new();
    for i in 0..args.runs.max(1) {
        let truth = args
            .serial_fraction
            .unwrap_or(VALIDATION_ALPHAS[i % VALIDATION_ALPHAS.len()]);
        let work = SerialFractionWorkload::new(truth, n).map_err(|e| e.to_string())?;
        let ceiling = work.ceiling().map_err(|e| e.to_string())?;
        let cfg = SweepConfig {
            threads: threads.clone(),
            rounds,
            warmup: 1,
            binding: args.place,
        };
        let rec = run_rounds(&work, &ceiling, &cfg, &mut |_, _| {}).map_err(|e| e.to_string())?;
        let realized = rec.realized_serial_fraction();
        let r = ValidationRun::from_rounds(
            truth,
            realized,
            &rec.rounds(vec![true; threads.len()]),
            i as u64,
        )
        .map_err(|e| e.to_string())?;
        eprintln!(
            "run {:>2}: injected {truth:.2}  realized {realized:.4}  corrected {:.4} [{:.4}, {:.4}]  raw {:.3}  ceiling S(2) {:.2}  load {}",
            i + 1,
            r.corrected,
            r.ci.0,
            r.ci.1,
            r.raw,
            r.ceiling_speedup,
            load_average()
        );
        runs.push(r);
    }
    println!("\n{}", validate::table(&runs));
    println!(
        "elapsed {:.0} s; load average at end: {}",
        t0.elapsed().as_secs_f64(),
        load_average()
    );
    Ok(if validate::meets_goal(&validate::coverage(&runs)) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(1)
    })
}

fn topology_json(t: &Topology) -> Value {
    json!({
        "sockets": t.sockets(),
        "cores": t.cores(),
        "logical": t.logical(),
        "numa_nodes": t.nodes(),
        "threads_per_core": t.threads_per_core(),
        "cpus": t.cpus.iter().map(|c| json!({"cpu": c.cpu, "socket": c.socket, "core": c.core, "smt": c.smt, "node": c.node})).collect::<Vec<_>>(),
    })
}

/// Everything a report shows about one point.
struct PointView {
    oversubscribed: bool,
    ceiling_s: f64,
    ceiling_speedup: f64,
    speedup_rounds: f64,
    smt: bool,
    fitted: bool,
    load_imbalance: Option<f64>,
    serial_s: Option<f64>,
    alpha_direct: Option<f64>,
    per_thread: Vec<Value>,
    cpus: Vec<usize>,
    seen_cpus: Vec<usize>,
    ceiling_times: Vec<f64>,
}

fn median_of(mut v: Vec<f64>) -> Option<f64> {
    (!v.is_empty()).then(|| vquad_lab::scaling::rounds::median(&mut v))
}

/// The fits and per-point views of a sweep (measured or simulated).
struct Analysis {
    rounds: Rounds,
    samples: Vec<Sample>,
    points: Vec<PointStats>,
    views: Vec<PointView>,
    classic: Option<AmdahlFit>,
    raw: Option<AlphaEstimate>,
    corrected: Option<AlphaEstimate>,
    alpha_direct: Option<f64>,
    physical: usize,
}

impl Analysis {
    fn new(
        rounds: Rounds,
        records: Option<&SweepRecords>,
        place: &Placement,
        physical: usize,
    ) -> Result<Analysis, String> {
        let samples: Vec<Sample> = (0..rounds.threads.len())
            .map(|i| Sample {
                threads: rounds.threads[i],
                times: rounds.work.iter().map(|r| r[i]).collect(),
            })
            .collect();
        let points = fit::point_stats(&samples, physical).map_err(|e| e.to_string())?;
        let views: Vec<PointView> = (0..rounds.threads.len())
            .map(|i| {
                let runs: Vec<&RunRecord> =
                    records.map_or(Vec::new(), |r| r.work.iter().map(|row| &row[i]).collect());
                let imbalance = median_of(runs.iter().filter_map(|r| r.load_imbalance()).collect());
                let serial = median_of(runs.iter().filter_map(|r| r.serial_s).collect());
                // At one thread the whole call is outside any parallel
                // region, so the direct estimate needs p > 1.
                let direct = median_of(
                    runs.iter()
                        .filter(|r| r.per_thread.len() > 1)
                        .filter_map(|r| {
                            let busy: f64 = r.per_thread.iter().map(|t| t.busy_s).sum();
                            let s = r.serial_s?;
                            (s + busy > 0.0).then(|| s / (s + busy))
                        })
                        .collect(),
                );
                let workers = runs.iter().map(|r| r.per_thread.len()).max().unwrap_or(0);
                let cpus = records.map_or(Vec::new(), |r| r.bound_cpus[i].clone());
                let seen = records.map_or(Vec::new(), |r| {
                    r.seen_cpus.get(i).cloned().unwrap_or_default()
                });
                let per_thread = (0..workers)
                    .map(|w| {
                        let got: Vec<_> = runs.iter().filter_map(|r| r.per_thread.get(w)).collect();
                        let k = got.len().max(1) as f64;
                        json!({
                            "worker": w,
                            "cpu": cpus.get(w).or(seen.get(w)),
                            "evals": got.iter().map(|t| t.evals).sum::<u64>() as f64 / k,
                            "busy_s": got.iter().map(|t| t.busy_s).sum::<f64>() / k,
                            "tasks": got.iter().map(|t| t.tasks).sum::<u64>() as f64 / k,
                        })
                    })
                    .collect();
                let mut ct: Vec<f64> = rounds.ceiling.iter().map(|r| r[i]).collect();
                let ceiling_times = ct.clone();
                PointView {
                    oversubscribed: place.oversubscribed[i],
                    ceiling_s: vquad_lab::scaling::rounds::median(&mut ct),
                    ceiling_speedup: rounds.ceiling_speedup(i),
                    speedup_rounds: rounds.speedup(i),
                    smt: place.smt[i],
                    fitted: rounds.fitted[i],
                    load_imbalance: imbalance,
                    serial_s: serial,
                    alpha_direct: direct,
                    per_thread,
                    cpus,
                    seen_cpus: seen,
                    ceiling_times,
                }
            })
            .collect();
        let fitted_samples: Vec<Sample> = samples
            .iter()
            .zip(&views)
            .filter(|(_, v)| v.fitted)
            .map(|(s, _)| s.clone())
            .collect();
        let classic = fit::fit_amdahl(&fitted_samples, physical, &FitOptions::default()).ok();
        let raw = rounds.estimate(Baseline::Ideal, RESAMPLES, BOOT_SEED).ok();
        let corrected = rounds
            .estimate(Baseline::Ceiling, RESAMPLES, BOOT_SEED)
            .ok();
        let alpha_direct = median_of(
            views
                .iter()
                .zip(&rounds.threads)
                .filter(|(v, &p)| p > 1 && v.fitted)
                .filter_map(|(v, _)| v.alpha_direct)
                .collect(),
        );
        Ok(Analysis {
            rounds,
            samples,
            points,
            views,
            classic,
            raw,
            corrected,
            alpha_direct,
            physical,
        })
    }

    fn print(&self) {
        println!(
            "{:>7} {:>11} {:>8} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>8}",
            "threads",
            "median s",
            "spread",
            "S(p)",
            "Karp-Flatt",
            "ceiling",
            "S/ceil",
            "imbalance",
            "serial s",
            "alpha_d"
        );
        for (p, v) in self.points.iter().zip(&self.views) {
            let opt =
                |x: Option<f64>, prec: usize| x.map_or("-".to_string(), |x| format!("{x:.prec$}"));
            println!(
                "{:>7} {:>11.6} {:>7.1}% {:>8.3} {:>10} {:>9.3} {:>9.3} {:>9} {:>9} {:>8}{}",
                p.threads,
                p.median_s,
                100.0 * p.spread,
                v.speedup_rounds,
                opt(p.karp_flatt, 4),
                v.ceiling_speedup,
                v.speedup_rounds / v.ceiling_speedup,
                opt(v.load_imbalance, 3),
                opt(v.serial_s, 4),
                opt(v.alpha_direct, 3),
                if v.oversubscribed {
                    "  (oversubscribed: not fitted)"
                } else if v.smt {
                    "  (SMT siblings: not fitted)"
                } else {
                    ""
                }
            );
        }
        let show = |name: &str, e: &Option<AlphaEstimate>| match e {
            Some(e) => println!(
                "{name} = {:.4}  (95% CI {:.4} .. {:.4}, bootstrap over {} rounds)",
                e.alpha, e.ci.0, e.ci.1, e.rounds_used
            ),
            None => println!("{name}: no estimate"),
        };
        show("alpha corrected (vs the measured ceiling)", &self.corrected);
        let enough = (self.rounds.len() / 2).max(3);
        match &self.corrected {
            Some(e) if e.rounds_used >= enough => {}
            _ => println!(
                "  warning: the ceiling sped up by less than {:.2}x in most rounds, so the machine \
                 gave this process no parallel capacity to measure against (a host busy with other \
                 sessions does this under Linux autogrouping); alpha corrected is not identifiable here",
                1.0 / (1.0 - vquad_lab::scaling::rounds::MIN_GAIN)
            ),
        }
        show("alpha raw       (vs the ideal machine)   ", &self.raw);
        if let Some(d) = self.alpha_direct {
            println!("alpha direct    (serial time / (serial + busy)) = {d:.4}");
        }
        match &self.classic {
            Some(f) => print_fit(f),
            None => println!("Amdahl fit of medians: not possible"),
        }
    }

    fn json(&self, env: Value) -> Value {
        let est = |e: &Option<AlphaEstimate>| e.as_ref().map(|e| e.alpha);
        let ci = |e: &Option<AlphaEstimate>| e.as_ref().map(|e| [e.ci.0, e.ci.1]);
        let f = self.classic.as_ref();
        let mut doc = json!({
            "schema_version": SCHEMA_VERSION,
            "points": self.points.iter().zip(&self.views).zip(&self.samples).map(|((p, v), s)| json!({
                "threads": p.threads,
                "median_s": p.median_s,
                "min_s": p.min_s,
                "max_s": p.max_s,
                "spread": p.spread,
                "speedup": p.speedup,
                "efficiency": p.efficiency,
                "karp_flatt": p.karp_flatt,
                "oversubscribed": p.oversubscribed,
                "smt_siblings": v.smt,
                "fitted": v.fitted,
                "times_s": s.times,
                "ceiling_median_s": v.ceiling_s,
                "ceiling_times_s": v.ceiling_times,
                "speedup_rounds": v.speedup_rounds,
                "ceiling_speedup": v.ceiling_speedup,
                "speedup_vs_ceiling": v.speedup_rounds / v.ceiling_speedup,
                "per_thread": v.per_thread,
                "load_imbalance": v.load_imbalance,
                "serial_s": v.serial_s,
                "alpha_direct": v.alpha_direct,
                "worker_cpus": v.cpus,
                "observed_cpus": v.seen_cpus,
            })).collect::<Vec<_>>(),
            "alpha": f.map(|f| f.alpha),
            "alpha_ci": f.map(|f| [f.alpha_ci.0, f.alpha_ci.1]),
            "max_speedup": f.map(|f| if f.max_speedup.is_finite() { json!(f.max_speedup) } else { json!(null) }),
            "fit": f.map(|f| json!({
                "points_used": f.points_used,
                "residual_rms": f.residual_rms,
                "clamped": f.clamped,
                "trust": trust_text(&f.trust),
            })),
            "alpha_raw": est(&self.raw),
            "alpha_raw_ci": ci(&self.raw),
            "alpha_corrected": est(&self.corrected),
            "alpha_corrected_ci": ci(&self.corrected),
            "alpha_direct": self.alpha_direct,
            "rounds": self.rounds.len(),
            "rounds_used": self.corrected.as_ref().map(|e| e.rounds_used),
        });
        if let (Value::Object(d), Value::Object(e)) = (&mut doc, env) {
            d.extend(e);
        }
        doc
    }

    fn svgs(&self, title: &str) -> Result<(String, String, String), String> {
        // The plot's title is the description up to the comma that keeps it
        // within a line.
        let mut short = String::new();
        for part in title.split(", ") {
            if !short.is_empty() && short.len() + part.len() > 60 {
                break;
            }
            if !short.is_empty() {
                short += ", ";
            }
            short += part;
        }
        let speed =
            vquad_lab::scaling::plot::speedup_svg(&self.points, self.classic.as_ref(), &short)
                .map_err(|e| e.to_string())?;
        let label = |i: usize| self.rounds.threads[i].to_string();
        let imb: Vec<(String, f64)> = (0..self.views.len())
            .map(|i| (label(i), self.views[i].load_imbalance.unwrap_or(f64::NAN)))
            .collect();
        let ceil: Vec<(String, f64)> = (0..self.views.len())
            .map(|i| {
                (
                    label(i),
                    self.views[i].speedup_rounds / self.views[i].ceiling_speedup,
                )
            })
            .collect();
        let imbalance = vquad_lab::scaling::plot::bars_svg(
            "load imbalance (busiest worker / mean)",
            "max busy / mean busy",
            &imb,
            Some(1.0),
        );
        let relative = vquad_lab::scaling::plot::bars_svg(
            "speedup relative to the measured ceiling S(p) / S_ceiling(p)",
            "S / S_ceiling",
            &ceil,
            Some(1.0),
        );
        Ok((speed, imbalance, relative))
    }

    fn report(
        &self,
        args: &SweepArgs,
        description: &str,
        env: Value,
    ) -> Result<std::process::ExitCode, String> {
        self.print();
        let write = |path: &PathBuf, text: String| {
            std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
        };
        let doc = self.json(env);
        if let Some(path) = &args.json {
            write(
                path,
                serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())? + "\n",
            )?;
        }
        if let Some(path) = &args.csv {
            let mut text = String::from(
                "threads,median_s,min_s,max_s,speedup,efficiency,karp_flatt,oversubscribed,ceiling_speedup,load_imbalance,serial_s\n",
            );
            for (p, v) in self.points.iter().zip(&self.views) {
                let o = |x: Option<f64>| x.map_or(String::new(), |k| format!("{k:.6}"));
                text += &format!(
                    "{},{:.9},{:.9},{:.9},{:.6},{:.6},{},{},{:.6},{},{}\n",
                    p.threads,
                    p.median_s,
                    p.min_s,
                    p.max_s,
                    p.speedup,
                    p.efficiency,
                    o(p.karp_flatt),
                    p.oversubscribed,
                    v.ceiling_speedup,
                    o(v.load_imbalance),
                    o(v.serial_s)
                );
            }
            write(path, text)?;
        }
        if args.svg.is_some() || args.html.is_some() {
            let (speed, imbalance, relative) = self.svgs(description)?;
            if let Some(path) = &args.svg {
                write(path, speed.clone())?;
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("sweep");
                write(
                    &path.with_file_name(format!("{stem}-imbalance.svg")),
                    imbalance.clone(),
                )?;
            }
            if let Some(path) = &args.html {
                write(
                    path,
                    self.html(description, &doc, speed, imbalance, relative),
                )?;
            }
        }
        Ok(std::process::ExitCode::SUCCESS)
    }

    fn html(
        &self,
        description: &str,
        doc: &Value,
        speed: String,
        imbalance: String,
        relative: String,
    ) -> String {
        let fmt_est = |e: &Option<AlphaEstimate>| {
            e.as_ref().map_or("-".into(), |e| {
                format!("{:.4} (95% CI {:.4} .. {:.4})", e.alpha, e.ci.0, e.ci.1)
            })
        };
        let m = &doc["machine"];
        let mut summary = vec![
            ("workload".to_string(), description.to_string()),
            (
                "machine".into(),
                m["cpu_model"]
                    .as_str()
                    .map_or_else(|| m.to_string(), str::to_string),
            ),
            (
                "load average".into(),
                doc["load_average"].as_str().unwrap_or("-").to_string(),
            ),
            (
                "alpha corrected (quote this on a shared or noisy machine)".into(),
                fmt_est(&self.corrected),
            ),
            (
                "alpha raw (what the user of this machine gets)".into(),
                fmt_est(&self.raw),
            ),
            (
                "alpha direct (serial / (serial + busy))".into(),
                self.alpha_direct.map_or("-".into(), |d| format!("{d:.4}")),
            ),
            (
                "alpha, Amdahl fit of medians".into(),
                self.classic.as_ref().map_or("-".into(), |f| {
                    format!("{:.4} ({})", f.alpha, trust_text(&f.trust))
                }),
            ),
            ("rounds".into(), self.rounds.len().to_string()),
        ];
        if let Some(t) = doc.get("topology") {
            summary.push((
                "topology".into(),
                format!(
                    "{} sockets, {} cores, {} logical CPUs, {} NUMA nodes",
                    t["sockets"], t["cores"], t["logical"], t["numa_nodes"]
                ),
            ));
        }
        let o = |x: Option<f64>| x.map_or("-".into(), |k| format!("{k:.4}"));
        let points = Table {
            caption: "points (medians over rounds)".into(),
            head: [
                "threads",
                "median s",
                "S(p)",
                "ceiling S",
                "S / ceiling",
                "load imbalance",
                "serial s",
                "alpha direct",
                "fitted",
                "worker CPUs",
            ]
            .map(String::from)
            .to_vec(),
            rows: self
                .points
                .iter()
                .zip(&self.views)
                .map(|(p, v)| {
                    vec![
                        p.threads.to_string(),
                        format!("{:.6}", p.median_s),
                        format!("{:.3}", v.speedup_rounds),
                        format!("{:.3}", v.ceiling_speedup),
                        format!("{:.3}", v.speedup_rounds / v.ceiling_speedup),
                        o(v.load_imbalance),
                        o(v.serial_s),
                        o(v.alpha_direct),
                        if v.fitted {
                            "yes".into()
                        } else if v.oversubscribed {
                            "no: oversubscribed".into()
                        } else {
                            "no: SMT siblings".into()
                        },
                        format!(
                            "{:?}",
                            if v.cpus.is_empty() {
                                &v.seen_cpus
                            } else {
                                &v.cpus
                            }
                        ),
                    ]
                })
                .collect(),
        };
        let mut tables = vec![points];
        let worker_rows: Vec<Vec<String>> = self
            .points
            .iter()
            .zip(&self.views)
            .flat_map(|(p, v)| {
                v.per_thread.iter().map(move |t| {
                    vec![
                        p.threads.to_string(),
                        t["worker"].to_string(),
                        t["cpu"].to_string(),
                        format!("{:.0}", t["evals"].as_f64().unwrap_or(0.0)),
                        format!("{:.6}", t["busy_s"].as_f64().unwrap_or(0.0)),
                        format!("{:.1}", t["tasks"].as_f64().unwrap_or(0.0)),
                    ]
                })
            })
            .collect();
        if !worker_rows.is_empty() {
            tables.push(Table {
                caption: "per worker (mean per run, from the padded per-thread slots)".into(),
                head: ["threads", "worker", "cpu", "evaluations", "busy s", "tasks"]
                    .map(String::from)
                    .to_vec(),
                rows: worker_rows,
            });
        }
        html::render(&Report {
            title: "vquad scaling sweep".into(),
            summary,
            plots: vec![
                ("speedup and Amdahl fit".into(), speed),
                ("speedup relative to the machine's ceiling".into(), relative),
                ("load imbalance per thread count".into(), imbalance),
            ],
            tables,
            notes: vec![format!(
                "alpha corrected fits S(p)/S_ceiling(p), the ceiling being a perfectly parallel workload with the same per-thread work timed in the same rounds; alpha raw fits S(p) against p. {} physical cores.",
                self.physical
            )],
        })
    }
}

/// The fit's verdict in words.
pub fn trust_text(t: &Trust) -> String {
    match t {
        Trust::ExactlyDetermined => {
            "exactly determined (two thread counts: no residual to judge)".into()
        }
        Trust::Good => "good".into(),
        Trust::Poor(reason) => format!("poor: {reason:?}"),
    }
}

/// Prints the classic per-point table (used by `fit-criterion`).
pub fn print_table(points: &[PointStats]) {
    println!(
        "{:>7} {:>12} {:>12} {:>8} {:>8} {:>10} {:>11}",
        "threads", "median s", "min s", "spread", "speedup", "efficiency", "Karp-Flatt"
    );
    for p in points {
        let kf = p.karp_flatt.map_or("-".to_string(), |k| format!("{k:.4}"));
        println!(
            "{:>7} {:>12.6} {:>12.6} {:>7.1}% {:>8.3} {:>10.3} {:>11}{}",
            p.threads,
            p.median_s,
            p.min_s,
            100.0 * p.spread,
            p.speedup,
            p.efficiency,
            kf,
            if p.oversubscribed {
                "  (oversubscribed: not fitted)"
            } else {
                ""
            }
        );
    }
}

/// Prints the Amdahl fit of medians.
pub fn print_fit(f: &AmdahlFit) {
    let max = if f.max_speedup.is_finite() {
        format!("{:.1}", f.max_speedup)
    } else {
        "unbounded".into()
    };
    println!(
        "Amdahl serial fraction alpha = {:.4}  (95% CI {:.4} .. {:.4}, {} points, rms residual {:.2}%)",
        f.alpha,
        f.alpha_ci.0,
        f.alpha_ci.1,
        f.points_used,
        100.0 * f.residual_rms
    );
    println!(
        "predicted maximum speedup 1/alpha = {max}; fit: {}",
        trust_text(&f.trust)
    );
}
