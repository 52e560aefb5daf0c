//! Behaviour of the expression language: grammar, errors, limits, the
//! compiler's rewrites, SIMD/scalar agreement and integration results.

use super::*;
use crate::reduce::sum_slice;
use crate::simd::LANES;
use crate::{Context, Options, Rule};

/// The SIMD value of `src` at `x`, checked against the scalar reference
/// (bit for bit unless `src` calls a transcendental function).
fn value(src: &str, x: f64) -> f64 {
    let e = Expr::parse(src).unwrap_or_else(|err| panic!("{src}: {err}"));
    let mut out = [0.0];
    e.eval(&[x], &mut out).unwrap();
    let s = e.eval_scalar(x);
    if src.contains('(')
        && src
            .chars()
            .any(|c| c.is_ascii_lowercase() && c != 'x' && c != 'e')
    {
        assert!(
            (out[0] - s).abs() <= 4.0 * f64::EPSILON * s.abs(),
            "{src} at {x}"
        );
    } else {
        assert_eq!(out[0].to_bits(), s.to_bits(), "{src} at {x}");
    }
    out[0]
}

fn err(src: &str) -> String {
    match Expr::parse(src) {
        Ok(e) => panic!("{src:?} parsed as {e}"),
        Err(e @ Error::Parse { .. }) => e.to_string(),
        Err(e) => panic!("{src:?}: not a parse error: {e:?}"),
    }
}

fn program(src: &str) -> Program {
    Expr::parse(src).unwrap().inner.program.clone()
}

#[test]
fn precedence_and_associativity_follow_the_documented_grammar() {
    assert_eq!(value("2^3^2", 0.0), 512.0);
    assert_eq!(value("-2^2", 0.0), -4.0);
    assert_eq!(value("-x^2", 3.0), -9.0);
    assert_eq!(value("2*-3", 0.0), -6.0);
    assert_eq!(value("2^-1", 0.0), 0.5);
    assert_eq!(value("2^-x^2", 2.0), 1.0 / 16.0);
    assert_eq!(value("1+2*3", 0.0), 7.0);
    assert_eq!(value("(1+2)*3", 0.0), 9.0);
    assert_eq!(value("8/4/2", 0.0), 1.0);
    assert_eq!(value("10-4-3", 0.0), 3.0);
    assert_eq!(value("--x", 2.0), 2.0);
    assert_eq!(value("+x", 2.0), 2.0);
    assert_eq!(value("x*-x", 3.0), -9.0);
    assert_eq!(value("(-2)^2", 0.0), 4.0);
    assert_eq!(value(" \t2 *\n x ", 4.0), 8.0);
    assert_eq!(value(".5 + 1e-3 + 2.5E2", 0.0), 250.501);
    assert_eq!(value("pi", 0.0), std::f64::consts::PI);
    assert_eq!(value("e", 0.0), std::f64::consts::E);
    assert_eq!(value("e^x", 1.0), std::f64::consts::E);
    assert_eq!(value("x", 1.25), 1.25);
}

