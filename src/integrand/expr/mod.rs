//! Expression integrands: a formula in `x` (or in the variables of a
//! caller-given table), parsed once and compiled to a register program that
//! a SIMD virtual machine runs over L1-sized chunks. The program never
//! changes after parsing, and every evaluation path (chunked, one lane
//! vector, columns, rows, constant columns) runs the same instructions, so
//! a point's value never depends on how it was batched.
//!
//! # Language
//!
//! - numbers: `2`, `2.5`, `.5`, `1e-3`, `1.5E+2`; constants `pi`, `e`;
//!   the variable `x` ([`Expr::parse`]), or the variables of a table
//!   ([`Expr::parse_with_vars`], [`Expr::parse_nd`], [`Expr::parse_params`]);
//! - `+ - * /` with the usual precedence, left-associative;
//! - `^`, right-associative and binding tighter than unary minus:
//!   `-x^2 = -(x^2)`, `-2^2 = -4`, `2^3^2 = 2^9 = 512`; an exponent or a
//!   factor may carry its own sign: `2^-1 = 0.5`, `2*-3 = -6`, `+x = x`;
//! - functions `sin cos tan asin acos atan sinh cosh tanh exp log log2 log10
//!   sqrt cbrt abs floor ceil` (`log` is the natural logarithm) and the
//!   two-argument `pow(a, b)` (same as `a^b`), `atan2(y, x)`, `min(a, b)`,
//!   `max(a, b)` (`min`/`max` ignore a NaN operand and order `-0 < +0`);
//! - spaces, tabs and newlines anywhere between tokens.
//!
//! Expressions are at most [`MAX_LEN`] bytes long and nest at most
//! [`MAX_DEPTH`] levels (parentheses, calls, prefix signs and exponents all
//! count); deeper or longer input is refused with [`Error::Parse`], never
//! with a stack overflow.
//!
//! # Semantics and accuracy
//!
//! Subexpressions without a variable are folded to constants at compile time, and
//! `a^k` for a constant integer `|k| ≤ 16` is computed by multiplications
//! (`a^-k = 1/a^k`) rather than `powf`. Where FMA is compiled in, a product
//! whose only use is an addition or subtraction is fused with it
//! (`a*b + c` rounds once). [`Expr::eval_scalar`] runs the
//! compiled program with Rust's `f64` methods and is the reference: the SIMD
//! evaluation agrees with it bit for bit on `+ - * /`, `sqrt`, `abs`,
//! `floor`, `ceil`, `min`, `max` (hence on integer powers), and within 4 ulp
//! on every other function (2 ulp at most as measured over 10^6 points per
//! function by `tests/expr_accuracy.rs`); special values (NaN, ±∞, ±0,
//! subnormals, huge trigonometric arguments, domain errors) give exactly
//! what the scalar reference gives. Compared with `powf`, an integer power
//! carries the roundings of its multiplications: up to 3 ulp for `|k| ≤ 4`,
//! 11 ulp for `|k| = 16`.
//!
//! # Examples
//! ```
//! use vquad::{Context, Expr, Options, Rule};
//! let f = Expr::parse("exp(-x^2) * cos(x)").unwrap();
//! let ctx = Context::new(1).unwrap();
//! let r = ctx.integrate(&f, -5.0, 5.0, &Options::fixed(Rule::GaussLegendre, 200)).unwrap();
//! let exact = std::f64::consts::PI.sqrt() * (-0.25f64).exp();
//! assert!((r.value - exact).abs() < 1e-10);
//! assert_eq!(f.to_string(), "(exp((-(x ^ 2))) * cos(x))");
//! ```
//!
//! Several variables, evaluated on columns or on row-major points:
//! ```
//! use vquad::Expr;
//! let f = Expr::parse_nd("x1 + 10*y + 100*x3", 3).unwrap();
//! let (x1, x2, x3) = ([1.0, 2.0], [3.0, 4.0], [5.0, 6.0]);
//! let mut out = [0.0; 2];
//! f.eval_columns(&[&x1, &x2, &x3], &mut out).unwrap();
//! assert_eq!(out, [531.0, 642.0]);
//! f.eval_rows(&[1.0, 3.0, 5.0, 2.0, 4.0, 6.0], 3, &mut out).unwrap();
//! assert_eq!(out, [531.0, 642.0]);
//! assert_eq!(
//!     Expr::parse_nd("x1 + x4", 3).unwrap_err().to_string(),
//!     "unknown variable 'x4' at column 6"
//! );
//! ```

mod compile;
mod exp;
mod funcs;
mod lex;
mod parse;
mod trig;
mod vm;

