//! The virtual machine: runs a [`Program`] instruction by instruction over
//! chunks of points (numexpr-style), and the scalar reference evaluator.
//!
//! Registers are chunk-sized buffers of lane vectors in one thread-local
//! scratch area, so a chunk's working set stays in L1 and each instruction
//! is one dispatch followed by a tight SIMD loop over the chunk.

use std::cell::RefCell;
use std::hint::black_box;

use super::compile::{Ins, Operand, Program};
use super::funcs::{self, Checked, Op};
use super::trig;
use crate::integrand::strided_point;
use crate::reduce::{pairwise, pairwise_lanes, sum_slice, with_sums};
use crate::scratch::with_buffer;
use crate::simd::{Lane, LANES};

/// Points per chunk (a multiple of every lane width).
pub const CHUNK_POINTS: usize = 512;
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
    with_buffer(&SCRATCH, len, f)
}

/// Evaluates the one-variable `prog` at every point of `xs` into `out`
/// (same length).
pub(crate) fn eval(prog: &Program, xs: &[f64], out: &mut [f64]) {
    debug_assert_eq!(xs.len(), out.len());
    eval_columns(prog, &[Column::Values(xs)], out);
}

/// One variable's values for a batch of points.
#[derive(Debug, Clone, Copy)]
pub enum Column<'a> {
    /// One value per point.
    Values(&'a [f64]),
    /// The same value at every point (a parameter fixed for the batch): it
    /// is broadcast once, not copied chunk by chunk.
    Constant(f64),
}

/// Evaluates `prog` with variable `v` taken from `cols[v]`; every
/// [`Column::Values`] has `out.len()` values and `cols.len() == prog.nvars`.
pub(crate) fn eval_columns(prog: &Program, cols: &[Column], out: &mut [f64]) {
    debug_assert_eq!(cols.len(), prog.nvars);
    match prog.result {
        Operand::Const(c) => return out.fill(c),
        Operand::Reg(r) if (r as usize) < prog.nvars => {
            return match cols[r as usize] {
                Column::Values(v) => out.copy_from_slice(v),
                Column::Constant(c) => out.fill(c),
            }
        }
        Operand::Reg(_) => {}
    }
    let used = used_vars(prog);
    eval_chunks(
        prog,
        out,
        |s, stride, lanes| {
            for (v, col) in cols.iter().enumerate() {
                if let (true, Column::Constant(c)) = (used[v], col) {
                    s[v * stride..][..lanes].fill(Lane::splat(*c));
                }
            }
        },
        |s, stride, start, lanes, m| {
            for (v, col) in cols.iter().enumerate() {
                if let (true, Column::Values(xs)) = (used[v], col) {
                    load_x(&mut s[v * stride..][..lanes], &xs[start..start + m]);
                }
            }
        },
    );
}

/// Evaluates `prog` at row-major points: point `i`'s variables are
/// `x[i·nvars .. (i + 1)·nvars]`, transposed into the variable registers
/// chunk by chunk.
pub(crate) fn eval_rows(prog: &Program, x: &[f64], out: &mut [f64]) {
    let nvars = prog.nvars;
    debug_assert_eq!(x.len(), out.len() * nvars);
    if nvars == 1 {
        return eval(prog, x, out);
    }
    match prog.result {
        Operand::Const(c) => return out.fill(c),
        Operand::Reg(r) if (r as usize) < nvars => {
            for (o, p) in out.iter_mut().zip(x.chunks_exact(nvars)) {
                *o = p[r as usize];
            }
            return;
        }
        Operand::Reg(_) => {}
    }
    let used = used_vars(prog);
    eval_chunks(
        prog,
        out,
        |_, _, _| {},
        |s, stride, start, lanes, m| {
            let rows = &x[start * nvars..(start + m) * nvars];
            load_rows(s, stride, lanes, rows, nvars, 0, used);
        },
    );
}

