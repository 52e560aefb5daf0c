//! One Gauss–Kronrod application on one interval, with QUADPACK's error
//! estimate (`QK15`/`QK21`/`QK61`, and `QK15I` for transformed ranges).
//!
//! The raw estimate `|K − G|` is rescaled as QUADPACK does: with `resasc ≈
//! ∫|f − mean|`, the error is `resasc · min(1, (200 |K − G| / resasc)^1.5)`,
//! which is pessimistic while the pair disagrees and sharp once the
//! integrand is resolved; and it never drops below `50 ε ∫|f|`, the
//! round-off floor of the sum itself.

use super::kronrod::KronrodRule;
use super::transform::Range;
use crate::error::EvalError;

/// Largest Gauss order with a Kronrod table (G30K61).
const MAX_N: usize = 30;

/// What one rule application says about one interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The Kronrod value.
    pub value: f64,
    /// The error estimate.
    pub error: f64,
    /// Approximation to `∫|f|` over the interval.
    pub resabs: f64,
    /// Approximation to `∫|f − mean|` over the interval.
    pub resasc: f64,
}

/// A Kronrod pair applied to one range.
#[derive(Debug, Clone, Copy)]
pub struct Gk {
    rule: &'static KronrodRule,
    range: Range,
}

/// Midpoint and half-width of `[lo, hi]`, in a form that cannot overflow.
#[inline]
pub fn centre(lo: f64, hi: f64) -> (f64, f64) {
    (0.5 * lo + 0.5 * hi, 0.5 * hi - 0.5 * lo)
}

impl Gk {
    /// The pair `rule` on `range`.
    pub fn new(rule: &'static KronrodRule, range: Range) -> Gk {
        assert!(rule.n <= MAX_N);
        Gk { rule, range }
    }

