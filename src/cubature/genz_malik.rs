//! The Genz–Malik fully symmetric rules on a region `c ± h`: the degree-7
//! rule with its embedded degree-5 rule (d ≤ [`MAX_DEGREE7_NDIM`]), and for
//! higher dimensions the degree-5 rule with an embedded degree-3 rule, both
//! without the 2^d vertex points.
//!
//! Invariant: the points of a region are listed in one fixed order (centre;
//! per axis `−λ2, +λ2, −λ3, +λ3`; per axis pair `i < j` the four points
//! `(±λ4, ±λ4)`; the 2^d vertices `±λ5` in binary order), and the estimates
//! are weighted sums in that order, so a region's result depends only on the
//! region and its values.
//!
//! Generators: `λ2² = 9/70`, `λ3² = λ4² = 9/10`, `λ5² = 9/19` (Genz and
//! Malik, 1980). The split axis is the one with the largest fourth
//! difference `|f(±λ2) − 2f(0) − (λ2²/λ3²)(f(±λ3) − 2f(0))|`, summed over
//! components; ties go to the widest axis, then the lowest index.

/// Largest dimension that uses the degree-7 rule (2^d vertices).
pub const MAX_DEGREE7_NDIM: usize = 12;

const L2: f64 = 0.358_568_582_800_318_1; // sqrt(9/70)
const L3: f64 = 0.948_683_298_050_513_8; // sqrt(9/10)
const L4: f64 = L3;
const L5: f64 = 0.688_247_201_611_685_3; // sqrt(9/19)
const RATIO: f64 = (9.0 / 70.0) / (9.0 / 10.0);

/// The rule of one dimension.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenzMalik {
    ndim: usize,
    vertices: bool,
    // Weights of the main rule: centre, λ2, λ3, λ4 pairs, λ5 vertices.
    w: [f64; 5],
    // Weights of the embedded rule.
    e: [f64; 5],
}

