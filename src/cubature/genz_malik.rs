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
    pub fn fill_points(&self, c: &[f64], h: &[f64], out: &mut [f64]) {
        let d = self.ndim;
        let mut rows = out.chunks_exact_mut(d);
        let mut next = || {
            let r = rows.next().expect("points() rows");
            r.copy_from_slice(c);
            r
        };
        next();
        for i in 0..d {
            for l in [-L2, L2, -L3, L3] {
                next()[i] += l * h[i];
            }
        }
        for i in 0..d {
            for j in i + 1..d {
                for (si, sj) in [(-L4, -L4), (-L4, L4), (L4, -L4), (L4, L4)] {
                    let r = next();
                    r[i] += si * h[i];
                    r[j] += sj * h[j];
                }
            }
        }
        if self.vertices {
            for v in 0..1usize << d {
                let r = next();
                for (i, x) in r.iter_mut().enumerate() {
                    let s = if v >> i & 1 == 1 { L5 } else { -L5 };
                    *x += s * h[i];
                }
            }
        }
    }

    /// Applies the rule to the region's values (`points()·nout`, row-major)
    /// and writes each component's estimate and error; returns the axis to
    /// split. `diffs` is scratch of `ndim` values.
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
        for k in 0..nout {
            let at = |p: usize| vals[p * nout + k];
            let f0 = at(0);
            let (mut s2, mut s3) = (0.0, 0.0);
            for (i, diff) in diffs.iter_mut().enumerate() {
                let b = 1 + 4 * i;
                let a2 = at(b) + at(b + 1);
                let a3 = at(b + 2) + at(b + 3);
                s2 += a2;
                s3 += a3;
                *diff += ((a2 - 2.0 * f0) - RATIO * (a3 - 2.0 * f0)).abs();
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
            err[k] = (volume * (main - emb)).abs();
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
    fn embedded_rule_is_exact_to_degree_five_so_the_error_vanishes_there() {
        for d in [2, 4, 13, 20] {
            let r = GenzMalik::new(d);
            let deg = r.degree();
            let probes: &[[u32; 2]] = if deg == 7 {
                &[[4, 0], [2, 2], [0, 0]]
            } else {
                &[[2, 0], [0, 0], [1, 1]]
            };
            for p in probes {
                let mut e = vec![0; d];
                e[0] = p[0];
                e[1] = p[1];
                let (m, err) = rule_on_monomial(&r, &e);
                assert!((m - mean_monomial(&e)).abs() < 1e-13, "d={d} {e:?}");
                assert!(err / (d as f64).exp2() < 1e-13, "d={d} {e:?}: {err}");
            }
            // The main rule is exact one degree pair higher than the embedded one.
            let mut e = vec![0; d];
            e[0] = deg - 1;
            let (m, err) = rule_on_monomial(&r, &e);
            assert!((m - mean_monomial(&e)).abs() < 1e-13, "d={d} {e:?}");
            assert!(
                err > 1e-6,
                "d={d}: the embedded rule should miss x^{}",
                deg - 1
            );
        }
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
