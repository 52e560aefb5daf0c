//! Splitting a fixed-size integral over a box (Monte Carlo, QMC, or a
//! midpoint / Gauss–Legendre tensor rule) across processes (MPI ranks) with
//! a result bitwise identical to one `vq_integrate_nd` call.

use super::boundary::{non_null, status_boundary};
use super::context::vq_context;
use super::integrand::vq_integrand;
use super::nd::write_nd_result;
use super::partition::{partial_inputs, write_partials};
use super::status::vq_status;
use super::types::{vq_options, vq_result};
use crate::error::Error;
use crate::options::Options;
use crate::partition::nd::Distributed;

/// Reads the bounds and options and lays out the run.
///
/// # Safety
/// `lower`/`upper` NULL or readable for `ndim` doubles; `opts` NULL or
/// readable.
unsafe fn plan(
    lower: *const f64,
    upper: *const f64,
    ndim: usize,
    nout: usize,
    opts: *const vq_options,
) -> Result<Distributed, Error> {
    non_null(lower, "lower")?;
    non_null(upper, "upper")?;
    non_null(opts, "opts")?;
    if ndim == 0 || ndim > crate::integrand::nd::MAX_NDIM {
        return Err(Error::invalid(format!(
            "ndim = {ndim}: a box has 1..={} axes",
            crate::integrand::nd::MAX_NDIM
        )));
    }
    // SAFETY: non-NULL and readable for `ndim` doubles / one struct per
    // the caller's contract.
    let (lo, hi, o) = unsafe {
        (
            std::slice::from_raw_parts(lower, ndim),
            std::slice::from_raw_parts(upper, ndim),
            &*opts,
        )
    };
    Distributed::new(lo, hi, nout, &Options::try_from(o)?)
}

/// Number of tasks of a distributed sampling run and the doubles of each
/// task's partial (`2 * nout`).
///
/// Distributed runs (MPI) over a box with a fixed `n > 0`:
/// `VQ_RULE_MONTE_CARLO` and `VQ_RULE_QMC` cut the sample index space into
/// numbered tasks (Monte Carlo: 4096 samples per task; QMC: replicate-major
/// blocks of at most 4096 Sobol points; partial: `2 * nout` doubles), and
/// the tensor rules `VQ_RULE_MIDPOINT` and `VQ_RULE_GAUSS_LEGENDRE` (or
/// `VQ_RULE_AUTO` with `n > 0`) cut their `(n * order)^ndim` points,
/// numbered lexicographically, into blocks (partial: `nout` weighted sums;
/// with `ndim = nout = 1` the 1-D fixed rules split as in
/// `vq_partition_size`, partial: 1 double). The tasks depend only on the
/// rule, the options and the box. Each rank computes a contiguous range of
/// tasks (`vq_partition_range`) with any number of threads, the partials
/// are gathered in task order, and `vq_combine_nd_partials` merges them in
/// the library's fixed tree: the values and errors are bitwise those of
/// `vq_integrate_nd` on one process, for every ranks × threads layout.
///
/// ```c
/// uint64_t ntasks, first, count; size_t plen;
/// vq_partition_nd_size(lower, upper, ndim, nout, &opts, &ntasks, &plen);
/// vq_partition_range(ntasks, rank, nranks, &first, &count);
/// vq_integrate_nd_partial(ctx, f, lower, upper, ndim, &opts, first, count, mine, count * plen);
/// MPI_Gatherv(mine, count * plen, MPI_DOUBLE, all, ..., 0, comm);  // counts × plen
/// if (rank == 0) vq_combine_nd_partials(lower, upper, ndim, nout, &opts, all, ntasks * plen,
///                                       values, abs_errors, &result);
/// ```
///
/// Errors: `VQ_ERR_NULL_ARG`; `VQ_ERR_INVALID_ARG` (an adaptive rule or
/// VEGAS, `n == 0`, bad bounds, infinite bounds with a fixed rule, bad
/// `replicates`, `order`, `ndim` or `nout`).
///
/// # Safety
/// `lower`/`upper` readable for `ndim` doubles, `opts` readable,
/// `ntasks`/`partial_len` writable.
#[no_mangle]
pub unsafe extern "C" fn vq_partition_nd_size(
    lower: *const f64,
    upper: *const f64,
    ndim: usize,
    nout: usize,
    opts: *const vq_options,
    ntasks: *mut u64,
    partial_len: *mut usize,
) -> vq_status {
    status_boundary(|| {
        non_null(ntasks, "ntasks")?;
        non_null(partial_len, "partial_len")?;
        // SAFETY: the caller's contract (above).
        let d = unsafe { plan(lower, upper, ndim, nout, opts) }?;
        // SAFETY: non-NULL and writable per the contract.
        unsafe {
            ntasks.write(d.tasks());
            partial_len.write(d.partial_len());
        }
        Ok(())
    })
}

