//! A local anvil chain, started from the tools `script/setup.sh` installed.

use std::path::Path;

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::Address,
    signers::local::PrivateKeySigner,
};

/// Failure to start anvil.
#[derive(Debug, thiserror::Error)]
#[error("cannot start anvil from {path}: {reason} — run script/setup.sh to (re)install it")]
pub struct AnvilError {
    /// The binary that was tried.
    pub path: String,
    /// What went wrong.
    pub reason: String,
}

/// A running anvil; the chain stops when this is dropped.
#[derive(Debug)]
pub struct LocalChain {
    instance: AnvilInstance,
}

impl LocalChain {
    /// Starts anvil on a free port (the OS picks it) with `extra_args`.
    pub fn start(anvil: &Path, extra_args: &[&str]) -> Result<Self, AnvilError> {
        let instance = Anvil::at(anvil)
            .args(extra_args.iter().copied())
            .try_spawn()
            .map_err(|e| AnvilError {
                path: anvil.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self { instance })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        self.instance.endpoint()
    }

    /// anvil's process id (to read its CPU time and memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.instance.child().id()
    }

    /// The chain id anvil serves.
    pub fn chain_id(&self) -> u64 {
        self.instance.chain_id()
    }

    /// anvil's prefunded development accounts (well-known test keys, never real funds).
    pub fn dev_signer(&self, index: usize) -> Option<PrivateKeySigner> {
        self.instance
            .nth_key(index)
            .map(|k| PrivateKeySigner::from(k.clone()))
    }

    /// Addresses of the development accounts.
    pub fn dev_addresses(&self) -> &[Address] {
        self.instance.addresses()
    }
}
