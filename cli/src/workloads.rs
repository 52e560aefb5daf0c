//! The workloads `vquad sweep` can time, as one table: adding a workload
//! (a multi-dimensional rule, a Monte Carlo sampler) is one entry.
//!
//! Invariant: every entry builds a workload and says how its ceiling is
//! made; a workload without a ceiling of its own gets the synthetic
//! perfectly parallel one, sized to the same 1-thread time.

use vquad::integrand::nd::NdIntegrand;
use vquad::Options;
use vquad_lab::scaling::sweep::{IntegrationWorkload, RunRecord, SerialFractionWorkload, Workload};

use crate::problem::Problem;
use crate::sweep::SweepArgs;

/// A built workload.
pub struct Built {
    /// What is timed.
    pub work: Box<dyn Workload>,
    /// Its own ceiling workload, or `None` for the matched synthetic one.
    pub ceiling: Option<Box<dyn Workload>>,
    /// One line saying what is timed.
    pub description: String,
}

/// One row of the table.
pub struct Entry {
    /// Name for `--workload`.
    pub name: &'static str,
    /// One line for `--help`-style listings.
    pub about: &'static str,
    /// Whether the arguments select this entry when `--workload` is not given.
    pub selected_by: fn(&SweepArgs) -> bool,
    /// Builds the workload from the arguments and the default point count.
    pub build: fn(&SweepArgs, u64) -> Result<Built, String>,
}

/// Every workload, in the order tried when `--workload` is not given (the
/// last entry, `integrate`, always applies).
pub const WORKLOADS: &[Entry] = &[
    Entry {
        name: "serial-fraction",
        about: "synthetic workload with a known serial fraction (--serial-fraction F)",
        selected_by: |a| a.serial_fraction.is_some(),
        build: serial_fraction,
    },
    #[cfg(target_os = "linux")]
    Entry {
        name: "callback",
        about: "a C function double f(double, void*) from a shared object (--callback lib.so:symbol), on --bounds A,B (default 0,1); with --dims D a vq_nd_fn point callback on [0,1]^D, with the nd workload's rules",
        selected_by: |a| a.callback.is_some(),
        build: callback,
    },
    Entry {
        name: "nd",
        about: "a d-dimensional expression in x1..xd (--dims D, default sum of xi^2 under exp(-.)) on [0,1]^d: --rule genz-malik to tolerance with n evaluations at most, or monte-carlo / qmc / vegas with n samples",
        selected_by: |a| a.dims.is_some(),
        build: nd,
    },
    Entry {
        name: "integrate",
        about: "an expression (or the seed problem) with --rule: fixed rules on n panels, adaptive rules to tolerance",
        selected_by: |_| true,
        build: integrate,
    },
];

/// The entry named `name`, or the first selected by the arguments.
///
/// # Errors
/// An unknown name, with the list of known ones.
pub fn select(args: &SweepArgs) -> Result<&'static Entry, String> {
    match &args.workload {
        Some(name) => WORKLOADS.iter().find(|e| e.name == name).ok_or_else(|| {
            let names: Vec<String> = WORKLOADS
                .iter()
                .map(|e| format!("  {}: {}", e.name, e.about))
                .collect();
            format!("unknown workload '{name}'; one of:\n{}", names.join("\n"))
        }),
        None => Ok(WORKLOADS
            .iter()
            .find(|e| (e.selected_by)(args))
            .unwrap_or(&WORKLOADS[WORKLOADS.len() - 1])),
    }
}

fn serial_fraction(args: &SweepArgs, n: u64) -> Result<Built, String> {
    let fraction = args.serial_fraction.unwrap_or(0.0);
    let work = SerialFractionWorkload::new(fraction, n).map_err(|e| e.to_string())?;
    let ceiling = work.ceiling().map_err(|e| e.to_string())?;
    Ok(Built {
        work: Box::new(work),
        ceiling: Some(Box::new(ceiling)),
        description: format!("synthetic workload, serial fraction {fraction}, n = {n}"),
    })
}

fn options(args: &SweepArgs, n: u64) -> Options {
    Options {
        rule: args.rule,
        n: if args.rule.is_fixed() { n } else { 0 },
        ..Options::default()
    }
}

