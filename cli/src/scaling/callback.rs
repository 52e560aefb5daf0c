//! A user's C integrand loaded from a shared object: `--callback lib.so:symbol`
//! names a function `double f(double x, void *params)` (GSL's order), which
//! is called with `params = NULL`.
//!
//! Invariant: the function pointer is only reachable through a
//! [`CallbackFn`], which keeps the shared object loaded for as long as it
//! lives; the function runs concurrently on the worker threads, as the C API
//! documents for every callback.

use std::ffi::{c_void, CStr, CString};

/// The C signature of a callback integrand.
pub type CFn = unsafe extern "C" fn(f64, *mut c_void) -> f64;

/// A loaded callback and the library that holds it.
#[derive(Debug)]
pub struct CallbackFn {
    handle: *mut c_void,
    f: CFn,
    /// `lib.so:symbol` as given.
    pub spec: String,
}

// SAFETY: the handle is only passed to dlclose (thread-safe) on drop, and a
// C integrand passed to vquad must be callable from any thread (documented).
unsafe impl Send for CallbackFn {}
// SAFETY: as above; calls through `f` share no Rust state.
unsafe impl Sync for CallbackFn {}

impl CallbackFn {
    /// Loads `spec` = `path:symbol`. The path is split at its last `:`.
    ///
    /// # Errors
    /// A message naming what failed: the format, `dlopen` (with `dlerror`'s
    /// text) or the symbol lookup.
    pub fn load(spec: &str) -> Result<CallbackFn, String> {
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
        let sym = unsafe { libc::dlsym(handle, c_sym.as_ptr()) };
        if sym.is_null() {
            let e = format!("no symbol '{symbol}' in '{path}': {}", dl_error());
            // SAFETY: handle came from dlopen and is closed once.
            unsafe { libc::dlclose(handle) };
            return Err(e);
        }
        // SAFETY: the user names a function of type double(double, void*);
        // a data pointer of the same size is reinterpreted as that type.
        let f: CFn = unsafe { std::mem::transmute::<*mut c_void, CFn>(sym) };
        Ok(CallbackFn {
            handle,
            f,
            spec: spec.to_string(),
        })
    }

    /// Calls the function at `x` with `params = NULL`.
    pub fn call(&self, x: f64) -> f64 {
        // SAFETY: `f` was loaded with the declared C signature and the
        // library stays loaded while `self` lives.
        unsafe { (self.f)(x, std::ptr::null_mut()) }
    }
}

impl Drop for CallbackFn {
    fn drop(&mut self) {
        // SAFETY: handle came from dlopen and is closed exactly once.
        unsafe { libc::dlclose(self.handle) };
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
}