    /// The Kronrod pair.
    pub fn rule(&self) -> &'static KronrodRule {
        self.rule
    }

    /// The range being integrated.
    pub fn range(&self) -> Range {
        self.range
    }

    /// Integrand evaluations per interval.
    pub fn evals_per_interval(&self) -> usize {
        self.rule.points() * self.range.gk_evals_per_node()
    }

    /// The nodes of `[lo, hi]` in the rule variable: the centre, then
    /// `c ∓ h·x_j` for each positive Kronrod node.
    fn nodes(&self, lo: f64, hi: f64) -> impl Iterator<Item = f64> + '_ {
        let (c, h) = centre(lo, hi);
        std::iter::once(c).chain(self.rule.xgk[..self.rule.n].iter().flat_map(move |&x| {
            let a = h * x;
            [c - a, c + a]
        }))
    }

    /// Appends the abscissae at which `[lo, hi]` needs the integrand, or
    /// returns false (appending nothing) when some node would not lie
    /// strictly inside the interval and the original range: the interval is
    /// too narrow for the floating-point grid.
    pub fn push_abscissae(&self, lo: f64, hi: f64, xs: &mut Vec<f64>) -> bool {
        let (c, h) = centre(lo, hi);
        let outer = h * self.rule.xgk[0];
        if !(lo < c - outer && c + outer < hi) {
            return false;
        }
        let start = xs.len();
        xs.extend(self.nodes(lo, hi).map(|t| self.range.gk_x(t)));
        if !xs[start..].iter().all(|&x| self.range.gk_x_is_interior(x)) {
            xs.truncate(start);
            return false;
        }
        if self.range == Range::Whole {
            xs.extend_from_within(start..);
            for x in &mut xs[start + self.rule.points()..] {
                *x = -*x;
            }
        }
        true
    }

    /// Applies the pair to `[lo, hi]` given the integrand values at the
    /// abscissae of [`Gk::push_abscissae`], in the same order.
    ///
    /// # Errors
    /// [`EvalError::NonFinite`] for a non-finite value in `fx` (its `x` is
    /// reported) or sums that overflow (`x` is NaN); [`EvalError::Overflow`]
    /// when finite values overflow once transformed for an infinite range.
    pub fn apply(&self, lo: f64, hi: f64, fx: &[f64]) -> Result<Estimate, EvalError> {
        let r = self.rule;
        let (n, m) = (r.n, r.points());
        let mut g = [0.0f64; 2 * MAX_N + 1];
        for (k, t) in self.nodes(lo, hi).enumerate() {
            let pair = if self.range == Range::Whole {
                [fx[k], fx[k + m]]
            } else {
                [fx[k], 0.0]
            };
            g[k] = self.range.gk_value(t, &pair);
            if !g[k].is_finite() {
                let x = self.range.gk_x(t);
                return Err(if pair.iter().all(|v| v.is_finite()) {
                    EvalError::Overflow { x }
                } else {
                    EvalError::NonFinite { x }
                });
            }
        }
        let (_, h) = centre(lo, hi);
        let fc = g[0];
        let mut resg = r.wg[n] * fc;
        let mut resk = r.wgk[n] * fc;
        let mut resabs = resk.abs();
        for j in 0..n {
            let (f1, f2) = (g[1 + 2 * j], g[2 + 2 * j]);
            let fsum = f1 + f2;
            resg += r.wg[j] * fsum;
            resk += r.wgk[j] * fsum;
            resabs += r.wgk[j] * (f1.abs() + f2.abs());
        }
        let reskh = 0.5 * resk;
        let mut resasc = r.wgk[n] * (fc - reskh).abs();
        for j in 0..n {
            resasc += r.wgk[j] * ((g[1 + 2 * j] - reskh).abs() + (g[2 + 2 * j] - reskh).abs());
        }
        let value = resk * h;
        let resabs = resabs * h;
        let resasc = resasc * h;
        let mut error = ((resk - resg) * h).abs();
        if resasc != 0.0 && error != 0.0 {
            error = resasc * (200.0 * error / resasc).powf(1.5).min(1.0);
        }
        if resabs > f64::MIN_POSITIVE / (50.0 * f64::EPSILON) {
            error = error.max(50.0 * f64::EPSILON * resabs);
        }
        if !(value.is_finite() && error.is_finite() && resasc.is_finite()) {
            return Err(EvalError::NonFinite { x: f64::NAN });
        }
        Ok(Estimate {
            value,
            error,
            resabs,
            resasc,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::kronrod;
    use super::*;

    fn run(gk: &Gk, lo: f64, hi: f64, f: impl Fn(f64) -> f64) -> Estimate {
        let mut xs = Vec::new();
        assert!(gk.push_abscissae(lo, hi, &mut xs));
        assert_eq!(xs.len(), gk.evals_per_interval());
        let fx: Vec<f64> = xs.iter().map(|&x| f(x)).collect();
        gk.apply(lo, hi, &fx).unwrap()
    }

    #[test]
    fn kronrod_value_is_exact_to_degree_31_and_the_estimate_tracks_the_gauss_rule() {
        let gk = Gk::new(kronrod::rule(10), Range::Finite(0.0, 2.0));
        // Degree 30: the Kronrod value is exact, the G10 value is not, and
        // the estimate (from |K - G|) says so.
        let e = run(&gk, 0.0, 2.0, |x| x.powi(30));
        let exact = 2f64.powi(31) / 31.0;
        assert!((e.value - exact).abs() <= 1e-14 * exact, "{e:?}");
        assert!(e.error > 1e-6 * exact);
        // Degree 19: both are exact; only the round-off floor remains.
        let e = run(&gk, 0.0, 2.0, |x| x.powi(19));
        let exact = 2f64.powi(20) / 20.0;
        assert!((e.value - exact).abs() <= 1e-14 * exact, "{e:?}");
        assert_eq!(e.error, 50.0 * f64::EPSILON * e.resabs);
    }

    #[test]
    fn qk15i_integrates_a_lorentzian_over_the_half_line() {
        let gk = Gk::new(kronrod::rule(7), Range::Upper(0.0));
        let e = run(&gk, 0.0, 1.0, |x| 1.0 / (1.0 + x * x));
        // t = 1/(1 + x) turns 1/(1 + x²) dx into 1/(t² + (1 − t)²) dt.
        assert!(
            (e.value - std::f64::consts::FRAC_PI_2).abs() < 1e-6,
            "{e:?}"
        );
        assert!(e.error >= (e.value - std::f64::consts::FRAC_PI_2).abs());
    }

    #[test]
    fn interval_too_narrow_for_its_nodes_is_refused() {
        let gk = Gk::new(kronrod::rule(10), Range::Finite(1.0, 2.0));
        let hi = 1.0 + 8.0 * f64::EPSILON;
        let mut xs = vec![];
        assert!(!gk.push_abscissae(1.0, hi, &mut xs));
        assert!(xs.is_empty());
    }

    #[test]
    fn whole_line_nodes_come_in_mirror_pairs() {
        let gk = Gk::new(kronrod::rule(7), Range::Whole);
        let mut xs = Vec::new();
        assert!(gk.push_abscissae(0.0, 1.0, &mut xs));
        assert_eq!(xs.len(), 30);
        assert!(xs[..15]
            .iter()
            .zip(&xs[15..])
            .all(|(a, b)| *a == -*b && *a >= 0.0));
        let e = gk
            .apply(
                0.0,
                1.0,
                &xs.iter().map(|&x| (-x * x).exp()).collect::<Vec<_>>(),
            )
            .unwrap();
        assert!(
            (e.value - std::f64::consts::PI.sqrt()).abs() < 1e-3,
            "{e:?}"
        );
    }
}
