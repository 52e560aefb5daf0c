//! Gauss–Kronrod node and weight tables, computed (not pasted in) to full
//! double precision in double-double arithmetic.
//!
//! The `(2n+1)`-point Kronrod extension of the `n`-point Gauss–Legendre rule
//! adds the zeros of the Stieltjes polynomial `E_{n+1}`, defined by
//! `∫ P_n E_{n+1} x^k dx = 0` for `k ≤ n`. Writing
//! `E_{n+1} = Σ_j c_j P_{n+1−2j}` (`c_0 = 1`), the conditions for odd `k`
//! involve only `c_0..c_{(k+1)/2}` (the product of three Legendre polynomials
//! integrates to zero unless their degrees satisfy the triangle inequality),
//! so the coefficients follow by forward substitution. The integrals of three
//! Legendre polynomials have Adams' closed form. Zeros of `P_n` and `E_{n+1}`
//! are found by bisection on the interlacing brackets and polished by
//! Newton's method in double-double; the weights use the closed forms
//!
//! - `W(ξ) = 2 / ((n+1) P_n(ξ) E'(ξ))` at a zero `ξ` of `E_{n+1}`,
//! - `W(x) = w_G(x) + 2 / ((n+1) P_n'(x) E(x))` at a Gauss node `x`,
//!
//! so every entry is the double-double value rounded once to `f64`.

use std::sync::OnceLock;

use super::dd::Dd;
use super::gauss_legendre;

/// Gauss orders with a Kronrod table: QUADPACK's six pairs, G7K15 to G30K61.
pub const ORDERS: [u32; 6] = [7, 10, 15, 20, 25, 30];

/// A Gauss–Kronrod pair on `[-1, 1]`, in QUADPACK's layout: the `n + 1`
/// non-negative Kronrod nodes in decreasing order (the last is 0); nodes at
/// odd indices are the Gauss nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct KronrodRule {
    /// Gauss order `n`; the Kronrod rule has `2n + 1` points.
    pub n: usize,
    /// Non-negative Kronrod nodes, decreasing, `xgk[n] = 0`.
    pub xgk: Vec<f64>,
    /// Kronrod weights of `±xgk[i]`.
    pub wgk: Vec<f64>,
    /// Gauss weights of `±xgk[i]`: zero where `xgk[i]` is not a Gauss node.
    pub wg: Vec<f64>,
}

impl KronrodRule {
    /// Points of one application: `2n + 1`.
    pub fn points(&self) -> usize {
        2 * self.n + 1
    }
}

/// The cached pair for Gauss order `n`, which must be one of [`ORDERS`].
///
/// # Panics
/// Panics for any other order (callers validate first).
pub fn rule(n: u32) -> &'static KronrodRule {
    static TABLES: [OnceLock<KronrodRule>; ORDERS.len()] = [const { OnceLock::new() }; 6];
    let i = ORDERS
        .iter()
        .position(|&o| o == n)
        .expect("Kronrod order validated by the caller");
    TABLES[i].get_or_init(|| compute(n as usize))
}

/// `(P_k(x), P_k'(x))` in double-double for `k ≥ 1` by the three-term
/// recurrence; the derivative from `(x² − 1) P_k' = k (x P_k − P_{k−1})`.
fn legendre_dd(k: usize, x: Dd) -> (Dd, Dd) {
    let all = legendre_all(k, x);
    let d = Dd::from(k as f64) * (x * all[k] - all[k - 1]) / (x * x - Dd::ONE);
    (all[k], d)
}

/// `P_0(x) .. P_k(x)` in double-double.
fn legendre_all(k: usize, x: Dd) -> Vec<Dd> {
    let mut p = Vec::with_capacity(k + 1);
    p.push(Dd::ONE);
    p.push(x);
    for j in 2..=k {
        let jf = j as f64;
        let t = Dd::from(2.0 * jf - 1.0) * x * p[j - 1] - Dd::from(jf - 1.0) * p[j - 2];
        p.push(t / Dd::from(jf));
    }
    p.truncate(k + 1);
    p
}

/// `A(k) = (2k)! / (4^k (k!)²) = Π_{i ≤ k} (2i − 1)/(2i)`.
fn adams(k: usize) -> Dd {
    (1..=k).fold(Dd::ONE, |acc, i| {
        acc * Dd::from(2.0 * i as f64 - 1.0) / Dd::from(2.0 * i as f64)
    })
}

/// `∫_{-1}^{1} P_a P_b P_c dx` by Adams' formula (degrees satisfying the
/// triangle inequality with an even sum).
fn triple(a: usize, b: usize, c: usize) -> Dd {
    let s = (a + b + c) / 2;
    debug_assert!((a + b + c).is_multiple_of(2) && a <= s && b <= s && c <= s);
    Dd::from(2.0) / Dd::from(2.0 * s as f64 + 1.0) * adams(s - a) * adams(s - b) * adams(s - c)
        / adams(s)
}

