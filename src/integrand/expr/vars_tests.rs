//! Tests of expressions over a variable table: parsing, aliases, errors, and
//! the column, row and parameter evaluators against the scalar reference.

use super::*;
use crate::simd::LANES;

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan()
}

/// Deterministic xorshift.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }

    /// A random expression over `vars` using `funcs`.
    fn expr(&mut self, depth: u32, vars: &[&str], funcs: &[&str]) -> String {
        if depth == 0 || self.next().is_multiple_of(4) {
            return match self.next() % 4 {
                0 => self.pick(&["0.5", "2", "3", "1e-3", "pi"]).to_string(),
                _ => self.pick(vars).to_string(),
            };
        }
        let a = self.expr(depth - 1, vars, funcs);
        match self.next() % 3 {
            0 => format!("{}({a})", self.pick(funcs)),
            1 => format!("-{a}"),
            _ => {
                let b = self.expr(depth - 1, vars, funcs);
                match self.next() % 7 {
                    0 => format!("min({a}, {b})"),
                    1 => format!("({a})^{}", self.pick(&["2", "3", "-1"])),
                    k => format!("({a}) {} ({b})", ["+", "-", "*", "/", "+"][k as usize - 2]),
                }
            }
        }
    }
}

/// `n` points of `d` variables, row-major, with special values mixed in.
fn points(rng: &mut Rng, n: usize, d: usize) -> Vec<f64> {
    const SPECIAL: [f64; 6] = [0.0, -0.0, f64::NAN, f64::INFINITY, -1.0, 1e-310];
    (0..n * d)
        .map(|i| {
            if i % 37 == 5 {
                SPECIAL[i % SPECIAL.len()]
            } else {
                rng.unit() * 20.0 - 10.0
            }
        })
        .collect()
}

fn columns(rows: &[f64], d: usize) -> Vec<Vec<f64>> {
    (0..d)
        .map(|v| rows.chunks_exact(d).map(|p| p[v]).collect())
        .collect()
}

/// Columns, rows, and each point alone give the same bits.
fn check_paths_agree(e: &Expr, rows: &[f64], d: usize) -> Vec<f64> {
    let n = rows.len() / d;
    let cols = columns(rows, d);
    let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
    let mut by_cols = vec![0.0; n];
    e.eval_columns(&refs, &mut by_cols).unwrap();
    let mut by_rows = vec![0.0; n];
    e.eval_rows(rows, d, &mut by_rows).unwrap();
    for (i, (a, b)) in by_cols.iter().zip(&by_rows).enumerate() {
        assert!(
            same(*a, *b),
            "{}: point {i}: columns {a}, rows {b}",
            e.source()
        );
        let mut one = [0.0];
        e.eval_rows(&rows[i * d..][..d], d, &mut one).unwrap();
        assert!(same(one[0], *a), "{}: point {i} alone", e.source());
    }
    by_cols
}

#[test]
fn multi_variable_simd_equals_scalar_reference_bit_for_bit_on_exact_programs() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    for d in [2usize, 3, 5] {
        let names: Vec<String> = (1..=d).map(|i| format!("x{i}")).collect();
        let vars: Vec<&str> = names.iter().map(String::as_str).collect();
        let rows = points(&mut rng, 300, d);
        for _ in 0..100 {
            let src = rng.expr(5, &vars, &["sqrt", "abs", "floor", "ceil"]);
            let e = Expr::parse_nd(&src, d).unwrap();
            let got = check_paths_agree(&e, &rows, d);
            for (p, y) in rows.chunks_exact(d).zip(&got) {
                let s = e.eval_point(p);
                assert!(same(*y, s), "{src} at {p:?}: SIMD {y}, scalar {s}");
            }
        }
    }
}

