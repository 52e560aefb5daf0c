//! `vquad integrate --rule monte-carlo|qmc|vegas`: JSON fields, seeds and
//! thread-count independence from the command line.

use std::process::{Command, Output};

fn vquad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vquad"))
        .args(args)
        .output()
        .expect("vquad runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON document")
}

#[test]
fn vegas_json_carries_standard_errors_iterations_and_chi2() {
    let out = vquad(&[
        "integrate",
        "exp(-(x1^2+x2^2+x3^2))",
        "--box",
        "-inf:inf,0:1,0:1",
        "--rule",
        "vegas",
        "--epsrel",
        "1e-3",
        "--json",
    ]);
    let v = json(&out);
    assert_eq!(v["rule"], "vegas");
    assert!(v["standard_errors"][0].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["iterations"].as_u64().unwrap() >= 2, "{v}");
    assert!(v["chi2_dof"].as_f64().is_some(), "{v}");
    // ∫ exp(-x²) over R times (∫_0^1 exp(-y²))²: within 5 standard errors.
    let exact = std::f64::consts::PI.sqrt() * 0.746_824_132_812_427_f64.powi(2);
    let (val, se) = (
        v["values"][0].as_f64().unwrap(),
        v["standard_errors"][0].as_f64().unwrap(),
    );
    assert!((val - exact).abs() < 5.0 * se, "{v}");
}

#[test]
fn seeds_and_replicates_change_the_estimate_but_threads_do_not() {
    let run = |extra: &[&str]| {
        let mut a = vec![
            "integrate",
            "exp(-x^2)",
            "-inf",
            "inf",
            "--rule",
            "qmc",
            "-n",
            "4096",
            "--json",
        ];
        a.extend_from_slice(extra);
        json(&vquad(&a))
    };
    let base = run(&["--seed", "3", "--threads", "1"]);
    assert_eq!(
        base["values"],
        run(&["--seed", "3", "--threads", "3"])["values"]
    );
    assert_ne!(
        base["values"],
        run(&["--seed", "4", "--threads", "1"])["values"]
    );
    let r = run(&["--seed", "3", "--replicates", "16"]);
    assert_eq!(r["replicates"], 16);
    assert_eq!(r["evals"], 16 * 4096);
    let mc = json(&vquad(&[
        "integrate",
        "x1*x2",
        "--box",
        "0:1,0:1",
        "--rule",
        "monte-carlo",
        "-n",
        "1e5",
        "--json",
    ]));
    assert_eq!(mc["evals"], 100_000);
    assert!(
        (mc["values"][0].as_f64().unwrap() - 0.25).abs()
            < 5.0 * mc["standard_errors"][0].as_f64().unwrap()
    );
}
