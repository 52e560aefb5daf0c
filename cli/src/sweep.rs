//! `vquad sweep`: time a problem over thread counts and fit Amdahl's law.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use vquad::{Binding, Options, Rule};
use vquad_lab::scaling::fit::{self, AmdahlFit, FitOptions, PointStats, Sample, Trust};
use vquad_lab::scaling::machine::Machine;
use vquad_lab::scaling::sweep::{
    parse_threads, run_sweep, IntegrationWorkload, SerialFractionWorkload, SweepConfig, Workload,
};

use crate::problem::Problem;
use crate::seed::parse_count;

/// Options of `vquad sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Integrand expression (default: the seed problem x^2+7 on [0,5]).
    pub expr: Option<String>,
    /// Lower bound (constant expression).
    pub a: Option<String>,
    /// Upper bound (constant expression).
    pub b: Option<String>,
    /// Rule (fixed rules sweep n panels; adaptive rules sweep a tolerance).
    #[arg(long, default_value = "midpoint")]
    pub rule: Rule,
    /// Panels (accepts 1e9); for --weak, the 1-thread size.
    #[arg(short, long, value_parser = parse_count)]
    pub n: Option<u64>,
    /// Thread counts: a list `1,2,4,8` and/or ranges `1..16` (default: 1..logical CPUs).
    #[arg(long, value_parser = thread_list)]
    pub threads: Option<ThreadList>,
    /// Timed repetitions per thread count (after one warm-up run).
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// Worker placement: `cores` binds worker i to the i-th allowed CPU at
    /// every point, so all points are placed alike; `auto` binds only the
    /// point whose thread count equals the allowed CPUs; `off` never binds.
    #[arg(long, default_value = "cores", value_parser = binding)]
    pub bind: Binding,
    /// Gustafson weak scaling: n grows with the thread count.
    #[arg(long)]
    pub weak: bool,
    /// Validation mode: a synthetic workload whose serial part is this
    /// fraction of the 1-thread time; the fit should recover it.
    #[arg(long, value_name = "F")]
    pub serial_fraction: Option<f64>,
    /// Write the sweep as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the points as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Write a speedup plot as SVG.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

/// Parses `--bind` (see [`Binding::parse`]).
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

fn progress_bar(total: usize) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} sweep [{bar:30}] {pos}/{len} runs {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    Some(bar)
}

/// Runs the sweep, prints the table and the fit, writes the requested files.
pub fn run(args: &SweepArgs) -> Result<std::process::ExitCode, String> {
    let machine = Machine::detect();
    let threads = match &args.threads {
        Some(list) => list.0.clone(),
        None => (1..=machine.logical_cores).collect(),
    };
    let cfg = SweepConfig {
        threads,
        reps: args.reps.max(1),
        warmup: 1,
        binding: args.bind,
    };
    let default_n = if args.expr.is_some() {
        100_000_000
    } else {
        1_000_000_000
    };
    let n = args.n.unwrap_or(if args.serial_fraction.is_some() {
        20_000_000
    } else {
        default_n
    });
    let problem = Problem::from_args(args.expr.as_deref(), args.a.as_deref(), args.b.as_deref())?;
    let opts = Options {
        n: if args.rule.is_fixed() { n } else { 0 },
        ..Options::default()
    };
    let opts = Options {
        rule: args.rule,
        ..opts
    };
    let integration;
    let synthetic;
    let (work, description): (&dyn Workload, String) = match args.serial_fraction {
        Some(fraction) => {
            synthetic = SerialFractionWorkload::new(fraction, n).map_err(|e| e.to_string())?;
            (
                &synthetic,
                format!("synthetic workload, serial fraction {fraction}, n = {n}"),
            )
        }
        None => {
            integration = IntegrationWorkload {
                f: problem.integrand(),
                a: problem.a,
                b: problem.b,
                opts,
                weak: args.weak,
            };
            let scaling = if args.weak {
                "weak (n x threads)"
            } else {
                "strong"
            };
            let desc = format!(
                "{} on [{}, {}], {}, n = {n}, {scaling} scaling",
                problem.text, problem.a, problem.b, args.rule
            );
            (&integration, desc)
        }
    };
    let description = format!("{description}, workers bound: {}", args.bind);
    println!("{description}");
    println!(
        "machine: {} ({} logical / {} physical cores, {})",
        machine.cpu_model, machine.logical_cores, machine.physical_cores, machine.simd_isa
    );
    let bar = progress_bar(cfg.threads.len() * (cfg.reps + cfg.warmup));
    let samples = run_sweep(work, &cfg, &mut |done, _| {
        if let Some(b) = &bar {
            b.set_position(done as u64);
        }
    })
    .map_err(|e| e.to_string())?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report(args, &machine, &description, &samples)
}

