//! All chain I/O: bindings, providers and signers, a local anvil, Automation upkeep
//! registration.

pub mod anvil;
pub mod bindings;
pub mod multicall;
pub mod ours;
pub mod provider;
pub mod registry;
pub mod revert;
pub mod signer;
pub mod tx;
pub mod upkeep;

pub use provider::{ChainError, Connection};
