//! A synthetic machine for testing the statistics where no such machine is at
//! hand: interleaved rounds of an Amdahl workload with a known α and of its
//! ceiling workload, on p = 1…256 threads with SMT and NUMA effects, host
//! drift and timing noise.
//!
//! Invariant: the simulation is a pure function of its inputs and seed; the
//! workload and its ceiling at the same (round, thread count) see the same
//! host capacity, as two runs taken back to back on a real machine do, while
//! each timing gets its own noise.

use super::rounds::{Rounds, SplitMix64};

/// A simulated machine and how noisy it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimMachine {
    /// Physical cores.
    pub cores: usize,
    /// Hardware threads per core (1: no SMT).
    pub smt: usize,
    /// NUMA nodes (cores split evenly).
    pub nodes: usize,
    /// Extra throughput an SMT sibling adds to its core (0.25: a busy
    /// sibling pair runs 1.25× one thread).
    pub smt_gain: f64,
    /// Slowdown of parallel work once workers span more than one NUMA node
    /// (0.05: 5% slower).
    pub numa_penalty: f64,
    /// Relative timing noise (standard deviation of the log of each time).
    pub noise: f64,
    /// Host drift: in each (round, thread count) a foreign load takes up to
    /// this fraction of the capacity above one thread (uniformly drawn).
    pub drift: f64,
}

impl SimMachine {
    /// A machine of `cores` cores (2-way SMT, 2 NUMA nodes when `cores` ≥ 8)
    /// with realistic noise: 2% per timing, up to 10% of capacity taken by
    /// drift.
    pub fn realistic(cores: usize) -> SimMachine {
        SimMachine {
            cores,
            smt: 2,
            nodes: if cores >= 8 { 2 } else { 1 },
            smt_gain: 0.25,
            numa_penalty: 0.05,
            noise: 0.02,
            drift: 0.10,
        }
    }

    /// Logical CPUs.
    pub fn logical(&self) -> usize {
        self.cores * self.smt.max(1)
    }

    /// Throughput of `p` workers placed one per core first, relative to one
    /// worker, before drift.
    pub fn capacity(&self, p: usize) -> f64 {
        let on_cores = p.min(self.cores) as f64;
        let siblings = p.min(self.logical()).saturating_sub(self.cores) as f64;
        let mut cap = on_cores + self.smt_gain * siblings;
        let per_node = (self.cores / self.nodes.max(1)).max(1);
        if p > per_node && self.nodes > 1 {
            cap /= 1.0 + self.numa_penalty;
        }
        // Oversubscribed workers time-share the logical CPUs.
        cap.max(1.0)
    }

    /// Whether `p` workers use SMT siblings or oversubscribe (then the
    /// point is not fitted).
    pub fn shares_cores(&self, p: usize) -> bool {
        p > self.cores
    }

    /// Simulated interleaved rounds: workload seconds `α + (1−α)/cap` and
    /// ceiling seconds `1/cap` (both times 1 s at one thread), each with
    /// its own log-normal noise.
    pub fn rounds(&self, alpha: f64, threads: &[usize], rounds: usize, seed: u64) -> Rounds {
        let mut rng = SplitMix64(seed ^ 0x51u64.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut work = Vec::with_capacity(rounds);
        let mut ceiling = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let (mut w, mut c) = (Vec::new(), Vec::new());
            for &p in threads {
                let mut cap = self.capacity(p);
                if p > 1 {
                    cap = 1.0 + (cap - 1.0) * (1.0 - self.drift * rng.uniform());
                }
                let mut jitter = || (self.noise * rng.normal()).exp();
                w.push((alpha + (1.0 - alpha) / cap) * jitter());
                c.push(jitter() / cap);
            }
            work.push(w);
            ceiling.push(c);
        }
        Rounds {
            threads: threads.to_vec(),
            work,
            ceiling,
            fitted: threads.iter().map(|&p| !self.shares_cores(p)).collect(),
        }
    }
}

/// Powers of two from 1 up to `max`, and `max` itself.
pub fn power_of_two_threads(max: usize) -> Vec<usize> {
    let mut v: Vec<usize> = std::iter::successors(Some(1usize), |p| p.checked_mul(2))
        .take_while(|&p| p <= max)
        .collect();
    if v.last() != Some(&max) {
        v.push(max);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::super::rounds::Baseline;
    use super::*;

    #[test]
    fn capacity_counts_cores_then_siblings_and_numa() {
        let m = SimMachine {
            noise: 0.0,
            drift: 0.0,
            ..SimMachine::realistic(8)
        };
        assert_eq!(m.capacity(1), 1.0);
        assert_eq!(m.capacity(4), 4.0);
        assert!((m.capacity(8) - 8.0 / 1.05).abs() < 1e-12);
        assert!((m.capacity(16) - 10.0 / 1.05).abs() < 1e-12);
        assert_eq!(m.capacity(32), m.capacity(16));
        assert!(m.shares_cores(9) && !m.shares_cores(8));
    }

    #[test]
    fn the_simulation_is_deterministic_for_a_seed() {
        let m = SimMachine::realistic(64);
        let t = power_of_two_threads(128);
        assert_eq!(m.rounds(0.1, &t, 5, 11), m.rounds(0.1, &t, 5, 11));
        assert_ne!(m.rounds(0.1, &t, 5, 11), m.rounds(0.1, &t, 5, 12));
        assert_eq!(t, vec![1, 2, 4, 8, 16, 32, 64, 128]);
        assert_eq!(power_of_two_threads(6), vec![1, 2, 4, 6]);
    }

    #[test]
    fn smt_points_are_not_fitted_and_do_not_bias_alpha() {
        let m = SimMachine::realistic(64);
        let r = m.rounds(0.05, &power_of_two_threads(128), 15, 3);
        assert_eq!(r.fitted.last(), Some(&false));
        let est = r.estimate(Baseline::Ceiling, 500, 1).unwrap();
        assert!((est.alpha - 0.05).abs() < 0.01, "{}", est.alpha);
    }

    #[test]
    fn without_noise_both_alphas_are_exact_on_an_ideal_machine() {
        let m = SimMachine {
            cores: 256,
            smt: 1,
            nodes: 1,
            smt_gain: 0.0,
            numa_penalty: 0.0,
            noise: 0.0,
            drift: 0.0,
        };
        let r = m.rounds(0.01, &power_of_two_threads(256), 4, 5);
        for base in [Baseline::Ideal, Baseline::Ceiling] {
            let est = r.estimate(base, 50, 1).unwrap();
            assert!((est.alpha - 0.01).abs() < 1e-12, "{base:?}");
        }
    }
}
