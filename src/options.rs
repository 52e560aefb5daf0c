//! Integration rules and options.

use std::fmt;
use std::str::FromStr;

/// The rule table: one row per rule, `Variant = C value, "cli-name",
/// fixed|adaptive|sampling;`. Adding a rule is one row here (its doc comment above
/// it) plus its `VQ_RULE_*` constant in `src/ffi/types.rs`, which
/// cbindgen copies into `vquad.h` (a test pins the two to each other).
macro_rules! rule_table {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, $kind:ident; )*) => {
        /// A quadrature rule. The numbers are the C ABI's `VQ_RULE_*` values.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        pub enum Rule {
            $( $(#[$doc])* $variant = $code, )*
        }

        impl Rule {
            /// Every rule, in numeric order.
            pub const ALL: [Rule; [$($code),*].len()] = [$(Rule::$variant),*];

            /// The rule's name as the CLI spells it, e.g. `"gauss-legendre"`.
            pub fn name(self) -> &'static str {
                match self {
                    $( Rule::$variant => $name, )*
                }
            }

            /// True for rules that use `n` panels rather than a tolerance.
            pub fn is_fixed(self) -> bool {
                match self {
                    $( Rule::$variant => rule_table!(@fixed $kind), )*
                }
            }

            /// True for the sampling rules (Monte Carlo, QMC, VEGAS), whose
            /// estimates depend on `seed` and carry a standard error.
            pub fn is_sampling(self) -> bool {
                match self {
                    $( Rule::$variant => rule_table!(@sampling $kind), )*
                }
            }
        }
    };
    (@fixed fixed) => { true };
    (@fixed adaptive) => { false };
    (@fixed sampling) => { false };
    (@sampling sampling) => { true };
    (@sampling $other:ident) => { false };
}

rule_table! {
    /// Gauss–Legendre on `n` panels when `n > 0`; with `n = 0`, adaptive to
    /// tolerance:
    ///
    /// 1. one Gauss–Kronrod rule on the whole range (G10K21, or G7K15 on an
    ///    infinite range); done if it meets the tolerance (smooth integrands);
    /// 2. else a short tanh–sinh pass (levels up to `h = 1/8`, about 75
    ///    nodes), accepted only if its conservative estimate meets the
    ///    tolerance: tanh–sinh is known to be better for integrands analytic
    ///    inside the range with singularities at the ends (√x·log x, 1/√x,
    ///    log x·log(1−x)), where it needs 3–7× fewer evaluations than QAGS on
    ///    the test battery;
    /// 3. else [`Rule::GaussKronrod`] (QAGS with extrapolation) continues from
    ///    step 1's rule. This is the robust choice for everything else: interior
    ///    peaks, kinks and oscillations, which tanh–sinh cannot locate, and
    ///    singularities at an end `c ≠ 0` that are too strong to integrate from
    ///    the doubles representable next to `c`, which QAGS extrapolates.
    ///
    /// The tanh–sinh pass costs those other integrands about 75 evaluations
    /// (about 90 on an infinite range); on the battery, `Auto` needs 0.97× the
    /// evaluations of QUADPACK's QAGS/QAGI in total.
    Auto = 0, "auto", adaptive;
    /// Midpoint rule: one node per panel, `n` evaluations.
    Midpoint = 1, "midpoint", fixed;
    /// Trapezoid rule: `n + 1` evaluations.
    Trapezoid = 2, "trapezoid", fixed;
    /// Simpson's rule: `2n + 1` evaluations with shared panel ends.
    Simpson = 3, "simpson", fixed;
    /// Gauss–Legendre with `order` nodes per panel: `n·order` evaluations.
    GaussLegendre = 4, "gauss-legendre", fixed;
    /// Globally adaptive Gauss–Kronrod with Wynn ε-extrapolation (QUADPACK's
    /// QAGS; QAGI's transformation on infinite ranges), refining batches of
    /// intervals in parallel. `order` picks the pair: 7, 10, 15, 20, 25 or 30
    /// Gauss points (G7K15 … G30K61); 0 means G10K21 on finite ranges and
    /// G7K15 on infinite ones, as QUADPACK.
    GaussKronrod = 5, "gauss-kronrod", adaptive;
    /// Adaptive tanh–sinh (double exponential): the step is halved until the
    /// tolerance is met. Best for endpoint singularities; the integrand is
    /// never evaluated at an endpoint. `order` is ignored; `subintervals` is 1.
    TanhSinh = 6, "tanh-sinh", adaptive;
    /// Globally adaptive cubature over a box in d ≥ 2 dimensions (the
    /// multi-dimensional rules): Genz–Malik's degree-7 rule with its embedded
    /// degree-5 estimate, refined in batches of regions. In one dimension it
    /// runs [`Rule::GaussKronrod`]. With `n = 0`, [`Rule::Auto`] picks it for
    /// d ≥ 2.
    GenzMalik = 7, "genz-malik", adaptive;
    /// Plain Monte Carlo on counter-based (Philox) random points (the
    /// sampling rules): `n` samples, or with `n = 0` rounds until the
    /// standard error meets the tolerance. `abs_error` is one standard
    /// error.
    MonteCarlo = 8, "monte-carlo", sampling;
    /// Randomized quasi-Monte Carlo: `replicates` independently scrambled
    /// Sobol sequences of `n` points each (rounded up to a power of two;
    /// `n = 0` doubles until the tolerance). `abs_error` is the standard
    /// error over the replicates.
    Qmc = 9, "qmc", sampling;
    /// VEGAS adaptive importance sampling: `n` evaluations per iteration
    /// (0 means 50 000), iterations until the tolerance or `max_evals`.
    /// `abs_error` is the standard error of the weighted iteration mean.
    Vegas = 10, "vegas", sampling;
}

