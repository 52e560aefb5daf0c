//! The `vquad` command-line tool. With no arguments it runs the seed
//! demonstration: ∫₀⁵ (x²+7) dx by the midpoint rule on 10⁹ panels, on one
//! thread and on all threads.

mod seed;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => seed::run(&seed::SeedArgs::default()),
        Some(Command::Seed(args)) => seed::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vquad: {e}");
            ExitCode::from(2)
        }
    }
}
