//! Multi-dimensional, vector-valued integrands: the [`NdIntegrand`] trait
//! and its implementations (Rust closures, C point and batch callbacks, and
//! every 1-D [`Integrand`] seen as `ndim = nout = 1`).
//!
//! Invariant: a call of [`NdIntegrand::eval_nd`] receives `npts` points laid
//! out row-major (point `i` is `xs[i·ndim .. (i+1)·ndim]`) and writes exactly
//! `npts·nout` values, point `i`'s components at `out[i·nout .. (i+1)·nout]`.
//! A shape (`ndim`, `nout`) never changes after construction.

use std::cell::RefCell;
use std::ffi::c_void;

use super::Integrand;
use crate::error::{Error, EvalError};
use crate::scratch::with_buffer;

/// Points per call of a C batch callback, at most (callers see this in the
/// header documentation of `vq_integrand_nd_batch`).
pub const MAX_BATCH_POINTS: usize = 4096;

/// Largest `nout` an integrand may declare (2^24 components).
pub const MAX_NOUT: usize = 1 << 24;

/// Largest `ndim` an integrand may declare.
pub const MAX_NDIM: usize = 1024;

/// A function of `ndim` variables with `nout` components that vquad can
/// integrate over a box.
///
/// Implementations must be `Send + Sync`: vquad evaluates them concurrently
/// from the worker threads of a context, always with whole points.
pub trait NdIntegrand: Send + Sync {
    /// Number of variables.
    fn ndim(&self) -> usize;

    /// Number of components computed at each point.
    fn nout(&self) -> usize;

    /// Evaluates the integrand at `xs.len() / ndim` points (row-major) and
    /// writes their `nout` values each to `out` (row-major).
    ///
    /// Non-finite values are allowed here; the rules detect them and report
    /// [`EvalError::NonFinite`].
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError>;

    /// Evaluates at `npts` points held in columns: coordinate `j` of point
    /// `p` is `cols[j·stride + p]` (`stride ≥ npts`); the values go to
    /// `out` row-major as in [`NdIntegrand::eval_nd`], with the same bits.
    /// The default transposes the points into rows and calls
    /// [`NdIntegrand::eval_nd`]; integrands that read columns natively
    /// (expressions) override it and skip the transpose.
    fn eval_columns(
        &self,
        cols: &[f64],
        stride: usize,
        npts: usize,
        out: &mut [f64],
    ) -> Result<(), EvalError> {
        let d = self.ndim();
        with_buffer(&ROWS, npts * d, |rows| {
            transpose_into_rows(cols, stride, npts, d, rows);
            self.eval_nd(rows, out)
        })
    }

    /// The 1-D integrand behind this one, when it is one: the rules send it
    /// to the 1-D engine, so that a 1-D integral has the same bits through
    /// either entry point.
    fn as_one_d(&self) -> Option<&dyn Integrand> {
        None
    }
}

