//! The keeper's transaction manager: one writer per key, every attempt persisted before it is
//! broadcast, replacements at the same nonce, and nothing forgotten across a restart.
//!
//! Why our own: alloy's nonce managers either ask `pending` on every send (concurrent sends
//! collide) or cache a counter that burns a nonce when a broadcast fails and never resyncs, and
//! its pending-transaction builder waits for ever with no replacement. What this one does
//! (after Chainlink's EVM txm, OpenZeppelin's relayer and rundler):
//! - **Nonces** are reserved from the store ([`crate::store`]), raised to the chain's pending
//!   count at start and whenever a node says "nonce too low", never lowered.
//! - **Idempotency**: [`TxManager::submit`] takes a *work* key (chain, target, epoch or round);
//!   the store refuses a second transaction for work that has one pending or confirmed.
//! - **Persist, then broadcast**: the signed envelope is written with its hash before
//!   `eth_sendRawTransaction`; "already known" counts as sent.
//! - **Fees**: EIP-1559 from `eth_feeHistory` ([`crate::model::gas`]).
//! - **[`TxManager::tick`]** (each new block): a transaction whose nonce the chain has passed is
//!   finished from the receipt of whichever attempt was mined; one not mined after
//!   `bump_after_blocks` is **re-simulated** ([`WorkCheck`]) and replaced at the same nonce with
//!   both fees raised — or, when the work is no longer needed, after `max_attempts`, or at the
//!   fee cap, replaced by a 0-value self-transfer; an attempt the node no longer knows (dropped
//!   from the mempool) or whose broadcast failed is broadcast again from the stored bytes.
//! - **Restart**: everything open in the store is resumed by the next tick: a transaction
//!   created but never signed is re-simulated first, then signed or cancelled.
//!
//! Node errors are typed once ([`error::SendErrorKind`]); nothing here matches strings.

pub mod error;
mod manager;
mod replace;
pub mod sign;
mod types;

pub use error::SendErrorKind;
pub use manager::TxManager;
pub use types::{
    Request, Submitted, TRANSFER_GAS, TxConfig, TxError, TxEvent, Validity, WorkCheck,
};