impl GenzMalik {
    /// The rule for `ndim ≥ 1` axes (degree 7/5 up to
    /// [`MAX_DEGREE7_NDIM`], degree 5/3 above).
    pub fn new(ndim: usize) -> GenzMalik {
        let d = ndim as f64;
        if ndim <= MAX_DEGREE7_NDIM {
            GenzMalik {
                ndim,
                vertices: true,
                w: [
                    (12824.0 - 9120.0 * d + 400.0 * d * d) / 19683.0,
                    980.0 / 6561.0,
                    (1820.0 - 400.0 * d) / 19683.0,
                    200.0 / 19683.0,
                    6859.0 / 19683.0 / (ndim as f64).exp2(),
                ],
                e: [
                    (729.0 - 950.0 * d + 50.0 * d * d) / 729.0,
                    245.0 / 486.0,
                    (265.0 - 100.0 * d) / 1458.0,
                    25.0 / 729.0,
                    0.0,
                ],
            }
        } else {
            // Degree 3 from the centre and the λ3 axis points: each axis
            // point weighs 1/(6·λ3²) = 5/27 of the mean.
            GenzMalik {
                ndim,
                vertices: false,
                w: [
                    (729.0 - 950.0 * d + 50.0 * d * d) / 729.0,
                    245.0 / 486.0,
                    (265.0 - 100.0 * d) / 1458.0,
                    25.0 / 729.0,
                    0.0,
                ],
                e: [1.0 - 10.0 * d / 27.0, 0.0, 5.0 / 27.0, 0.0, 0.0],
            }
        }
    }

    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.ndim
    }

    /// Points per region.
    pub fn points(&self) -> usize {
        let d = self.ndim;
        let v = if self.vertices { 1usize << d } else { 0 };
        1 + 4 * d + 2 * d * (d - 1) + v
    }

    /// The polynomial degree of the main rule.
    pub fn degree(&self) -> u32 {
        if self.vertices {
            7
        } else {
            5
        }
    }

    /// Writes the region's points (row-major, `points()·ndim` values).
    ///
    /// Every point is the centre moved along one axis, two axes or (the
    /// vertices) all of them; each moved coordinate is `c_i + s·h_i` with
    /// the step `s·h_i` computed once per axis and sign, so the vertices
    /// need no branch per coordinate.
    pub fn fill_points(&self, c: &[f64], h: &[f64], out: &mut [f64]) {
        let d = self.ndim;
        debug_assert_eq!(out.len(), self.points() * d);
        // The centre in every row before the vertices (which are written
        // whole below), by doubling copies: a few long moves instead of one
        // short call per row.
        let moved = (1 + 4 * d + 2 * d * (d - 1)) * d;
        out[..d].copy_from_slice(c);
        let mut filled = d;
        while filled < moved {
            let n = filled.min(moved - filled);
            out.copy_within(..n, filled);
            filled += n;
        }
        let mut p = 1;
        for (i, &hi) in h.iter().enumerate() {
            for l in [-L2, L2, -L3, L3] {
                out[p * d + i] += l * hi;
                p += 1;
            }
        }
        for i in 0..d {
            for j in i + 1..d {
                for (si, sj) in [(-L4, -L4), (-L4, L4), (L4, -L4), (L4, L4)] {
                    out[p * d + i] += si * h[i];
                    out[p * d + j] += sj * h[j];
                    p += 1;
                }
            }
        }
        if self.vertices {
            // steps[i] = [−λ5·h_i, +λ5·h_i]: bit i of the vertex picks one.
            let mut steps = [[0.0f64; 2]; MAX_DEGREE7_NDIM];
            for (st, &hi) in steps.iter_mut().zip(h) {
                *st = [-L5 * hi, L5 * hi];
            }
            let rows = out[p * d..].chunks_exact_mut(d);
            for (v, row) in rows.enumerate() {
                for (i, ((x, st), &ci)) in row.iter_mut().zip(&steps).zip(c).enumerate() {
                    *x = ci + st[(v >> i) & 1];
                }
            }
        }
    }

    /// 1-norm of the degree-5 (degree-3 above [`MAX_DEGREE7_NDIM`]) null
    /// rule `main − embedded`, counting each orbit's points.
    fn null_norm(&self) -> f64 {
        let d = self.ndim;
        let sizes = [
            1.0,
            2.0 * d as f64,
            2.0 * d as f64,
            2.0 * (d * d.saturating_sub(1)) as f64,
            if self.vertices {
                (d as f64).exp2()
            } else {
                0.0
            },
        ];
        (0..5)
            .map(|i| sizes[i] * (self.w[i] - self.e[i]).abs())
            .sum()
    }

    /// Applies the rule to the region's values (`points()·nout`, row-major)
    /// and writes each component's estimate and error; returns the axis to
    /// split. `diffs` is scratch of `ndim` values.
    ///
    /// The error comes from three null rules of descending degree on the
    /// same points, each scaled to unit 1-norm (see [`estimate_error`]).
    pub fn apply(
        &self,
        vals: &[f64],
        nout: usize,
        h: &[f64],
        est: &mut [f64],
        err: &mut [f64],
        diffs: &mut [f64],
    ) -> usize {
        let d = self.ndim;
        let volume: f64 = h.iter().map(|&x| 2.0 * x).product();
        diffs.fill(0.0);
        let pairs_at = 1 + 4 * d;
        let verts_at = pairs_at + 2 * d * (d - 1);
        let hi_norm = self.null_norm();
        let axis_norm = 4.0 * d as f64;
        for k in 0..nout {
            let at = |p: usize| vals[p * nout + k];
            let f0 = at(0);
            let (mut s2, mut s3) = (0.0, 0.0);
            let (mut fourth, mut second) = (0.0, 0.0);
            for (i, diff) in diffs.iter_mut().enumerate() {
                let b = 1 + 4 * i;
                let a2 = at(b) + at(b + 1);
                let a3 = at(b + 2) + at(b + 3);
                s2 += a2;
                s3 += a3;
                let q = ((a2 - 2.0 * f0) - RATIO * (a3 - 2.0 * f0)).abs();
                *diff += q;
                fourth += q;
                second += (a3 - 2.0 * f0).abs();
            }
            let s4 = (pairs_at..verts_at).fold(0.0, |s, p| s + at(p));
            let s5 = if self.vertices {
                (verts_at..verts_at + (1 << d)).fold(0.0, |s, p| s + at(p))
            } else {
                0.0
            };
            let sums = [f0, s2, s3, s4, s5];
            let main = dot(&self.w, &sums);
            let emb = dot(&self.e, &sums);
            est[k] = volume * main;
            // Null rules at the level of round-off count as exact zeros.
            let size = largest_distance(vals, nout, k, 0..self.points(), 0.0);
            let noise = NOISE * size;
            let nulls = [
                (main - emb).abs() / hi_norm,
                fourth / axis_norm,
                second / axis_norm,
            ]
            .map(|n| if n <= noise { 0.0 } else { n });
            err[k] = volume * estimate_error(nulls).0;
        }
        let mut axis = 0;
        for i in 1..d {
            let better = diffs[i] > diffs[axis] || (diffs[i] == diffs[axis] && h[i] > h[axis]);
            if better {
                axis = i;
            }
        }
        axis
    }

    /// Compares two children of one split along `axis` (`lower` the one
    /// below, values `points()·nout` each) across their shared face: for
    /// each component, the largest difference between a point of `lower`
    /// next to the face (at `+λ3` along `axis`: the axis point and the pair
    /// points) and its mirror image in `upper` (at `−λ3`, `0.1·h` away),
    /// among the pairs whose difference exceeds [`GAP_RATIO`] times the sum
    /// of the two points' differences with their twins across their own
    /// children (`1.9·h` away along the axis), which a smooth integrand
    /// never does; 0 when there is none.
    pub fn face_gap(
        &self,
        lower: &[f64],
        upper: &[f64],
        nout: usize,
        axis: usize,
        gap: &mut [f64],
    ) {
        let d = self.ndim;
        let pairs_at = 1 + 4 * d;
        let pair = |i: usize, j: usize| pairs_at + 4 * (i * d - i * (i + 1) / 2 + (j - i - 1));
        // (point of lower at +λ3 along the axis, its mirror in upper at −λ3).
        let mut matched = Vec::with_capacity(2 * d - 1);
        let b = 1 + 4 * axis;
        matched.push((b + 3, b + 2));
        for j in (0..d).filter(|&j| j != axis) {
            for sj in 0..2 {
                let (plus, minus) = if axis < j {
                    (pair(axis, j) + 2 + sj, pair(axis, j) + sj)
                } else {
                    (pair(j, axis) + 2 * sj + 1, pair(j, axis) + 2 * sj)
                };
                matched.push((plus, minus));
            }
        }
        let pts = self.points();
        for (k, g) in gap.iter_mut().enumerate() {
            let at = |v: &[f64], p: usize| v[p * nout + k];
            let range = |v: &[f64]| spread(v, nout, k, pts);
            let widest = matched.iter().fold(0.0f64, |m, &(l, u)| {
                m.max((at(lower, l) - at(upper, u)).abs())
            });
            *g = if widest > GAP_RATIO * (range(lower) + range(upper)) {
                widest
            } else {
                0.0
            };
        }
    }
}

