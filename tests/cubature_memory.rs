//! Memory of a long adaptive cubature run: the region store is bounded by
//! the evaluation budget, and the process's peak RSS shows it (its own test
//! binary: one process, one test, so the high-water mark is this run's).

use vquad::cubature::genz_malik::GenzMalik;
use vquad::cubature::regions::peak_bytes;
use vquad::integrand::nd::NdExpr;
use vquad::{Context, Error, Options, Rule};

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
