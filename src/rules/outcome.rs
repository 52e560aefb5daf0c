//! What an adaptive algorithm is asked for and what it returns: the
//! tolerance, the reason it stopped, and its raw estimate.
//!
//! Invariant: these types import nothing above the leaves, so the
//! algorithms (QAGS, tanh–sinh) and their dispatcher (`adaptive`) share them
//! without importing each other.

use crate::error::{Error, Result};
use crate::options::Options;

/// Tightest relative accuracy the adaptive rules aim for: `50 ε`, QUADPACK's
/// limit (its rule error estimates never go below `50 ε ∫|f|`).
pub const MIN_EPSREL: f64 = 50.0 * f64::EPSILON;

/// Requested accuracy: `|error| ≤ max(epsabs, epsrel·|I|)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Absolute tolerance (≥ 0).
    pub epsabs: f64,
    /// Relative tolerance (≥ 0).
    pub epsrel: f64,
}

impl Tolerance {
    /// Checks the options' tolerances: neither may be NaN or negative, and
    /// at least one must be positive.
    ///
    /// # Errors
    /// [`Error::InvalidArg`] naming the offending value.
    pub fn from_options(opts: &Options) -> Result<Tolerance> {
        let (epsabs, epsrel) = (opts.epsabs, opts.epsrel);
        if epsabs.is_nan() || epsrel.is_nan() || epsabs < 0.0 || epsrel < 0.0 {
            return Err(Error::invalid(format!(
                "tolerances must be >= 0 and not NaN (epsabs = {epsabs}, epsrel = {epsrel})"
            )));
        }
        if epsabs <= 0.0 && epsrel <= 0.0 {
            return Err(Error::invalid(
                "epsabs and epsrel are both 0: at least one must be positive",
            ));
        }
        Ok(Tolerance { epsabs, epsrel })
    }

    /// The error the algorithms aim for at an integral of value `value`:
    /// the requested bound, but never below [`MIN_EPSREL`]`·|value|`, the
    /// round-off floor of the rules' own sums (QUADPACK refuses such
    /// tolerances; vquad aims for the floor and reports the result as
    /// round-off limited).
    pub fn bound(&self, value: f64) -> f64 {
        self.epsabs.max(self.epsrel.max(MIN_EPSREL) * value.abs())
    }

    /// The bound the caller asked for.
    pub fn requested(&self, value: f64) -> f64 {
        self.epsabs.max(self.epsrel * value.abs())
    }
}

/// Why an adaptive integration stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The tolerance was met.
    Converged,
    /// The evaluation budget (or the subinterval limit) ran out.
    Budget,
    /// Round-off error prevents reaching the tolerance; the estimate stands.
    Roundoff,
    /// Tanh–sinh reached its finest level; the estimate (from the last level
    /// differences) stands.
    FinestLevel,
    /// QAGS's intervals reached the resolution of the floating-point grid near
    /// some point: a non-integrable or extremely strong singularity. No
    /// bound is claimed.
    BadIntegrand,
    /// QAGS's extrapolation stopped improving for five levels while far more
    /// accurate than the plain sum (QUADPACK's "round-off detected in the
    /// extrapolation table"): the extrapolated value is presumably the best
    /// obtainable, and its ε-table estimate stands.
    ExtrapolationRoundoff,
    /// QAGS's divergence test failed. No bound is claimed.
    Divergent,
}

impl Outcome {
    /// Whether the algorithm's error estimate is a credible bound: false for
    /// the outcomes where the integral may not even exist.
    pub fn claims_bound(self) -> bool {
        !matches!(self, Outcome::BadIntegrand | Outcome::Divergent)
    }
}

/// What an adaptive algorithm returns on `a < b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adaptive {
    /// Best estimate.
    pub value: f64,
    /// Its error estimate.
    pub abs_error: f64,
    /// Integrand evaluations.
    pub evals: u64,
    /// Final subintervals (tanh–sinh: 1).
    pub subintervals: u64,
    /// Why it stopped.
    pub outcome: Outcome,
}
