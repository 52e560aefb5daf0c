//! `vquad integrate EXPR A B`: one integration, as a report or as JSON.

use std::process::ExitCode;

use clap::Args;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use vquad::{Context, Error, Options, Rule};

use crate::interrupt;
use crate::problem::Problem;
use crate::seed::parse_count;

/// Options of `vquad integrate`.
#[derive(Args, Debug)]
pub struct IntegrateArgs {
    /// The integrand, e.g. 'exp(-x^2)*cos(x)' (may start with '-': -x^2).
    #[arg(allow_hyphen_values = true)]
    pub expr: String,
    /// Lower bound: a constant expression such as 'pi/2', or -inf.
    #[arg(allow_hyphen_values = true, required_unless_present = "nd_box")]
    pub a: Option<String>,
    /// Upper bound: a constant expression, or inf.
    #[arg(allow_hyphen_values = true, required_unless_present = "nd_box")]
    pub b: Option<String>,
    /// A box for an expression in x1..xd, one LO:HI per axis, e.g.
    /// --box 0:1,0:1,-inf:inf (replaces A and B; see integrate_nd.rs).
    #[arg(long = "box", value_name = "LO:HI,...", allow_hyphen_values = true)]
    pub nd_box: Option<String>,
    /// Rule; auto is Gauss-Legendre with -n, adaptive without.
    #[arg(long, default_value = "auto")]
    pub rule: Rule,
    /// Panels of a fixed rule (accepts 1e9; default 10^6 for fixed rules).
    #[arg(short, long, value_parser = parse_count)]
    pub n: Option<u64>,
    /// Gauss-Legendre nodes per panel, or the Gauss order of a Kronrod pair.
    #[arg(long, default_value_t = 0)]
    pub order: u32,
    /// Absolute tolerance (adaptive rules).
    #[arg(long, default_value_t = 0.0)]
    pub epsabs: f64,
    /// Relative tolerance (adaptive rules).
    #[arg(long, default_value_t = 1e-10)]
    pub epsrel: f64,
    /// Evaluation budget (0: library default).
    #[arg(long, default_value = "0", value_parser = parse_count)]
    pub max_evals: u64,
    /// Threads (0: VQUAD_NUM_THREADS or all CPUs).
    #[arg(short, long, default_value_t = 0)]
    pub threads: usize,
    /// Seed of the sampling rules (monte-carlo, qmc, vegas); 0 is the fixed
    /// default seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Independent randomizations of the qmc rule (at least 2).
    #[arg(long, default_value_t = vquad::options::DEFAULT_REPLICATES)]
    pub replicates: u32,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
}

