//! Shared test data.

pub mod battery;
pub mod clib;