/// `(1 − λ3)/2`: the fraction of a child's width along the split axis
/// between its points nearest the face and the face.
pub const SHELL_FRACTION: f64 = (1.0 - L3) / 2.0;

/// A gap across a shared face counts as a jump when it exceeds this
/// fraction of the differences within the children (a smooth integrand's
/// gap is about 0.05 of them: `0.1·h` against `1.9·h`).
pub const GAP_RATIO: f64 = 0.75;

/// Null rules below this multiple of the largest value of the region are
/// round-off, taken as 0: otherwise a low-degree integrand, on which the
/// higher null rules vanish, would fail the ratio test by noise and get the
/// pessimistic error.
pub const NOISE: f64 = 256.0 * f64::EPSILON;

/// Threshold of the ratio test: each null rule must be at most this fraction
/// of the next lower-degree one for the region to count as asymptotic.
pub const ASYMPTOTIC_RATIO: f64 = 0.2;
/// Safety factor on the error of an asymptotic region.
pub const ASYMPTOTIC_FACTOR: f64 = 2.0;
/// Safety factor on the largest null rule of a region that is not
/// asymptotic.
pub const ROUGH_FACTOR: f64 = 5.0;

/// The error per unit volume of a region from its null rules `[high, mid,
/// low]` (degrees 5, 3, 1 with the degree-7 rule), each normalized to unit
/// 1-norm.
///
/// When the null rules fall by at least [`ASYMPTOTIC_RATIO`] from each
/// degree to the next, the integrand is resolved and the main rule's error
/// is far below the highest null rule: the error is
/// [`ASYMPTOTIC_FACTOR`] times the larger of the highest null rule and the
/// value the observed decay predicts for it (`ratio · mid`, which guards
/// against a null rule that vanishes by a chance of phase). Otherwise the
/// region is not resolved and the error is [`ROUGH_FACTOR`] times the
/// largest null rule. Returns the error and whether the region is
/// asymptotic.
pub fn estimate_error(nulls: [f64; 3]) -> (f64, bool) {
    let [high, mid, low] = nulls;
    if high <= ASYMPTOTIC_RATIO * mid && mid <= ASYMPTOTIC_RATIO * low {
        let ratio = if low > 0.0 { mid / low } else { 0.0 };
        (ASYMPTOTIC_FACTOR * high.max(ratio * mid), true)
    } else {
        (ROUGH_FACTOR * high.max(mid).max(low), false)
    }
}

