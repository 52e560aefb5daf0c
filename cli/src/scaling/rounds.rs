//! Interleaved rounds and the serial fraction estimated from them.
//!
//! Invariant: every ratio the estimators use compares two times taken in the
//! same round, so a host that drifts between rounds moves numerator and
//! denominator alike; and the bootstrap resamples whole rounds, so the drift
//! that remains (within a round) widens the interval instead of hiding in it.
//!
//! A round runs every thread count once, in an order rotated from round to
//! round, and at each thread count runs the measured workload and the
//! ceiling workload (perfectly parallel, same per-thread work, no serial
//! part) back to back, alternating which goes first. From round `r`:
//!
//! - `y = T(p) / T(1)`, the inverse speedup of the workload;
//! - `x = 1/p` for α **raw** (the ideal machine), or
//!   `x = C(p) / C(1)`, the inverse speedup of the ceiling, for α
//!   **corrected** (the machine as it is in that round).
//!
//! Amdahl's law with the machine's delivered parallelism `1/x` says
//! `y = α + (1 − α)·x`, so α is the weighted least-squares slope of `y − x`
//! on `1 − x` over the fitted thread counts (weights `1/y²`: relative
//! errors). The rounds' α values are combined by a weighted mean that drops
//! the most extreme fifth at each end ([`TRIM`]), which a round hit by a
//! burst of foreign load lands in.

/// Fraction of rounds dropped at each end before averaging (when at least
/// five rounds gave an estimate).
pub const TRIM: f64 = 0.2;
/// Least gain over one thread, `1 − x`, for a (round, point) to enter the
/// fit: a ceiling that sped up by less than 1/0.9 ≈ 1.11× in that round
/// leaves α unidentifiable (`y − x` and `1 − x` are then both noise). On a
/// Linux host with autogrouping, a session competing with other busy
/// sessions gets one fair share whatever its thread count, and its
/// ceiling sits at 1.0×.
pub const MIN_GAIN: f64 = 0.1;
/// Default bootstrap resamples.
pub const RESAMPLES: usize = 2000;

/// The times of an interleaved sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    /// Thread counts, ascending; the first is 1 (the baseline).
    pub threads: Vec<usize>,
    /// Workload seconds, `[round][point]`.
    pub work: Vec<Vec<f64>>,
    /// Ceiling-workload seconds, `[round][point]`.
    pub ceiling: Vec<Vec<f64>>,
    /// Whether each point enters the fit (false for points that
    /// oversubscribe or put two workers on SMT siblings).
    pub fitted: Vec<bool>,
}

/// Which machine the workload's speedup is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The ideal machine: p threads give p times the throughput (α raw).
    Ideal,
    /// The ceiling measured in the same round (α corrected).
    Ceiling,
}

/// An estimate of α with its bootstrap interval.
#[derive(Debug, Clone, PartialEq)]
pub struct AlphaEstimate {
    /// Point estimate; not clamped, so noise around α = 0 may give a small
    /// negative value (and the interval then still brackets 0).
    pub alpha: f64,
    /// 2.5% and 97.5% bootstrap percentiles (resampling rounds).
    pub ci: (f64, f64),
    /// Rounds that gave an estimate (a round whose ceiling showed no
    /// parallelism at all carries no information about α).
    pub rounds_used: usize,
    /// Each round's α (`None` where the round gave none).
    pub per_round: Vec<Option<f64>>,
}

/// Why no α could be estimated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoundsError {
    /// The first thread count is not 1, or the arrays disagree in shape.
    Malformed(String),
    /// No round gave an estimate (no fitted point with p > 1, or a ceiling
    /// that never sped up).
    NoEstimate,
}

impl std::fmt::Display for RoundsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(m) => write!(f, "malformed sweep: {m}"),
            Self::NoEstimate => write!(
                f,
                "no round gave an estimate (need a fitted point above 1 thread that sped up)"
            ),
        }
    }
}

impl std::error::Error for RoundsError {}

impl Rounds {
    /// Checks the shape: a baseline at 1 thread, one time per point per round,
    /// every time finite and positive.
    ///
    /// # Errors
    /// [`RoundsError::Malformed`] naming the problem.
    pub fn check(&self) -> Result<(), RoundsError> {
        let bad = |m: &str| Err(RoundsError::Malformed(m.to_string()));
        if self.threads.first() != Some(&1) {
            return bad("the first thread count must be 1");
        }
        if self.threads.windows(2).any(|w| w[0] >= w[1]) {
            return bad("thread counts must ascend");
        }
        let n = self.threads.len();
        if self.fitted.len() != n || self.work.len() != self.ceiling.len() || self.work.is_empty() {
            return bad("arrays disagree in length");
        }
        for row in self.work.iter().chain(&self.ceiling) {
            if row.len() != n || row.iter().any(|t| !(t.is_finite() && *t > 0.0)) {
                return bad("every round needs a finite positive time per point");
            }
        }
        Ok(())
    }

