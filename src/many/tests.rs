use super::*;
use crate::error::EvalError;
use crate::integrand::param::{ParamExpr, ParamFn, ParamIntegrand};
use crate::options::Rule;

fn bits(r: &Result<Integral>) -> String {
    match r {
        Ok(i) => format!(
            "ok {:x} {:x} {} {}",
            i.value.to_bits(),
            i.abs_error.unwrap_or(f64::NAN).to_bits(),
            i.evals,
            i.subintervals
        ),
        Err(Error::MaxEvals { partial, .. }) => {
            format!("max {:x} {}", partial.value.to_bits(), partial.evals)
        }
        Err(e) => format!("err {}", e.status().name()),
    }
}

fn table(m: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let p: Vec<f64> = (0..m)
        .map(|k| 0.1 + 99.9 * k as f64 / m.max(2) as f64)
        .collect();
    (vec![0.0; m], vec![1.0; m], p)
}

#[test]
fn every_row_has_the_bits_of_its_own_call_for_every_rule_and_thread_count() {
    let f = ParamFn::new(1, |x: f64, p: &[f64]| {
        (-p[0] * x * x).exp() + (p[0] * x).sin()
    });
    let m = 37;
    let (mut a, mut b, p) = table(m);
    a[3] = f64::NEG_INFINITY;
    b[5] = f64::INFINITY;
    b[7] = -2.0;
    for rule in [
        Rule::GaussKronrod,
        Rule::TanhSinh,
        Rule::Auto,
        Rule::Simpson,
    ] {
        let opts = if rule.is_fixed() {
            Options::fixed(rule, 100)
        } else {
            Options::adaptive(rule, 0.0, 1e-10)
        };
        let alone: Vec<String> = (0..m)
            .map(|k| {
                let g = |x: f64| (-p[k] * x * x).exp() + (p[k] * x).sin();
                bits(&Context::new(1).unwrap().integrate(&g, a[k], b[k], &opts))
            })
            .collect();
        for threads in [1, 2, 3, 8] {
            let ctx = Context::new(threads).unwrap();
            let rows = ctx.integrate_many(&f, &a, &b, &p, &opts).unwrap();
            let got: Vec<String> = rows.iter().map(bits).collect();
            assert_eq!(got, alone, "{rule} on {threads} threads");
        }
    }
}

#[test]
fn a_bad_row_fails_alone() {
    let f = ParamFn::new(
        1,
        |x: f64, p: &[f64]| if p[0] < 0.0 { f64::NAN } else { p[0] * x },
    );
    let a = [0.0, f64::NAN, 0.0, 0.0];
    let b = [1.0, 1.0, 1.0, 1.0];
    let p = [1.0, 2.0, -1.0, 3.0];
    let ctx = Context::new(2).unwrap();
    let rows = ctx
        .integrate_many(
            &f,
            &a,
            &b,
            &p,
            &Options::adaptive(Rule::GaussKronrod, 0.0, 1e-10),
        )
        .unwrap();
    assert!((rows[0].as_ref().unwrap().value - 0.5).abs() < 1e-15);
    assert!(matches!(rows[1], Err(Error::InvalidArg(_))));
    assert!(matches!(rows[2], Err(Error::Eval(_))));
    assert!((rows[3].as_ref().unwrap().value - 1.5).abs() < 1e-15);
}

#[test]
fn call_errors_are_refused_before_any_row_and_an_empty_table_is_empty() {
    let f = ParamExpr::parse("p*x", &["p"]).unwrap();
    let ctx = Context::new(1).unwrap();
    let o = Options::default();
    assert!(ctx
        .integrate_many(&f, &[0.0], &[1.0, 2.0], &[1.0], &o)
        .is_err());
    assert!(ctx.integrate_many(&f, &[0.0], &[1.0], &[], &o).is_err());
    let bad = Options::adaptive(Rule::GaussKronrod, -1.0, 0.0);
    assert!(ctx
        .integrate_many(&f, &[0.0], &[1.0], &[1.0], &bad)
        .is_err());
    assert!(ctx
        .integrate_many(&f, &[], &[], &[], &o)
        .unwrap()
        .is_empty());
}

#[test]
fn gaussian_table_matches_the_error_function_closed_form() {
    // F(p) = sqrt(pi) erf(sqrt(p)) / (2 sqrt(p)); erf from its own integral.
    let m = 10_000;
    let (a, b, p) = table(m);
    let f = ParamExpr::parse("exp(-p*x^2)", &["p"]).unwrap();
    let ctx = Context::new(2).unwrap();
    let opts = Options::adaptive(Rule::GaussKronrod, 0.0, 1e-10);
    let rows = ctx.integrate_many(&f, &a, &b, &p, &opts).unwrap();
    for (k, r) in rows.iter().enumerate() {
        let v = r.as_ref().unwrap().value;
        let exact = closed_form(p[k]);
        assert!(
            (v - exact).abs() <= 1e-10 * exact,
            "p = {}: {v} vs {exact}",
            p[k]
        );
    }
}

