//! All chain I/O: bindings, providers and signers, a local anvil, Automation upkeep
//! registration and a simulated Automation DON.

pub mod anvil;
pub mod balancer_bindings;
pub mod bindings;
pub mod don;
pub mod provider;
pub mod signer;
pub mod upkeep;

pub use provider::{ChainError, Connection};
