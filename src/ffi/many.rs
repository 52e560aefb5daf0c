//! `vq_integrate_many` and the parametric integrands: tables of integrals
//! through the C ABI.
//!
//! Invariant: a call is refused as a whole (nothing written) only for its
//! own argument errors; once the rows run, every row's status and result
//! are written, row `k`'s exactly as a call of its own would give them.

use std::ffi::{c_char, c_int, c_void, CStr};

use super::boundary::{non_null, status_boundary};
use super::context::vq_context;
use super::integrand::{publish_kind, vq_integrand, Kind};
use super::status::{vq_status, VQ_OK};
use super::types::{vq_options, vq_result};
use crate::error::Error;
use crate::integrand::nd::NdAsOneD;
use crate::integrand::param::{ParamBatchFn, ParamExpr};
use crate::many::{integrate_many, Table};
use crate::options::Options;

/// A parametric batch integrand: fill `fx[i] = f(x[i]; p[i*nparams ..
/// i*nparams + nparams - 1])` for `i < n` (points of several integrals may
/// share a call) and return 0, or non-zero to stop with `VQ_ERR_CALLBACK`.
/// Called concurrently from worker threads: it must be thread-safe, and so
/// must whatever `user` points to.
pub type vq_param_batch_fn = Option<
    unsafe extern "C" fn(
        x: *const f64,
        p: *const f64,
        nparams: usize,
        fx: *mut f64,
        n: usize,
        user: *mut c_void,
    ) -> c_int,
>;

/// Creates a parametric integrand `f(x; p)` with `nparams` parameters per
/// integral from a batch callback (see `vq_param_batch_fn`), for
/// `vq_integrate_many`. `user` is passed through untouched and must outlive
/// the integrand. With `nparams == 0` it is a plain integrand, which
/// `vq_integrate` accepts too.
///
/// Errors: `VQ_ERR_NULL_ARG` (f or out NULL).
///
/// # Safety
/// See above; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_param_batch(
    f: vq_param_batch_fn,
    user: *mut c_void,
    nparams: usize,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        let f = f.ok_or(Error::NullArg("f"))?;
        // SAFETY: the caller guarantees thread-safety and lifetime (above).
        let g = unsafe { ParamBatchFn::new(f, user, nparams) };
        publish_kind(Kind::Param(Box::new(g)), out);
        Ok(())
    })
}

/// Compiles an expression in `x` and the named parameters, e.g.
/// `"exp(-p*x^2)*cos(q*x)"` with `names = {"p", "q"}` (row `k` of
/// `vq_integrate_many`'s `params` gives `p` then `q`). Grammar as for
/// `vq_integrand_expr`. The strings are copied.
///
/// Errors: `VQ_ERR_NULL_ARG` (expr, out, or names NULL with
/// `nparams > 0`, or a NULL name), `VQ_ERR_INVALID_ARG` (not UTF-8, a name
/// repeated or reserved), `VQ_ERR_PARSE` (with the column in
/// `vq_last_error()`, also for a name not in `names`).
///
/// # Safety
/// `expr` and each of the `nparams` names must be NULL or NUL-terminated;
/// `names` must be NULL or hold `nparams` pointers; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrand_expr_params(
    expr: *const c_char,
    names: *const *const c_char,
    nparams: usize,
    out: *mut *mut vq_integrand,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        non_null(expr, "expr")?;
        if nparams > 0 {
            non_null(names, "names")?;
        }
        let text = |p: *const c_char, what: &str| -> Result<String, Error> {
            // SAFETY: checked non-NULL by the caller of this closure; the
            // contract makes it NUL-terminated.
            let s = unsafe { CStr::from_ptr(p) };
            s.to_str()
                .map(str::to_owned)
                .map_err(|e| Error::invalid(format!("{what} is not valid UTF-8: {e}")))
        };
        let mut owned = Vec::with_capacity(nparams);
        for i in 0..nparams {
            // SAFETY: `names` holds `nparams` pointers per the contract.
            let p = unsafe { *names.add(i) };
            non_null(p, "names[i]")?;
            owned.push(text(p, "a parameter name")?);
        }
        let src = text(expr, "expression")?;
        let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
        publish_kind(Kind::Param(Box::new(ParamExpr::parse(&src, &refs)?)), out);
        Ok(())
    })
}

/// The record of a row that failed without an estimate: NaN value and
/// error, zero evaluations.
fn failed_row(threads: u32) -> vq_result {
    vq_result {
        value: f64::NAN,
        abs_error: f64::NAN,
        evals: 0,
        threads,
        seconds: 0.0,
        subintervals: 0,
    }
}

