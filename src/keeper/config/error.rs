//! Everything wrong a keeper config can be: each message is one line naming the file, the field,
//! the value (never a secret's) and the fix.

use alloy::primitives::Address;

use crate::chain::signer::{KEYSTORE_PASSWORD_ENV, PRIVATE_KEY_ENV};

/// An unusable keeper configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeeperConfigError {
    /// The file could not be read.
    #[error("cannot read keeper config {file}: {reason} — check the path given to --config")]
    Unreadable {
        /// The file.
        file: String,
        /// OS message.
        reason: String,
    },
    /// The TOML does not parse.
    #[error(
        "keeper config {file}:{line}:{column}: invalid TOML: {reason} — fix the syntax at that position"
    )]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        reason: String,
    },
    /// A field is unknown, missing, or has a value of the wrong type or form.
    #[error("keeper config {file}{at}: {field} {problem} — {fix}")]
    Field {
        /// The file.
        file: String,
        /// Where: `:line:column`, or ` (set by VARIABLE)` for an environment override.
        at: String,
        /// The field: `section.field`, `targets[i].field`.
        field: String,
        /// What is wrong, with the value where there is one.
        problem: String,
        /// What to do.
        fix: String,
    },
    /// A secret-looking key is in the file (its value is never repeated).
    #[error(
        "keeper config {file}:{line}: {field} looks like a secret — keys never go in config files: delete it and set {PRIVATE_KEY_ENV}, or set [keeper] keystore with the password in {KEYSTORE_PASSWORD_ENV}"
    )]
    Secret {
        /// The file.
        file: String,
        /// 1-based line of the key.
        line: usize,
        /// The key's path.
        field: String,
    },
    /// An override variable names a secret-looking field (its value is never repeated).
    #[error(
        "keeper config {file}: environment variable {var} would put a secret in it — keys never go in config files: unset it and set {PRIVATE_KEY_ENV}, or set [keeper] keystore with the password in {KEYSTORE_PASSWORD_ENV}"
    )]
    SecretOverride {
        /// The file.
        file: String,
        /// The variable.
        var: String,
    },
    /// An `ONEBALANCER_KEEPER__…` variable names no field.
    #[error(
        "keeper config {file}: environment variable {var} names no field: {problem} — rename it to ONEBALANCER_KEEPER__<SECTION>__<FIELD> with {known}, or unset it"
    )]
    UnknownOverride {
        /// The file.
        file: String,
        /// The variable.
        var: String,
        /// What does not match.
        problem: String,
        /// The known sections, or the known fields of its section.
        known: String,
    },
    /// A required value is absent.
    #[error("keeper config {file}: {field} is not set — {fix}")]
    Missing {
        /// The file.
        file: String,
        /// The field.
        field: &'static str,
        /// What to do.
        fix: String,
    },
    /// A field has an unusable value.
    #[error("keeper config {file}: {field} = {value} {problem} — {fix}")]
    Invalid {
        /// The file.
        file: String,
        /// The field: `section.field`, `targets[i].field`.
        field: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        problem: String,
        /// What to do instead.
        fix: String,
    },
    /// One address is listed as two targets.
    #[error(
        "keeper config {file}: target {address} is listed twice, as {first} and as {second} — keep one of them"
    )]
    DuplicateTarget {
        /// The file.
        file: String,
        /// The address.
        address: Address,
        /// Where it is listed first.
        first: String,
        /// Where it is listed again.
        second: String,
    },
    /// Nothing to keep.
    #[error(
        "keeper config {file}: no targets — add a [[targets]] entry with an address, a [[target_sets]] entry naming a manifest that lists some, or a [hub] the keeper runs"
    )]
    NoTargets {
        /// The file.
        file: String,
    },
    /// A manifest named by the config cannot be read.
    #[error(
        "keeper config {file}: {field} = {path:?}: cannot read it ({reason}) — check the path (relative paths resolve against the config file's folder) or write it with `onebalancer devnet`"
    )]
    ManifestUnreadable {
        /// The config file.
        file: String,
        /// The field naming the manifest.
        field: String,
        /// The manifest, resolved.
        path: String,
        /// OS message.
        reason: String,
    },
    /// A manifest does not have the expected shape.
    #[error(
        "keeper config {file}: {field} = {path:?} is not a usable manifest: {reason} — repair it or write it again with `onebalancer devnet`"
    )]
    ManifestInvalid {
        /// The config file.
        file: String,
        /// The field naming the manifest.
        field: String,
        /// The manifest, resolved.
        path: String,
        /// The JSON error (with its line and column).
        reason: String,
    },
    /// A manifest is for another chain.
    #[error(
        "keeper config {file}: {field} = {path:?} is for chain {manifest_chain} but chain.chain_id = {chain_id} — name chain {chain_id}'s manifest, or set chain.chain_id = {manifest_chain} (and an RPC URL of that chain)"
    )]
    ManifestChain {
        /// The config file.
        file: String,
        /// The field naming the manifest.
        field: String,
        /// The manifest, resolved.
        path: String,
        /// The manifest's `chainId`.
        manifest_chain: u64,
        /// `[chain] chain_id`.
        chain_id: u64,
    },
    /// The configuration could not be written as TOML.
    #[error(
        "cannot write keeper config {file} as TOML: {reason} — keep paths and names valid UTF-8"
    )]
    Serialize {
        /// The file.
        file: String,
        /// The serializer's message.
        reason: String,
    },
}
