//! `vq_integrate`: one integration through the C ABI.

use super::boundary::{non_null, status_boundary};
use super::context::vq_context;
use super::integrand::vq_integrand;
use super::status::vq_status;
use super::types::{vq_options, vq_result};
use crate::error::Error;
use crate::options::{Options, Rule};

impl TryFrom<&vq_options> for Options {
    type Error = Error;
    fn try_from(o: &vq_options) -> Result<Options, Error> {
        let rule = Rule::from_code(o.rule)
            .ok_or_else(|| Error::invalid(format!("unknown rule value {}", o.rule)))?;
        Ok(Options {
            rule,
            n: o.n,
            order: o.order,
            epsabs: o.epsabs,
            epsrel: o.epsrel,
            max_evals: o.max_evals,
            seed: o.seed,
            replicates: o.replicates,
        })
    }
}

/// Integrates `f` over `[a, b]` on context `ctx`; `opts == NULL` means the
/// defaults of `vq_options_default`. `b < a` gives −∫ from b to a; `a == b`
/// gives 0.
///
/// On `VQ_OK`, `*out` receives the result. On `VQ_ERR_MAX_EVALS` (adaptive
/// rules ran out of budget) `*out` ALSO receives the best value and its
/// large error estimate. On any other error `*out` is untouched and
/// `vq_last_error()` says why.
///
/// Adaptive rules: `VQ_OK` means the rule stopped without failing; when
/// round-off limited the accuracy, `abs_error` honestly exceeds the requested
/// tolerance (and is +inf where the integral may not exist), so compare
/// `abs_error` with the tolerance you asked for.
///
/// The result is bitwise identical for any thread count of `ctx`.
/// Thread-safe: several threads may integrate on one context at once, and
/// an integrand's callback may call `vq_integrate` again (nested).
///
/// Errors: `VQ_ERR_NULL_ARG`; `VQ_ERR_INVALID_ARG` (NaN bounds, infinite
/// bounds with a fixed rule, n = 0 or n > 2^53 for a fixed rule, order out of
/// range, unknown rule, bad tolerances); `VQ_ERR_NONFINITE`;
/// `VQ_ERR_CALLBACK`; `VQ_ERR_MAX_EVALS`; `VQ_ERR_PANIC`.
///
/// # Safety
/// `ctx` and `f` must be live objects from their constructors; `opts` must
/// be NULL or readable; `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn vq_integrate(
    ctx: *mut vq_context,
    f: *const vq_integrand,
    a: f64,
    b: f64,
    opts: *const vq_options,
    out: *mut vq_result,
) -> vq_status {
    status_boundary(|| {
        non_null(ctx, "ctx")?;
        non_null(f, "f")?;
        non_null(out, "out")?;
        // SAFETY: non-NULL; the contract makes each a live, readable object.
        let (ctx, f) = unsafe { (&(*ctx).inner, &*f) };
        let options = match unsafe { opts.as_ref() } {
            // SAFETY (above): `opts` is NULL or readable.
            Some(o) => Options::try_from(o)?,
            None => Options::default(),
        };
        match f.with_one_d(|f| ctx.integrate(f, a, b, &options))? {
            Ok(r) => {
                // SAFETY: `out` is non-NULL and writable per the contract.
                unsafe { out.write(vq_result::from(&r)) };
                Ok(())
            }
            Err(e) => {
                if let Error::MaxEvals { partial, .. } = &e {
                    // SAFETY: as above; MAX_EVALS is documented to fill *out.
                    unsafe { out.write(vq_result::from(partial)) };
                }
                Err(e)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::{vq_context_free, vq_context_new, VQ_ERR_PANIC};

    #[test]
    fn a_panic_inside_the_computation_becomes_vq_err_panic() {
        let mut ctx = std::ptr::null_mut();
        // SAFETY: valid out pointer.
        assert_eq!(unsafe { vq_context_new(2, &mut ctx) }, 0);
        let panicking = vq_integrand::one_d(Box::new(|x: f64| -> f64 {
            if x > 0.5 {
                panic!("integrand bug at {x}")
            }
            x
        }));
        let opts = vq_options::from(&Options::fixed(Rule::Midpoint, 1_000_000));
        let mut out = std::mem::MaybeUninit::<vq_result>::uninit();
        // SAFETY: live context and integrand, valid pointers.
        let s = unsafe { vq_integrate(ctx, &panicking, 0.0, 1.0, &opts, out.as_mut_ptr()) };
        assert_eq!(s, VQ_ERR_PANIC);
        // SAFETY: static/thread-local string.
        let msg = unsafe { std::ffi::CStr::from_ptr(crate::ffi::vq_last_error()) };
        assert!(msg.to_str().unwrap().contains("integrand bug"), "{msg:?}");
        // SAFETY: created above.
        unsafe { vq_context_free(ctx) };
    }
}
