//! The deployer's and keeper's signing key: from the environment or an encrypted keystore only.
//!
//! Keys never come from config files or command-line arguments, and no error or log line ever
//! contains one (at most its length).

use std::path::{Path, PathBuf};

use alloy::{primitives::B256, signers::local::PrivateKeySigner};

/// Environment variable holding a hex private key.
pub const PRIVATE_KEY_ENV: &str = "ONEBALANCER_PRIVATE_KEY";
/// Environment variable holding the keystore password.
pub const KEYSTORE_PASSWORD_ENV: &str = "ONEBALANCER_KEYSTORE_PASSWORD";

/// Why no signer could be made.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// Neither source is configured.
    #[error(
        "no signing key: set {PRIVATE_KEY_ENV} to a hex private key, or pass --keystore FILE with the password in {KEYSTORE_PASSWORD_ENV}"
    )]
    Missing,
    /// Both sources are configured: refuse to guess.
    #[error(
        "both {PRIVATE_KEY_ENV} and --keystore are set — use one: unset {PRIVATE_KEY_ENV} or drop --keystore"
    )]
    Ambiguous,
    /// The environment key is not 32 bytes of hex.
    #[error(
        "{PRIVATE_KEY_ENV} is malformed: {reason} — set it to 64 hex digits (with or without 0x)"
    )]
    Malformed {
        /// What is wrong (never the key itself).
        reason: String,
    },
    /// The keystore needs a password.
    #[error("keystore {path} needs its password in {KEYSTORE_PASSWORD_ENV} — set it and retry")]
    NoPassword {
        /// The keystore file.
        path: PathBuf,
    },
    /// The keystore could not be opened.
    #[error(
        "cannot decrypt keystore {path}: {reason} — check the file and {KEYSTORE_PASSWORD_ENV}"
    )]
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Loads the signer from `--keystore` (with the password from the environment) or from
/// `ONEBALANCER_PRIVATE_KEY`.
pub fn load_signer(keystore: Option<&Path>) -> Result<PrivateKeySigner, SignerError> {
    let env_key = std::env::var(PRIVATE_KEY_ENV)
        .ok()
        .filter(|k| !k.trim().is_empty());
    match (keystore, env_key) {
        (Some(_), Some(_)) => Err(SignerError::Ambiguous),
        (Some(path), None) => {
            let password =
                std::env::var(KEYSTORE_PASSWORD_ENV).map_err(|_| SignerError::NoPassword {
                    path: path.to_path_buf(),
                })?;
            PrivateKeySigner::decrypt_keystore(path, password).map_err(|e| SignerError::Keystore {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
        }
        (None, Some(key)) => parse_private_key(&key),
        (None, None) => Err(SignerError::Missing),
    }
}

/// Parses a hex private key, explaining what is wrong without echoing it.
pub fn parse_private_key(text: &str) -> Result<PrivateKeySigner, SignerError> {
    let hex = text.trim();
    let hex = hex
        .strip_prefix("0x")
        .or_else(|| hex.strip_prefix("0X"))
        .unwrap_or(hex);
    let malformed = |reason: String| SignerError::Malformed { reason };
    if hex.len() != 64 {
        return Err(malformed(format!(
            "expected 64 hex digits, got {} characters",
            hex.len()
        )));
    }
    if let Some(pos) = hex.find(|c: char| !c.is_ascii_hexdigit()) {
        return Err(malformed(format!("non-hex character at position {pos}")));
    }
    let bytes: B256 = hex
        .parse()
        .map_err(|_| malformed("not valid hex".to_string()))?;
    PrivateKeySigner::from_bytes(&bytes)
        .map_err(|_| malformed("not a valid secp256k1 key (zero or above the curve order)".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // anvil's well-known first development key (public knowledge, holds nothing real).
    const DEV_KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn parses_with_and_without_prefix() {
        let a = parse_private_key(DEV_KEY).unwrap();
        let b = parse_private_key(&format!("0x{DEV_KEY}\n")).unwrap();
        assert_eq!(a.address(), b.address());
        assert_eq!(
            a.address().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
    }

    #[test]
    fn malformed_keys_are_explained_without_echoing_them() {
        for (bad, want) in [
            ("0x1234", "expected 64 hex digits, got 4 characters"),
            (&"zz".repeat(32), "non-hex character at position 0"),
            (&"0".repeat(64), "not a valid secp256k1 key"),
            (&"f".repeat(64), "not a valid secp256k1 key"),
        ] {
            let msg = parse_private_key(bad).unwrap_err().to_string();
            assert!(msg.contains(want), "{bad}: {msg}");
            assert!(msg.contains(PRIVATE_KEY_ENV), "{msg}");
            if bad.len() > 8 {
                assert!(!msg.contains(bad), "the key must not be echoed: {msg}");
            }
        }
    }
}
