//! A wall clock cheap enough to time a 100-nanosecond call.
//!
//! Invariant: [`Stopwatch::seconds`] is the elapsed wall time, never
//! negative, and reading the clock never allocates or enters the kernel.
//! On x86_64 with an invariant time-stamp counter the clock is the TSC
//! (about 7 ns to read, where `clock_gettime` costs 20–60 ns on a virtual
//! machine), scaled by a frequency measured once per process against
//! [`Instant`]; elsewhere it is [`Instant`] itself.

use std::sync::OnceLock;
use std::time::Instant;

/// A started measurement of wall time.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch(Start);

#[derive(Debug, Clone, Copy)]
enum Start {
    #[cfg(target_arch = "x86_64")]
    Tsc(u64, f64),
    Instant(Instant),
}

impl Stopwatch {
    /// Starts measuring now.
    #[inline]
    pub fn start() -> Stopwatch {
        #[cfg(target_arch = "x86_64")]
        if let Some(ns) = tsc_seconds_per_tick() {
            return Stopwatch(Start::Tsc(tsc(), ns));
        }
        Stopwatch(Start::Instant(Instant::now()))
    }

    /// Seconds since [`Stopwatch::start`].
    #[inline]
    pub fn seconds(&self) -> f64 {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Start::Tsc(t0, per_tick) => tsc().saturating_sub(t0) as f64 * per_tick,
            Start::Instant(t0) => t0.elapsed().as_secs_f64(),
        }
    }

    /// Whole nanoseconds since [`Stopwatch::start`].
    #[inline]
    pub fn nanos(&self) -> u64 {
        match self.0 {
            #[cfg(target_arch = "x86_64")]
            Start::Tsc(t0, per_tick) => (tsc().saturating_sub(t0) as f64 * per_tick * 1e9) as u64,
            Start::Instant(t0) => t0.elapsed().as_nanos() as u64,
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn tsc() -> u64 {
    // SAFETY: RDTSC exists on every x86_64 CPU and has no preconditions.
    unsafe { std::arch::x86_64::_rdtsc() }
}

/// Seconds per TSC tick, or `None` where the counter is not known to tick
/// at a constant rate (then [`Instant`] is used).
#[cfg(target_arch = "x86_64")]
fn tsc_seconds_per_tick() -> Option<f64> {
    static RATE: OnceLock<Option<f64>> = OnceLock::new();
    *RATE.get_or_init(|| {
        if !invariant_tsc() {
            return None;
        }
        // Calibrate over at least 200 µs of wall time.
        let (i0, t0) = (Instant::now(), tsc());
        let mut elapsed;
        loop {
            elapsed = i0.elapsed().as_secs_f64();
            if elapsed >= 2e-4 {
                break;
            }
            std::hint::spin_loop();
        }
        let ticks = tsc().saturating_sub(t0);
        (ticks > 0).then(|| elapsed / ticks as f64)
    })
}

/// CPUID leaf 0x8000_0007, EDX bit 8: the TSC runs at a constant rate in
/// every power state.
#[cfg(target_arch = "x86_64")]
fn invariant_tsc() -> bool {
    use std::arch::x86_64::__cpuid;
    // Leaf 0x8000_0000 reports the highest extended leaf: check it before
    // reading 0x8000_0007.
    __cpuid(0x8000_0000).eax >= 0x8000_0007 && __cpuid(0x8000_0007).edx & (1 << 8) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwatch_agrees_with_instant_on_a_sleep() {
        let (sw, i0) = (Stopwatch::start(), Instant::now());
        std::thread::sleep(std::time::Duration::from_millis(20));
        let (s, i) = (sw.seconds(), i0.elapsed().as_secs_f64());
        assert!(s >= 0.019, "{s}");
        assert!(sw.nanos() >= 19_000_000, "{}", sw.nanos());
        assert!(
            (s - i).abs() <= 0.05 * i + 1e-3,
            "stopwatch {s} s, Instant {i} s"
        );
    }
}