/// Evaluates `prog` (variable 0 is `x`, variables `1 ..= np` parameters) at
/// `x[i]` with the parameters `p[i·np .. (i + 1)·np]`.
pub(crate) fn eval_params(prog: &Program, x: &[f64], p: &[f64], out: &mut [f64]) {
    let np = prog.nvars - 1;
    debug_assert_eq!(p.len(), out.len() * np);
    if np == 0 {
        return eval(prog, x, out);
    }
    match prog.result {
        Operand::Const(c) => return out.fill(c),
        Operand::Reg(0) => return out.copy_from_slice(x),
        Operand::Reg(r) if (r as usize) <= np => {
            for (o, q) in out.iter_mut().zip(p.chunks_exact(np)) {
                *o = q[r as usize - 1];
            }
            return;
        }
        Operand::Reg(_) => {}
    }
    let used = used_vars(prog);
    eval_chunks(
        prog,
        out,
        |_, _, _| {},
        |s, stride, start, lanes, m| {
            if used[0] {
                load_x(&mut s[..lanes], &x[start..start + m]);
            }
            let rows = &p[start * np..(start + m) * np];
            load_rows(s, stride, lanes, rows, np, 1, used);
        },
    );
}

/// Transposes the row-major `rows` (`width` values per point) into the
/// variable registers `first .. first + width` that `used` marks, padding
/// each register's last lane vector with the last point (a harmless value,
/// unlike 0 for `log`).
fn load_rows(
    s: &mut [Lane],
    stride: usize,
    lanes: usize,
    rows: &[f64],
    width: usize,
    first: usize,
    used: &[bool],
) {
    if (2..=8).contains(&width) && used[first..first + width].iter().all(|&u| u) {
        // Every variable read: one pass over the rows, `width` fixed.
        match width {
            2 => load_all_rows::<2>(s, stride, lanes, rows, first),
            3 => load_all_rows::<3>(s, stride, lanes, rows, first),
            4 => load_all_rows::<4>(s, stride, lanes, rows, first),
            5 => load_all_rows::<5>(s, stride, lanes, rows, first),
            6 => load_all_rows::<6>(s, stride, lanes, rows, first),
            7 => load_all_rows::<7>(s, stride, lanes, rows, first),
            _ => load_all_rows::<8>(s, stride, lanes, rows, first),
        }
        return;
    }
    let m = rows.len() / width;
    for k in (0..width).filter(|&k| used[first + k]) {
        let dst: &mut [f64] =
            wide::bytemuck::cast_slice_mut(&mut s[(first + k) * stride..][..lanes]);
        for (d, p) in dst.iter_mut().zip(rows.chunks_exact(width)) {
            *d = p[k];
        }
        let last = dst[m - 1];
        dst[m..].fill(last);
    }
}

/// [`load_rows`] for `D` variables that the program all reads: each row
/// is read once and its `D` values go to their registers.
fn load_all_rows<const D: usize>(
    s: &mut [Lane],
    stride: usize,
    lanes: usize,
    rows: &[f64],
    first: usize,
) {
    let m = rows.len() / D;
    let mut regs = s[first * stride..(first + D) * stride].chunks_exact_mut(stride);
    let mut dst: [&mut [f64]; D] = std::array::from_fn(|_| {
        let reg = regs.next().expect("D registers");
        wide::bytemuck::cast_slice_mut(&mut reg[..lanes])
    });
    assert!(
        dst.iter().all(|d| d.len() >= m),
        "registers hold every point"
    );
    for (p, row) in rows.chunks_exact(D).enumerate() {
        for (d, &x) in dst.iter_mut().zip(row) {
            d[p] = x;
        }
    }
    for d in &mut dst {
        let last = d[m - 1];
        d[m..].fill(last);
    }
}

/// Which variable registers the program reads (computed at compile time,
/// so evaluating allocates nothing).
pub(crate) fn used_vars(prog: &Program) -> &[bool] {
    &prog.used
}

