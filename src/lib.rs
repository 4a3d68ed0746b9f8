//! onebalancer: Chainlink-Automation-compatible portfolio rebalancers and the Rust keeper and
//! deployer that run them.
//!
//! The crate is split by responsibility:
//! - [`project`] finds the checkout, its installed tools (forge, anvil) and build outputs;
//! - [`artifacts`] reads contract bytecode from forge's `out/` — the single source of bytecode;
//! - [`chain`] holds every piece of chain I/O: `sol!` bindings, providers and signers, anvil;
//! - [`deploy`] is the deployer shared by `script/deploy.rs` and `onebalancer devnet`: a plan of
//!   contracts and configuration calls, executed idempotently against a JSON manifest;
//! - [`devnet`] is what only a local chain needs: the demo portfolio and fleet, a simulated
//!   Automation DON, the price walk and the devnet's jobs;
//! - [`model`] is the pure core (drift, fees, forecasts, hub batches): no RPC, no clock;
//! - [`keeper`] is the keeper that performs the balancers' upkeeps, starting with its
//!   configuration;
//! - [`store`] is the keeper's embedded store (SQLite): nonces, transactions and their
//!   attempts, telemetry from logs, log cursors — idempotent on the work and on each log;
//! - [`cli`] has one module per subcommand.

pub mod artifacts;
pub mod chain;
pub mod cli;
pub mod deploy;
pub mod devnet;
pub mod keeper;
pub mod model;
pub mod project;
pub mod store;
