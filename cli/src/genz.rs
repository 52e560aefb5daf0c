//! `vquad genz`: the Genz battery (six families, TESTPACK difficulties,
//! seeded parameters, closed-form references), vquad beside libcubature's
//! `hcubature_v` in the same run.
//!
//! Invariant: both libraries see the same cases, tolerance and budget, and
//! are scored by the same rules: a case is *claimed* when the estimated
//! error meets `epsrel·|value|`, *solved* when it is claimed and the true
//! error meets `epsrel·|I|`, and *dishonest* when it is claimed and the
//! true error exceeds both the estimate and `epsrel·|I|`.

mod families;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use clap::Args;
use serde_json::json;
use vquad::{Context, NdBatchFn, Options, Rule};

use crate::seed::parse_count;
use families::{battery, Case, NAMES};

/// Options of `vquad genz`.
#[derive(Args, Debug)]
pub struct GenzArgs {
    /// Dimensions, comma-separated.
    #[arg(long, default_value = "2,3,5,8", value_delimiter = ',')]
    pub dims: Vec<usize>,
    /// Random cases per family and dimension.
    #[arg(long, default_value_t = 8)]
    pub samples: usize,
    /// Relative tolerances, comma-separated (one battery each).
    #[arg(long, default_value = "1e-4,1e-6", value_delimiter = ',')]
    pub epsrel: Vec<f64>,
    /// Evaluation budget per case.
    #[arg(long, default_value = "2e7", value_parser = parse_count)]
    pub max_evals: u64,
    /// Threads of vquad's context.
    #[arg(short, long, default_value_t = 2)]
    pub threads: usize,
    /// Seed of the parameters.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Skip hcubature (otherwise compiled with gcc -lcubature at start-up).
    #[arg(long)]
    pub no_hcubature: bool,
    /// Families to run, comma-separated names (default: all six).
    #[arg(long, value_delimiter = ',')]
    pub families: Vec<String>,
    /// Print one line per case to stderr (value, estimate, true error, evaluations).
    #[arg(long)]
    pub verbose: bool,
    /// Print one JSON document instead of the tables.
    #[arg(long)]
    pub json: bool,
}

/// One library's outcome on one case.
#[derive(Debug, Clone, Copy, Default)]
struct Score {
    value: f64,
    err: f64,
    solved: u32,
    dishonest: u32,
    evals: u64,
    seconds: f64,
}

impl Score {
    fn add(&mut self, o: Score) {
        self.solved += o.solved;
        self.dishonest += o.dishonest;
        self.evals += o.evals;
        self.seconds += o.seconds;
    }
}

fn score(c: &Case, epsrel: f64, value: f64, err: f64, evals: u64, seconds: f64) -> Score {
    let exact = c.exact();
    let true_err = (value - exact).abs();
    let claimed = err <= epsrel * value.abs();
    Score {
        value,
        err,
        solved: u32::from(claimed && true_err <= epsrel * exact.abs()),
        dishonest: u32::from(claimed && true_err > err.max(epsrel * exact.abs())),
        evals,
        seconds,
    }
}

fn run_vquad(ctx: &Context, c: &Case, epsrel: f64, max_evals: u64) -> Score {
    let case = c.clone();
    let d = c.d;
    let f = NdBatchFn::new(d, 1, move |xs: &[f64], out: &mut [f64]| {
        for (x, o) in xs.chunks_exact(d).zip(out.iter_mut()) {
            *o = case.eval(x);
        }
    });
    let opts = Options {
        max_evals,
        ..Options::adaptive(Rule::GenzMalik, 0.0, epsrel)
    };
    let t = Instant::now();
    let r = vquad::cubature::integrate_nd(ctx, &f, &vec![0.0; d], &vec![1.0; d], &opts);
    let seconds = t.elapsed().as_secs_f64();
    match r {
        Ok(o) => {
            let i = &o.integral;
            let err = i.abs_errors.as_ref().map_or(f64::INFINITY, |e| e[0]);
            score(c, epsrel, i.values[0], err, i.evals, seconds)
        }
        Err(_) => Score {
            seconds,
            ..Score::default()
        },
    }
}

/// Compiles the hcubature shim into a temporary directory.
fn build_shim() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("vquad-genz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let src = dir.join("hcubature_shim.c");
    std::fs::write(&src, include_str!("genz/hcubature_shim.c")).map_err(|e| e.to_string())?;
    let exe = dir.join("hcubature_shim");
    let ok = Command::new("gcc")
        .args(["-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L"])
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .args(["-lcubature", "-lm"])
        .status()
        .map_err(|e| format!("gcc: {e}"))?;
    if !ok.success() {
        return Err("building the hcubature shim failed (apt-get install libcubature-dev)".into());
    }
    Ok(exe)
}

