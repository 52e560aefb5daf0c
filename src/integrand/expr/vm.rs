//! The virtual machine: runs a [`Program`] instruction by instruction over
//! chunks of points (numexpr-style), and the scalar reference evaluator.
//!
//! Registers are chunk-sized buffers of lane vectors in one thread-local
//! scratch area, so a chunk's working set stays in L1 and each instruction
//! is one dispatch followed by a tight SIMD loop over the chunk.

use std::cell::RefCell;

use super::compile::{Ins, Operand, Program};
use super::funcs::{self, Op};
use crate::simd::{Lane, LANES};

/// Points per chunk (a multiple of every lane width).
pub const CHUNK_POINTS: usize = 256;
/// Lane vectors per chunk.
const CHUNK_LANES: usize = CHUNK_POINTS / LANES;

thread_local! {
    /// Register buffers, grown on demand and reused by every evaluation on
    /// this thread.
    static SCRATCH: RefCell<Vec<Lane>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with a scratch area of at least `len` lane vectors.
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Lane]) -> R) -> R {
    let mut f = Some(f);
    let done = SCRATCH.try_with(|cell| {
        let f = f.take().expect("called once");
        match cell.try_borrow_mut() {
            Ok(mut v) => {
                if v.len() < len {
                    v.resize(len, Lane::splat(0.0));
                }
                f(&mut v[..len])
            }
            // Not reachable today (evaluation never re-enters itself), but a
            // fresh buffer is always correct.
            Err(_) => f(&mut vec![Lane::splat(0.0); len]),
        }
    });
    match done {
        Ok(r) => r,
        // The thread is exiting and its scratch area is already destroyed
        // (C code integrating from a pthread key destructor): use a fresh
        // buffer instead of panicking.
        Err(_) => (f.take().expect("not called"))(&mut vec![Lane::splat(0.0); len]),
    }
}

/// Evaluates `prog` at every point of `xs` into `out` (same length).
pub(crate) fn eval(prog: &Program, xs: &[f64], out: &mut [f64]) {
    debug_assert_eq!(xs.len(), out.len());
    match prog.result {
        Operand::Const(c) => return out.fill(c),
        Operand::Reg(0) => return out.copy_from_slice(xs),
        Operand::Reg(_) => {}
    }
    with_scratch(prog.regs * CHUNK_LANES, |s| {
        for (xc, oc) in xs.chunks(CHUNK_POINTS).zip(out.chunks_mut(CHUNK_POINTS)) {
            let lanes = xc.len().div_ceil(LANES);
            load_x(&mut s[..lanes], xc);
            run(prog, s, CHUNK_LANES, lanes);
            store(&s[result_reg(prog) * CHUNK_LANES..][..lanes], oc);
        }
    });
}

/// Evaluates `prog` on one lane vector.
pub(crate) fn eval_lane(prog: &Program, x: Lane) -> Lane {
    match prog.result {
        Operand::Const(c) => Lane::splat(c),
        Operand::Reg(0) => x,
        Operand::Reg(_) => with_scratch(prog.regs, |s| {
            s[0] = x;
            run(prog, s, 1, 1);
            s[result_reg(prog)]
        }),
    }
}

/// The scalar reference: the same instructions, each computed with
/// [`Op::scalar`] (Rust's `f64` methods).
pub(crate) fn eval_scalar(prog: &Program, x: f64) -> f64 {
    let mut small = [0.0f64; 32];
    let mut big = Vec::new();
    let regs: &mut [f64] = if prog.regs <= small.len() {
        &mut small[..prog.regs]
    } else {
        big.resize(prog.regs, 0.0);
        &mut big
    };
    regs[0] = x;
    let get = |regs: &[f64], o: Operand| match o {
        Operand::Reg(r) => regs[r as usize],
        Operand::Const(c) => c,
    };
    for ins in &prog.code {
        let v = ins.op.scalar(get(regs, ins.a), get(regs, ins.b));
        regs[ins.dst as usize] = v;
    }
    get(regs, prog.result)
}

fn result_reg(prog: &Program) -> usize {
    match prog.result {
        Operand::Reg(r) => r as usize,
        Operand::Const(_) => unreachable!("constant programs do not run"),
    }
}

/// Fills register 0 with `xs`, padding the last lane vector with the last
/// point (a harmless value, unlike 0 for `log`).
fn load_x(dst: &mut [Lane], xs: &[f64]) {
    let mut it = xs.chunks_exact(LANES);
    for (d, c) in dst.iter_mut().zip(&mut it) {
        *d = Lane::new(c.try_into().expect("LANES values"));
    }
    let rest = it.remainder();
    if let Some(&last) = rest.last() {
        let mut a = [last; LANES];
        a[..rest.len()].copy_from_slice(rest);
        dst[xs.len() / LANES] = Lane::new(a);
    }
}

