//! What only a local chain needs: the demo portfolio and fleet ([`demo`], recorded in
//! [`record`]), a simulated Chainlink Automation DON ([`don`]), a hub with simulated users ([`hub`]), the seeded price walk
//! ([`price_walk`]), the devnet's scheduled jobs ([`jobs`]), and a fault-injecting JSON-RPC
//! proxy ([`rpc_proxy`]) that tests and benchmarks put between a keeper and anvil, and the scan
//! benchmark ([`bench`]).
//!
//! Nothing here runs against a real network: the deployer (`crate::deploy`) and the keeper
//! never depend on this module.

pub mod bench;
pub mod chaos;
pub mod demo;
pub mod don;
pub mod hub;
pub mod jobs;
pub mod keeper;
pub mod price_walk;
pub mod record;
pub mod rpc_proxy;
pub mod summary;
pub mod taker;
