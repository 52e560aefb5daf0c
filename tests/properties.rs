//! Property tests (proptest): random polynomials against their closed-form
//! integrals, random thread counts against each other bit for bit, and
//! random expression trees against their printed form.

use std::sync::OnceLock;

use proptest::prelude::*;
use vquad::{Context, Expr, Integrand, Options, Poly, Rule};

/// Contexts with 1..=16 threads, created once for all cases.
fn context(threads: usize) -> &'static Context {
    static CONTEXTS: OnceLock<Vec<Context>> = OnceLock::new();
    &CONTEXTS.get_or_init(|| (1..=16).map(|t| Context::new(t).unwrap()).collect())[threads - 1]
}

/// `Σ|c_k|·m^k`: bounds `|p(x)|` for `|x| ≤ m`; the scale of the rounding
/// error of evaluating and integrating `p`.
fn magnitude(c: &[f64], m: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, ck| acc * m + ck.abs())
}

/// A fixed rule (with its Gauss–Legendre order) that integrates every
/// polynomial of `degree` exactly, chosen by `pick`.
fn exact_rule(degree: usize, pick: u32) -> (Rule, u32) {
    let mut choices = vec![];
    if degree <= 1 {
        choices.push((Rule::Midpoint, 0));
        choices.push((Rule::Trapezoid, 0));
    }
    if degree <= 3 {
        choices.push((Rule::Simpson, 0));
    }
    // Gauss–Legendre with `order` nodes is exact up to degree 2·order − 1.
    let min_order = (degree as u32 + 1).div_ceil(2).max(1);
    choices.push((Rule::GaussLegendre, min_order));
    choices.push((Rule::GaussLegendre, min_order + pick % 8));
    choices.push((Rule::GaussLegendre, 0)); // the default, 8 nodes
    choices
        .retain(|&(r, o)| r != Rule::GaussLegendre || (o == 0 && degree <= 15) || o >= min_order);
    choices[pick as usize % choices.len()]
}

/// Panel counts from 1 to 300 000, spread over the orders of magnitude so
/// that both the serial path and the pool (and the polynomial kernel's
/// block path) are exercised.
fn panels() -> impl Strategy<Value = u64> {
    (0u32..=18, 0u64..1 << 18).prop_map(|(bits, r)| (1 + r % (1u64 << bits)).min(300_000))
}

fn coefficients() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-10.0f64..10.0, 1..=12)
}

/// Source text of a random expression: every construct of the language,
/// with and without redundant parentheses, spaces and precedence-reliant
/// operator sequences (`a - b ^ -c * d`).
fn expression_source() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => Just("x".to_string()),
        1 => Just("pi".to_string()),
        1 => Just("e".to_string()),
        2 => (0u32..1000).prop_map(|v| v.to_string()),
        2 => (0.0f64..100.0).prop_map(|v| format!("{v}")),
        1 => (-300i32..300, 1u32..10).prop_map(|(k, m)| format!("{m}.5e{k}")),
        1 => Just(".25".to_string()),
    ];
    leaf.prop_recursive(8, 96, 3, |inner| {
        let op = prop::sample::select(vec!["+", "-", "*", "/", "^"]);
        let unary = prop::sample::select(vec![
            "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log",
            "log2", "log10", "sqrt", "cbrt", "abs", "floor", "ceil",
        ]);
        let binary = prop::sample::select(vec!["pow", "atan2", "min", "max"]);
        let space = prop::sample::select(vec!["", " ", "  ", "\t", "\n"]);
        prop_oneof![
            (inner.clone(), op.clone(), inner.clone(), space.clone())
                .prop_map(|(a, o, b, w)| format!("{a}{w}{o}{w}{b}")),
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("({a}){o}({b})")),
            (prop::sample::select(vec!["-", "+"]), inner.clone())
                .prop_map(|(s, a)| format!("{s}{a}")),
            inner.clone().prop_map(|a| format!("({a})")),
            (unary, inner.clone(), space).prop_map(|(f, a, w)| format!("{f}({w}{a}{w})")),
            (binary, inner.clone(), inner).prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
        ]
    })
}

