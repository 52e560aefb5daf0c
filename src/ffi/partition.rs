//! Partitioning a fixed-rule integral across processes (MPI ranks) with a
//! result bitwise identical to one `vq_integrate` call.

use super::boundary::{non_null, status_boundary};
use super::context::vq_context;
use super::integrand::vq_integrand;
use super::status::vq_status;
use super::types::{vq_options, vq_result};
use crate::error::Error;
use crate::options::Options;
use crate::partition;

/// Reads the options, which the partition functions require (a fixed rule
/// needs at least `rule` and `n`, so there are no defaults to fall back on).
///
/// # Safety
/// `opts` must be NULL or readable.
unsafe fn read_options(opts: *const vq_options) -> Result<Options, Error> {
    non_null(opts, "opts")?;
    // SAFETY: non-NULL and, per the caller's contract, readable.
    Options::try_from(unsafe { &*opts })
}

/// The live context and integrand of a partial computation, with
/// `partials` checked when `count > 0` (what both partial entry points
/// check first).
///
/// # Safety
/// `ctx` and `f` NULL or live objects from their constructors.
pub(crate) unsafe fn partial_inputs<'a>(
    ctx: *mut vq_context,
    f: *const vq_integrand,
    count: u64,
    partials: *mut f64,
) -> Result<(&'a crate::context::Context, &'a vq_integrand), Error> {
    non_null(ctx, "ctx")?;
    non_null(f, "f")?;
    if count > 0 {
        non_null(partials, "partials")?;
    }
    // SAFETY: non-NULL; the contract makes each a live object.
    Ok(unsafe { (&(*ctx).inner, &*f) })
}

/// Runs `compute` on a private buffer of `need` doubles and, when it
/// succeeds, copies the buffer to `partials`: outputs are written only on
/// success.
///
/// # Safety
/// `partials` must be writable for `need` doubles when `need > 0`.
pub(crate) unsafe fn write_partials(
    partials: *mut f64,
    need: usize,
    compute: impl FnOnce(&mut [f64]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut mine = vec![0.0; need];
    compute(&mut mine)?;
    if need > 0 {
        // SAFETY: writable for `need` doubles per the caller's contract,
        // and cannot overlap the fresh `mine`.
        unsafe { std::ptr::copy_nonoverlapping(mine.as_ptr(), partials, need) };
    }
    Ok(())
}

/// Number of tasks of the fixed rule `*opts` on `[a, b]`: the length of
/// the list of partials that `vq_combine_partials` reduces. 0 when `a == b`.
///
/// Distributed runs (MPI). A fixed-rule integral is a list of numbered tasks
/// that depends only on the rule, `n`, `order` and the bounds; each task
/// yields one double, its partial. Every rank computes a contiguous range of
/// tasks with any number of threads, the partials are gathered in task
/// order, and one combine reduces them in the library's fixed order. The
/// value is bitwise identical to `vq_integrate` on one process, for every
/// ranks × threads layout (unlike `MPI_Reduce` over per-rank doubles).
///
/// ```c
/// uint64_t ntasks, first, count;
/// vq_partition_size(a, b, &opts, &ntasks);            // same on every rank
/// vq_partition_range(ntasks, rank, nranks, &first, &count);
/// double *mine = malloc((count ? count : 1) * sizeof(double));
/// vq_status s = vq_integrate_partial(ctx, f, a, b, &opts, first, count, mine, count);
/// // Agree on failure before collective calls: MPI_Allreduce(s, MPI_MAX).
/// // counts[r], displs[r] = count, first of vq_partition_range(ntasks, r, nranks)
/// MPI_Gatherv(mine, (int)count, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, comm);
/// if (rank == 0) vq_combine_partials(a, b, &opts, all, ntasks, &result);
/// ```
///
/// With `MPI_Allgatherv` (same arguments, no root) every rank can combine and
/// gets the same bits. `ntasks` is at most 262 144 (4096 per Gauss–Legendre
/// node), so MPI's `int` counts suffice.
///
/// Errors: `VQ_ERR_NULL_ARG` (opts or ntasks NULL); `VQ_ERR_INVALID_ARG`
/// for anything `vq_integrate` rejects, and for adaptive rules (including
/// `VQ_RULE_AUTO` with `n == 0`), which do not split into tasks.
///
/// # Safety
/// `opts` must be readable; `ntasks` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_partition_size(
    a: f64,
    b: f64,
    opts: *const vq_options,
    ntasks: *mut u64,
) -> vq_status {
    status_boundary(|| {
        non_null(ntasks, "ntasks")?;
        // SAFETY: the caller's contract makes `opts` NULL or readable.
        let options = unsafe { read_options(opts) }?;
        let n = partition::tasks(a, b, &options)?;
        // SAFETY: non-NULL and writable per the contract.
        unsafe { ntasks.write(n) };
        Ok(())
    })
}