fn integrate(args: &SweepArgs, n: u64) -> Result<Built, String> {
    let problem = Problem::from_args(args.expr.as_deref(), args.a.as_deref(), args.b.as_deref())?;
    let scaling = if args.weak {
        "weak (n x threads)"
    } else {
        "strong"
    };
    let description = format!(
        "{} on [{}, {}], {}, n = {n}, {scaling} scaling",
        problem.text, problem.a, problem.b, args.rule
    );
    let (a, b) = (problem.a, problem.b);
    Ok(Built {
        work: Box::new(IntegrationWorkload {
            f: problem.into_integrand(),
            a,
            b,
            opts: options(args, n),
            weak: args.weak,
        }),
        ceiling: None,
        description,
    })
}

#[cfg(target_os = "linux")]
fn callback(args: &SweepArgs, n: u64) -> Result<Built, String> {
    use vquad_lab::scaling::callback::CallbackFn;
    let spec = args
        .callback
        .as_deref()
        .ok_or("the callback workload needs --callback lib.so:symbol")?;
    if let Some(d) = args.dims {
        let f = vquad_lab::scaling::callback::NdCallbackFn::load(spec, d)?;
        return Ok(nd_built(args, n, Box::new(f), format!("C callback {spec}")));
    }
    let f = std::sync::Arc::new(CallbackFn::load(spec)?);
    let (a, b) = match args.bounds.as_deref() {
        None => (0.0, 1.0),
        Some(text) => {
            let (a, b) = text
                .split_once(',')
                .ok_or_else(|| format!("--bounds '{text}' is not of the form A,B"))?;
            (crate::problem::bound(a)?, crate::problem::bound(b)?)
        }
    };
    let description = format!("C callback {spec} on [{a}, {b}], {}, n = {n}", args.rule);
    Ok(Built {
        work: Box::new(IntegrationWorkload {
            f: Box::new(move |x: f64| f.call(x)),
            a,
            b,
            opts: options(args, n),
            weak: args.weak,
        }),
        ceiling: None,
        description,
    })
}

/// A d-dimensional integration per run.
struct NdWorkload {
    f: Box<dyn NdIntegrand>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    opts: Options,
}

impl Workload for NdWorkload {
    fn run(&self, ctx: &vquad::Context, _threads: usize) -> vquad::Result<RunRecord> {
        let t0 = std::time::Instant::now();
        match ctx.integrate_nd(self.f.as_ref(), &self.lower, &self.upper, &self.opts) {
            Ok(_) | Err(vquad::Error::MaxEvals { .. }) => {
                Ok(RunRecord::timed(t0.elapsed().as_secs_f64()))
            }
            Err(e) => Err(e),
        }
    }
}

fn nd(args: &SweepArgs, n: u64) -> Result<Built, String> {
    let d = args.dims.unwrap_or(3).max(1);
    let text = args.expr.clone().unwrap_or_else(|| {
        let sum: Vec<String> = (1..=d).map(|i| format!("x{i}^2")).collect();
        format!("exp(-({}))", sum.join("+"))
    });
    let f =
        vquad::integrand::nd::NdExpr::parse(&text, d).map_err(|e| format!("in expression: {e}"))?;
    Ok(nd_built(args, n, Box::new(f), text))
}

/// The nd workload of `f` (described as `what`) on the unit cube: a fixed or
/// `auto` rule means Genz–Malik to a tight tolerance with at most `n`
/// evaluations; a sampling rule draws `n` samples.
fn nd_built(args: &SweepArgs, n: u64, f: Box<dyn NdIntegrand>, what: String) -> Built {
    let d = f.ndim();
    let rule = if args.rule.is_fixed() || args.rule == vquad::Rule::Auto {
        vquad::Rule::GenzMalik
    } else {
        args.rule
    };
    let opts = if rule.is_sampling() {
        Options {
            rule,
            n,
            ..Options::default()
        }
    } else {
        Options {
            max_evals: n,
            ..Options::adaptive(rule, 0.0, 1e-9)
        }
    };
    Built {
        work: Box::new(NdWorkload {
            f,
            lower: vec![0.0; d],
            upper: vec![1.0; d],
            opts,
        }),
        ceiling: None,
        description: format!("{what} on [0,1]^{d}, {}, n = {n}", rule.name()),
    }
}
