//! Distributed runs over a box (`vq_partition_nd_size`,
//! `vq_integrate_nd_partial`, `vq_combine_nd_partials`, and their Rust
//! twins): Monte Carlo, QMC and the fixed tensor rules, split over any
//! number of "ranks" with any thread count, combine to the bits of one
//! `vq_integrate_nd` call.

use std::ffi::{c_void, CString};
use std::ptr;

use vquad::ffi::*;
use vquad::partition::nd::Distributed;
use vquad::{Context, NdFn, Options, Rule};

mod common;
use common::ffi_nd::{context, integrate_nd, last_error};

/// Component k: `(k + 1) · x1^5 · x2^2 · … ` (a polynomial of degree 5 per
/// axis, which Gauss–Legendre of order 3 integrates exactly).
unsafe extern "C" fn poly_batch(
    x: *const f64,
    npts: usize,
    ndim: usize,
    f: *mut f64,
    nout: usize,
    _: *mut c_void,
) -> i32 {
    for i in 0..npts {
        let p = std::slice::from_raw_parts(x.add(i * ndim), ndim);
        let v: f64 = p
            .iter()
            .enumerate()
            .map(|(j, t)| t.powi(5 - (j as i32 % 4)))
            .product();
        for k in 0..nout {
            *f.add(i * nout + k) = (k as f64 + 1.0) * v;
        }
    }
    0
}

unsafe extern "C" fn gauss_1d(x: f64, _: *mut c_void) -> f64 {
    (-x * x).exp()
}

fn opts(rule: vq_rule, n: u64, order: u32) -> vq_options {
    let mut o = unsafe {
        let mut o = std::mem::zeroed();
        vq_options_default(&mut o);
        o
    };
    o.rule = rule;
    o.n = n;
    o.order = order;
    o.seed = 77;
    o
}

/// What a call returns: values, errors and the record of component 0.
type Run = (Vec<f64>, Vec<f64>, vq_result);

/// `vq_integrate_nd` on one process with 2 threads.
fn single(f: *const vq_integrand, lo: &[f64], hi: &[f64], o: &vq_options, nout: usize) -> Run {
    integrate_nd(f, lo, hi, o, nout, 2)
}

/// The tasks and partial length of a distributed run.
fn size(lo: &[f64], hi: &[f64], o: &vq_options, nout: usize) -> Result<(u64, usize), String> {
    let (mut ntasks, mut plen) = (0u64, 0usize);
    let s = unsafe {
        vq_partition_nd_size(
            lo.as_ptr(),
            hi.as_ptr(),
            lo.len(),
            nout,
            o,
            &mut ntasks,
            &mut plen,
        )
    };
    if s == 0 {
        Ok((ntasks, plen))
    } else {
        Err(last_error())
    }
}

