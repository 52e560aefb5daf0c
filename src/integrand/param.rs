//! Parametric integrands `f(x; p)`: one function, a row of `nparams`
//! parameters per integral, for tables of integrals
//! ([`crate::Context::integrate_many`]).
//!
//! Invariant: the value at `(x, p)` depends only on `x` and the row `p`,
//! never on which other points or rows share an evaluation call, so an
//! integral of a table gets the bits it gets alone.

use std::ffi::c_void;

use super::expr::{Column, Expr};
use super::{Integrand, CHUNK};
use crate::error::{Error, EvalError};

/// Columns (x and parameters) an expression's row is passed in without a
/// heap allocation.
const STACK_COLUMNS: usize = 8;

/// A function of `x` and a row of parameters.
///
/// Implementations must be `Send + Sync`: rows are integrated concurrently
/// on the worker threads of a context.
pub trait ParamIntegrand: Send + Sync {
    /// Parameters per row.
    fn nparams(&self) -> usize;

    /// `out[i] = f(xs[i]; p)` with one row `p` (`nparams` values) for every
    /// point.
    ///
    /// # Errors
    /// The integrand's own failure (a C callback's non-zero return).
    fn eval_row(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError>;

    /// `out[i] = f(xs[i]; p[i·np .. (i + 1)·np])` with `np = nparams()`:
    /// every point with its own row, so that the points of several
    /// integrals share one call (and, for expressions, one pass of SIMD
    /// lanes). Each value is the one [`ParamIntegrand::eval_row`] gives at
    /// that point and row, to the bit. The default calls `eval_row` once
    /// per run of points sharing a row.
    ///
    /// # Errors
    /// The integrand's own failure, for the call as a whole: the caller
    /// cannot tell which row caused it.
    fn eval_points(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let np = self.nparams();
        debug_assert!(xs.len() == out.len() && p.len() == xs.len() * np);
        let mut start = 0;
        while start < xs.len() {
            let row = &p[start * np..(start + 1) * np];
            let mut end = start + 1;
            while end < xs.len() && &p[end * np..(end + 1) * np] == row {
                end += 1;
            }
            self.eval_row(&xs[start..end], row, &mut out[start..end])?;
            start = end;
        }
        Ok(())
    }
}

/// `f(x; p)` bound to one parameter row: the 1-D integrand of one row of a
/// table.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    f: &'a dyn ParamIntegrand,
    p: &'a [f64],
}

impl<'a> Row<'a> {
    /// `f` with its parameters fixed to `p` (`f.nparams()` values).
    ///
    /// # Panics
    /// When `p.len() != f.nparams()`.
    pub fn new(f: &'a dyn ParamIntegrand, p: &'a [f64]) -> Row<'a> {
        assert_eq!(p.len(), f.nparams(), "one parameter row");
        Row { f, p }
    }
}

impl Integrand for Row<'_> {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        self.f.eval_row(xs, self.p, out)
    }

    fn strided_chunk(&self) -> Option<usize> {
        Some(CHUNK)
    }
}

/// A Rust closure `f(x, p)` as a parametric integrand.
pub struct ParamFn<F> {
    f: F,
    nparams: usize,
}

impl<F: Fn(f64, &[f64]) -> f64 + Send + Sync> ParamFn<F> {
    /// `f(x, p)` with rows of `nparams` parameters.
    pub fn new(nparams: usize, f: F) -> ParamFn<F> {
        ParamFn { f, nparams }
    }
}

impl<F: Fn(f64, &[f64]) -> f64 + Send + Sync> ParamIntegrand for ParamFn<F> {
    fn nparams(&self) -> usize {
        self.nparams
    }

    fn eval_row(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        for (o, &x) in out.iter_mut().zip(xs) {
            *o = (self.f)(x, p);
        }
        Ok(())
    }

    fn eval_points(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        if self.nparams == 0 {
            return self.eval_row(xs, &[], out);
        }
        for ((o, &x), row) in out.iter_mut().zip(xs).zip(p.chunks_exact(self.nparams)) {
            *o = (self.f)(x, row);
        }
        Ok(())
    }
}

/// The C callback of `vq_integrand_param_batch`:
/// `int f(const double *x, const double *p, size_t nparams, double *fx, size_t n, void *user)`.
pub type ParamBatchCallback = unsafe extern "C" fn(
    x: *const f64,
    p: *const f64,
    nparams: usize,
    fx: *mut f64,
    n: usize,
    user: *mut c_void,
) -> i32;

/// A parametric batch callback from C with its `user` pointer.
#[derive(Debug, Clone, Copy)]
pub struct ParamBatchFn {
    f: ParamBatchCallback,
    user: *mut c_void,
    nparams: usize,
}

// SAFETY: the C contract of `vq_integrand_param_batch` requires the callback
// and whatever `user` points to to be safe to use from several threads at
// once, and to outlive the integrand.
unsafe impl Send for ParamBatchFn {}
// SAFETY: as for `Send` above.
unsafe impl Sync for ParamBatchFn {}

impl ParamBatchFn {
    /// Wraps a C callback taking rows of `nparams` parameters.
    ///
    /// # Safety
    /// `f` must be safe to call concurrently with `user`, read at most `n`
    /// values of `x`, `n·nparams` of `p`, write exactly `n` of `fx`, and
    /// `user` must stay valid while the integrand is used.
    pub unsafe fn new(f: ParamBatchCallback, user: *mut c_void, nparams: usize) -> ParamBatchFn {
        ParamBatchFn { f, user, nparams }
    }

