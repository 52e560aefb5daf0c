//! Scaling statistics for `vquad sweep`: per-thread-count summaries, an Amdahl
//! (strong-scaling) fit with a seeded bootstrap confidence interval, and a
//! Gustafson (weak-scaling) fit.
//!
//! Every point is summarised by the **median** of its repetitions (robust to the
//! odd OS hiccup), and fits use those medians, one per thread count, so a
//! thread count with more repetitions does not get more weight. The Amdahl fit
//! minimises *relative* residuals (weights 1/T²), since timing noise scales
//! with the time and T(64) may be 1/64 of T(1).

use std::fmt;

/// Default number of bootstrap resamples.
pub const DEFAULT_RESAMPLES: usize = 2000;
/// Relative RMS residual above which an Amdahl fit is [`Trust::Poor`].
pub const MAX_GOOD_RESIDUAL: f64 = 0.10;
/// Width of the 95% interval on α above which a fit is [`Trust::Poor`].
pub const MAX_GOOD_CI_WIDTH: f64 = 0.20;
/// Fewest repetitions at every fitted point for the bootstrap to mean much.
pub const MIN_REPETITIONS: usize = 3;
/// A raw α this far outside `[0, 1]` (rounding) is clamped without being flagged.
const CLAMP_TOLERANCE: f64 = 1e-9;

/// Repeated wall times (seconds) measured at one thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Number of threads used.
    pub threads: usize,
    /// Wall time of each repetition, in seconds.
    pub times: Vec<f64>,
}

/// Why scaling statistics could not be computed.
#[derive(Debug, Clone, PartialEq)]
pub enum FitError {
    /// No samples were given.
    NoSamples,
    /// `physical_cores` was zero.
    ZeroCores,
    /// A sample has `threads == 0`.
    ZeroThreads,
    /// This thread count appears in more than one sample.
    DuplicateThreads(usize),
    /// The sample at this thread count has no repetitions.
    EmptySample(usize),
    /// A time is zero, negative, NaN or infinite.
    InvalidTime {
        /// Thread count of the offending sample.
        threads: usize,
        /// The offending time.
        time: f64,
    },
    /// No single-thread (p = 1) sample, which the speedup baseline needs.
    MissingBaseline,
    /// Fewer distinct non-oversubscribed thread counts than the fit needs.
    TooFewThreadCounts {
        /// Distinct usable thread counts found.
        found: usize,
        /// Distinct thread counts needed.
        needed: usize,
    },
    /// The least-squares fit gave a non-positive or non-finite T(1).
    Degenerate,
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSamples => write!(f, "no timing samples"),
            Self::ZeroCores => write!(f, "physical core count must be at least 1"),
            Self::ZeroThreads => write!(f, "thread count must be at least 1"),
            Self::DuplicateThreads(p) => write!(f, "thread count {p} appears more than once"),
            Self::EmptySample(p) => write!(f, "no repetitions at {p} threads"),
            Self::InvalidTime { threads, time } => {
                write!(
                    f,
                    "invalid time {time} s at {threads} threads (must be finite and > 0)"
                )
            }
            Self::MissingBaseline => write!(f, "no single-thread (p = 1) sample to compare with"),
            Self::TooFewThreadCounts { found, needed } => write!(
                f,
                "fit needs {needed} distinct thread counts within the physical cores, found {found}"
            ),
            Self::Degenerate => write!(f, "fit is degenerate (fitted T(1) is not positive)"),
        }
    }
}

impl std::error::Error for FitError {}

/// Summary of one thread count.
#[derive(Debug, Clone, PartialEq)]
pub struct PointStats {
    /// Number of threads.
    pub threads: usize,
    /// Number of repetitions.
    pub repetitions: usize,
    /// Median wall time, seconds.
    pub median_s: f64,
    /// Fastest repetition, seconds.
    pub min_s: f64,
    /// Slowest repetition, seconds.
    pub max_s: f64,
    /// Relative range `(max − min) / median`; 0 for a single repetition.
    pub spread: f64,
    /// S(p) = median T(1) / median T(p).
    pub speedup: f64,
    /// E(p) = S(p) / p.
    pub efficiency: f64,
    /// Karp–Flatt serial fraction `(1/S − 1/p) / (1 − 1/p)`; `None` at p = 1.
    pub karp_flatt: Option<f64>,
    /// `threads > physical_cores`.
    pub oversubscribed: bool,
}

