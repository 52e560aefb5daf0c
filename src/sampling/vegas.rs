//! `Rule::Vegas`: Lepage's adaptive importance sampling on a per-axis
//! grid.
//!
//! Invariant: iteration `k` evaluates the points `k·n .. (k+1)·n` of
//! `Stream::Vegas` through the grid of iteration `k`, and the grid is
//! refined from histograms merged in the fixed task tree, so every
//! iteration, the grid and the estimate are bitwise independent of the
//! thread count.
//!
//! # Algorithm
//! - Each axis of the unit cube carries a grid of [`BINS`] bins. A uniform
//!   `y` falls in bin `i = ⌊y·BINS⌋` and maps linearly into that bin's
//!   interval `[e_i, e_{i+1}]`, with Jacobian `BINS·(e_{i+1} − e_i)`; the
//!   product over axes is the inverse sampling density.
//! - Each iteration evaluates `n` points (0 means [`DEFAULT_EVALS`]) and
//!   gives per component an estimate `I_k` and its variance `σ_k²`, and per
//!   axis a histogram of `Σ_k (f_k·J)²` over the bins.
//! - The grid is refined after every iteration (Lepage 1978): each axis's
//!   histogram is smoothed with weights (1, 2, 1)/4, normalized to
//!   `r_i`, compressed to `((1 − r_i)/(−ln r_i))^α` with damping
//!   `α` = [`ALPHA`], and the new edges give each bin an equal share of the
//!   compressed weight.
//! - The first `min(WARMUP, budget iterations / 2)` iterations only train
//!   the grid. The later ones are combined by inverse-variance weighting,
//!   `Ī = Σ I_k/σ_k² / Σ 1/σ_k²`, with standard error `(Σ 1/σ_k²)^−½`
//!   (the reported `abs_error`) and `χ²/dof = Σ (I_k − Ī)²/σ_k² / (K − 1)`
//!   for component 0. A χ²/dof well above 1 says the iterations disagree:
//!   the grid was still moving, or the integrand is too rough for its
//!   error estimate.
//! - The run stops when, after at least two combined iterations, every
//!   component meets `max(epsabs, epsrel·|Ī_k|)`, or when another
//!   iteration would pass `max_evals` (unconverged).

use super::cube::UnitCube;
use super::eval::{chunk_points, weighted_values, with_scratch, TASK};
use super::moments::{merge_all, Moments};
use super::par;
use super::philox::{resolve_seed, Stream};
use super::uniform::{fill_columns, SMALLEST};
use super::{Estimate, SampleOptions};
use crate::error::{Error, EvalError, Result};
use crate::exec::evaluator::{Evaluator, Span};
use crate::integrand::nd::NdIntegrand;

/// Bins per axis (a power of two, which the histogram relies on).
pub const BINS: usize = 128;
const _: () = assert!(BINS.is_power_of_two());
/// Grid damping exponent α.
pub const ALPHA: f64 = 1.5;
/// Training iterations excluded from the result (at most half of those the
/// budget allows).
pub const WARMUP: u32 = 5;
/// Evaluations per iteration when `n = 0`.
pub const DEFAULT_EVALS: u64 = 50_000;

/// One iteration's per-task result: per-component moments and the per-axis
/// histograms of `Σ_k (f_k·J)²`.
type TaskResult = (Vec<Moments>, Vec<f64>);

/// The per-axis grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    ndim: usize,
    /// `ndim` rows of `BINS + 1` edges, from 0 to 1.
    edges: Vec<f64>,
}

impl Grid {
    /// The uniform grid.
    pub fn uniform(ndim: usize) -> Grid {
        let row: Vec<f64> = (0..=BINS).map(|i| i as f64 / BINS as f64).collect();
        Grid {
            ndim,
            edges: row.repeat(ndim),
        }
    }

    /// The edges of axis `a`.
    pub fn axis(&self, a: usize) -> &[f64] {
        &self.edges[a * (BINS + 1)..(a + 1) * (BINS + 1)]
    }

