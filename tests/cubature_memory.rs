//! The memory of a real 10^8-evaluation adaptive run, measured as the peak
//! resident set (VmHWM) of a child process, stays under the bound the
//! region store documents.

use std::process::Command;

use vquad::cubature::regions::peak_bytes;
use vquad::{Context, Error, NdFn, Options, Rule};

const EVALS: u64 = 100_000_000;
const CHILD: &str = "VQUAD_MEMORY_CHILD";

/// A field of /proc/self/status in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} missing"));
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB");
    kib * 1024
}

/// The run itself: 3-D, a kink that never meets epsrel 1e-15, so the whole
/// budget is spent; prints the resident set before and the peak after.
fn child() {
    let before = status_bytes("VmRSS:");
    let f = NdFn::new(3, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = (x[0] + x[1] - x[2]).abs()
    });
    let o = Options {
        max_evals: EVALS,
        ..Options::adaptive(Rule::GenzMalik, 0.0, 1e-15)
    };
    let ctx = Context::new(2).expect("context");
    let evals = match ctx.integrate_nd(&f, &[0.0; 3], &[1.0; 3], &o) {
        Err(Error::MaxEvals { partial, .. }) => partial.evals,
        other => panic!("expected the budget to run out, got {other:?}"),
    };
    println!(
        "MEMORY before={before} peak={} evals={evals}",
        status_bytes("VmHWM:")
    );
}

#[test]
fn a_run_of_ten_to_the_eight_evaluations_stays_under_its_stated_memory_bound() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new(exe)
        .args([
            "--exact",
            "a_run_of_ten_to_the_eight_evaluations_stays_under_its_stated_memory_bound",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .expect("child run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {text}");
    // libtest may print the test's name on the same line first.
    let line = text
        .lines()
        .find_map(|l| l.find("MEMORY ").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no MEMORY line in {text}"));
    let field = |name: &str| -> u64 {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {line}"))
    };
    let (before, peak, evals) = (field("before="), field("peak="), field("evals="));
    assert!(evals > EVALS - 100, "{evals}");
    // The stated bound: the store's documented peak, twice over (its
    // vectors grow by doubling), plus 16 MiB of per-step and per-task
    // buffers, above what the process held before the run.
    let store = peak_bytes(EVALS, 3, 1, 8 + 2 * 9 + 2 * 3 + 1);
    let bound = 2 * store + (16 << 20);
    let used = peak.saturating_sub(before);
    eprintln!(
        "10^8 evaluations, 3-D: peak RSS {} MiB above a start of {} MiB; bound {} MiB (store {} MiB)",
        used >> 20,
        before >> 20,
        bound >> 20,
        store >> 20
    );
    assert!(used <= bound, "used {used} bytes > bound {bound}");
}
