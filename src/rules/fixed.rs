//! Fixed rules on `n` equal panels: midpoint, trapezoid, Simpson and
//! Gauss–Legendre, each written as a weighted combination of strided streams.

use super::gauss_legendre;
use crate::context::Context;
use crate::error::{Error, EvalError, Result};
use crate::exec::strided::{run_streams, Stream};
use crate::integrand::{eval_checked, Integrand};
use crate::options::{Options, Rule, MAX_ORDER, MAX_PANELS};
use crate::result::Integral;

/// Number of integrand evaluations `rule` makes on `n` panels.
pub fn evals(rule: Rule, n: u64, order: u32) -> u64 {
    match rule {
        Rule::Midpoint => n,
        Rule::Trapezoid => n + 1,
        Rule::Simpson => 2 * n + 1,
        _ => n * u64::from(order),
    }
}

/// Checks the options of a fixed rule on `[a, b]`.
pub fn validate(rule: Rule, a: f64, b: f64, opts: &Options) -> Result<()> {
    if !a.is_finite() || !b.is_finite() {
        return Err(Error::invalid(format!(
            "fixed rule '{rule}' needs finite bounds, got a = {a}, b = {b} \
             (use gauss-kronrod or tanh-sinh for infinite ranges)"
        )));
    }
    if opts.n == 0 {
        return Err(Error::invalid(format!(
            "fixed rule '{rule}' needs n >= 1 panels"
        )));
    }
    if opts.n > MAX_PANELS {
        return Err(Error::invalid(format!(
            "n = {} exceeds 2^53 panels; past that, panel indices are not exact in a double",
            opts.n
        )));
    }
    if rule == Rule::GaussLegendre && opts.gl_order() > MAX_ORDER {
        return Err(Error::invalid(format!(
            "Gauss-Legendre order {} is out of range 1..={MAX_ORDER}",
            opts.order
        )));
    }
    if !(b - a).is_finite() {
        return Err(Error::invalid("the interval is too wide: b - a overflows"));
    }
    if a != b && (b - a) / opts.n as f64 == 0.0 {
        return Err(Error::invalid(
            "the panel width (b - a)/n underflows to zero",
        ));
    }
    let needed = evals(rule, opts.n, opts.gl_order());
    if opts.max_evals != 0 && needed > opts.max_evals {
        return Err(Error::invalid(format!(
            "rule '{rule}' on n = {} panels needs {needed} evaluations, over max_evals = {}",
            opts.n, opts.max_evals
        )));
    }
    Ok(())
}

/// Integrates `f` over `[a, b]` with `a < b` (validated) by a fixed rule.
pub fn integrate(
    ctx: &Context,
    f: &dyn Integrand,
    rule: Rule,
    a: f64,
    b: f64,
    opts: &Options,
) -> Result<Integral> {
    let n = opts.n;
    let h = (b - a) / n as f64;
    let order = opts.gl_order();
    let ends = |f: &dyn Integrand| -> Result<(f64, f64)> {
        let mut fx = [0.0; 2];
        eval_checked(f, &[a, b], &mut fx)?;
        Ok((fx[0], fx[1]))
    };
    let value = match rule {
        Rule::Midpoint => {
            let s = run_streams(
                ctx,
                f,
                a,
                b,
                n,
                &[Stream {
                    offset: 0.5,
                    count: n,
                }],
            )?;
            h * s.sums[0]
        }
        Rule::Trapezoid => {
            let (fa, fb) = ends(f)?;
            let s = run_streams(
                ctx,
                f,
                a,
                b,
                n,
                &[Stream {
                    offset: 1.0,
                    count: n - 1,
                }],
            )?;
            h * (0.5 * (fa + fb) + s.sums[0])
        }
        Rule::Simpson => {
            let (fa, fb) = ends(f)?;
            let streams = [
                Stream {
                    offset: 1.0,
                    count: n - 1,
                },
                Stream {
                    offset: 0.5,
                    count: n,
                },
            ];
            let s = run_streams(ctx, f, a, b, n, &streams)?;
            h / 6.0 * ((fa + fb) + 2.0 * s.sums[0] + 4.0 * s.sums[1])
        }
        Rule::GaussLegendre => {
            let gl = gauss_legendre::rule(order);
            let streams: Vec<Stream> = gl
                .nodes
                .iter()
                .map(|&xi| Stream {
                    offset: 0.5 * (1.0 + xi),
                    count: n,
                })
                .collect();
            let s = run_streams(ctx, f, a, b, n, &streams)?;
            let weighted: Vec<f64> = gl.weights.iter().zip(&s.sums).map(|(w, s)| w * s).collect();
            0.5 * h * crate::exec::reduce::pairwise(&weighted)
        }
        other => unreachable!("{other} is not a fixed rule"),
    };
    if !value.is_finite() {
        // Every value and block sum was finite, but the weighted total or
        // its product with the panel width overflowed: the result is not
        // representable, which is an error, never an `Ok(inf)`.
        return Err(EvalError::NonFinite { x: f64::NAN }.into());
    }
    Ok(Integral {
        value,
        abs_error: None,
        evals: evals(rule, n, order),
        threads: ctx.threads() as u32,
        seconds: 0.0,
        subintervals: n,
    })
}
