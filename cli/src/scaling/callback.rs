//! A user's C integrand loaded from a shared object: `--callback lib.so:symbol`
//! names a function `double f(double x, void *params)` (GSL's order), or,
//! with `--dims D`, a multi-dimensional point callback of the C API's
//! `vq_nd_fn` type, `int f(const double *x, size_t ndim, double *fval,
//! size_t nout, void *params)` (called with `nout = 1`). Either is called
//! with `params = NULL`.
//!
//! Invariant: a function pointer is only reachable through a
//! [`CallbackFn`] or an [`NdCallbackFn`], which keep the shared object
//! loaded (a [`Symbol`]) for as long as they live; the function runs
//! concurrently on the worker threads, as the C API documents for every
//! callback.

use std::ffi::{c_int, c_void, CStr, CString};

use vquad::integrand::nd::NdIntegrand;
use vquad::EvalError;

/// The C signature of a callback integrand.
pub type CFn = unsafe extern "C" fn(f64, *mut c_void) -> f64;

/// The C signature of a multi-dimensional point callback (`vq_nd_fn`).
pub type NdFn = unsafe extern "C" fn(*const f64, usize, *mut f64, usize, *mut c_void) -> c_int;

/// A symbol of a shared object that stays loaded while this lives.
#[derive(Debug)]
pub struct Symbol {
    handle: *mut c_void,
    addr: *mut c_void,
    /// `lib.so:symbol` as given.
    pub spec: String,
}

// SAFETY: the handle is only passed to dlclose (thread-safe) on drop, and a
// C integrand passed to vquad must be callable from any thread (documented).
unsafe impl Send for Symbol {}
// SAFETY: as above; calls through the symbol share no Rust state.
unsafe impl Sync for Symbol {}

impl Symbol {
    /// Loads `spec` = `path:symbol`. The path is split at its last `:`.
    ///
    /// # Errors
    /// A message naming what failed: the format, `dlopen` (with `dlerror`'s
    /// text) or the symbol lookup.
    pub fn load(spec: &str) -> Result<Symbol, String> {
        let (path, symbol) = spec
            .rsplit_once(':')
            .filter(|(p, s)| !p.is_empty() && !s.is_empty())
            .ok_or_else(|| format!("--callback '{spec}' is not of the form lib.so:symbol"))?;
        let c_path = CString::new(path).map_err(|_| "library path contains NUL".to_string())?;
        let c_sym = CString::new(symbol).map_err(|_| "symbol contains NUL".to_string())?;
        // SAFETY: c_path is a valid NUL-terminated string; loading a library
        // runs its initializers, which is what the user asked for.
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(format!("cannot load '{path}': {}", dl_error()));
        }
        // SAFETY: handle is a live handle from dlopen and c_sym is valid.
        let addr = unsafe { libc::dlsym(handle, c_sym.as_ptr()) };
        if addr.is_null() {
            let e = format!("no symbol '{symbol}' in '{path}': {}", dl_error());
            // SAFETY: handle came from dlopen and is closed once.
            unsafe { libc::dlclose(handle) };
            return Err(e);
        }
        Ok(Symbol {
            handle,
            addr,
            spec: spec.to_string(),
        })
    }
}

impl Drop for Symbol {
    fn drop(&mut self) {
        // SAFETY: handle came from dlopen and is closed exactly once.
        unsafe { libc::dlclose(self.handle) };
    }
}

/// A loaded one-dimensional callback `double f(double x, void *params)`.
#[derive(Debug)]
pub struct CallbackFn {
    f: CFn,
    /// The library and symbol it came from.
    pub symbol: Symbol,
}

impl CallbackFn {
    /// Loads `spec` = `path:symbol` as a one-dimensional callback.
    ///
    /// # Errors
    /// As [`Symbol::load`].
    pub fn load(spec: &str) -> Result<CallbackFn, String> {
        let symbol = Symbol::load(spec)?;
        // SAFETY: the user names a function of type double(double, void*);
        // a data pointer of the same size is reinterpreted as that type.
        let f: CFn = unsafe { std::mem::transmute::<*mut c_void, CFn>(symbol.addr) };
        Ok(CallbackFn { f, symbol })
    }

