//! The value returned by an integration.

/// The outcome of one integration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Integral {
    /// The estimate of the integral.
    pub value: f64,
    /// Estimated absolute error, `None` where the rule gives no estimate
    /// (fixed rules).
    pub abs_error: Option<f64>,
    /// Exact number of integrand evaluations.
    pub evals: u64,
    /// Threads of the context that ran the call.
    pub threads: u32,
    /// Wall time spent inside the call, in seconds.
    pub seconds: f64,
    /// Subintervals: panels for fixed rules, final intervals for adaptive ones.
    pub subintervals: u64,
}