/// The chunk loop shared by the evaluators: `setup(s, stride, lanes)`
/// fills what stays fixed for the whole call (the first `lanes` lane
/// vectors of each register are all any chunk reads), `load(s, stride,
/// start, lanes, m)` the variable registers for the `m` points starting at
/// `start` (padding the `lanes` lane vectors); the program then runs and
/// the result is stored.
fn eval_chunks(
    prog: &Program,
    out: &mut [f64],
    setup: impl FnOnce(&mut [Lane], usize, usize),
    mut load: impl FnMut(&mut [Lane], usize, usize, usize, usize),
) {
    let stride = stride(prog);
    // A call shorter than one chunk (a 21-point rule application) reads
    // only its own lane vectors: broadcasting constants into the whole
    // chunk would cost more than the arithmetic.
    let used = out.len().div_ceil(LANES).min(stride);
    with_scratch(prog.regs * stride, |s| {
        fill_consts(prog, s, stride, used);
        setup(s, stride, used);
        for (c, oc) in out.chunks_mut(stride * LANES).enumerate() {
            let m = oc.len();
            let lanes = m.div_ceil(LANES);
            load(s, stride, c * stride * LANES, lanes, m);
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
        Operand::Reg(r) if r as usize >= prog.nvars => Some(stride(prog) * LANES),
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
    // The instruction that writes the result last, if any: on full chunks
    // it is summed as it is computed (see `sum_last`).
    let (last, before) = match prog.code.split_last() {
        Some((last, before)) if last.dst == r => (Some(last), before),
        _ => (None, &prog.code[..]),
    };
    with_scratch(prog.regs * stride, |s| {
        fill_consts(prog, s, stride, stride);
        for (c, slot) in (first..).zip(sums.iter_mut()) {
            let m = pts.min(count - c * pts);
            let lanes = m.div_ceil(LANES);
            fill_strided(&mut s[..lanes], start, step, c * pts, m);
            for ins in before {
                exec(ins, s, stride, lanes);
            }
            if let Some(last) = last {
                if m == lanes * LANES {
                    if let Some(sum) = sum_last(last, s, stride, lanes) {
                        *slot = sum;
                        continue;
                    }
                }
                exec(last, s, stride, lanes);
            }
            let values: &[f64] = wide::bytemuck::cast_slice(&s[res..res + lanes]);
            *slot = sum_slice(&values[..m]);
        }
    });
}

/// Lane accumulators of [`sum_slice`].
const SUM_ACCS: usize = 8;

/// `sum_slice` of the `n` lane vectors (all of them points) that the
/// arithmetic instruction `ins` would store, computed without storing them:
/// the same values added into the same accumulators in the same order, so
/// the same bits. `None` for other instructions, constant operands, or `n`
/// not a multiple of [`SUM_ACCS`].
fn sum_last(ins: &Ins, s: &mut [Lane], stride: usize, n: usize) -> Option<f64> {
    if !n.is_multiple_of(SUM_ACCS) {
        return None;
    }
    let (_, src) = split(s, ins.dst as usize * stride, stride, n);
    macro_rules! bin {
        ($f:expr) => {
            match (src.arg(ins.a), src.arg(ins.b)) {
                (Arg::Vals(a), Arg::Vals(b)) => Some(sum_groups(a, b, b, |x, y, _| $f(x, y))),
                _ => None,
            }
        };
    }
    macro_rules! ter {
        ($f:expr) => {
            Some(sum_groups(
                src.reg(ins.a),
                src.reg(ins.b),
                src.reg(ins.c),
                $f,
            ))
        };
    }
    match ins.op {
        Op::Add => bin!(|a: Lane, b: Lane| a + b),
        Op::Sub => bin!(|a: Lane, b: Lane| a - b),
        Op::Mul => bin!(|a: Lane, b: Lane| a * b),
        Op::Div => bin!(|a: Lane, b: Lane| a / b),
        Op::NegMul => bin!(|a: Lane, b: Lane| a.mul_neg_add(b, Lane::splat(-0.0))),
        Op::MulAdd => ter!(|a: Lane, b: Lane, c: Lane| a.mul_add(b, c)),
        Op::MulSub => ter!(|a: Lane, b: Lane, c: Lane| a.mul_sub(b, c)),
        Op::NegMulAdd => ter!(|a: Lane, b: Lane, c: Lane| a.mul_neg_add(b, c)),
        _ => None,
    }
}

/// `Σ f(a[i], b[i], c[i])` over whole groups of [`SUM_ACCS`] lane vectors,
/// exactly as [`sum_slice`] adds the stored values.
#[inline(always)]
fn sum_groups(a: &[Lane], b: &[Lane], c: &[Lane], f: impl Fn(Lane, Lane, Lane) -> Lane) -> f64 {
    let mut acc = [Lane::splat(0.0); SUM_ACCS];
    let groups = a
        .chunks_exact(SUM_ACCS)
        .zip(b.chunks_exact(SUM_ACCS))
        .zip(c.chunks_exact(SUM_ACCS));
    for ((ga, gb), gc) in groups {
        for ((s, &x), (&y, &z)) in acc.iter_mut().zip(ga).zip(gb.iter().zip(gc)) {
            *s += f(x, y, z);
        }
    }
    // sum_slice adds the pairwise sum of its (here empty) remainder last.
    pairwise(&pairwise_lanes(acc).to_array()) + pairwise(&[])
}

/// Fills `dst` with the `m` points `strided_point(start, step, j0 + i)`,
/// padding the last lane vector with the last point.
fn fill_strided(dst: &mut [Lane], start: f64, step: f64, j0: usize, m: usize) {
    let full = m / LANES;
    if cfg!(target_feature = "fma") {
        // One fused multiply-add per lane: the same bits as `f64::mul_add`.
        // The indices run as a vector of exact integers (below 2^53), so
        // no 64-bit integer conversion is needed per lane vector.
        let mut j = Lane::splat(j0 as f64) + Lane::new(std::array::from_fn(|i| i as f64));
        let (vstep, vstart, vlanes) = (
            Lane::splat(step),
            Lane::splat(start),
            Lane::splat(LANES as f64),
        );
        for d in dst[..full].iter_mut() {
            *d = j.mul_add(vstep, vstart);
            j += vlanes;
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
            fill_consts(prog, s, 1, 1);
            s[0] = x;
            run(prog, s, 1, 1);
            s[result_reg(prog)]
        }),
    }
}

/// The scalar reference: the same instructions, each computed with
/// [`Op::scalar`] (Rust's `f64` methods), at the point whose variables are
/// `point` (`prog.nvars` values).
pub(crate) fn eval_scalar(prog: &Program, point: &[f64]) -> f64 {
    let mut small = [0.0f64; 32];
    let mut big = Vec::new();
    let regs: &mut [f64] = if prog.regs <= small.len() {
        &mut small[..prog.regs]
    } else {
        big.resize(prog.regs, 0.0);
        &mut big
    };
    regs[..prog.nvars].copy_from_slice(point);
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

/// One instruction over a chunk: dispatch once, then a monomorphic loop
/// over split borrows of the registers (no index arithmetic or bounds
/// check per lane vector). Functions with a limited fast path report the
/// lanes it does not cover; if there are any, a second (cold) pass
/// recomputes them with the scalar reference, so the hot loop never calls
/// out or spills.
fn exec(ins: &Ins, s: &mut [Lane], stride: usize, n: usize) {
    let (dst, src) = split(s, ins.dst as usize * stride, stride, n);
    macro_rules! un {
        ($f:expr) => {
            unary(dst, src.reg(ins.a), $f)
        };
    }
    macro_rules! unc {
        ($f:expr) => {{
            let a = src.reg(ins.a);
            if unary_checked(dst, a, $f) {
                fix_unary(ins.op, dst, a, $f);
            }
        }};
    }
    macro_rules! bin {
        ($f:expr) => {
            map2(dst, src.arg(ins.a), src.arg(ins.b), $f)
        };
    }
    macro_rules! binc {
        ($f:expr) => {{
            let (a, b) = (src.arg(ins.a), src.arg(ins.b));
            let mut ok = Lane::splat(f64::from_bits(u64::MAX));
            map2(dst, a, b, |x, y| {
                let (v, m) = $f(x, y);
                ok &= m;
                v
            });
            if !ok.all() {
                fix_binary(ins.op, dst, a, b, $f);
            }
        }};
    }
    macro_rules! ter {
        ($f:expr) => {{
            let (a, b, c) = (src.reg(ins.a), src.reg(ins.b), src.reg(ins.c));
            for (((o, &x), &y), &z) in dst.iter_mut().zip(a).zip(b).zip(c) {
                *o = $f(x, y, z);
            }
        }};
    }
    match ins.op {
        Op::Neg => un!(|a: Lane| -a),
        Op::Sin => unc!(|x| trig::sin_with(x, black_box(&trig::CONSTS))),
        Op::Cos => unc!(|x| trig::cos_with(x, black_box(&trig::CONSTS))),
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
        // One fused operation: −(a·b) + (−0) rounds as −(a·b), signed
        // zeros included.
        Op::NegMul => bin!(|a: Lane, b: Lane| a.mul_neg_add(b, Lane::splat(-0.0))),
        Op::Div => bin!(|a: Lane, b: Lane| a / b),
        Op::Pow => binc!(funcs::pow),
        Op::Atan2 => binc!(funcs::atan2),
        Op::Min => bin!(funcs::min_lane),
        Op::Max => bin!(funcs::max_lane),
        Op::MulAdd => ter!(|a: Lane, b: Lane, c: Lane| a.mul_add(b, c)),
        Op::MulSub => ter!(|a: Lane, b: Lane, c: Lane| a.mul_sub(b, c)),
        Op::NegMulAdd => ter!(|a: Lane, b: Lane, c: Lane| a.mul_neg_add(b, c)),
    }
}

/// Read access to every register but an instruction's destination: the
/// scratch area below and above the destination's `n` lane vectors.
#[derive(Clone, Copy)]
struct Sources<'a> {
    lo: &'a [Lane],
    hi: &'a [Lane],
    stride: usize,
    n: usize,
}

/// An operand's first `n` lane vectors, or its constant.
#[derive(Clone, Copy)]
enum Arg<'a> {
    Vals(&'a [Lane]),
    Splat(Lane),
}

impl<'a> Sources<'a> {
    /// Register `o`'s first `n` lane vectors (never the destination: the
    /// compiler gives a result a register distinct from its operands).
    #[inline(always)]
    fn reg(&self, o: Operand) -> &'a [Lane] {
        let Operand::Reg(r) = o else {
            unreachable!("unary and fused operands are registers")
        };
        let at = r as usize * self.stride;
        if at < self.lo.len() {
            &self.lo[at..at + self.n]
        } else {
            let at = at - self.lo.len() - self.n;
            &self.hi[at..at + self.n]
        }
    }

    #[inline(always)]
    fn arg(&self, o: Operand) -> Arg<'a> {
        match o {
            Operand::Reg(_) => Arg::Vals(self.reg(o)),
            Operand::Const(c) => Arg::Splat(Lane::splat(c)),
        }
    }
}

