//! The six Genz test families on [0,1]^d with TESTPACK difficulties, seeded
//! parameters and closed-form references.
//!
//! Invariant: a case is a pure function of (family, d, seed, sample): the
//! same battery on every machine, and `hcubature_shim.c` evaluates the same
//! formulas.

/// Family names, in TESTPACK order.
pub const NAMES: [&str; 6] = [
    "oscillatory",
    "product-peak",
    "corner-peak",
    "gaussian",
    "c0",
    "discontinuous",
];
/// TESTPACK difficulties: Σa = difficulty / d^exponent.
const DIFFICULTY: [f64; 6] = [110.0, 600.0, 600.0, 100.0, 150.0, 100.0];
const EXPONENT: [f64; 6] = [1.5, 2.0, 2.0, 1.0, 2.0, 2.0];

/// One integrand of the battery.
#[derive(Debug, Clone)]
pub struct Case {
    /// Index into [`NAMES`].
    pub family: usize,
    /// Dimension.
    pub d: usize,
    /// Coefficients (difficulty).
    pub a: Vec<f64>,
    /// Shifts in [0, 1).
    pub u: Vec<f64>,
}

/// splitmix64: a tiny seeded generator for the parameters.
struct Rng(u64);

impl Rng {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `samples` random cases per family and dimension.
pub fn battery(dims: &[usize], samples: usize, seed: u64) -> Vec<Case> {
    let mut cases = Vec::new();
    for family in 0..6 {
        for &d in dims {
            for s in 0..samples {
                let mix = seed ^ ((family as u64) << 48) ^ ((d as u64) << 32) ^ s as u64;
                let mut rng = Rng(mix.wrapping_mul(0x2545_F491_4F6C_DD1D));
                let mut a: Vec<f64> = (0..d).map(|_| rng.uniform()).collect();
                let u: Vec<f64> = (0..d).map(|_| rng.uniform()).collect();
                let target = DIFFICULTY[family] / (d as f64).powf(EXPONENT[family]);
                let sum: f64 = a.iter().sum();
                for v in &mut a {
                    *v *= target / sum;
                }
                cases.push(Case { family, d, a, u });
            }
        }
    }
    cases
}

extern "C" {
    fn erf(x: f64) -> f64;
}

fn erf_(x: f64) -> f64 {
    // SAFETY: the C library's erf is a pure function of a double.
    unsafe { erf(x) }
}

impl Case {
    /// The integrand at `x`.
    pub fn eval(&self, x: &[f64]) -> f64 {
        let (a, u) = (&self.a, &self.u);
        let dot = || a.iter().zip(x).map(|(a, x)| a * x).sum::<f64>();
        match self.family {
            0 => (2.0 * std::f64::consts::PI * u[0] + dot()).cos(),
            1 => a
                .iter()
                .zip(u)
                .zip(x)
                .map(|((a, u), x)| 1.0 / (1.0 / (a * a) + (x - u) * (x - u)))
                .product(),
            2 => (1.0 + dot()).powf(-((self.d + 1) as f64)),
            3 => (-a
                .iter()
                .zip(u)
                .zip(x)
                .map(|((a, u), x)| a * a * (x - u) * (x - u))
                .sum::<f64>())
            .exp(),
            4 => (-a
                .iter()
                .zip(u)
                .zip(x)
                .map(|((a, u), x)| a * (x - u).abs())
                .sum::<f64>())
            .exp(),
            _ => {
                if x[0] > u[0] || (self.d > 1 && x[1] > u[1]) {
                    0.0
                } else {
                    dot().exp()
                }
            }
        }
    }

    /// The exact integral over [0,1]^d.
    pub fn exact(&self) -> f64 {
        let (a, u) = (&self.a, &self.u);
        match self.family {
            0 => {
                // Re[e^{i2πu1} Π (e^{i a} − 1)/(i a)]
                let (mut re, mut im) = (
                    (2.0 * std::f64::consts::PI * u[0]).cos(),
                    (2.0 * std::f64::consts::PI * u[0]).sin(),
                );
                for &a in a {
                    // (e^{ia} − 1)/(ia) = sin(a)/a + i(1 − cos a)/a
                    let (fr, fi) = (a.sin() / a, (1.0 - a.cos()) / a);
                    (re, im) = (re * fr - im * fi, re * fi + im * fr);
                }
                re
            }
            1 => a
                .iter()
                .zip(u)
                .map(|(a, u)| a * ((a * (1.0 - u)).atan() + (a * u).atan()))
                .product(),
            2 => {
                let d = self.d;
                let (mut sum, mut comp) = (0.0f64, 0.0f64);
                for v in 0..1usize << d {
                    let s: f64 = (0..d).filter(|i| v >> i & 1 == 1).map(|i| a[i]).sum();
                    let sign = if v.count_ones() % 2 == 1 { -1.0 } else { 1.0 };
                    let term = sign / (1.0 + s);
                    let t = sum + term;
                    comp += if sum.abs() >= term.abs() {
                        (sum - t) + term
                    } else {
                        (term - t) + sum
                    };
                    sum = t;
                }
                let fact: f64 = (1..=d).map(|k| k as f64).product();
                (sum + comp) / (fact * a.iter().product::<f64>())
            }
            3 => a
                .iter()
                .zip(u)
                .map(|(a, u)| {
                    std::f64::consts::PI.sqrt() / (2.0 * a) * (erf_(a * (1.0 - u)) + erf_(a * u))
                })
                .product(),
            4 => a
                .iter()
                .zip(u)
                .map(|(a, u)| (2.0 - (-a * u).exp() - (-a * (1.0 - u)).exp()) / a)
                .product(),
            _ => a
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let w = if i < 2 { u[i] } else { 1.0 };
                    (a * w).exp_m1() / a
                })
                .product(),
        }
    }

    /// The line `hcubature_shim.c` reads for this case.
    pub fn shim_line(&self, epsrel: f64, max_evals: u64) -> String {
        let mut s = format!("{} {} {epsrel:e} {max_evals}", self.family, self.d);
        for v in self.a.iter().chain(&self.u) {
            s.push_str(&format!(" {v:e}"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Midpoint sum on a fine grid, in 2-D.
    fn grid(c: &Case, n: usize) -> f64 {
        let h = 1.0 / n as f64;
        let mut s = 0.0;
        for i in 0..n {
            for j in 0..n {
                s += c.eval(&[(i as f64 + 0.5) * h, (j as f64 + 0.5) * h]);
            }
        }
        s * h * h
    }

    #[test]
    fn closed_forms_agree_with_a_fine_grid_in_two_dimensions() {
        for c in battery(&[2], 2, 7) {
            let (g, e) = (grid(&c, 2000), c.exact());
            // The jump cuts grid cells: first-order error there (steep e^{a·x}).
            let tol = if c.family == 5 { 1e-2 } else { 1e-4 };
            assert!(
                (g - e).abs() <= tol * e.abs().max(1e-3),
                "{}: {g} vs {e}",
                NAMES[c.family]
            );
        }
    }

    #[test]
    fn coefficients_sum_to_the_testpack_difficulty() {
        for c in battery(&[5], 1, 3) {
            let s: f64 = c.a.iter().sum();
            let want = DIFFICULTY[c.family] / 5f64.powf(EXPONENT[c.family]);
            assert!((s - want).abs() < 1e-12 * want);
        }
    }
}
