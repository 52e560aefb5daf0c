//! Tables of integrals in one call: `F_k = ∫_{a_k}^{b_k} f(x; p_k) dx` for
//! `k < m`, threads across the rows.
//!
//! Invariant: row `k`'s result (value, error estimate, evaluations,
//! status) is exactly what integrating row `k` alone with
//! [`crate::Context::integrate`] gives, for any thread count and any `m`:
//! each row runs the same validated rule on its own integrand, and only the
//! assignment of rows to threads depends on the pool. A row's failure is
//! that row's status and never stops the others.

mod engine;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::exec::evaluator::{Evaluator, Span};
use crate::integrand::param::ParamIntegrand;
use crate::integrand::Integrand;
use crate::options::Options;
use crate::result::Integral;
use engine::Rows;

/// Rows per job of the pool: a job is tens of microseconds of small
/// integrals, long enough to hide the cost of handing it to a thread, and
/// a multiple of [`engine::ROWS_PER_CALL`].
const ROWS_PER_JOB: usize = 4 * engine::ROWS_PER_CALL;
/// Evaluations a row is assumed to cost when deciding whether a table
/// pays for the pool: one G10K21 application.
const POINTS_PER_ROW: u64 = 21;

/// The integrand of a table.
#[derive(Clone, Copy)]
pub enum Table<'a> {
    /// One function of `x` over `m` pairs of bounds.
    Plain(&'a dyn Integrand),
    /// `f(x; p_k)` with row `k` of `params` (`m · f.nparams()` values,
    /// row-major).
    Param {
        /// The parametric integrand.
        f: &'a dyn ParamIntegrand,
        /// `m` rows of `f.nparams()` parameters.
        params: &'a [f64],
    },
}

impl Table<'_> {
    fn nparams(&self) -> usize {
        match self {
            Table::Plain(_) => 0,
            Table::Param { f, .. } => f.nparams(),
        }
    }
}

/// Integrates every row of `f` over `[a[k], b[k]]`: one result per row.
///
/// # Errors
/// The outer `Err` refuses the call before any work: `a` and `b` of
/// different lengths, a parameter array that does not hold `m` rows, or
/// options that no row could use (unknown rule, bad tolerances or order).
/// A row's own failure (NaN bound, integrand failure, exhausted budget) is
/// that row's `Err`; [`Error::MaxEvals`] still carries its estimate.
pub fn integrate_many(
    ctx: &Context,
    f: Table<'_>,
    a: &[f64],
    b: &[f64],
    opts: &Options,
) -> Result<Vec<Result<Integral>>> {
    let m = a.len();
    if b.len() != m {
        return Err(Error::invalid(format!(
            "{m} lower bounds but {} upper bounds",
            b.len()
        )));
    }
    if let Table::Param { params, .. } = f {
        let np = f.nparams();
        if params.len() != m * np {
            return Err(Error::invalid(format!(
                "params holds {} values: {m} rows of {np} parameters need {}",
                params.len(),
                m * np
            )));
        }
    }
    // Options every row shares are checked once, on a range any rule takes.
    crate::rules::plan(0.0, 1.0, opts)?;
    if m == 0 {
        return Ok(Vec::new());
    }
    let rows = Rows {
        f,
        a,
        b,
        opts,
        threads: ctx.threads() as u32,
    };
    let mut out: Vec<Option<Result<Integral>>> = (0..m).map(|_| None).collect();
    let jobs = m.div_ceil(ROWS_PER_JOB);
    let ev = Evaluator::unobserved(ctx);
    let parallel = ev.parallel_for_points(m as u64 * POINTS_PER_ROW, false, jobs, false);
    ev.run_chunks(&mut out, ROWS_PER_JOB, parallel, Span::WHOLE, |j, chunk| {
        Ok(engine::with_scratch(|scratch| {
            rows.run(&ev, j * ROWS_PER_JOB, chunk, scratch)
        }))
    })?;
    ev.finish();
    Ok(out
        .into_iter()
        .map(|r| r.expect("every job writes each of its rows"))
        .collect())
}

impl Context {
    /// Integrates the parametric `f` over `[a[k], b[k]]` with parameter row
    /// `k` of `params` (`m · f.nparams()` values, row-major), for every
    /// `k < m = a.len()`, threads working across the rows. Row `k`'s
    /// result is bitwise what integrating it alone gives, for any thread
    /// count and any `m`.
    ///
    /// # Examples
    /// ```
    /// use vquad::{Context, Options, ParamExpr, Rule};
    /// let ctx = Context::new(2).unwrap();
    /// let f = ParamExpr::parse("exp(-p*x^2)", &["p"]).unwrap();
    /// let p: Vec<f64> = (1..=100).map(|k| k as f64 * 0.1).collect();
    /// let (a, b) = (vec![0.0; 100], vec![1.0; 100]);
    /// let opts = Options::adaptive(Rule::GaussKronrod, 0.0, 1e-10);
    /// let rows = ctx.integrate_many(&f, &a, &b, &p, &opts).unwrap();
    /// assert!((rows[9].as_ref().unwrap().value - 0.746824132812427).abs() < 1e-12);
    /// ```
    ///
    /// # Errors
    /// See [`integrate_many`].
    pub fn integrate_many(
        &self,
        f: &dyn ParamIntegrand,
        a: &[f64],
        b: &[f64],
        params: &[f64],
        opts: &Options,
    ) -> Result<Vec<Result<Integral>>> {
        integrate_many(self, Table::Param { f, params }, a, b, opts)
    }

    /// [`Context::integrate_many`] for a plain integrand: one function over
    /// `m` pairs of bounds.
    ///
    /// # Errors
    /// See [`integrate_many`].
    pub fn integrate_many_plain(
        &self,
        f: &dyn Integrand,
        a: &[f64],
        b: &[f64],
        opts: &Options,
    ) -> Result<Vec<Result<Integral>>> {
        integrate_many(self, Table::Plain(f), a, b, opts)
    }
}

#[cfg(test)]
mod tests;
