//! Builds the C reliability tests in `tests/c/` with gcc (`-Wall -Wextra
//! -Werror -pedantic`) against the static library and runs them: the
//! bad-input matrix of the C ABI, and the 16-thread stress test at a small
//! size (`.ci/jobs/reliability.sh` runs it at full size, and runs both
//! under ASan+UBSan and valgrind).

mod common;
use common::clib::{lib_dir, root, STATIC_LIBS};

use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles `tests/c/<name>.c` against libvquad.a and returns the executable.
fn build(name: &str) -> PathBuf {
    let lib = lib_dir();
    let out_dir = lib.join("c_tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(name);
    let status = Command::new("gcc")
        .args([
            "-std=c11",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
        ])
        .arg("-I")
        .arg(root().join("include"))
        .arg(root().join("tests/c").join(format!("{name}.c")))
        .arg("-o")
        .arg(&exe)
        .arg(lib.join("libvquad.a"))
        .args(STATIC_LIBS)
        .status()
        .expect("gcc runs (apt-get install -y gcc)");
    assert!(status.success(), "building tests/c/{name}.c failed");
    exe
}

/// Runs `exe`, requires exit status 0 and a closing `N passed, 0 failed`
/// line with N > 0, and returns N.
fn run_passing(exe: &Path, args: &[&str]) -> u64 {
    let out = Command::new(exe)
        .args(args)
        .env_remove("VQUAD_NUM_THREADS")
        .env_remove("VQUAD_TEST_HIDE_CPU_FEATURES")
        .output()
        .expect("test program runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} {args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}",
        exe.display(),
        out.status
    );
    let last = stdout.lines().last().unwrap_or_default();
    let counts = last.rsplit(": ").next().unwrap_or_default();
    let passed = counts
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse::<u64>().ok());
    match passed {
        Some(n) if n > 0 => n,
        _ => panic!("unexpected closing line {last:?}:\n{stdout}"),
    }
}

#[test]
fn every_row_of_the_bad_input_matrix_passes() {
    let exe = build("bad_inputs");
    let rows = run_passing(&exe, &[]);
    assert!(rows >= 40, "only {rows} rows ran");
}

#[test]
fn sixteen_threads_sharing_one_context_get_exact_results() {
    let exe = build("stress");
    // 16 threads x 10 integrations, a 60 s watchdog, a 4-thread context.
    let checked = run_passing(&exe, &["10", "60", "4"]);
    assert_eq!(checked, 160);
}

#[test]
fn progress_from_c_is_monotone_throttled_and_ends_at_one() {
    let exe = build("progress");
    let checks = run_passing(&exe, &[]);
    assert_eq!(checks, 12);
}
