//! Building a C example with mpicc against the static libvquad and running
//! it under mpirun: what the MPI example tests share.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

use super::clib::{lib_dir, root, STATIC_LIBS};

/// Whether `tool --version` runs and succeeds.
pub fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Builds `c_examples/<stem>.c` with mpicc (strict warnings) against the
/// static library; panics naming the packages when OpenMPI is missing.
pub fn build(stem: &str) -> PathBuf {
    if !have("mpicc") || !have("mpirun") {
        panic!("OpenMPI is required (apt-get install -y libopenmpi-dev openmpi-bin)");
    }
    let exe = lib_dir().join("c_examples").join(stem);
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    let status = Command::new("mpicc")
        .args([
            "-std=c11",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-I",
        ])
        .arg(root().join("include"))
        .arg(root().join(format!("c_examples/{stem}.c")))
        .arg("-o")
        .arg(&exe)
        .arg(lib_dir().join("libvquad.a"))
        .args(STATIC_LIBS)
        .status()
        .expect("mpicc runs");
    assert!(status.success(), "building {stem}.c failed");
    exe
}

/// Runs `exe args` on `np` ranks and returns its stdout; panics with both
/// streams when it fails.
pub fn run(exe: &PathBuf, np: u32, args: &[String]) -> String {
    let out = Command::new("mpirun")
        // Containers often forbid the cross-memory attach of Open MPI's
        // shared-memory transport; copy through the buffers instead.
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .args([
            "--allow-run-as-root",
            "--oversubscribe",
            "-np",
            &np.to_string(),
        ])
        .arg(exe)
        .args(args)
        .output()
        .expect("mpirun runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "mpirun -np {np} failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}
