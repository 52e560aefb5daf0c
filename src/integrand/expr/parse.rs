//! The parser: recursive descent over the tokens, producing the expression
//! tree in postfix order (operands before their operator).
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! expr    := term (('+' | '-') term)*
//! term    := unary (('*' | '/') unary)*
//! unary   := ('-' | '+') unary | power
//! power   := primary ('^' unary)?
//! primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
//! ```
//!
//! So `^` is right-associative and binds tighter than unary minus
//! (`-x^2 = -(x^2)`, `2^3^2 = 2^9`), and an exponent may carry its own sign
//! (`2^-1 = 0.5`, `2*-3 = -6`). Left-associative chains (`a+b+c+…`) are
//! parsed by loops; only parentheses, function arguments, prefix signs and
//! exponents recurse, and each of those goes through `unary`, which counts
//! the depth and refuses to go deeper than [`MAX_DEPTH`]: no input can
//! overflow the stack.

use super::funcs::Op;
use super::lex::{tokenize, Tok, Token};
use super::parse_error;
use crate::error::Error;

/// Deepest nesting of parentheses, function calls, prefix signs and
/// exponents that an expression may have.
pub const MAX_DEPTH: usize = 256;

/// Longest accepted expression, in bytes.
pub const MAX_LEN: usize = 65_536;

/// One node of the postfix tree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Node {
    /// A number literal.
    Num(f64),
    /// The constant π.
    Pi,
    /// The constant e.
    E,
    /// Infinity (only in constant expressions, spelled `inf` or `infinity`).
    Inf,
    /// A variable: its column (register) and the index of the name it was
    /// spelled with in the variable table (for printing).
    Var(u32, u32),
    /// An operator written infix (`+ - * / ^`) or as the prefix `-`.
    Infix(Op),
    /// A function call; the operator's arity says how many operands it takes.
    Call(Op),
}

/// A parsed expression: its postfix tree and where a variable first occurs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    /// The tree in postfix order.
    pub nodes: Vec<Node>,
    /// 1-based column of the first variable, if any.
    pub first_var: Option<usize>,
}

/// Parses `src` over the variable table `vars` (name, column). With
/// `constants` set, the names `inf` and `infinity` are accepted as well (for
/// integration bounds).
pub(crate) fn parse(src: &str, vars: &[(&str, usize)], constants: bool) -> Result<Parsed, Error> {
    if src.len() > MAX_LEN {
        return Err(parse_error(
            format!("expression too long ({} bytes, limit {MAX_LEN})", src.len()),
            0,
        ));
    }
    let toks = tokenize(src)?;
    if toks.len() == 1 {
        return Err(parse_error("empty expression".to_string(), 0));
    }
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        out: Vec::new(),
        depth: 0,
        constants,
        vars,
        first_var: None,
    };
    p.expr()?;
    let t = p.peek();
    if t.kind != Tok::End {
        return Err(p.unexpected(t));
    }
    Ok(Parsed {
        nodes: p.out,
        first_var: p.first_var,
    })
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    out: Vec<Node>,
    depth: usize,
    constants: bool,
    vars: &'a [(&'a str, usize)],
    first_var: Option<usize>,
}

impl Parser<'_> {
    fn peek(&self) -> Token {
        self.toks[self.pos]
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos];
        if t.kind != Tok::End {
            self.pos += 1;
        }
        t
    }

    fn unexpected(&self, t: Token) -> Error {
        parse_error(
            format!("unexpected {} at column {}", t.describe(self.src), t.col),
            t.col,
        )
    }

    fn expr(&mut self) -> Result<(), Error> {
        self.term()?;
        loop {
            let op = match self.peek().kind {
                Tok::Plus => Op::Add,
                Tok::Minus => Op::Sub,
                _ => return Ok(()),
            };
            self.bump();
            self.term()?;
            self.out.push(Node::Infix(op));
        }
    }

    fn term(&mut self) -> Result<(), Error> {
        self.unary()?;
        loop {
            let op = match self.peek().kind {
                Tok::Star => Op::Mul,
                Tok::Slash => Op::Div,
                _ => return Ok(()),
            };
            self.bump();
            self.unary()?;
            self.out.push(Node::Infix(op));
        }
    }

    /// Every recursion of the parser passes through here, so this is where
    /// the depth is counted.
    fn unary(&mut self) -> Result<(), Error> {
        let t = self.peek();
        if self.depth >= MAX_DEPTH {
            return Err(parse_error(
                format!("nesting too deep at column {}", t.col),
                t.col,
            ));
        }
        self.depth += 1;
        let r = match t.kind {
            Tok::Minus => {
                self.bump();
                self.unary().map(|()| self.out.push(Node::Infix(Op::Neg)))
            }
            Tok::Plus => {
                self.bump();
                self.unary()
            }
            _ => self.power(),
        };
        self.depth -= 1;
        r
    }

    fn power(&mut self) -> Result<(), Error> {
        self.primary()?;
        if self.peek().kind == Tok::Caret {
            self.bump();
            self.unary()?;
            self.out.push(Node::Infix(Op::Pow));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<(), Error> {
        let t = self.bump();
        match t.kind {
            Tok::Num(v) => self.out.push(Node::Num(v)),
            Tok::LParen => {
                self.expr()?;
                self.expect_close()?;
            }
            Tok::Ident => {
                let name = t.text(self.src);
                if self.peek().kind == Tok::LParen {
                    return self.call(t, name);
                }
                if let Some(i) = self.vars.iter().position(|&(v, _)| v == name) {
                    self.first_var.get_or_insert(t.col);
                    self.out.push(Node::Var(self.vars[i].1 as u32, i as u32));
                    return Ok(());
                }
                let node = match name {
                    "pi" => Node::Pi,
                    "e" => Node::E,
                    "inf" | "infinity" if self.constants => Node::Inf,
                    _ if Op::from_name(name).is_some() => {
                        let n = self.peek();
                        return Err(parse_error(
                            format!("expected '(' after '{name}' at column {}", n.col),
                            n.col,
                        ));
                    }
                    _ => {
                        return Err(parse_error(
                            format!("unknown variable '{name}' at column {}", t.col),
                            t.col,
                        ))
                    }
                };
                self.out.push(node);
            }
            _ => return Err(self.unexpected(t)),
        }
        Ok(())
    }

    fn call(&mut self, name_tok: Token, name: &str) -> Result<(), Error> {
        let col = name_tok.col;
        let op = Op::from_name(name).ok_or_else(|| {
            parse_error(format!("unknown function '{name}' at column {col}"), col)
        })?;
        self.bump(); // '('
        let mut args = 0;
        if self.peek().kind == Tok::RParen {
            self.bump();
        } else {
            loop {
                self.expr()?;
                args += 1;
                if self.peek().kind == Tok::Comma {
                    self.bump();
                } else {
                    self.expect_close()?;
                    break;
                }
            }
        }
        if args != op.arity() {
            return Err(parse_error(
                format!(
                    "wrong number of arguments to '{name}' at column {col} (expected {}, got {args})",
                    op.arity()
                ),
                col,
            ));
        }
        self.out.push(Node::Call(op));
        Ok(())
    }

    fn expect_close(&mut self) -> Result<(), Error> {
        let t = self.peek();
        if t.kind != Tok::RParen {
            return Err(parse_error(
                format!("expected ')' at column {}", t.col),
                t.col,
            ));
        }
        self.bump();
        Ok(())
    }
}