    /// Number of rounds.
    pub fn len(&self) -> usize {
        self.work.len()
    }

    /// Whether there are no rounds.
    pub fn is_empty(&self) -> bool {
        self.work.is_empty()
    }

    /// Round `r`'s α and its weight against `base`, or `None`.
    fn round_alpha(&self, r: usize, base: Baseline) -> Option<(f64, f64)> {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 1..self.threads.len() {
            if !self.fitted[i] {
                continue;
            }
            let y = self.work[r][i] / self.work[r][0];
            let x = match base {
                Baseline::Ideal => 1.0 / self.threads[i] as f64,
                Baseline::Ceiling => self.ceiling[r][i] / self.ceiling[r][0],
            };
            if 1.0 - x < MIN_GAIN {
                continue;
            }
            let w = 1.0 / (y * y);
            num += w * (1.0 - x) * (y - x);
            den += w * (1.0 - x) * (1.0 - x);
        }
        (den > 0.0).then(|| (num / den, den))
    }

    /// Median over rounds of `f(work_r, ceiling_r)`.
    pub fn median_ratio(&self, f: impl Fn(&[f64], &[f64]) -> f64) -> f64 {
        let mut v: Vec<f64> = (0..self.len())
            .map(|r| f(&self.work[r], &self.ceiling[r]))
            .collect();
        median(&mut v)
    }

    /// Speedup of the workload at point `i`: median over rounds of
    /// `T_r(1) / T_r(p)`.
    pub fn speedup(&self, i: usize) -> f64 {
        self.median_ratio(|w, _| w[0] / w[i])
    }

    /// Speedup of the ceiling workload at point `i`: median over rounds of
    /// `C_r(1) / C_r(p)`.
    pub fn ceiling_speedup(&self, i: usize) -> f64 {
        self.median_ratio(|_, c| c[0] / c[i])
    }

    /// Estimates α against `base`, with a percentile bootstrap over rounds
    /// (`resamples` draws from a SplitMix64 stream seeded by `seed`).
    ///
    /// # Errors
    /// [`RoundsError`] when the data are malformed or no round gives an
    /// estimate.
    pub fn estimate(
        &self,
        base: Baseline,
        resamples: usize,
        seed: u64,
    ) -> Result<AlphaEstimate, RoundsError> {
        self.check()?;
        let per: Vec<Option<(f64, f64)>> =
            (0..self.len()).map(|r| self.round_alpha(r, base)).collect();
        let usable: Vec<(f64, f64)> = per.iter().flatten().copied().collect();
        if usable.is_empty() {
            return Err(RoundsError::NoEstimate);
        }
        let alpha = trimmed_weighted_mean(&usable);
        let mut rng = SplitMix64(seed);
        let mut draws = Vec::with_capacity(resamples);
        let mut pick = Vec::with_capacity(usable.len());
        for _ in 0..resamples {
            pick.clear();
            pick.extend((0..usable.len()).map(|_| usable[rng.below(usable.len())]));
            draws.push(trimmed_weighted_mean(&pick));
        }
        draws.sort_unstable_by(f64::total_cmp);
        let ci = if draws.is_empty() {
            (alpha, alpha)
        } else {
            (percentile(&draws, 0.025), percentile(&draws, 0.975))
        };
        Ok(AlphaEstimate {
            alpha,
            ci,
            rounds_used: usable.len(),
            per_round: per.iter().map(|o| o.map(|(a, _)| a)).collect(),
        })
    }
}

/// Weighted mean of `(value, weight)` after dropping ⌊[`TRIM`]·n⌋ values at
/// each end (by value) when n ≥ 5.
pub fn trimmed_weighted_mean(v: &[(f64, f64)]) -> f64 {
    let mut s = v.to_vec();
    s.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let k = if s.len() >= 5 {
        (TRIM * s.len() as f64).floor() as usize
    } else {
        0
    };
    let kept = &s[k..s.len() - k];
    let w: f64 = kept.iter().map(|p| p.1).sum();
    kept.iter().map(|p| p.0 * p.1).sum::<f64>() / w
}

