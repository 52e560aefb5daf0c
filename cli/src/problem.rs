//! A problem given on the command line: an expression and constant bounds.

use vquad::integrand::expr::eval_constant;
use vquad::{Expr, Integrand, Poly};

/// The integrand and bounds of one command.
pub struct Problem {
    /// The expression as typed (or the seed problem's).
    pub text: String,
    /// Lower bound.
    pub a: f64,
    /// Upper bound.
    pub b: f64,
    f: Box<dyn Integrand>,
}

impl Problem {
    /// Parses `expr a b`; with no expression, the seed problem x^2+7 on [0, 5]
    /// (as a polynomial, so it runs the register-only kernel).
    pub fn from_args(
        expr: Option<&str>,
        a: Option<&str>,
        b: Option<&str>,
    ) -> Result<Problem, String> {
        match (expr, a, b) {
            (None, None, None) => Ok(Problem {
                text: "x^2+7".into(),
                a: 0.0,
                b: 5.0,
                f: Box::new(Poly::new(&[7.0, 0.0, 1.0]).map_err(|e| e.to_string())?),
            }),
            (Some(expr), Some(a), Some(b)) => Ok(Problem {
                text: expr.into(),
                a: bound(a)?,
                b: bound(b)?,
                f: Box::new(Expr::parse(expr).map_err(|e| format!("in expression: {e}"))?),
            }),
            _ => Err("give an expression and both bounds: EXPR A B".into()),
        }
    }

    /// The integrand.
    pub fn integrand(&self) -> &dyn Integrand {
        &*self.f
    }

    /// The integrand, owned.
    pub fn into_integrand(self) -> Box<dyn Integrand> {
        self.f
    }
}

/// Parses a bound: a constant expression, or `inf` / `-inf`.
pub fn bound(text: &str) -> Result<f64, String> {
    eval_constant(text).map_err(|e| format!("in bound '{text}': {e}"))
}
