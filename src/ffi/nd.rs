//! The multi-D C contract: `vq_integrand_nd_fn`, `vq_integrand_nd_batch`,
//! `vq_integrand_expr_nd`, `vq_integrand_shape` and `vq_integrate_nd`.

use std::ffi::{c_int, c_void};

use super::boundary::{non_null, status_boundary};
use super::context::vq_context;
use super::integrand::{publish_kind, vq_integrand, Kind};
use super::status::vq_status;
use super::types::{vq_options, vq_result};
use crate::cubature::{check_call, integrate_nd, IntegralNd};
use crate::error::Error;
use crate::integrand::nd::{check_shape, NdBatchCallbackFn, NdExpr, NdPointFn};
use crate::options::Options;

/// A multi-D point integrand: point `x[0..ndim)` gives its `nout` values in
/// `fval[0..nout)`. Return 0, or non-zero to stop the integration with
/// `VQ_ERR_CALLBACK`. A value left unwritten reads as NaN and stops the
/// integration with `VQ_ERR_NONFINITE`.
///
/// vquad calls it concurrently from its worker threads: it must be
/// thread-safe, and so must whatever `params` points to.
pub type vq_nd_fn = Option<
    unsafe extern "C" fn(
        x: *const f64,
        ndim: usize,
        fval: *mut f64,
        nout: usize,
        params: *mut c_void,
    ) -> c_int,
>;

/// A multi-D batch integrand: point `i`'s coordinates are
/// `x[i*ndim .. i*ndim+ndim-1]`; its `nout` values go to
/// `fval[i*nout .. i*nout+nout-1]`, for `i < npts` (at most 4096 per call).
/// Return 0, or non-zero to stop the integration with `VQ_ERR_CALLBACK`.
/// A value left unwritten reads as NaN and stops the integration with
/// `VQ_ERR_NONFINITE`.
///
/// vquad calls it concurrently from its worker threads: it must be
/// thread-safe, and so must whatever `params` points to.
pub type vq_nd_batch_fn = Option<
    unsafe extern "C" fn(
        x: *const f64,
        npts: usize,
        ndim: usize,
        fval: *mut f64,
        nout: usize,
        params: *mut c_void,
    ) -> c_int,
>;

/// Creates a multi-D integrand of `ndim` variables and `nout` components
/// from a point callback. `params` is passed through untouched and must
/// outlive the integrand; the callback runs concurrently on worker threads.
///
/// Errors: `VQ_ERR_NULL_ARG` (f or out NULL); `VQ_ERR_INVALID_ARG` (`ndim`
/// not in 1..=1024, `nout` not in 1..=2^24).
///
/// # Safety
/// See above; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_nd_fn(
    f: vq_nd_fn,
    params: *mut c_void,
    ndim: usize,
    nout: usize,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        publish_callback(f, ndim, nout, out, |f| {
            // SAFETY: the caller guarantees thread-safety and lifetime (above).
            Box::new(unsafe { NdPointFn::new(f, params, ndim, nout) })
        })
    })
}

/// Creates a multi-D integrand of `ndim` variables and `nout` components
/// from a batch callback (many points per call, at most 4096). Same rules
/// as `vq_integrand_nd_fn`.
///
/// Errors: `VQ_ERR_NULL_ARG` (f or out NULL); `VQ_ERR_INVALID_ARG` (`ndim`
/// not in 1..=1024, `nout` not in 1..=2^24).
///
/// # Safety
/// See above; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_nd_batch(
    f: vq_nd_batch_fn,
    params: *mut c_void,
    ndim: usize,
    nout: usize,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        publish_callback(f, ndim, nout, out, |f| {
            // SAFETY: the caller guarantees thread-safety and lifetime (above).
            Box::new(unsafe { NdBatchCallbackFn::new(f, params, ndim, nout) })
        })
    })
}