/// The contiguous, balanced share of rank `rank` of `nranks` in `ntasks`
/// tasks: `*first` and `*count`. The first `ntasks % nranks` ranks get one
/// task more than the others, and rank order is task order, so the shares
/// of ranks 0, 1, … concatenate to `0..ntasks` (a rank may get 0 tasks).
/// Pure arithmetic: any rank can compute every rank's share, as
/// `MPI_Gatherv` needs.
///
/// Errors: `VQ_ERR_NULL_ARG` (first or count NULL); `VQ_ERR_INVALID_ARG`
/// (`nranks == 0` or `rank >= nranks`).
///
/// # Safety
/// `first` and `count` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_partition_range(
    ntasks: u64,
    rank: u32,
    nranks: u32,
    first: *mut u64,
    count: *mut u64,
) -> vq_status {
    status_boundary(|| {
        non_null(first, "first")?;
        non_null(count, "count")?;
        let (f, c) = partition::range(ntasks, rank, nranks)?;
        // SAFETY: both non-NULL and writable per the contract.
        unsafe {
            first.write(f);
            count.write(c);
        }
        Ok(())
    })
}

/// Computes the partials of tasks `first .. first + count` of the fixed rule
/// `*opts` on `[a, b]` on context `ctx` (with its threads), writing the
/// partial of task `first + i` to `partials[i]`. See `vq_partition_size` for
/// the whole recipe. `count == 0` is valid (a rank with no share); then
/// `partials` may be NULL.
///
/// On any error `partials` is untouched. When the integrand fails, the error
/// is that of the lowest-numbered failing task in this range.
///
/// Errors: `VQ_ERR_NULL_ARG` (ctx, f, opts NULL, or partials NULL with
/// `count > 0`); `VQ_ERR_INVALID_ARG` (as `vq_partition_size`, or `len <
/// count`, or the range is not inside `0..ntasks`); `VQ_ERR_NONFINITE`;
/// `VQ_ERR_CALLBACK`; `VQ_ERR_CANCELLED` (`vq_context_cancel` on `ctx`);
/// `VQ_ERR_PANIC`.
///
/// # Safety
/// `ctx` and `f` must be live objects from their constructors; `opts` must
/// be readable; `partials` must be NULL or writable for `len` doubles.
#[no_mangle]
pub unsafe extern "C" fn vq_integrate_partial(
    ctx: *mut vq_context,
    f: *const vq_integrand,
    a: f64,
    b: f64,
    opts: *const vq_options,
    first: u64,
    count: u64,
    partials: *mut f64,
    len: usize,
) -> vq_status {
    status_boundary(|| {
        // SAFETY: the caller's contract.
        let (ctx, f) = unsafe { partial_inputs(ctx, f, count, partials) }?;
        // SAFETY: the caller's contract makes `opts` NULL or readable.
        let options = unsafe { read_options(opts) }?;
        if count > len as u64 {
            return Err(Error::invalid(format!(
                "count = {count} partials do not fit in len = {len}"
            )));
        }
        // Checked before allocating, so a wild count fails cleanly.
        partition::check_range(partition::tasks(a, b, &options)?, first, count)?;
        // SAFETY: `partials` is writable for `len >= count` doubles.
        unsafe {
            write_partials(partials, count as usize, |mine| {
                f.with_one_d(|f| partition::integrate_partial(ctx, f, a, b, &options, first, mine))?
            })
        }
    })
}

/// Combines the partials of all `ntasks` tasks of the fixed rule `*opts` on
/// `[a, b]`, in task order (as `MPI_Gatherv` in rank order delivers them),
/// into `*out`: the value is bitwise the `vq_integrate` value for the same
/// `a`, `b` and options, and so are `evals` and `subintervals`. `threads` is
/// 0 (no context runs a combine) and `seconds` is the combine's own time.
/// `ntasks == 0` (when `a == b`) allows `partials == NULL`.
///
/// On error `*out` is untouched.
///
/// Errors: `VQ_ERR_NULL_ARG` (opts or out NULL, or partials NULL with
/// `ntasks > 0`); `VQ_ERR_INVALID_ARG` (as `vq_partition_size`, or `ntasks`
/// differs from what `vq_partition_size` gives).
///
/// # Safety
/// `opts` must be readable; `partials` must be NULL or readable for
/// `ntasks` doubles; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_combine_partials(
    a: f64,
    b: f64,
    opts: *const vq_options,
    partials: *const f64,
    ntasks: usize,
    out: *mut vq_result,
) -> vq_status {
    status_boundary(|| {
        non_null(out, "out")?;
        // SAFETY: the caller's contract makes `opts` NULL or readable.
        let options = unsafe { read_options(opts) }?;
        let expected = partition::tasks(a, b, &options)?;
        if ntasks as u64 != expected {
            return Err(Error::invalid(format!(
                "got ntasks = {ntasks}; this rule, n and interval have {expected} tasks"
            )));
        }
        let all: &[f64] = if ntasks == 0 {
            &[]
        } else {
            non_null(partials, "partials")?;
            // SAFETY: non-NULL and readable for `ntasks` doubles per the
            // contract; `ntasks` was checked against the plan (at most a few
            // hundred thousand) before the slice is formed.
            unsafe { std::slice::from_raw_parts(partials, ntasks) }
        };
        let r = partition::combine(a, b, &options, all)?;
        // SAFETY: non-NULL and writable per the contract.
        unsafe { out.write(vq_result::from(&r)) };
        Ok(())
    })
}
