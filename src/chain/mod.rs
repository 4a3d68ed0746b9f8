//! All chain I/O: bindings, providers and signers, a local anvil, Automation upkeep
//! registration.

pub mod anvil;
pub mod balancer_bindings;
pub mod bindings;
pub mod provider;
pub mod signer;
pub mod upkeep;

pub use provider::{ChainError, Connection};
