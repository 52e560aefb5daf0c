//! The scaling lab behind the `vquad` command: thread sweeps, Amdahl,
//! Karp–Flatt and Gustafson analysis, plots, and the cost of
//! synchronization strategies.
//!
//! It lives in its own crate so that its dependencies (serde, plotters) are
//! never linked into the C library `libvquad`.
#![deny(missing_docs)]

pub mod scaling;
