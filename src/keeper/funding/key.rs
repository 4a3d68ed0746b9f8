//! The funding key: from `ONEBALANCER_FUNDING_PRIVATE_KEY`, or `[funding] keystore` with its
//! password in `ONEBALANCER_FUNDING_KEYSTORE_PASSWORD` (or, when that is unset, the keeper's own
//! `ONEBALANCER_KEYSTORE_PASSWORD`: one password for an operator's keystores); with neither, the
//! keeper pays from its own key. Never from the config file or the command line, never in a
//! message.

use std::path::{Path, PathBuf};

use alloy::signers::local::PrivateKeySigner;

use crate::chain::signer::{KEYSTORE_PASSWORD_ENV, SignerError, parse_private_key};

/// Environment variable holding the funding key (hex).
pub const FUNDING_KEY_ENV: &str = "ONEBALANCER_FUNDING_PRIVATE_KEY";
/// Environment variable holding the funding keystore's password.
pub const FUNDING_PASSWORD_ENV: &str = "ONEBALANCER_FUNDING_KEYSTORE_PASSWORD";

/// Why the funding key cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FundingKeyError {
    /// Both sources are set.
    #[error(
        "both {FUNDING_KEY_ENV} and [funding] keystore are set — use one: unset {FUNDING_KEY_ENV} or remove funding.keystore"
    )]
    Ambiguous,
    /// The environment key is malformed (never echoed).
    #[error(
        "{FUNDING_KEY_ENV} is malformed: {reason} — set it to 64 hex digits (with or without 0x)"
    )]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The keystore's password is missing.
    #[error(
        "funding.keystore {path} needs its password in {FUNDING_PASSWORD_ENV} (or {KEYSTORE_PASSWORD_ENV}) — set it and retry"
    )]
    NoPassword {
        /// The keystore.
        path: PathBuf,
    },
    /// The keystore does not open.
    #[error(
        "cannot decrypt funding.keystore {path}: {reason} — check the file and {FUNDING_PASSWORD_ENV}"
    )]
    Keystore {
        /// The keystore.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// The funding key, or `None` to pay from the keeper's own key.
pub fn load_funding_signer(
    keystore: Option<&Path>,
) -> Result<Option<PrivateKeySigner>, FundingKeyError> {
    let env_key = std::env::var(FUNDING_KEY_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty());
    match (keystore, env_key) {
        (Some(_), Some(_)) => Err(FundingKeyError::Ambiguous),
        (Some(path), None) => {
            let password = std::env::var(FUNDING_PASSWORD_ENV)
                .or_else(|_| std::env::var(KEYSTORE_PASSWORD_ENV))
                .map_err(|_| FundingKeyError::NoPassword {
                    path: path.to_path_buf(),
                })?;
            PrivateKeySigner::decrypt_keystore(path, password)
                .map(Some)
                .map_err(|e| FundingKeyError::Keystore {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
        }
        (None, Some(key)) => parse_private_key(&key).map(Some).map_err(|e| match e {
            SignerError::Malformed { reason } => FundingKeyError::Malformed { reason },
            other => FundingKeyError::Malformed {
                reason: other.to_string(),
            },
        }),
        (None, None) => Ok(None),
    }
}
