//! Execution: how a call's work runs, never what it computes.
//!
//! Invariant: nothing here changes a result. The [`evaluator`] decides when
//! to use the context's pool and how finely to cut, keeps per-thread padded
//! [`slots`], checks cancellation and reports [`progress`]; the plans it
//! runs ([`strided`] streams, [`points`] of adaptive steps) depend only on
//! the problem, never on the thread count. Imports go down only: to the
//! context, integrands and the leaves.

pub(crate) mod evaluator;
pub(crate) mod points;
pub(crate) mod progress;
pub(crate) mod slots;
pub(crate) mod strided;
