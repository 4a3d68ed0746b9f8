//! The pure core: plain functions from inputs to results, with no RPC, no tokio and no clock.
//!
//! Money is integer (`U256`/`u128`/`i128`) with explicit decimals and a stated rounding
//! direction; floats appear only in forecasts and in report formatting. Every module here is
//! tested with unit and property tests and, where the contracts implement the same rules, with
//! the shared JSON vectors under `test/vectors/`.

pub mod bands;
pub mod drift;
pub mod fees;
pub mod forecast;
pub mod funding;
pub mod gas;
pub mod hub;
pub mod offpeak;
pub mod portfolio;
pub mod relay;
pub mod report;