/// Splits the scratch area into the destination register's first `n` lane
/// vectors (at `d`) and the [`Sources`].
#[inline(always)]
fn split(s: &mut [Lane], d: usize, stride: usize, n: usize) -> (&mut [Lane], Sources<'_>) {
    let (lo, rest) = s.split_at_mut(d);
    let (dst, hi) = rest.split_at_mut(n);
    (dst, Sources { lo, hi, stride, n })
}

/// Fills the first `lanes` lane vectors of each constant register (whose
/// registers are `stride` lane vectors apart).
fn fill_consts(prog: &Program, s: &mut [Lane], stride: usize, lanes: usize) {
    for &(r, c) in &prog.consts {
        s[r as usize * stride..][..lanes].fill(Lane::splat(c));
    }
}

/// A unary instruction, four lane vectors per step: their dependency
/// chains are independent, so the core overlaps them. Each value is
/// computed exactly as one at a time would be.
#[inline(always)]
fn unary(dst: &mut [Lane], src: &[Lane], f: impl Fn(Lane) -> Lane) {
    let mut si = src.chunks_exact(4);
    let mut di = dst.chunks_exact_mut(4);
    for (o, x) in (&mut di).zip(&mut si) {
        let (y0, y1, y2, y3) = (f(x[0]), f(x[1]), f(x[2]), f(x[3]));
        o[0] = y0;
        o[1] = y1;
        o[2] = y2;
        o[3] = y3;
    }
    for (o, &x) in di.into_remainder().iter_mut().zip(si.remainder()) {
        *o = f(x);
    }
}