/// The body both callback constructors share (inside their panic
/// boundary): checks `out`, `f` and the shape, then publishes the integrand
/// `wrap` makes of `f`.
fn publish_callback<F>(
    f: Option<F>,
    ndim: usize,
    nout: usize,
    out: *mut *mut vq_integrand,
    wrap: impl FnOnce(F) -> Box<dyn crate::integrand::nd::NdIntegrand>,
) -> Result<(), Error> {
    non_null(out, "out")?;
    let f = f.ok_or(Error::NullArg("f"))?;
    check_shape(ndim, nout)?;
    publish_kind(Kind::Nd(wrap(f)), out);
    Ok(())
}

/// Compiles an expression in `x1 … x<ndim>` (with `x`, `y`, `z` aliases of
/// `x1`, `x2`, `x3`) into a SIMD integrand of `ndim` variables and one
/// component, e.g. `"exp(-(x1^2 + x2^2))"`. Same grammar as
/// `vq_integrand_expr`.
///
/// Errors: `VQ_ERR_NULL_ARG` (expr or out NULL); `VQ_ERR_INVALID_ARG`
/// (`ndim` not in 1..=1024, not UTF-8); `VQ_ERR_PARSE` (with the column,
/// and naming a variable beyond `x<ndim>`).
///
/// # Safety
/// `expr` must be NULL or a NUL-terminated string; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_expr_nd(
    expr: *const std::ffi::c_char,
    ndim: usize,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        non_null(expr, "expr")?;
        check_shape(ndim, 1)?;
        // SAFETY: non-NULL and NUL-terminated per the contract.
        let text = unsafe { std::ffi::CStr::from_ptr(expr) };
        let text = text
            .to_str()
            .map_err(|e| Error::invalid(format!("expression is not valid UTF-8: {e}")))?;
        let kind = if ndim == 1 {
            // One variable: the 1-D expression integrand with its strided
            // fast paths, which both entry points use.
            Kind::OneD(Box::new(crate::integrand::Expr::parse_nd(text, 1)?))
        } else {
            Kind::Nd(Box::new(NdExpr::parse(text, ndim)?))
        };
        publish_kind(kind, out);
        Ok(())
    })
}

/// Writes a multi-D result to C: each component's value and error (NaN
/// errors for fixed rules) and the record that mirrors component 0.
///
/// # Safety
/// `values` and `abs_errors` must be writable for `r.values.len()` doubles
/// and `out` for one result.
pub(crate) unsafe fn write_nd_result(
    r: &IntegralNd,
    values: *mut f64,
    abs_errors: *mut f64,
    out: *mut vq_result,
) {
    let nout = r.values.len();
    let errors = r.abs_errors.clone().unwrap_or_else(|| vec![f64::NAN; nout]);
    // SAFETY: the caller's contract; the sources are private buffers of
    // `nout` values.
    unsafe {
        std::ptr::copy_nonoverlapping(r.values.as_ptr(), values, nout);
        std::ptr::copy_nonoverlapping(errors.as_ptr(), abs_errors, nout);
        out.write(vq_result::from(&r.first()));
    }
}

/// Writes the integrand's shape: `*ndim` variables and `*nout` components
/// (1 and 1 for the 1-D kinds).
///
/// Errors: `VQ_ERR_NULL_ARG` (f, ndim or nout NULL).
///
/// # Safety
/// `f` must be a live integrand; `ndim` and `nout` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_shape(
    f: *const vq_integrand,
    ndim: *mut usize,
    nout: *mut usize,
) -> vq_status {
    status_boundary(|| {
        non_null(f, "f")?;
        non_null(ndim, "ndim")?;
        non_null(nout, "nout")?;
        // SAFETY: non-NULL and live per the contract.
        let (d, m) = unsafe { &*f }.shape();
        // SAFETY: both non-NULL and writable per the contract.
        unsafe {
            ndim.write(d);
            nout.write(m);
        }
        Ok(())
    })
}