/// `max_p |v_p − v_0|` over the points `p` in `1..pts` of component `k`
/// (values row-major, `nout` per point).
fn spread(v: &[f64], nout: usize, k: usize, pts: usize) -> f64 {
    largest_distance(v, nout, k, 1..pts, v[k])
}

/// The largest `|v − from|` of component `k` over the points `range`
/// (values row-major, `nout` per point), 0 for an empty range. A single
/// component is scanned in eight independent lanes (a maximum is exact, so
/// the order does not change the result).
fn largest_distance(
    v: &[f64],
    nout: usize,
    k: usize,
    range: std::ops::Range<usize>,
    from: f64,
) -> f64 {
    if nout > 1 {
        return range.fold(0.0f64, |m, p| m.max((v[p * nout + k] - from).abs()));
    }
    let mut acc = [0.0f64; 8];
    let mut chunks = v[range].chunks_exact(8);
    for c in &mut chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = a.max((x - from).abs());
        }
    }
    for (a, &x) in acc.iter_mut().zip(chunks.remainder()) {
        *a = a.max((x - from).abs());
    }
    acc.iter().fold(0.0f64, |m, &a| m.max(a))
}

fn dot(w: &[f64; 5], s: &[f64; 5]) -> f64 {
    w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + w[3] * s[3] + w[4] * s[4]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ∫ over [-1,1]^d of Π x_i^{p_i}, divided by 2^d.
    fn mean_monomial(p: &[u32]) -> f64 {
        p.iter()
            .map(|&e| {
                if e % 2 == 1 {
                    0.0
                } else {
                    1.0 / f64::from(e + 1)
                }
            })
            .product()
    }

    fn rule_on_monomial(r: &GenzMalik, p: &[u32]) -> (f64, f64) {
        let d = r.ndim();
        let c = vec![0.0; d];
        let h = vec![1.0; d];
        let mut pts = vec![0.0; r.points() * d];
        r.fill_points(&c, &h, &mut pts);
        let vals: Vec<f64> = pts
            .chunks_exact(d)
            .map(|x| x.iter().zip(p).map(|(&x, &e)| x.powi(e as i32)).product())
            .collect();
        let (mut est, mut err, mut diffs) = ([0.0], [0.0], vec![0.0; d]);
        r.apply(&vals, 1, &h, &mut est, &mut err, &mut diffs);
        let emb = est[0] - err[0]; // one of est ± err
        let _ = emb;
        (est[0] / (1u64 << d) as f64, err[0])
    }

    #[test]
    fn spread_is_the_largest_distance_from_the_centre_value_for_any_layout() {
        let vals: Vec<f64> = (0..93).map(|p| ((p * 37) % 11) as f64 - 3.0).collect();
        let want = (1..93).fold(0.0f64, |m, p| m.max((vals[p] - vals[0]).abs()));
        assert_eq!(spread(&vals, 1, 0, 93), want);
        for pts in [1, 2, 9, 17] {
            let want = (1..pts).fold(0.0f64, |m, p| m.max((vals[p] - vals[0]).abs()));
            assert_eq!(spread(&vals, 1, 0, pts), want, "{pts} points");
        }
        // Two components interleaved: each sees only its own.
        let two: Vec<f64> = vals.iter().flat_map(|&v| [v, -2.0 * v]).collect();
        assert_eq!(spread(&two, 2, 0, 93), want);
        assert_eq!(spread(&two, 2, 1, 93), 2.0 * want);
    }

    #[test]
    fn degree_seven_rule_integrates_monomials_up_to_degree_seven_exactly() {
        for d in [1, 2, 3, 5, 8] {
            let r = GenzMalik::new(d);
            assert_eq!(r.points(), (1 << d) + 2 * d * d + 2 * d + 1);
            for p in [
                [0, 0],
                [2, 0],
                [4, 0],
                [6, 0],
                [2, 2],
                [4, 2],
                [3, 1],
                [7, 0],
                [2, 4],
            ] {
                let mut e = vec![0; d];
                e[0] = p[0];
                if d > 1 {
                    e[1] = p[1];
                } else if p[1] > 0 {
                    continue;
                }
                let (m, _) = rule_on_monomial(&r, &e);
                assert!((m - mean_monomial(&e)).abs() < 1e-14, "d={d} {e:?}: {m}");
            }
        }
    }

    #[test]
    fn low_degree_integrands_get_no_error_and_the_first_missed_degree_gets_some() {
        for d in [2, 4, 13, 20] {
            let r = GenzMalik::new(d);
            let (zero, missed): (&[[u32; 2]], [u32; 2]) = if r.degree() == 7 {
                (&[[0, 0], [2, 0], [1, 1], [2, 2], [3, 1]], [6, 0])
            } else {
                (&[[0, 0], [2, 0], [1, 1]], [4, 0])
            };
            for p in zero {
                let mut e = vec![0; d];
                e[..2].copy_from_slice(p);
                let (m, err) = rule_on_monomial(&r, &e);
                assert!((m - mean_monomial(&e)).abs() < 1e-13, "d={d} {e:?}");
                assert_eq!(err, 0.0, "d={d} {e:?}");
            }
            // The main rule is exact one degree pair higher than the
            // embedded one, and the estimate still reports an error there.
            let mut e = vec![0; d];
            e[..2].copy_from_slice(&missed);
            let (m, err) = rule_on_monomial(&r, &e);
            assert!((m - mean_monomial(&e)).abs() < 1e-13, "d={d} {e:?}");
            assert!(err > 1e-6, "d={d}: x^{} should show an error", missed[0]);
        }
    }

    #[test]
    fn the_error_trusts_the_highest_null_rule_only_when_the_nulls_fall_off() {
        // Falling by 100 per degree: asymptotic, twice the highest.
        let (e, asymptotic) = estimate_error([1e-6, 1e-4, 1e-2]);
        assert!(asymptotic && (e - 2e-6).abs() < 1e-20, "{e}");
        // The highest vanishing by chance: the decay predicts 0.1·1e-4.
        let (e, asymptotic) = estimate_error([0.0, 1e-4, 1e-3]);
        assert!(asymptotic && (e - 2e-5).abs() < 1e-20, "{e}");
        // Flat null rules: not resolved, five times the largest.
        assert_eq!(estimate_error([1e-3, 2e-3, 1e-3]), (1e-2, false));
        let (e, asymptotic) = estimate_error([1e-5, 1e-4, 3e-4]);
        assert!(!asymptotic && (e - 1.5e-3).abs() < 1e-15, "{e}");
    }

    fn children_gap(f: impl Fn(&[f64]) -> f64) -> f64 {
        // [-1, 1]^3 split along axis 1 into [-1, 0] and [0, 1].
        let r = GenzMalik::new(3);
        let h = [1.0, 0.5, 1.0];
        let vals = |c: [f64; 3]| {
            let mut pts = vec![0.0; r.points() * 3];
            r.fill_points(&c, &h, &mut pts);
            pts.chunks_exact(3).map(&f).collect::<Vec<f64>>()
        };
        let (lower, upper) = (vals([0.0, -0.5, 0.0]), vals([0.0, 0.5, 0.0]));
        let mut gap = [0.0];
        r.face_gap(&lower, &upper, 1, 1, &mut gap);
        gap[0]
    }

    #[test]
    fn a_jump_next_to_the_shared_face_shows_as_a_gap_and_smooth_functions_show_none() {
        // The jump at y = -0.01 lies between the lower child's last points
        // (y = -0.026) and the face: neither child's rule can see it.
        let jump = children_gap(|x| if x[1] < -0.01 { 2.0 + x[0] * 1e-3 } else { 0.0 });
        assert!((jump - 2.0).abs() < 2e-3, "{jump}");
        assert_eq!(children_gap(|x| (x[0] + 3.0 * x[1] - x[2]).exp()), 0.0);
        assert_eq!(children_gap(|x| (5.0 * x[1]).sin() * x[2]), 0.0);
        assert_eq!(children_gap(|x| 1.0 / (0.1 + x[1] * x[1])), 0.0);
    }

    #[test]
    fn the_split_axis_is_where_the_fourth_difference_is_largest() {
        let r = GenzMalik::new(3);
        let c = [0.0; 3];
        let h = [1.0; 3];
        let mut pts = vec![0.0; r.points() * 3];
        r.fill_points(&c, &h, &mut pts);
        let vals: Vec<f64> = pts
            .chunks_exact(3)
            .map(|x| x[0].powi(2) + x[2].powi(6))
            .collect();
        let (mut est, mut err, mut diffs) = ([0.0], [0.0], [0.0; 3]);
        assert_eq!(r.apply(&vals, 1, &h, &mut est, &mut err, &mut diffs), 2);
    }
}
