//! Distributed runs: partials computed by R "ranks" (each with its own
//! context and thread count) and combined give exactly the bits of one
//! `integrate` call, through the Rust API and through the C ABI.

use std::ffi::{c_void, CStr};
use std::ptr::{null, null_mut};

use vquad::ffi::*;
use vquad::partition;
use vquad::partition::{BLOCK, MAX_TASKS};
use vquad::{Context, Error, Integrand, Options, Poly, Rule};

/// Runs the integral as `nranks` ranks with `threads[r % len]` threads each,
/// gathering the partials in rank order as MPI_Gatherv would.
fn distributed(
    f: &dyn Integrand,
    a: f64,
    b: f64,
    opts: &Options,
    nranks: u32,
    threads: &[usize],
) -> vquad::Integral {
    let ntasks = partition::tasks(a, b, opts).unwrap();
    let mut gathered = Vec::with_capacity(ntasks as usize);
    for rank in 0..nranks {
        let ctx = Context::new(threads[rank as usize % threads.len()]).unwrap();
        let (first, count) = partition::range(ntasks, rank, nranks).unwrap();
        assert_eq!(first, gathered.len() as u64, "rank order is task order");
        let mut mine = vec![f64::NAN; count as usize];
        partition::integrate_partial(&ctx, f, a, b, opts, first, &mut mine).unwrap();
        gathered.extend_from_slice(&mine);
    }
    partition::combine(a, b, opts, &gathered).unwrap()
}

fn gl(order: u32, n: u64) -> Options {
    Options {
        order,
        ..Options::fixed(Rule::GaussLegendre, n)
    }
}

/// Task counts that do not divide evenly among 2..5 ranks, with a last
/// partial block; `big` adds a stream with two blocks per task.
fn uneven_cases(big: bool) -> Vec<Options> {
    let odd = 7 * BLOCK as u64 + 123; // 8 blocks, the last partial
    let mut cases = vec![
        Options::fixed(Rule::Midpoint, odd),
        Options::fixed(Rule::Trapezoid, odd),
        Options::fixed(Rule::Trapezoid, 1),
        Options::fixed(Rule::Simpson, odd),
        Options::fixed(Rule::Simpson, 5),
        gl(3, 11 * BLOCK as u64 + 1),
        gl(0, 2 * BLOCK as u64 + 5),
        Options::fixed(Rule::Auto, 3 * BLOCK as u64),
    ];
    if big {
        cases.push(Options::fixed(
            Rule::Midpoint,
            (MAX_TASKS + 3) * BLOCK as u64 + 77,
        ));
    }
    cases
}

#[test]
fn partials_combined_over_1_to_5_ranks_equal_integrate_bits_for_every_fixed_rule() {
    let single = Context::new(3).unwrap();
    let poly = Poly::new(&[7.0, -1.5, 1.0, 0.25]).unwrap();
    let wavy = |x: f64| (3.0 * x).sin() * (-x * x).exp() + 1.0;
    // The polynomial also runs a 67M-point case (two blocks per task).
    let integrands: [(&dyn Integrand, bool); 2] = [(&poly, true), (&wavy, false)];
    for (f, big) in integrands {
        for opts in uneven_cases(big) {
            let want = single.integrate(f, -0.75, 2.0, &opts).unwrap();
            for nranks in 1..=5 {
                let got = distributed(f, -0.75, 2.0, &opts, nranks, &[1, 2, 3]);
                assert_eq!(
                    got.value.to_bits(),
                    want.value.to_bits(),
                    "{:?} n = {} over {nranks} ranks: {} vs {}",
                    opts.rule,
                    opts.n,
                    got.value,
                    want.value
                );
                assert_eq!(
                    (got.evals, got.subintervals),
                    (want.evals, want.subintervals)
                );
                assert!(got.abs_error.is_none());
            }
        }
    }
}

#[test]
fn reversed_bounds_and_empty_intervals_combine_like_integrate() {
    let ctx = Context::new(2).unwrap();
    let f = Poly::new(&[1.0, 2.0, 3.0]).unwrap();
    for opts in uneven_cases(false) {
        let want = ctx.integrate(&f, 2.0, -0.75, &opts).unwrap();
        let got = distributed(&f, 2.0, -0.75, &opts, 3, &[2]);
        assert_eq!(got.value.to_bits(), want.value.to_bits(), "{:?}", opts.rule);
        assert!(got.value < 0.0);

        assert_eq!(partition::tasks(1.5, 1.5, &opts).unwrap(), 0);
        let empty = partition::combine(1.5, 1.5, &opts, &[]).unwrap();
        let want = ctx.integrate(&f, 1.5, 1.5, &opts).unwrap();
        assert_eq!(empty.value.to_bits(), want.value.to_bits());
        assert_eq!((empty.evals, empty.subintervals), (0, 0));
    }
}

