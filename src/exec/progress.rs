//! Progress reporting for one call: throttled, monotone, one thread at a time.
//!
//! Invariant: the fractions a call hands to the context's callback never
//! decrease, lie in `[0, 1]`, are at least [`INTERVAL_NS`] apart in time
//! (except the final 1.0), and a call without a callback pays one branch.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

use crate::context::{Context, ProgressSink};

/// Least time between two reports of one call: 100 ms.
pub const INTERVAL_NS: u64 = 100_000_000;

/// The progress state of one call.
#[derive(Debug)]
pub struct Progress {
    /// The callback and the call's start; `None` (no clock read, no lock)
    /// when the context has no callback.
    sink: Option<(Arc<ProgressSink>, Instant)>,
    /// Nanoseconds after `start` before which no report is made.
    next_ns: AtomicU64,
    /// Bits of the largest fraction reported (non-negative doubles order
    /// like their bits).
    reported: AtomicU64,
}

impl Progress {
    /// The progress of a call starting now on `ctx`. The first report comes
    /// no earlier than [`INTERVAL_NS`] after the start, so short calls only
    /// ever report their final 1.0.
    pub fn new(ctx: &Context) -> Progress {
        Progress {
            sink: ctx.progress_sink().map(|s| (s, Instant::now())),
            next_ns: AtomicU64::new(INTERVAL_NS),
            reported: AtomicU64::new(0f64.to_bits()),
        }
    }

    /// Progress that reports nothing (a part of a call that reports for it).
    pub fn silent() -> Progress {
        Progress {
            sink: None,
            next_ns: AtomicU64::new(INTERVAL_NS),
            reported: AtomicU64::new(0f64.to_bits()),
        }
    }

    /// Whether anybody listens; callers may skip computing a fraction.
    #[inline]
    pub fn active(&self) -> bool {
        self.sink.is_some()
    }

    /// Reports `fraction` (clamped to `[0, 1]`) if the throttle allows, it
    /// exceeds what was reported, and no other thread is reporting now.
    #[inline]
    pub fn report(&self, fraction: f64) {
        if let Some((sink, start)) = &self.sink {
            self.report_slow(sink, *start, fraction);
        }
    }

    #[cold]
    fn report_slow(&self, sink: &ProgressSink, start: Instant, fraction: f64) {
        let fraction = fraction.clamp(0.0, 1.0);
        let now = start.elapsed().as_nanos() as u64;
        if now < self.next_ns.load(Relaxed) || fraction.to_bits() <= self.reported.load(Relaxed) {
            return;
        }
        sink.try_report_with(|| {
            // Re-checked under the flag, so two threads that passed the
            // test above do not both report.
            if now < self.next_ns.load(Relaxed) || fraction.to_bits() <= self.reported.load(Relaxed)
            {
                return None;
            }
            self.next_ns.store(now + INTERVAL_NS, Relaxed);
            self.reported.store(fraction.to_bits(), Relaxed);
            Some(fraction)
        });
    }

    /// Reports 1.0 (the call succeeded), waiting for a report in flight.
    pub fn finish(&self) {
        if let Some((sink, _)) = &self.sink {
            self.reported.store(1f64.to_bits(), Relaxed);
            sink.report(1.0);
        }
    }
}
