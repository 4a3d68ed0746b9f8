//! What only a local chain needs: the demo portfolio and fleet ([`demo`], recorded in
//! [`record`]), a simulated Chainlink Automation DON ([`don`]), the seeded price walk
//! ([`price_walk`]) and the devnet's scheduled jobs ([`jobs`]).
//!
//! Nothing here runs against a real network: the deployer (`crate::deploy`) and the keeper
//! never depend on this module.

pub mod demo;
pub mod don;
pub mod jobs;
pub mod price_walk;
pub mod record;
