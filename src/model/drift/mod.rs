//! Drift rules of the balancers, exactly as the contracts compute them (`Drift`, `OrderBook`,
//! `PerformData` and their composition in `BalancerBase._evaluate` / `_plan`): integer USD with
//! 18 decimals, bps weights and bands, the contracts' rounding (stated on each function), and a
//! [`DriftError`] wherever a contract would revert.
//!
//! A keeper values a portfolio ([`Portfolio::values`]), measures it ([`evaluate`]: measures,
//! triggers), plans ([`plan`]: deltas → [`net`] trades → [`build`] orders with amounts and
//! EIP-712 hashes) or does all at once ([`check`], as `checkUpkeep`), and encodes or decodes the
//! 8-byte [`PerformData`]. A taker rebuilds a published order ([`published_order`]), its
//! [`extension`], and what a fill pays now ([`auction_bps`], [`taking_at`]).
//!
//! Shared vectors: `test/vectors/drift.json` is written by the forge test
//! `test/unit/DriftVectors.t.sol` and reproduced here exactly; `test/vectors/drift-rust.json` is
//! written here (a seeded generator) and replayed through the libraries by
//! `test/unit/DriftRustVectors.t.sol`. Regenerate with
//! `DRIFT_VECTORS_WRITE=true forge test --match-path test/unit/DriftVectors.t.sol` and
//! `DRIFT_VECTORS_WRITE=1 cargo test --locked --lib model::drift::tests::vectors`.

mod deltas;
mod error;
mod fill;
mod math;
mod measure;
mod orders;
mod perform_data;
mod plan;
mod value;

pub use deltas::{add_global_deltas, add_slice_deltas};
pub use error::{DriftError, PerformDataError};
pub use fill::{
    HAS_EXTENSION, SALT_BUY, SALT_DURATION, SALT_EPOCH, SALT_FLOOR, SALT_INDEX, SALT_SELL,
    SALT_SPAN, SaltFields, auction_bps, extension, extension_hash, maker_traits, published_order,
    salt, salt_fields, taking_at,
};
pub use math::BPS;
pub use measure::{Measure, depegged, global_measure, slice, stable_measure};
pub use orders::{
    EXPIRATION_OFFSET, INDEX_BITS, LimitOrder, Market, NONCE_OFFSET, ORDER_TYPE,
    PRE_INTERACTION_CALL, PlannedOrder, Trade, build, net,
};
pub use perform_data::{PATH_BOTH, PATH_GLOBAL, PATH_STABLE, PerformData};
pub use plan::{Evaluation, OrderContext, Plan, Portfolio, Rules, check, dust, evaluate, plan};
pub use value::{Asset, normalised_price, units, value};

#[cfg(test)]
mod tests;