/// Integrates a table: `F_k = ∫_{a[k]}^{b[k]} f(x; params[k*nparams ..])
/// dx` for `k < m`, threads across the integrals. `f` may be parametric
/// (`vq_integrand_param_batch`, `vq_integrand_expr_params`: `params` holds
/// `m` rows of its `nparams` values) or plain (any other integrand:
/// `params` must be NULL and the rows differ only in their bounds). One
/// `opts` (NULL = defaults) for all: every rule works, infinite bounds
/// too, and `max_evals` and the tolerances apply to each integral alone.
///
/// Each `results[k]` is bitwise what integrating row `k` alone with
/// `vq_integrate` gives, for any thread count and any `m`;
/// `results[k].evals` counts row `k`'s evaluations only.
///
/// How it runs: threads take the rows in chunks, and the points of several
/// rows share one integrand call (the first Gauss–Kronrod rule of 16 rows,
/// then each bisection step of the rows still going), so an expression
/// evaluates them on its SIMD lanes and a `vq_param_batch_fn` gets one call
/// with a parameter row per point. When such a shared call returns
/// non-zero, vquad evaluates each of its rows' points again in calls of
/// their own, so the failure lands only on the row that caused it.
///
/// Per-row outcome: `statuses[k]` is row `k`'s status (`VQ_OK`, or e.g.
/// `VQ_ERR_INVALID_ARG` for a NaN bound, `VQ_ERR_NONFINITE`,
/// `VQ_ERR_CALLBACK`, `VQ_ERR_MAX_EVALS`), and `results[k]` its result (for
/// `VQ_ERR_MAX_EVALS` the best estimate; for other failures NaN value and
/// error). A failing row never stops the others. Returns `VQ_OK` when every
/// row succeeded, else the status of the lowest-numbered failed row, whose
/// message `vq_last_error()` gives.
///
/// Refused before any work, writing nothing: `VQ_ERR_NULL_ARG` (ctx, f, a,
/// b, results or statuses NULL; params NULL for a parametric `f` with
/// `nparams > 0`), `VQ_ERR_INVALID_ARG` (options no row could use; params
/// given for a plain `f`; a multi-D `f`). `m == 0` returns `VQ_OK` and
/// touches nothing.
///
/// # Safety
/// `ctx` and `f` must be live objects; `a`, `b`, `results` and `statuses`
/// must hold `m` elements, `params` `m·nparams` (or be NULL as above);
/// `opts` must be NULL or readable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn vq_integrate_many(
    ctx: *mut vq_context,
    f: *const vq_integrand,
    m: usize,
    a: *const f64,
    b: *const f64,
    params: *const f64,
    opts: *const vq_options,
    results: *mut vq_result,
    statuses: *mut vq_status,
) -> vq_status {
    status_boundary(|| {
        non_null(ctx, "ctx")?;
        non_null(f, "f")?;
        // SAFETY: non-NULL; the contract makes each a live object.
        let (ctx, f) = unsafe { (&(*ctx).inner, &*f) };
        let options = match unsafe { opts.as_ref() } {
            // SAFETY (above): `opts` is NULL or readable.
            Some(o) => Options::try_from(o)?,
            None => Options::default(),
        };
        if m == 0 {
            return Ok(());
        }
        non_null(a, "a")?;
        non_null(b, "b")?;
        non_null(results, "results")?;
        non_null(statuses, "statuses")?;
        // SAFETY: non-NULL and, per the contract, `m` readable values each.
        let (a, b) = unsafe {
            (
                std::slice::from_raw_parts(a, m),
                std::slice::from_raw_parts(b, m),
            )
        };
        let nd_one;
        let table = match &f.inner {
            Kind::Param(g) => {
                let np = g.nparams();
                let params: &[f64] = if np == 0 {
                    &[]
                } else {
                    non_null(params, "params")?;
                    let len = m.checked_mul(np).ok_or_else(|| {
                        Error::invalid(format!("m = {m} rows of {np} parameters overflow"))
                    })?;
                    // SAFETY: non-NULL and, per the contract, m·nparams values.
                    unsafe { std::slice::from_raw_parts(params, len) }
                };
                Table::Param { f: &**g, params }
            }
            other => {
                if !params.is_null() {
                    return Err(Error::invalid(
                        "params must be NULL for an integrand without parameters",
                    ));
                }
                match other {
                    Kind::OneD(g) => Table::Plain(&**g),
                    Kind::Nd(g) if g.ndim() == 1 && g.nout() == 1 => {
                        nd_one = NdAsOneD(&**g);
                        Table::Plain(&nd_one)
                    }
                    _ => {
                        let (d, n) = f.shape();
                        return Err(Error::invalid(format!(
                            "this integrand has ndim = {d}, nout = {n}: vq_integrate_many \
                             integrates functions of one variable"
                        )));
                    }
                }
            }
        };
        let rows = integrate_many(ctx, table, a, b, &options)?;
        let threads = ctx.threads() as u32;
        let mut first_error = None;
        for (k, row) in rows.into_iter().enumerate() {
            let (res, status) = match row {
                Ok(r) => (vq_result::from(&r), VQ_OK),
                Err(e) => {
                    let res = match &e {
                        Error::MaxEvals { partial, .. } => vq_result::from(partial),
                        _ => failed_row(threads),
                    };
                    let s = e.status() as vq_status;
                    first_error.get_or_insert(e);
                    (res, s)
                }
            };
            // SAFETY: `k < m`; both arrays hold `m` writable elements.
            unsafe {
                results.add(k).write(res);
                statuses.add(k).write(status);
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    })
}