/// Options for [`fit_amdahl`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Bootstrap resamples; 0 skips the bootstrap (the interval collapses to α).
    pub resamples: usize,
    /// PRNG seed; the same seed and data give the same interval.
    pub seed: u64,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            resamples: DEFAULT_RESAMPLES,
            seed: 0x5eed_0fa3_da41,
        }
    }
}

/// How far an [`AmdahlFit`] can be trusted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trust {
    /// Exactly two thread counts: two equations, two unknowns. The residual is
    /// zero by construction and says nothing about whether Amdahl's law holds.
    ExactlyDetermined,
    /// Three or more thread counts, every rule in [`PoorReason`] passed.
    Good,
    /// Three or more thread counts and the first failing rule.
    Poor(PoorReason),
}

/// Why a fit is [`Trust::Poor`], checked in this order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PoorReason {
    /// Relative RMS residual above [`MAX_GOOD_RESIDUAL`]: not Amdahl-shaped.
    ResidualTooLarge(f64),
    /// A fitted point has fewer than [`MIN_REPETITIONS`] (the smallest count).
    TooFewRepetitions(usize),
    /// No bootstrap resample produced a fit, so there is no interval.
    NoInterval,
    /// The 95% interval on α is wider than [`MAX_GOOD_CI_WIDTH`].
    IntervalTooWide(f64),
}

/// Least-squares fit of T(p) = T1·(α + (1 − α)/p).
#[derive(Debug, Clone, PartialEq)]
pub struct AmdahlFit {
    /// Serial fraction α, clamped to `[0, 1]`.
    pub alpha: f64,
    /// Bootstrap 2.5% and 97.5% percentiles of α (each resample clamped too).
    pub alpha_ci: (f64, f64),
    /// Fitted single-thread time, seconds.
    pub t1: f64,
    /// RMS of `(T − T_fit) / T` over the fitted points; exactly 0 for two points.
    pub residual_rms: f64,
    /// Number of thread counts fitted (those with p ≤ physical cores).
    pub points_used: usize,
    /// Asymptotic speedup 1/α; `f64::INFINITY` when α = 0.
    pub max_speedup: f64,
    /// Whether the raw α fell outside `[0, 1]` (superlinear or slowing down).
    pub clamped: bool,
    /// Bootstrap resamples that produced a fit.
    pub resamples_used: usize,
    /// Verdict on the fit.
    pub trust: Trust,
}

/// Amdahl speedup `1 / (α + (1 − α)/p)`.
pub fn amdahl_speedup(alpha: f64, p: f64) -> f64 {
    1.0 / (alpha + (1.0 - alpha) / p)
}

/// Gustafson scaled speedup `p − s·(p − 1)`.
pub fn gustafson_speedup(s: f64, p: f64) -> f64 {
    p - s * (p - 1.0)
}

/// Checks samples and returns them sorted by thread count.
fn validate(samples: &[Sample], physical_cores: usize) -> Result<Vec<&Sample>, FitError> {
    if samples.is_empty() {
        return Err(FitError::NoSamples);
    }
    if physical_cores == 0 {
        return Err(FitError::ZeroCores);
    }
    let mut sorted: Vec<&Sample> = samples.iter().collect();
    sorted.sort_by_key(|s| s.threads);
    for (i, s) in sorted.iter().enumerate() {
        if s.threads == 0 {
            return Err(FitError::ZeroThreads);
        }
        if i > 0 && sorted[i - 1].threads == s.threads {
            return Err(FitError::DuplicateThreads(s.threads));
        }
        if s.times.is_empty() {
            return Err(FitError::EmptySample(s.threads));
        }
        if let Some(&time) = s.times.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
            return Err(FitError::InvalidTime {
                threads: s.threads,
                time,
            });
        }
    }
    Ok(sorted)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn median_of(times: &[f64]) -> f64 {
    median(&mut times.to_vec())
}

