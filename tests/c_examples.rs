//! Builds every example in `c_examples/` with gcc/g++ (`-Wall -Wextra
//! -Werror -pedantic`) against both the static and the shared library, runs
//! it and checks its output; the MPI example is built with mpicc and run
//! under mpirun. (`.ci/jobs/ecosystem.sh` builds the same examples against
//! an installed prefix, via pkg-config and CMake.)

mod common;
use common::clib::{lib_dir, root, STATIC_LIBS};

use std::path::{Path, PathBuf};
use std::process::Command;

use common::mpi::have;

/// The shared library's soname (build.rs sets it; `make install` creates
/// the link of that name): `libvquad.so.0.MINOR` while the major version is
/// 0, so a binary built against 0.1 cannot load 0.2.
const SONAME: &str = "libvquad.so.0.2";

/// A directory holding `libvquad.so.0.2 -> ../libvquad.so`: executables linked
/// with `-lvquad` ask the loader for the soname, which cargo does not create.
fn soname_dir() -> PathBuf {
    let dir = lib_dir().join("c_examples");
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join(SONAME);
    if std::fs::read_link(&link).is_err() {
        let _ = std::fs::remove_file(&link);
        // Another test binary may create it at the same moment: fine.
        let _ = std::os::unix::fs::symlink("../libvquad.so", &link);
    }
    dir
}

#[derive(Clone, Copy, PartialEq)]
enum Link {
    Static,
    Shared,
}

fn build(source: &str, link: Link, extra: &[&str]) -> PathBuf {
    let lib = lib_dir();
    let out_dir = lib.join("c_examples");
    std::fs::create_dir_all(&out_dir).unwrap();
    let stem = Path::new(source).file_stem().unwrap().to_str().unwrap();
    let suffix = if link == Link::Static {
        "static"
    } else {
        "shared"
    };
    let exe = out_dir.join(format!("{stem}-{suffix}"));
    let cpp = source.ends_with(".cpp");
    let mut cmd = Command::new(if cpp { "g++" } else { "gcc" });
    cmd.args(if cpp { ["-std=c++17"] } else { ["-std=c11"] })
        .args(["-O2", "-Wall", "-Wextra", "-Werror", "-pedantic"])
        .arg("-I")
        .arg(root().join("include"))
        .arg(root().join("c_examples").join(source))
        .arg("-o")
        .arg(&exe)
        .args(extra);
    match link {
        Link::Static => {
            cmd.arg(lib.join("libvquad.a")).args(STATIC_LIBS);
        }
        Link::Shared => {
            cmd.arg(format!("-L{}", lib.display()))
                .arg(format!("-Wl,-rpath,{}", soname_dir().display()))
                .arg("-lvquad")
                .arg("-lm");
        }
    }
    let status = cmd.status().expect("compiler runs");
    assert!(status.success(), "building {source} ({suffix}) failed");
    exe
}