/// Coefficients `c_j` of `E_{n+1} = Σ_j c_j P_{n+1−2j}`.
fn stieltjes_coeffs(n: usize) -> Vec<Dd> {
    let m = n.div_ceil(2);
    let mut c = vec![Dd::ONE];
    for i in 1..=m {
        let k = 2 * i - 1;
        let mut s = Dd::ZERO;
        for (j, cj) in c.iter().enumerate() {
            s = s + *cj * triple(n, n + 1 - 2 * j, k);
        }
        c.push(-s / triple(n, n + 1 - 2 * i, k));
    }
    c
}

/// `(E(x), E'(x))` in double-double.
fn stieltjes(n: usize, c: &[Dd], x: Dd) -> (Dd, Dd) {
    let p = legendre_all(n + 1, x);
    let mut e = Dd::ZERO;
    let mut de = Dd::ZERO;
    let denom = x * x - Dd::ONE;
    for (j, cj) in c.iter().enumerate() {
        let k = n + 1 - 2 * j;
        e = e + *cj * p[k];
        if k > 0 {
            de = de + *cj * Dd::from(k as f64) * (x * p[k] - p[k - 1]) / denom;
        }
    }
    (e, de)
}

/// Polishes a root of `g` from a bracket `(lo, hi)` with a sign change:
/// bisection in `f64` down to adjacent doubles, then two Newton steps in
/// double-double.
fn root(lo: f64, hi: f64, g: impl Fn(Dd) -> (Dd, Dd)) -> Dd {
    let (mut lo, mut hi) = (lo, hi);
    let s_lo = g(Dd::from(lo)).0.hi.signum();
    loop {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if g(Dd::from(mid)).0.hi.signum() == s_lo {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut x = Dd::from(0.5 * (lo + hi));
    for _ in 0..3 {
        let (v, d) = g(x);
        x = x - v / d;
    }
    x
}

/// Computes the G`n`K`(2n+1)` pair.
pub fn compute(n: usize) -> KronrodRule {
    assert!(n >= 2, "Kronrod extension needs n >= 2");
    // Gauss nodes: Newton in double-double from the f64 nodes.
    let gl = gauss_legendre::compute(n);
    let gauss: Vec<Dd> = gl.nodes[n / 2..]
        .iter()
        .rev()
        .map(|&x0| {
            let mut x = Dd::from(x0);
            if x0 != 0.0 {
                for _ in 0..2 {
                    let (p, dp) = legendre_dd(n, x);
                    x = x - p / dp;
                }
            }
            x
        })
        .collect(); // non-negative Gauss nodes, decreasing (0 last when n is odd)
    let c = stieltjes_coeffs(n);
    let e = |x: Dd| stieltjes(n, &c, x);
    let mut xgk = vec![Dd::ZERO; n + 1];
    for i in 0..=n {
        if i == n {
            // The centre, +0 (the Gauss table holds -0 there for odd n).
            xgk[i] = Dd::ZERO;
        } else if i % 2 == 1 {
            xgk[i] = gauss[i / 2];
        } else {
            let upper = if i == 0 { 1.0 } else { xgk[i - 1].hi };
            let lower = if i + 1 < n {
                gauss[i.div_ceil(2)].hi
            } else {
                0.0
            };
            xgk[i] = root(lower, upper, e);
        }
    }
    let two_over = Dd::from(2.0) / Dd::from(n as f64 + 1.0);
    let mut wgk = vec![0.0; n + 1];
    let mut wg = vec![0.0; n + 1];
    for (i, &x) in xgk.iter().enumerate() {
        let (p, dp) = if x.hi == 0.0 && n.is_multiple_of(2) {
            (legendre_all(n, x)[n], Dd::ZERO)
        } else {
            legendre_dd(n, x)
        };
        if i % 2 == 1 {
            let w_gauss = Dd::from(2.0) / ((Dd::ONE - x * x) * dp * dp);
            let (ev, _) = e(x);
            wg[i] = w_gauss.to_f64();
            wgk[i] = (w_gauss + two_over / (dp * ev)).to_f64();
        } else {
            let (_, de) = e(x);
            wgk[i] = (two_over / (p * de)).to_f64();
        }
    }
    KronrodRule {
        n,
        xgk: xgk.iter().map(|x| x.to_f64()).collect(),
        wgk,
        wg,
    }
}

#[cfg(test)]
#[path = "kronrod_tests.rs"]
mod tests;