/// √π·erf(√p)/(2√p), with erf from its Maclaurin series (small p) or its
/// continued fraction for erfc (large p), both to full double precision.
fn closed_form(p: f64) -> f64 {
    let z = p.sqrt();
    let erf = if z < 3.0 {
        // erf z = 2/√π Σ (-1)^n z^(2n+1) / (n! (2n+1))
        let (mut term, mut sum, mut n) = (z, z, 0.0f64);
        loop {
            n += 1.0;
            term *= -z * z / n;
            let add = term / (2.0 * n + 1.0);
            sum += add;
            if add.abs() < 1e-18 * sum.abs() {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        // erfc z = e^(-z²)/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + ...))))
        let mut cf = z;
        for k in (1..200).rev() {
            cf = z + (k as f64 / 2.0) / cf;
        }
        1.0 - (-z * z).exp() / (std::f64::consts::PI.sqrt() * cf)
    };
    std::f64::consts::PI.sqrt() * erf / (2.0 * z)
}

/// `exp(-p x²)` that fails (callback code 7) for rows with `p < 0` at any
/// point below 0.002: no node of the first G10K21 application on [0, 1]
/// lies there (the lowest is ≈ 0.0022), the first bisection's do.
struct FailsLater;

impl ParamIntegrand for FailsLater {
    fn nparams(&self) -> usize {
        1
    }

    fn eval_row(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        if p[0] < 0.0 && xs.iter().any(|&x| x < 0.002) {
            return Err(EvalError::Callback { code: 7 });
        }
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = (-p[0].abs() * x * x).exp();
        }
        Ok(())
    }
}

#[test]
fn a_row_failing_inside_a_shared_step_fails_alone_and_the_others_keep_their_bits() {
    let m = 40;
    let (a, b, mut p) = table(m);
    p[5] = -60.0;
    p[21] = -0.5; // converges at the first application: never fails
    let opts = Options::adaptive(Rule::GaussKronrod, 0.0, 1e-10);
    let alone: Vec<String> = (0..m)
        .map(|k| {
            let row = crate::integrand::param::Row::new(&FailsLater, &p[k..=k]);
            bits(&Context::new(1).unwrap().integrate(&row, a[k], b[k], &opts))
        })
        .collect();
    assert_eq!(alone[5], "err VQ_ERR_CALLBACK");
    assert!(alone[21].starts_with("ok"), "{}", alone[21]);
    for threads in [1, 2, 3] {
        let ctx = Context::new(threads).unwrap();
        let rows = ctx.integrate_many(&FailsLater, &a, &b, &p, &opts).unwrap();
        let got: Vec<String> = rows.iter().map(bits).collect();
        assert_eq!(got, alone, "{threads} threads");
    }
}

#[test]
fn expression_rows_stepped_together_have_the_bits_of_their_own_calls() {
    // 100 rows: several groups of shared calls, most rows bisected, some
    // reversed or empty, one with a NaN bound, plain and parametric.
    let m = 100;
    let (a, mut b, p) = table(m);
    b[3] = -1.0;
    b[4] = 0.0;
    b[50] = f64::NAN;
    let f = ParamExpr::parse("exp(-p*x^2)*cos(3*x)", &["p"]).unwrap();
    let plain = crate::Expr::parse("1/(1+100*x^2)").unwrap();
    for rule in [Rule::GaussKronrod, Rule::Auto] {
        for epsrel in [1e-10, 1e-4] {
            let opts = Options::adaptive(rule, 0.0, epsrel);
            let one = Context::new(1).unwrap();
            let alone: Vec<String> = (0..m)
                .map(|k| {
                    let row = crate::integrand::param::Row::new(&f, &p[k..=k]);
                    bits(&one.integrate(&row, a[k], b[k], &opts))
                })
                .collect();
            let plain_alone: Vec<String> = (0..m)
                .map(|k| bits(&one.integrate(&plain, a[k], b[k], &opts)))
                .collect();
            for threads in [1, 2, 8] {
                let ctx = Context::new(threads).unwrap();
                let rows = ctx.integrate_many(&f, &a, &b, &p, &opts).unwrap();
                let got: Vec<String> = rows.iter().map(bits).collect();
                assert_eq!(got, alone, "{rule} {epsrel} on {threads} threads");
                let rows = ctx.integrate_many_plain(&plain, &a, &b, &opts).unwrap();
                let got: Vec<String> = rows.iter().map(bits).collect();
                assert_eq!(
                    got, plain_alone,
                    "plain {rule} {epsrel} on {threads} threads"
                );
            }
        }
    }
}
