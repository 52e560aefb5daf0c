//! The `vquad` command-line tool. With no arguments it runs the seed
//! demonstration: ∫₀⁵ (x²+7) dx by the midpoint rule on 10⁹ panels, on one
//! thread and on all threads.

mod contention;
mod criterion_fit;
mod genz;
mod info;
mod integrate;
mod integrate_nd;
mod interrupt;
mod problem;
mod sample;
mod seed;
mod sweep;
mod table;
mod workloads;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Vectorized, threaded numerical integration.
#[derive(Parser)]
#[command(name = "vquad", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The seed problem: x^2+7 on [0,5], midpoint, 1 thread vs all threads.
    Seed(seed::SeedArgs),
    /// Integrate an expression: vquad integrate 'exp(-x^2)*cos(x)' -5 5
    Integrate(integrate::IntegrateArgs),
    /// The Genz battery: vquad beside hcubature_v (libcubature) in one run.
    Genz(genz::GenzArgs),
    /// Sweep thread counts and estimate Amdahl's serial fraction.
    Sweep(Box<sweep::SweepArgs>),
    /// Compare padded slots, false sharing, a mutex and an atomic CAS.
    Contention(contention::ContentionArgs),
    /// Tabulate a parametric integral: vquad table 'exp(-p*x^2)' 0 1 --param p=0.5:10:1000
    Table(table::TableArgs),
    /// Version, SIMD, CPU, threads, padding and binding as vquad sees them.
    Info(info::InfoArgs),
    /// Fit Amdahl's law to a criterion thread-sweep group (cargo bench --bench scaling).
    FitCriterion(criterion_fit::CriterionFitArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => seed::run(&seed::SeedArgs::default()).map_err(|e| e.to_string()),
        Some(Command::Seed(args)) => seed::run(&args).map_err(|e| e.to_string()),
        Some(Command::Integrate(args)) => integrate::run(&args),
        Some(Command::Genz(args)) => genz::run(&args),
        Some(Command::Sweep(args)) => sweep::run(&args),
        Some(Command::Info(args)) => info::run(&args),
        Some(Command::Contention(args)) => contention::run_cmd(&args),
        Some(Command::FitCriterion(args)) => criterion_fit::run(&args),
        Some(Command::Table(args)) => table::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vquad: {e}");
            ExitCode::from(2)
        }
    }
}
