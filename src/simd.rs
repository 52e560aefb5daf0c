//! The SIMD lane type, chosen at compile time, and the CPU-feature guard.
//!
//! `wide` selects its instruction set through `cfg(target_feature)`, so the
//! lane width is fixed when vquad is compiled: `f64x8` (one `__m512d`) when
//! AVX-512F is compiled in, `f64x4` otherwise. The default build targets the
//! host CPU (`.cargo/config.toml`); [`missing_cpu_features`] lets a context
//! refuse to run on a CPU that lacks what was compiled in, instead of dying
//! on an illegal instruction.

/// The SIMD vector vquad's kernels compute with.
#[cfg(target_feature = "avx512f")]
pub type Lane = wide::f64x8;
/// The SIMD vector vquad's kernels compute with.
#[cfg(not(target_feature = "avx512f"))]
pub type Lane = wide::f64x4;

/// Number of `f64` values in one [`Lane`].
pub const LANES: usize = std::mem::size_of::<Lane>() / std::mem::size_of::<f64>();

/// Names the instruction set the kernels were compiled for, e.g.
/// `"avx512f+fma (f64x8)"`.
pub fn isa() -> &'static str {
    if cfg!(all(target_feature = "avx512f", target_feature = "fma")) {
        "avx512f+fma (f64x8)"
    } else if cfg!(target_feature = "avx512f") {
        "avx512f (f64x8)"
    } else if cfg!(all(target_feature = "avx2", target_feature = "fma")) {
        "avx2+fma (f64x4)"
    } else if cfg!(target_feature = "avx") {
        "avx (f64x4)"
    } else if cfg!(target_feature = "sse2") {
        "sse2 (f64x4 as 2x f64x2)"
    } else if cfg!(target_feature = "neon") {
        "neon (f64x4 as 2x f64x2)"
    } else {
        "scalar (f64x4 emulated)"
    }
}

/// Environment variable naming compiled-in features to report as missing
/// (comma-separated). A test hook: it lets the test suite show that a context
/// refuses to start on a CPU without them.
pub const HIDE_FEATURES_ENV: &str = "VQUAD_TEST_HIDE_CPU_FEATURES";

/// Lists the target features this build was compiled with that the running
/// CPU does not report. Empty on a matching CPU.
pub fn missing_cpu_features() -> Vec<&'static str> {
    let hidden = std::env::var(HIDE_FEATURES_ENV).unwrap_or_default();
    let hidden: Vec<&str> = hidden.split(',').map(str::trim).collect();
    compiled_features()
        .into_iter()
        .filter(|(name, present)| !present || hidden.contains(name))
        .map(|(name, _)| name)
        .collect()
}

/// Every SIMD-relevant feature compiled into this build, with whether the
/// running CPU has it.
#[cfg(any(target_arch = "x86_64", target_arch = "x86"))]
fn compiled_features() -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    macro_rules! check {
        ($($f:tt),* $(,)?) => {$(
            if cfg!(target_feature = $f) {
                out.push(($f, std::arch::is_x86_feature_detected!($f)));
            }
        )*};
    }
    check!(
        "sse2",
        "sse3",
        "ssse3",
        "sse4.1",
        "sse4.2",
        "popcnt",
        "avx",
        "avx2",
        "fma",
        "bmi1",
        "bmi2",
        "lzcnt",
        "f16c",
        "avx512f",
        "avx512cd",
        "avx512bw",
        "avx512dq",
        "avx512vl",
        "avx512ifma",
        "avx512vbmi",
        "avx512vbmi2",
        "avx512vnni",
        "avx512bitalg",
        "avx512vpopcntdq",
        "avx512bf16",
        "gfni",
        "vaes",
        "vpclmulqdq",
    );
    out
}

/// Every SIMD-relevant feature compiled into this build, with whether the
/// running CPU has it.
#[cfg(target_arch = "aarch64")]
fn compiled_features() -> Vec<(&'static str, bool)> {
    let mut out = Vec::new();
    if cfg!(target_feature = "neon") {
        out.push(("neon", std::arch::is_aarch64_feature_detected!("neon")));
    }
    out
}

/// Every SIMD-relevant feature compiled into this build, with whether the
/// running CPU has it.
#[cfg(not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64")))]
fn compiled_features() -> Vec<(&'static str, bool)> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_width_matches_compiled_isa() {
        if cfg!(target_feature = "avx512f") {
            assert_eq!(LANES, 8);
            assert!(isa().contains("f64x8"));
        } else {
            assert_eq!(LANES, 4);
            assert!(isa().contains("f64x4"));
        }
    }

    #[test]
    fn host_build_has_no_missing_features() {
        // Tests run where they were built (target-cpu=native).
        if std::env::var(HIDE_FEATURES_ENV).is_err() {
            assert!(
                missing_cpu_features().is_empty(),
                "{:?}",
                missing_cpu_features()
            );
        }
    }
}
