//! The C ABI: `vq_*` functions over the Rust API.
//!
//! Conventions (see README "C API conventions"): fallible functions return a
//! [`vq_status`]; outputs go through `*out` pointers and are written only on
//! success; every exported body runs inside one panic boundary; a failure
//! leaves a message for [`vq_last_error`] on the calling thread. `include/vquad.h`
//! is generated from this module by cbindgen (see `build.rs`).

#![allow(non_camel_case_types)]

mod boundary;
pub mod context;
pub mod integrand;
pub mod integrate;
mod last_error;
pub mod partition;
pub mod status;
pub mod types;

pub use context::*;
pub use integrand::*;
pub use integrate::*;
pub use partition::*;
pub use status::*;
pub use types::*;
