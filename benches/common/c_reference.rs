//! Builds a C reference program from `c_examples/` and times it through the
//! loop timings it prints itself (process start-up excluded).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Compiles `c_examples/<source>` with gcc and `flags` into `target/`;
/// `None` when gcc is missing or fails (the comparison is then skipped).
pub fn build(source: &str, flags: &[&str]) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let stem = source.trim_end_matches(".c");
    let exe = root.join("target").join(stem);
    Command::new("gcc")
        .args(flags)
        .arg(root.join("c_examples").join(source))
        .arg("-o")
        .arg(&exe)
        .arg("-lm")
        .status()
        .is_ok_and(|s| s.success())
        .then_some(exe)
}

/// Runs the program `iters` times on `n` points in one process and returns
/// the `total_seconds=` it measured around its loops.
pub fn time(exe: &PathBuf, n: u64, threads: usize, iters: u64) -> Duration {
    let out = Command::new(exe)
        .args([n.to_string(), threads.to_string(), iters.to_string()])
        .output()
        .expect("the C reference runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let total: f64 = text
        .split("total_seconds=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("total_seconds in the output");
    Duration::from_secs_f64(total)
}
