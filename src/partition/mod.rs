//! Splitting a fixed-rule integral across processes (e.g. MPI ranks) so that
//! the combined result has exactly the bits of a single-process run.
//!
//! Invariant: a partition and a single call run the same plan and combine
//! with the same code, so the bits agree for every ranks × threads layout.
//! This module is part of the api layer: it builds on `rules` and `exec`,
//! its submodule [`nd`] (boxes: Monte Carlo, QMC and tensor rules) on
//! `cubature` and `sampling` as well, and nothing below imports it.
//!
//! A fixed rule on an interval is a list of numbered tasks that depends only
//! on the rule, `n`, `order` and the bounds ([`tasks`]). Each task yields one
//! double, its *partial*. Rank `r` of `R` computes a contiguous range of
//! tasks ([`range`], [`integrate_partial`]) on its own context with any
//! number of threads; the partials are gathered in task order (rank order,
//! e.g. with `MPI_Gatherv`) and [`combine`] reduces them with the library's
//! fixed-order reduction. [`crate::Context::integrate`] computes the same
//! partials and combines them with the same code, so the value is bitwise
//! identical for every ranks × threads layout.
//!
//! # Examples
//! ```
//! use vquad::partition;
//! use vquad::{Context, Options, Poly, Rule};
//! let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap();
//! let opts = Options::fixed(Rule::Simpson, 3_000_000);
//! let ntasks = partition::tasks(0.0, 5.0, &opts).unwrap();
//! let mut gathered = Vec::new();
//! for rank in 0..3 {
//!     // In a real run each rank does this in its own process.
//!     let ctx = Context::new(1).unwrap();
//!     let (first, count) = partition::range(ntasks, rank, 3).unwrap();
//!     let mut mine = vec![0.0; count as usize];
//!     partition::integrate_partial(&ctx, &f, 0.0, 5.0, &opts, first, &mut mine).unwrap();
//!     gathered.extend_from_slice(&mine);
//! }
//! let r = partition::combine(0.0, 5.0, &opts, &gathered).unwrap();
//! let single = Context::new(2).unwrap().integrate(&f, 0.0, 5.0, &opts).unwrap();
//! assert_eq!(r.value.to_bits(), single.value.to_bits());
//! ```

pub mod nd;

use std::time::Instant;

use crate::api::record;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::exec::evaluator::Evaluator;
use crate::integrand::Integrand;
use crate::options::Options;
use crate::result::Integral;
use crate::rules::fixed_plan;

pub use crate::blocks::{BLOCK, MAX_TASKS};

/// Number of tasks (and partials) of the fixed rule `opts` on `[a, b]`;
/// 0 when `a == b`.
///
/// # Errors
/// [`Error::InvalidArg`] for options [`crate::Context::integrate`] rejects,
/// and for adaptive rules (`Rule::Auto` needs `n > 0` here).
pub fn tasks(a: f64, b: f64, opts: &Options) -> Result<u64> {
    Ok(fixed_plan(a, b, opts)?.tasks())
}

/// The contiguous share of rank `rank` of `nranks` in `ntasks` tasks, as
/// `(first, count)`: the first `ntasks % nranks` ranks get one task more
/// than the others, and rank order is task order.
///
/// # Errors
/// [`Error::InvalidArg`] when `nranks == 0` or `rank >= nranks`.
pub fn range(ntasks: u64, rank: u32, nranks: u32) -> Result<(u64, u64)> {
    if nranks == 0 || rank >= nranks {
        return Err(Error::invalid(format!(
            "rank {rank} is out of range for {nranks} ranks (need rank < nranks)"
        )));
    }
    let (r, nr) = (u64::from(rank), u64::from(nranks));
    let (base, extra) = (ntasks / nr, ntasks % nr);
    Ok((r * base + r.min(extra), base + u64::from(r < extra)))
}

/// Checks that tasks `first .. first + count` lie inside `0..ntasks`.
///
/// # Errors
/// [`Error::InvalidArg`] when they do not.
pub fn check_range(ntasks: u64, first: u64, count: u64) -> Result<()> {
    crate::rules::fixed::check_range(ntasks, first, count)
}

/// Computes the partials of tasks `first .. first + partials.len()` of the
/// fixed rule `opts` on `[a, b]` on `ctx`, into `partials`.
///
/// # Errors
/// As [`tasks`], plus [`Error::InvalidArg`] when the range is not inside
/// `0..tasks(a, b, opts)`, [`Error::Eval`] when the integrand fails in this
/// range, and [`Error::Cancelled`] when [`Context::cancel`] is called
/// meanwhile (after an error `partials` is unspecified).
pub fn integrate_partial(
    ctx: &Context,
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
    first: u64,
    partials: &mut [f64],
) -> Result<()> {
    let plan = fixed_plan(a, b, opts)?;
    let ev = Evaluator::new(ctx);
    plan.run(&ev, f, first, partials)?;
    ev.finish();
    Ok(())
}

/// Combines the partials of all tasks, in task order, into the integral:
/// bitwise what [`crate::Context::integrate`] returns for the same `a`, `b`
/// and `opts`. The result's `threads` is 0 (no context runs a combine) and
/// `seconds` is the time of the combine itself.
///
/// # Errors
/// As [`tasks`], plus [`Error::InvalidArg`] when `partials.len()` is not
/// the number of tasks.
pub fn combine(a: f64, b: f64, opts: &Options, partials: &[f64]) -> Result<Integral> {
    let t0 = Instant::now();
    let plan = fixed_plan(a, b, opts)?;
    let value = plan.combine(partials)?;
    Ok(record(plan.computed(value), 0, t0.elapsed().as_secs_f64()))
}