thread_local! {
    /// The row buffer of [`NdIntegrand::eval_columns`]'s default.
    static ROWS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Writes `npts` points held in columns of `stride` (coordinate `j` of
/// point `p` at `cols[j·stride + p]`) to `rows` row-major (`rows[p·d + j]`).
/// Dimensions up to eight get a copy of the loop with `d` fixed, which the
/// compiler unrolls into whole rows.
fn transpose_into_rows(cols: &[f64], stride: usize, npts: usize, d: usize, rows: &mut [f64]) {
    match d {
        1 => rows[..npts].copy_from_slice(&cols[..npts]),
        2 => transpose_fixed::<2>(cols, stride, npts, rows),
        3 => transpose_fixed::<3>(cols, stride, npts, rows),
        4 => transpose_fixed::<4>(cols, stride, npts, rows),
        5 => transpose_fixed::<5>(cols, stride, npts, rows),
        6 => transpose_fixed::<6>(cols, stride, npts, rows),
        7 => transpose_fixed::<7>(cols, stride, npts, rows),
        8 => transpose_fixed::<8>(cols, stride, npts, rows),
        _ => {
            for (p, row) in rows[..npts * d].chunks_exact_mut(d).enumerate() {
                for (j, x) in row.iter_mut().enumerate() {
                    *x = cols[j * stride + p];
                }
            }
        }
    }
}

/// [`transpose_into_rows`] for `D` coordinates.
fn transpose_fixed<const D: usize>(cols: &[f64], stride: usize, npts: usize, rows: &mut [f64]) {
    let columns: [&[f64]; D] = std::array::from_fn(|j| &cols[j * stride..j * stride + npts]);
    for (p, row) in rows[..npts * D].chunks_exact_mut(D).enumerate() {
        for (x, col) in row.iter_mut().zip(&columns) {
            *x = col[p];
        }
    }
}

/// Checks a declared shape: `ndim` in `1..=MAX_NDIM`, `nout` in `1..=MAX_NOUT`.
///
/// # Errors
/// [`Error::InvalidArg`] naming the offending value.
pub fn check_shape(ndim: usize, nout: usize) -> Result<(), Error> {
    if ndim == 0 || ndim > MAX_NDIM {
        return Err(Error::invalid(format!(
            "ndim = {ndim}: an integrand has 1..={MAX_NDIM} variables"
        )));
    }
    if nout == 0 || nout > MAX_NOUT {
        return Err(Error::invalid(format!(
            "nout = {nout}: an integrand has 1..={MAX_NOUT} components"
        )));
    }
    Ok(())
}

/// A 1-D integrand seen as an [`NdIntegrand`] with `ndim = nout = 1`.
pub struct OneD<'a>(pub &'a dyn Integrand);

impl NdIntegrand for OneD<'_> {
    fn ndim(&self) -> usize {
        1
    }
    fn nout(&self) -> usize {
        1
    }
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        self.0.eval(xs, out)
    }
    fn as_one_d(&self) -> Option<&dyn Integrand> {
        Some(self.0)
    }
}

/// An owned 1-D integrand seen as an [`NdIntegrand`] (`ndim = nout = 1`).
pub struct OwnedOneD(pub Box<dyn Integrand>);

impl NdIntegrand for OwnedOneD {
    fn ndim(&self) -> usize {
        1
    }
    fn nout(&self) -> usize {
        1
    }
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        self.0.eval(xs, out)
    }
    fn as_one_d(&self) -> Option<&dyn Integrand> {
        Some(&*self.0)
    }
}

/// An [`NdIntegrand`] of shape (1, 1) seen as a 1-D [`Integrand`], so that
/// `vq_integrate` accepts it.
pub struct NdAsOneD<'a>(pub &'a dyn NdIntegrand);

impl Integrand for NdAsOneD<'_> {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        debug_assert!(self.0.ndim() == 1 && self.0.nout() == 1);
        self.0.eval_nd(xs, out)
    }
}

/// A Rust point closure `f(x, fx)`: `x` holds one point's `ndim`
/// coordinates, `fx` receives its `nout` values.
///
/// # Examples
/// ```
/// use vquad::{Context, NdFn, Options};
/// let f = NdFn::new(2, 1, |x: &[f64], fx: &mut [f64]| fx[0] = x[0] * x[1]);
/// let ctx = Context::new(1).unwrap();
/// let r = ctx
///     .integrate_nd(&f, &[0.0, 0.0], &[1.0, 2.0], &Options::adaptive(vquad::Rule::GenzMalik, 0.0, 1e-10))
///     .unwrap();
/// assert!((r.values[0] - 1.0).abs() < 1e-12);
/// ```
pub type NdFn<F> = NdClosure<F, false>;

/// A Rust batch closure `f(xs, out)`: `xs` holds `npts` points row-major,
/// `out` receives `npts·nout` values row-major.
pub type NdBatchFn<F> = NdClosure<F, true>;