#[test]
fn multi_variable_programs_with_functions_agree_across_paths_and_with_scalar() {
    let funcs = ["sin", "cos", "exp", "log", "atan", "tanh", "cbrt", "sqrt"];
    let mut rng = Rng(0x0BAD_5EED_0BAD_5EED);
    let d = 3;
    let rows = points(&mut rng, 200, d);
    let (mut total, mut far) = (0usize, 0usize);
    for _ in 0..150 {
        let src = rng.expr(4, &["x", "y", "z"], &funcs);
        let e = Expr::parse_nd(&src, d).unwrap();
        let got = check_paths_agree(&e, &rows, d);
        for (p, y) in rows.chunks_exact(d).zip(&got) {
            let s = e.eval_point(p);
            total += 1;
            let close = same(*y, s) || (y - s).abs() <= 1e-9 * s.abs().max(1e-300);
            far += usize::from(!close);
        }
    }
    // Within the one-variable engine's per-function bounds, a few ulp may be
    // amplified by a later cancellation: rare, as in one dimension.
    assert!(far * 200 <= total, "{far} of {total} points differ");
}

#[test]
fn unknown_variables_are_parse_errors_naming_the_variable_and_column() {
    let err = |r: Result<Expr, Error>| match r {
        Err(Error::Parse { message, column }) => (message, column),
        other => panic!("expected a parse error, got {other:?}"),
    };
    assert_eq!(
        err(Expr::parse_nd("x1 + x2*x6", 5)),
        ("unknown variable 'x6' at column 9".to_string(), 9)
    );
    // The aliases exist only where their axis does.
    assert_eq!(
        err(Expr::parse_nd("x + y", 1)),
        ("unknown variable 'y' at column 5".to_string(), 5)
    );
    assert_eq!(
        err(Expr::parse_nd("z", 2)),
        ("unknown variable 'z' at column 1".to_string(), 1)
    );
    assert_eq!(
        err(Expr::parse_params("exp(-p*x^2)*r", &["p", "q"])),
        ("unknown variable 'r' at column 13".to_string(), 13)
    );
    // `x0` is not an axis, and `x` alone is unknown in a table without it.
    assert_eq!(err(Expr::parse_nd("x0", 3)).1, 1);
    assert_eq!(
        err(Expr::parse_with_vars("t + x", &[("t", 0)])),
        ("unknown variable 'x' at column 5".to_string(), 5)
    );
}

#[test]
fn bad_variable_tables_are_refused_with_the_reason() {
    let msg = |vars: &[(&str, usize)]| match Expr::parse_with_vars("1", vars) {
        Err(Error::InvalidArg(m)) => m,
        other => panic!("{vars:?}: {other:?}"),
    };
    assert!(msg(&[]).contains("empty"));
    assert!(msg(&[("a b", 0)]).contains("not an identifier"));
    assert!(msg(&[("1a", 0)]).contains("not an identifier"));
    assert!(msg(&[("", 0)]).contains("not an identifier"));
    assert!(msg(&[("pi", 0)]).contains("constant or a function"));
    assert!(msg(&[("sin", 0)]).contains("constant or a function"));
    assert!(msg(&[("a", 0), ("a", 1)]).contains("twice"));
    assert!(msg(&[("a", MAX_VARS)]).contains("beyond"));
    assert!(Expr::parse_params("x", &["x"]).is_err());
    for bad in [0, MAX_VARS + 1] {
        assert!(matches!(
            Expr::parse_nd("x", bad),
            Err(Error::InvalidArg(_))
        ));
    }
}

#[test]
fn aliases_x_y_z_compile_to_the_same_program_as_x1_x2_x3() {
    let a = Expr::parse_nd("exp(-(x^2 + y^2 + z^2)) * cos(x*y) + x4", 4).unwrap();
    let b = Expr::parse_nd("exp(-(x1^2 + x2^2 + x3^2)) * cos(x1*x2) + x4", 4).unwrap();
    assert_eq!(a.inner.program, b.inner.program);
    // Mixing spellings of one axis shares the subexpression.
    let c = Expr::parse_nd("sin(x1) + sin(x)", 2).unwrap();
    assert_eq!(c.program_len(), 2, "sin computed once, then one add");
    // Printing keeps the spelling and parses back to the same program.
    assert_eq!(
        a.to_string(),
        "((exp((-((x ^ 2) + (y ^ 2) + (z ^ 2)))) * cos((x * y))) + x4)"
    );
    let back = Expr::parse_nd(&a.to_string(), 4).unwrap();
    assert_eq!(back.inner.program, a.inner.program);
}