fn report(
    args: &SweepArgs,
    machine: &Machine,
    description: &str,
    samples: &[Sample],
) -> Result<std::process::ExitCode, String> {
    let points = fit::point_stats(samples, machine.physical_cores).map_err(|e| e.to_string())?;
    print_table(&points);
    let amdahl = fit::fit_amdahl(samples, machine.physical_cores, &FitOptions::default());
    match &amdahl {
        Ok(f) => print_fit(f),
        Err(e) => println!("Amdahl fit: not possible ({e})"),
    }
    let gustafson = args
        .weak
        .then(|| fit::fit_gustafson(samples, machine.physical_cores));
    if let Some(g) = &gustafson {
        match g {
            Ok(g) => println!(
                "Gustafson serial fraction s = {:.4} (scaled speedup at p = {}: {:.2})",
                g.serial_fraction,
                g.points.last().map_or(1, |p| p.threads),
                g.points.last().map_or(1.0, |p| p.scaled_speedup)
            ),
            Err(e) => println!("Gustafson fit: not possible ({e})"),
        }
    }
    let amdahl = amdahl.ok();
    if let Some(path) = &args.json {
        let doc = json!({
            "machine": machine,
            "problem": {
                "description": description,
                "expr": args.expr.clone().unwrap_or_else(|| "x^2+7".into()),
                "rule": args.rule.name(),
                "weak": args.weak,
                "serial_fraction": args.serial_fraction,
                "reps": args.reps,
                "bind": args.bind.name(),
            },
            "points": points.iter().zip(samples).map(|(p, s)| json!({
                "threads": p.threads,
                "median_s": p.median_s,
                "min_s": p.min_s,
                "max_s": p.max_s,
                "spread": p.spread,
                "speedup": p.speedup,
                "efficiency": p.efficiency,
                "karp_flatt": p.karp_flatt,
                "oversubscribed": p.oversubscribed,
                "times_s": s.times,
            })).collect::<Vec<_>>(),
            "alpha": amdahl.as_ref().map(|f| f.alpha),
            "alpha_ci": amdahl.as_ref().map(|f| [f.alpha_ci.0, f.alpha_ci.1]),
            "max_speedup": amdahl.as_ref().map(|f| if f.max_speedup.is_finite() { json!(f.max_speedup) } else { json!(null) }),
            "fit": amdahl.as_ref().map(|f| json!({
                "points_used": f.points_used,
                "residual_rms": f.residual_rms,
                "clamped": f.clamped,
                "trust": trust_text(&f.trust),
            })),
            "gustafson_serial_fraction": gustafson.and_then(|g| g.ok()).map(|g| g.serial_fraction),
        });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.csv {
        let mut text = String::from(
            "threads,median_s,min_s,max_s,speedup,efficiency,karp_flatt,oversubscribed\n",
        );
        for p in &points {
            let kf = p.karp_flatt.map_or(String::new(), |k| format!("{k:.6}"));
            text += &format!(
                "{},{:.9},{:.9},{:.9},{:.6},{:.6},{kf},{}\n",
                p.threads, p.median_s, p.min_s, p.max_s, p.speedup, p.efficiency, p.oversubscribed
            );
        }
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &args.svg {
        let svg = vquad_lab::scaling::plot::speedup_svg(&points, amdahl.as_ref(), description)
            .map_err(|e| e.to_string())?;
        std::fs::write(path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(std::process::ExitCode::SUCCESS)
}

pub fn trust_text(t: &Trust) -> String {
    match t {
        Trust::ExactlyDetermined => {
            "exactly determined (two thread counts: no residual to judge)".into()
        }
        Trust::Good => "good".into(),
        Trust::Poor(reason) => format!("poor: {reason:?}"),
    }
}

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
