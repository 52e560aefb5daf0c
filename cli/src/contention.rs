//! `vquad contention`: what false sharing, locks and atomics cost.

use clap::Args;
use vquad::Context;
use vquad_lab::scaling::contention::{run, Strategy, CHUNK};

use crate::seed::parse_count;

/// Options of `vquad contention`.
#[derive(Args, Debug)]
pub struct ContentionArgs {
    /// Points per run (accepts 1e8).
    #[arg(short, long, default_value = "1e8", value_parser = parse_count)]
    pub n: u64,
    /// Thread counts to compare (at most 8).
    #[arg(long, default_value = "1,2", value_parser = crate::sweep::thread_list)]
    pub threads: crate::sweep::ThreadList,
    /// Runs per strategy; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
}

/// Times every strategy and prints times and ratios to the padded slots.
pub fn run_cmd(args: &ContentionArgs) -> Result<std::process::ExitCode, String> {
    println!(
        "sum of x^2+7 over {} points; shared totals are updated once per {CHUNK} points,\n\
         slots once per point; ratio = time / time(padded-slots) at the same thread count",
        args.n
    );
    println!(
        "{:>7} {:>13} {:>12} {:>8} {:>14}",
        "threads", "strategy", "median s", "ratio", "value"
    );
    for &t in &args.threads.0 {
        let ctx = Context::new(t).map_err(|e| e.to_string())?;
        let mut reference = None;
        for s in Strategy::ALL {
            let _ = run(&ctx, s, args.n as usize).map_err(|e| e.to_string())?;
            let mut times = Vec::new();
            let mut value = 0.0;
            for _ in 0..args.reps.max(1) {
                let (v, secs) = run(&ctx, s, args.n as usize).map_err(|e| e.to_string())?;
                times.push(secs);
                value = v;
            }
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            let base = *reference.get_or_insert(median);
            println!(
                "{t:>7} {:>13} {median:>12.5} {:>8.2} {value:>14.9}",
                s.name(),
                median / base
            );
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
