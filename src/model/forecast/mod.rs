//! Off-chain drift forecast: skip on-chain checks that would find nothing.
//!
//! A keeper watches prices off-chain for free; the on-chain check (`checkUpkeep` and the perform
//! that follows) is what costs. From the prices it has seen, the keeper estimates each asset's
//! volatility and their correlations online ([`ewma`]), turns them into the spread of each drift
//! slice's weight over a horizon, and bounds the probability that any slice reaches the trigger
//! band within it ([`forecaster`]). The next check worth making is the largest horizon whose
//! crossing probability stays within a risk budget, clamped to `[min, max]`.
//!
//! **Scope: the global path.** Drift is computed as the contracts do ([`drift`]): stables form one
//! slice. The stable path (within-slice drift past `stableDriftBps`, or two stables' prices more
//! than `depegBps` apart) is not forecast: stable prices do not diffuse like volatile ones — they
//! sit at 1 with basis-point noise and leave it by jumps (depegs), which no volatility estimate
//! foresees. A keeper already sees both conditions exactly in its own price feed, so for that path
//! it checks on the observed threshold, with no forecast needed.
//!
//! [`sim`] and [`eval`] measure the policy against checking every minute on simulated markets.

pub mod drift;
mod error;
pub mod eval;
pub mod ewma;
pub mod forecaster;
pub mod linalg;
pub mod normal;
pub mod sim;
#[cfg(test)]
mod tests;

pub use drift::BalancerSpec;
pub use error::ForecastError;
pub use ewma::EwmaCovariance;
pub use forecaster::{ForecastConfig, Forecaster};
