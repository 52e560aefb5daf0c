//! Wynn's ε-algorithm as QUADPACK's `QELG` runs it: a condensed ε-table of
//! at most 50 entries, the error estimate from the last three extrapolated
//! values, and QELG's round-off safeguards (near-equal entries truncate the
//! table instead of dividing by a difference that is all rounding).

/// Most entries the table holds (QELG's `limexp`).
const LIMEXP: usize = 50;

/// The ε-table of a sequence of approximations to one limit.
#[derive(Debug, Clone)]
pub struct Epsilon {
    /// 1-based storage as in QELG, `LIMEXP + 2` entries plus the unused 0.
    tab: [f64; LIMEXP + 3],
    /// Entries in the first column (QUADPACK's `numrl2`).
    n: usize,
    /// The last three extrapolated values.
    last3: [f64; 3],
    /// Calls to [`Epsilon::extrapolate`] so far.
    calls: usize,
}

impl Default for Epsilon {
    fn default() -> Self {
        Epsilon::new()
    }
}

impl Epsilon {
    /// An empty table.
    pub fn new() -> Epsilon {
        Epsilon {
            tab: [0.0; LIMEXP + 3],
            n: 0,
            last3: [0.0; 3],
            calls: 0,
        }
    }

    /// Entries currently in the table's first column. QELG may drop entries
    /// when it detects irregular behaviour or a full table.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Appends the next element of the sequence.
    pub fn push(&mut self, value: f64) {
        if self.n + 1 > LIMEXP {
            // Only reachable after QELG's convergence exit, which leaves the
            // table unshifted: drop the oldest entry rather than overflow.
            self.tab.copy_within(2..=self.n, 1);
            self.n -= 1;
        }
        self.n += 1;
        self.tab[self.n] = value;
    }

    /// Computes the next diagonal of the table and returns the best
    /// extrapolated limit with its error estimate. The estimate is
    /// `f64::MAX` until three extrapolations have been made (QELG's rule:
    /// an error estimate needs the last three results).
    pub fn extrapolate(&mut self) -> (f64, f64) {
        let eps = f64::EPSILON;
        let big = f64::MAX;
        let t = &mut self.tab;
        let n = self.n;
        self.calls += 1;
        let mut abserr = big;
        let mut result = t[n];
        if n < 3 {
            return (result, abserr.max(5.0 * eps * result.abs()));
        }
        t[n + 2] = t[n];
        let newelm = (n - 1) / 2;
        t[n] = big;
        let num = n;
        let mut new_n = n;
        let mut k1 = n;
        for i in 1..=newelm {
            let (k2, k3) = (k1 - 1, k1 - 2);
            let res = t[k1 + 2];
            let (e0, e1, e2) = (t[k3], t[k2], res);
            let e1abs = e1.abs();
            let delta2 = e2 - e1;
            let err2 = delta2.abs();
            let tol2 = e2.abs().max(e1abs) * eps;
            let delta3 = e1 - e0;
            let err3 = delta3.abs();
            let tol3 = e1abs.max(e0.abs()) * eps;
            if err2 <= tol2 && err3 <= tol3 {
                // e0, e1 and e2 agree to machine accuracy: converged.
                return (res, (err2 + err3).max(5.0 * eps * res.abs()));
            }
            let e3 = t[k1];
            t[k1] = e1;
            let delta1 = e1 - e3;
            let err1 = delta1.abs();
            let tol1 = e1abs.max(e3.abs()) * eps;
            // Two nearly equal elements, or irregular behaviour: drop the
            // rest of the table.
            if err1 <= tol1 || err2 <= tol2 || err3 <= tol3 {
                new_n = i + i - 1;
                break;
            }
            let ss = 1.0 / delta1 + 1.0 / delta2 - 1.0 / delta3;
            let epsinf = (ss * e1).abs();
            // (NaN, from an overflowed difference, also truncates.)
            if epsinf.is_nan() || epsinf <= 1e-4 {
                new_n = i + i - 1;
                break;
            }
            let res = e1 + 1.0 / ss;
            t[k1] = res;
            k1 -= 2;
            let error = err2 + (res - e2).abs() + err3;
            if error <= abserr {
                abserr = error;
                result = res;
            }
        }
        // Shift the table.
        if new_n == LIMEXP {
            new_n = 2 * (LIMEXP / 2) - 1;
        }
        let mut ib = if num.is_multiple_of(2) { 2 } else { 1 };
        for _ in 0..=newelm {
            t[ib] = t[ib + 2];
            ib += 2;
        }
        if num != new_n {
            let from = num - new_n + 1;
            t.copy_within(from..from + new_n, 1);
        }
        self.n = new_n;
        if self.calls < 4 {
            self.last3[self.calls - 1] = result;
            abserr = big;
        } else {
            let l = &mut self.last3;
            abserr = (result - l[2]).abs() + (result - l[1]).abs() + (result - l[0]).abs();
            *l = [l[1], l[2], result];
        }
        (result, abserr.max(5.0 * eps * result.abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds partial sums of a series and returns the last extrapolation.
    fn accelerate(terms: impl Iterator<Item = f64>) -> (f64, f64) {
        let mut e = Epsilon::new();
        let mut s = 0.0;
        let mut out = (0.0, f64::MAX);
        for t in terms {
            s += t;
            e.push(s);
            out = e.extrapolate();
        }
        out
    }

    #[test]
    fn alternating_harmonic_series_converges_to_ln2_from_twenty_terms() {
        // Partial sums of Σ (-1)^k/(k+1) are within 0.025 of ln 2 after 20
        // terms; the ε-algorithm gets to within about 1e-15.
        let (v, err) =
            accelerate((0..20).map(|k| if k % 2 == 0 { 1.0 } else { -1.0 } / (k as f64 + 1.0)));
        let truth = std::f64::consts::LN_2;
        assert!((v - truth).abs() < 1e-13, "{v} vs {truth}");
        assert!(
            err >= (v - truth).abs(),
            "estimate {err:e} below the true error"
        );
        assert!(err < 1e-9, "estimate {err:e} needlessly large");
    }

    #[test]
    fn leibniz_series_is_extrapolated_to_pi_over_four() {
        let (v, err) = accelerate(
            (0..16).map(|k| if k % 2 == 0 { 1.0 } else { -1.0 } / (2.0 * k as f64 + 1.0)),
        );
        let truth = std::f64::consts::FRAC_PI_4;
        assert!((v - truth).abs() < 1e-11, "{v}");
        assert!(err >= (v - truth).abs());
    }

    #[test]
    fn first_two_calls_only_return_the_last_entry() {
        let mut e = Epsilon::new();
        e.push(1.0);
        assert_eq!(e.extrapolate(), (1.0, f64::MAX));
        e.push(1.5);
        assert_eq!(e.extrapolate().0, 1.5);
        assert_eq!(e.len(), 2);
    }

    #[test]
    fn a_long_sequence_keeps_the_table_bounded() {
        // 200 entries of a slowly converging sequence: the table is shifted
        // instead of overflowing its 52 slots.
        let mut e = Epsilon::new();
        for k in 1..=200 {
            e.push(1.0 + 1.0 / k as f64);
            let (v, err) = e.extrapolate();
            assert!(v.is_finite() && err > 0.0);
            assert!(e.len() < LIMEXP);
        }
    }
}