    /// Maps `npts` uniform points held in columns (coordinate `a` of point
    /// `p` at `y[a·stride + p]`) in place through the grid, multiplying
    /// `jac` by the grid's Jacobian and recording each coordinate's bin in
    /// `bins` (same layout). Each point sees the same operations in the
    /// same order whatever `npts` and `stride`.
    pub fn map_columns(
        &self,
        y: &mut [f64],
        stride: usize,
        npts: usize,
        jac: &mut [f64],
        bins: &mut [u16],
    ) {
        let mut w = vec![1.0; npts];
        for a in 0..self.ndim {
            let edges = &self.edges[a * (BINS + 1)..(a + 1) * (BINS + 1)];
            let col = &mut y[a * stride..a * stride + npts];
            let bcol = &mut bins[a * stride..a * stride + npts];
            map_axis(edges, col, bcol, &mut w);
        }
        for (j, w) in jac[..npts].iter_mut().zip(w) {
            *j *= w;
        }
    }

    /// Refines every axis from its histogram (`ndim` rows of `BINS`
    /// sums of squared weighted values).
    pub fn refine(&mut self, hist: &[f64]) {
        for a in 0..self.ndim {
            let h = &hist[a * BINS..(a + 1) * BINS];
            let edges = &mut self.edges[a * (BINS + 1)..(a + 1) * (BINS + 1)];
            refine_axis(edges, h);
        }
    }
}

/// Maps one axis's coordinates `col` through the bin edges `edges`
/// (`BINS + 1` of them) in place, multiplies `w` by each point's bin
/// Jacobian factor and writes each point's bin to `bins`. Whole groups of
/// eight points go through [`map_axis_lanes`] where the CPU has AVX-512;
/// the rest through [`map_axis_scalar`]. Both compute, per point, the same
/// operations in the same order, so the bits do not depend on the path.
fn map_axis(edges: &[f64], col: &mut [f64], bins: &mut [u16], w: &mut [f64]) {
    let done = map_axis_lanes(edges, col, bins, w);
    map_axis_scalar(edges, &mut col[done..], &mut bins[done..], &mut w[done..]);
}

/// [`map_axis`] one point at a time.
fn map_axis_scalar(edges: &[f64], col: &mut [f64], bins: &mut [u16], w: &mut [f64]) {
    let nb = BINS as f64;
    for ((x, b), w) in col.iter_mut().zip(bins).zip(w) {
        let z = *x * nb;
        let i = (z as usize).min(BINS - 1);
        let (e0, e1) = (edges[i], edges[i + 1]);
        let width = e1 - e0;
        *x = width
            .mul_add(z - i as f64, e0)
            .clamp(SMALLEST, 1.0 - 2.0 * SMALLEST);
        *w *= nb * width;
        *b = i as u16;
    }
}

/// [`map_axis`] on eight AVX-512 lanes, the two edges of each point's bin
/// fetched by gathers (which `wide` does not offer); returns how many
/// leading points it mapped (a multiple of eight).
///
/// Per lane it computes exactly [`map_axis_scalar`]'s operations: the bin
/// `min(max(z, 0), BINS − 1)` truncated equals `(z as usize).min(BINS − 1)`
/// for every `z` (NaN gives 0 in both), the map is one fused multiply-add,
/// and the clamp keeps a NaN as `f64::clamp` does.
#[cfg(all(
    target_arch = "x86_64",
    target_feature = "avx512f",
    target_feature = "avx512vl"
))]
fn map_axis_lanes(edges: &[f64], col: &mut [f64], bins: &mut [u16], w: &mut [f64]) -> usize {
    use std::arch::x86_64::{
        _mm256_add_epi32, _mm256_cvtepi32_epi16, _mm256_set1_epi32, _mm512_cvttpd_epi32,
        _mm512_fmadd_pd, _mm512_i32gather_pd, _mm512_loadu_pd, _mm512_max_pd, _mm512_min_pd,
        _mm512_mul_pd, _mm512_roundscale_pd, _mm512_set1_pd, _mm512_setzero_pd, _mm512_storeu_pd,
        _mm512_sub_pd, _mm_storeu_si128, _MM_FROUND_NO_EXC, _MM_FROUND_TO_ZERO,
    };
    assert_eq!(edges.len(), BINS + 1, "one axis of edges");
    let n = col.len().min(bins.len()).min(w.len()) / 8 * 8;
    // SAFETY: this function is compiled only with AVX-512F and VL enabled
    // (cfg above). Loads and stores of `col`, `w` and `bins` cover
    // `p .. p + 8` with `p + 8 ≤ n ≤` all three lengths. Every gather index is a bin in
    // `0 ..= BINS − 1` (clamped before truncation), or that plus one, so
    // it lies within `edges`, whose length `BINS + 1` is asserted above.
    unsafe {
        let nb = _mm512_set1_pd(BINS as f64);
        let top = _mm512_set1_pd((BINS - 1) as f64);
        let (lo, hi) = (
            _mm512_set1_pd(SMALLEST),
            _mm512_set1_pd(1.0 - 2.0 * SMALLEST),
        );
        let one = _mm256_set1_epi32(1);
        for p in (0..n).step_by(8) {
            let z = _mm512_mul_pd(_mm512_loadu_pd(col.as_ptr().add(p)), nb);
            // max(z, 0) returns 0 for a NaN z, as `NaN as usize` is 0.
            let zc = _mm512_min_pd(_mm512_max_pd(z, _mm512_setzero_pd()), top);
            let fi = _mm512_roundscale_pd::<{ _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC }>(zc);
            let i = _mm512_cvttpd_epi32(fi);
            let i1 = _mm256_add_epi32(i, one);
            let e0 = _mm512_i32gather_pd::<8>(i, edges.as_ptr());
            let e1 = _mm512_i32gather_pd::<8>(i1, edges.as_ptr());
            let width = _mm512_sub_pd(e1, e0);
            let x = _mm512_fmadd_pd(width, _mm512_sub_pd(z, fi), e0);
            // max(lo, x) and min(hi, ·) return a NaN x unchanged.
            let x = _mm512_min_pd(hi, _mm512_max_pd(lo, x));
            _mm512_storeu_pd(col.as_mut_ptr().add(p), x);
            let wp = w.as_mut_ptr().add(p);
            _mm512_storeu_pd(
                wp,
                _mm512_mul_pd(_mm512_loadu_pd(wp), _mm512_mul_pd(nb, width)),
            );
            // Bins are below 2^15, so the narrowing keeps them exactly.
            _mm_storeu_si128(bins.as_mut_ptr().add(p).cast(), _mm256_cvtepi32_epi16(i));
        }
    }
    n
}