    /// One callback call on `n` points with per-point rows `p` (`n·nparams`).
    fn call(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let n = xs.len().min(out.len());
        debug_assert!(p.len() >= n * self.nparams);
        // SAFETY: `x` and `fx` hold `n` values and `p` holds `n·nparams`
        // (checked by the callers); `new`'s contract covers the rest.
        let code = unsafe {
            (self.f)(
                xs.as_ptr(),
                p.as_ptr(),
                self.nparams,
                out.as_mut_ptr(),
                n,
                self.user,
            )
        };
        if code != 0 {
            return Err(EvalError::Callback { code });
        }
        Ok(())
    }
}

impl ParamIntegrand for ParamBatchFn {
    fn nparams(&self) -> usize {
        self.nparams
    }

    fn eval_row(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let np = self.nparams;
        // The C contract passes one row per point: repeat `p`.
        const STACK: usize = 512;
        let mut on_stack = [0.0f64; STACK];
        let mut on_heap = Vec::new();
        let chunk = STACK.checked_div(np).map_or(xs.len().max(1), |c| c.max(1));
        let mut start = 0;
        while start < xs.len() {
            let len = chunk.min(xs.len() - start);
            let rows: &mut [f64] = if len * np <= STACK {
                &mut on_stack[..len * np]
            } else {
                on_heap.resize(len * np, 0.0);
                &mut on_heap[..]
            };
            if np > 0 {
                for r in rows.chunks_exact_mut(np) {
                    r.copy_from_slice(p);
                }
            }
            self.call(&xs[start..start + len], rows, &mut out[start..start + len])?;
            start += len;
        }
        Ok(())
    }
    fn eval_points(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        // The C contract's own layout: one call for all the points.
        debug_assert_eq!(p.len(), xs.len() * self.nparams);
        self.call(xs, p, out)
    }
}

/// An expression in `x` and named parameters, e.g. `exp(-p*x^2)` with
/// names `["p"]`: the parameters are constant columns of one row, so a
/// row's points run on SIMD lanes.
pub struct ParamExpr {
    expr: Expr,
    nparams: usize,
}

impl ParamExpr {
    /// Compiles `src` with `x` and the parameters `names`, in row order.
    ///
    /// # Errors
    /// [`Error::Parse`] with the column of a syntax error or unknown name;
    /// [`Error::InvalidArg`] for a repeated or reserved name.
    pub fn parse(src: &str, names: &[&str]) -> Result<ParamExpr, Error> {
        Ok(ParamExpr {
            expr: Expr::parse_params(src, names)?,
            nparams: names.len(),
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        self.expr.source()
    }
}

impl ParamIntegrand for ParamExpr {
    fn nparams(&self) -> usize {
        self.nparams
    }

    fn eval_row(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        // The program reads columns up to the last name it uses.
        let used = self.expr.nvars() - 1;
        if used < STACK_COLUMNS {
            // The row's parameters as constant columns, from the stack: the
            // same columns `eval_params` builds (on the heap) for one row.
            let mut cols = [Column::Constant(0.0); STACK_COLUMNS];
            cols[0] = Column::Values(xs);
            for (c, &v) in cols[1..].iter_mut().zip(&p[..used]) {
                *c = Column::Constant(v);
            }
            return self.expr.eval_mixed(&cols[..=used], out);
        }
        self.expr.eval_params(xs, &p[..used], out)
    }

    fn eval_points(&self, xs: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let (used, np) = (self.expr.nvars() - 1, self.nparams);
        if used == 0 {
            return self.expr.eval_params(xs, &[], out);
        }
        if used == np {
            return self.expr.eval_params(xs, p, out);
        }
        // The program reads only the first `used` columns of each row.
        let rows: Vec<f64> = p.chunks(np).flat_map(|r| &r[..used]).copied().collect();
        self.expr.eval_params(xs, &rows, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn scaled(
        x: *const f64,
        p: *const f64,
        np: usize,
        fx: *mut f64,
        n: usize,
        _user: *mut c_void,
    ) -> i32 {
        for i in 0..n {
            // SAFETY: the caller passes n points and n rows of np values.
            unsafe { *fx.add(i) = *p.add(i * np) * *x.add(i) + *p.add(i * np + 1) };
        }
        0
    }

    #[test]
    fn batch_callback_sees_the_row_repeated_for_every_point() {
        // SAFETY: `scaled` is a pure function.
        let f = unsafe { ParamBatchFn::new(scaled, std::ptr::null_mut(), 2) };
        let xs: Vec<f64> = (0..1000).map(f64::from).collect();
        let mut out = vec![0.0; xs.len()];
        Row::new(&f, &[2.0, 1.0]).eval(&xs, &mut out).unwrap();
        assert!(out.iter().zip(&xs).all(|(o, x)| *o == 2.0 * x + 1.0));
    }

    #[test]
    fn expression_rows_match_the_closure_and_skip_unused_names() {
        let e = ParamExpr::parse("exp(-p*x^2)", &["p", "q"]).unwrap();
        let xs = [0.0, 0.25, 0.5, 1.0, 2.0];
        let mut out = [0.0; 5];
        Row::new(&e, &[3.0, 7.0]).eval(&xs, &mut out).unwrap();
        for (o, x) in out.iter().zip(xs) {
            assert!((o - (-3.0 * x * x).exp()).abs() <= 4e-16, "{o} at {x}");
        }
        let bad = ParamExpr::parse("exp(-r*x)", &["p"]).err();
        assert!(
            matches!(bad, Some(Error::Parse { column: 6, .. })),
            "{bad:?}"
        );
    }
}