#[test]
fn ranges_are_contiguous_balanced_and_cover_every_task() {
    for ntasks in [0u64, 1, 2, 7, 64, 262_145] {
        for nranks in 1..=9u32 {
            let mut next = 0;
            let mut sizes = Vec::new();
            for rank in 0..nranks {
                let (first, count) = partition::range(ntasks, rank, nranks).unwrap();
                assert_eq!(first, next);
                next += count;
                sizes.push(count);
            }
            assert_eq!(next, ntasks);
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(hi - lo <= 1, "{ntasks} over {nranks}: {sizes:?}");
        }
    }
    assert!(matches!(
        partition::range(10, 3, 3),
        Err(Error::InvalidArg(_))
    ));
    assert!(matches!(
        partition::range(10, 0, 0),
        Err(Error::InvalidArg(_))
    ));
}

#[test]
fn adaptive_rules_bad_ranges_and_wrong_partial_counts_are_invalid() {
    let ctx = Context::new(1).unwrap();
    let f = Poly::new(&[1.0]).unwrap();
    let adaptive = Options::default();
    assert!(matches!(
        partition::tasks(0.0, 1.0, &adaptive),
        Err(Error::InvalidArg(_))
    ));
    // Same checks as integrate: NaN bounds, order out of range, n = 0.
    let opts = Options::fixed(Rule::Simpson, 40_000);
    assert!(partition::tasks(f64::NAN, 1.0, &opts).is_err());
    assert!(partition::tasks(0.0, 1.0, &Options { order: 65, ..opts }).is_err());
    assert!(partition::tasks(0.0, 1.0, &Options { n: 0, ..opts }).is_err());

    let ntasks = partition::tasks(0.0, 1.0, &opts).unwrap();
    assert_eq!(
        ntasks,
        1 + 3 + 3,
        "endpoint task, then two streams of 3 tasks"
    );
    let mut buf = vec![0.0; 3];
    let past_end = partition::integrate_partial(&ctx, &f, 0.0, 1.0, &opts, ntasks - 2, &mut buf);
    assert!(matches!(past_end, Err(Error::InvalidArg(_))));
    let too_few = partition::combine(0.0, 1.0, &opts, &buf);
    assert!(matches!(too_few, Err(Error::InvalidArg(_))));
}

#[test]
fn a_failing_task_fails_only_the_rank_that_owns_it() {
    let opts = Options::fixed(Rule::Midpoint, 8 * BLOCK as u64);
    // Non-finite near the right end: only the last rank's tasks see it.
    let f = |x: f64| if x > 0.95 { f64::INFINITY } else { x };
    let ctx = Context::new(2).unwrap();
    let whole = ctx.integrate(&f, 0.0, 1.0, &opts).unwrap_err();
    let ntasks = partition::tasks(0.0, 1.0, &opts).unwrap();
    for rank in 0..2 {
        let (first, count) = partition::range(ntasks, rank, 2).unwrap();
        let mut mine = vec![0.0; count as usize];
        let r = partition::integrate_partial(&ctx, &f, 0.0, 1.0, &opts, first, &mut mine);
        match rank {
            0 => r.unwrap(),
            _ => assert_eq!(r.unwrap_err().to_string(), whole.to_string()),
        }
    }
}

// ---- The C ABI -------------------------------------------------------------