/// Runs a checked function, two lane vectors per step (as [`unary`]);
/// true when some lane needs the scalar path.
#[inline(always)]
fn unary_checked(dst: &mut [Lane], src: &[Lane], f: impl Fn(Lane) -> Checked) -> bool {
    let mut ok = Lane::splat(f64::from_bits(u64::MAX));
    let mut si = src.chunks_exact(2);
    let mut di = dst.chunks_exact_mut(2);
    for (o, x) in (&mut di).zip(&mut si) {
        let ((v0, m0), (v1, m1)) = (f(x[0]), f(x[1]));
        o[0] = v0;
        o[1] = v1;
        ok &= m0 & m1;
    }
    for (o, &x) in di.into_remainder().iter_mut().zip(si.remainder()) {
        let (v, m) = f(x);
        *o = v;
        ok &= m;
    }
    !ok.all()
}

/// Recomputes with the scalar reference the lanes `f` does not cover.
#[cold]
#[inline(never)]
fn fix_unary(op: Op, dst: &mut [Lane], src: &[Lane], f: impl Fn(Lane) -> Checked) {
    for (o, &x) in dst.iter_mut().zip(src) {
        let bits = !f(x).1.to_bitmask() & ((1 << LANES) - 1);
        if bits != 0 {
            let xs = x.to_array();
            let mut out = o.to_array();
            for l in (0..LANES).filter(|l| bits >> l & 1 == 1) {
                out[l] = op.scalar(xs[l], 0.0);
            }
            *o = Lane::new(out);
        }
    }
}

