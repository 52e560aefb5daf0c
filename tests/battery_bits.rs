//! The exact bits of every battery case (tests/common/battery.rs) with the
//! adaptive rules, pinned in `tests/data/battery_bits.txt`: value, error
//! estimate, evaluations and subintervals, for 1, 2, 3 and 8 threads and two
//! tolerances. Speed work on the small-call path (issue 15) must leave every
//! one of them unchanged.
//!
//! The integrands are the cases' scalar Rust closures, whose values depend
//! only on the system math library, not on the SIMD width of the build.
//! Regenerate (only when a change of the results is intended) with
//! `VQUAD_BLESS_BATTERY_BITS=1 cargo test --test battery_bits`.

mod common;

use common::battery::cases;
use vquad::{Context, Error, Options, Rule};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/battery_bits.txt");

/// One line per case, rule, tolerance and thread count.
fn lines() -> Vec<String> {
    let mut out = Vec::new();
    for threads in [1, 2, 3, 8] {
        let ctx = Context::new(threads).unwrap();
        for rule in [Rule::GaussKronrod, Rule::Auto, Rule::TanhSinh] {
            for epsrel in [1e-10, 1e-4] {
                let opts = Options::adaptive(rule, 0.0, epsrel);
                for case in cases() {
                    let r = match ctx.integrate(&case.f, case.a, case.b, &opts) {
                        Ok(r) => r,
                        Err(Error::MaxEvals { partial, .. }) => partial,
                        Err(e) => panic!("{}: {e}", case.name),
                    };
                    out.push(format!(
                        "{} {rule} {epsrel:e} {threads} {:016x} {:016x} {} {}",
                        case.name,
                        r.value.to_bits(),
                        r.abs_error.unwrap_or(f64::NAN).to_bits(),
                        r.evals,
                        r.subintervals
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn battery_results_keep_their_pinned_bits_for_every_thread_count() {
    let now = lines();
    if std::env::var_os("VQUAD_BLESS_BATTERY_BITS").is_some() {
        std::fs::write(FILE, now.join("\n") + "\n").unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(FILE).unwrap();
    let pinned: Vec<&str> = pinned.lines().collect();
    assert_eq!(pinned.len(), now.len(), "case list changed: re-bless");
    let diffs: Vec<String> = pinned
        .iter()
        .zip(&now)
        .filter(|(p, n)| *p != n)
        .map(|(p, n)| format!("pinned {p}\n   now {n}"))
        .collect();
    assert!(
        diffs.is_empty(),
        "{} changed:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