fn last_error() -> String {
    // SAFETY: vq_last_error returns a valid NUL-terminated thread-local string.
    unsafe { CStr::from_ptr(vq_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn options(rule: vq_rule, n: u64) -> vq_options {
    let mut o = std::mem::MaybeUninit::<vq_options>::uninit();
    // SAFETY: writes a full vq_options into valid memory.
    unsafe { vq_options_default(o.as_mut_ptr()) };
    // SAFETY: initialised just above.
    let mut o = unsafe { o.assume_init() };
    o.rule = rule;
    o.n = n;
    o
}

unsafe extern "C" fn bump(x: f64, params: *mut c_void) -> f64 {
    // SAFETY: params points to a live f64 (set up by the test).
    let k = unsafe { *(params as *const f64) };
    (k * x).cos() + x * x
}

struct Handles {
    ctx: Vec<*mut vq_context>,
    f: *mut vq_integrand,
}

impl Drop for Handles {
    fn drop(&mut self) {
        // SAFETY: created by the constructors and freed once.
        unsafe {
            vq_integrand_free(self.f);
            for c in &self.ctx {
                vq_context_free(*c);
            }
        }
    }
}

fn handles(k: &f64) -> Handles {
    let mut ctx = Vec::new();
    for t in [1, 2, 3] {
        let mut c = null_mut();
        // SAFETY: valid out pointer.
        assert_eq!(unsafe { vq_context_new(t, &mut c) }, VQ_OK);
        ctx.push(c);
    }
    let mut f = null_mut();
    let params = k as *const f64 as *mut c_void;
    // SAFETY: `bump` only reads *params, which outlives the integrand.
    assert_eq!(
        unsafe { vq_integrand_fn(Some(bump), params, &mut f) },
        VQ_OK
    );
    Handles { ctx, f }
}

#[test]
fn c_partition_round_trip_equals_vq_integrate_bits() {
    let k = 2.5;
    let h = handles(&k);
    let cases = [
        (VQ_RULE_MIDPOINT, 5 * BLOCK as u64 + 3, 0),
        (VQ_RULE_TRAPEZOID, 3 * BLOCK as u64 + 1, 0),
        (VQ_RULE_SIMPSON, 2 * BLOCK as u64 + 9, 0),
        (VQ_RULE_GAUSS_LEGENDRE, BLOCK as u64 + 17, 5),
    ];
    for (rule, n, order) in cases {
        let mut o = options(rule, n);
        o.order = order;
        for (a, b) in [(-1.0, 3.0), (3.0, -1.0)] {
            let mut want = std::mem::MaybeUninit::<vq_result>::uninit();
            // SAFETY: live handles, valid pointers.
            let s = unsafe { vq_integrate(h.ctx[1], h.f, a, b, &o, want.as_mut_ptr()) };
            assert_eq!(s, VQ_OK, "{}", last_error());
            // SAFETY: written on VQ_OK.
            let want = unsafe { want.assume_init() };
            let mut ntasks = 0u64;
            // SAFETY: valid pointers.
            assert_eq!(unsafe { vq_partition_size(a, b, &o, &mut ntasks) }, VQ_OK);
            for nranks in 1..=5u32 {
                let mut all = vec![f64::NAN; ntasks as usize];
                for rank in 0..nranks {
                    let (mut first, mut count) = (0u64, 0u64);
                    // SAFETY: valid out pointers.
                    let s =
                        unsafe { vq_partition_range(ntasks, rank, nranks, &mut first, &mut count) };
                    assert_eq!(s, VQ_OK);
                    let mine = &mut all[first as usize..(first + count) as usize];
                    let ctx = h.ctx[rank as usize % 3];
                    // SAFETY: `mine` holds `count` doubles; handles are live.
                    let s = unsafe {
                        vq_integrate_partial(
                            ctx,
                            h.f,
                            a,
                            b,
                            &o,
                            first,
                            count,
                            mine.as_mut_ptr(),
                            mine.len(),
                        )
                    };
                    assert_eq!(s, VQ_OK, "{}", last_error());
                }
                let mut got = std::mem::MaybeUninit::<vq_result>::uninit();
                // SAFETY: `all` holds ntasks doubles; valid out pointer.
                let s = unsafe {
                    vq_combine_partials(a, b, &o, all.as_ptr(), all.len(), got.as_mut_ptr())
                };
                assert_eq!(s, VQ_OK, "{}", last_error());
                // SAFETY: written on VQ_OK.
                let got = unsafe { got.assume_init() };
                assert_eq!(
                    got.value.to_bits(),
                    want.value.to_bits(),
                    "rule {rule} R {nranks}"
                );
                assert_eq!(
                    (got.evals, got.subintervals),
                    (want.evals, want.subintervals)
                );
                assert_eq!(got.threads, 0);
                assert!(got.abs_error.is_nan());
            }
        }
    }
}

#[test]
fn c_partition_errors_leave_outputs_untouched() {
    let k = 1.0;
    let h = handles(&k);
    let o = options(VQ_RULE_SIMPSON, 3 * BLOCK as u64);
    let mut n = 77u64;
    // SAFETY (all calls below): pointers are valid or NULL as each case intends.
    unsafe {
        assert_eq!(vq_partition_size(0.0, 1.0, null(), &mut n), VQ_ERR_NULL_ARG);
        assert_eq!(vq_partition_size(0.0, 1.0, &o, null_mut()), VQ_ERR_NULL_ARG);
        let adaptive = options(VQ_RULE_AUTO, 0);
        assert_eq!(
            vq_partition_size(0.0, 1.0, &adaptive, &mut n),
            VQ_ERR_INVALID_ARG
        );
        assert!(
            last_error().contains("not a fixed rule"),
            "{}",
            last_error()
        );
        let bad_rule = options(99, 10);
        assert_eq!(
            vq_partition_size(0.0, 1.0, &bad_rule, &mut n),
            VQ_ERR_INVALID_ARG
        );
        assert_eq!(n, 77);
        assert_eq!(vq_partition_size(0.0, 1.0, &o, &mut n), VQ_OK);
        assert_eq!(n, 7);

        let (mut first, mut count) = (5u64, 5u64);
        assert_eq!(
            vq_partition_range(7, 2, 2, &mut first, &mut count),
            VQ_ERR_INVALID_ARG
        );
        assert_eq!(
            vq_partition_range(7, 0, 0, &mut first, &mut count),
            VQ_ERR_INVALID_ARG
        );
        assert_eq!(
            vq_partition_range(7, 0, 2, null_mut(), &mut count),
            VQ_ERR_NULL_ARG
        );
        assert_eq!(
            vq_partition_range(7, 0, 2, &mut first, null_mut()),
            VQ_ERR_NULL_ARG
        );
        assert_eq!((first, count), (5, 5));

        let mut buf = [9.0; 8];
        let p = buf.as_mut_ptr();
        let c = h.ctx[0];
        assert_eq!(
            vq_integrate_partial(null_mut(), h.f, 0.0, 1.0, &o, 0, 2, p, 8),
            VQ_ERR_NULL_ARG
        );
        assert_eq!(
            vq_integrate_partial(c, null(), 0.0, 1.0, &o, 0, 2, p, 8),
            VQ_ERR_NULL_ARG
        );
        assert_eq!(
            vq_integrate_partial(c, h.f, 0.0, 1.0, null(), 0, 2, p, 8),
            VQ_ERR_NULL_ARG
        );
        let null_buf = vq_integrate_partial(c, h.f, 0.0, 1.0, &o, 0, 2, null_mut(), 8);
        assert_eq!(null_buf, VQ_ERR_NULL_ARG);
        let short = vq_integrate_partial(c, h.f, 0.0, 1.0, &o, 0, 3, p, 2);
        assert_eq!(short, VQ_ERR_INVALID_ARG);
        let past_end = vq_integrate_partial(c, h.f, 0.0, 1.0, &o, 6, 2, p, 8);
        assert_eq!(past_end, VQ_ERR_INVALID_ARG);
        let wild = vq_integrate_partial(c, h.f, 0.0, 1.0, &o, 1, u64::MAX, p, usize::MAX);
        assert_eq!(wild, VQ_ERR_INVALID_ARG);
        assert_eq!(buf, [9.0; 8], "partials written on error");
        // A rank with no share may pass NULL.
        assert_eq!(
            vq_integrate_partial(c, h.f, 0.0, 1.0, &o, 7, 0, null_mut(), 0),
            VQ_OK
        );

        let sentinel = vq_result {
            value: 1.0,
            abs_error: 2.0,
            evals: 3,
            threads: 4,
            seconds: 5.0,
            subintervals: 6,
        };
        let mut out = sentinel;
        let q = buf.as_ptr();
        assert_eq!(
            vq_combine_partials(0.0, 1.0, &o, q, 6, &mut out),
            VQ_ERR_INVALID_ARG
        );
        assert!(last_error().contains("7 tasks"), "{}", last_error());
        assert_eq!(
            vq_combine_partials(0.0, 1.0, &o, q, usize::MAX, &mut out),
            VQ_ERR_INVALID_ARG
        );
        assert_eq!(
            vq_combine_partials(0.0, 1.0, &o, null(), 7, &mut out),
            VQ_ERR_NULL_ARG
        );
        assert_eq!(
            vq_combine_partials(0.0, 1.0, null(), q, 7, &mut out),
            VQ_ERR_NULL_ARG
        );
        assert_eq!(
            vq_combine_partials(0.0, 1.0, &o, q, 7, null_mut()),
            VQ_ERR_NULL_ARG
        );
        assert_eq!(out, sentinel, "result written on error");
        // a == b: no tasks, and NULL partials are fine.
        assert_eq!(
            vq_combine_partials(1.0, 1.0, &o, null(), 0, &mut out),
            VQ_OK
        );
        assert_eq!((out.value, out.evals, out.subintervals), (0.0, 0, 0));
    }
}