use std::fmt;
use std::sync::Arc;

use self::compile::{Operand, Program};
use self::funcs::Op;
use self::parse::Node;
use super::Integrand;
use crate::error::{Error, EvalError};
use crate::simd::Lane;

pub use self::compile::MAX_INT_POW;
pub use self::parse::{MAX_DEPTH, MAX_LEN};
pub use self::vm::{Column, CHUNK_POINTS};

/// A compiled expression, ready to integrate or evaluate.
///
/// Immutable after parsing; cloning is cheap (the program is shared) and an
/// `Expr` may be used from any number of threads at once. An expression of
/// one variable (from [`Expr::parse`], or any table with a single column)
/// is an [`Integrand`]; one of several variables is evaluated with
/// [`Expr::eval_columns`] or [`Expr::eval_rows`].
#[derive(Clone)]
pub struct Expr {
    inner: Arc<Inner>,
}

struct Inner {
    source: String,
    nodes: Vec<Node>,
    /// The variable table's names, indexed as [`Node::Var`] refers to them.
    names: Vec<String>,
    program: Program,
}

impl Expr {
    /// Parses and compiles `src`.
    ///
    /// # Errors
    /// [`Error::Parse`] with a message naming the 1-based column, e.g.
    /// `unexpected ')' at column 7`, `unknown function 'sinn' at column 1`,
    /// `unknown variable 'y' at column 3`, `expected ')' at column 5`,
    /// `wrong number of arguments to 'pow' at column 1 (expected 2, got 1)`,
    /// `nesting too deep at column 257`, `empty expression`,
    /// `expression too long (70000 bytes, limit 65536)`.
    pub fn parse(src: &str) -> Result<Expr, Error> {
        Expr::parse_with_vars(src, &[("x", 0)])
    }

    /// Parses and compiles `src` over a variable table: each entry names a
    /// variable and the column (0-based) it reads. Several names may share
    /// a column (aliases); [`Expr::nvars`] is one more than the largest
    /// column, and a column no name refers to is simply never read.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] for a bad table: empty, a name that is not an
    /// identifier (`[A-Za-z_][A-Za-z0-9_]*`), a name listed twice, or a name
    /// that is already a constant or a function (`pi`, `e`, `inf`,
    /// `infinity`, `sin`, …). [`Error::Parse`] as for [`Expr::parse`]; a
    /// name outside the table is `unknown variable 'x6' at column 9`.
    pub fn parse_with_vars(src: &str, vars: &[(&str, usize)]) -> Result<Expr, Error> {
        check_table(vars)?;
        let parsed = parse::parse(src, vars, false)?;
        let nvars = vars.iter().map(|&(_, c)| c + 1).max().unwrap_or(1);
        let program = compile::compile(&parsed.nodes, nvars);
        Ok(Expr {
            inner: Arc::new(Inner {
                source: src.to_string(),
                nodes: parsed.nodes,
                names: vars.iter().map(|&(n, _)| n.to_string()).collect(),
                program,
            }),
        })
    }

    /// An expression in `ndim` variables `x1 … x<ndim>` (columns 0 … ndim−1),
    /// with `x`, `y`, `z` as aliases of `x1`, `x2`, `x3` where those exist.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] when `ndim` is 0 or above 65 536; otherwise as
    /// [`Expr::parse_with_vars`].
    pub fn parse_nd(src: &str, ndim: usize) -> Result<Expr, Error> {
        if ndim == 0 || ndim > MAX_VARS {
            return Err(Error::InvalidArg(format!(
                "ndim must be between 1 and {MAX_VARS} (got {ndim})"
            )));
        }
        let names: Vec<String> = (1..=ndim).map(|i| format!("x{i}")).collect();
        let mut table: Vec<(&str, usize)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        table.extend(["x", "y", "z"].into_iter().zip(0..ndim));
        Expr::parse_with_vars(src, &table)
    }

    /// An expression in `x` (column 0) and the parameters `names` (columns
    /// 1 … names.len()), e.g. `exp(-p*x^2)*cos(q*x)` with `["p", "q"]`.
    /// Evaluate it with [`Expr::eval_params`] or [`Expr::eval_columns`].
    ///
    /// # Errors
    /// As [`Expr::parse_with_vars`] (a parameter named `x` is listed twice).
    pub fn parse_params(src: &str, names: &[&str]) -> Result<Expr, Error> {
        let mut table = vec![("x", 0)];
        table.extend(names.iter().enumerate().map(|(i, &n)| (n, i + 1)));
        Expr::parse_with_vars(src, &table)
    }

