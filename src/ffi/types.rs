//! Plain C types: rules, options, results, callbacks, version and ISA.

use std::ffi::{c_char, c_void, CString};
use std::sync::OnceLock;

use crate::options::Options;
use crate::result::Integral;

/// Major version of this vquad build.
pub const VQUAD_VERSION_MAJOR: u32 = 0;
/// Minor version of this vquad build.
pub const VQUAD_VERSION_MINOR: u32 = 1;
/// Patch version of this vquad build.
pub const VQUAD_VERSION_PATCH: u32 = 0;

/// A quadrature rule, one of `VQ_RULE_*`. Stored as a plain integer so that
/// an out-of-range value from C is detected (`VQ_ERR_INVALID_ARG`), never
/// undefined behaviour.
pub type vq_rule = i32;

/// Gauss–Legendre on `n` panels when `n > 0`; adaptive to tolerance when `n == 0`.
pub const VQ_RULE_AUTO: vq_rule = 0;
/// Midpoint rule on `n` panels: `n` evaluations.
pub const VQ_RULE_MIDPOINT: vq_rule = 1;
/// Trapezoid rule on `n` panels: `n + 1` evaluations.
pub const VQ_RULE_TRAPEZOID: vq_rule = 2;
/// Simpson's rule on `n` panels: `2n + 1` evaluations (shared panel ends).
pub const VQ_RULE_SIMPSON: vq_rule = 3;
/// Gauss–Legendre with `order` nodes (1..64, 0 = 8) on each of `n` panels.
pub const VQ_RULE_GAUSS_LEGENDRE: vq_rule = 4;
/// Globally adaptive Gauss–Kronrod to `epsabs`/`epsrel`.
pub const VQ_RULE_GAUSS_KRONROD: vq_rule = 5;
/// Adaptive tanh–sinh (double exponential) to `epsabs`/`epsrel`.
pub const VQ_RULE_TANH_SINH: vq_rule = 6;

/// Options of one integration. Initialise with `vq_options_default`, then
/// set the fields you need.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct vq_options {
    /// One of `VQ_RULE_*`.
    pub rule: vq_rule,
    /// Panels of a fixed rule (1 ≤ n ≤ 2^53); 0 with `VQ_RULE_AUTO` means adaptive.
    pub n: u64,
    /// Gauss–Legendre nodes per panel, 1..64 (0 means 8); for Gauss–Kronrod
    /// the Gauss order of the pair (7, 10, 15, 20, 25 or 30; 0 means G10K21 on
    /// finite ranges, G7K15 on infinite ones).
    pub order: u32,
    /// Absolute tolerance of adaptive rules.
    pub epsabs: f64,
    /// Relative tolerance of adaptive rules.
    pub epsrel: f64,
    /// Evaluation budget (0 means the library default of 50 000 000).
    pub max_evals: u64,
}

/// The outcome of one integration.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct vq_result {
    /// The estimate of the integral.
    pub value: f64,
    /// Estimated absolute error; NaN where the rule gives none (fixed rules).
    pub abs_error: f64,
    /// Exact number of integrand evaluations.
    pub evals: u64,
    /// Threads of the context that ran the call.
    pub threads: u32,
    /// Wall time inside the call, in seconds.
    pub seconds: f64,
    /// Panels of a fixed rule, or final subintervals of an adaptive one.
    pub subintervals: u64,
}

/// A GSL-style scalar integrand `double f(double x, void *params)`.
///
/// vquad calls it concurrently from its worker threads: it must be
/// thread-safe, and so must whatever `params` points to.
pub type vq_fn = Option<unsafe extern "C" fn(x: f64, params: *mut c_void) -> f64>;

/// A batch integrand: fill `fx[i] = f(x[i])` for `i < n` and return 0, or
/// return non-zero to abort the integration with `VQ_ERR_CALLBACK`.
///
/// vquad calls it concurrently from its worker threads (with `n` up to 1024):
/// it must be thread-safe, and so must whatever `params` points to.
pub type vq_batch_fn =
    Option<unsafe extern "C" fn(x: *const f64, fx: *mut f64, n: usize, params: *mut c_void) -> i32>;

impl From<&Integral> for vq_result {
    fn from(r: &Integral) -> vq_result {
        vq_result {
            value: r.value,
            abs_error: r.abs_error.unwrap_or(f64::NAN),
            evals: r.evals,
            threads: r.threads,
            seconds: r.seconds,
            subintervals: r.subintervals,
        }
    }
}

impl From<&Options> for vq_options {
    fn from(o: &Options) -> vq_options {
        vq_options {
            rule: o.rule as i32,
            n: o.n,
            order: o.order,
            epsabs: o.epsabs,
            epsrel: o.epsrel,
            max_evals: o.max_evals,
        }
    }
}

/// Fills `*opts` with the defaults: `rule = VQ_RULE_AUTO`, `n = 0`,
/// `order = 0` (8), `epsabs = 0`, `epsrel = 1e-10`, `max_evals = 0`
/// (library default). Does nothing when `opts` is NULL.
///
/// # Safety
/// `opts` must be NULL or point to writable memory for one `vq_options`.
#[no_mangle]
pub unsafe extern "C" fn vq_options_default(opts: *mut vq_options) {
    super::boundary::value_boundary((), || {
        if !opts.is_null() {
            // SAFETY: non-NULL and, per the contract, writable.
            unsafe { opts.write(vq_options::from(&Options::default())) };
        }
    })
}

/// Returns the library version, e.g. `"0.1.0"`. Static: never free it.
#[no_mangle]
pub extern "C" fn vq_version() -> *const c_char {
    static V: OnceLock<CString> = OnceLock::new();
    super::boundary::value_boundary(c"".as_ptr(), || {
        V.get_or_init(|| CString::new(crate::VERSION).unwrap_or_default())
            .as_ptr()
    })
}

/// Returns the SIMD instruction set compiled in, e.g. `"avx512f+fma (f64x8)"`.
/// Static: never free it.
#[no_mangle]
pub extern "C" fn vq_simd_isa() -> *const c_char {
    static V: OnceLock<CString> = OnceLock::new();
    super::boundary::value_boundary(c"".as_ptr(), || {
        V.get_or_init(|| CString::new(crate::simd::isa()).unwrap_or_default())
            .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_macros_match_cargo_version() {
        let v = format!("{VQUAD_VERSION_MAJOR}.{VQUAD_VERSION_MINOR}.{VQUAD_VERSION_PATCH}");
        assert_eq!(v, crate::VERSION);
    }

    #[test]
    fn rule_constants_match_rust_enum() {
        use crate::options::Rule;
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r as i32), Some(r));
        }
        let c = [
            VQ_RULE_AUTO,
            VQ_RULE_MIDPOINT,
            VQ_RULE_TRAPEZOID,
            VQ_RULE_SIMPSON,
            VQ_RULE_GAUSS_LEGENDRE,
            VQ_RULE_GAUSS_KRONROD,
            VQ_RULE_TANH_SINH,
        ];
        for (code, r) in c.into_iter().zip(Rule::ALL) {
            assert_eq!(code, r as i32);
        }
        assert_eq!(Rule::from_code(7), None);
        assert_eq!(Rule::from_code(-1), None);
    }
}