#[test]
fn one_variable_parse_is_the_same_program_as_before() {
    for src in [
        "exp(-x^2)*cos(x)",
        "x",
        "2*pi",
        "x*x + 1",
        "log(x) + x^3 / (1 + x)",
    ] {
        let one = Expr::parse(src).unwrap();
        assert_eq!(one.nvars(), 1);
        let table = Expr::parse_with_vars(src, &[("x", 0)]).unwrap();
        let nd = Expr::parse_nd(src, 1).unwrap();
        assert_eq!(one.inner.program, table.inner.program, "{src}");
        assert_eq!(one.inner.program, nd.inner.program, "{src}");
    }
    // Register 0 is still x, and the first temporary is register 1.
    let e = Expr::parse("sin(x)").unwrap();
    let p = &e.inner.program;
    assert_eq!(p.code[0].a, Operand::Reg(0));
    assert_eq!(p.code[0].dst, 1);
}

#[test]
fn nvars_and_uses_var_report_the_columns_read() {
    let e = Expr::parse_nd("x1 * x3 + 0*x5", 6).unwrap();
    assert_eq!(e.nvars(), 6);
    let used: Vec<bool> = (0..8).map(|c| e.uses_var(c)).collect();
    assert_eq!(used, [true, false, true, false, true, false, false, false]);
    let k = Expr::parse_nd("3", 2).unwrap();
    assert_eq!((k.nvars(), k.uses_var(0), k.uses_var(1)), (2, false, false));
    assert_eq!(k.constant_value(), Some(3.0));
    // A table may skip a column: it counts, but is never read.
    let t = Expr::parse_with_vars("a * b", &[("a", 0), ("b", 2)]).unwrap();
    assert_eq!((t.nvars(), t.uses_var(1)), (3, false));
}

#[test]
fn unread_columns_never_affect_the_value() {
    let e = Expr::parse_nd("x1 * x3", 3).unwrap();
    let (a, c) = ([1.5, 2.0, -3.0], [2.0, 0.25, 4.0]);
    let mut out = [0.0; 3];
    e.eval_columns(&[&a, &[f64::NAN; 3], &c], &mut out).unwrap();
    assert_eq!(out, [3.0, 0.5, -12.0]);
    e.eval_rows(
        &[1.5, f64::NAN, 2.0, 2.0, f64::NAN, 0.25, -3.0, f64::NAN, 4.0],
        3,
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [3.0, 0.5, -12.0]);
}

#[test]
fn columns_of_every_length_match_the_scalar_reference() {
    let e = Expr::parse_nd("exp(-(x^2 + y^2)) * cos(x*y) + sqrt(abs(z)) / (1 + y^2)", 3).unwrap();
    let mut rng = Rng(77);
    let big = CHUNK_POINTS * 2 + 3;
    let rows = points(&mut rng, big, 3);
    for n in [
        0,
        1,
        LANES - 1,
        LANES,
        LANES + 1,
        CHUNK_POINTS - 1,
        CHUNK_POINTS,
        CHUNK_POINTS + 1,
        big,
    ] {
        let got = check_paths_agree(&e, &rows[..n * 3], 3);
        assert_eq!(got.len(), n);
        for (p, y) in rows.chunks_exact(3).zip(&got) {
            let s = e.eval_point(p);
            assert!(
                same(*y, s) || (y - s).abs() <= 4.0 * f64::EPSILON * s.abs(),
                "n = {n} at {p:?}: {y} vs {s}"
            );
        }
    }
}