/// A Rust closure of a declared shape: called once per point (`BATCH =
/// false`, [`NdFn`]) or once per batch of points (`BATCH = true`,
/// [`NdBatchFn`]).
pub struct NdClosure<F, const BATCH: bool> {
    f: F,
    ndim: usize,
    nout: usize,
}

impl<F: Fn(&[f64], &mut [f64]) + Send + Sync, const BATCH: bool> NdClosure<F, BATCH> {
    /// Wraps `f` as an integrand of `ndim` variables and `nout` components.
    pub fn new(ndim: usize, nout: usize, f: F) -> Self {
        NdClosure { f, ndim, nout }
    }
}

impl<F: Fn(&[f64], &mut [f64]) + Send + Sync, const BATCH: bool> NdIntegrand
    for NdClosure<F, BATCH>
{
    fn ndim(&self) -> usize {
        self.ndim
    }
    fn nout(&self) -> usize {
        self.nout
    }
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        // A value the closure leaves unwritten reads as NaN (reported as
        // non-finite), never as what the reused buffer held.
        out.fill(f64::NAN);
        if BATCH {
            (self.f)(xs, out);
        } else {
            for (x, fx) in xs
                .chunks_exact(self.ndim)
                .zip(out.chunks_exact_mut(self.nout))
            {
                (self.f)(x, fx);
            }
        }
        Ok(())
    }
}

/// A compiled expression in `x1 … x<ndim>` (aliases `x`, `y`, `z`), one
/// component, evaluated on SIMD lanes.
///
/// # Examples
/// ```
/// use vquad::integrand::nd::{NdExpr, NdIntegrand};
/// let f = NdExpr::parse("exp(-(x^2 + y^2 + x3^2))", 3).unwrap();
/// assert_eq!((f.ndim(), f.nout()), (3, 1));
/// assert!(NdExpr::parse("x4", 3).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct NdExpr {
    expr: super::Expr,
    ndim: usize,
}

impl NdExpr {
    /// Compiles `src` as a function of `ndim` variables.
    ///
    /// # Errors
    /// [`Error::Parse`] (naming the column, and a variable beyond
    /// `x<ndim>`), [`Error::InvalidArg`] for `ndim` out of range.
    pub fn parse(src: &str, ndim: usize) -> Result<NdExpr, Error> {
        check_shape(ndim, 1)?;
        Ok(NdExpr {
            expr: super::Expr::parse_nd(src, ndim)?,
            ndim,
        })
    }

    /// The compiled expression.
    pub fn expr(&self) -> &super::Expr {
        &self.expr
    }
}

impl NdIntegrand for NdExpr {
    fn ndim(&self) -> usize {
        self.ndim
    }
    fn nout(&self) -> usize {
        1
    }
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let used = self.expr.nvars();
        if used == self.ndim {
            return self.expr.eval_rows(xs, used, out);
        }
        // Trailing variables the expression never reads: pass only the
        // columns it has.
        let rows: Vec<f64> = xs
            .chunks_exact(self.ndim)
            .flat_map(|p| p[..used].iter().copied())
            .collect();
        self.expr.eval_rows(&rows, used, out)
    }
    fn eval_columns(
        &self,
        cols: &[f64],
        stride: usize,
        npts: usize,
        out: &mut [f64],
    ) -> Result<(), EvalError> {
        // Only the columns the expression has (trailing unread variables
        // are left out), straight into its SIMD column evaluator.
        let used: Vec<&[f64]> = (0..self.expr.nvars())
            .map(|j| &cols[j * stride..j * stride + npts])
            .collect();
        self.expr.eval_columns(&used, out)
    }
}

/// The C point callback `int f(const double *x, size_t ndim, double *fval,
/// size_t nout, void *params)`.
pub type NdPointCallback = unsafe extern "C" fn(
    x: *const f64,
    ndim: usize,
    fval: *mut f64,
    nout: usize,
    params: *mut c_void,
) -> i32;

