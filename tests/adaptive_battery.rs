//! The battery of integrals with closed forms (tests/common/battery.rs) at
//! `epsrel = 1e-10`: every case solved to 1e-9 relative error with an honest
//! error estimate, and no more than 1.5× QUADPACK's evaluations in total.
//! Run with `--nocapture` for the per-case table.

mod common;

use common::battery::{cases, Case};
use vquad::{Context, Options, Rule};

struct Row {
    case: Case,
    value: f64,
    abs_error: f64,
    evals: u64,
    subintervals: u64,
}

fn run(rule: Rule, ctx: &Context) -> Vec<Row> {
    let opts = Options::adaptive(rule, 0.0, 1e-10);
    cases()
        .into_iter()
        .map(|case| {
            let r = ctx
                .integrate(&case.f, case.a, case.b, &opts)
                .unwrap_or_else(|e| panic!("{}: {e}", case.name));
            Row {
                case,
                value: r.value,
                abs_error: r.abs_error.expect("adaptive rules always estimate"),
                evals: r.evals,
                subintervals: r.subintervals,
            }
        })
        .collect()
}

fn check(rule: Rule) {
    let ctx = Context::new(2).unwrap();
    let rows = run(rule, &ctx);
    println!(
        "{:<26} {:<17} {:>6} {:>6} {:>5} {:>9} {:>9} {:>9}",
        "case", "family", "evals", "QP", "ivals", "rel.err", "est.err", "true.err"
    );
    let mut failures = Vec::new();
    for r in &rows {
        let c = &r.case;
        let true_err = (r.value - c.exact).abs();
        let rel = true_err / c.exact.abs();
        println!(
            "{:<26} {:<17} {:>6} {:>6} {:>5} {:>9.1e} {:>9.1e} {:>9.1e}",
            c.name,
            format!("{:?}", c.family),
            r.evals,
            c.quadpack_evals,
            r.subintervals,
            rel,
            r.abs_error,
            true_err
        );
        if rel > 1e-9 {
            failures.push(format!("{}: relative error {rel:e}", c.name));
        }
        if true_err > r.abs_error {
            failures.push(format!(
                "{}: estimate {:e} < true error {true_err:e}",
                c.name, r.abs_error
            ));
        }
    }
    let total: u64 = rows.iter().map(|r| r.evals).sum();
    let quadpack: u64 = rows.iter().map(|r| r.case.quadpack_evals).sum();
    println!(
        "{rule}: {} cases, {total} evaluations, QUADPACK {quadpack} ({:.3}x)",
        rows.len(),
        total as f64 / quadpack as f64
    );
    assert!(rows.len() >= 25);
    assert!(failures.is_empty(), "{rule}:\n{}", failures.join("\n"));
    assert!(
        total as f64 <= 1.5 * quadpack as f64,
        "{rule}: {total} evaluations, more than 1.5 x QUADPACK's {quadpack}"
    );
}

#[test]
fn battery_gauss_kronrod_meets_accuracy_honesty_and_evaluation_budget() {
    check(Rule::GaussKronrod);
}

#[test]
fn battery_auto_meets_accuracy_honesty_and_evaluation_budget() {
    check(Rule::Auto);
}