/// Copies the first `out.len()` values of `src` to `out`.
fn store(src: &[Lane], out: &mut [f64]) {
    let mut it = out.chunks_exact_mut(LANES);
    for (o, v) in (&mut it).zip(src) {
        o.copy_from_slice(&v.to_array());
    }
    let rest = it.into_remainder();
    if !rest.is_empty() {
        let v = src[src.len() - 1].to_array();
        rest.copy_from_slice(&v[..rest.len()]);
    }
}

/// Runs every instruction on the first `lanes` lane vectors of each
/// register; register `r` starts at `s[r·stride]`.
fn run(prog: &Program, s: &mut [Lane], stride: usize, lanes: usize) {
    for ins in &prog.code {
        exec(ins, s, stride, lanes);
    }
}

/// One instruction over a chunk: dispatch once, then a monomorphic loop.
fn exec(ins: &Ins, s: &mut [Lane], stride: usize, n: usize) {
    let d = ins.dst as usize * stride;
    macro_rules! un {
        ($f:expr) => {
            unary(s, d, reg(ins.a) * stride, n, $f)
        };
    }
    macro_rules! bin {
        ($f:expr) => {
            binary(s, d, ins.a, ins.b, stride, n, $f)
        };
    }
    match ins.op {
        Op::Neg => un!(|a: Lane| -a),
        Op::Sin => un!(funcs::sin),
        Op::Cos => un!(funcs::cos),
        Op::Tan => un!(funcs::tan),
        Op::Asin => un!(funcs::asin),
        Op::Acos => un!(funcs::acos),
        Op::Atan => un!(funcs::atan),
        Op::Sinh => un!(funcs::sinh),
        Op::Cosh => un!(funcs::cosh),
        Op::Tanh => un!(funcs::tanh),
        Op::Exp => un!(funcs::exp),
        Op::Log => un!(funcs::ln),
        Op::Log2 => un!(funcs::log2),
        Op::Log10 => un!(funcs::log10),
        Op::Sqrt => un!(|a: Lane| a.sqrt()),
        Op::Cbrt => un!(funcs::cbrt),
        Op::Abs => un!(|a: Lane| a.abs()),
        Op::Floor => un!(|a: Lane| a.floor()),
        Op::Ceil => un!(|a: Lane| a.ceil()),
        Op::Add => bin!(|a: Lane, b: Lane| a + b),
        Op::Sub => bin!(|a: Lane, b: Lane| a - b),
        Op::Mul => bin!(|a: Lane, b: Lane| a * b),
        Op::Div => bin!(|a: Lane, b: Lane| a / b),
        Op::Pow => bin!(funcs::pow),
        Op::Atan2 => bin!(funcs::atan2),
        Op::Min => bin!(funcs::min_lane),
        Op::Max => bin!(funcs::max_lane),
    }
}

fn reg(o: Operand) -> usize {
    match o {
        Operand::Reg(r) => r as usize,
        Operand::Const(_) => unreachable!("unary operands are folded when constant"),
    }
}

#[inline(always)]
fn unary(s: &mut [Lane], d: usize, a: usize, n: usize, f: impl Fn(Lane) -> Lane) {
    for i in 0..n {
        s[d + i] = f(s[a + i]);
    }
}

#[inline(always)]
fn binary(
    s: &mut [Lane],
    d: usize,
    a: Operand,
    b: Operand,
    stride: usize,
    n: usize,
    f: impl Fn(Lane, Lane) -> Lane,
) {
    match (a, b) {
        (Operand::Reg(ra), Operand::Reg(rb)) => {
            let (ra, rb) = (ra as usize * stride, rb as usize * stride);
            for i in 0..n {
                s[d + i] = f(s[ra + i], s[rb + i]);
            }
        }
        (Operand::Reg(ra), Operand::Const(cb)) => {
            let (ra, cb) = (ra as usize * stride, Lane::splat(cb));
            for i in 0..n {
                s[d + i] = f(s[ra + i], cb);
            }
        }
        (Operand::Const(ca), Operand::Reg(rb)) => {
            let (ca, rb) = (Lane::splat(ca), rb as usize * stride);
            for i in 0..n {
                s[d + i] = f(ca, s[rb + i]);
            }
        }
        (Operand::Const(ca), Operand::Const(cb)) => {
            let v = f(Lane::splat(ca), Lane::splat(cb));
            s[d..d + n].fill(v);
        }
    }
}