/// The C batch callback `int f(const double *x, size_t npts, size_t ndim,
/// double *fval, size_t nout, void *params)`.
pub type NdBatchCallback = unsafe extern "C" fn(
    x: *const f64,
    npts: usize,
    ndim: usize,
    fval: *mut f64,
    nout: usize,
    params: *mut c_void,
) -> i32;

/// A C point callback with its `params` pointer and shape.
#[derive(Debug, Clone, Copy)]
pub struct NdPointFn {
    f: NdPointCallback,
    params: *mut c_void,
    ndim: usize,
    nout: usize,
}

/// A C batch callback with its `params` pointer and shape.
#[derive(Debug, Clone, Copy)]
pub struct NdBatchCallbackFn {
    f: NdBatchCallback,
    params: *mut c_void,
    ndim: usize,
    nout: usize,
}

// SAFETY: the C contract (on `vq_integrand_nd_fn` in vquad.h) requires the
// callback and what `params` points to to be usable from several threads
// at once and to outlive the integrand.
unsafe impl Send for NdPointFn {}
// SAFETY: as for `Send` above.
unsafe impl Sync for NdPointFn {}
// SAFETY: same caller contract (`vq_integrand_nd_batch`).
unsafe impl Send for NdBatchCallbackFn {}
// SAFETY: same caller contract.
unsafe impl Sync for NdBatchCallbackFn {}

impl NdPointFn {
    /// Wraps a C point callback.
    ///
    /// # Safety
    /// `f` must be safe to call concurrently with `params`, which must stay
    /// valid while the integrand is used; `f` reads `ndim` doubles and
    /// writes `nout`.
    pub unsafe fn new(f: NdPointCallback, params: *mut c_void, ndim: usize, nout: usize) -> Self {
        NdPointFn {
            f,
            params,
            ndim,
            nout,
        }
    }
}

impl NdBatchCallbackFn {
    /// Wraps a C batch callback.
    ///
    /// # Safety
    /// As [`NdPointFn::new`]; `f` reads `npts·ndim` doubles and writes
    /// `npts·nout`.
    pub unsafe fn new(f: NdBatchCallback, params: *mut c_void, ndim: usize, nout: usize) -> Self {
        NdBatchCallbackFn {
            f,
            params,
            ndim,
            nout,
        }
    }
}

impl NdIntegrand for NdPointFn {
    fn ndim(&self) -> usize {
        self.ndim
    }
    fn nout(&self) -> usize {
        self.nout
    }
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        for (x, fx) in xs
            .chunks_exact(self.ndim)
            .zip(out.chunks_exact_mut(self.nout))
        {
            // A value the callback leaves unwritten reads as NaN (reported
            // as non-finite), never as what the reused buffer held.
            fx.fill(f64::NAN);
            // SAFETY: `x` holds `ndim` readable doubles and `fx` `nout`
            // writable ones; `NdPointFn::new`'s contract covers the rest.
            let code = unsafe {
                (self.f)(
                    x.as_ptr(),
                    self.ndim,
                    fx.as_mut_ptr(),
                    self.nout,
                    self.params,
                )
            };
            if code != 0 {
                return Err(EvalError::Callback { code });
            }
        }
        Ok(())
    }
}