#[test]
fn every_function_matches_rust_at_sample_points() {
    type F = fn(f64) -> f64;
    let unary: [(&str, F); 18] = [
        ("sin", f64::sin),
        ("cos", f64::cos),
        ("tan", f64::tan),
        ("asin", f64::asin),
        ("acos", f64::acos),
        ("atan", f64::atan),
        ("sinh", f64::sinh),
        ("cosh", f64::cosh),
        ("tanh", f64::tanh),
        ("exp", f64::exp),
        ("log", f64::ln),
        ("log2", f64::log2),
        ("log10", f64::log10),
        ("sqrt", f64::sqrt),
        ("cbrt", f64::cbrt),
        ("abs", f64::abs),
        ("floor", f64::floor),
        ("ceil", f64::ceil),
    ];
    for (name, f) in unary {
        let e = Expr::parse(&format!("{name}(x)")).unwrap();
        for x in [0.3, -0.7, 2.5, 0.0, -0.0, f64::NAN, f64::INFINITY, 1e300] {
            let want = f(x);
            assert_eq!(
                e.eval_scalar(x).to_bits(),
                want.to_bits(),
                "{name}({x}) scalar"
            );
            let mut got = [0.0];
            e.eval(&[x], &mut got).unwrap();
            let ok = (got[0].is_nan() && want.is_nan())
                || got[0] == want && got[0].is_sign_negative() == want.is_sign_negative()
                || (got[0] - want).abs() <= 4.0 * f64::EPSILON * want.abs();
            assert!(ok, "{name}({x}): {} vs {want}", got[0]);
        }
    }
    type G = fn(f64, f64) -> f64;
    let binary: [(&str, G); 4] = [
        ("pow", f64::powf),
        ("atan2", f64::atan2),
        ("min", f64::min),
        ("max", f64::max),
    ];
    for (name, f) in binary {
        for (a, b) in [(2.0, 0.5), (0.5, -3.25), (-1.5, 2.0), (3.0, 3.0)] {
            let got = value(&format!("{name}(x, {b})"), a);
            assert!(
                (got - f(a, b)).abs() <= 4.0 * f64::EPSILON * got.abs(),
                "{name}({a}, {b})"
            );
        }
    }
    assert_eq!(value("pow(x, 2)", 3.0), value("x^2", 3.0));
}