    /// Calls the function at `x` with `params = NULL`.
    pub fn call(&self, x: f64) -> f64 {
        // SAFETY: `f` was loaded with the declared C signature and the
        // library stays loaded while `self` lives.
        unsafe { (self.f)(x, std::ptr::null_mut()) }
    }
}

/// A loaded multi-dimensional point callback of type `vq_nd_fn`, as an
/// integrand of `ndim` variables and one component.
#[derive(Debug)]
pub struct NdCallbackFn {
    f: NdFn,
    ndim: usize,
    /// The library and symbol it came from.
    pub symbol: Symbol,
}

impl NdCallbackFn {
    /// Loads `spec` = `path:symbol` as a `vq_nd_fn` of `ndim` variables.
    ///
    /// # Errors
    /// As [`Symbol::load`], and an `ndim` outside the library's range.
    pub fn load(spec: &str, ndim: usize) -> Result<NdCallbackFn, String> {
        vquad::integrand::nd::check_shape(ndim, 1).map_err(|e| e.to_string())?;
        let symbol = Symbol::load(spec)?;
        // SAFETY: the user names a function of the vq_nd_fn type; a data
        // pointer of the same size is reinterpreted as that type.
        let f: NdFn = unsafe { std::mem::transmute::<*mut c_void, NdFn>(symbol.addr) };
        Ok(NdCallbackFn { f, ndim, symbol })
    }
}

impl NdIntegrand for NdCallbackFn {
    fn ndim(&self) -> usize {
        self.ndim
    }

    fn nout(&self) -> usize {
        1
    }

    fn eval_nd(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        for (x, y) in xs.chunks_exact(self.ndim).zip(out.iter_mut()) {
            // SAFETY: `x` holds `ndim` readable doubles and `y` one writable
            // double, as the vq_nd_fn contract states; the library stays
            // loaded while `self` lives.
            let code = unsafe { (self.f)(x.as_ptr(), self.ndim, y, 1, std::ptr::null_mut()) };
            if code != 0 {
                return Err(EvalError::Callback { code });
            }
        }
        Ok(())
    }
}

fn dl_error() -> String {
    // SAFETY: dlerror returns NULL or a valid C string owned by libc.
    let p = unsafe { libc::dlerror() };
    if p.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: p is non-null and NUL-terminated (see above).
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_specs_and_missing_libraries_are_refused_with_a_reason() {
        assert!(CallbackFn::load("nocolon")
            .unwrap_err()
            .contains("lib.so:symbol"));
        assert!(CallbackFn::load(":f").is_err());
        let e = CallbackFn::load("/nonexistent/libnothing.so:f").unwrap_err();
        assert!(e.contains("cannot load"), "{e}");
    }

    #[test]
    fn a_symbol_of_libm_is_called_through_the_c_signature() {
        // cos(double) ignores the extra argument under the C calling
        // convention on x86_64 and aarch64, which pass it in a register.
        let f = CallbackFn::load("libm.so.6:cos").unwrap();
        assert_eq!(f.call(0.0), 1.0);
        assert_eq!(f.call(1.0), 1.0f64.cos());
        let e = CallbackFn::load("libm.so.6:no_such_symbol_vquad").unwrap_err();
        assert!(e.contains("no symbol"), "{e}");
    }

    #[test]
    fn multi_dimensional_callbacks_refuse_shapes_the_library_refuses() {
        let e = NdCallbackFn::load("libm.so.6:cos", 0).unwrap_err();
        assert!(e.contains("ndim = 0"), "{e}");
        let e = NdCallbackFn::load("libm.so.6:no_such_symbol_vquad", 3).unwrap_err();
        assert!(e.contains("no symbol"), "{e}");
    }
}
