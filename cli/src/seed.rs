//! `vquad seed`: the notebook's problem, done right.

use std::process::ExitCode;

use clap::Args;
use vquad::{Context, Options, Poly, Rule};

/// Options of the seed demonstration.
#[derive(Args, Debug)]
pub struct SeedArgs {
    /// Midpoint panels (accepts 1e9).
    #[arg(short, long, default_value = "1e9", value_parser = parse_count)]
    pub n: u64,
    /// Threads of the parallel run (0: VQUAD_NUM_THREADS or all CPUs).
    #[arg(short, long, default_value_t = 0)]
    pub threads: usize,
    /// Runs per thread count; the fastest is reported.
    #[arg(short, long, default_value_t = 3)]
    pub reps: usize,
}

impl Default for SeedArgs {
    fn default() -> SeedArgs {
        SeedArgs {
            n: 1_000_000_000,
            threads: 0,
            reps: 3,
        }
    }
}

/// Parses a count written as an integer or in scientific notation (`1e9`).
pub fn parse_count(s: &str) -> Result<u64, String> {
    if let Ok(v) = s.parse::<u64>() {
        return Ok(v);
    }
    let v: f64 = s.parse().map_err(|_| format!("'{s}' is not a count"))?;
    if v.fract() != 0.0 || !(0.0..=u64::MAX as f64).contains(&v) {
        return Err(format!("'{s}' is not a whole non-negative count"));
    }
    Ok(v as u64)
}

/// Runs the demonstration and prints values, times and the speedup.
pub fn run(args: &SeedArgs) -> Result<ExitCode, vquad::Error> {
    let f = Poly::new(&[7.0, 0.0, 1.0])?;
    let opts = Options::fixed(Rule::Midpoint, args.n);
    let exact = 230.0 / 3.0;
    println!(
        "vquad {} ({}), seed problem: ∫₀⁵ (x²+7) dx = 230/3",
        vquad::VERSION,
        vquad::simd::isa()
    );
    println!(
        "midpoint rule, n = {} panels, best of {} runs",
        args.n,
        args.reps.max(1)
    );
    let serial = Context::new(1)?;
    let parallel = Context::new(args.threads)?;
    let mut runs = Vec::new();
    for ctx in [&serial, &parallel] {
        let mut best: Option<vquad::Integral> = None;
        for _ in 0..args.reps.max(1) {
            let r = ctx.integrate(&f, 0.0, 5.0, &opts)?;
            if best.is_none_or(|b| r.seconds < b.seconds) {
                best = Some(r);
            }
        }
        let r = best.expect("at least one run");
        println!(
            "{:>2} thread{}: value = {:.17}  time = {:.4} s  {:.2} Gpts/s  |error| = {:.2e}",
            r.threads,
            if r.threads == 1 { " " } else { "s" },
            r.value,
            r.seconds,
            r.evals as f64 / r.seconds / 1e9,
            (r.value - exact).abs()
        );
        runs.push(r);
    }
    let (one, all) = (runs[0], runs[1]);
    let identical = one.value.to_bits() == all.value.to_bits();
    println!(
        "speedup {:.2}x on {} threads; values {}",
        one.seconds / all.seconds,
        all.threads,
        if identical { "bit-identical" } else { "DIFFER" }
    );
    println!("(the notebook's 8 Python threads: 4.2 s and the answer 72 instead of 76.67)");
    Ok(if identical {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
