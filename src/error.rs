//! Error and status types shared by the Rust API and the C ABI.

use std::fmt;

use crate::result::Integral;

/// The status table: one row per status, `Variant = number, "C name",
/// "description";`. Adding a status is one row here plus its `VQ_*`
/// constant in `src/ffi/status.rs`, which cbindgen copies into `vquad.h`
/// (cbindgen reads only literal constants; a test pins the two together).
macro_rules! status_table {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $describe:literal; )*) => {
        /// Status codes of the C ABI. The numbers are part of the ABI: they
        /// never change and are never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum Status {
            $( $(#[$doc])* $variant = $code, )*
        }

        impl Status {
            /// Every status, in numeric order.
            pub const ALL: [Status; [$($code),*].len()] = [$(Status::$variant),*];

            /// The constant's name as it appears in `vquad.h`, e.g.
            /// `"VQ_ERR_PARSE"`.
            pub fn name(self) -> &'static str {
                let s = self.c_name().to_bytes();
                // The names are ASCII literals.
                std::str::from_utf8(s).unwrap_or("VQ_ERR_UNKNOWN")
            }

            /// [`Status::name`] as a NUL-terminated C string.
            pub fn c_name(self) -> &'static std::ffi::CStr {
                let bytes: &'static [u8] = match self {
                    $( Status::$variant => concat!($name, "\0").as_bytes(), )*
                };
                std::ffi::CStr::from_bytes_with_nul(bytes).unwrap_or(c"VQ_ERR_UNKNOWN")
            }

            /// A short human-readable description.
            pub fn describe(self) -> &'static str {
                match self {
                    $( Status::$variant => $describe, )*
                }
            }
        }
    };
}

status_table! {
    /// Success.
    Ok = 0, "VQ_OK", "success";
    /// A required pointer argument was NULL.
    NullArg = 1, "VQ_ERR_NULL_ARG", "a required pointer argument was NULL";
    /// An argument was out of range or inconsistent.
    InvalidArg = 2, "VQ_ERR_INVALID_ARG", "invalid argument";
    /// An expression failed to parse.
    Parse = 3, "VQ_ERR_PARSE", "expression parse error";
    /// The integrand returned NaN or an infinity.
    NonFinite = 4, "VQ_ERR_NONFINITE", "the integrand returned a non-finite value";
    /// A batch callback returned a non-zero code.
    Callback = 5, "VQ_ERR_CALLBACK", "the callback reported an error";
    /// The evaluation budget ran out before the tolerance was met.
    MaxEvals = 6, "VQ_ERR_MAX_EVALS", "evaluation budget exhausted before the tolerance was met";
    /// The CPU lacks an instruction-set feature this build was compiled for.
    UnsupportedCpu = 7, "VQ_ERR_UNSUPPORTED_CPU", "the CPU lacks an instruction-set feature this build requires";
    /// A panic was caught at the C boundary.
    Panic = 8, "VQ_ERR_PANIC", "internal panic caught at the C boundary";
    /// Memory could not be allocated.
    Alloc = 9, "VQ_ERR_ALLOC", "memory allocation failed";
    /// The computation was cancelled.
    Cancelled = 10, "VQ_ERR_CANCELLED", "the computation was cancelled";
}

impl Status {
    /// The status with this number, if there is one.
    pub fn from_code(code: i32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| *s as i32 == code)
    }
}

/// A failure while evaluating the integrand.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// The integrand returned NaN or ±Inf at `x`.
    NonFinite {
        /// The abscissa, or NaN when the sum overflowed without a single
        /// non-finite value.
        x: f64,
    },
    /// The integrand was finite at `x`, but its value times the quadrature
    /// weight (or times the derivative of an infinite range's change of
    /// variable) overflowed a double.
    Overflow {
        /// The abscissa, in the caller's variable.
        x: f64,
    },
    /// A batch callback returned the non-zero `code`.
    Callback {
        /// The code the callback returned.
        code: i32,
    },
    /// [`crate::Context::cancel`] was called while the computation ran.
    Cancelled,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::NonFinite { x } if x.is_nan() => {
                write!(f, "the sum of integrand values overflowed")
            }
            EvalError::NonFinite { x } => {
                write!(f, "the integrand returned a non-finite value at x = {x:e}")
            }
            EvalError::Overflow { x } => write!(
                f,
                "the integrand is finite at x = {x:e}, but its weighted value overflows a double"
            ),
            EvalError::Callback { code } => write!(f, "the batch callback returned {code}"),
            EvalError::Cancelled => f.write_str("the computation was cancelled"),
        }
    }
}

/// Everything that can go wrong in vquad.
#[derive(Debug, Clone)]
pub enum Error {
    /// A required pointer was NULL (C ABI only); names the parameter.
    NullArg(&'static str),
    /// An argument was out of range; the message says which and why.
    InvalidArg(String),
    /// An expression did not parse; `column` is 1-based.
    Parse {
        /// What went wrong, including the column.
        message: String,
        /// 1-based column of the offending character (0 when not tied to one).
        column: usize,
    },
    /// The integrand failed to evaluate.
    Eval(EvalError),
    /// The evaluation budget ran out. `partial` holds the best estimate so
    /// far and its (large) error estimate.
    MaxEvals {
        /// The best result reached within the budget.
        partial: Integral,
        /// Why the tolerance was not reached.
        message: String,
    },
    /// The CPU lacks features this build was compiled for.
    UnsupportedCpu(Vec<&'static str>),
    /// A panic was caught (C boundary or worker thread).
    Panic(String),
    /// Allocation failed.
    Alloc,
    /// The computation was cancelled.
    Cancelled,
}

impl Error {
    /// The C status code of this error.
    pub fn status(&self) -> Status {
        match self {
            Error::NullArg(_) => Status::NullArg,
            Error::InvalidArg(_) => Status::InvalidArg,
            Error::Parse { .. } => Status::Parse,
            Error::Eval(EvalError::NonFinite { .. } | EvalError::Overflow { .. }) => {
                Status::NonFinite
            }
            Error::Eval(EvalError::Callback { .. }) => Status::Callback,
            Error::Eval(EvalError::Cancelled) => Status::Cancelled,
            Error::MaxEvals { .. } => Status::MaxEvals,
            Error::UnsupportedCpu(_) => Status::UnsupportedCpu,
            Error::Panic(_) => Status::Panic,
            Error::Alloc => Status::Alloc,
            Error::Cancelled => Status::Cancelled,
        }
    }

    /// Shorthand for an [`Error::InvalidArg`].
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidArg(message.into())
    }
}

impl From<EvalError> for Error {
    fn from(e: EvalError) -> Self {
        match e {
            EvalError::Cancelled => Error::Cancelled,
            e => Error::Eval(e),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NullArg(name) => write!(f, "argument '{name}' must not be NULL"),
            Error::InvalidArg(m) => f.write_str(m),
            Error::Parse { message, .. } => f.write_str(message),
            Error::Eval(e) => e.fmt(f),
            Error::MaxEvals { message, .. } => f.write_str(message),
            Error::UnsupportedCpu(missing) => write!(
                f,
                "this build of vquad was compiled for CPU features this CPU lacks: {}; \
                 rebuild for this machine (see 'Portable builds' in the README)",
                missing.join(", ")
            ),
            Error::Panic(m) => write!(f, "internal panic: {m}"),
            Error::Alloc => f.write_str("memory allocation failed"),
            Error::Cancelled => f.write_str("the computation was cancelled"),
        }
    }
}

impl std::error::Error for Error {}

/// Result alias used throughout vquad.
pub type Result<T, E = Error> = std::result::Result<T, E>;
