//! Shared test data and helpers.

pub mod battery;
pub mod clib;
pub mod ffi_nd;
pub mod mpi;
