//! Quadrature rules and the dispatcher behind [`crate::Context::integrate`].

pub mod adaptive;
pub mod dd;
pub mod fixed;
pub mod gauss_kronrod;
pub mod gauss_legendre;
pub mod kronrod;
pub mod pieces;
pub mod points;
pub mod qags;
pub mod small;
pub mod tanh_sinh;
pub mod transform;
pub mod wynn;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::integrand::Integrand;
use crate::options::{Options, MAX_ORDER};
use crate::result::Integral;

/// Validates `opts`, orients the interval and runs the resolved rule.
pub fn integrate(
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
) -> Result<Integral> {
    let t0 = crate::clock::Stopwatch::start();
    let rule = opts.resolved_rule();
    check_common(a, b, opts)?;
    let mut result = if rule.is_fixed() {
        fixed::validate(rule, a, b, opts)?;
        if a == b {
            empty(ctx)
        } else if b < a {
            negate(fixed::integrate(ctx, f, rule, b, a, opts)?)
        } else {
            fixed::integrate(ctx, f, rule, a, b, opts)?
        }
    } else {
        adaptive::integrate(ctx, f, rule, a, b, opts)?
    };
    result.seconds = t0.seconds();
    Ok(result)
}

/// The checks every rule shares: bounds not NaN, `order` in range.
fn check_common(a: f64, b: f64, opts: &Options) -> Result<()> {
    if a.is_nan() || b.is_nan() {
        return Err(Error::invalid(format!(
            "bounds must not be NaN (a = {a}, b = {b})"
        )));
    }
    if opts.order > MAX_ORDER {
        return Err(Error::invalid(format!(
            "order {} is out of range 0..={MAX_ORDER}",
            opts.order
        )));
    }
    Ok(())
}

/// Validates `opts` exactly as [`integrate`] does and lays out the resolved
/// fixed rule on `[a, b]` as tasks: the entry point of
/// [`crate::exec::partition`].
///
/// # Errors
/// [`Error::InvalidArg`] for anything [`integrate`] rejects, and for
/// adaptive rules, which do not split into a fixed list of tasks.
pub fn fixed_plan(a: f64, b: f64, opts: &Options) -> Result<fixed::FixedPlan> {
    check_common(a, b, opts)?;
    fixed::FixedPlan::new(opts.resolved_rule(), a, b, opts)
}

fn empty(ctx: &Context) -> Integral {
    Integral {
        value: 0.0,
        abs_error: None,
        evals: 0,
        threads: ctx.threads() as u32,
        seconds: 0.0,
        subintervals: 0,
    }
}

fn negate(mut r: Integral) -> Integral {
    r.value = -r.value;
    r
}
