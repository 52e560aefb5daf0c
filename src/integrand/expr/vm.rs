//! The virtual machine: runs a [`Program`] instruction by instruction over
//! chunks of points (numexpr-style), and the scalar reference evaluator.
//!
//! Registers are chunk-sized buffers of lane vectors in one thread-local
//! scratch area, so a chunk's working set stays in L1 and each instruction
//! is one dispatch followed by a tight SIMD loop over the chunk.

use std::cell::RefCell;

use super::compile::{Ins, Operand, Program};
use super::funcs::{self, Checked, Op};
use crate::integrand::strided_point;
use crate::reduce::{pairwise, sum_slice, with_sums};
use crate::simd::{Lane, LANES};

/// Points per chunk (a multiple of every lane width).
pub const CHUNK_POINTS: usize = 256;
/// Lane vectors per chunk.
const CHUNK_LANES: usize = CHUNK_POINTS / LANES;
/// Largest scratch area, in lane vectors (1 MiB with 8-lane vectors):
/// programs with more than `SCRATCH_LANES / CHUNK_LANES` registers run on
/// proportionally shorter chunks instead of growing it.
const SCRATCH_LANES: usize = 16_384;

/// Lane vectors per chunk for `prog`: [`CHUNK_LANES`] unless its registers
/// would not fit in [`SCRATCH_LANES`].
fn stride(prog: &Program) -> usize {
    (SCRATCH_LANES / prog.regs).clamp(1, CHUNK_LANES)
}

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
    let stride = stride(prog);
    with_scratch(prog.regs * stride, |s| {
        fill_consts(prog, s, stride);
        for (xc, oc) in xs
            .chunks(stride * LANES)
            .zip(out.chunks_mut(stride * LANES))
        {
            let lanes = xc.len().div_ceil(LANES);
            load_x(&mut s[..lanes], xc);
            run(prog, s, stride, lanes);
            store(&s[result_reg(prog) * stride..][..lanes], oc);
        }
    });
}

/// `Σ_{j < count} f(strided_point(start, step, j))` with the abscissae
/// generated straight into register 0. Each chunk's values are summed in
/// place by [`sum_slice`] and the chunk sums combined by [`pairwise`]; the
/// grouping depends only on `count` and the program, so the result does not
/// depend on who calls or when. `None` when the program is a constant or
/// `x` itself.
pub(crate) fn sum_strided(prog: &Program, start: f64, step: f64, count: usize) -> Option<f64> {
    let pts = strided_chunk(prog)?;
    Some(with_sums(count.div_ceil(pts), |sums| {
        strided_chunk_sums(prog, start, step, count, 0, sums);
        pairwise(sums)
    }))
}

/// Points per chunk of [`sum_strided`] (one register-buffer pass), or
/// `None` when the program is a constant or `x` itself.
pub(crate) fn strided_chunk(prog: &Program) -> Option<usize> {
    match prog.result {
        Operand::Reg(r) if r != 0 => Some(stride(prog) * LANES),
        _ => None,
    }
}

/// The chunk sums behind [`sum_strided`]: `sums[i]` is the sum over chunk
/// `first + i` of [`strided_chunk`] points. Requires `strided_chunk(prog)`
/// to be `Some`.
pub(crate) fn strided_chunk_sums(
    prog: &Program,
    start: f64,
    step: f64,
    count: usize,
    first: usize,
    sums: &mut [f64],
) {
    let stride = stride(prog);
    let Operand::Reg(r) = prog.result else {
        unreachable!("strided_chunk_sums needs a register result")
    };
    let res = r as usize * stride;
    let pts = stride * LANES;
    with_scratch(prog.regs * stride, |s| {
        fill_consts(prog, s, stride);
        for (c, slot) in (first..).zip(sums.iter_mut()) {
            let m = pts.min(count - c * pts);
            let lanes = m.div_ceil(LANES);
            fill_strided(&mut s[..lanes], start, step, c * pts, m);
            run(prog, s, stride, lanes);
            let values: &[f64] = wide::bytemuck::cast_slice(&s[res..res + lanes]);
            *slot = sum_slice(&values[..m]);
        }
    });
}

