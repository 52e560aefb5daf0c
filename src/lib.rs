//! vquad: vectorized, threaded numerical integration with a C ABI.
//!
//! Every call cuts its work into fixed blocks whose size depends only on the
//! problem, evaluates them with SIMD lanes on a reusable thread pool, and
//! combines the block sums in a fixed pairwise order: the result is accurate
//! and bitwise identical for any thread count.
//!
//! # Examples
//! ```
//! use vquad::{Context, Options, Poly, Rule};
//! let ctx = Context::new(0).unwrap(); // VQUAD_NUM_THREADS or all CPUs
//! let f = Poly::new(&[7.0, 0.0, 1.0]).unwrap(); // x^2 + 7
//! let r = ctx.integrate(&f, 0.0, 5.0, &Options::fixed(Rule::Midpoint, 1 << 20)).unwrap();
//! assert!((r.value - 230.0 / 3.0).abs() < 1e-10);
//! ```
//!
//! # Layers
//! Data flows down and imports point down; no module imports a module above
//! it (`tests/layers.rs` checks this on every `cargo test`):
//! ```text
//! C caller ─► ffi/         vq_* functions: NULL checks, enum validation, panic boundary, status
//! Rust user ─► api/        integrate, integrate_with_stats; partition   validation, orientation,
//!                          the result record, once
//!            ─► rules/     what to evaluate: fixed rules, QAGS, tanh-sinh (plans, combination)
//!            ─► exec/      how to run it: the one evaluator (pool entry, chunking, cost model),
//!                          padded per-thread slots, cancellation, progress
//!            ─► context    pool + placement + cancellation + progress sink (knows no rule)
//!            ─► integrand/ poly, expressions, callbacks, closures: points → values on lanes
//!            ─► leaves     reduce, blocks, simd, error, options, result, affinity
//! ```
#![deny(missing_docs)]

pub mod affinity;
pub(crate) mod api;
pub(crate) mod blocks;
pub(crate) mod clock;
pub mod context;
pub mod cubature;
pub mod error;
pub(crate) mod exec;
pub mod ffi;
pub mod integrand;
pub mod many;
pub mod options;
pub mod partition;
pub mod reduce;
pub mod result;
pub(crate) mod rules;
pub mod sampling;
pub(crate) mod scratch;
pub mod simd;
pub mod topology;

pub use affinity::Binding;
pub use api::{integrate, integrate_with_stats};
pub use context::Context;
pub use cubature::IntegralNd;
pub use error::{Error, EvalError, Result, Status};
pub use integrand::{
    BatchFn, Expr, Integrand, NdBatchFn, NdExpr, NdFn, NdIntegrand, ParamExpr, ParamFn,
    ParamIntegrand, Poly, ScalarFn,
};
pub use options::{Options, Rule};
pub use result::{CallStats, Integral, ThreadStats};
pub use simd::{Lane, LANES};

/// The crate version, e.g. `"0.2.0"`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
