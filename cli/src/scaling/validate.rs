//! Coverage of the α estimates: how often the 95% interval holds the truth
//! and how often the point estimate lies within a tolerance of it.
//!
//! Two truths: the **injected** α is the serial stage's share of the
//! synthetic workload's *work*; the **realized** α is its share of the
//! 1-thread *time*, measured directly from the stage's timestamps in the
//! same rounds. Amdahl's α is a time fraction, and the two differ when the
//! serial stage runs a few per cent slower per point than the parallel one
//! (on the idle development VM: realized − injected = +0.004 … +0.007,
//! while the bootstrap interval is ±0.003 wide). The interval is scored
//! against the realized α, the point estimate against the injected one
//! (within ±[`TOLERANCE`]), and the table shows both.
//!
//! Invariant: a verdict is computed only from the recorded runs; the same
//! runs always give the same table, whoever produced them (the live
//! validation command, or the simulated machine in tests).

use super::rounds::{Baseline, Rounds, RoundsError, RESAMPLES};

/// The injected serial fractions the validation cycles through.
pub const VALIDATION_ALPHAS: [f64; 4] = [0.0, 0.1, 0.3, 0.5];
/// Rounds per validation run: enough for ±0.05 at 8% timing noise.
pub const LIVE_ROUNDS: usize = 40;
/// Points of the parallel stage of a validation run (`-n` overrides). At
/// 10⁶ points a run lasts about 20 ms and scheduler jitter alone spread the
/// estimates past ±0.05 (7/10 within at α = 0.3 on an idle 2-vCPU Zen 3
/// VM); 4·10⁶ gave 10/10.
pub const LIVE_POINTS: u64 = 4_000_000;
/// Allowed distance of a point estimate from the truth.
pub const TOLERANCE: f64 = 0.05;

/// One validation run: the truth and the estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationRun {
    /// Injected serial fraction (of the work).
    pub truth: f64,
    /// Realized serial fraction (of the 1-thread time, measured from the
    /// stage timestamps; the injected one on a simulated machine).
    pub realized: f64,
    /// α corrected (against the ceiling measured in the same rounds).
    pub corrected: f64,
    /// Its 95% interval.
    pub ci: (f64, f64),
    /// α raw (against the ideal machine), for comparison.
    pub raw: f64,
    /// Median 2-thread (or first p > 1) ceiling speedup over the rounds.
    pub ceiling_speedup: f64,
}

impl ValidationRun {
    /// Estimates both α from the rounds of one run with injected α `truth`
    /// and realized α `realized`.
    ///
    /// # Errors
    /// As [`Rounds::estimate`].
    pub fn from_rounds(
        truth: f64,
        realized: f64,
        rounds: &Rounds,
        seed: u64,
    ) -> Result<Self, RoundsError> {
        let cor = rounds.estimate(Baseline::Ceiling, RESAMPLES, seed)?;
        let raw = rounds.estimate(Baseline::Ideal, 0, seed)?;
        Ok(ValidationRun {
            truth,
            realized,
            corrected: cor.alpha,
            ci: cor.ci,
            raw: raw.alpha,
            ceiling_speedup: if rounds.threads.len() > 1 {
                rounds.ceiling_speedup(1)
            } else {
                1.0
            },
        })
    }

    /// Whether the interval holds the realized α.
    pub fn covered(&self) -> bool {
        self.ci.0 <= self.realized && self.realized <= self.ci.1
    }

    /// Whether the interval holds the injected α (shown, not scored).
    pub fn covers_injected(&self) -> bool {
        self.ci.0 <= self.truth && self.truth <= self.ci.1
    }

    /// Whether the point estimate is within [`TOLERANCE`] of the injected α.
    pub fn within(&self) -> bool {
        (self.corrected - self.truth).abs() <= TOLERANCE
    }
}

/// Totals over a set of runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    /// Runs.
    pub runs: usize,
    /// Runs whose interval holds the realized α.
    pub covered: usize,
    /// Runs whose point estimate is within the tolerance.
    pub within: usize,
}

/// Counts the runs that cover and that are within the tolerance.
pub fn coverage(runs: &[ValidationRun]) -> Coverage {
    Coverage {
        runs: runs.len(),
        covered: runs.iter().filter(|r| r.covered()).count(),
        within: runs.iter().filter(|r| r.within()).count(),
    }
}

/// Whether `c` meets the goal "at least 18 of 20" scaled to its size
/// (90% of the runs, rounded up).
pub fn meets_goal(c: &Coverage) -> bool {
    let need = (c.runs * 9).div_ceil(10);
    c.runs > 0 && c.covered >= need && c.within >= need
}