/// Runs the integration. Exit status: 0 on success, 1 when the integration
/// failed (the status says why), 2 for unusable arguments, 130 when Ctrl-C
/// cancelled it (nothing is printed on stdout then).
///
/// With `--box`, the multi-D path of `integrate_nd.rs` runs instead.
pub fn run(args: &IntegrateArgs) -> Result<ExitCode, String> {
    if let Some(text) = &args.nd_box {
        return crate::integrate_nd::run(args, &nd_options(args), text);
    }
    let problem = Problem::from_args(Some(&args.expr), args.a.as_deref(), args.b.as_deref())?;
    let n = match (args.n, args.rule.is_fixed()) {
        (Some(n), _) => n,
        (None, true) => 1_000_000,
        (None, false) => 0,
    };
    let opts = Options {
        rule: args.rule,
        n,
        order: args.order,
        epsabs: args.epsabs,
        epsrel: args.epsrel,
        max_evals: args.max_evals,
        seed: args.seed,
        replicates: args.replicates,
    };
    if opts.rule.is_sampling() {
        let f = vquad::integrand::nd::OneD(problem.integrand());
        let domain = format!("[{}, {}]", problem.a, problem.b);
        return crate::sample::run(args, &opts, &f, &[problem.a], &[problem.b], &domain);
    }
    let ctx = Context::new(args.threads).map_err(|e| e.to_string())?;
    let bar = attach_progress_bar(&ctx);
    let (outcome, stats) = interrupt::cancel_on_ctrl_c(&ctx, || {
        ctx.integrate_with_stats(problem.integrand(), problem.a, problem.b, &opts)
    });
    ctx.set_progress(None);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if interrupt::interrupted() {
        // No result, not even a partial one: the caller asked to stop.
        eprintln!("vquad: interrupted (Ctrl-C): the integration was cancelled");
        return Ok(ExitCode::from(interrupt::EXIT_INTERRUPTED));
    }
    let rule = opts.resolved_rule();
    let (result, status, message) = match &outcome {
        Ok(r) => (Some(*r), "ok".to_string(), None),
        Err(Error::MaxEvals { partial, message }) => (
            Some(*partial),
            "VQ_ERR_MAX_EVALS".into(),
            Some(message.clone()),
        ),
        Err(e) => (None, e.status().name().to_string(), Some(e.to_string())),
    };
    if args.json {
        let doc = json!({
            "value": result.map(|r| r.value),
            // JSON has no infinity: an infinite estimate (the integral may
            // not exist) is written as the string "inf".
            "abs_error": result.and_then(|r| r.abs_error).map(|e| {
                if e.is_finite() { json!(e) } else { json!("inf") }
            }),
            "evals": result.map(|r| r.evals),
            "threads": ctx.threads(),
            "seconds": result.map(|r| r.seconds),
            "subintervals": result.map(|r| r.subintervals),
            "rule": rule.name(),
            // What each worker did (entry 0 also holds work done on the
            // calling thread), and max busy / mean busy.
            "per_thread": stats.per_thread.iter().map(|t| json!({
                "evals": t.evals,
                "busy_seconds": t.busy_ns as f64 * 1e-9,
                "jobs": t.jobs,
            })).collect::<Vec<_>>(),
            "load_imbalance": stats.load_imbalance(),
            "serial_seconds": stats.serial_ns() as f64 * 1e-9,
            "status": status,
            "message": message,
        });
        println!("{doc}");
    } else {
        println!(
            "∫ {} dx over [{}, {}], rule {}",
            problem.text,
            bound(problem.a),
            bound(problem.b),
            rule
        );
        if let Some(r) = result {
            println!("value       = {:.17e}", r.value);
            match r.abs_error {
                Some(e) => println!("abs error   ≈ {e:.3e}"),
                None => println!("abs error   = (no estimate for fixed rules)"),
            }
            println!("evals       = {}", r.evals);
            println!("subintervals= {}", r.subintervals);
            println!("threads     = {}", r.threads);
            println!("time        = {:.6} s", r.seconds);
            if r.seconds > 0.0 {
                println!(
                    "throughput  = {:.3} Mpts/s",
                    r.evals as f64 / r.seconds / 1e6
                );
            }
        }
        if let Some(m) = &message {
            eprintln!("vquad: {m}");
        }
    }
    Ok(if outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// On a terminal, a progress bar fed by the context's progress callback; it
/// appears only once a run has lasted a second, so short runs print nothing.
fn attach_progress_bar(ctx: &Context) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(1000), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} integrate [{bar:30}] {percent}% {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let shown = AtomicBool::new(false);
    let b = bar.clone();
    ctx.set_progress(Some(Box::new(move |fraction| {
        if start.elapsed() < Duration::from_secs(1) {
            return;
        }
        if !shown.swap(true, Ordering::Relaxed) {
            b.set_draw_target(ProgressDrawTarget::stderr());
        }
        b.set_position((fraction * 1000.0) as u64);
    })));
    Some(bar)
}

/// The options of a `--box` call: a fixed rule gets 10 panels per axis
/// unless `-n` says otherwise.
fn nd_options(args: &IntegrateArgs) -> Options {
    let n = match (args.n, args.rule.is_fixed()) {
        (Some(n), _) => n,
        (None, true) => 10,
        (None, false) => 0,
    };
    Options {
        rule: args.rule,
        n,
        order: args.order,
        epsabs: args.epsabs,
        epsrel: args.epsrel,
        max_evals: args.max_evals,
        seed: args.seed,
        replicates: args.replicates,
    }
}

/// A bound for the report: plain decimals for ordinary magnitudes, exponent
/// form for huge or tiny ones (5e307 prints as `5e307`, not 308 digits).
fn bound(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-5..1e16).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}