impl Rule {
    /// The rule with this C value, if any.
    pub fn from_code(code: i32) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| *r as i32 == code)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Rule, String> {
        Rule::ALL
            .iter()
            .copied()
            .find(|r| r.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Rule::ALL.iter().map(|r| r.name()).collect();
                format!("unknown rule '{s}' (expected one of: {})", names.join(", "))
            })
    }
}

/// Default nodes per panel for Gauss–Legendre (`order = 0`).
pub const DEFAULT_ORDER: u32 = 8;
/// Largest Gauss–Legendre order.
pub const MAX_ORDER: u32 = 64;
/// Largest panel count of a fixed rule: past 2^53, panel indices stop being
/// exact in a double.
pub const MAX_PANELS: u64 = 1 << 53;
/// Evaluation budget of adaptive rules when `max_evals = 0`.
pub const DEFAULT_MAX_EVALS: u64 = 50_000_000;
/// The seed used when `seed = 0`, so that a default run is reproducible
/// (the first 64 bits of the fractional part of π).
pub const DEFAULT_SEED: u64 = 0x243F_6A88_85A3_08D3;
/// Randomizations of the sampling rules by default.
pub const DEFAULT_REPLICATES: u32 = 8;

/// Options of one integration (the Rust twin of the C `vq_options`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// The rule.
    pub rule: Rule,
    /// Panels for fixed rules (0 with `Auto` means adaptive).
    pub n: u64,
    /// Gauss–Legendre nodes per panel (0 means 8); for Gauss–Kronrod the
    /// Gauss order of the pair (0 means the default pair).
    pub order: u32,
    /// Absolute tolerance of adaptive rules.
    pub epsabs: f64,
    /// Relative tolerance of adaptive rules.
    pub epsrel: f64,
    /// Evaluation budget of adaptive rules (0 means [`DEFAULT_MAX_EVALS`]);
    /// for fixed rules, a cap checked before any work.
    pub max_evals: u64,
    /// Seed of the sampling rules (0 means the documented fixed seed
    /// [`DEFAULT_SEED`]); ignored by deterministic rules.
    pub seed: u64,
    /// Independent randomizations of the sampling rules that use them
    /// (default [`DEFAULT_REPLICATES`]); ignored by deterministic rules.
    pub replicates: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            rule: Rule::Auto,
            n: 0,
            order: 0,
            epsabs: 0.0,
            epsrel: 1e-10,
            max_evals: 0,
            seed: 0,
            replicates: DEFAULT_REPLICATES,
        }
    }
}

impl Options {
    /// Options for a fixed rule on `n` panels.
    pub fn fixed(rule: Rule, n: u64) -> Options {
        Options {
            rule,
            n,
            ..Options::default()
        }
    }

    /// Options for an adaptive rule with the given tolerances.
    pub fn adaptive(rule: Rule, epsabs: f64, epsrel: f64) -> Options {
        Options {
            rule,
            epsabs,
            epsrel,
            ..Options::default()
        }
    }

    /// The Gauss–Legendre order with 0 resolved to [`DEFAULT_ORDER`].
    pub fn gl_order(&self) -> u32 {
        if self.order == 0 {
            DEFAULT_ORDER
        } else {
            self.order
        }
    }

    /// The rule actually run: `Auto` becomes Gauss–Legendre when `n > 0`, and
    /// stays `Auto` (the adaptive default described at [`Rule::Auto`])
    /// otherwise.
    pub fn resolved_rule(&self) -> Rule {
        match self.rule {
            Rule::Auto if self.n > 0 => Rule::GaussLegendre,
            r => r,
        }
    }

    /// The evaluation budget with 0 resolved to [`DEFAULT_MAX_EVALS`].
    pub fn budget(&self) -> u64 {
        if self.max_evals == 0 {
            DEFAULT_MAX_EVALS
        } else {
            self.max_evals
        }
    }
}
