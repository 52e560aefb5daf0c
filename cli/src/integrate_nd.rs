//! `vquad integrate EXPR --box LO:HI,LO:HI,...`: a multi-D expression in
//! `x1 … xd` (aliases `x`, `y`, `z`) over a box, one `LO:HI` per axis
//! (constant expressions, `inf`, `-inf`), as a report or as JSON with the
//! values and errors as arrays.

use std::process::ExitCode;

use serde_json::json;
use vquad::{Context, NdExpr, Options};

use crate::integrate::IntegrateArgs;
use crate::problem::bound;

/// Parses `0:1,0:1,-inf:inf` into lower and upper bounds.
///
/// # Errors
/// A message naming the axis that does not parse.
pub fn parse_box(text: &str) -> Result<(Vec<f64>, Vec<f64>), String> {
    let mut lo = Vec::new();
    let mut hi = Vec::new();
    for (i, axis) in text.split(',').enumerate() {
        let (a, b) = axis
            .split_once(':')
            .ok_or_else(|| format!("axis {}: '{axis}' is not LO:HI", i + 1))?;
        lo.push(bound(a.trim())?);
        hi.push(bound(b.trim())?);
    }
    Ok((lo, hi))
}

/// JSON has no infinity: a non-finite error is written as "inf".
fn finite_or_inf(v: f64) -> serde_json::Value {
    if v.is_finite() {
        json!(v)
    } else {
        json!("inf")
    }
}

/// Runs a multi-D integration for `vquad integrate --box`.
///
/// # Errors
/// A message for a box or expression that does not parse, or a context that
/// cannot be created.
pub fn run(args: &IntegrateArgs, opts: &Options, text: &str) -> Result<ExitCode, String> {
    let (lo, hi) = parse_box(text)?;
    let f = NdExpr::parse(&args.expr, lo.len()).map_err(|e| e.to_string())?;
    if opts.rule.is_sampling() {
        return crate::sample::run(args, opts, &f, &lo, &hi, &format!("the box {text}"));
    }
    let ctx = Context::new(args.threads).map_err(|e| e.to_string())?;
    let rule = vquad::cubature::resolved_rule(opts, lo.len());
    let outcome = vquad::cubature::integrate_nd(&ctx, &f, &lo, &hi, opts);
    let (result, status, message) = match outcome {
        Ok(o) => match o.budget_exhausted {
            None => (Some(o.integral), "ok".to_string(), None),
            Some(m) => (Some(o.integral), "VQ_ERR_MAX_EVALS".to_string(), Some(m)),
        },
        Err(e) => (None, e.status().name().to_string(), Some(e.to_string())),
    };
    let ok = status == "ok";
    if args.json {
        let doc = json!({
            "values": result.as_ref().map(|r| r.values.clone()),
            "abs_errors": result.as_ref().and_then(|r| r.abs_errors.as_ref())
                .map(|e| e.iter().map(|&v| finite_or_inf(v)).collect::<Vec<_>>()),
            "evals": result.as_ref().map(|r| r.evals),
            "regions": result.as_ref().map(|r| r.regions),
            "ndim": lo.len(),
            "threads": ctx.threads(),
            "seconds": result.as_ref().map(|r| r.seconds),
            "rule": rule.name(),
            "status": status,
            "message": message,
        });
        println!("{doc}");
    } else {
        println!(
            "∫ {} over the box {text} ({} dimensions), rule {rule}",
            args.expr,
            lo.len()
        );
        if let Some(r) = &result {
            println!("value       = {:.17e}", r.values[0]);
            match &r.abs_errors {
                Some(e) => println!("abs error   ≈ {:.3e}", e[0]),
                None => println!("abs error   = (no estimate for fixed rules)"),
            }
            println!("evals       = {}", r.evals);
            println!("regions     = {}", r.regions);
            println!("threads     = {}", r.threads);
            println!("time        = {:.6} s", r.seconds);
        }
        if let Some(m) = &message {
            eprintln!("vquad: {m}");
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_parses_per_axis_with_constants_and_infinities() {
        let (lo, hi) = parse_box("0:1, -inf:inf,pi/2:2*pi").unwrap();
        assert_eq!(
            lo,
            vec![0.0, f64::NEG_INFINITY, std::f64::consts::FRAC_PI_2]
        );
        assert_eq!(hi, vec![1.0, f64::INFINITY, 2.0 * std::f64::consts::PI]);
        assert!(parse_box("0:1,2").unwrap_err().contains("axis 2"));
    }
}