/// The run split over `nranks` ranks of `threads` threads each, gathered
/// in rank order and combined.
fn split(
    f: *const vq_integrand,
    lo: &[f64],
    hi: &[f64],
    o: &vq_options,
    nout: usize,
    nranks: u32,
    threads: u32,
) -> Run {
    let (ntasks, plen) = size(lo, hi, o, nout).unwrap();
    let mut all = Vec::new();
    for rank in 0..nranks {
        let (mut first, mut count) = (0, 0);
        assert_eq!(
            unsafe { vq_partition_range(ntasks, rank, nranks, &mut first, &mut count) },
            0
        );
        let mut mine = vec![0.0; count as usize * plen];
        let ctx = context(threads);
        let s = unsafe {
            vq_integrate_nd_partial(
                ctx,
                f,
                lo.as_ptr(),
                hi.as_ptr(),
                lo.len(),
                o,
                first,
                count,
                if mine.is_empty() {
                    ptr::null_mut()
                } else {
                    mine.as_mut_ptr()
                },
                mine.len(),
            )
        };
        unsafe { vq_context_free(ctx) };
        assert_eq!(s, 0, "{}", last_error());
        all.extend(mine);
    }
    let (mut v, mut e) = (vec![0.0; nout], vec![0.0; nout]);
    let mut r = unsafe { std::mem::zeroed::<vq_result>() };
    let s = unsafe {
        vq_combine_nd_partials(
            lo.as_ptr(),
            hi.as_ptr(),
            lo.len(),
            nout,
            o,
            if all.is_empty() {
                ptr::null()
            } else {
                all.as_ptr()
            },
            all.len(),
            v.as_mut_ptr(),
            e.as_mut_ptr(),
            &mut r,
        )
    };
    assert_eq!(s, 0, "{}", last_error());
    (v, e, r)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Every layout gives the single-process values, errors (NaN for fixed
/// rules), evaluations and regions.
fn assert_layouts_match(
    f: *const vq_integrand,
    lo: &[f64],
    hi: &[f64],
    o: &vq_options,
    nout: usize,
    what: &str,
) -> Run {
    let want = single(f, lo, hi, o, nout);
    for (nranks, threads) in [(1u32, 1u32), (2, 2), (3, 1), (3, 8), (7, 3), (16, 1)] {
        let got = split(f, lo, hi, o, nout, nranks, threads);
        let layout = format!("{what}: {nranks} ranks x {threads} threads");
        assert_eq!(bits(&got.0), bits(&want.0), "{layout}");
        assert_eq!(bits(&got.1), bits(&want.1), "{layout}");
        assert_eq!(got.2.value.to_bits(), want.2.value.to_bits(), "{layout}");
        assert_eq!(got.2.evals, want.2.evals, "{layout}");
        assert_eq!(got.2.subintervals, want.2.subintervals, "{layout}");
    }
    want
}

#[test]
fn distributed_mc_and_qmc_partials_combine_to_the_single_process_bits() {
    let mut f = ptr::null_mut();
    let e = CString::new("exp(-(x1^2 + x2^2 + x3^2 + x4^2 + x5^2))").unwrap();
    assert_eq!(unsafe { vq_integrand_expr_nd(e.as_ptr(), 5, &mut f) }, 0);
    let (lo, hi) = ([0.0; 5], [1.0, 1.0, 1.0, 2.0, f64::INFINITY]);
    for (rule, n) in [
        (VQ_RULE_QMC, 3000u64),
        (VQ_RULE_MONTE_CARLO, 50_001),
        (VQ_RULE_QMC, 1 << 14),
    ] {
        let o = opts(rule, n, 0);
        assert_eq!(size(&lo, &hi, &o, 1).unwrap().1, 2);
        let (_, err, _) = assert_layouts_match(f, &lo, &hi, &o, 1, &format!("rule {rule}"));
        assert!(err[0] > 0.0 && err[0].is_finite());
    }
    // Adaptive runs and VEGAS do not split.
    for (rule, n) in [
        (VQ_RULE_QMC, 0u64),
        (VQ_RULE_VEGAS, 1000),
        (VQ_RULE_GENZ_MALIK, 0),
    ] {
        let msg = size(&lo, &hi, &opts(rule, n, 0), 1).unwrap_err();
        assert!(msg.contains("split"), "{msg}");
    }
    unsafe { vq_integrand_free(f) };
}

#[test]
fn tensor_rule_partials_combine_to_the_single_process_bits_for_any_number_of_parts() {
    // A vector batch callback on a 3-D box with a reversed axis:
    // Gauss–Legendre of order 3 is exact on degree 5 per axis.
    let (ndim, nout) = (3usize, 2usize);
    let mut f = ptr::null_mut();
    let s = unsafe { vq_integrand_nd_batch(Some(poly_batch), ptr::null_mut(), ndim, nout, &mut f) };
    assert_eq!(s, 0);
    let (lo, hi) = ([0.0, 0.0, -1.0], [1.0, 2.0, -2.0]);
    let o = opts(VQ_RULE_GAUSS_LEGENDRE, 11, 3);
    let (ntasks, plen) = size(&lo, &hi, &o, nout).unwrap();
    assert_eq!(plen, nout);
    assert!(ntasks > 16, "{ntasks} tasks");
    let (v, err, r) = assert_layouts_match(f, &lo, &hi, &o, nout, "gauss-legendre 3-D");
    // ∫0^1 x^5 · ∫0^2 y^4 · (−∫_{−2}^{−1} z^3) = (1/6)(32/5)(15/4) = 4.
    for k in 0..nout {
        let exact = (k as f64 + 1.0) * 4.0;
        assert!((v[k] - exact).abs() < 1e-12 * exact, "{} vs {exact}", v[k]);
        assert!(err[k].is_nan());
    }
    assert_eq!(r.evals, 33u64.pow(3));
    assert_eq!(r.subintervals, 11u64.pow(3));
    // The same with Auto (n > 0 means Gauss–Legendre) and the default order.
    let auto = opts(VQ_RULE_AUTO, 4, 0);
    assert_layouts_match(f, &lo, &hi, &auto, nout, "auto 3-D");
    unsafe { vq_integrand_free(f) };

    // An expression whose midpoint run spans two waves of tasks.
    let mut g = ptr::null_mut();
    let e = CString::new("exp(-(x^2 + 2*y^2)) * cos(x*y)").unwrap();
    assert_eq!(unsafe { vq_integrand_expr_nd(e.as_ptr(), 2, &mut g) }, 0);
    let (lo, hi) = ([-1.0, 0.0], [1.0, 3.0]);
    let o = opts(VQ_RULE_MIDPOINT, 1500, 0);
    assert!(size(&lo, &hi, &o, 1).unwrap().0 > 1024);
    assert_layouts_match(g, &lo, &hi, &o, 1, "midpoint 2-D, two waves");
    // An empty axis: no tasks, value 0.
    let (ntasks, _) = size(&[0.0, 1.0], &[1.0, 1.0], &o, 1).unwrap();
    assert_eq!(ntasks, 0);
    let (v, _, r) = split(g, &[0.0, 1.0], &[1.0, 1.0], &o, 1, 3, 1);
    assert_eq!((v[0], r.evals), (0.0, 0));
    // Infinite bounds do not suit a fixed rule.
    let msg = size(&[0.0, 0.0], &[1.0, f64::INFINITY], &o, 1).unwrap_err();
    assert!(msg.contains("finite"), "{msg}");
    unsafe { vq_integrand_free(g) };
}

#[test]
fn one_d_fixed_rules_split_like_the_one_d_engine() {
    let mut f = ptr::null_mut();
    assert_eq!(
        unsafe { vq_integrand_fn(Some(gauss_1d), ptr::null_mut(), &mut f) },
        0
    );
    for (rule, n) in [
        (VQ_RULE_GAUSS_LEGENDRE, 200_000u64),
        (VQ_RULE_SIMPSON, 1_000_001),
        (VQ_RULE_MIDPOINT, 77),
    ] {
        let o = opts(rule, n, 5);
        assert_eq!(size(&[2.0], &[-1.0], &o, 1).unwrap().1, 1);
        let (v, ..) = assert_layouts_match(f, &[2.0], &[-1.0], &o, 1, &format!("1-D {rule}"));
        // −∫_{−1}^{2} e^{−x²} = −(√π/2)(erf 2 + erf 1).
        let exact = -1.628_905_524_920_184_4;
        assert!((v[0] - exact).abs() < 1e-3, "{}", v[0]);
    }
    unsafe { vq_integrand_free(f) };
}

#[test]
fn rust_distributed_runs_match_integrate_nd_bits() {
    let f = NdFn::new(4, 3, |x: &[f64], out: &mut [f64]| {
        let s: f64 = x.iter().sum();
        for (k, o) in out.iter_mut().enumerate() {
            *o = (s * (k as f64 + 1.0)).sin();
        }
    });
    let (lo, hi) = ([0.0, 0.5, -1.0, 0.0], [1.0, 1.5, 1.0, 0.25]);
    for opts in [
        Options::fixed(Rule::GaussLegendre, 6),
        Options::fixed(Rule::Midpoint, 9),
        Options {
            seed: 5,
            ..Options::fixed(Rule::Qmc, 5000)
        },
        Options::fixed(Rule::MonteCarlo, 20_000),
    ] {
        let want = Context::new(3)
            .unwrap()
            .integrate_nd(&f, &lo, &hi, &opts)
            .unwrap();
        let d = Distributed::new(&lo, &hi, 3, &opts).unwrap();
        for parts in [1u64, 2, 5] {
            let mut all = vec![0.0; d.tasks() as usize * d.partial_len()];
            let per = d.tasks().div_ceil(parts);
            for (p, chunk) in all.chunks_mut(per as usize * d.partial_len()).enumerate() {
                let ctx = Context::new(1 + p % 3).unwrap();
                vquad::partition::nd::integrate_partials(&ctx, &d, &f, p as u64 * per, chunk)
                    .unwrap();
            }
            let got = d.combine(&all).unwrap();
            assert_eq!(bits(&got.values), bits(&want.values), "{:?}", opts.rule);
            assert_eq!(
                got.abs_errors.as_deref().map(bits),
                want.abs_errors.as_deref().map(bits)
            );
            assert_eq!((got.evals, got.regions), (want.evals, want.regions));
        }
    }
}
