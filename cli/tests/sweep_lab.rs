//! The scaling lab through the `vquad` binary: `vquad info`, the JSON schema
//! of `vquad sweep` (on the simulated machine, so the figures are
//! deterministic), the HTML report, and a C callback loaded from a shared
//! object built here with gcc. Nothing here judges a timing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vquad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vquad"))
        .args(args)
        .output()
        .expect("the vquad binary runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vquad-lab-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json_file(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn info_reports_build_cpu_threads_padding_and_binding() {
    let text = ok(&vquad(&["info"]));
    for needle in [
        "vquad ",
        "SIMD:",
        "lanes",
        "CPU:",
        "default threads:",
        "cache-line padding:",
        "binding:",
    ] {
        assert!(text.contains(needle), "missing {needle}:\n{text}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_vquad"))
        .args(["info", "--json"])
        .env("VQUAD_NUM_THREADS", "3")
        .env("VQUAD_BIND", "spread")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(v["default_threads"], 3);
    assert_eq!(v["default_threads_from"], "VQUAD_NUM_THREADS");
    assert_eq!(v["binding"], "spread");
    assert_eq!(v["binding_from"], "VQUAD_BIND");
    assert!(v["lanes"].as_u64().unwrap() >= 1);
    let pad = v["cache_line_padding_bytes"].as_u64().unwrap();
    assert!(pad == 64 || pad == 128, "{pad}");
    assert!(v["physical_cores"].as_u64().unwrap() <= v["logical_cpus"].as_u64().unwrap());
    let arg = ok(&vquad(&["info", "--json", "--threads", "5"]));
    assert!(
        arg.contains("\"default_threads_from\": \"argument\""),
        "{arg}"
    );
}

#[test]
fn simulated_sweep_writes_the_versioned_schema_and_an_html_page() {
    let dir = scratch("simulate");
    let (j, h) = (dir.join("s.json"), dir.join("s.html"));
    let text = ok(&vquad(&[
        "sweep",
        "--simulate",
        "--sim-cores",
        "64",
        "--sim-alpha",
        "0.02",
        "--rounds",
        "8",
        "--json",
        j.to_str().unwrap(),
        "--html",
        h.to_str().unwrap(),
    ]));
    assert!(text.contains("alpha corrected"), "{text}");
    let v = json_file(&j);
    assert_eq!(v["schema_version"], 2);
    for key in [
        "alpha",
        "alpha_ci",
        "alpha_raw",
        "alpha_corrected",
        "machine",
        "problem",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let ci = v["alpha_corrected_ci"].as_array().unwrap();
    assert_eq!(ci.len(), 2);
    let a = v["alpha_corrected"].as_f64().unwrap();
    assert!(ci[0].as_f64().unwrap() <= a && a <= ci[1].as_f64().unwrap());
    assert!((a - 0.02).abs() < 0.01, "{a}");
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 8); // 1, 2, 4, …, 128
    for p in points {
        assert!(p.get("per_thread").is_some() && p.get("load_imbalance").is_some());
    }
    // 128 threads on 64 cores use SMT siblings: marked, not fitted.
    let last = points.last().unwrap();
    assert_eq!(
        (last["smt_siblings"].as_bool(), last["fitted"].as_bool()),
        (Some(true), Some(false))
    );
    // The same seed gives the same report.
    let again = dir.join("again.json");
    ok(&vquad(&[
        "sweep",
        "--simulate",
        "--sim-cores",
        "64",
        "--sim-alpha",
        "0.02",
        "--rounds",
        "8",
        "--json",
        again.to_str().unwrap(),
    ]));
    assert_eq!(
        json_file(&again)["alpha_corrected_ci"],
        v["alpha_corrected_ci"]
    );
    let html = std::fs::read_to_string(&h).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        html.matches("<svg").count(),
        3,
        "speedup, ceiling and imbalance plots"
    );
    assert!(html.contains("alpha corrected") && html.contains("</table>"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn simulated_validation_prints_the_large_machine_table() {
    let text = ok(&vquad(&[
        "sweep",
        "--simulate",
        "--validate",
        "--runs",
        "4",
        "--rounds",
        "6",
    ]));
    assert!(
        text.contains("| 64 |") && text.contains("| 256 |"),
        "{text}"
    );
    assert_eq!(
        text.matches("\n| 64 |").count() + text.matches("\n| 256 |").count(),
        8
    );
}

/// Compiles C source `src` into the shared object `lib` (with libm).
#[cfg(target_os = "linux")]
fn shared_object(src: &Path, lib: &Path) -> PathBuf {
    let cc = Command::new("gcc")
        .args(["-shared", "-fPIC", "-O2", "-o"])
        .arg(lib)
        .arg(src)
        .arg("-lm")
        .status()
        .expect("gcc is installed (.ci/install-deps.sh)");
    assert!(cc.success(), "gcc failed on {}", src.display());
    lib.to_path_buf()
}

#[cfg(target_os = "linux")]
#[test]
fn a_c_callback_from_a_shared_object_is_swept_with_per_thread_records() {
    let dir = scratch("callback");
    let src = dir.join("cb.c");
    std::fs::write(
        &src,
        "double square(double x, void *params) { (void)params; return x * x; }\n",
    )
    .unwrap();
    let lib = shared_object(&src, &dir.join("libcb.so"));
    let j = dir.join("cb.json");
    let spec = format!("{}:square", lib.display());
    ok(&vquad(&[
        "sweep",
        "--callback",
        &spec,
        "--bounds",
        "0,3",
        "--threads",
        "1,2",
        "--rounds",
        "2",
        "-n",
        "200000",
        "--json",
        j.to_str().unwrap(),
    ]));
    let v = json_file(&j);
    assert_eq!(v["problem"]["workload"], "callback");
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    for p in points {
        let per = p["per_thread"].as_array().unwrap();
        assert_eq!(per.len(), p["threads"].as_u64().unwrap() as usize, "{p}");
        let evals: f64 = per.iter().map(|t| t["evals"].as_f64().unwrap()).sum();
        assert_eq!(evals, 200000.0, "every point evaluated once: {p}");
        assert!(p["load_imbalance"].as_f64().unwrap() >= 1.0);
    }
    // With --dims, the symbol is a vq_nd_fn point callback (the example
    // c_examples/sweep_nd_callback.c) integrated over the unit cube.
    let nd_lib = shared_object(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../c_examples/sweep_nd_callback.c"
        )),
        &dir.join("libsweepnd.so"),
    );
    let nd_json = dir.join("nd.json");
    let nd_spec = format!("{}:fourier", nd_lib.display());
    ok(&vquad(&[
        "sweep",
        "--dims",
        "3",
        "--callback",
        &nd_spec,
        "--threads",
        "1,2",
        "--rounds",
        "2",
        "-n",
        "20000",
        "--json",
        nd_json.to_str().unwrap(),
    ]));
    let v = json_file(&nd_json);
    assert_eq!(v["problem"]["workload"], "callback");
    assert_eq!(v["points"].as_array().unwrap().len(), 2);
    let bad = vquad(&["sweep", "--dims", "0", "--callback", &nd_spec]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("ndim = 0"));
    let bad = vquad(&["sweep", "--callback", &format!("{}:nothing", lib.display())]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no symbol 'nothing'"));
    std::fs::remove_dir_all(&dir).unwrap();
}