/// Per-thread-count summaries, sorted by thread count. Needs a p = 1 sample.
pub fn point_stats(samples: &[Sample], physical_cores: usize) -> Result<Vec<PointStats>, FitError> {
    let sorted = validate(samples, physical_cores)?;
    let base = sorted
        .iter()
        .find(|s| s.threads == 1)
        .ok_or(FitError::MissingBaseline)?;
    let t1 = median_of(&base.times);
    Ok(sorted
        .iter()
        .map(|s| {
            let (med, p) = (median_of(&s.times), s.threads as f64);
            let min_s = s.times.iter().copied().fold(f64::INFINITY, f64::min);
            let max_s = s.times.iter().copied().fold(0.0, f64::max);
            let speedup = t1 / med;
            PointStats {
                threads: s.threads,
                repetitions: s.times.len(),
                median_s: med,
                min_s,
                max_s,
                spread: (max_s - min_s) / med,
                speedup,
                efficiency: speedup / p,
                karp_flatt: (s.threads > 1).then(|| (1.0 / speedup - 1.0 / p) / (1.0 - 1.0 / p)),
                oversubscribed: s.threads > physical_cores,
            }
        })
        .collect())
}

/// Raw fit T = u + v·x with x = 1/p: (u, v, relative RMS residual).
fn solve(pts: &[(f64, f64)]) -> Result<(f64, f64, f64), FitError> {
    // Weighted least squares with w = 1/T² (relative residuals), centred for stability.
    let w = |y: f64| 1.0 / (y * y);
    let sw: f64 = pts.iter().map(|&(_, y)| w(y)).sum();
    let xm = pts.iter().map(|&(x, y)| w(y) * x).sum::<f64>() / sw;
    let ym = pts.iter().map(|&(_, y)| w(y) * y).sum::<f64>() / sw;
    let sxx: f64 = pts.iter().map(|&(x, y)| w(y) * (x - xm).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|&(x, y)| w(y) * (x - xm) * (y - ym)).sum();
    let v = sxy / sxx;
    let u = ym - v * xm;
    if !(u + v > 0.0 && u.is_finite() && v.is_finite()) {
        return Err(FitError::Degenerate);
    }
    let ss: f64 = pts
        .iter()
        .map(|&(x, y)| ((y - u - v * x) / y).powi(2))
        .sum();
    Ok((u, v, (ss / pts.len() as f64).sqrt()))
}

/// Percentile `q ∈ [0, 1]` of sorted data, linearly interpolated.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// SplitMix64: tiny, fast, deterministic PRNG for the bootstrap.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform index in `0..n` (multiply-shift; bias is negligible for small n).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Fits Amdahl's law to the samples with p ≤ `physical_cores` (oversubscribed
/// points are excluded), on medians, and bootstraps a 95% interval on α by
/// resampling each point's repetitions with replacement. No p = 1 sample is
/// needed: T1 is fitted. See [`Trust`] and [`PoorReason`] for the verdict rules.
pub fn fit_amdahl(
    samples: &[Sample],
    physical_cores: usize,
    opts: &FitOptions,
) -> Result<AmdahlFit, FitError> {
    let used: Vec<&Sample> = validate(samples, physical_cores)?
        .into_iter()
        .filter(|s| s.threads <= physical_cores)
        .collect();
    if used.len() < 2 {
        return Err(FitError::TooFewThreadCounts {
            found: used.len(),
            needed: 2,
        });
    }
    let inv = |s: &Sample| 1.0 / s.threads as f64;
    let pts: Vec<(f64, f64)> = used.iter().map(|s| (inv(s), median_of(&s.times))).collect();
    let (u, v, rms) = solve(&pts)?;
    let raw = u / (u + v);
    let alpha = raw.clamp(0.0, 1.0);
    let residual_rms = if used.len() == 2 { 0.0 } else { rms };

    let mut rng = SplitMix64(opts.seed);
    let (mut alphas, mut buf) = (Vec::with_capacity(opts.resamples), Vec::new());
    let mut boot = pts.clone();
    for _ in 0..opts.resamples {
        for (pt, s) in boot.iter_mut().zip(&used) {
            buf.clear();
            buf.extend((0..s.times.len()).map(|_| s.times[rng.below(s.times.len())]));
            pt.1 = median(&mut buf);
        }
        if let Ok((bu, bv, _)) = solve(&boot) {
            alphas.push((bu / (bu + bv)).clamp(0.0, 1.0));
        }
    }
    alphas.sort_unstable_by(f64::total_cmp);
    let alpha_ci = if alphas.is_empty() {
        (alpha, alpha)
    } else {
        (percentile(&alphas, 0.025), percentile(&alphas, 0.975))
    };

    let min_reps = used.iter().map(|s| s.times.len()).min().unwrap_or(0);
    let trust = if used.len() == 2 {
        Trust::ExactlyDetermined
    } else if residual_rms > MAX_GOOD_RESIDUAL {
        Trust::Poor(PoorReason::ResidualTooLarge(residual_rms))
    } else if min_reps < MIN_REPETITIONS {
        Trust::Poor(PoorReason::TooFewRepetitions(min_reps))
    } else if alphas.is_empty() {
        Trust::Poor(PoorReason::NoInterval)
    } else if alpha_ci.1 - alpha_ci.0 > MAX_GOOD_CI_WIDTH {
        Trust::Poor(PoorReason::IntervalTooWide(alpha_ci.1 - alpha_ci.0))
    } else {
        Trust::Good
    };
    Ok(AmdahlFit {
        alpha,
        alpha_ci,
        t1: u + v,
        residual_rms,
        points_used: used.len(),
        max_speedup: if alpha == 0.0 {
            f64::INFINITY
        } else {
            1.0 / alpha
        },
        clamped: !(-CLAMP_TOLERANCE..=1.0 + CLAMP_TOLERANCE).contains(&raw),
        resamples_used: alphas.len(),
        trust,
    })
}