/// Computes the partials of tasks `first .. first + count` of the
/// distributed run (see `vq_partition_nd_size`) on `ctx`, writing task
/// `first + i`'s partial to `partials[i * partial_len ..]`. `count == 0` is
/// valid (then `partials` may be NULL). On error `partials` is untouched.
///
/// Errors: `VQ_ERR_NULL_ARG`; `VQ_ERR_INVALID_ARG` (as
/// `vq_partition_nd_size`, a shape other than the integrand's, `len <
/// count * partial_len`, a range outside `0..ntasks`); `VQ_ERR_NONFINITE`;
/// `VQ_ERR_CALLBACK`; `VQ_ERR_CANCELLED`.
///
/// # Safety
/// `ctx` and `f` live; bounds and `opts` as in `vq_partition_nd_size`;
/// `partials` writable for `len` doubles.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn vq_integrate_nd_partial(
    ctx: *mut vq_context,
    f: *const vq_integrand,
    lower: *const f64,
    upper: *const f64,
    ndim: usize,
    opts: *const vq_options,
    first: u64,
    count: u64,
    partials: *mut f64,
    len: usize,
) -> vq_status {
    status_boundary(|| {
        // SAFETY: the caller's contract.
        let (ctx, f) = unsafe { partial_inputs(ctx, f, count, partials) }?;
        let (fd, nout) = f.shape();
        if fd != ndim {
            return Err(Error::invalid(format!(
                "shape mismatch: the integrand has ndim = {fd}, the call has ndim = {ndim}"
            )));
        }
        // SAFETY: the caller's contract.
        let d = unsafe { plan(lower, upper, ndim, nout, opts) }?;
        let need = count
            .checked_mul(d.partial_len() as u64)
            .filter(|&n| n <= len as u64)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "len = {len} is below count * partial_len = {count} * {}",
                    d.partial_len()
                ))
            })? as usize;
        // SAFETY: `partials` is writable for `len >= need` doubles.
        unsafe {
            write_partials(partials, need, |mine| {
                f.with_nd(|g| crate::partition::nd::integrate_partials(ctx, &d, g, first, mine))?
            })
        }
    })
}

/// Combines the gathered partials of all tasks (task order) into the
/// values and errors of each of the `nout` components (standard errors for
/// Monte Carlo and QMC, NaN for fixed rules), and the result record of
/// component 0: bitwise what `vq_integrate_nd` gives on one process.
/// `out->threads` is 0.
///
/// Errors: `VQ_ERR_NULL_ARG`; `VQ_ERR_INVALID_ARG` (as
/// `vq_partition_nd_size`, or `len != ntasks * partial_len`).
///
/// # Safety
/// Bounds and `opts` as in `vq_partition_nd_size`; `partials` readable for
/// `len` doubles; `values` and `abs_errors` writable for `nout` doubles;
/// `out` writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn vq_combine_nd_partials(
    lower: *const f64,
    upper: *const f64,
    ndim: usize,
    nout: usize,
    opts: *const vq_options,
    partials: *const f64,
    len: usize,
    values: *mut f64,
    abs_errors: *mut f64,
    out: *mut vq_result,
) -> vq_status {
    status_boundary(|| {
        non_null(values, "values")?;
        non_null(abs_errors, "abs_errors")?;
        non_null(out, "out")?;
        if len > 0 {
            non_null(partials, "partials")?;
        }
        let t0 = std::time::Instant::now();
        // SAFETY: the caller's contract.
        let d = unsafe { plan(lower, upper, ndim, nout, opts) }?;
        let p: &[f64] = if len == 0 {
            &[]
        } else {
            // SAFETY: non-NULL and readable for `len` doubles.
            unsafe { std::slice::from_raw_parts(partials, len) }
        };
        let mut e = d.combine(p)?;
        e.seconds = t0.elapsed().as_secs_f64();
        debug_assert_eq!(e.values.len(), nout);
        // SAFETY: writable for `nout` doubles and one result per the
        // contract.
        unsafe { write_nd_result(&e, values, abs_errors, out) };
        Ok(())
    })
}
