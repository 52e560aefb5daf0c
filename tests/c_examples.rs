//! Builds every example in `c_examples/` with gcc/g++ (`-Wall -Wextra
//! -Werror -pedantic`) against both the static and the shared library, runs
//! it and checks its output.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Libraries the Rust static library needs from the system.
const STATIC_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// `target/<profile>`, where cargo put libvquad.a and libvquad.so.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/..")
        .to_path_buf()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
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
                .arg(format!("-Wl,-rpath,{}", lib.display()))
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
        let expr = build("expr.c", link, &[]);
        let out = run(&expr, &["exp(-x^2)*cos(x)", "-5", "5", "10000"]);
        let exact = std::f64::consts::PI.sqrt() * (-0.25f64).exp();
        assert!((result_value(&out) - exact).abs() < 1e-10, "{out}");
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
    }
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