/// Without AVX-512 every point goes through [`map_axis_scalar`].
#[cfg(not(all(
    target_arch = "x86_64",
    target_feature = "avx512f",
    target_feature = "avx512vl"
)))]
fn map_axis_lanes(_: &[f64], _: &mut [f64], _: &mut [u16], _: &mut [f64]) -> usize {
    0
}

/// Moves one axis's edges so each bin gets an equal share of the damped,
/// smoothed histogram weight. Leaves the axis alone when the histogram is
/// empty (the integrand vanished at every point).
fn refine_axis(edges: &mut [f64], h: &[f64]) {
    let n = h.len();
    let rms: Vec<f64> = h.iter().map(|v| v.sqrt()).collect();
    let mut s = vec![0.0; n];
    for i in 0..n {
        let left = if i > 0 { rms[i - 1] } else { rms[i] };
        let right = if i + 1 < n { rms[i + 1] } else { rms[i] };
        s[i] = (left + 2.0 * rms[i] + right) / 4.0;
    }
    let total: f64 = s.iter().sum();
    if total.is_nan() || total <= 0.0 || !total.is_finite() {
        return;
    }
    let w: Vec<f64> = s
        .iter()
        .map(|&v| {
            let r = v / total;
            if r <= 0.0 {
                0.0
            } else if r >= 1.0 {
                1.0
            } else {
                ((1.0 - r) / -r.ln()).powf(ALPHA)
            }
        })
        .collect();
    let wsum: f64 = w.iter().sum();
    if wsum.is_nan() || wsum <= 0.0 {
        return;
    }
    let share = wsum / n as f64;
    let old = edges.to_vec();
    let mut acc = 0.0;
    let mut i = 0;
    for (k, e) in edges.iter_mut().enumerate().take(n).skip(1) {
        let goal = share * k as f64;
        while acc + w[i] < goal && i + 1 < n {
            acc += w[i];
            i += 1;
        }
        let frac = if w[i] > 0.0 {
            ((goal - acc) / w[i]).clamp(0.0, 1.0)
        } else {
            0.0
        };
        *e = old[i] + frac * (old[i + 1] - old[i]);
    }
    edges[0] = 0.0;
    edges[n] = 1.0;
}

