//! Deploying a portfolio (`deploy --portfolio FILE`): the balancers of a [`spec::PortfolioSpec`]
//! created through the stack's `BalancerFactory`, optionally behind `UpkeepManager`s, each
//! manager or stand-alone balancer registered as a Chainlink Automation upkeep or wired to CRE
//! (`setKeystone`).
//!
//! Everything is checked before anything is sent ([`spec`]'s rules, then [`check`]'s reads:
//! tokens and feeds answer, the stack is there, the registrar's minimum, the deployer's
//! balances). Then [`run`] walks the steps against the manifest like the stack deployer: each
//! created contract, call and upkeep is recorded (and saved) as it lands, and a re-run skips
//! what is recorded and unchanged. A dry run prints the plan with each step's gas (the node's
//! estimate where the target exists) and its cost at the current gas price.

pub mod check;
pub mod encode;
pub mod report;
pub mod run;
pub mod spec;
pub mod status;
mod upkeep_step;
mod validate;

use alloy::primitives::Address;

use crate::chain::{ChainError, upkeep::UpkeepError};
use crate::{artifacts::ArtifactError, deploy::manifest::ManifestError};
pub use spec::{PortfolioSpec, SpecError};

/// Everything that can stop a portfolio deployment.
#[derive(Debug, thiserror::Error)]
pub enum PortfolioError {
    /// The spec.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// Chain I/O.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// Registration.
    #[error(transparent)]
    Upkeep(#[from] UpkeepError),
    /// Bytecode.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// Manifest file.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A recorded balancer or manager differs from what the spec now asks.
    #[error(
        "{key} at {address} was created from a different spec — a deployed portfolio is not replaced: restore its spec, or give the changed one a new name to create it alongside"
    )]
    SpecChanged {
        /// Manifest key.
        key: String,
        /// Where it is.
        address: Address,
    },
    /// A create did not report the new balancer.
    #[error(
        "creating {key} (transaction {tx}) emitted no BalancerCreated event from {factory} — stack.factory is not a BalancerFactory; point it at the right one"
    )]
    NoCreatedEvent {
        /// Manifest key.
        key: String,
        /// The transaction.
        tx: alloy::primitives::TxHash,
        /// The factory.
        factory: Address,
    },
}