    /// Number of variable columns a point has: 1 for [`Expr::parse`].
    pub fn nvars(&self) -> usize {
        self.inner.program.nvars
    }

    /// Whether the compiled program reads column `col`: false for a column
    /// beyond [`Expr::nvars`] or one that no name in the expression refers
    /// to. (Nothing is simplified away: `0*y` still reads `y`, since it is
    /// NaN for infinite `y`.) Evaluation never touches an unread column.
    pub fn uses_var(&self, col: usize) -> bool {
        col < self.nvars() && vm::used_vars(&self.inner.program)[col]
    }

    /// Evaluates at `out.len()` points whose variable `v` is `cols[v][i]`
    /// (structure of arrays), on SIMD lanes over L1-sized chunks. The bits
    /// equal [`Expr::eval_point`]'s bit for bit on `+ - * /`, `sqrt`, …
    /// exactly as the one-variable engine does (see the module docs).
    ///
    /// # Errors
    /// None today: the result type matches [`Integrand::eval`] so that
    /// callers propagate it the same way.
    ///
    /// # Panics
    /// When `cols.len() != self.nvars()` or a column's length differs from
    /// `out.len()`.
    pub fn eval_columns(&self, cols: &[&[f64]], out: &mut [f64]) -> Result<(), EvalError> {
        self.check_columns(cols.len());
        let cols: Vec<Column> = cols
            .iter()
            .map(|c| {
                assert_eq!(c.len(), out.len(), "every column has out.len() values");
                Column::Values(c)
            })
            .collect();
        vm::eval_columns(&self.inner.program, &cols, out);
        Ok(())
    }

    /// [`Expr::eval_columns`] where a column may be [`Column::Constant`]:
    /// the same value at every point (a parameter fixed for the batch), set
    /// once per call instead of loaded chunk by chunk. Gives the same bits
    /// as passing that value repeated.
    ///
    /// # Errors
    /// None today (see [`Expr::eval_columns`]).
    ///
    /// # Panics
    /// As [`Expr::eval_columns`].
    pub fn eval_mixed(&self, cols: &[Column], out: &mut [f64]) -> Result<(), EvalError> {
        self.check_columns(cols.len());
        for c in cols {
            if let Column::Values(v) = c {
                assert_eq!(v.len(), out.len(), "every column has out.len() values");
            }
        }
        vm::eval_columns(&self.inner.program, cols, out);
        Ok(())
    }

    /// Evaluates at row-major points: point `i`'s variables are
    /// `x[i·nvars .. (i + 1)·nvars]` (as C callbacks and cubature rules lay
    /// them out), transposed into columns chunk by chunk. Same bits as
    /// [`Expr::eval_columns`].
    ///
    /// # Errors
    /// None today (see [`Expr::eval_columns`]).
    ///
    /// # Panics
    /// When `nvars != self.nvars()` or `x.len() != out.len() * nvars`.
    pub fn eval_rows(&self, x: &[f64], nvars: usize, out: &mut [f64]) -> Result<(), EvalError> {
        self.check_columns(nvars);
        assert_eq!(x.len(), out.len() * nvars, "x holds out.len() points");
        vm::eval_rows(&self.inner.program, x, out);
        Ok(())
    }

    /// For an expression from [`Expr::parse_params`]: `out[i] = f(x[i];
    /// p[i·np .. (i + 1)·np])` with `np` parameters per point (row-major,
    /// as `vq_integrate_many` stores them). When `p` holds a single row
    /// (`p.len() == np`), that row applies to every point and is broadcast
    /// once (the fast path for one integral's nodes). Same bits either way.
    ///
    /// # Errors
    /// None today (see [`Expr::eval_columns`]).
    ///
    /// # Panics
    /// When `x.len() != out.len()`, or `p.len()` is neither `np` nor
    /// `out.len() * np` (with `np = nvars() − 1`).
    pub fn eval_params(&self, x: &[f64], p: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        let np = self.nvars() - 1;
        assert_eq!(x.len(), out.len(), "one x per output");
        let prog = &self.inner.program;
        if p.len() == np {
            let mut cols = vec![Column::Values(x)];
            cols.extend(p.iter().map(|&c| Column::Constant(c)));
            vm::eval_columns(prog, &cols, out);
        } else {
            assert_eq!(p.len(), out.len() * np, "p holds np values per point");
            vm::eval_params(prog, x, p, out);
        }
        Ok(())
    }

    fn check_columns(&self, n: usize) {
        assert_eq!(
            n,
            self.nvars(),
            "the expression has {} variable columns",
            self.nvars()
        );
    }

