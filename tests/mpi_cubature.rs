//! `c_examples/mpi_cubature.c`: randomized QMC over a 5-D box split across
//! MPI ranks prints the same `result=… error=…` line for 1, 2 and 3 ranks
//! (and 1 rank × 2 threads), equal to the single-process value.

mod common;
use common::clib::{lib_dir, root, STATIC_LIBS};

use std::process::Command;

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn mpi_cubature_prints_the_same_result_line_for_1_2_3_ranks() {
    if !have("mpicc") || !have("mpirun") {
        panic!("OpenMPI is required (apt-get install -y libopenmpi-dev openmpi-bin)");
    }
    let exe = lib_dir().join("c_examples").join("mpi_cubature");
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
        .arg(root().join("c_examples/mpi_cubature.c"))
        .arg("-o")
        .arg(&exe)
        .arg(lib_dir().join("libvquad.a"))
        .args(STATIC_LIBS)
        .status()
        .expect("mpicc runs");
    assert!(status.success(), "building mpi_cubature.c failed");
    let mut lines = Vec::new();
    for (np, threads) in [(1, 1), (2, 1), (3, 1), (1, 2)] {
        let out = Command::new("mpirun")
            .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
            .args([
                "--allow-run-as-root",
                "--oversubscribe",
                "-np",
                &np.to_string(),
            ])
            .arg(&exe)
            .args([&threads.to_string(), "65536"])
            .output()
            .expect("mpirun runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "mpirun -np {np} failed:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("identical=yes"), "{text}");
        let line = text
            .lines()
            .find(|l| l.starts_with("result="))
            .expect("a result= line")
            .to_string();
        lines.push(line);
    }
    assert!(lines.iter().all(|l| *l == lines[0]), "{lines:?}");
    // The value is right: the integrand is separable, and its integral is
    // (√π/2)erf(1) · √(π/8)erf(√2) · √(π/12)erf(√3) · Ein(1)
    // = 0.17946950387227983 (SciPy's erf and expi).
    let field = |k: &str| -> f64 {
        lines[0]
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(k))
            .unwrap()
            .parse()
            .unwrap()
    };
    let (v, e) = (field("result="), field("error="));
    let exact = 0.179_469_503_872_279_83;
    assert!(e > 0.0 && e < 1e-5, "{}", lines[0]);
    assert!((v - exact).abs() < 5.0 * e, "{} vs {exact}", lines[0]);
}
