//! Gauss–Legendre nodes and weights, computed to full double precision by
//! Newton's method on the three-term recurrence (not pasted in).

use std::sync::OnceLock;

use crate::options::MAX_ORDER;

/// Nodes on `[-1, 1]` in increasing order and their weights.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussLegendre {
    /// Abscissae, ascending.
    pub nodes: Vec<f64>,
    /// Weights, summing to 2.
    pub weights: Vec<f64>,
}

/// `(P_n(x), P_n'(x))` by the three-term recurrence.
pub fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0f64, x);
    if n == 0 {
        return (1.0, 0.0);
    }
    for k in 2..=n {
        let k = k as f64;
        let p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
    }
    let dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
    (p1, dp)
}

/// Computes the `n`-point rule. Newton iterations start from Tricomi's
/// asymptotic guess and stop once the step no longer shrinks the residual;
/// the rule is made exactly symmetric.
pub fn compute(n: usize) -> GaussLegendre {
    assert!(n >= 1, "Gauss–Legendre needs at least one node");
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    let nf = n as f64;
    for i in 0..n.div_ceil(2) {
        // i-th largest root.
        let theta = std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5);
        let mut x = (1.0 - (nf - 1.0) / (8.0 * nf * nf * nf)) * theta.cos();
        for _ in 0..100 {
            let (p, dp) = legendre(n, x);
            let dx = p / dp;
            x -= dx;
            if dx.abs() <= 1e-17 * x.abs().max(1e-300) {
                break;
            }
        }
        if n % 2 == 1 && i == n / 2 {
            x = 0.0;
        }
        let (_, dp) = legendre(n, x);
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        nodes[n - 1 - i] = x;
        nodes[i] = -x;
        weights[n - 1 - i] = w;
        weights[i] = w;
    }
    GaussLegendre { nodes, weights }
}

/// The cached `order`-point rule, `1 ≤ order ≤ MAX_ORDER`.
///
/// # Panics
/// Panics when `order` is out of range (callers validate first).
pub fn rule(order: u32) -> &'static GaussLegendre {
    static TABLE: OnceLock<Vec<OnceLock<GaussLegendre>>> = OnceLock::new();
    assert!(
        (1..=MAX_ORDER).contains(&order),
        "order {order} out of range"
    );
    let table = TABLE.get_or_init(|| (0..MAX_ORDER).map(|_| OnceLock::new()).collect());
    table[order as usize - 1].get_or_init(|| compute(order as usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_rules_match_closed_forms() {
        let r2 = rule(2);
        assert!((r2.nodes[1] - 1.0 / 3f64.sqrt()).abs() <= f64::EPSILON);
        assert!((r2.weights[0] - 1.0).abs() <= 2.0 * f64::EPSILON);
        let r3 = rule(3);
        assert!((r3.nodes[2] - (0.6f64).sqrt()).abs() <= f64::EPSILON);
        assert_eq!(r3.nodes[1], 0.0);
        assert!((r3.weights[1] - 8.0 / 9.0).abs() <= 2.0 * f64::EPSILON);
        assert!((r3.weights[0] - 5.0 / 9.0).abs() <= 2.0 * f64::EPSILON);
    }

    #[test]
    fn weights_sum_to_two_and_nodes_are_sorted_and_symmetric() {
        for order in 1..=MAX_ORDER {
            let r = rule(order);
            let s: f64 = r.weights.iter().sum();
            assert!((s - 2.0).abs() < 1e-14, "order {order}: {s}");
            assert!(r.nodes.windows(2).all(|w| w[0] < w[1]));
            for i in 0..r.nodes.len() {
                assert_eq!(r.nodes[i], -r.nodes[r.nodes.len() - 1 - i]);
            }
        }
    }

    #[test]
    fn rule_integrates_monomials_up_to_degree_2n_minus_1() {
        for order in [1u32, 2, 5, 8, 16, 33, 64] {
            let r = rule(order);
            for k in 0..2 * order as i32 {
                let q: f64 = r
                    .nodes
                    .iter()
                    .zip(&r.weights)
                    .map(|(x, w)| w * x.powi(k))
                    .sum();
                let exact = if k % 2 == 1 {
                    0.0
                } else {
                    2.0 / (k as f64 + 1.0)
                };
                assert!(
                    (q - exact).abs() < 5e-15,
                    "order {order} degree {k}: {q} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn nodes_are_roots_to_full_precision() {
        let r = rule(64);
        for &x in &r.nodes {
            let (p, dp) = legendre(64, x);
            // One more Newton step would move the node by less than an ulp.
            assert!((p / dp).abs() <= 2.0 * f64::EPSILON * x.abs().max(1e-3));
        }
    }
}
