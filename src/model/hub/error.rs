//! Why a plan or a quote could not be made: the planner's typed errors.
//!
//! A request that merely cannot be served is not an error — it becomes a
//! [`Skipped`](super::Skipped) entry with its reason. Errors are inputs no plan should be made
//! from: a zero amount, an unknown token, a zero price, a contradictory configuration, or
//! arithmetic beyond 256 bits.

/// A planner input that cannot be planned from; each variant names the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubError {
    /// A request asks for nothing.
    #[error("request {id}: amount is 0 — a rebalance request must ask for a positive amount")]
    ZeroAmount {
        /// The request.
        id: String,
    },
    /// Two requests share one id, so an operation could not say which one it fulfils.
    #[error("request id {id} appears twice — every request needs a unique id")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A request names a token the input has no reserve, price and limits for.
    #[error(
        "request {id}: token {token} is unknown — add it to the tokens (reserve, price, limits)"
    )]
    UnknownToken {
        /// The request.
        id: String,
        /// The token it names.
        token: String,
    },
    /// A field has an unusable value.
    #[error("{field} = {value} is invalid — {fix}")]
    Invalid {
        /// The field, dotted (`config.fee_bps`, `tokens.USDC.native_price`).
        field: String,
        /// The value given.
        value: String,
        /// What to do instead.
        fix: &'static str,
    },
    /// A product or sum exceeded 256 bits (absurd inputs).
    #[error("{what} overflows 256 bits — check the magnitudes of the amounts and prices")]
    Overflow {
        /// What was being computed.
        what: &'static str,
    },
}

/// Shorthand for results of this module.
pub type HubResult<T> = Result<T, HubError>;
