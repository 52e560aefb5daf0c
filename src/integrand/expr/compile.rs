//! The compiler: postfix tree → linear register program.
//!
//! 1. The postfix nodes are replayed on a stack, building a DAG in which
//!    every subtree without `x` is folded to a constant (with the scalar
//!    reference semantics), identical subexpressions are shared (`x^2` in
//!    `sin(x^2) + x^2` is computed once), and powers with a small constant
//!    integer exponent become multiplications (square-and-multiply, then a
//!    reciprocal for negative exponents). A product used only by a
//!    negation becomes one negated product; where FMA is compiled in, a
//!    product used only by an addition or subtraction is fused with it.
//! 2. The DAG, already in a valid evaluation order, gets registers by a
//!    linear scan: a register is freed after the last instruction that reads
//!    it, and reused by a later instruction's result (never by that
//!    instruction's own result, whose operands must survive it).
//!
//! Registers `0 .. nvars` hold the variables (register 0 is `x` in one
//! dimension); the program never writes them.

use std::collections::HashMap;

use super::funcs::Op;
use super::parse::Node;

/// Largest |k| for which `a^k` with a constant integer `k` is expanded into
/// multiplications.
pub const MAX_INT_POW: f64 = 16.0;

/// An instruction operand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Operand {
    /// A register (those below the variable count are the variables).
    Reg(u32),
    /// A constant.
    Const(f64),
}

/// One instruction: `dst = op(a, b, c)` (unused operands are `Const(0)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ins {
    pub op: Op,
    pub dst: u32,
    pub a: Operand,
    pub b: Operand,
    pub c: Operand,
}

/// A compiled program.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Program {
    /// Instructions in execution order.
    pub code: Vec<Ins>,
    /// Registers used, including the variable registers `0 .. nvars` and
    /// the constant registers.
    pub regs: usize,
    /// Number of variable registers (columns of a point).
    pub nvars: usize,
    /// Registers that hold a constant, filled before the program runs: the
    /// constant operands of fused instructions, so that their loop reads
    /// three registers with no case analysis.
    pub consts: Vec<(u32, f64)>,
    /// Where the value ends up: a register, or a constant when the
    /// expression depends on no variable.
    pub result: Operand,
    /// `used[v]`: whether the program reads variable `v` (its result or an
    /// operand is register `v`).
    pub used: Vec<bool>,
}

/// A value during compilation: a constant, a variable, or a DAG node.
#[derive(Debug, Clone, Copy)]
enum Val {
    Const(f64),
    Var(u32),
    Node(u32),
}

/// Hashable identity of a [`Val`] (constants by their bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Const(u64),
    Var(u32),
    Node(u32),
}