/// Abscissae the expression properties compare programs at.
const POINTS: [f64; 10] = [-2.5, -1.0, -0.5, 0.0, 1e-3, 0.5, 1.0, 2.0, 3.7, 10.0];

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_polynomials_match_their_closed_form_integrals(
        coeffs in coefficients(),
        a in -5.0f64..5.0,
        width in 1e-3f64..10.0,
        reversed in any::<bool>(),
        n in panels(),
        pick in any::<u32>(),
        threads in 1usize..=4,
    ) {
        let p = Poly::new(&coeffs).unwrap();
        let degree = p.coeffs().len() - 1;
        let (rule, order) = exact_rule(degree, pick);
        let (lo, hi) = (a, a + width);
        let (from, to) = if reversed { (hi, lo) } else { (lo, hi) };
        let opts = Options { order, ..Options::fixed(rule, n) };
        let r = context(threads).integrate(&p, from, to, &opts).unwrap();
        let exact = p.integral(from, to);
        let m = lo.abs().max(hi.abs());
        // |p| and every block-shifted form the kernels evaluate stay below
        // magnitude(3m); the closed form itself rounds at m·|p|.
        let tol = 1e-13 * magnitude(p.coeffs(), 3.0 * m) * width.max(m);
        prop_assert!(
            (r.value - exact).abs() <= tol,
            "{rule} order {order}, n = {n}: {} vs {exact} (tolerance {tol:e})",
            r.value
        );
    }

    #[test]
    fn random_thread_counts_give_identical_bits(
        coeffs in coefficients(),
        a in -3.0f64..3.0,
        width in 1e-3f64..10.0,
        n in panels(),
        rule in prop::sample::select(vec![
            Rule::Midpoint, Rule::Trapezoid, Rule::Simpson, Rule::GaussLegendre, Rule::Auto,
        ]),
        order in 0u32..=64,
        callback in any::<bool>(),
        t1 in 1usize..=16,
        t2 in 1usize..=16,
    ) {
        let opts = Options { order, ..Options::fixed(rule, n) };
        let p = Poly::new(&coeffs).unwrap();
        // A non-polynomial integrand takes the generic (non-kernel) path.
        let wavy = |x: f64| (x * coeffs[0]).sin() + p.at(x);
        let f: &dyn Integrand = if callback { &wavy } else { &p };
        let r1 = context(t1).integrate(f, a, a + width, &opts).unwrap();
        let r2 = context(t2).integrate(f, a, a + width, &opts).unwrap();
        prop_assert_eq!(r1.value.to_bits(), r2.value.to_bits(),
            "{} threads: {}, {} threads: {}", t1, r1.value, t2, r2.value);
        prop_assert_eq!(r1.evals, r2.evals);
    }

    #[test]
    fn random_thread_counts_give_identical_bits_for_adaptive_rules(
        coeffs in coefficients(),
        a in -3.0f64..3.0,
        width in 1e-3f64..10.0,
        rule in prop::sample::select(vec![Rule::GaussKronrod, Rule::TanhSinh, Rule::Auto]),
        order in prop::sample::select(vec![0u32, 7, 10, 15, 20, 25, 30]),
        digits in 3i32..=13,
        callback in any::<bool>(),
        t1 in 1usize..=16,
        t2 in 1usize..=16,
    ) {
        let opts = Options {
            order,
            max_evals: 200_000,
            ..Options::adaptive(rule, 0.0, 10f64.powi(-digits))
        };
        let p = Poly::new(&coeffs).unwrap();
        // Oscillatory enough to subdivide into batches that run on the pool.
        let wavy = |x: f64| (x * 100.0 * (1.0 + coeffs[0].abs())).sin() + p.at(x);
        let f: &dyn Integrand = if callback { &wavy } else { &p };
        let r1 = context(t1).integrate(f, a, a + width, &opts);
        let r2 = context(t2).integrate(f, a, a + width, &opts);
        match (&r1, &r2) {
            (Ok(x), Ok(y)) => {
                prop_assert_eq!(x.value.to_bits(), y.value.to_bits());
                prop_assert_eq!(x.abs_error.map(f64::to_bits), y.abs_error.map(f64::to_bits));
                prop_assert_eq!((x.evals, x.subintervals), (y.evals, y.subintervals));
            }
            (Err(x), Err(y)) => prop_assert_eq!(x.to_string(), y.to_string()),
            _ => prop_assert!(false, "{} threads: {:?}, {} threads: {:?}", t1, r1, t2, r2),
        }
    }

    #[test]
    fn printed_expressions_reparse_to_the_same_program(src in expression_source()) {
        let e = Expr::parse(&src).map_err(|err| TestCaseError::fail(format!("{src:?}: {err}")))?;
        let printed = e.to_string();
        let p = Expr::parse(&printed)
            .map_err(|err| TestCaseError::fail(format!("{printed:?} (from {src:?}): {err}")))?;
        prop_assert_eq!(p.to_string(), printed.clone(), "printing is not a fixed point");
        prop_assert_eq!(p.program_len(), e.program_len(), "{} vs {}", src, printed);
        prop_assert_eq!(
            p.constant_value().map(f64::to_bits),
            e.constant_value().map(f64::to_bits)
        );
        for x in POINTS {
            let (a, b) = (e.eval_scalar(x), p.eval_scalar(x));
            prop_assert!(
                a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan(),
                "{:?} gives {:e} but its printed form {:?} gives {:e} at x = {}", src, a, printed, b, x
            );
        }
    }
}