impl NdIntegrand for NdBatchCallbackFn {
    fn ndim(&self) -> usize {
        self.ndim
    }
    fn nout(&self) -> usize {
        self.nout
    }
    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let npts = xs.len() / self.ndim;
        debug_assert_eq!(out.len(), npts * self.nout);
        for (x, fx) in xs
            .chunks(MAX_BATCH_POINTS * self.ndim)
            .zip(out.chunks_mut(MAX_BATCH_POINTS * self.nout))
        {
            let n = x.len() / self.ndim;
            // As for point callbacks: unwritten values read as NaN.
            fx.fill(f64::NAN);
            // SAFETY: `x` holds `n·ndim` readable doubles and `fx` `n·nout`
            // writable ones; `NdBatchCallbackFn::new`'s contract covers the rest.
            let code = unsafe {
                (self.f)(
                    x.as_ptr(),
                    n,
                    self.ndim,
                    fx.as_mut_ptr(),
                    self.nout,
                    self.params,
                )
            };
            if code != 0 {
                return Err(EvalError::Callback { code });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn writes_nothing(
        _x: *const f64,
        _npts: usize,
        _ndim: usize,
        _f: *mut f64,
        _nout: usize,
        _p: *mut c_void,
    ) -> i32 {
        0
    }

    unsafe extern "C" fn writes_first_only(
        _x: *const f64,
        _ndim: usize,
        f: *mut f64,
        _nout: usize,
        _p: *mut c_void,
    ) -> i32 {
        // SAFETY: vquad passes `nout` ≥ 1 writable doubles.
        unsafe { *f = 1.0 };
        0
    }

    #[test]
    fn values_a_callback_leaves_unwritten_read_as_nan() {
        // SAFETY: the callbacks touch no shared state.
        let batch = unsafe { NdBatchCallbackFn::new(writes_nothing, std::ptr::null_mut(), 1, 1) };
        // SAFETY: as above.
        let point = unsafe { NdPointFn::new(writes_first_only, std::ptr::null_mut(), 1, 2) };
        let closure = NdFn::new(1, 1, |_: &[f64], _: &mut [f64]| {});
        let mut out = [7.0; 2];
        batch.eval_nd(&[0.5, 0.25], &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_nan()), "{out:?}");
        let mut out = [7.0; 4];
        point.eval_nd(&[0.5, 0.25], &mut out).unwrap();
        assert_eq!(out[0], 1.0);
        assert!(out[1].is_nan() && out[3].is_nan(), "{out:?}");
        let mut out = [7.0; 1];
        closure.eval_nd(&[0.5], &mut out).unwrap();
        assert!(out[0].is_nan());
    }

    #[test]
    fn point_closure_fills_rows_in_order() {
        let f = NdFn::new(2, 2, |x: &[f64], fx: &mut [f64]| {
            fx[0] = x[0] + x[1];
            fx[1] = x[0] * x[1];
        });
        let mut out = [0.0; 4];
        f.eval_nd(&[1.0, 2.0, 3.0, 4.0], &mut out).unwrap();
        assert_eq!(out, [3.0, 2.0, 7.0, 12.0]);
    }

    #[test]
    fn a_one_d_integrand_has_shape_one_one() {
        let p = crate::Poly::new(&[0.0, 2.0]).unwrap();
        let f = OneD(&p);
        assert_eq!((f.ndim(), f.nout()), (1, 1));
        let mut out = [0.0; 2];
        f.eval_nd(&[1.0, 3.0], &mut out).unwrap();
        assert_eq!(out, [2.0, 6.0]);
        assert!(f.as_one_d().is_some());
    }

    #[test]
    fn an_expression_reads_its_own_columns_even_when_it_skips_the_last() {
        let f = NdExpr::parse("x + 10*y", 3).unwrap();
        let mut out = [0.0; 2];
        f.eval_nd(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &mut out)
            .unwrap();
        assert_eq!(out, [21.0, 54.0]);
        let c = NdExpr::parse("2", 2).unwrap();
        c.eval_nd(&[1.0, 2.0, 3.0, 4.0], &mut out).unwrap();
        assert_eq!(out, [2.0, 2.0]);
        let e = NdExpr::parse("x1 + x3", 2).unwrap_err();
        assert_eq!(e.status(), crate::Status::Parse);
        assert!(e.to_string().contains("x3"), "{e}");
    }

    #[test]
    fn shapes_out_of_range_are_rejected() {
        assert!(check_shape(0, 1).is_err());
        assert!(check_shape(1, 0).is_err());
        assert!(check_shape(MAX_NDIM + 1, 1).is_err());
        assert!(check_shape(3, 65_536).is_ok());
    }
}