/// Median (sorts `v`); NaN for an empty slice.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Percentile `q ∈ [0, 1]` of sorted data, linearly interpolated.
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// SplitMix64: a small deterministic generator for bootstraps and the
/// simulated machine.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform index in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact Amdahl times with serial fraction `alpha` on a machine that
    /// delivers `cap[r][i]` times the 1-thread throughput.
    fn exact(alpha: f64, threads: &[usize], cap: &[Vec<f64>]) -> Rounds {
        Rounds {
            threads: threads.to_vec(),
            work: cap
                .iter()
                .map(|c| c.iter().map(|k| alpha + (1.0 - alpha) / k).collect())
                .collect(),
            ceiling: cap
                .iter()
                .map(|c| c.iter().map(|k| 1.0 / k).collect())
                .collect(),
            fitted: vec![true; threads.len()],
        }
    }

    #[test]
    fn an_ideal_machine_gives_the_same_raw_and_corrected_alpha() {
        let cap = vec![vec![1.0, 2.0, 4.0]; 6];
        let r = exact(0.3, &[1, 2, 4], &cap);
        let raw = r.estimate(Baseline::Ideal, 200, 1).unwrap();
        let cor = r.estimate(Baseline::Ceiling, 200, 1).unwrap();
        assert!((raw.alpha - 0.3).abs() < 1e-12);
        assert!((cor.alpha - 0.3).abs() < 1e-12);
        assert!((cor.ci.0 - 0.3).abs() < 1e-12 && (cor.ci.1 - 0.3).abs() < 1e-12);
    }

    #[test]
    fn a_drifting_ceiling_biases_raw_alpha_but_not_corrected_alpha() {
        // The host gives between 1.2x and 1.95x at 2 threads, round by round.
        let cap: Vec<Vec<f64>> = (0..10)
            .map(|r| vec![1.0, 1.2 + 0.75 * (r as f64 / 9.0)])
            .collect();
        let r = exact(0.1, &[1, 2], &cap);
        let raw = r.estimate(Baseline::Ideal, 500, 2).unwrap();
        let cor = r.estimate(Baseline::Ceiling, 500, 2).unwrap();
        assert!(raw.alpha > 0.2, "raw alpha {} absorbs the host", raw.alpha);
        assert!((cor.alpha - 0.1).abs() < 1e-12);
    }

    #[test]
    fn a_burst_in_one_round_is_trimmed_away() {
        let mut r = exact(0.3, &[1, 2], &vec![vec![1.0, 2.0]; 10]);
        r.work[4][1] *= 3.0; // foreign load during one 2-thread run
        let est = r.estimate(Baseline::Ceiling, 500, 3).unwrap();
        assert!((est.alpha - 0.3).abs() < 1e-12, "{}", est.alpha);
        assert!(est.per_round[4].unwrap() > 1.0);
    }

    #[test]
    fn unfitted_points_and_flat_ceilings_are_left_out() {
        let mut r = exact(0.2, &[1, 2, 3], &vec![vec![1.0, 2.0, 2.2]; 5]);
        r.work.iter_mut().for_each(|w| w[2] *= 5.0);
        r.fitted[2] = false;
        let est = r.estimate(Baseline::Ceiling, 100, 4).unwrap();
        assert!((est.alpha - 0.2).abs() < 1e-12);
        let flat = exact(0.2, &[1, 2], &vec![vec![1.0, 1.0]; 5]);
        assert_eq!(
            flat.estimate(Baseline::Ceiling, 100, 4),
            Err(RoundsError::NoEstimate)
        );
    }

    #[test]
    fn malformed_rounds_are_refused() {
        let mut r = exact(0.2, &[1, 2], &vec![vec![1.0, 2.0]; 3]);
        r.work[1][1] = f64::NAN;
        assert!(matches!(r.check(), Err(RoundsError::Malformed(_))));
        let no_base = exact(0.2, &[2, 4], &vec![vec![1.0, 2.0]; 3]);
        assert!(matches!(no_base.check(), Err(RoundsError::Malformed(_))));
    }

    #[test]
    fn the_bootstrap_is_reproducible_for_a_seed() {
        let mut g = SplitMix64(9);
        let cap: Vec<Vec<f64>> = (0..12)
            .map(|_| vec![1.0, 2.0 * (1.0 + 0.05 * g.normal())])
            .collect();
        let r = exact(0.3, &[1, 2], &cap);
        let a = r.estimate(Baseline::Ceiling, 300, 7).unwrap();
        assert_eq!(a, r.estimate(Baseline::Ceiling, 300, 7).unwrap());
        assert!(a.ci.0 <= a.alpha && a.alpha <= a.ci.1);
    }
}