/// `dst[i] = f(a[i], b[i])`, a constant operand broadcast.
#[inline(always)]
fn map2(dst: &mut [Lane], a: Arg, b: Arg, mut f: impl FnMut(Lane, Lane) -> Lane) {
    match (a, b) {
        (Arg::Vals(a), Arg::Vals(b)) => {
            for ((o, &x), &y) in dst.iter_mut().zip(a).zip(b) {
                *o = f(x, y);
            }
        }
        (Arg::Vals(a), Arg::Splat(y)) => {
            for (o, &x) in dst.iter_mut().zip(a) {
                *o = f(x, y);
            }
        }
        (Arg::Splat(x), Arg::Vals(b)) => {
            for (o, &y) in dst.iter_mut().zip(b) {
                *o = f(x, y);
            }
        }
        (Arg::Splat(x), Arg::Splat(y)) => dst.fill(f(x, y)),
    }
}

/// Recomputes with the scalar reference the lanes `f` does not cover.
#[cold]
#[inline(never)]
fn fix_binary(op: Op, dst: &mut [Lane], a: Arg, b: Arg, f: impl Fn(Lane, Lane) -> Checked) {
    let at = |v: Arg, i: usize| match v {
        Arg::Vals(s) => s[i],
        Arg::Splat(c) => c,
    };
    for (i, o) in dst.iter_mut().enumerate() {
        let (va, vb) = (at(a, i), at(b, i));
        let bits = !f(va, vb).1.to_bitmask() & ((1 << LANES) - 1);
        if bits != 0 {
            let (xa, xb) = (va.to_array(), vb.to_array());
            let mut out = o.to_array();
            for l in (0..LANES).filter(|l| bits >> l & 1 == 1) {
                out[l] = op.scalar(xa[l], xb[l]);
            }
            *o = Lane::new(out);
        }
    }
}
