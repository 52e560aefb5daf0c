//! Execution: cutting a problem into fixed blocks, running them on the
//! context's pool with per-thread padded slots, and reducing in a fixed order.

pub mod blocks;
pub mod reduce;
pub mod slots;
pub mod strided;