/// Fills `dst` with the `m` points `strided_point(start, step, j0 + i)`,
/// padding the last lane vector with the last point.
fn fill_strided(dst: &mut [Lane], start: f64, step: f64, j0: usize, m: usize) {
    let full = m / LANES;
    if cfg!(target_feature = "fma") {
        // One fused multiply-add per lane: the same bits as `f64::mul_add`.
        let iota = Lane::new(std::array::from_fn(|i| i as f64));
        let (vstep, vstart) = (Lane::splat(step), Lane::splat(start));
        for (i, d) in dst[..full].iter_mut().enumerate() {
            let j = Lane::splat((j0 + i * LANES) as f64) + iota;
            *d = j.mul_add(vstep, vstart);
        }
    } else {
        for (i, d) in dst[..full].iter_mut().enumerate() {
            *d = Lane::new(std::array::from_fn(|l| {
                strided_point(start, step, j0 + i * LANES + l)
            }));
        }
    }
    if full * LANES < m {
        let last = strided_point(start, step, j0 + m - 1);
        dst[full] = Lane::new(std::array::from_fn(|l| {
            let j = full * LANES + l;
            if j < m {
                strided_point(start, step, j0 + j)
            } else {
                last
            }
        }));
    }
}

/// Evaluates `prog` on one lane vector.
pub(crate) fn eval_lane(prog: &Program, x: Lane) -> Lane {
    match prog.result {
        Operand::Const(c) => Lane::splat(c),
        Operand::Reg(0) => x,
        Operand::Reg(_) => with_scratch(prog.regs, |s| {
            fill_consts(prog, s, 1);
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
    for &(r, c) in &prog.consts {
        regs[r as usize] = c;
    }
    let get = |regs: &[f64], o: Operand| match o {
        Operand::Reg(r) => regs[r as usize],
        Operand::Const(c) => c,
    };
    for ins in &prog.code {
        let v = ins
            .op
            .scalar3(get(regs, ins.a), get(regs, ins.b), get(regs, ins.c));
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
/// Functions with a limited fast path report the lanes it does not cover;
/// if there are any, a second (cold) pass recomputes them with the scalar
/// reference, so the hot loop never calls out or spills.
fn exec(ins: &Ins, s: &mut [Lane], stride: usize, n: usize) {
    let d = ins.dst as usize * stride;
    macro_rules! un {
        ($f:expr) => {
            unary(s, d, reg(ins.a) * stride, n, $f)
        };
    }
    macro_rules! unc {
        ($f:expr) => {{
            let a = reg(ins.a) * stride;
            if unary_checked(s, d, a, n, $f) {
                fix_unary(ins.op, s, d, a, n, $f);
            }
        }};
    }
    macro_rules! bin {
        ($f:expr) => {
            binary(s, d, ins.a, ins.b, stride, n, $f)
        };
    }
    macro_rules! binc {
        ($f:expr) => {
            if binary_checked(s, d, ins.a, ins.b, stride, n, $f) {
                fix_binary(ins.op, s, d, ins.a, ins.b, stride, n, $f);
            }
        };
    }
    match ins.op {
        Op::Neg => un!(|a: Lane| -a),
        Op::Sin => unc!(funcs::sin),
        Op::Cos => unc!(funcs::cos),
        Op::Tan => unc!(funcs::tan),
        Op::Asin => unc!(funcs::asin),
        Op::Acos => unc!(funcs::acos),
        Op::Atan => unc!(funcs::atan),
        Op::Sinh => unc!(funcs::sinh),
        Op::Cosh => unc!(funcs::cosh),
        Op::Tanh => un!(funcs::tanh),
        Op::Exp => un!(funcs::exp),
        Op::Log => unc!(funcs::ln),
        Op::Log2 => unc!(funcs::log2),
        Op::Log10 => unc!(funcs::log10),
        Op::Sqrt => un!(|a: Lane| a.sqrt()),
        Op::Cbrt => unc!(funcs::cbrt),
        Op::Abs => un!(|a: Lane| a.abs()),
        Op::Floor => un!(|a: Lane| a.floor()),
        Op::Ceil => un!(|a: Lane| a.ceil()),
        Op::Add => bin!(|a: Lane, b: Lane| a + b),
        Op::Sub => bin!(|a: Lane, b: Lane| a - b),
        Op::Mul => bin!(|a: Lane, b: Lane| a * b),
        Op::Div => bin!(|a: Lane, b: Lane| a / b),
        Op::Pow => binc!(funcs::pow),
        Op::Atan2 => binc!(funcs::atan2),
        Op::Min => bin!(funcs::min_lane),
        Op::Max => bin!(funcs::max_lane),
        Op::MulAdd => ternary(s, d, ins, stride, n, |a: Lane, b: Lane, c: Lane| {
            a.mul_add(b, c)
        }),
        Op::MulSub => ternary(s, d, ins, stride, n, |a: Lane, b: Lane, c: Lane| {
            a.mul_sub(b, c)
        }),
        Op::NegMulAdd => ternary(s, d, ins, stride, n, |a: Lane, b: Lane, c: Lane| {
            a.mul_neg_add(b, c)
        }),
    }
}

fn reg(o: Operand) -> usize {
    match o {
        Operand::Reg(r) => r as usize,
        Operand::Const(_) => unreachable!("unary operands are folded when constant"),
    }
}

/// Lane vector `i` of an operand.
#[inline(always)]
fn operand(s: &[Lane], o: Operand, stride: usize, i: usize) -> Lane {
    match o {
        Operand::Reg(r) => s[r as usize * stride + i],
        Operand::Const(c) => Lane::splat(c),
    }
}

/// A fused instruction; its constant operands live in constant registers.
#[inline(always)]
fn ternary(
    s: &mut [Lane],
    d: usize,
    ins: &Ins,
    stride: usize,
    n: usize,
    f: impl Fn(Lane, Lane, Lane) -> Lane,
) {
    let (a, b, c) = (
        reg(ins.a) * stride,
        reg(ins.b) * stride,
        reg(ins.c) * stride,
    );
    for i in 0..n {
        s[d + i] = f(s[a + i], s[b + i], s[c + i]);
    }
}

/// Fills the constant registers (`stride` lane vectors each).
fn fill_consts(prog: &Program, s: &mut [Lane], stride: usize) {
    for &(r, c) in &prog.consts {
        s[r as usize * stride..][..stride].fill(Lane::splat(c));
    }
}

#[inline(always)]
fn unary(s: &mut [Lane], d: usize, a: usize, n: usize, f: impl Fn(Lane) -> Lane) {
    for i in 0..n {
        s[d + i] = f(s[a + i]);
    }
}

/// Runs a checked function; true when some lane needs the scalar path.
#[inline(always)]
fn unary_checked(
    s: &mut [Lane],
    d: usize,
    a: usize,
    n: usize,
    f: impl Fn(Lane) -> Checked,
) -> bool {
    let mut bad = Lane::splat(0.0);
    for i in 0..n {
        let (v, b) = f(s[a + i]);
        s[d + i] = v;
        bad |= b;
    }
    bad.any()
}

/// Recomputes with the scalar reference the lanes `f` does not cover.
#[cold]
#[inline(never)]
fn fix_unary(op: Op, s: &mut [Lane], d: usize, a: usize, n: usize, f: impl Fn(Lane) -> Checked) {
    for i in 0..n {
        let bits = f(s[a + i]).1.to_bitmask();
        if bits != 0 {
            let xs = s[a + i].to_array();
            let mut out = s[d + i].to_array();
            for l in (0..LANES).filter(|l| bits >> l & 1 == 1) {
                out[l] = op.scalar(xs[l], 0.0);
            }
            s[d + i] = Lane::new(out);
        }
    }
}

/// Runs a checked two-operand function; true when some lane needs the
/// scalar path.
#[inline(always)]
fn binary_checked(
    s: &mut [Lane],
    d: usize,
    a: Operand,
    b: Operand,
    stride: usize,
    n: usize,
    f: impl Fn(Lane, Lane) -> Checked,
) -> bool {
    let mut bad = Lane::splat(0.0);
    for i in 0..n {
        let (v, m) = f(operand(s, a, stride, i), operand(s, b, stride, i));
        s[d + i] = v;
        bad |= m;
    }
    bad.any()
}

/// Recomputes with the scalar reference the lanes `f` does not cover.
#[cold]
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn fix_binary(
    op: Op,
    s: &mut [Lane],
    d: usize,
    a: Operand,
    b: Operand,
    stride: usize,
    n: usize,
    f: impl Fn(Lane, Lane) -> Checked,
) {
    for i in 0..n {
        let (va, vb) = (operand(s, a, stride, i), operand(s, b, stride, i));
        let bits = f(va, vb).1.to_bitmask();
        if bits != 0 {
            let (xa, xb) = (va.to_array(), vb.to_array());
            let mut out = s[d + i].to_array();
            for l in (0..LANES).filter(|l| bits >> l & 1 == 1) {
                out[l] = op.scalar(xa[l], xb[l]);
            }
            s[d + i] = Lane::new(out);
        }
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
