//! Fuzzes `vq_integrate` and the integrand constructors through the C ABI,
//! with arbitrary options, bounds, integrands and thread counts.
//!
//! Asserted for every input:
//! - no crash, no sanitizer report, no panic reaching the boundary
//!   (`VQ_ERR_PANIC` is a bug);
//! - on an error other than `VQ_ERR_MAX_EVALS`, `*out` is untouched and
//!   `vq_last_error()` starts with the status name;
//! - on success the value is finite and, for fixed rules, the evaluation
//!   and panel counts are exact;
//! - the status, message and value bits are the same on a 1-thread and a
//!   3-thread context;
//! - a polynomial integrated by a fixed rule exact for its degree matches
//!   its closed form to within rounding.
//!
//! To keep one execution cheap, accepted work is bounded: panel counts in
//! `(MAX_N, 2^53]` are folded below `MAX_N` (counts above 2^53, which must
//! be refused at once, are kept), and evaluation budgets are capped.

use std::ffi::{c_void, CStr};
use std::sync::OnceLock;

use arbitrary::Arbitrary;
use vquad::ffi::*;
use vquad::Poly;

/// Largest panel count actually run.
const MAX_N: u64 = 5_000;
/// Largest evaluation budget actually run.
const MAX_BUDGET: u64 = 1 << 20;

#[derive(Arbitrary, Debug)]
enum Integrand {
    /// `vq_integrand_poly` with these coefficients.
    Poly(Vec<f64>),
    /// A scalar callback returning this constant.
    Constant(f64),
    /// A scalar callback: `x²` up to the threshold, NaN above it.
    NanAbove(f64),
    /// A batch callback: `x` up to the threshold, then it returns the code.
    AbortAbove(f64, i32),
}

#[derive(Arbitrary, Debug)]
pub struct Input {
    /// Threads of a context to create and free besides the cached ones.
    new_context: Option<u32>,
    integrand: Integrand,
    a: f64,
    b: f64,
    null_options: bool,
    rule: i32,
    n: u64,
    order: u32,
    epsabs: f64,
    epsrel: f64,
    max_evals: u64,
}

/// Contexts with 1 and 3 threads, created once (as addresses, to be Sync).
fn contexts() -> &'static [usize; 2] {
    static C: OnceLock<[usize; 2]> = OnceLock::new();
    C.get_or_init(|| {
        [1u32, 3].map(|t| {
            let mut c = std::ptr::null_mut();
            // SAFETY: `c` is a valid out pointer.
            assert_eq!(unsafe { vq_context_new(t, &mut c) }, VQ_OK);
            c as usize
        })
    })
}

unsafe extern "C" fn constant(_x: f64, p: *mut c_void) -> f64 {
    // SAFETY: `p` points to the f64 owned by `run` for the whole call.
    unsafe { *(p as *const f64) }
}

unsafe extern "C" fn nan_above(x: f64, p: *mut c_void) -> f64 {
    // SAFETY: as in `constant`.
    let t = unsafe { *(p as *const f64) };
    if x > t {
        f64::NAN
    } else {
        x * x
    }
}

struct Abort {
    threshold: f64,
    code: i32,
}

unsafe extern "C" fn abort_above(x: *const f64, fx: *mut f64, n: usize, p: *mut c_void) -> i32 {
    // SAFETY: vquad passes `n` readable x and `n` writable fx; `p` points to
    // the `Abort` owned by `run` for the whole call.
    let (x, fx, a) = unsafe {
        (
            std::slice::from_raw_parts(x, n),
            std::slice::from_raw_parts_mut(fx, n),
            &*(p as *const Abort),
        )
    };
    for (y, &x) in fx.iter_mut().zip(x) {
        if x > a.threshold {
            return a.code;
        }
        *y = x;
    }
    0
}

fn last_error() -> String {
    // SAFETY: vq_last_error returns a NUL-terminated thread-local string.
    unsafe { CStr::from_ptr(vq_last_error()) }
        .to_string_lossy()
        .into_owned()
}

fn status_name(s: vq_status) -> String {
    // SAFETY: vq_status_str returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(vq_status_str(s)) }
        .to_string_lossy()
        .into_owned()
}

