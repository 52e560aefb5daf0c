//! The process's peak resident set, for the memory tests (each in its own
//! test binary, so the high-water mark is that test's).

/// Peak RSS (`VmHWM`) in KiB, or `None` where `/proc/self/status` does
/// not exist.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