    /// The source text this expression was parsed from.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Evaluates the compiled program at `x` with Rust's scalar `f64`
    /// methods: the reference the SIMD evaluation is tested against.
    ///
    /// # Panics
    /// When the expression has more than one variable column (use
    /// [`Expr::eval_point`]).
    pub fn eval_scalar(&self, x: f64) -> f64 {
        self.eval_point(&[x])
    }

    /// The scalar reference at one point of [`Expr::nvars`] variables.
    ///
    /// # Panics
    /// When `point.len() != self.nvars()`.
    pub fn eval_point(&self, point: &[f64]) -> f64 {
        self.check_columns(point.len());
        vm::eval_scalar(&self.inner.program, point)
    }

    /// Number of instructions of the compiled program (0 when the expression
    /// is a constant or a single variable).
    pub fn program_len(&self) -> usize {
        self.inner.program.code.len()
    }

    /// The value of the expression when it depends on no variable.
    pub fn constant_value(&self) -> Option<f64> {
        match self.inner.program.result {
            Operand::Const(c) => Some(c),
            Operand::Reg(_) => None,
        }
    }
}

impl std::str::FromStr for Expr {
    type Err = Error;
    fn from_str(s: &str) -> Result<Expr, Error> {
        Expr::parse(s)
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expr")
            .field("source", &self.inner.source)
            .field("instructions", &self.program_len())
            .field("registers", &self.inner.program.regs)
            .finish()
    }
}

/// Prints the expression fully parenthesized, in a canonical spelling that
/// parses back to the same program: `-x^2+1` prints as `((-(x ^ 2)) + 1)`.
/// A left-associative chain of `+`/`-` (or of `*`/`/`) shares one pair of
/// parentheses (`1-2-x` prints as `(1 - 2 - x)`), so that long sums print
/// no deeper than they were written. (The printed form of an expression
/// within the limits may still exceed them where the source relied on
/// precedence heavily, e.g. over 128 nested prefix minuses.)
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_tree(&self.inner.nodes, &self.inner.names, f)
    }
}

/// The 1-D integrand. An expression of several variable columns is not a
/// function of one variable: every method panics for it (evaluate it with
/// [`Expr::eval_columns`] or [`Expr::eval_rows`]).
impl Integrand for Expr {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        self.check_columns(1);
        vm::eval(&self.inner.program, xs, out);
        Ok(())
    }

    fn eval_lane(&self, x: Lane) -> Result<Lane, EvalError> {
        self.check_columns(1);
        Ok(vm::eval_lane(&self.inner.program, x))
    }

    fn sum_strided(&self, start: f64, step: f64, count: usize) -> Result<f64, EvalError> {
        self.check_columns(1);
        match vm::sum_strided(&self.inner.program, start, step, count) {
            Some(sum) => Ok(sum),
            None => super::sum_strided_via_eval(self, start, step, count),
        }
    }

    fn strided_chunk(&self) -> Option<usize> {
        self.check_columns(1);
        Some(vm::strided_chunk(&self.inner.program).unwrap_or(super::CHUNK))
    }

    fn strided_chunk_sums(
        &self,
        start: f64,
        step: f64,
        count: usize,
        first: usize,
        sums: &mut [f64],
    ) -> Result<(), EvalError> {
        self.check_columns(1);
        if vm::strided_chunk(&self.inner.program).is_some() {
            vm::strided_chunk_sums(&self.inner.program, start, step, count, first, sums);
            Ok(())
        } else {
            super::chunk_sums_via_eval(self, start, step, count, first, sums)
        }
    }

    /// Cheap like a polynomial: at most 16 arithmetic instructions.
    fn is_cheap(&self) -> bool {
        let p = &self.inner.program;
        p.code.len() <= 16
            && p.code.iter().all(|i| {
                matches!(
                    i.op,
                    Op::Neg
                        | Op::Add
                        | Op::Sub
                        | Op::Mul
                        | Op::Div
                        | Op::Abs
                        | Op::Min
                        | Op::Max
                        | Op::MulAdd
                        | Op::MulSub
                        | Op::NegMulAdd
                        | Op::NegMul
                )
            })
    }
}

