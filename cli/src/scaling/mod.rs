//! The scaling lab: thread sweeps, Amdahl / Karp–Flatt / Gustafson analysis,
//! plots, and the cost of synchronization strategies.

pub mod contention;
pub mod fit;
pub mod machine;
pub mod plot;
pub mod sweep;