/// The coverage table as Markdown: one row per run, then one per injected
/// α, then the total and the verdict.
pub fn table(runs: &[ValidationRun]) -> String {
    let yes = |b: bool| if b { "yes" } else { "NO" };
    let mut out = String::from(
        "| run | injected α | realized α | α corrected | 95% CI | CI holds realized | within ±0.05 of injected | CI holds injected | α raw | ceiling S(2) |\n\
         |---:|---:|---:|---:|---|:-:|:-:|:-:|---:|---:|\n",
    );
    for (i, r) in runs.iter().enumerate() {
        out += &format!(
            "| {} | {:.2} | {:.4} | {:.4} | {:.4} .. {:.4} | {} | {} | {} | {:.3} | {:.2} |\n",
            i + 1,
            r.truth,
            r.realized,
            r.corrected,
            r.ci.0,
            r.ci.1,
            yes(r.covered()),
            yes(r.within()),
            yes(r.covers_injected()),
            r.raw,
            r.ceiling_speedup
        );
    }
    out += "\n| injected α | runs | CI holds realized | within ±0.05 | CI holds injected | mean realized α | mean α corrected | mean α raw |\n\
            |---:|---:|---:|---:|---:|---:|---:|---:|\n";
    let mut truths: Vec<f64> = runs.iter().map(|r| r.truth).collect();
    truths.sort_unstable_by(f64::total_cmp);
    truths.dedup();
    for t in truths {
        let sub: Vec<ValidationRun> = runs.iter().filter(|r| r.truth == t).cloned().collect();
        let c = coverage(&sub);
        let mean = |f: fn(&ValidationRun) -> f64| sub.iter().map(f).sum::<f64>() / sub.len() as f64;
        out += &format!(
            "| {t:.2} | {} | {} | {} | {} | {:.4} | {:.4} | {:.4} |\n",
            c.runs,
            c.covered,
            c.within,
            sub.iter().filter(|r| r.covers_injected()).count(),
            mean(|r| r.realized),
            mean(|r| r.corrected),
            mean(|r| r.raw)
        );
    }
    let c = coverage(runs);
    let flat = runs
        .iter()
        .filter(|r| r.ceiling_speedup < 1.0 / (1.0 - super::rounds::MIN_GAIN))
        .count();
    let note = if flat == 0 {
        String::new()
    } else {
        format!(
            "\n{flat} of {} runs had a median ceiling S(2) below {:.2}x: the host gave this process no \
             parallel capacity, so α is not identifiable in them (expect FAIL; rerun on a quieter host).\n",
            runs.len(),
            1.0 / (1.0 - super::rounds::MIN_GAIN)
        )
    };
    out += &format!(
        "| **all** | {} | **{}** | **{}** | {} | | | |\n\nverdict: {} (goal: CI holds the realized α and estimate within ±{TOLERANCE} of the injected α in ≥ 90% of runs)\n",
        c.runs,
        c.covered,
        c.within,
        runs.iter().filter(|r| r.covers_injected()).count(),
        if meets_goal(&c) { "PASS" } else { "FAIL" }
    );
    out += &note;
    out
}

#[cfg(test)]
mod tests {
    use super::super::simulate::{power_of_two_threads, SimMachine};
    use super::*;

    fn run(truth: f64, corrected: f64, ci: (f64, f64)) -> ValidationRun {
        ValidationRun {
            truth,
            realized: truth,
            corrected,
            ci,
            raw: corrected,
            ceiling_speedup: 2.0,
        }
    }

    #[test]
    fn coverage_counts_intervals_and_tolerance_separately() {
        let runs = [
            run(0.3, 0.31, (0.25, 0.35)),
            run(0.3, 0.36, (0.32, 0.40)),
            run(0.1, 0.2, (0.05, 0.3)),
        ];
        assert_eq!(
            coverage(&runs),
            Coverage {
                runs: 3,
                covered: 2,
                within: 1
            }
        );
        assert!(table(&runs).contains("verdict: FAIL"));
    }

    #[test]
    fn the_goal_is_eighteen_of_twenty() {
        let c = |covered, within| Coverage {
            runs: 20,
            covered,
            within,
        };
        assert!(meets_goal(&c(18, 18)));
        assert!(!meets_goal(&c(17, 20)));
        assert!(!meets_goal(&c(20, 17)));
    }

    /// The statistics' own coverage, on a simulated 2-core host with 5%
    /// noise per timing and up to 40% of the second core lost to other load
    /// (drift): 40 runs of [`LIVE_ROUNDS`] rounds, the validation's α
    /// values. (At 8% noise the intervals still hold the truth in 36 of 40
    /// runs, but only 32 estimates land within ±0.05; with 15 rounds, 28:
    /// the round count and the timing noise set the precision.)
    #[test]
    fn simulated_noisy_two_core_host_meets_the_coverage_goal() {
        let m = SimMachine {
            cores: 2,
            smt: 1,
            nodes: 1,
            smt_gain: 0.0,
            numa_penalty: 0.0,
            noise: 0.05,
            drift: 0.4,
        };
        let runs: Vec<ValidationRun> = (0..40)
            .map(|i| {
                let truth = VALIDATION_ALPHAS[i % 4];
                let r = m.rounds(truth, &[1, 2], LIVE_ROUNDS, 100 + i as u64);
                ValidationRun::from_rounds(truth, truth, &r, i as u64).unwrap()
            })
            .collect();
        let c = coverage(&runs);
        assert!(meets_goal(&c), "{c:?}\n{}", table(&runs));
    }

    /// At 64 and 256 cores with realistic noise, the corrected α is within
    /// 0.01 of the truth and its interval covers it in ≥ 90% of 20 runs.
    #[test]
    fn simulated_large_machines_recover_alpha_closely() {
        for cores in [64, 256] {
            let m = SimMachine::realistic(cores);
            let threads = power_of_two_threads(2 * cores);
            let runs: Vec<ValidationRun> = (0..20)
                .map(|i| {
                    let truth = [0.001, 0.01, 0.05, 0.2][i % 4];
                    let r = m.rounds(truth, &threads, 10, 7 * i as u64 + cores as u64);
                    ValidationRun::from_rounds(truth, truth, &r, i as u64).unwrap()
                })
                .collect();
            let c = coverage(&runs);
            assert!(c.covered >= 18, "{cores} cores: {c:?}\n{}", table(&runs));
            for r in &runs {
                assert!((r.corrected - r.truth).abs() < 0.01, "{cores}: {r:?}");
            }
        }
    }
}