/// Evaluates a constant expression, such as an integration bound: `pi/2`,
/// `1e-3`, `-inf`. Besides the expression language, `inf` and `infinity`
/// are accepted here (with an optional sign).
///
/// # Errors
/// [`Error::Parse`] for a syntax error, or when the expression mentions `x`
/// (`the bound must not depend on x (at column 3)`).
pub fn eval_constant(src: &str) -> Result<f64, Error> {
    let parsed = parse::parse(src, &[("x", 0)], true)?;
    if let Some(col) = parsed.first_var {
        return Err(parse_error(
            format!("the bound must not depend on x (at column {col})"),
            col,
        ));
    }
    match compile::compile(&parsed.nodes, 1).result {
        Operand::Const(c) => Ok(c),
        Operand::Reg(_) => unreachable!("an expression without x folds to a constant"),
    }
}

/// Most variable columns an expression may have.
pub const MAX_VARS: usize = 65_536;

/// Refuses variable tables that could not be parsed unambiguously.
fn check_table(vars: &[(&str, usize)]) -> Result<(), Error> {
    let bad = |m: String| Err(Error::InvalidArg(m));
    if vars.is_empty() {
        return bad("the variable table is empty".to_string());
    }
    for (i, &(name, col)) in vars.iter().enumerate() {
        let mut chars = name.chars();
        let ident = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ident {
            return bad(format!("variable name {name:?} is not an identifier"));
        }
        if matches!(name, "pi" | "e" | "inf" | "infinity") || Op::from_name(name).is_some() {
            return bad(format!(
                "variable name '{name}' is already a constant or a function"
            ));
        }
        if vars[..i].iter().any(|&(n, _)| n == name) {
            return bad(format!("variable name '{name}' is listed twice"));
        }
        if col >= MAX_VARS {
            return bad(format!(
                "variable '{name}' reads column {col}, beyond the limit {MAX_VARS}"
            ));
        }
    }
    Ok(())
}

/// An [`Error::Parse`].
pub(crate) fn parse_error(message: String, column: usize) -> Error {
    Error::Parse { message, column }
}

/// A number literal spelled so that it lexes back to the same value.
fn literal(v: f64) -> String {
    if v.is_infinite() {
        "1e999".to_string()
    } else if v == 0.0 || (1e-4..1e16).contains(&v) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Precedence class of a left-associative infix operator: a chain of one
/// class (`a - b + c`, `a * b / c`) is printed inside a single pair of
/// parentheses, so that printing never nests deeper than the source.
fn chain_class(n: Node) -> Option<u8> {
    match n {
        Node::Infix(Op::Add | Op::Sub) => Some(0),
        Node::Infix(Op::Mul | Op::Div) => Some(1),
        _ => None,
    }
}

/// Writes a postfix tree in infix form, without recursion (trees may be
/// thousands of nodes deep along left-associative chains).
fn write_tree(nodes: &[Node], names: &[String], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let arity = |n: &Node| match n {
        Node::Infix(op) | Node::Call(op) => op.arity(),
        _ => 0,
    };
    // starts[i]: index of the first node of the subtree rooted at i.
    let mut starts = vec![0usize; nodes.len()];
    let mut roots: Vec<usize> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        let k = arity(n);
        starts[i] = if k == 0 {
            i
        } else {
            starts[roots[roots.len() - k]]
        };
        roots.truncate(roots.len() - k);
        roots.push(i);
    }
    // (node, children already written, whether it opens its own parentheses)
    let mut stack = vec![(nodes.len() - 1, 0usize, true)];
    while let Some((i, stage, paren)) = stack.pop() {
        let node = nodes[i];
        let k = arity(&node);
        if stage == 0 {
            match node {
                Node::Num(v) => f.write_str(&literal(v))?,
                Node::Pi => f.write_str("pi")?,
                Node::E => f.write_str("e")?,
                Node::Inf => f.write_str("inf")?,
                Node::Var(_, name) => f.write_str(&names[name as usize])?,
                Node::Infix(Op::Neg) => f.write_str("(-")?,
                Node::Infix(_) if paren => f.write_str("(")?,
                Node::Infix(_) => {}
                Node::Call(op) => write!(f, "{}(", op.name())?,
            }
        } else if stage == 1 && k == 2 {
            match node {
                Node::Infix(Op::Pow) => f.write_str(" ^ ")?,
                Node::Infix(op) => write!(f, " {} ", op.name())?,
                _ => f.write_str(", ")?,
            }
        }
        if stage < k {
            stack.push((i, stage + 1, paren));
            if k == 2 && stage == 0 {
                let left = starts[i - 1] - 1;
                let chained =
                    chain_class(node).is_some() && chain_class(nodes[left]) == chain_class(node);
                stack.push((left, 0, !chained));
            } else {
                stack.push((i - 1, 0, true));
            }
        } else if k > 0 && (paren || !matches!(node, Node::Infix(_))) {
            f.write_str(")")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod vars_tests;
