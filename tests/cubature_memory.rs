//! Memory of a long adaptive cubature run: the region store is bounded by
//! the evaluation budget, and the process's peak RSS shows it (the 8-D run
//! in this process; the 3-D run, where regions are smallest and most
//! numerous per evaluation, in a child process of its own).

use vquad::cubature::genz_malik::GenzMalik;
use vquad::cubature::regions::peak_bytes;
use vquad::integrand::nd::NdExpr;
use vquad::{Context, Error, NdFn, Options, Rule};

#[path = "common/rss.rs"]
mod rss;
use rss::peak_rss_kib;

#[test]
fn a_1e8_evaluation_8d_run_stays_under_its_stated_memory_bound() {
    let Some(before) = peak_rss_kib() else {
        eprintln!("no /proc/self/status: skipping the RSS check on this OS");
        return;
    };
    const EVALS: u64 = 100_000_000;
    const D: usize = 8;
    // A kinked integrand the rule cannot resolve to 1e-13: the run spends
    // its whole budget refining, so the region store reaches its largest.
    let f = NdExpr::parse(
        "exp(-(abs(x1-0.3)+abs(x2-0.6)+abs(x3-0.4)+abs(x4-0.7)+abs(x5-0.2)+abs(x6-0.5)+abs(x7-0.8)+abs(x8-0.1)))",
        D,
    )
    .unwrap();
    let ctx = Context::new(2).unwrap();
    let opts = Options {
        max_evals: EVALS,
        ..Options::adaptive(Rule::GenzMalik, 0.0, 1e-13)
    };
    let (lo, hi) = (vec![0.0; D], vec![1.0; D]);
    let evals = match ctx.integrate_nd(&f, &lo, &hi, &opts) {
        Err(Error::MaxEvals { partial, .. }) => partial.evals,
        other => panic!("expected the budget to run out, got {other:?}"),
    };
    assert!(evals > EVALS / 2 && evals <= EVALS, "{evals} evaluations");
    let store = peak_bytes(EVALS, D, 1, GenzMalik::new(D).points());
    // The stated bound (README, "Memory"): the region store's bound, twice
    // over for the growth of its vectors, plus 32 MiB for evaluation
    // batches, thread stacks and the allocator.
    let bound_kib = 2 * store / 1024 + 32 * 1024;
    let after = peak_rss_kib().unwrap();
    assert!(
        after.saturating_sub(before) <= bound_kib,
        "peak RSS grew by {} KiB (from {before} KiB); bound {bound_kib} KiB (store ≤ {} KiB)",
        after - before,
        store / 1024
    );
    eprintln!(
        "peak RSS grew by {} KiB over {evals} evaluations; bound {bound_kib} KiB",
        after.saturating_sub(before)
    );
}

const CHILD: &str = "VQUAD_MEMORY_CHILD";
const CHILD_TEST: &str = "a_1e8_evaluation_3d_run_in_a_child_process_stays_under_its_stated_bound";

/// The 3-D run itself: a kink that never meets epsrel 1e-15, so the whole
/// budget is spent; prints the peak RSS before and after, in KiB.
fn child_run() {
    const EVALS: u64 = 100_000_000;
    let before = peak_rss_kib().expect("/proc/self/status");
    let f = NdFn::new(3, 1, |x: &[f64], fx: &mut [f64]| {
        fx[0] = (x[0] + x[1] - x[2]).abs()
    });
    let o = Options {
        max_evals: EVALS,
        ..Options::adaptive(Rule::GenzMalik, 0.0, 1e-15)
    };
    let evals = match Context::new(2)
        .unwrap()
        .integrate_nd(&f, &[0.0; 3], &[1.0; 3], &o)
    {
        Err(Error::MaxEvals { partial, .. }) => partial.evals,
        other => panic!("expected the budget to run out, got {other:?}"),
    };
    println!(
        "MEMORY before={before} peak={} evals={evals}",
        peak_rss_kib().unwrap()
    );
}

#[test]
fn a_1e8_evaluation_3d_run_in_a_child_process_stays_under_its_stated_bound() {
    if std::env::var_os(CHILD).is_some() {
        child_run();
        return;
    }
    if peak_rss_kib().is_none() {
        eprintln!("no /proc/self/status: skipping the RSS check on this OS");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", CHILD_TEST, "--nocapture", "--test-threads=1"])
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
    assert!(evals > 100_000_000 - 100, "{evals}");
    // The same stated bound as above: twice the store, plus 32 MiB.
    let store = peak_bytes(100_000_000, 3, 1, GenzMalik::new(3).points());
    let bound_kib = 2 * store / 1024 + 32 * 1024;
    let used = peak.saturating_sub(before);
    eprintln!(
        "3-D, {evals} evaluations: peak RSS grew by {} MiB; bound {} MiB (store {} MiB)",
        used >> 10,
        bound_kib >> 10,
        store >> 20
    );
    assert!(used <= bound_kib, "used {used} KiB > bound {bound_kib} KiB");
}