#[test]
fn parse_errors_name_the_exact_column() {
    let cases = [
        ("(x + 1))", "unexpected ')' at column 8"),
        ("sin(x))", "unexpected ')' at column 7"),
        ("sinn(x)", "unknown function 'sinn' at column 1"),
        ("x + y", "unknown variable 'y' at column 5"),
        ("2*y", "unknown variable 'y' at column 3"),
        ("(x + 1", "expected ')' at column 7"),
        ("sin(x", "expected ')' at column 6"),
        ("pow(x 2)", "expected ')' at column 7"),
        ("", "empty expression"),
        ("   ", "empty expression"),
        (
            "pow(x)",
            "wrong number of arguments to 'pow' at column 1 (expected 2, got 1)",
        ),
        (
            "1 + sin(x, 2)",
            "wrong number of arguments to 'sin' at column 5 (expected 1, got 2)",
        ),
        (
            "atan2()",
            "wrong number of arguments to 'atan2' at column 1 (expected 2, got 0)",
        ),
        ("x +", "unexpected end of expression at column 4"),
        ("x * * 2", "unexpected '*' at column 5"),
        ("x 2", "unexpected '2' at column 3"),
        ("2x", "unexpected 'x' at column 2"),
        ("sin x", "expected '(' after 'sin' at column 5"),
        ("x(2)", "unknown function 'x' at column 1"),
        ("inf", "unknown variable 'inf' at column 1"),
        ("1,2", "unexpected ',' at column 2"),
        ("()", "unexpected ')' at column 2"),
        ("x # 2", "unexpected character '#' at column 3"),
        ("1e+", "malformed number '1e+' at column 1"),
    ];
    for (src, msg) in cases {
        assert_eq!(err(src), msg, "{src:?}");
    }
    match Expr::parse("x + y") {
        Err(Error::Parse { column, .. }) => assert_eq!(column, 5),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let n = 100_000;
    let parens = format!("{}x{}", "(".repeat(n), ")".repeat(n));
    assert!(parens.len() > MAX_LEN);
    assert!(err(&parens).starts_with("expression too long"));
    // Within the length limit but far too deep.
    for src in [
        format!("{}x", "(".repeat(60_000)),
        format!("{}x", "-".repeat(60_000)),
        format!("{}x", "- ".repeat(30_000)),
        format!("x{}", "^2".repeat(30_000)),
        format!("{}x", "sin(".repeat(15_000)),
    ] {
        assert_eq!(
            err(&src).split(" at column").next(),
            Some("nesting too deep"),
            "{}",
            &src[..10]
        );
    }
    let ok = format!(
        "{}x{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(value(&ok, 2.0), 2.0);
    let deep = format!("{}x{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(
        err(&deep),
        format!("nesting too deep at column {}", MAX_DEPTH + 1)
    );
    assert_eq!(
        err(&format!("{}x", "-".repeat(300))),
        "nesting too deep at column 257"
    );
}

#[test]
fn one_megabyte_is_refused_by_the_length_check_and_long_chains_work() {
    // The length check answers before any parsing: the message names the
    // length (a timing bound here would fail on a loaded machine).
    let big = "x+".repeat(500_000) + "x";
    assert_eq!(
        err(&big),
        format!("expression too long ({} bytes, limit 65536)", big.len())
    );
    // A left-associative chain just under the limit: no recursion anywhere.
    let terms = (MAX_LEN - 1) / 2;
    let chain = "x+".repeat(terms) + "x";
    assert!(chain.len() <= MAX_LEN);
    let e = Expr::parse(&chain).unwrap();
    assert_eq!(e.program_len(), terms);
    assert_eq!(e.eval_scalar(1.0), (terms + 1) as f64);
    // Printing needs no recursion either, and a chain prints flat.
    let printed = e.to_string();
    assert_eq!(printed, format!("({chain})").replace('+', " + "));
    let e = Expr::parse(&("x+".repeat(10_000) + "x")).unwrap();
    assert_eq!(program(&e.to_string()), e.inner.program);
}

#[test]
fn constant_subexpressions_fold_at_compile_time() {
    assert_eq!(Expr::parse("2*pi*x").unwrap().program_len(), 1);
    assert_eq!(Expr::parse("sin(pi/2) + x").unwrap().program_len(), 1);
    assert_eq!(Expr::parse("x*2*pi").unwrap().program_len(), 2);
    let c = Expr::parse("1 + 2*3 - sqrt(16)").unwrap();
    assert_eq!((c.program_len(), c.constant_value()), (0, Some(3.0)));
    let mut out = [0.0; 5];
    c.eval(&[1.0, 2.0, f64::NAN, 4.0, 5.0], &mut out).unwrap();
    assert_eq!(out, [3.0; 5]);
    assert_eq!(Expr::parse("x").unwrap().program_len(), 0);
    // x·x negated in one instruction, exp, cos, the product.
    assert_eq!(Expr::parse("exp(-x^2)*cos(x)").unwrap().program_len(), 4);
    // Shared subexpressions are computed once.
    assert_eq!(Expr::parse("sin(x) + sin(x)").unwrap().program_len(), 2);
    assert_eq!(Expr::parse("x^2 + sin(x*x)").unwrap().program_len(), 3);
}

#[test]
fn small_integer_powers_become_multiplications() {
    let ops = |src: &str| program(src).code.iter().map(|i| i.op).collect::<Vec<_>>();
    assert_eq!(ops("x^2"), vec![Op::Mul]);
    assert_eq!(ops("pow(x, 3)"), vec![Op::Mul, Op::Mul]);
    assert_eq!(ops("x^16").len(), 4);
    assert_eq!(ops("x^15").len(), 6);
    assert_eq!(ops("x^-2"), vec![Op::Mul, Op::Div]);
    assert_eq!(ops("x^(1+1)"), vec![Op::Mul]);
    assert_eq!(ops("x^17"), vec![Op::Pow]);
    assert_eq!(ops("x^2.5"), vec![Op::Pow]);
    assert_eq!(ops("2^x"), vec![Op::Pow]);
    let one = Expr::parse("x^0").unwrap();
    assert_eq!(one.constant_value(), Some(1.0));
    assert_eq!(f64::NAN.powf(0.0), 1.0);
    for k in -16i32..=16 {
        for x in [0.7, -1.3, 3.0, 1e-3] {
            let got = value(&format!("x^{k}"), x);
            let want = x.powi(k);
            assert!(
                (got - want).abs() <= 8.0 * f64::EPSILON * want.abs(),
                "{x}^{k}"
            );
        }
    }
    assert_eq!(value("x^-1", 0.0), f64::INFINITY);
    assert_eq!(value("x^-1", -0.0), f64::NEG_INFINITY);
}

#[test]
fn negated_products_are_one_instruction_that_keeps_signed_zeros() {
    let ops = |src: &str| program(src).code.iter().map(|i| i.op).collect::<Vec<_>>();
    assert_eq!(ops("-x^2"), vec![Op::NegMul]);
    assert_eq!(ops("-(x*3)"), vec![Op::NegMul]);
    assert_eq!(ops("-(x*x*x)"), vec![Op::Mul, Op::NegMul]);
    // A product with another use is computed once, then negated.
    assert_eq!(
        ops("-(x*x) + sin(x*x)"),
        vec![Op::Mul, Op::Neg, Op::Sin, Op::Add]
    );
    let xs = [
        0.0,
        -0.0,
        1.5,
        -2.0,
        1e-200,
        -1e200,
        f64::INFINITY,
        f64::NAN,
    ];
    for src in ["-x^2", "-(x*3)", "-(x*x*x)"] {
        let e = Expr::parse(src).unwrap();
        let mut out = [0.0; 8];
        e.eval(&xs, &mut out).unwrap();
        for (&x, &y) in xs.iter().zip(&out) {
            let want = e.eval_scalar(x);
            if want.is_nan() {
                // NaN signs and payloads are not part of the language.
                assert!(y.is_nan(), "{src} at {x}");
            } else {
                assert_eq!(y.to_bits(), want.to_bits(), "{src} at {x}");
            }
        }
    }
    assert_eq!(value("-x^2", 0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(value("-x^2", -0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(value("-(x*3)", -0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(value("-x^2", 1e-200).to_bits(), (-0.0f64).to_bits());
}

#[test]
fn products_feeding_one_addition_are_fused_where_fma_is_compiled_in() {
    let ops = |src: &str| program(src).code.iter().map(|i| i.op).collect::<Vec<_>>();
    if cfg!(target_feature = "fma") {
        assert_eq!(ops("2*x + 1"), vec![Op::MulAdd]);
        assert_eq!(ops("1 + x*x"), vec![Op::MulAdd]);
        assert_eq!(ops("x^2 - 1"), vec![Op::MulSub]);
        assert_eq!(ops("1 - x*x"), vec![Op::NegMulAdd]);
        assert_eq!(
            ops("((0.5*x - 1)*x + 2)*x - 3"),
            vec![Op::MulSub, Op::MulAdd, Op::MulSub]
        );
        assert_eq!(
            value("3*x - 0.1", 0.1).to_bits(),
            3f64.mul_add(0.1, -0.1).to_bits()
        );
        assert_eq!(
            value("0.1 - 3*x", 0.1).to_bits(),
            (-3f64).mul_add(0.1, 0.1).to_bits()
        );
    } else {
        assert_eq!(ops("2*x + 1"), vec![Op::Mul, Op::Add]);
    }
    // A shared product is computed once and not fused.
    assert_eq!(ops("x*x + sin(x*x)"), vec![Op::Mul, Op::Sin, Op::Add]);
    let e = Expr::parse("((0.5*x - 1)*x + 2)*x - 3 + x*x*x").unwrap();
    let xs: Vec<f64> = (0..1000).map(|i| i as f64 * 0.01 - 5.0).collect();
    let mut out = vec![0.0; xs.len()];
    e.eval(&xs, &mut out).unwrap();
    for (x, y) in xs.iter().zip(&out) {
        assert_eq!(y.to_bits(), e.eval_scalar(*x).to_bits(), "{x}");
    }
}

#[test]
fn display_is_canonical_and_parses_back_to_the_same_program() {
    let cases = [
        ("exp(-x^2)*cos(x)", "(exp((-(x ^ 2))) * cos(x))"),
        ("2^3^2", "(2 ^ (3 ^ 2))"),
        ("1-2-x", "(1 - 2 - x)"),
        ("1-(2-x)*3/x", "(1 - ((2 - x) * 3 / x))"),
        ("x*(x+1)-x/x", "((x * (x + 1)) - (x / x))"),
        ("pow(x, 2) + atan2(1, x)", "(pow(x, 2) + atan2(1, x))"),
        ("1e-7*x + 1.5e300 + .25", "((1e-7 * x) + 1.5e300 + 0.25)"),
        ("1e999 + pi + -e", "(1e999 + pi + (-e))"),
        ("+x", "x"),
    ];
    for (src, printed) in cases {
        let e = Expr::parse(src).unwrap();
        assert_eq!(e.to_string(), printed);
        assert_eq!(program(printed), e.inner.program, "{src}");
        assert_eq!(e.source(), src);
    }
}

#[test]
fn eval_constant_accepts_bounds_and_infinities() {
    assert_eq!(eval_constant("pi/2").unwrap(), std::f64::consts::FRAC_PI_2);
    assert_eq!(eval_constant("1e-3").unwrap(), 1e-3);
    assert_eq!(eval_constant("-inf").unwrap(), f64::NEG_INFINITY);
    assert_eq!(eval_constant("+inf").unwrap(), f64::INFINITY);
    assert_eq!(eval_constant("inf").unwrap(), f64::INFINITY);
    assert_eq!(eval_constant("infinity").unwrap(), f64::INFINITY);
    assert_eq!(eval_constant("-2^2").unwrap(), -4.0);
    match eval_constant("1 + x") {
        Err(Error::Parse { message, column }) => {
            assert_eq!(message, "the bound must not depend on x (at column 5)");
            assert_eq!(column, 5);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        eval_constant("pi/").unwrap_err().to_string(),
        "unexpected end of expression at column 4"
    );
}

#[test]
fn expr_is_send_sync_clone_and_shares_its_program() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Expr>();
    let e = Expr::parse("sin(x)").unwrap();
    let c = e.clone();
    assert!(Arc::ptr_eq(&e.inner, &c.inner));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let e = e.clone();
            std::thread::spawn(move || {
                let xs: Vec<f64> = (0..1000).map(|i| (i * (t + 1)) as f64 * 1e-3).collect();
                let mut out = vec![0.0; xs.len()];
                e.eval(&xs, &mut out).unwrap();
                xs.iter()
                    .zip(&out)
                    .all(|(x, y)| (y - x.sin()).abs() <= 4e-16)
            })
        })
        .collect();
    assert!(handles.into_iter().all(|h| h.join().unwrap()));
}

/// A deterministic generator of random expressions.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }

    fn expr(&mut self, depth: u32, funcs: &[&str]) -> String {
        if depth == 0 || self.next().is_multiple_of(4) {
            return match self.next() % 4 {
                0 => self
                    .pick(&["0.5", "2", "3", "1e-3", "pi", "7.25"])
                    .to_string(),
                _ => "x".to_string(),
            };
        }
        let a = self.expr(depth - 1, funcs);
        match self.next() % 3 {
            0 => format!("{}({a})", self.pick(funcs)),
            1 => format!("-{a}"),
            _ => {
                let b = self.expr(depth - 1, funcs);
                match self.next() % 8 {
                    0 => format!("min({a}, {b})"),
                    1 => format!("max({a}, {b})"),
                    2 => format!("({a})^{}", self.pick(&["2", "3", "-1", "-2", "5"])),
                    k => format!("({a}) {} ({b})", ["+", "-", "*", "/", "+"][k as usize - 3]),
                }
            }
        }
    }
}

fn sample_points() -> Vec<f64> {
    let mut xs = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e-310,
    ];
    let mut g = Gen(42);
    xs.extend((0..300).map(|_| (g.next() % 20_000) as f64 / 1000.0 - 10.0));
    xs
}

#[test]
fn simd_equals_scalar_bit_for_bit_on_random_exact_programs() {
    let mut g = Gen(0x2545_F491_4F6C_DD1D);
    let xs = sample_points();
    let mut out = vec![0.0; xs.len()];
    for _ in 0..300 {
        let src = g.expr(5, &["sqrt", "abs", "floor", "ceil"]);
        let e = Expr::parse(&src).unwrap();
        e.eval(&xs, &mut out).unwrap();
        for (&x, &y) in xs.iter().zip(&out) {
            let s = e.eval_scalar(x);
            assert!(
                y.to_bits() == s.to_bits() || y.is_nan() && s.is_nan(),
                "{src} at {x}: {y} vs {s}"
            );
        }
    }
}

#[test]
fn simd_agrees_with_scalar_on_random_programs_with_functions() {
    let funcs = [
        "sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "exp", "log", "log2", "log10", "sqrt",
        "cbrt", "abs", "asin", "acos",
    ];
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let xs = sample_points();
    let mut out = vec![0.0; xs.len()];
    let (mut points, mut far) = (0usize, 0usize);
    for _ in 0..300 {
        let src = g.expr(4, &funcs);
        let e = Expr::parse(&src).unwrap();
        e.eval(&xs, &mut out).unwrap();
        for (&x, &y) in xs.iter().zip(&out) {
            // The chunked VM and the one-lane entry point run the same code.
            let lane = e.eval_lane(Lane::splat(x)).unwrap().to_array()[0];
            assert!(
                lane.to_bits() == y.to_bits() || lane.is_nan() && y.is_nan(),
                "{src} at {x}"
            );
            let s = e.eval_scalar(x);
            points += 1;
            let close = y.to_bits() == s.to_bits()
                || y.is_nan() && s.is_nan()
                || (y - s).abs() <= 1e-9 * s.abs().max(1e-300);
            far += usize::from(!close);
        }
    }
    // Differences of a few ulp inside one function can be amplified by a
    // later cancellation (`(tan(atan(x)) - x)^3`) or cross a domain edge;
    // they must stay rare (0.15% of these points).
    assert!(far * 200 <= points, "{far} of {points} points differ");
}

#[test]
fn eval_handles_every_length_and_eval_lane_matches() {
    let e = Expr::parse("log(x) + x^3 / (1 + x)").unwrap();
    let xs: Vec<f64> = (0..700).map(|i| 0.01 + i as f64 * 0.37).collect();
    // Short calls broadcast the constants into their own lanes only: the
    // lengths go up and down so each call follows a longer or shorter one.
    for len in [
        0,
        1,
        LANES - 1,
        LANES,
        LANES + 1,
        255,
        256,
        257,
        700,
        21,
        3,
        600,
        1,
    ] {
        let mut out = vec![f64::NAN; len];
        e.eval(&xs[..len], &mut out).unwrap();
        for (x, y) in xs.iter().zip(&out) {
            assert!(
                (y - e.eval_scalar(*x)).abs() <= 1e-15 * y.abs(),
                "len {len} at {x}"
            );
        }
    }
    let lane = Lane::new(std::array::from_fn(|i| xs[i]));
    let got = e.eval_lane(lane).unwrap().to_array();
    let mut want = [0.0; LANES];
    e.eval(&xs[..LANES], &mut want).unwrap();
    assert_eq!(got, want);
}

#[test]
fn programs_with_many_registers_run_on_shorter_chunks() {
    // Every sin(x^k·c) stays live until the final sum: thousands of registers.
    let n = 2000;
    let terms: Vec<String> = (0..n).map(|k| format!("sin(x*{})", k + 1)).collect();
    let src = format!("({}) * 0 + {}", terms.join(" + "), terms.join(" + "));
    let e = Expr::parse(&src).unwrap();
    assert!(e.inner.program.regs > 1000, "{}", e.inner.program.regs);
    let xs: Vec<f64> = (0..300).map(|i| i as f64 * 1e-3).collect();
    let mut out = vec![0.0; xs.len()];
    e.eval(&xs, &mut out).unwrap();
    for (x, y) in xs.iter().zip(&out) {
        assert!((y - e.eval_scalar(*x)).abs() <= 1e-12, "{x}: {y}");
    }
    let want: f64 = out.iter().sum();
    assert!((e.sum_strided(0.0, 1e-3, 300).unwrap() - want).abs() <= 1e-9 * want.abs());
}

#[test]
fn strided_sum_uses_exactly_the_strided_points() {
    // The last instruction of each is summed as it is computed on full
    // chunks (one of every kind that can be), or stored and then summed.
    let sources = [
        "exp(-x^2)*cos(x)",
        "sin(x) + cos(x)",
        "sin(x) - x",
        "cos(x)/(x*x + 1)",
        "-(sin(x)*x)",
        "sin(x)*x + cos(x)",
        "sin(x)*x - cos(x)",
        "x - sin(x)*cos(x)",
        "2*sin(x)",
        "exp(x)",
    ];
    for src in sources {
        let e = Expr::parse(src).unwrap();
        let (start, step) = (-5.0 + 0.5e-3, 1e-3);
        for count in [1, 7, 256, 3001, crate::blocks::BLOCK, 40_000] {
            let pts: Vec<f64> = (0..count)
                .map(|j| crate::integrand::strided_point(start, step, j))
                .collect();
            let mut fx = vec![0.0; count];
            e.eval(&pts, &mut fx).unwrap();
            // Chunks of CHUNK_POINTS summed by sum_slice, then pairwise.
            let by_chunks: Vec<f64> = fx.chunks(CHUNK_POINTS).map(sum_slice).collect();
            let want = crate::reduce::pairwise(&by_chunks);
            assert_eq!(
                e.sum_strided(start, step, count).unwrap().to_bits(),
                want.to_bits(),
                "{src}: {count}"
            );
        }
    }
}

#[test]
fn integral_is_identical_for_every_thread_count() {
    let f = Expr::parse("exp(-x^2)*cos(x)").unwrap();
    let opts = Options::fixed(Rule::Midpoint, 1_000_003);
    let bits: Vec<u64> = [1, 2, 3, 5, 8, 16]
        .iter()
        .map(|&t| {
            let ctx = Context::new(t).unwrap();
            ctx.integrate(&f, -5.0, 5.0, &opts).unwrap().value.to_bits()
        })
        .collect();
    assert!(bits.iter().all(|&b| b == bits[0]), "{bits:?}");
    let v = f64::from_bits(bits[0]);
    assert!((v - 1.380_388_447_042_127_4).abs() < 1e-11, "{v}");
}

#[test]
fn gauss_legendre_integral_matches_the_closed_form() {
    let f = Expr::parse("exp(-x^2)*cos(x)").unwrap();
    let ctx = Context::new(2).unwrap();
    let opts = Options {
        order: 16,
        ..Options::fixed(Rule::GaussLegendre, 64)
    };
    let v = ctx.integrate(&f, -5.0, 5.0, &opts).unwrap().value;
    // ∫_{-5}^{5} e^{-x²} cos x dx (40 digits by mpmath); the tails beyond ±5
    // make it 1.0156e-12 less than √π·e^{-1/4}.
    assert!((v - 1.380_388_447_042_127_4).abs() < 2e-15, "{v}");
    let full = std::f64::consts::PI.sqrt() * (-0.25f64).exp();
    assert!((v - (full - 1.015_580_460_254e-12)).abs() < 3e-15, "{v}");
}

/// CPU seconds this thread has run (Linux; `None` elsewhere). On a loaded
/// machine wall time says little, so the throughput below uses both.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Throughput of the seed expression on one thread, midpoint rule with
/// n = 10^8 on [-5, 5]. Run in release:
/// `cargo test --release --lib expr::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release with --ignored --nocapture"]
fn throughput_of_the_seed_expression() {
    let ctx = Context::new(1).unwrap();
    let n = 100_000_000u64;
    for src in [
        "exp(-x^2)*cos(x)",
        "x^2 + 7",
        "exp(x)",
        "cos(x)",
        "log(x + 6)",
        "pow(x + 6, 2.5)",
    ] {
        let f = Expr::parse(src).unwrap();
        let opts = Options::fixed(Rule::Midpoint, n);
        let (t, c) = (std::time::Instant::now(), thread_cpu_seconds());
        let v = ctx.integrate(&f, -5.0, 5.0, &opts).unwrap().value;
        let wall = t.elapsed().as_secs_f64();
        let cpu = c
            .and_then(|c| Some(thread_cpu_seconds()? - c))
            .unwrap_or(wall);
        println!(
            "{src:<20} {v:>22.15}  {:.3} Gpts/s wall, {:.3} Gpts/s per CPU-second",
            n as f64 / wall / 1e9,
            n as f64 / cpu / 1e9
        );
    }
}
