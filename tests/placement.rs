//! Worker placement (`Binding`): where the workers run, and that placement
//! never changes a result.

use vquad::affinity::allowed_cpus;
use vquad::{Binding, Context, Options, Poly, Rule};

/// Expensive enough that adaptive steps run across the pool.
fn wavy(x: f64) -> f64 {
    (1..=40)
        .map(|k| (f64::from(k) * x).cos() / f64::from(k * k))
        .sum()
}

#[cfg(target_os = "linux")]
#[test]
fn cores_binding_runs_each_worker_on_its_planned_cpu() {
    let allowed = allowed_cpus();
    assert!(
        !allowed.is_empty(),
        "the affinity mask is readable on Linux"
    );
    for threads in [2, 3, allowed.len() + 1] {
        let ctx = Context::with_binding(threads, Binding::Cores).unwrap();
        let bound = ctx.bound_cpus().to_vec();
        let planned = Binding::Cores.plan(threads, &allowed).unwrap();
        assert_eq!(bound, planned, "{threads} threads");
        // Every worker reports the CPU it runs on, from inside the pool.
        let seen = ctx.install(|| {
            rayon::broadcast(|b| {
                // SAFETY: sched_getcpu has no preconditions.
                (b.index(), unsafe { libc::sched_getcpu() })
            })
        });
        for (index, cpu) in seen {
            assert_eq!(cpu as usize, bound[index], "worker {index} of {threads}");
        }
    }
}

#[test]
fn auto_binds_exactly_when_the_pool_fills_the_allowed_cpus() {
    let allowed = allowed_cpus();
    if allowed.len() < 2 {
        eprintln!("fewer than two allowed CPUs: nothing to bind; skipped");
        return;
    }
    let full = Context::with_binding(allowed.len(), Binding::Auto).unwrap();
    assert_eq!(full.bound_cpus(), &allowed[..]);
    let over = Context::with_binding(allowed.len() + 1, Binding::Auto).unwrap();
    assert!(over.bound_cpus().is_empty());
}

#[test]
fn off_and_single_thread_contexts_are_never_bound() {
    assert!(Context::with_binding(2, Binding::Off)
        .unwrap()
        .bound_cpus()
        .is_empty());
    assert!(Context::with_binding(1, Binding::Cores)
        .unwrap()
        .bound_cpus()
        .is_empty());
}

#[test]
fn placement_never_changes_a_result() {
    let poly = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
    let fixed = Options::fixed(Rule::Midpoint, 3_000_000);
    let runs = |ctx: &Context| {
        let a = ctx.integrate(&poly, 0.0, 5.0, &fixed).unwrap();
        let b = ctx
            .integrate(
                &wavy,
                0.0,
                10.0,
                &Options::adaptive(Rule::GaussKronrod, 0.0, 1e-12),
            )
            .unwrap();
        let c = ctx
            .integrate(&wavy, 0.0, 10.0, &Options::adaptive(Rule::Auto, 0.0, 1e-12))
            .unwrap();
        let d = ctx
            .integrate(
                &wavy,
                0.0,
                10.0,
                &Options::adaptive(Rule::TanhSinh, 0.0, 1e-12),
            )
            .unwrap();
        [a, b, c, d].map(|r| (r.value.to_bits(), r.abs_error.map(f64::to_bits), r.evals))
    };
    let reference = runs(&Context::with_binding(1, Binding::Off).unwrap());
    for threads in [2, 3] {
        for binding in [
            Binding::Auto,
            Binding::Off,
            Binding::Cores,
            Binding::Close,
            Binding::Spread,
        ] {
            let ctx = Context::with_binding(threads, binding).unwrap();
            assert_eq!(runs(&ctx), reference, "{threads} threads, {binding}");
        }
    }
}
