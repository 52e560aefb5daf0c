//! `vquad fit-criterion DIR`: the sweep's Amdahl analysis applied to the
//! samples criterion saved for a thread-count benchmark group.

use std::path::{Path, PathBuf};

use clap::Args;
use vquad_lab::scaling::fit::{self, FitOptions, Sample};
use vquad_lab::scaling::machine::Machine;

/// Options of `vquad fit-criterion`.
#[derive(Args, Debug)]
pub struct CriterionFitArgs {
    /// A criterion group directory whose sub-directories are thread counts,
    /// e.g. target/criterion/scaling_seed (from `cargo bench --bench scaling`).
    pub dir: PathBuf,
}

/// Reads `<dir>/<threads>/new/sample.json` for every thread count: each
/// criterion sample (time / iterations) is one repetition.
pub fn load(dir: &Path) -> Result<Vec<Sample>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut samples = Vec::new();
    for entry in entries.flatten() {
        let Ok(threads) = entry.file_name().to_string_lossy().parse::<usize>() else {
            continue;
        };
        let path = entry.path().join("new").join("sample.json");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let as_vec = |key: &str| -> Result<Vec<f64>, String> {
            v[key]
                .as_array()
                .ok_or_else(|| format!("{}: no '{key}' array", path.display()))?
                .iter()
                .map(|x| {
                    x.as_f64()
                        .ok_or_else(|| format!("{}: bad number in '{key}'", path.display()))
                })
                .collect()
        };
        let (iters, times) = (as_vec("iters")?, as_vec("times")?);
        let times: Vec<f64> = times
            .iter()
            .zip(&iters)
            .map(|(t, i)| t / i * 1e-9)
            .collect();
        samples.push(Sample { threads, times });
    }
    if samples.is_empty() {
        return Err(format!(
            "{}: no thread-count sub-directories with new/sample.json",
            dir.display()
        ));
    }
    samples.sort_by_key(|s| s.threads);
    Ok(samples)
}

/// Loads the samples, prints the table and the Amdahl fit.
pub fn run(args: &CriterionFitArgs) -> Result<std::process::ExitCode, String> {
    let machine = Machine::detect();
    let samples = load(&args.dir)?;
    let points = fit::point_stats(&samples, machine.physical_cores).map_err(|e| e.to_string())?;
    println!("criterion samples from {}", args.dir.display());
    crate::sweep::print_table(&points);
    match fit::fit_amdahl(&samples, machine.physical_cores, &FitOptions::default()) {
        Ok(f) => crate::sweep::print_fit(&f),
        Err(e) => println!("Amdahl fit: not possible ({e})"),
    }
    Ok(std::process::ExitCode::SUCCESS)
}