fn run(exe: &Path, args: &[&str]) -> String {
    let out = Command::new(exe).args(args).output().expect("example runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed:\nstdout:\n{text}\nstderr:\n{}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn result_value(text: &str) -> f64 {
    let v = text.split("result=").nth(1).expect("result= line");
    v.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn c_examples_build_and_run_static_and_shared() {
    if !have("gcc") || !have("g++") {
        panic!("gcc and g++ are required (apt-get install -y gcc g++)");
    }
    for link in [Link::Static, Link::Shared] {
        // 10^7 panels keep the debug-profile run short; `cargo run --release`
        // runs the full 10^9.
        let seed = run(&build("seed.c", link, &[]), &["10000000"]);
        assert!(seed.contains("1 thread : value = 76.66666666666"), "{seed}");
        assert!(seed.contains("speedup ="), "{seed}");
        let cb = run(&build("callback.c", link, &["-lm"]), &[]);
        let v = result_value(&cb);
        assert!((v - 4.999_721_778_966_19).abs() < 1e-12, "{cb}");
        let batch = run(&build("batch.c", link, &["-lm"]), &[]);
        assert!(
            (result_value(&batch) - std::f64::consts::PI).abs() < 1e-12,
            "{batch}"
        );
        assert!(
            batch.contains("VQ_ERR_CALLBACK") && batch.contains("returned 42"),
            "{batch}"
        );
        let table = run(&build("table.c", link, &["-lm"]), &[]);
        assert!(
            table.contains("p,value,abs_error,evals,status")
                && table.matches(",VQ_OK").count() == 20
                && table.contains("max relative error vs closed form"),
            "{table}"
        );
        let expr = build("expr.c", link, &["-lm"]);
        let out = run(&expr, &["exp(-x^2)*cos(x)", "-5", "5", "10000"]);
        let exact = std::f64::consts::PI.sqrt() * (-0.25f64).exp();
        assert!((result_value(&out) - exact).abs() < 1e-10, "{out}");
        // Given the expected value, the example checks its own result: the
        // exit status tells a right value from a wrong one.
        let checked = run(
            &expr,
            &["exp(-x^2)*cos(x)", "-5", "5", "10000", &exact.to_string()],
        );
        assert!(checked.contains("expected="), "{checked}");
        let wrong = Command::new(&expr)
            .args(["exp(-x^2)*cos(x)", "-5", "5", "10000", "1.3803884"])
            .output()
            .unwrap();
        assert_eq!(wrong.status.code(), Some(1), "a wrong result must fail");
        assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong result"));
        let failed = Command::new(&expr)
            .args(["sqrt(x - 2)", "0", "1", "10"])
            .output()
            .unwrap();
        assert_eq!(
            failed.status.code(),
            Some(1),
            "a failed integration must fail"
        );
        let bad = Command::new(&expr)
            .args(["sin(x))", "0", "1"])
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(2));
        let msg = String::from_utf8_lossy(&bad.stderr);
        assert!(
            msg.contains("VQ_ERR_PARSE") && msg.contains("column 7"),
            "{msg}"
        );
        let cpp = run(&build("example.cpp", link, &[]), &[]);
        assert!(
            (result_value(&cpp) - 3f64.sin() / 3.0).abs() < 1e-14,
            "{cpp}"
        );
        let hpp = run(&build("cpp_wrapper.cpp", link, &[]), &[]);
        assert!(
            (result_value(&hpp) - 3f64.sin() / 3.0).abs() < 1e-14,
            "{hpp}"
        );
        for caught in [
            "caught VQ_ERR_INVALID_ARG: fixed rule",
            "caught std::domain_error: picky: x > 0.5",
            "all C++ wrapper checks passed",
        ] {
            assert!(hpp.contains(caught), "{caught:?} missing from:\n{hpp}");
        }
    }
}

#[test]
fn the_cubature_example_integrates_a_5d_gaussian_and_a_vector_integrand() {
    for link in [Link::Static, Link::Shared] {
        let out = run(&build("cubature.c", link, &["-lm"]), &[]);
        let g = out
            .lines()
            .find(|l| l.starts_with("gaussian5:"))
            .expect("gaussian5 line");
        let exact = std::f64::consts::PI.powf(2.5);
        assert!((result_value(g) - exact).abs() < 1e-4 * exact, "{out}");
        assert_eq!(out.matches("moment").count(), 3, "{out}");
        assert!(out.contains("tensor: result="), "{out}");
    }
}

/// Defined dynamic symbols of the shared library, via `nm -D`.
fn dynamic_exports() -> Vec<String> {
    let so = lib_dir().join("libvquad.so");
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
        .expect("nm runs (binutils)");
    assert!(out.status.success(), "nm -D {} failed", so.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect()
}

#[test]
fn shared_library_exports_only_vq_symbols_and_has_a_versioned_soname() {
    let exports = dynamic_exports();
    let foreign: Vec<_> = exports.iter().filter(|s| !s.starts_with("vq_")).collect();
    assert!(foreign.is_empty(), "non-vq_ exports: {foreign:?}");
    for f in ["vq_integrate", "vq_partition_size", "vq_combine_partials"] {
        assert!(exports.iter().any(|s| s == f), "{f} not exported");
    }
    let dynamic = Command::new("readelf")
        .arg("-d")
        .arg(lib_dir().join("libvquad.so"))
        .output()
        .expect("readelf runs (binutils)");
    let text = String::from_utf8_lossy(&dynamic.stdout);
    assert!(
        text.contains(&format!("[{SONAME}]")),
        "soname missing:\n{text}"
    );
}

/// One `key=value` field of the line of `problem` in mpi_integrate's output.
fn mpi_field<'a>(out: &'a str, problem: &str, key: &str) -> &'a str {
    let line = out
        .lines()
        .find(|l| l.starts_with(&format!("problem={problem} ")))
        .unwrap_or_else(|| panic!("no line for {problem} in:\n{out}"));
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
}

#[test]
fn mpi_example_gives_single_process_bits_for_ranks_and_threads() {
    let exe = common::mpi::build("mpi_integrate");
    let mut seen: Vec<Vec<String>> = Vec::new();
    // (ranks, threads per rank): processes against threads.
    for (np, threads) in [(1, 2), (2, 1)] {
        let text = common::mpi::run(&exe, np, &[threads.to_string(), "3000000".into()]);
        let got: Vec<String> = ["seed", "expr", "callback"]
            .iter()
            .map(|problem| {
                assert_eq!(mpi_field(&text, problem, "identical"), "yes", "{text}");
                mpi_field(&text, problem, "result").to_string()
            })
            .collect();
        if let Some(first) = seen.first() {
            assert_eq!(&got, first, "results differ between layouts");
        }
        seen.push(got);
    }
    let seed: f64 = seen[0][0].parse().unwrap();
    assert!((seed - 230.0 / 3.0).abs() < 1e-10, "{seed}");
}

#[test]
fn openmp_reference_builds_and_agrees() {
    let exe = lib_dir().join("c_examples").join("openmp_reference");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    let status = Command::new("gcc")
        .args([
            "-O3",
            "-march=native",
            "-fopenmp",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
        ])
        .arg(root().join("c_examples/openmp_reference.c"))
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("gcc runs");
    assert!(status.success());
    let out = run(&exe, &["1000000", "2", "1"]);
    let v: f64 = out
        .split("value=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((v - 230.0 / 3.0).abs() < 1e-9, "{out}");
}