/// Integrates `f` over the box `lower[i]..upper[i]`, `i < ndim`, on `ctx`;
/// `opts == NULL` means the defaults of `vq_options_default`.
///
/// `values` and `abs_errors` each receive `nout` doubles (component `k`'s
/// estimate and error; the errors are NaN for fixed rules). `out->value` and
/// `out->abs_error` mirror component 0, `out->evals` counts points (each
/// point yields all `nout` components), `out->subintervals` counts regions.
/// They are written on `VQ_OK`, and on `VQ_ERR_MAX_EVALS` with the best
/// estimate; on any other error nothing is written.
///
/// `upper[i] < lower[i]` flips the sign; `lower[i] == upper[i]` gives 0. A
/// call converges when every component meets
/// `abs_error_k <= max(epsabs, epsrel*|value_k|)`. Rules: `VQ_RULE_AUTO`
/// (Gauss–Legendre tensor with `n > 0`, else adaptive),
/// `VQ_RULE_GENZ_MALIK` (adaptive, ndim ≤ 64, infinite bounds allowed),
/// `VQ_RULE_MIDPOINT` and `VQ_RULE_GAUSS_LEGENDRE` (tensor products of `n`
/// panels per axis, `(n*order)^ndim` points ≤ 2^53, finite bounds). With
/// `ndim == 1` and `nout == 1` every 1-D rule applies and the result has the
/// bits of `vq_integrate`. The result is bitwise identical for any thread
/// count of `ctx`.
///
/// Errors: `VQ_ERR_NULL_ARG`; `VQ_ERR_INVALID_ARG` (`ndim == 0`, `nout ==
/// 0`, a shape different from the integrand's, NaN bounds, `ndim` above the
/// rule's limit, an infinite bound with a fixed rule, a rule without a
/// multi-D form, bad tolerances or counts); `VQ_ERR_NONFINITE`;
/// `VQ_ERR_CALLBACK`; `VQ_ERR_MAX_EVALS`; `VQ_ERR_CANCELLED`; `VQ_ERR_PANIC`.
///
/// # Safety
/// `ctx` and `f` must be live objects; `lower` and `upper` must hold `ndim`
/// readable doubles; `opts` must be NULL or readable; `values` and
/// `abs_errors` must be writable for `nout` doubles; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrate_nd(
    ctx: *mut vq_context,
    f: *const vq_integrand,
    lower: *const f64,
    upper: *const f64,
    ndim: usize,
    opts: *const vq_options,
    values: *mut f64,
    abs_errors: *mut f64,
    nout: usize,
    out: *mut vq_result,
) -> vq_status {
    status_boundary(|| {
        non_null(ctx, "ctx")?;
        non_null(f, "f")?;
        non_null(lower, "lower")?;
        non_null(upper, "upper")?;
        non_null(values, "values")?;
        non_null(abs_errors, "abs_errors")?;
        non_null(out, "out")?;
        // SAFETY: non-NULL; the contract makes each a live object.
        let (ctx, f) = unsafe { (&(*ctx).inner, &*f) };
        if ndim == 0 {
            return Err(Error::invalid("ndim = 0: a box has at least one axis"));
        }
        if nout == 0 {
            return Err(Error::invalid("nout = 0: at least one component is needed"));
        }
        let (fd, fm) = f.shape();
        if (fd, fm) != (ndim, nout) {
            return Err(Error::invalid(format!(
                "shape mismatch: the integrand has ndim = {fd}, nout = {fm}, the call has \
                 ndim = {ndim}, nout = {nout}"
            )));
        }
        // SAFETY: non-NULL, and `ndim` (which matches the integrand) doubles
        // are readable per the contract.
        let (lo, hi) = unsafe {
            (
                std::slice::from_raw_parts(lower, ndim),
                std::slice::from_raw_parts(upper, ndim),
            )
        };
        let options = match unsafe { opts.as_ref() } {
            // SAFETY (above): `opts` is NULL or readable.
            Some(o) => Options::try_from(o)?,
            None => Options::default(),
        };
        let outcome = f.with_nd(|g| {
            check_call(g, lo, hi, nout)?;
            integrate_nd(ctx, g, lo, hi, &options)
        })??;
        // SAFETY: `values` and `abs_errors` are writable for `nout` doubles
        // and `out` for one result, per the contract.
        let write = |r: &IntegralNd| unsafe { write_nd_result(r, values, abs_errors, out) };
        write(&outcome.integral);
        match outcome.budget_exhausted {
            None => Ok(()),
            Some(message) => Err(Error::MaxEvals {
                partial: outcome.integral.first(),
                message,
            }),
        }
    })
}
