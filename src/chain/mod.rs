//! All chain I/O: bindings, providers and signers, a local anvil.

pub mod anvil;
pub mod balancer_bindings;
pub mod bindings;
pub mod provider;
pub mod signer;

pub use provider::{ChainError, Connection};
