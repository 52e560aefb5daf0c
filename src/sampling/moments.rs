//! Running means and sums of squared deviations, merged in a fixed order.
//!
//! Invariant: [`Moments::merge`] is Chan's pairwise update, applied by the
//! samplers in an order that depends only on the problem (a fixed tree over
//! tasks), so the merged mean and variance are bitwise independent of the
//! thread count, and free of the cancellation of `Σf² − (Σf)²/n`.

/// Mean and sum of squared deviations of `n` values.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Moments {
    /// Number of values.
    pub n: u64,
    /// Their mean.
    pub mean: f64,
    /// `Σ (v − mean)²`.
    pub m2: f64,
}

impl Moments {
    /// The moments of `values` taken with stride `stride` (every
    /// `stride`-th value starting at the first), by two passes, each
    /// summed by [`sum4`].
    pub fn of_strided(values: &[f64], stride: usize) -> Moments {
        let n = values.len().div_ceil(stride);
        if n == 0 {
            return Moments::default();
        }
        let mean = sum4(values, stride, |v| v) / n as f64;
        let m2 = sum4(values, stride, |v| (v - mean) * (v - mean));
        Moments {
            n: n as u64,
            mean,
            m2,
        }
    }

    /// The moments of the union of two disjoint sets of values (Chan,
    /// Golub and LeVeque's update).
    pub fn merge(self, other: Moments) -> Moments {
        if self.n == 0 {
            return other;
        }
        if other.n == 0 {
            return self;
        }
        let n = self.n + other.n;
        let (na, nb, nt) = (self.n as f64, other.n as f64, n as f64);
        let delta = other.mean - self.mean;
        Moments {
            n,
            mean: self.mean + delta * (nb / nt),
            m2: self.m2 + other.m2 + delta * delta * (na * nb / nt),
        }
    }

    /// The sample variance `m2 / (n − 1)` (0 for fewer than two values).
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }

    /// The standard error of the mean, `sqrt(variance / n)`.
    pub fn std_error(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            (self.variance() / self.n as f64).sqrt()
        }
    }
}

/// `Σ f(v)` over every `stride`-th value of `values`, in four partial
/// sums: the `i`-th value taken goes to sum `i mod 4`, and the result is
/// `(s0 + s1) + (s2 + s3)`. A fixed order, so the bits depend only on the
/// values; four independent chains, so the sum does not wait a full
/// addition latency per value (one chain made the moments a sixth of a
/// plain Monte Carlo point's time).
pub fn sum4(values: &[f64], stride: usize, f: impl Fn(f64) -> f64) -> f64 {
    let mut s = [0.0f64; 4];
    if stride == 1 {
        let quads = values.chunks_exact(4);
        let rest = quads.remainder();
        for q in quads {
            for (acc, &v) in s.iter_mut().zip(q) {
                *acc += f(v);
            }
        }
        for (acc, &v) in s.iter_mut().zip(rest) {
            *acc += f(v);
        }
    } else {
        for (i, &v) in values.iter().step_by(stride).enumerate() {
            s[i % 4] += f(v);
        }
    }
    (s[0] + s[1]) + (s[2] + s[3])
}

/// Merges two equal-length vectors of moments component by component.
pub fn merge_all(a: Vec<Moments>, b: Vec<Moments>) -> Vec<Moments> {
    debug_assert_eq!(a.len(), b.len());
    a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_moments_equal_those_of_the_union() {
        let v: Vec<f64> = (0..100).map(|i| (i as f64 * 0.37).sin() + 1e6).collect();
        let whole = Moments::of_strided(&v, 1);
        let merged = Moments::of_strided(&v[..37], 1).merge(Moments::of_strided(&v[37..], 1));
        assert_eq!(merged.n, 100);
        assert!((merged.mean - whole.mean).abs() <= 1e-9);
        assert!((merged.m2 - whole.m2).abs() <= 1e-9 * whole.m2);
        // Direct variance of sin(0.37 i) around 1e6, no cancellation.
        assert!(whole.variance() > 0.4 && whole.variance() < 0.6);
    }

    #[test]
    fn four_way_sums_follow_their_documented_order_for_any_stride() {
        // Values whose sum depends on the order of the additions.
        let v: Vec<f64> = (0..23)
            .map(|i| if i % 3 == 0 { 1e16 } else { 1.0 + i as f64 })
            .collect();
        let reference = |w: &[f64]| {
            let mut s = [0.0f64; 4];
            for (i, x) in w.iter().enumerate() {
                s[i % 4] += x;
            }
            (s[0] + s[1]) + (s[2] + s[3])
        };
        assert_eq!(sum4(&v, 1, |x| x).to_bits(), reference(&v).to_bits());
        for stride in [2, 3, 5] {
            let taken: Vec<f64> = v.iter().step_by(stride).copied().collect();
            assert_eq!(
                sum4(&v, stride, |x| x).to_bits(),
                sum4(&taken, 1, |x| x).to_bits(),
                "stride {stride}"
            );
        }
        assert_eq!(sum4(&[], 1, |x| x), 0.0);
    }

    #[test]
    fn strided_moments_take_one_component() {
        let v = [1.0, 10.0, 3.0, 20.0, 5.0, 30.0];
        let m = Moments::of_strided(&v, 2);
        assert_eq!((m.n, m.mean, m.m2), (3, 3.0, 8.0));
        let m = Moments::of_strided(&v[1..], 2);
        assert_eq!((m.n, m.mean, m.m2), (3, 20.0, 200.0));
        assert_eq!(m.std_error(), (100.0f64 / 3.0).sqrt());
    }
}