/// Runs every case through the shim, in order.
fn run_hcubature(
    exe: &std::path::Path,
    cases: &[Case],
    epsrel: f64,
    max_evals: u64,
) -> Result<Vec<Score>, String> {
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut input = child.stdin.take().ok_or("no stdin")?;
    let mut output = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut scores = Vec::new();
    for c in cases {
        writeln!(input, "{}", c.shim_line(epsrel, max_evals)).map_err(|e| e.to_string())?;
        input.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        output.read_line(&mut line).map_err(|e| e.to_string())?;
        let f: Vec<f64> = line
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        if f.len() != 4 {
            return Err(format!("unexpected shim output {line:?}"));
        }
        scores.push(score(c, epsrel, f[0], f[1], f[2] as u64, f[3]));
    }
    drop(input);
    let _ = child.wait();
    Ok(scores)
}

/// Runs the command.
///
/// # Errors
/// A message when the context cannot be created or the shim fails.
pub fn run(args: &GenzArgs) -> Result<ExitCode, String> {
    let ctx = Context::new(args.threads).map_err(|e| e.to_string())?;
    for name in &args.families {
        if !NAMES.contains(&name.as_str()) {
            return Err(format!(
                "unknown family '{name}' (known: {})",
                NAMES.join(", ")
            ));
        }
    }
    let cases: Vec<Case> = battery(&args.dims, args.samples, args.seed)
        .into_iter()
        .filter(|c| args.families.is_empty() || args.families.iter().any(|n| n == NAMES[c.family]))
        .collect();
    let shim = if args.no_hcubature {
        None
    } else {
        Some(build_shim()?)
    };
    let mut doc = Vec::new();
    for &eps in &args.epsrel {
        let mine: Vec<Score> = cases
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let s = run_vquad(&ctx, c, eps, args.max_evals);
                if args.verbose {
                    eprintln!(
                        "case {i:>3} {:<13} d={} value {:.12e} est.err {:.3e} true err {:.3e} evals {}{}",
                        NAMES[c.family],
                        c.d,
                        s.value,
                        s.err,
                        (s.value - c.exact()).abs(),
                        s.evals,
                        if s.dishonest > 0 { "  DISHONEST" } else { "" }
                    );
                }
                s
            })
            .collect();
        let theirs = match &shim {
            Some(exe) => Some(run_hcubature(exe, &cases, eps, args.max_evals)?),
            None => None,
        };
        let mut rows = Vec::new();
        let (mut tm, mut th) = (Score::default(), Score::default());
        for (fam, name) in NAMES.iter().enumerate() {
            for &d in &args.dims {
                if !cases.iter().any(|c| c.family == fam && c.d == d) {
                    continue;
                }
                let (mut m, mut h) = (Score::default(), Score::default());
                for (i, c) in cases.iter().enumerate() {
                    if c.family == fam && c.d == d {
                        m.add(mine[i]);
                        if let Some(t) = &theirs {
                            h.add(t[i]);
                        }
                    }
                }
                tm.add(m);
                th.add(h);
                rows.push((name, d, m, h));
            }
        }
        if args.json {
            let enc = |s: Score| json!({"solved": s.solved, "dishonest": s.dishonest, "evals": s.evals, "seconds": s.seconds});
            doc.push(json!({
                "epsrel": eps,
                "cases": cases.len(),
                "rows": rows.iter().map(|(n, d, m, h)| json!({"family": n, "d": d, "vquad": enc(*m), "hcubature": theirs.as_ref().map(|_| enc(*h))})).collect::<Vec<_>>(),
                "total": {"vquad": enc(tm), "hcubature": theirs.as_ref().map(|_| enc(th))},
            }));
            continue;
        }
        println!(
            "\nGenz battery, epsrel {eps:e}, max_evals {}, {} cases, vquad on {} threads",
            args.max_evals,
            cases.len(),
            ctx.threads()
        );
        println!(
            "{:<14} {:>2} | {:>6} {:>5} {:>11} {:>8} | {:>6} {:>5} {:>11} {:>8}",
            "family",
            "d",
            "solved",
            "dish.",
            "evals",
            "time s",
            "hc sol",
            "dish.",
            "hc evals",
            "hc s"
        );
        let line = |n: &str, d: String, m: Score, h: Score| {
            println!(
                "{n:<14} {d:>2} | {:>6} {:>5} {:>11} {:>8.3} | {:>6} {:>5} {:>11} {:>8.3}",
                m.solved,
                m.dishonest,
                m.evals,
                m.seconds,
                h.solved,
                h.dishonest,
                h.evals,
                h.seconds
            )
        };
        for (n, d, m, h) in &rows {
            line(n, d.to_string(), *m, *h);
        }
        line("total", String::new(), tm, th);
        if theirs.is_some() && th.evals > 0 && th.seconds > 0.0 {
            println!(
                "ratios vquad/hcubature: evaluations {:.2}, time {:.2}",
                tm.evals as f64 / th.evals as f64,
                tm.seconds / th.seconds
            );
        }
    }
    if args.json {
        println!(
            "{}",
            json!({"threads": ctx.threads(), "max_evals": args.max_evals, "seed": args.seed, "batteries": doc})
        );
    }
    Ok(ExitCode::SUCCESS)
}
