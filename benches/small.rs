//! `cargo bench --bench small`: small adaptive integrals through vquad's C
//! API beside GSL's `gsl_integration_qags`, in one C program
//! (benches/small.c) linked with the `libvquad.a` this build made, run
//! interleaved, best of several repetitions; then a table of parametric
//! integrals through `vq_integrate_many` against a GSL loop.
//!
//! Arguments after `--`: repetitions (default 7) and table rows (default
//! 10^6). Needs gcc and libgsl-dev (.ci/install-deps.sh).

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let reps = args.first().cloned().unwrap_or_else(|| "7".into());
    let rows = args.get(1).cloned().unwrap_or_else(|| "1000000".into());
    let status = Command::new("cargo")
        .args(["build", "--release", "-p", "vquad", "--lib"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building libvquad.a failed");
    let exe = root.join("target/release/small_vs_gsl");
    let built = Command::new("gcc")
        .args(["-O2", "-std=c11", "-I"])
        .arg(root.join("include"))
        .arg(root.join("benches/small.c"))
        .arg("-o")
        .arg(&exe)
        .arg(root.join("target/release/libvquad.a"))
        .args(["-lgsl", "-lgslcblas"])
        .args([
            "-lgcc_s",
            "-lutil",
            "-lrt",
            "-lpthread",
            "-lm",
            "-ldl",
            "-lc",
        ])
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("small: gcc or libgsl-dev missing (.ci/install-deps.sh): comparison skipped");
        return;
    }
    if let Ok(up) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average: {}", up.trim());
    }
    let status = Command::new(&exe)
        .args([reps, rows])
        .status()
        .expect("the comparison runs");
    assert!(status.success());
}
