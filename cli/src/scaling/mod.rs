//! The scaling lab: thread sweeps, Amdahl / Karp–Flatt / Gustafson analysis,
//! plots, and the cost of synchronization strategies.

#[cfg(target_os = "linux")]
pub mod callback;
pub mod contention;
pub mod fit;
pub mod html;
pub mod machine;
pub mod plot;
pub mod rounds;
pub mod simulate;
pub mod sweep;
pub mod validate;