#[test]
fn single_variable_results_of_a_table_are_copied_or_broadcast() {
    let e = Expr::parse_nd("y", 2).unwrap();
    let mut out = [0.0; 3];
    e.eval_columns(&[&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]], &mut out)
        .unwrap();
    assert_eq!(out, [4.0, 5.0, 6.0]);
    e.eval_rows(&[1.0, 7.0, 2.0, 8.0, 3.0, 9.0], 2, &mut out)
        .unwrap();
    assert_eq!(out, [7.0, 8.0, 9.0]);
    e.eval_mixed(
        &[Column::Values(&[0.0; 3]), Column::Constant(-2.5)],
        &mut out,
    )
    .unwrap();
    assert_eq!(out, [-2.5; 3]);
}

#[test]
fn parameters_per_point_per_batch_and_as_columns_give_the_same_bits() {
    let e = Expr::parse_params("exp(-p*x^2)*cos(q*x)", &["p", "q"]).unwrap();
    assert_eq!(e.nvars(), 3);
    let mut rng = Rng(99);
    let n = CHUNK_POINTS + LANES + 1;
    let x: Vec<f64> = (0..n).map(|_| rng.unit() * 4.0 - 2.0).collect();
    // Several rows of parameters, each fixed over a run of points.
    let p: Vec<f64> = (0..n)
        .flat_map(|i| {
            let k = (i / 50) as f64;
            [0.5 + k, 3.0 - 0.25 * k]
        })
        .collect();
    let mut per_point = vec![0.0; n];
    e.eval_params(&x, &p, &mut per_point).unwrap();
    for i in 0..n {
        let (pi, qi) = (p[2 * i], p[2 * i + 1]);
        let want = e.eval_point(&[x[i], pi, qi]);
        let close = (per_point[i] - want).abs() <= 4.0 * f64::EPSILON * want.abs().max(1e-300);
        assert!(close, "point {i}: {} vs {want}", per_point[i]);
        let exact = (-pi * x[i] * x[i]).exp() * (qi * x[i]).cos();
        assert!((per_point[i] - exact).abs() <= 1e-15, "point {i}");
    }
    // One row for the whole batch, broadcast once: the same bits as the
    // per-point path and as constant and full columns.
    for row in (0..n).step_by(50) {
        let (pr, qr) = (p[2 * row], p[2 * row + 1]);
        let len = 50.min(n - row);
        let xs = &x[row..row + len];
        let mut batch = vec![0.0; len];
        e.eval_params(xs, &[pr, qr], &mut batch).unwrap();
        let mut mixed = vec![0.0; len];
        e.eval_mixed(
            &[
                Column::Values(xs),
                Column::Constant(pr),
                Column::Constant(qr),
            ],
            &mut mixed,
        )
        .unwrap();
        let (pc, qc) = (vec![pr; len], vec![qr; len]);
        let mut cols = vec![0.0; len];
        e.eval_columns(&[xs, &pc, &qc], &mut cols).unwrap();
        for i in 0..len {
            let v = per_point[row + i];
            assert!(same(batch[i], v) && same(mixed[i], v) && same(cols[i], v));
        }
    }
}

#[test]
fn a_parameter_expression_without_x_still_evaluates_per_point() {
    let e = Expr::parse_params("p*q", &["p", "q"]).unwrap();
    assert!(!e.uses_var(0));
    let mut out = [0.0; 2];
    e.eval_params(&[9.0, 9.0], &[2.0, 3.0, 4.0, 5.0], &mut out)
        .unwrap();
    assert_eq!(out, [6.0, 20.0]);
}

#[test]
#[should_panic(expected = "variable columns")]
fn a_multi_variable_expression_is_not_a_one_dimensional_integrand() {
    let e = Expr::parse_nd("x + y", 2).unwrap();
    let mut out = [0.0; 1];
    let _ = Integrand::eval(&e, &[1.0], &mut out);
}

#[test]
#[should_panic(expected = "variable columns")]
fn eval_rows_refuses_a_wrong_width() {
    let e = Expr::parse_nd("x + y", 2).unwrap();
    let mut out = [0.0; 1];
    let _ = e.eval_rows(&[1.0, 2.0, 3.0], 3, &mut out);
}
