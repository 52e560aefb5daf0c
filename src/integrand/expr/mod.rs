//! Expression integrands: a formula in `x`, parsed once and compiled to a
//! register program that a SIMD virtual machine runs over L1-sized chunks.
//!
//! # Language
//!
//! - numbers: `2`, `2.5`, `.5`, `1e-3`, `1.5E+2`; constants `pi`, `e`;
//!   the variable `x`;
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
//! Subexpressions without `x` are folded to constants at compile time, and
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

mod compile;
mod funcs;
mod lex;
mod parse;
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
pub use self::vm::CHUNK_POINTS;

/// A compiled expression in `x`, ready to integrate.
///
/// Immutable after [`Expr::parse`]; cloning is cheap (the program is shared)
/// and an `Expr` may be used from any number of threads at once.
#[derive(Clone)]
pub struct Expr {
    inner: Arc<Inner>,
}

struct Inner {
    source: String,
    nodes: Vec<Node>,
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
        let parsed = parse::parse(src, false)?;
        let program = compile::compile(&parsed.nodes);
        Ok(Expr {
            inner: Arc::new(Inner {
                source: src.to_string(),
                nodes: parsed.nodes,
                program,
            }),
        })
    }

    /// The source text this expression was parsed from.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// Evaluates the compiled program at `x` with Rust's scalar `f64`
    /// methods: the reference the SIMD evaluation is tested against.
    pub fn eval_scalar(&self, x: f64) -> f64 {
        vm::eval_scalar(&self.inner.program, x)
    }

    /// Number of instructions of the compiled program (0 when the expression
    /// is a constant or just `x`).
    pub fn program_len(&self) -> usize {
        self.inner.program.code.len()
    }

    /// The value of the expression when it does not depend on `x`.
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
        write_tree(&self.inner.nodes, f)
    }
}

impl Integrand for Expr {
    fn eval(&self, xs: &[f64], out: &mut [f64]) -> Result<(), EvalError> {
        vm::eval(&self.inner.program, xs, out);
        Ok(())
    }

    fn eval_lane(&self, x: Lane) -> Result<Lane, EvalError> {
        Ok(vm::eval_lane(&self.inner.program, x))
    }

    fn sum_strided(&self, start: f64, step: f64, count: usize) -> Result<f64, EvalError> {
        match vm::sum_strided(&self.inner.program, start, step, count) {
            Some(sum) => Ok(sum),
            None => super::sum_strided_via_eval(self, start, step, count),
        }
    }

    fn strided_chunk(&self) -> Option<usize> {
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
    let parsed = parse::parse(src, true)?;
    if let Some(col) = parsed.first_x {
        return Err(parse_error(
            format!("the bound must not depend on x (at column {col})"),
            col,
        ));
    }
    match compile::compile(&parsed.nodes).result {
        Operand::Const(c) => Ok(c),
        Operand::Reg(_) => unreachable!("an expression without x folds to a constant"),
    }
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
fn write_tree(nodes: &[Node], f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
                Node::X => f.write_str("x")?,
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
