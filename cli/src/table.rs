//! `vquad table`: tabulates a parametric integral over a grid of one
//! parameter in one `integrate_many` call, printing CSV or JSON rows.
//!
//! Invariant: row k is exactly the result of integrating that parameter
//! value alone (the library's guarantee); this module only parses the grid
//! and formats rows.

use std::process::ExitCode;

use clap::Args;
use vquad::{Context, Error, Options, ParamExpr, Rule};

/// Arguments of `vquad table`.
#[derive(Args)]
pub struct TableArgs {
    /// The integrand in x and the parameter, e.g. 'exp(-p*x^2)'.
    pub expr: String,
    /// Lower bound (a number, or -inf).
    #[arg(allow_hyphen_values = true)]
    pub a: String,
    /// Upper bound (a number, or inf).
    #[arg(allow_hyphen_values = true)]
    pub b: String,
    /// The parameter grid NAME=FROM:TO:COUNT (COUNT evenly spaced values), e.g. p=0.5:10:1000.
    #[arg(long)]
    pub param: String,
    /// Relative tolerance of each integral.
    #[arg(long, default_value_t = 1e-10)]
    pub epsrel: f64,
    /// Threads (0 = VQUAD_NUM_THREADS or all CPUs).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Print JSON rows instead of CSV.
    #[arg(long)]
    pub json: bool,
}

/// `NAME=FROM:TO:COUNT` → the name and its values.
fn grid(spec: &str) -> Result<(String, Vec<f64>), String> {
    let bad = || format!("--param {spec:?}: expected NAME=FROM:TO:COUNT, e.g. p=0.5:10:1000");
    let (name, range) = spec.split_once('=').ok_or_else(bad)?;
    let parts: Vec<&str> = range.split(':').collect();
    let [from, to, count] = parts[..] else {
        return Err(bad());
    };
    let from: f64 = from.trim().parse().map_err(|_| bad())?;
    let to: f64 = to.trim().parse().map_err(|_| bad())?;
    let count: usize = count.trim().parse().map_err(|_| bad())?;
    if count == 0 || !from.is_finite() || !to.is_finite() {
        return Err(bad());
    }
    let values = (0..count)
        .map(|k| {
            if count == 1 {
                from
            } else {
                from + (to - from) * k as f64 / (count - 1) as f64
            }
        })
        .collect();
    Ok((name.trim().to_string(), values))
}

fn bound(s: &str) -> Result<f64, String> {
    match s.trim() {
        "inf" | "+inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        t => t
            .parse()
            .map_err(|_| format!("bound {s:?} is not a number")),
    }
}

/// Runs `vquad table`.
pub fn run(args: &TableArgs) -> Result<ExitCode, String> {
    let (name, p) = grid(&args.param)?;
    let f = ParamExpr::parse(&args.expr, &[name.as_str()]).map_err(|e| e.to_string())?;
    let (a, b) = (bound(&args.a)?, bound(&args.b)?);
    let ctx = Context::new(args.threads).map_err(|e| e.to_string())?;
    let opts = Options::adaptive(Rule::Auto, 0.0, args.epsrel);
    let m = p.len();
    let rows = ctx
        .integrate_many(&f, &vec![a; m], &vec![b; m], &p, &opts)
        .map_err(|e| e.to_string())?;
    if !args.json {
        println!("{name},value,abs_error,evals,status");
    }
    let mut all_ok = true;
    for (pk, row) in p.iter().zip(&rows) {
        let (value, err, evals, status) = match row {
            Ok(r) => (r.value, r.abs_error.unwrap_or(f64::NAN), r.evals, "VQ_OK"),
            Err(Error::MaxEvals { partial, .. }) => (
                partial.value,
                partial.abs_error.unwrap_or(f64::NAN),
                partial.evals,
                "VQ_ERR_MAX_EVALS",
            ),
            Err(e) => (f64::NAN, f64::NAN, 0, e.status().name()),
        };
        all_ok &= status == "VQ_OK";
        if args.json {
            let num = |v: f64| {
                if v.is_finite() {
                    format!("{v:e}")
                } else {
                    "null".into()
                }
            };
            println!(
                "{{\"{name}\":{},\"value\":{},\"abs_error\":{},\"evals\":{evals},\"status\":\"{status}\"}}",
                num(*pk),
                num(value),
                num(err)
            );
        } else {
            println!("{pk:e},{value:e},{err:e},{evals},{status}");
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_spans_from_to_inclusive_and_rejects_malformed_specs() {
        let (name, v) = grid("p=0.5:10:3").unwrap();
        assert_eq!(name, "p");
        assert_eq!(v, vec![0.5, 5.25, 10.0]);
        assert_eq!(grid("q=2:9:1").unwrap().1, vec![2.0]);
        for bad in ["p", "p=1:2", "p=1:2:0", "p=a:2:3", "p=1:inf:3"] {
            assert!(grid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bounds_accept_numbers_and_infinities() {
        assert_eq!(bound("-inf").unwrap(), f64::NEG_INFINITY);
        assert_eq!(bound("inf").unwrap(), f64::INFINITY);
        assert_eq!(bound("-1.5").unwrap(), -1.5);
        assert!(bound("pi").is_err());
    }
}