impl Val {
    fn key(self) -> Key {
        match self {
            Val::Const(c) => Key::Const(c.to_bits()),
            Val::Var(v) => Key::Var(v),
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

/// Compiles a postfix tree (as produced by the parser, hence well formed)
/// whose variables all lie below `nvars`.
pub(crate) fn compile(nodes: &[Node], nvars: usize) -> Program {
    let mut dag = Dag::default();
    let mut stack: Vec<Val> = Vec::new();
    for &node in nodes {
        let v = match node {
            Node::Num(v) => Val::Const(v),
            Node::Pi => Val::Const(std::f64::consts::PI),
            Node::E => Val::Const(std::f64::consts::E),
            Node::Inf => Val::Const(f64::INFINITY),
            Node::Var(v, _) => Val::Var(v),
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
    allocate(&fuse(&dag.nodes, root), root, nvars)
}

/// Fuses a negated product `−(a·b)` into one instruction, and on targets
/// with hardware FMA (where the SIMD and the scalar `mul_add` round
/// identically; elsewhere they are left apart) `a·b ± c` and `c − a·b`,
/// wherever the product has no other use.
fn fuse(nodes: &[(Op, Val, Val)], root: Val) -> Vec<(Op, [Val; 3])> {
    let mut out: Vec<(Op, [Val; 3])> = nodes
        .iter()
        .map(|&(op, a, b)| (op, [a, b, Val::Const(0.0)]))
        .collect();
    let mut uses = vec![0u32; nodes.len()];
    for v in nodes.iter().flat_map(|&(_, a, b)| [a, b]).chain([root]) {
        if let Val::Node(j) = v {
            uses[j as usize] += 1;
        }
    }
    let product = |v: Val| match v {
        Val::Node(j) if nodes[j as usize].0 == Op::Mul && uses[j as usize] == 1 => Some(j as usize),
        _ => None,
    };
    let fma = cfg!(target_feature = "fma");
    for (i, &(op, a, b)) in nodes.iter().enumerate() {
        let fused = match op {
            Op::Neg => product(a).map(|j| (Op::NegMul, j, Val::Const(0.0))),
            Op::Add if fma => product(a)
                .map(|j| (Op::MulAdd, j, b))
                .or(product(b).map(|j| (Op::MulAdd, j, a))),
            Op::Sub if fma => product(a)
                .map(|j| (Op::MulSub, j, b))
                .or(product(b).map(|j| (Op::NegMulAdd, j, a))),
            _ => None,
        };
        if let Some((f, j, c)) = fused {
            out[i] = (f, [nodes[j].1, nodes[j].2, c]);
        }
    }
    out
}

/// Linear-scan register allocation over the DAG nodes reachable from `root`.
fn allocate(nodes: &[(Op, [Val; 3])], root: Val, nvars: usize) -> Program {
    let n = nodes.len();
    let mut live = vec![false; n];
    if let Val::Node(r) = root {
        live[r as usize] = true;
    }
    // Operands precede their users, so one backward pass marks reachability.
    for i in (0..n).rev() {
        if live[i] {
            for v in nodes[i].1 {
                if let Val::Node(j) = v {
                    live[j as usize] = true;
                }
            }
        }
    }
    let mut last_use = vec![usize::MAX; n];
    for i in (0..n).filter(|&i| live[i]) {
        for v in nodes[i].1 {
            if let Val::Node(j) = v {
                last_use[j as usize] = i;
            }
        }
    }
    let mut reg_of = vec![0u32; n];
    let mut free: Vec<u32> = Vec::new();
    let mut regs = nvars as u32;
    let mut code = Vec::new();
    for i in (0..n).filter(|&i| live[i]) {
        let (op, args) = nodes[i];
        let operand = |v: Val| match v {
            Val::Const(c) => Operand::Const(c),
            Val::Var(v) => Operand::Reg(v),
            Val::Node(j) => Operand::Reg(reg_of[j as usize]),
        };
        let [a, b, c] = args.map(operand);
        let mut released = Vec::new();
        for v in args {
            if let Val::Node(j) = v {
                let r = reg_of[j as usize];
                if last_use[j as usize] == i && !released.contains(&r) {
                    released.push(r);
                }
            }
        }
        // The result never shares a register with an operand: lanes that
        // the SIMD fast path does not cover are recomputed from the
        // operands after the instruction has run over the whole chunk.
        let dst = free.pop().unwrap_or_else(|| {
            regs += 1;
            regs - 1
        });
        free.extend(released);
        reg_of[i] = dst;
        code.push(Ins { op, dst, a, b, c });
    }
    let result = match root {
        Val::Const(c) => Operand::Const(c),
        Val::Var(v) => Operand::Reg(v),
        Val::Node(r) => Operand::Reg(reg_of[r as usize]),
    };
    let mut consts: Vec<(u32, f64)> = Vec::new();
    for ins in code.iter_mut().filter(|i| i.op.arity() == 3) {
        for o in [&mut ins.a, &mut ins.b, &mut ins.c] {
            if let Operand::Const(c) = *o {
                let r = match consts.iter().find(|(_, k)| k.to_bits() == c.to_bits()) {
                    Some(&(r, _)) => r,
                    None => {
                        consts.push((regs, c));
                        regs += 1;
                        regs - 1
                    }
                };
                *o = Operand::Reg(r);
            }
        }
    }
    let mut used = vec![false; nvars];
    for o in code.iter().flat_map(|i| [i.a, i.b, i.c]).chain([result]) {
        if let Operand::Reg(r) = o {
            if (r as usize) < nvars {
                used[r as usize] = true;
            }
        }
    }
    Program {
        code,
        regs: regs as usize,
        nvars,
        result,
        consts,
        used,
    }
}