const SENTINEL: vq_result = vq_result {
    value: 12345.0,
    abs_error: -1.0,
    evals: 77,
    threads: 99,
    seconds: -2.0,
    subintervals: 55,
};

/// One vq_integrate call: status, message (on error) and result.
fn integrate(
    ctx: usize,
    f: *const vq_integrand,
    a: f64,
    b: f64,
    opts: Option<&vq_options>,
) -> (vq_status, String, vq_result) {
    let mut out = SENTINEL;
    let o = opts.map_or(std::ptr::null(), |o| o as *const vq_options);
    // SAFETY: live context and integrand, valid or NULL options, valid out.
    let s = unsafe { vq_integrate(ctx as *mut vq_context, f, a, b, o, &mut out) };
    assert!(
        (VQ_OK..=VQ_ERR_CANCELLED).contains(&s) && s != VQ_ERR_PANIC,
        "status {s}: {}",
        last_error()
    );
    if s == VQ_OK {
        return (s, String::new(), out);
    }
    let msg = last_error();
    assert!(
        msg.starts_with(&format!("{}: ", status_name(s))),
        "message {msg:?} for status {s}"
    );
    if s != VQ_ERR_MAX_EVALS {
        assert_eq!(out, SENTINEL, "output written on error {msg}");
    }
    (s, msg, out)
}

/// `Σ|c_k|·m^k`: a bound on `|p(x)|` for `|x| ≤ m`, and the scale of the
/// rounding errors of evaluating and integrating `p`.
fn magnitude(c: &[f64], m: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, ck| acc * m + ck.abs())
}