/// Integrates `f ∘ cube` with VEGAS.
///
/// # Errors
/// [`Error::InvalidArg`] when `max_evals` is below one iteration, or an
/// iteration of more than 2^40 evaluations; the integrand's errors;
/// [`Error::Cancelled`].
pub(crate) fn integrate(
    ev: &Evaluator,
    f: &dyn NdIntegrand,
    cube: &UnitCube,
    opts: &SampleOptions,
) -> Result<Estimate> {
    let (ndim, nout) = (f.ndim(), f.nout());
    let per_iter = if opts.n == 0 { DEFAULT_EVALS } else { opts.n };
    if per_iter > 1 << 40 {
        return Err(Error::invalid(format!(
            "vegas takes at most 2^40 evaluations per iteration (n = {per_iter})"
        )));
    }
    let budget = opts.budget();
    let max_iters = budget / per_iter;
    if max_iters == 0 {
        return Err(Error::invalid(format!(
            "max_evals = {budget} is below one vegas iteration of n = {per_iter}"
        )));
    }
    let warmup = u64::from(WARMUP).min(max_iters / 2);
    let seed = resolve_seed(opts.seed);
    let mut grid = Grid::uniform(ndim);
    let mut kept: Vec<(Vec<f64>, Vec<f64>)> = Vec::new(); // (values, variances)
    let mut it = 0u64;
    let tasks = per_iter.div_ceil(TASK);
    loop {
        let base = it * per_iter;
        let g = &grid;
        let leaf = |t: u64| {
            let len = TASK.min(per_iter - t * TASK);
            Ok((iteration_task(f, cube, g, seed, base + t * TASK, len)?, len))
        };
        let combine = |a: TaskResult, b: TaskResult| {
            let hist = a.1.iter().zip(&b.1).map(|(x, y)| x + y).collect();
            (merge_all(a.0, b.0), hist)
        };
        let span = Span {
            base: (it as f64 / max_iters as f64).min(1.0),
            span: 1.0 / max_iters as f64,
        };
        let wave = par::wave_for(3 * nout + ndim * BINS);
        let (m, hist) = par::tree(Some(ev), 0, tasks, wave, span, &leaf, &combine)?;
        it += 1;
        if it > warmup {
            kept.push((
                m.iter().map(|c| c.mean).collect(),
                m.iter().map(|c| c.variance() / c.n as f64).collect(),
            ));
        }
        grid.refine(&hist);
        if !kept.is_empty() {
            let est = combine_iterations(&kept, nout, it * per_iter, it as u32);
            let done = kept.len() >= 2 && opts.met(&est.values, &est.errors);
            if done || it + 1 > max_iters {
                return Ok(Estimate {
                    converged: done,
                    ..est
                });
            }
        }
    }
}

/// Evaluates one task of an iteration: `len` points from sample `first`.
fn iteration_task(
    f: &dyn NdIntegrand,
    cube: &UnitCube,
    grid: &Grid,
    seed: u64,
    first: u64,
    len: u64,
) -> Result<TaskResult, EvalError> {
    let (ndim, nout) = (f.ndim(), f.nout());
    let chunk = chunk_points(ndim, nout).min(len as usize);
    let mut bins = vec![0u16; chunk * ndim];
    let mut hist = vec![0.0; ndim * BINS];
    let mut acc = vec![Moments::default(); nout];
    let mut sq = vec![0.0; chunk];
    with_scratch(chunk, ndim, nout, |s| {
        let mut done = 0u64;
        while done < len {
            let npts = chunk.min((len - done) as usize);
            fill_columns(
                seed,
                Stream::Vegas,
                first + done,
                ndim,
                npts,
                s.cap,
                &mut s.u,
            );
            s.jac[..npts].fill(1.0);
            grid.map_columns(&mut s.u, s.cap, npts, &mut s.jac, &mut bins);
            weighted_values(f, cube, npts, s)?;
            for (k, a) in acc.iter_mut().enumerate() {
                *a = a.merge(Moments::of_strided(&s.vals[k..npts * nout], nout));
            }
            for (q, row) in sq.iter_mut().zip(s.vals[..npts * nout].chunks_exact(nout)) {
                *q = row.iter().map(|v| v * v).sum();
            }
            // Each histogram cell adds its points' weights in point order.
            for a in 0..ndim {
                let h = &mut hist[a * BINS..(a + 1) * BINS];
                for (&b, &q) in bins[a * s.cap..a * s.cap + npts].iter().zip(&sq) {
                    // Bins are below BINS (a power of two): the mask only
                    // spares the bounds check.
                    h[usize::from(b) & (BINS - 1)] += q;
                }
            }
            done += npts as u64;
        }
        Ok((acc, hist))
    })
}