/// One weak-scaling point (problem size n₁·p at p threads).
#[derive(Debug, Clone, PartialEq)]
pub struct GustafsonPoint {
    /// Number of threads.
    pub threads: usize,
    /// Median wall time, seconds.
    pub median_s: f64,
    /// Scaled speedup S_s(p) = p · T(1) / T(p).
    pub scaled_speedup: f64,
    /// Per-point serial fraction `(p − S_s) / (p − 1)`; `None` at p = 1.
    pub serial_fraction: Option<f64>,
    /// `threads > physical_cores`.
    pub oversubscribed: bool,
}

/// Gustafson fit S_s(p) = p − s·(p − 1) to weak-scaling samples.
#[derive(Debug, Clone, PartialEq)]
pub struct GustafsonFit {
    /// All points, sorted by thread count.
    pub points: Vec<GustafsonPoint>,
    /// Least-squares serial fraction s over non-oversubscribed p > 1, clamped to `[0, 1]`.
    pub serial_fraction: f64,
    /// Whether the raw s fell outside `[0, 1]`.
    pub clamped: bool,
    /// RMS of `(S_s − S_fit) / p` over the fitted points.
    pub residual_rms: f64,
    /// Number of p > 1 points fitted; with 1 the fit is exactly determined.
    pub points_used: usize,
}