/// Checks one input (see the module documentation).
pub fn run(input: Input) {
    let [one, three] = *contexts();
    if let Some(t) = input.new_context {
        // Starting and joining threads costs ten times a whole execution:
        // only one input in 16 starts any (refused counts cost nothing),
        // and thousands of threads are folded to a few.
        let t = match t {
            0..=4096 if t & 0xF0 == 0x50 => t % 9,
            0..=4096 => 4097 + t,
            t => t,
        };
        let mut c = std::ptr::null_mut();
        // SAFETY: `c` is a valid out pointer; freed once below.
        let s = unsafe { vq_context_new(t, &mut c) };
        assert!(s == VQ_OK || s == VQ_ERR_INVALID_ARG, "{}", last_error());
        assert_eq!(s == VQ_OK, !c.is_null());
        // SAFETY: NULL or a context created above.
        unsafe { vq_context_free(c) };
    }

    let n = if input.n > MAX_N && input.n <= 1 << 53 {
        input.n % MAX_N
    } else {
        input.n
    };
    let max_evals = if input.max_evals == 0 || input.max_evals > MAX_BUDGET {
        input.max_evals % MAX_BUDGET
    } else {
        input.max_evals
    };
    let mut opts = std::mem::MaybeUninit::<vq_options>::uninit();
    // SAFETY: writes a whole vq_options.
    unsafe { vq_options_default(opts.as_mut_ptr()) };
    // SAFETY: initialised just above.
    let mut opts = unsafe { opts.assume_init() };
    if !input.null_options {
        opts = vq_options {
            rule: input.rule,
            n,
            order: input.order,
            epsabs: input.epsabs,
            epsrel: input.epsrel,
            max_evals: if max_evals == 0 {
                MAX_BUDGET
            } else {
                max_evals
            },
            ..opts
        };
    }
    // NULL options mean the defaults: an adaptive rule with the library's
    // budget of 5·10^7 evaluations, which the callbacks and short
    // polynomials here converge or fail well within. A long polynomial that
    // never converges would spend minutes on it: it gets the defaults with
    // the fuzzing budget instead.
    let long_poly = matches!(&input.integrand, Integrand::Poly(c) if c.len() > 16);
    if input.null_options && long_poly {
        opts.max_evals = MAX_BUDGET;
    }
    let opts_arg = (!input.null_options || long_poly).then_some(&opts);

    // The callbacks' params: they outlive `f`, freed at the end.
    let (mut value, mut abort, coeffs) = match &input.integrand {
        Integrand::Poly(c) => (0.0, None, c.clone()),
        Integrand::Constant(v) | Integrand::NanAbove(v) => (*v, None, Vec::new()),
        Integrand::AbortAbove(t, code) => (
            0.0,
            Some(Abort {
                threshold: *t,
                code: *code,
            }),
            Vec::new(),
        ),
    };
    let value_ptr = &mut value as *mut f64 as *mut c_void;
    let mut f: *mut vq_integrand = std::ptr::null_mut();
    // SAFETY: the params pointers stay valid until `f` is freed below, and
    // the callbacks only read them.
    let s = unsafe {
        match (&input.integrand, abort.as_mut()) {
            (Integrand::Poly(_), _) => vq_integrand_poly(coeffs.as_ptr(), coeffs.len(), &mut f),
            (Integrand::Constant(_), _) => vq_integrand_fn(Some(constant), value_ptr, &mut f),
            (Integrand::NanAbove(_), _) => vq_integrand_fn(Some(nan_above), value_ptr, &mut f),
            (Integrand::AbortAbove(..), Some(a)) => {
                vq_integrand_batch(Some(abort_above), a as *mut Abort as *mut c_void, &mut f)
            }
            (Integrand::AbortAbove(..), None) => unreachable!("built above"),
        }
    };
    if s != VQ_OK {
        // Only a polynomial can be refused: empty, too long, or non-finite.
        let Integrand::Poly(c) = &input.integrand else {
            panic!("callback integrand refused: {}", last_error())
        };
        assert_eq!(s, VQ_ERR_INVALID_ARG, "{}", last_error());
        assert!(c.is_empty() || c.len() > 4096 || c.iter().any(|v| !v.is_finite()));
        assert!(f.is_null());
        return;
    }

    let (s1, m1, r1) = integrate(one, f, input.a, input.b, opts_arg);
    let (s3, m3, r3) = integrate(three, f, input.a, input.b, opts_arg);
    assert_eq!((s1, &m1), (s3, &m3), "status or message depends on threads");
    if s1 == VQ_OK || s1 == VQ_ERR_MAX_EVALS {
        assert_eq!(
            r1.value.to_bits(),
            r3.value.to_bits(),
            "value depends on threads"
        );
        assert_eq!(r1.evals, r3.evals);
        assert_eq!((r1.threads, r3.threads), (1, 3));
    }
    if s1 == VQ_ERR_MAX_EVALS {
        // The best estimate so far, within the budget.
        assert!(
            r1.value.is_finite(),
            "VQ_ERR_MAX_EVALS with value {}",
            r1.value
        );
        assert!(r1.evals <= opts_arg.map_or(50_000_000, |o| o.max_evals));
    }
    if s1 == VQ_OK {
        check_success(&input, &opts, opts_arg.is_some(), &coeffs, &r1);
    }
    // SAFETY: created above, freed once, no call is using it.
    unsafe { vq_integrand_free(f) };
}

/// Checks a successful result: finite, exact counts, and exact for a
/// polynomial where the rule is.
fn check_success(input: &Input, opts: &vq_options, explicit: bool, coeffs: &[f64], r: &vq_result) {
    assert!(r.value.is_finite(), "VQ_OK with value {}", r.value);
    let (a, b) = (input.a, input.b);
    let rule = if explicit { opts.rule } else { VQ_RULE_AUTO };
    let fixed = match rule {
        VQ_RULE_AUTO => explicit && opts.n > 0,
        VQ_RULE_MIDPOINT | VQ_RULE_TRAPEZOID | VQ_RULE_SIMPSON | VQ_RULE_GAUSS_LEGENDRE => true,
        _ => false,
    };
    if !fixed {
        check_adaptive(input, opts, explicit, coeffs, r);
        return;
    }
    let order = u64::from(if opts.order == 0 { 8 } else { opts.order });
    let n = opts.n;
    if a == b {
        assert_eq!((r.value, r.evals, r.subintervals), (0.0, 0, 0));
        return;
    }
    let (evals, exact_degree) = match rule {
        VQ_RULE_MIDPOINT => (n, 1),
        VQ_RULE_TRAPEZOID => (n + 1, 1),
        VQ_RULE_SIMPSON => (2 * n + 1, 3),
        _ => (n * order, 2 * order - 1),
    };
    assert_eq!((r.evals, r.subintervals), (evals, n));
    check_polynomial(input, coeffs, n, exact_degree, 0.0, r);
}