/// The inverse-variance weighted mean of the kept iterations.
fn combine_iterations(
    kept: &[(Vec<f64>, Vec<f64>)],
    nout: usize,
    evals: u64,
    iterations: u32,
) -> Estimate {
    let mut values = Vec::with_capacity(nout);
    let mut errors = Vec::with_capacity(nout);
    let mut chi2_dof = f64::NAN;
    for k in 0..nout {
        // A zero variance (a constant integrand) would get infinite weight:
        // floor it at the rounding level of its value.
        let var = |(v, s): &(Vec<f64>, Vec<f64>)| {
            s[k].max((f64::EPSILON * v[k]).powi(2))
                .max(f64::MIN_POSITIVE)
        };
        let wsum: f64 = kept.iter().map(|it| 1.0 / var(it)).sum();
        let mean = kept.iter().map(|it| it.0[k] / var(it)).sum::<f64>() / wsum;
        values.push(mean);
        errors.push(wsum.recip().sqrt());
        if k == 0 && kept.len() > 1 {
            let chi2: f64 = kept
                .iter()
                .map(|it| (it.0[k] - mean).powi(2) / var(it))
                .sum();
            chi2_dof = chi2 / (kept.len() - 1) as f64;
        }
    }
    Estimate {
        values,
        errors,
        evals,
        converged: false,
        iterations,
        chi2_dof,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_and_scalar_grid_maps_give_the_same_bits() {
        // A refined, uneven grid, and coordinates on bin edges, at the
        // ends of the unit interval, outside it and NaN, among random ones.
        let mut grid = Grid::uniform(1);
        let hist: Vec<f64> = (0..BINS)
            .map(|i| 1.0 + (i as f64 * 0.37).sin().powi(2) * 40.0)
            .collect();
        grid.refine(&hist);
        let edges = grid.axis(0);
        let mut xs: Vec<f64> = vec![
            0.0,
            SMALLEST,
            1.0 - SMALLEST,
            1.0,
            1.5,
            -0.25,
            f64::NAN,
            0.5,
            3.0 / BINS as f64,
            127.0 / BINS as f64,
            f64::from_bits((127.0f64 / BINS as f64).to_bits() - 1),
        ];
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        while xs.len() < 1003 {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            xs.push((s >> 11) as f64 / (1u64 << 53) as f64);
        }
        let (mut a, mut b) = (xs.clone(), xs);
        let (mut wa, mut wb) = (vec![1.5; a.len()], vec![1.5; b.len()]);
        let (mut ba, mut bb) = (vec![0u16; a.len()], vec![0u16; b.len()]);
        map_axis(edges, &mut a, &mut ba, &mut wa);
        map_axis_scalar(edges, &mut b, &mut bb, &mut wb);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b));
        assert_eq!(bits(&wa), bits(&wb));
        assert_eq!(ba, bb);
    }

    #[test]
    fn refined_grid_concentrates_bins_where_the_weight_is() {
        let mut edges: Vec<f64> = (0..=BINS).map(|i| i as f64 / BINS as f64).collect();
        // All weight in the left quarter.
        let h: Vec<f64> = (0..BINS)
            .map(|i| if i < BINS / 4 { 1.0 } else { 0.0 })
            .collect();
        refine_axis(&mut edges, &h);
        assert_eq!((edges[0], edges[BINS]), (0.0, 1.0));
        assert!(edges.windows(2).all(|w| w[0] <= w[1]));
        assert!(edges[BINS / 2] < 0.25, "{}", edges[BINS / 2]);
    }

    #[test]
    fn grid_map_jacobian_is_the_inverse_density() {
        let mut g = Grid::uniform(1);
        let h: Vec<f64> = (0..BINS).map(|i| (i as f64 + 1.0).powi(2)).collect();
        g.refine(&h);
        let (mut y, mut j, mut b) = ([0.3], [1.0], [0u16]);
        g.map_columns(&mut y, 1, 1, &mut j, &mut b);
        let i = usize::from(b[0]);
        let e = g.axis(0);
        assert!(y[0] >= e[i] && y[0] <= e[i + 1]);
        assert!((j[0] - BINS as f64 * (e[i + 1] - e[i])).abs() < 1e-15);
    }
}
