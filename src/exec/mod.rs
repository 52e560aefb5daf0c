//! Execution: cutting a problem into fixed blocks, running them on the
//! context's pool with per-thread padded slots, reducing in a fixed order,
//! and splitting the work across processes ([`partition`]).

pub mod blocks;
pub mod partition;
pub mod reduce;
pub mod slots;
pub mod strided;