/// Checks a successful adaptive result: an honest error estimate, a
/// budget respected, and exactness on polynomials within Gauss–Kronrod's
/// degree (plus its own error estimate).
fn check_adaptive(input: &Input, opts: &vq_options, explicit: bool, coeffs: &[f64], r: &vq_result) {
    assert!(r.abs_error >= 0.0, "abs_error {}", r.abs_error);
    if explicit {
        assert!(
            r.evals <= opts.max_evals,
            "{} evals over max_evals {}",
            r.evals,
            opts.max_evals
        );
    }
    let (a, b) = (input.a, input.b);
    let rule = if explicit { opts.rule } else { VQ_RULE_AUTO };
    if a == b || !a.is_finite() || !b.is_finite() || rule == VQ_RULE_TANH_SINH {
        return;
    }
    let order = u64::from(if opts.order == 0 || !explicit {
        10
    } else {
        opts.order
    });
    if r.abs_error.is_finite() {
        // Panel count 1: the whole interval is the first rule's panel.
        check_polynomial(input, coeffs, 1, 3 * order + 1, r.abs_error, r);
    }
}

/// For a polynomial integrand of degree at most `exact_degree`, checks the
/// value against the closed form, within rounding plus `allowance`.
fn check_polynomial(
    input: &Input,
    coeffs: &[f64],
    n: u64,
    exact_degree: u64,
    allowance: f64,
    r: &vq_result,
) {
    let (a, b) = (input.a, input.b);
    let Integrand::Poly(_) = input.integrand else {
        return;
    };
    let Ok(p) = Poly::new(coeffs) else {
        return;
    };
    let degree = p.coeffs().len() as u64 - 1;
    if degree > exact_degree {
        return;
    }
    let m = a.abs().max(b.abs());
    // Rounding scale: |p| is bounded by magnitude(3m) on every abscissa and
    // block shift the kernels use; the closed form itself rounds at m·|p|.
    let scale = magnitude(p.coeffs(), 3.0 * m) * (b - a).abs().max(m);
    let exact = p.integral(a, b);
    if !scale.is_finite() || !exact.is_finite() {
        return;
    }
    // The closed form's antiderivative coefficients c_k/(k+1) are rounded
    // to multiples of 2^-1074 when subnormal: up to 2^-1075·m^(k+1) at
    // each end (a 4.4e-319 coefficient made the reference 1e-5 off).
    let reference: f64 = p
        .coeffs()
        .iter()
        .enumerate()
        .filter(|(k, c)| **c != 0.0 && (*c / (*k as f64 + 1.0)).abs() < f64::MIN_POSITIVE)
        .map(|(k, _)| 5e-324 * m.powi(k as i32 + 1))
        .sum();
    // A subnormal panel width h, and the scaled widths h/2 and h/6 the
    // rules multiply by, are rounded to multiples of the smallest
    // subnormal: relative errors of a few 2^-1074 / h, inherent in such a
    // request rather than in the rule.
    let h = (b - a).abs() / n as f64;
    let coarse = if h < f64::MIN_POSITIVE {
        exact.abs() * (8.0 * 5e-324 / h)
    } else {
        0.0
    };
    // Every rounding of a subnormal intermediate (a value, a partial sum)
    // errs by up to 2^-1075 in absolute terms, whatever its relative size;
    // scaled by the panel widths, that is a few 2^-1074 · |b − a|.
    let floor = (degree as f64 + 8.0) * 5e-324 * (b - a).abs();
    let tol = 1e-12 * scale + coarse + floor + reference + allowance + f64::MIN_POSITIVE;
    assert!(
        (r.value - exact).abs() <= tol,
        "value {} vs closed form {exact} (tolerance {tol:e})",
        r.value
    );
}
