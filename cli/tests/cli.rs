//! End-to-end runs of the `vquad` binary: exit codes, JSON shape, bounds.

use std::process::{Command, Output};

fn vquad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vquad"))
        .args(args)
        .env("VQUAD_NUM_THREADS", "2")
        .output()
        .expect("vquad runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn integrate_json_has_the_documented_fields() {
    let out = vquad(&[
        "integrate",
        "exp(-x^2)*cos(x)",
        "-5",
        "5",
        "--rule",
        "gauss-legendre",
        "-n",
        "1e4",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    for key in [
        "value",
        "abs_error",
        "evals",
        "threads",
        "seconds",
        "rule",
        "status",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["status"], "ok");
    assert_eq!(v["rule"], "gauss-legendre");
    assert!(v["abs_error"].is_null(), "fixed rules give no estimate");
    assert_eq!(v["evals"], 80_000);
    assert_eq!(v["threads"], 2);
    let exact = std::f64::consts::PI.sqrt() * (-0.25f64).exp();
    assert!((v["value"].as_f64().unwrap() - exact).abs() < 1e-10);
}

#[test]
fn bounds_are_constant_expressions() {
    let out = vquad(&[
        "integrate",
        "sin(x)",
        "0",
        "pi/2",
        "--rule",
        "simpson",
        "-n",
        "1000",
        "--json",
    ]);
    let v = json(&out);
    assert!((v["value"].as_f64().unwrap() - 1.0).abs() < 1e-12, "{v}");
    let out = vquad(&[
        "integrate",
        "1",
        "1e-3",
        ".5",
        "--rule",
        "midpoint",
        "-n",
        "10",
        "--json",
    ]);
    assert!((json(&out)["value"].as_f64().unwrap() - 0.499).abs() < 1e-15);
}

#[test]
fn parse_errors_exit_2_with_the_column() {
    let out = vquad(&["integrate", "sin(x))", "0", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unexpected ')' at column 7"), "{err}");
    let out = vquad(&["integrate", "x", "0", "y"]);
    assert_eq!(out.status.code(), Some(2));
    let out = vquad(&["integrate", "x", "0", "1", "--rule", "simpsons"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn integration_failures_exit_1_with_a_status_in_json() {
    let out = vquad(&[
        "integrate",
        "1/x",
        "0",
        "1",
        "--rule",
        "trapezoid",
        "-n",
        "2",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["status"], "VQ_ERR_NONFINITE", "{v}");
    assert!(v["value"].is_null());
    let out = vquad(&["integrate", "x", "0", "inf", "--rule", "midpoint", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["status"], "VQ_ERR_INVALID_ARG");
}

#[test]
fn n_accepts_scientific_notation() {
    let out = vquad(&[
        "integrate",
        "x",
        "0",
        "1",
        "--rule",
        "midpoint",
        "-n",
        "2.5e3",
        "--json",
    ]);
    assert_eq!(json(&out)["evals"], 2500);
    let out = vquad(&[
        "integrate",
        "x",
        "0",
        "1",
        "-n",
        "1.5",
        "--rule",
        "midpoint",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn seed_command_reports_identical_values() {
    let out = vquad(&["seed", "-n", "1e7", "--reps", "1"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("bit-identical"), "{text}");
    assert!(text.contains("76.666666666666"), "{text}");
}

#[test]
fn sweep_writes_json_csv_and_svg() {
    let dir = std::env::temp_dir().join(format!("vquad-cli-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (j, c, s) = (dir.join("s.json"), dir.join("s.csv"), dir.join("s.svg"));
    let out = vquad(&[
        "sweep",
        "--threads",
        "1,2,3",
        "--reps",
        "3",
        "-n",
        "2e7",
        "--json",
        j.to_str().unwrap(),
        "--csv",
        c.to_str().unwrap(),
        "--svg",
        s.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Karp-Flatt") && text.contains("alpha"),
        "{text}"
    );
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    for key in [
        "machine",
        "problem",
        "points",
        "alpha",
        "alpha_ci",
        "max_speedup",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    for key in [
        "cpu_model",
        "logical_cores",
        "physical_cores",
        "simd_isa",
        "vquad_version",
    ] {
        assert!(v["machine"].get(key).is_some(), "machine lacks {key}");
    }
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    for key in [
        "threads",
        "median_s",
        "min_s",
        "speedup",
        "efficiency",
        "karp_flatt",
        "oversubscribed",
    ] {
        assert!(points[0].get(key).is_some(), "point lacks {key}");
    }
    let physical = v["machine"]["physical_cores"].as_u64().unwrap();
    assert_eq!(points[2]["oversubscribed"], serde_json::json!(3 > physical));
    assert_eq!(std::fs::read_to_string(&c).unwrap().lines().count(), 4);
    let svg = std::fs::read_to_string(&s).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("Amdahl"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn contention_prints_every_strategy() {
    let out = vquad(&["contention", "-n", "1e6", "--threads", "1,2", "--reps", "1"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for s in [
        "padded-slots",
        "packed-slots",
        "mutex",
        "atomic-cas",
        "register",
    ] {
        assert!(text.contains(s), "{s} missing:\n{text}");
    }
}

#[test]
fn fit_criterion_reads_saved_samples() {
    let dir = std::env::temp_dir().join(format!("vquad-cli-crit-{}", std::process::id()));
    // Exact Amdahl timings with alpha = 0.2 and T1 = 1 s (in ns per iteration).
    for (p, t) in [(1usize, 1.0e9), (2, 0.6e9)] {
        let d = dir.join(p.to_string()).join("new");
        std::fs::create_dir_all(&d).unwrap();
        let sample = serde_json::json!({"iters": [1.0, 2.0, 3.0], "times": [t, 2.0 * t, 3.0 * t]});
        std::fs::write(d.join("sample.json"), sample.to_string()).unwrap();
    }
    let out = vquad(&["fit-criterion", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("alpha = 0.2000"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
    let out = vquad(&["fit-criterion", "/nonexistent-vquad-dir"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Runs `vquad integrate ARGS` and returns its value, with `--json` (at
/// the end, and first) and without (the report's `value =` line): all
/// three must succeed and agree.
fn integrate_value(args: &[&str]) -> f64 {
    let mut cmd = vec!["integrate"];
    cmd.extend_from_slice(args);
    let out = vquad(&cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("value       = "))
        .unwrap_or_else(|| panic!("{cmd:?}: no value line in\n{stdout}"))
        .trim()
        .parse()
        .unwrap();
    let mut last = cmd.clone();
    last.push("--json");
    let mut first = vec!["integrate", "--json"];
    first.extend_from_slice(args);
    for form in [last, first] {
        let out = vquad(&form);
        assert!(
            out.status.success(),
            "{form:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        assert_eq!(v["status"], "ok", "{form:?}: {v}");
        assert_eq!(json_value_bits(&out), report.to_bits(), "{form:?}: {v}");
    }
    report
}

/// The bits of the `"value"` field, parsed from the text by Rust's
/// correctly rounded parser (serde_json's default float parsing may be
/// one ulp off).
fn json_value_bits(out: &Output) -> u64 {
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find("\"value\":").expect("a value field") + "\"value\":".len();
    let end = start + text[start..].find([',', '}']).unwrap();
    text[start..end].parse::<f64>().unwrap().to_bits()
}

#[test]
fn an_expression_starting_with_minus_is_the_integrand_not_a_flag() {
    let v = integrate_value(&["-x^2", "0", "1"]);
    assert!((v + 1.0 / 3.0).abs() < 1e-14, "{v}");
    let v = integrate_value(&["-1", "0", "1"]);
    assert!((v + 1.0).abs() < 1e-14, "{v}");
    let v = integrate_value(&["-exp(-x)", "0", "1"]);
    assert!((v + 1.0 - (-1.0f64).exp()).abs() < 1e-14, "{v}");
}

#[test]
fn bounds_starting_with_minus_are_bounds_not_flags() {
    let v = integrate_value(&["exp(x)", "-inf", "-1"]);
    assert!((v - (-1.0f64).exp()).abs() < 1e-12, "{v}");
    let v = integrate_value(&["-x^2", "-1", "-0.5"]);
    assert!((v + 7.0 / 24.0).abs() < 1e-14, "{v}");
    let v = integrate_value(&["x", "-pi", "-pi/2"]);
    let pi = std::f64::consts::PI;
    assert!((v - (pi * pi / 8.0 - pi * pi / 2.0)).abs() < 1e-12, "{v}");
}

#[test]
fn real_flags_still_parse_around_a_leading_minus_expression() {
    // Flags before, between and after the positionals: -n, --rule, -t.
    for args in [
        &["-n", "10", "--rule", "midpoint", "-x^2", "0", "1"][..],
        &["-x^2", "0", "1", "-n", "10", "--rule", "midpoint"],
        &[
            "--rule", "midpoint", "-x^2", "0", "1", "-n", "1e1", "-t", "1",
        ],
    ] {
        let mut cmd = vec!["integrate", "--json"];
        cmd.extend_from_slice(args);
        let out = vquad(&cmd);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        assert_eq!(v["rule"], "midpoint", "{args:?}");
        assert_eq!(v["evals"], 10, "{args:?}");
        // Midpoint on 10 panels of x^2 over [0, 1]: 1/3 - 1/1200.
        let want = -(1.0 / 3.0 - 1.0 / 1200.0);
        assert!((v["value"].as_f64().unwrap() - want).abs() < 1e-15, "{v}");
    }
    // `--` still ends the flags, and a typo in a flag is still an error.
    let out = vquad(&["integrate", "--json", "--", "-x", "0", "1"]);
    assert!(out.status.success());
    assert!((json(&out)["value"].as_f64().unwrap() + 0.5).abs() < 1e-15);
    let out = vquad(&["integrate", "x", "0", "1", "--rul", "midpoint"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Whether process `pid` has installed a handler for SIGINT (Linux: the
/// `SigCgt` mask of /proc/PID/status).
#[cfg(target_os = "linux")]
fn catches_sigint(pid: u32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << (libc::SIGINT - 1)) != 0)
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_cancels_with_status_130_a_message_and_no_json() {
    use std::process::Stdio;
    // 10^12 panels: hours of work, so only the cancel can end it soon.
    let mut child = Command::new(env!("CARGO_BIN_EXE_vquad"))
        .args([
            "integrate",
            "sin(x)^2",
            "0",
            "1",
            "--rule",
            "midpoint",
            "-n",
            "1e12",
            "--json",
        ])
        .env("VQUAD_NUM_THREADS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vquad runs");
    let pid = child.id();
    // Send SIGINT only once the handler is installed (before that, SIGINT
    // would end the process by its default action), then again until the
    // process exits: no timing is assumed.
    while !catches_sigint(pid) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    while child.try_wait().unwrap().is_none() {
        // SAFETY: `pid` is our child, not yet reaped (try_wait said so).
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGINT) };
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{}: {stderr}", out.status);
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}
