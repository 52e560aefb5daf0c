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
use crate::integrand::first_non_finite;

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

    /// Appends the abscissae at which `[lo, hi]` needs the integrand, or
    /// returns false (appending nothing) when some node would not lie
    /// strictly inside the interval and the original range: the interval is
    /// too narrow for the floating-point grid.
    pub fn push_abscissae(&self, lo: f64, hi: f64, xs: &mut Vec<f64>) -> bool {
        let m = self.rule.points();
        if let Range::Finite(..) = self.range {
            // The transform is the identity, and nodes strictly inside
            // `[lo, hi]` lie strictly inside the range that holds it.
            let start = xs.len();
            xs.resize(start + m, 0.0);
            let ok = rule_nodes(self.rule, lo, hi, &mut xs[start..]);
            if !ok {
                xs.truncate(start);
            }
            return ok;
        }
        let mut ts = [0.0f64; 2 * MAX_N + 1];
        if !rule_nodes(self.rule, lo, hi, &mut ts[..m]) {
            return false;
        }
        let start = xs.len();
        xs.extend(ts[..m].iter().map(|&t| self.range.gk_x(t)));
        if !xs[start..].iter().all(|&x| self.range.gk_x_is_interior(x)) {
            xs.truncate(start);
            return false;
        }
        if self.range == Range::Whole {
            xs.extend_from_within(start..);
            for x in &mut xs[start + m..] {
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
        let m = self.rule.points();
        let mut ts = [0.0f64; 2 * MAX_N + 1];
        if let Range::Finite(..) = self.range {
            // The transform is the identity: `fx` are the rule's values.
            if let Some(k) = first_non_finite(&fx[..m]) {
                rule_nodes(self.rule, lo, hi, &mut ts[..m]);
                return Err(EvalError::NonFinite { x: ts[k] });
            }
            return estimate(self.rule, centre(lo, hi).1, &fx[..m]);
        }
        rule_nodes(self.rule, lo, hi, &mut ts[..m]);
        let mut g = [0.0f64; 2 * MAX_N + 1];
        for (k, &t) in ts[..m].iter().enumerate() {
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
        estimate(self.rule, centre(lo, hi).1, &g[..m])
    }
}

/// Writes the nodes of `[lo, hi]` in the rule variable into `ts`
/// (`rule.points()` values): the centre `c`, then `c − h·x_j`, `c + h·x_j`
/// for each positive Kronrod node `x_j`. Returns false (leaving `ts`
/// unspecified) when the outermost pair would not lie strictly inside the
/// interval; rounding is monotone and the nodes decrease, so every other
/// node then lies inside too.
#[inline]
pub fn rule_nodes(rule: &KronrodRule, lo: f64, hi: f64, ts: &mut [f64]) -> bool {
    let (c, h) = centre(lo, hi);
    let outer = h * rule.xgk[0];
    if !(lo < c - outer && c + outer < hi) {
        return false;
    }
    ts[0] = c;
    for (j, &x) in rule.xgk[..rule.n].iter().enumerate() {
        let a = h * x;
        ts[1 + 2 * j] = c - a;
        ts[2 + 2 * j] = c + a;
    }
    true
}

/// The one Gauss–Kronrod kernel: QUADPACK's sums and error estimate from
/// the values `g` at [`rule_nodes`] (in that order) of an interval of
/// half-width `h`. Every rule application, the small-call path's included,
/// runs these operations in this order, so its bits never depend on which
/// path computed it.
///
/// # Errors
/// [`EvalError::NonFinite`] (with a NaN abscissa) when the sums overflow.
#[inline]
pub fn estimate(rule: &KronrodRule, h: f64, g: &[f64]) -> Result<Estimate, EvalError> {
    // The default pairs get a copy with the loop bounds known, which the
    // compiler unrolls: the same operations in the same order.
    match rule.n {
        10 => estimate_n::<10>(rule, h, g),
        7 => estimate_n::<7>(rule, h, g),
        _ => estimate_any(rule, rule.n, h, g),
    }
}

fn estimate_n<const N: usize>(
    rule: &KronrodRule,
    h: f64,
    g: &[f64],
) -> Result<Estimate, EvalError> {
    estimate_any(rule, N, h, g)
}

#[inline(always)]
fn estimate_any(rule: &KronrodRule, n: usize, h: f64, g: &[f64]) -> Result<Estimate, EvalError> {
    let (wg, wgk) = (&rule.wg[..=n], &rule.wgk[..=n]);
    let g = &g[..2 * n + 1];
    let fc = g[0];
    let mut resg = wg[n] * fc;
    let mut resk = wgk[n] * fc;
    let mut resabs = resk.abs();
    for j in 0..n {
        let (f1, f2) = (g[1 + 2 * j], g[2 + 2 * j]);
        let fsum = f1 + f2;
        resg += wg[j] * fsum;
        resk += wgk[j] * fsum;
        resabs += wgk[j] * (f1.abs() + f2.abs());
    }
    let reskh = 0.5 * resk;
    let mut resasc = wgk[n] * (fc - reskh).abs();
    for j in 0..n {
        resasc += wgk[j] * ((g[1 + 2 * j] - reskh).abs() + (g[2 + 2 * j] - reskh).abs());
    }
    let value = resk * h;
    let resabs = resabs * h;
    let resasc = resasc * h;
    let mut error = ((resk - resg) * h).abs();
    let floor = (resabs > f64::MIN_POSITIVE / (50.0 * f64::EPSILON))
        .then_some(50.0 * f64::EPSILON * resabs);
    if resasc != 0.0 && error != 0.0 {
        error = resasc * scaled_power(200.0 * error / resasc, resasc, floor);
    }
    if let Some(floor) = floor {
        error = error.max(floor);
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

/// `min(1, t^1.5)`, QUADPACK's rescaling, except that where
/// `resasc · t^1.5` is certainly below the round-off `floor` (which then
/// replaces it) it returns 0 without calling `powf`: the estimate that
/// follows is the floor either way, to the bit.
#[inline]
fn scaled_power(t: f64, resasc: f64, floor: Option<f64>) -> f64 {
    if t >= 1.0 {
        // t^1.5 >= 1 for t >= 1 (and powf is exact at 1).
        return 1.0;
    }
    if let Some(floor) = floor {
        // t·√t is within a few ulps of t^1.5 where it is a normal number;
        // the margin of 1e-9 covers those and the product's rounding.
        let approx = t * t.sqrt();
        if approx >= 1e-290 && resasc * approx < floor * (1.0 - 1e-9) {
            return 0.0;
        }
    }
    t.powf(1.5).min(1.0)
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
    fn the_round_off_floor_shortcut_gives_the_bits_of_the_power() {
        // A fixed-seed walk over t = 200|K - G|/resasc and the floor's
        // scale, concentrated where t·√t and t^1.5 straddle the floor.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut shortcuts = 0;
        for _ in 0..200_000 {
            let t = 10f64.powf(-40.0 * next());
            let resasc = 10f64.powf(30.0 * next() - 15.0);
            let reference = resasc * t.powf(1.5).min(1.0);
            // Floors from far below to just around the reference.
            let floor = reference * (1.0 + 1e-8 * (next() - 0.5)) * 10f64.powf(2.0 * next() - 1.0);
            let fast = resasc * scaled_power(t, resasc, Some(floor));
            assert_eq!(
                fast.max(floor).to_bits(),
                reference.max(floor).to_bits(),
                "t {t:e} resasc {resasc:e} floor {floor:e}"
            );
            shortcuts += u32::from(fast == 0.0);
        }
        assert!(shortcuts > 10_000, "{shortcuts}");
        assert_eq!(scaled_power(4.0, 1.0, None), 1.0);
        assert_eq!(scaled_power(0.25, 1.0, None), 0.125);
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
