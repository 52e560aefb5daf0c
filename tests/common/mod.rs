//! Shared test data.

pub mod battery;
