//! The one error type of the forecast: every variant names the field, the value and the fix.

/// Invalid input to the forecast, the simulator or the evaluation harness.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ForecastError {
    /// A number outside its allowed range (or not finite).
    #[error("{field} = {value} is out of range — {expected}")]
    OutOfRange {
        /// The field, as the CLI or config names it.
        field: &'static str,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A per-asset list whose length does not match the number of assets.
    #[error("{field} has {got} entries but there are {expected} assets — give one per asset")]
    LengthMismatch {
        /// The field.
        field: &'static str,
        /// Entries given.
        got: usize,
        /// Entries expected.
        expected: usize,
    },
    /// A correlation matrix that no joint distribution has (Cholesky fails).
    #[error(
        "correlation matrix is not positive definite (pivot {index} = {pivot:.3e}) — use \
         correlations that a real joint distribution can have"
    )]
    NotPositiveDefinite {
        /// The failing pivot row.
        index: usize,
        /// The pivot's value.
        pivot: f64,
    },
}

impl ForecastError {
    /// An [`ForecastError::OutOfRange`] for `field = value`.
    pub fn range(
        field: &'static str,
        value: impl std::fmt::Display,
        expected: &'static str,
    ) -> Self {
        Self::OutOfRange {
            field,
            value: value.to_string(),
            expected,
        }
    }
}

/// `Ok(x)` when `x` is finite and in `[lo, hi]`, else an error naming `field`.
pub(crate) fn check_range(
    field: &'static str,
    x: f64,
    lo: f64,
    hi: f64,
    expected: &'static str,
) -> Result<f64, ForecastError> {
    if x.is_finite() && x >= lo && x <= hi {
        Ok(x)
    } else {
        Err(ForecastError::range(field, x, expected))
    }
}
