//! `Context::set_progress`: what a call reports, through the Rust API.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use vquad::{Context, Options, Rule};

/// Installs a recording callback; returns the log of fractions.
fn record(ctx: &Context) -> Arc<Mutex<Vec<f64>>> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let inside = Arc::new(AtomicUsize::new(0));
    let l = Arc::clone(&log);
    ctx.set_progress(Some(Box::new(move |f| {
        assert_eq!(
            inside.fetch_add(1, Ordering::SeqCst),
            0,
            "two threads report at once"
        );
        l.lock().unwrap().push(f);
        inside.fetch_sub(1, Ordering::SeqCst);
    })));
    log
}

fn check(log: &[f64], elapsed_ms: f64) {
    assert!(!log.is_empty(), "progress was never reported");
    assert!(log.iter().all(|f| (0.0..=1.0).contains(f)), "{log:?}");
    assert!(log.windows(2).all(|w| w[0] <= w[1]), "decreasing: {log:?}");
    assert_eq!(*log.last().unwrap(), 1.0);
    // One report per 100 ms at most, plus the final 1.0.
    assert!(
        log.len() <= 2 + (elapsed_ms / 100.0) as usize,
        "{} reports in {elapsed_ms} ms",
        log.len()
    );
}

/// A callback integrand with some work in it, so runs are long-ish.
fn slow(x: f64) -> f64 {
    (0..20).fold(x, |s, _| s.sin() + x)
}

#[test]
fn fixed_rule_progress_is_monotone_throttled_and_ends_at_one() {
    for threads in [1, 3] {
        let ctx = Context::new(threads).unwrap();
        let log = record(&ctx);
        let t0 = Instant::now();
        ctx.integrate(&slow, 0.0, 1.0, &Options::fixed(Rule::Simpson, 2_000_000))
            .unwrap();
        check(&log.lock().unwrap(), t0.elapsed().as_secs_f64() * 1e3);
    }
}

#[test]
fn adaptive_progress_is_monotone_and_ends_at_one() {
    let ctx = Context::new(2).unwrap();
    let log = record(&ctx);
    let t0 = Instant::now();
    let f = |x: f64| x.sqrt().ln();
    ctx.integrate(
        &f,
        0.0,
        1.0,
        &Options::adaptive(Rule::GaussKronrod, 0.0, 1e-12),
    )
    .unwrap();
    check(&log.lock().unwrap(), t0.elapsed().as_secs_f64() * 1e3);
}

#[test]
fn a_failed_call_does_not_report_completion() {
    let ctx = Context::new(2).unwrap();
    let log = record(&ctx);
    let f = |x: f64| if x > 0.5 { f64::NAN } else { x };
    assert!(ctx
        .integrate(&f, 0.0, 1.0, &Options::fixed(Rule::Midpoint, 100_000))
        .is_err());
    assert!(!log.lock().unwrap().contains(&1.0));
}

#[test]
fn removing_the_callback_stops_reports_and_does_not_change_bits() {
    let ctx = Context::new(2).unwrap();
    let opts = Options::fixed(Rule::GaussLegendre, 300_000);
    let plain = ctx.integrate(&slow, 0.0, 2.0, &opts).unwrap();
    let log = record(&ctx);
    let watched = ctx.integrate(&slow, 0.0, 2.0, &opts).unwrap();
    assert_eq!(plain.value.to_bits(), watched.value.to_bits());
    let n = log.lock().unwrap().len();
    ctx.set_progress(None);
    ctx.integrate(&slow, 0.0, 2.0, &opts).unwrap();
    assert_eq!(log.lock().unwrap().len(), n);
}

#[test]
fn call_stats_count_every_evaluation_and_job() {
    for threads in [1, 2, 3] {
        let ctx = Context::new(threads).unwrap();
        let opts = Options::fixed(Rule::Simpson, 1_000_000);
        let (r, stats) = ctx.integrate_with_stats(&slow, 0.0, 1.0, &opts);
        let r = r.unwrap();
        assert_eq!(stats.per_thread.len(), threads);
        assert_eq!(
            stats.per_thread.iter().map(|t| t.evals).sum::<u64>(),
            r.evals
        );
        assert!(stats.per_thread.iter().map(|t| t.jobs).sum::<u64>() > 0);
        assert!(stats.load_imbalance() >= 1.0 && stats.load_imbalance() <= threads as f64);
        assert!(stats.parallel_ns <= stats.wall_ns);
        assert_eq!(stats.serial_ns(), stats.wall_ns - stats.parallel_ns);
    }
}