/// Gustafson weak-scaling analysis. Needs a p = 1 sample and at least one
/// non-oversubscribed p > 1; s minimises Σ (S_s − p + s(p − 1))².
pub fn fit_gustafson(samples: &[Sample], physical_cores: usize) -> Result<GustafsonFit, FitError> {
    let sorted = validate(samples, physical_cores)?;
    let base = sorted
        .iter()
        .find(|s| s.threads == 1)
        .ok_or(FitError::MissingBaseline)?;
    let t1 = median_of(&base.times);
    let points: Vec<GustafsonPoint> = sorted
        .iter()
        .map(|s| {
            let (med, p) = (median_of(&s.times), s.threads as f64);
            let ss = p * t1 / med;
            GustafsonPoint {
                threads: s.threads,
                median_s: med,
                scaled_speedup: ss,
                serial_fraction: (s.threads > 1).then(|| (p - ss) / (p - 1.0)),
                oversubscribed: s.threads > physical_cores,
            }
        })
        .collect();
    let fitted: Vec<&GustafsonPoint> = points
        .iter()
        .filter(|g| g.threads > 1 && !g.oversubscribed)
        .collect();
    if fitted.is_empty() {
        return Err(FitError::TooFewThreadCounts {
            found: 1,
            needed: 2,
        });
    }
    let xy = |g: &GustafsonPoint| (g.threads as f64 - 1.0, g.threads as f64 - g.scaled_speedup);
    let sxy: f64 = fitted.iter().map(|g| xy(g).0 * xy(g).1).sum();
    let sxx: f64 = fitted.iter().map(|g| xy(g).0.powi(2)).sum();
    let raw = sxy / sxx;
    let ss: f64 = fitted
        .iter()
        .map(|g| {
            let p = g.threads as f64;
            ((g.scaled_speedup - gustafson_speedup(raw, p)) / p).powi(2)
        })
        .sum();
    Ok(GustafsonFit {
        serial_fraction: raw.clamp(0.0, 1.0),
        clamped: !(-CLAMP_TOLERANCE..=1.0 + CLAMP_TOLERANCE).contains(&raw),
        residual_rms: if fitted.len() == 1 {
            0.0
        } else {
            (ss / fitted.len() as f64).sqrt()
        },
        points_used: fitted.len(),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];
    const ALPHAS: [f64; 5] = [0.0, 0.1, 0.3, 0.5, 0.9];

    /// Amdahl timings with T1 = 2 s and uniform multiplicative noise of ±`noise`.
    fn amdahl(alpha: f64, ps: &[usize], reps: usize, noise: f64, seed: u64) -> Vec<Sample> {
        let mut rng = SplitMix64(seed);
        let mut jitter =
            || 1.0 + noise * (2.0 * (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 1.0);
        ps.iter()
            .map(|&p| Sample {
                threads: p,
                times: (0..reps)
                    .map(|_| 2.0 / amdahl_speedup(alpha, p as f64) * jitter())
                    .collect(),
            })
            .collect()
    }

    fn fit(samples: &[Sample], cores: usize) -> Result<AmdahlFit, FitError> {
        fit_amdahl(samples, cores, &FitOptions::default())
    }

    #[test]
    fn fit_recovers_alpha_from_exact_amdahl_timings() {
        for alpha in ALPHAS {
            let f = fit(&amdahl(alpha, &PS, 3, 0.0, 1), 64).unwrap();
            assert!(
                (f.alpha - alpha).abs() < 1e-9,
                "alpha {alpha}: got {}",
                f.alpha
            );
            assert!((f.t1 - 2.0).abs() < 1e-9 && f.residual_rms < 1e-12 && !f.clamped);
            assert_eq!((f.points_used, f.trust), (7, Trust::Good));
            assert_eq!(
                f.max_speedup,
                if alpha == 0.0 {
                    f64::INFINITY
                } else {
                    1.0 / f.alpha
                }
            );
        }
    }

    #[test]
    fn fit_recovers_alpha_within_tolerance_under_5_percent_noise() {
        for (i, alpha) in ALPHAS.into_iter().enumerate() {
            let f = fit(&amdahl(alpha, &PS, 7, 0.05, 10 + i as u64), 64).unwrap();
            assert!(
                (f.alpha - alpha).abs() < 0.02,
                "alpha {alpha}: got {}",
                f.alpha
            );
            assert!(f.residual_rms < 0.05 && f.trust == Trust::Good, "{f:?}");
        }
    }

    #[test]
    fn single_thread_count_is_an_error_not_a_nan() {
        let err = fit(&amdahl(0.3, &[4], 5, 0.0, 1), 8).unwrap_err();
        assert_eq!(
            err,
            FitError::TooFewThreadCounts {
                found: 1,
                needed: 2
            }
        );
        assert!(err.to_string().contains("distinct thread counts"));
    }

    #[test]
    fn zero_times_are_rejected() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let mut s = amdahl(0.3, &[1, 2, 4], 3, 0.0, 1);
            s[1].times[2] = bad;
            let err = fit(&s, 4).unwrap_err();
            assert!(
                matches!(err, FitError::InvalidTime { threads: 2, .. }),
                "{err}"
            );
            assert!(point_stats(&s, 4).is_err() && fit_gustafson(&s, 4).is_err());
        }
    }

    #[test]
    fn malformed_samples_are_typed_errors() {
        let mut s = amdahl(0.3, &[1, 2, 2], 3, 0.0, 1);
        assert_eq!(fit(&s, 4).unwrap_err(), FitError::DuplicateThreads(2));
        s[2].threads = 0;
        assert_eq!(fit(&s, 4).unwrap_err(), FitError::ZeroThreads);
        s[2].threads = 4;
        s[2].times.clear();
        assert_eq!(fit(&s, 4).unwrap_err(), FitError::EmptySample(4));
        assert_eq!(fit(&[], 4).unwrap_err(), FitError::NoSamples);
        assert_eq!(fit(&s[..2], 0).unwrap_err(), FitError::ZeroCores);
    }

    #[test]
    fn speedup_needs_a_single_thread_baseline() {
        let s = amdahl(0.3, &[2, 4, 8], 3, 0.0, 1);
        assert_eq!(point_stats(&s, 8).unwrap_err(), FitError::MissingBaseline);
        assert!(fit(&s, 8).is_ok(), "the fit itself estimates T1");
    }

    #[test]
    fn point_stats_summarise_medians_and_spread() {
        let s = vec![
            Sample {
                threads: 2,
                times: vec![1.2, 1.0, 1.1],
            },
            Sample {
                threads: 1,
                times: vec![2.0, 2.4, 2.2, 2.6],
            },
        ];
        let st = point_stats(&s, 1).unwrap();
        assert_eq!(
            (st[0].threads, st[0].median_s, st[0].karp_flatt),
            (1, 2.3, None)
        );
        let p2 = &st[1];
        assert_eq!(
            (p2.median_s, p2.min_s, p2.max_s, p2.repetitions),
            (1.1, 1.0, 1.2, 3)
        );
        assert!((p2.spread - 0.2 / 1.1).abs() < 1e-12 && (p2.speedup - 2.3 / 1.1).abs() < 1e-12);
        assert!((p2.efficiency - p2.speedup / 2.0).abs() < 1e-12 && p2.oversubscribed);
    }

    #[test]
    fn oversubscribed_points_are_excluded_from_fit() {
        let mut s = amdahl(0.2, &[1, 2, 4, 8, 16, 32], 3, 0.0, 1);
        for x in s.iter_mut().filter(|x| x.threads > 8) {
            x.times.iter_mut().for_each(|t| *t *= 3.0);
        }
        let f = fit(&s, 8).unwrap();
        assert!((f.alpha - 0.2).abs() < 1e-9 && f.points_used == 4, "{f:?}");
        let st = point_stats(&s, 8).unwrap();
        let over: Vec<usize> = st
            .iter()
            .filter(|p| p.oversubscribed)
            .map(|p| p.threads)
            .collect();
        assert_eq!(over, [16, 32]);
    }

    #[test]
    fn two_points_are_reported_as_exactly_determined() {
        let f = fit(&amdahl(0.3, &[1, 4], 5, 0.03, 3), 4).unwrap();
        assert_eq!(
            (f.trust, f.residual_rms, f.points_used),
            (Trust::ExactlyDetermined, 0.0, 2)
        );
        assert!(f.alpha_ci.0 <= f.alpha && f.alpha <= f.alpha_ci.1);
    }

    #[test]
    fn karp_flatt_matches_alpha_for_pure_amdahl() {
        for alpha in ALPHAS {
            for p in point_stats(&amdahl(alpha, &PS, 1, 0.0, 1), 64)
                .unwrap()
                .iter()
                .skip(1)
            {
                assert!(
                    (p.karp_flatt.unwrap() - alpha).abs() < 1e-12,
                    "p {}",
                    p.threads
                );
            }
        }
    }

    #[test]
    fn bootstrap_ci_contains_true_alpha_with_noise() {
        // A 95% interval should miss now and then, so check coverage over 40 data sets.
        let opts = FitOptions {
            resamples: 1000,
            seed: 9,
        };
        for alpha in ALPHAS {
            let covered = (0..40)
                .filter(|&seed| {
                    let f = fit_amdahl(&amdahl(alpha, &PS, 5, 0.05, seed), 64, &opts).unwrap();
                    let (lo, hi) = f.alpha_ci;
                    assert!(hi - lo < 0.15 && f.resamples_used == 1000, "{f:?}");
                    lo <= alpha && alpha <= hi
                })
                .count();
            assert!(covered >= 34, "alpha {alpha}: covered {covered}/40");
        }
    }

    #[test]
    fn bootstrap_is_reproducible_with_same_seed() {
        let s = amdahl(0.3, &PS, 5, 0.05, 7);
        let opts = |seed| FitOptions {
            seed,
            ..FitOptions::default()
        };
        let a = fit_amdahl(&s, 64, &opts(42)).unwrap();
        assert_eq!(a, fit_amdahl(&s, 64, &opts(42)).unwrap());
        assert_ne!(a.alpha_ci, fit_amdahl(&s, 64, &opts(43)).unwrap().alpha_ci);
    }

    #[test]
    fn non_amdahl_shape_is_poor_and_slowdown_is_clamped() {
        // Gets slower with more threads: raw alpha > 1, and the curve does not fit.
        let s: Vec<Sample> = [(1, 1.0), (2, 0.6), (4, 1.5), (8, 4.0)]
            .map(|(p, t)| Sample {
                threads: p,
                times: vec![t; 3],
            })
            .to_vec();
        let f = fit(&s, 8).unwrap();
        assert!(f.clamped && f.alpha == 1.0 && f.max_speedup == 1.0, "{f:?}");
        assert!(matches!(f.trust, Trust::Poor(PoorReason::ResidualTooLarge(r)) if r > 0.1));
    }

    #[test]
    fn non_positive_fitted_t1_is_a_degenerate_error() {
        // Ten times slower at 4 threads than at 2: the line through them hits T(1) < 0.
        let s = [(2, 1.0), (4, 10.0)].map(|(p, t)| Sample {
            threads: p,
            times: vec![t; 3],
        });
        assert_eq!(fit(&s, 4).unwrap_err(), FitError::Degenerate);
    }

    #[test]
    fn few_repetitions_or_no_bootstrap_make_a_fit_poor() {
        let f = fit(&amdahl(0.1, &PS, 2, 0.01, 5), 64).unwrap();
        assert_eq!(f.trust, Trust::Poor(PoorReason::TooFewRepetitions(2)));
        let opts = FitOptions {
            resamples: 0,
            seed: 1,
        };
        let f = fit_amdahl(&amdahl(0.1, &PS, 3, 0.01, 5), 64, &opts).unwrap();
        assert_eq!(
            (f.trust, f.alpha_ci),
            (Trust::Poor(PoorReason::NoInterval), (f.alpha, f.alpha))
        );
    }

    #[test]
    fn amdahl_speedup_limits() {
        assert_eq!(
            (amdahl_speedup(0.0, 64.0), amdahl_speedup(1.0, 64.0)),
            (64.0, 1.0)
        );
        assert!((amdahl_speedup(0.5, 2.0) - 4.0 / 3.0).abs() < 1e-15);
    }

    /// Weak scaling with serial fraction `s`: T(p) = p·T1 / S_s(p), T1 = 1 s.
    fn gustafson(s: f64, ps: &[usize]) -> Vec<Sample> {
        ps.iter()
            .map(|&p| Sample {
                threads: p,
                times: vec![p as f64 / gustafson_speedup(s, p as f64); 3],
            })
            .collect()
    }

    #[test]
    fn gustafson_recovers_serial_fraction_from_exact_weak_scaling() {
        for s in ALPHAS {
            let g = fit_gustafson(&gustafson(s, &PS), 64).unwrap();
            assert!((g.serial_fraction - s).abs() < 1e-12 && !g.clamped && g.residual_rms < 1e-12);
            assert_eq!(g.points_used, 6);
            for pt in &g.points[1..] {
                assert!((pt.serial_fraction.unwrap() - s).abs() < 1e-12);
                let p = pt.threads as f64;
                assert!((pt.scaled_speedup - (p - s * (p - 1.0))).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn gustafson_excludes_oversubscribed_and_needs_baseline() {
        let mut w = gustafson(0.1, &[1, 2, 4, 8, 16]);
        w[4].times = vec![100.0; 3];
        let g = fit_gustafson(&w, 8).unwrap();
        assert!((g.serial_fraction - 0.1).abs() < 1e-12 && g.points[4].oversubscribed);
        assert_eq!(
            fit_gustafson(&w[1..], 8).unwrap_err(),
            FitError::MissingBaseline
        );
        let err = fit_gustafson(&w[..1], 8).unwrap_err();
        assert_eq!(
            err,
            FitError::TooFewThreadCounts {
                found: 1,
                needed: 2
            }
        );
    }
}
