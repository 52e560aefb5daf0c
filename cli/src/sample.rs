//! `vquad integrate --rule monte-carlo|qmc|vegas`: the sampling rules, on a
//! 1-D range or a `--box`, with their standard errors (and for VEGAS the
//! iterations and χ²/dof) in the report and the JSON, and a progress bar on
//! stderr when a run lasts more than half a second.

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use vquad::integrand::nd::NdIntegrand;
use vquad::{Context, Options, Rule};

use crate::integrate::IntegrateArgs;

/// Shows a progress bar once a run has lasted half a second (never with
/// `--json` or when stderr is not a terminal).
fn progress(ctx: &Context, quiet: bool) -> Arc<Mutex<Option<ProgressBar>>> {
    let bar: Arc<Mutex<Option<ProgressBar>>> = Arc::new(Mutex::new(None));
    if quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return bar;
    }
    let start = Instant::now();
    let shared = Arc::clone(&bar);
    ctx.set_progress(Some(Box::new(move |done: f64| {
        if start.elapsed().as_secs_f64() < 0.5 {
            return;
        }
        let mut b = shared.lock().unwrap_or_else(|p| p.into_inner());
        let pb = b.get_or_insert_with(|| {
            let pb = ProgressBar::new(1000);
            pb.set_style(
                ProgressStyle::with_template("{bar:40} {percent:>3}% of the budget {elapsed}")
                    .expect("valid template"),
            );
            pb
        });
        pb.set_position((done.clamp(0.0, 1.0) * 1000.0) as u64);
    })));
    bar
}

/// Runs a sampling rule on `f` over `lo..hi` and prints the report.
///
/// # Errors
/// A message when the context cannot be created.
pub fn run(
    args: &IntegrateArgs,
    opts: &Options,
    f: &dyn NdIntegrand,
    lo: &[f64],
    hi: &[f64],
    domain: &str,
) -> Result<ExitCode, String> {
    let ctx = Context::new(args.threads).map_err(|e| e.to_string())?;
    let bar = progress(&ctx, args.json);
    let t0 = Instant::now();
    let out = vquad::sampling::integrate_box(&ctx, f, opts.rule, lo, hi, opts);
    let seconds = t0.elapsed().as_secs_f64();
    if let Some(pb) = bar.lock().unwrap_or_else(|p| p.into_inner()).take() {
        pb.finish_and_clear();
    }
    ctx.set_progress(None);
    let (est, status, message) = match out {
        Ok(e) if e.converged => (Some(e), "ok".to_string(), None),
        Ok(e) => {
            let m = e.unconverged_message();
            (Some(e), "VQ_ERR_MAX_EVALS".to_string(), Some(m))
        }
        Err(e) => (None, e.status().name().to_string(), Some(e.to_string())),
    };
    let vegas = opts.rule == Rule::Vegas;
    if args.json {
        let doc = json!({
            "values": est.as_ref().map(|e| e.values.clone()),
            "standard_errors": est.as_ref().map(|e| e.errors.clone()),
            "abs_errors": est.as_ref().map(|e| e.errors.clone()),
            "evals": est.as_ref().map(|e| e.evals),
            "iterations": est.as_ref().map(|e| e.iterations),
            "chi2_dof": est.as_ref().filter(|_| vegas).map(|e| e.chi2_dof).filter(|c| c.is_finite()),
            "seed": opts.seed,
            "replicates": (opts.rule == Rule::Qmc).then_some(opts.replicates),
            "ndim": lo.len(),
            "threads": ctx.threads(),
            "seconds": seconds,
            "rule": opts.rule.name(),
            "status": status,
            "message": message,
        });
        println!("{doc}");
    } else {
        println!(
            "∫ {} over {domain}, rule {}, seed {}",
            args.expr, opts.rule, opts.seed
        );
        if let Some(e) = &est {
            println!("value       = {:.17e}", e.values[0]);
            println!("std error   = {:.3e}  (one standard error)", e.errors[0]);
            println!("evals       = {}", e.evals);
            if vegas {
                println!("iterations  = {}", e.iterations);
                println!("chi2/dof    = {:.3}", e.chi2_dof);
            }
            println!("threads     = {}", ctx.threads());
            println!("time        = {seconds:.6} s");
        }
        if let Some(m) = &message {
            eprintln!("vquad: {m}");
        }
    }
    Ok(if status == "ok" {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
