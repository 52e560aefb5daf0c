//! The compiler: postfix tree → linear register program.
//!
//! 1. The postfix nodes are replayed on a stack, building a DAG in which
//!    every subtree without `x` is folded to a constant (with the scalar
//!    reference semantics), identical subexpressions are shared (`x^2` in
//!    `sin(x^2) + x^2` is computed once), and powers with a small constant
//!    integer exponent become multiplications (square-and-multiply, then a
//!    reciprocal for negative exponents).
//! 2. The DAG, already in a valid evaluation order, gets registers by a
//!    linear scan: a register is freed after the last instruction that reads
//!    it and may be reused by that very instruction's result (every
//!    operation is elementwise, so reading and writing one buffer is fine).
//!
//! Register 0 always holds `x`.

use std::collections::HashMap;

use super::funcs::Op;
use super::parse::Node;

/// Largest |k| for which `a^k` with a constant integer `k` is expanded into
/// multiplications.
pub const MAX_INT_POW: f64 = 16.0;

/// An instruction operand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Operand {
    /// A register (0 is `x`).
    Reg(u32),
    /// A constant.
    Const(f64),
}

/// One instruction: `dst = op(a, b)` (`b` unused by unary operators).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ins {
    pub op: Op,
    pub dst: u32,
    pub a: Operand,
    pub b: Operand,
}

/// A compiled program.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Program {
    /// Instructions in execution order.
    pub code: Vec<Ins>,
    /// Registers used, including register 0 (`x`).
    pub regs: usize,
    /// Where the value ends up: a register, or a constant when the
    /// expression does not depend on `x`.
    pub result: Operand,
}

/// A value during compilation: a constant, `x`, or a DAG node.
#[derive(Debug, Clone, Copy)]
enum Val {
    Const(f64),
    X,
    Node(u32),
}

/// Hashable identity of a [`Val`] (constants by their bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Const(u64),
    X,
    Node(u32),
}

impl Val {
    fn key(self) -> Key {
        match self {
            Val::Const(c) => Key::Const(c.to_bits()),
            Val::X => Key::X,
            Val::Node(i) => Key::Node(i),
        }
    }
}

#[derive(Default)]
struct Dag {
    nodes: Vec<(Op, Val, Val)>,
    index: HashMap<(Op, Key, Key), u32>,
}

impl Dag {
    /// `op(a, b)`, folded when both operands are constant and shared when
    /// the same operation was built before.
    fn apply(&mut self, op: Op, a: Val, b: Val) -> Val {
        if let (Val::Const(ca), Val::Const(cb)) = (a, b) {
            return Val::Const(op.scalar(ca, cb));
        }
        if op.arity() == 1 {
            if let Val::Const(ca) = a {
                return Val::Const(op.scalar(ca, 0.0));
            }
        }
        if op == Op::Pow {
            if let Val::Const(k) = b {
                if k == k.trunc() && k.abs() <= MAX_INT_POW {
                    return self.int_pow(a, k as i32);
                }
            }
        }
        let b = if op.arity() == 1 { Val::Const(0.0) } else { b };
        let key = (op, a.key(), b.key());
        if let Some(&i) = self.index.get(&key) {
            return Val::Node(i);
        }
        let i = self.nodes.len() as u32;
        self.nodes.push((op, a, b));
        self.index.insert(key, i);
        Val::Node(i)
    }

    /// `a^k` by square-and-multiply; `a^0 = 1` (as `powf` gives, even for
    /// NaN) and `a^-k = 1/a^k`.
    fn int_pow(&mut self, a: Val, k: i32) -> Val {
        if k == 0 {
            return Val::Const(1.0);
        }
        let mut n = k.unsigned_abs();
        let mut base = a;
        let mut acc: Option<Val> = None;
        loop {
            if n & 1 == 1 {
                acc = Some(match acc {
                    None => base,
                    Some(v) => self.apply(Op::Mul, v, base),
                });
            }
            n >>= 1;
            if n == 0 {
                break;
            }
            base = self.apply(Op::Mul, base, base);
        }
        let p = acc.expect("k != 0 sets a bit");
        if k < 0 {
            self.apply(Op::Div, Val::Const(1.0), p)
        } else {
            p
        }
    }
}

/// Compiles a postfix tree (as produced by the parser, hence well formed).
pub(crate) fn compile(nodes: &[Node]) -> Program {
    let mut dag = Dag::default();
    let mut stack: Vec<Val> = Vec::new();
    for &node in nodes {
        let v = match node {
            Node::Num(v) => Val::Const(v),
            Node::Pi => Val::Const(std::f64::consts::PI),
            Node::E => Val::Const(std::f64::consts::E),
            Node::Inf => Val::Const(f64::INFINITY),
            Node::X => Val::X,
            Node::Infix(op) | Node::Call(op) => {
                if op.arity() == 2 {
                    let b = stack.pop().expect("well-formed postfix");
                    let a = stack.pop().expect("well-formed postfix");
                    dag.apply(op, a, b)
                } else {
                    let a = stack.pop().expect("well-formed postfix");
                    dag.apply(op, a, Val::Const(0.0))
                }
            }
        };
        stack.push(v);
    }
    let root = stack.pop().expect("non-empty expression");
    allocate(&dag.nodes, root)
}

/// Linear-scan register allocation over the DAG nodes reachable from `root`.
fn allocate(nodes: &[(Op, Val, Val)], root: Val) -> Program {
    let n = nodes.len();
    let mut live = vec![false; n];
    if let Val::Node(r) = root {
        live[r as usize] = true;
    }
    // Operands precede their users, so one backward pass marks reachability.
    for i in (0..n).rev() {
        if live[i] {
            for v in [nodes[i].1, nodes[i].2] {
                if let Val::Node(j) = v {
                    live[j as usize] = true;
                }
            }
        }
    }
    let mut last_use = vec![usize::MAX; n];
    for i in (0..n).filter(|&i| live[i]) {
        for v in [nodes[i].1, nodes[i].2] {
            if let Val::Node(j) = v {
                last_use[j as usize] = i;
            }
        }
    }
    let mut reg_of = vec![0u32; n];
    let mut free: Vec<u32> = Vec::new();
    let mut regs = 1u32;
    let mut code = Vec::new();
    for i in (0..n).filter(|&i| live[i]) {
        let (op, a, b) = nodes[i];
        let operand = |v: Val| match v {
            Val::Const(c) => Operand::Const(c),
            Val::X => Operand::Reg(0),
            Val::Node(j) => Operand::Reg(reg_of[j as usize]),
        };
        let (oa, ob) = (operand(a), operand(b));
        let mut released = Vec::new();
        for v in [a, b] {
            if let Val::Node(j) = v {
                let r = reg_of[j as usize];
                if last_use[j as usize] == i && !released.contains(&r) {
                    released.push(r);
                }
            }
        }
        free.extend(released);
        let dst = free.pop().unwrap_or_else(|| {
            regs += 1;
            regs - 1
        });
        reg_of[i] = dst;
        code.push(Ins {
            op,
            dst,
            a: oa,
            b: ob,
        });
    }
    let result = match root {
        Val::Const(c) => Operand::Const(c),
        Val::X => Operand::Reg(0),
        Val::Node(r) => Operand::Reg(reg_of[r as usize]),
    };
    Program {
        code,
        regs: regs as usize,
        result,
    }
}
