//! The OCR report a registry 2.3 accepts, built and signed exactly as the forge simulator
//! `test/utils/AutomationStack.sol` does (`_report`, `_conditionalTrigger`, `_signedReport`):
//! pure functions, no chain.
//!
//! - raw report = `abi.encode(Report{fastGasWei, linkUSD, upkeepIds, gasLimits, triggers,
//!   performDatas})` (`AutomationRegistryBase2_3.Report`);
//! - a conditional trigger = `abi.encode(uint32 blockNum, bytes32 blockHash)` of a mined block;
//! - report context = `[configDigest; 3]` (the digest from `latestConfigDetails`);
//! - each signer signs `keccak256(abi.encode(keccak256(rawReport), reportContext))` with no
//!   EIP-191 prefix; signature i gives `rs[i]`, `ss[i]` and byte i of `rawVs` = `v − 27`.

use alloy::{
    primitives::{B256, Bytes, U256, keccak256},
    signers::{SignerSync, local::PrivateKeySigner},
    sol,
    sol_types::{SolCall, SolValue},
};

use crate::chain::bindings::AutomationRegistry2_3;

pub use crate::chain::bindings::Report;

sol! {
    /// `AutomationRegistryBase2_3.ConditionalTrigger`.
    #[derive(Debug, PartialEq, Eq)]
    struct ConditionalTrigger {
        uint32 blockNum;
        bytes32 blockHash;
    }
}

/// A report that cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReportError {
    /// The per-upkeep lists differ in length.
    #[error(
        "report has {ids} upkeep ids but {other} {field} — pass one entry per upkeep (a bug in the caller)"
    )]
    LengthMismatch {
        /// Number of ids.
        ids: usize,
        /// The list that differs.
        field: &'static str,
        /// Its length.
        other: usize,
    },
    /// `rawVs` holds one byte per signature.
    #[error(
        "{count} signatures requested: a report carries between 1 and 32 — sign with f + 1 of the DON's signers"
    )]
    BadSignerCount {
        /// Signatures requested.
        count: usize,
    },
    /// A conditional trigger's block number is a `uint32`.
    #[error(
        "block {block} does not fit the trigger's uint32 block number — use a chain below block 2^32"
    )]
    BlockTooHigh {
        /// The block.
        block: u64,
    },
    /// The signer failed (only for keys that cannot sign).
    #[error("signer {signer} could not sign the report digest: {reason}")]
    Sign {
        /// The signer's address.
        signer: alloy::primitives::Address,
        /// Why.
        reason: String,
    },
}

/// Everything `transmit` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedReport {
    /// `[configDigest; 3]`.
    pub report_context: [B256; 3],
    /// `abi.encode(Report)`.
    pub raw_report: Bytes,
    /// The signatures' r values.
    pub rs: Vec<B256>,
    /// The signatures' s values.
    pub ss: Vec<B256>,
    /// Byte i: signature i's `v − 27`.
    pub raw_vs: B256,
}

/// `abi.encode(uint32 blockNum, bytes32 blockHash)` for a conditional upkeep checked at `block`.
pub fn conditional_trigger(block: u64, hash: B256) -> Result<Bytes, ReportError> {
    let block_num = u32::try_from(block).map_err(|_| ReportError::BlockTooHigh { block })?;
    Ok(ConditionalTrigger {
        blockNum: block_num,
        blockHash: hash,
    }
    .abi_encode()
    .into())
}

/// Assembles a report, checking every per-upkeep list has one entry per id.
pub fn report(
    fast_gas_wei: U256,
    link_usd: U256,
    upkeep_ids: Vec<U256>,
    gas_limits: Vec<U256>,
    triggers: Vec<Bytes>,
    perform_datas: Vec<Bytes>,
) -> Result<Report, ReportError> {
    let ids = upkeep_ids.len();
    for (field, other) in [
        ("gas limits", gas_limits.len()),
        ("triggers", triggers.len()),
        ("performDatas", perform_datas.len()),
    ] {
        if other != ids {
            return Err(ReportError::LengthMismatch { ids, field, other });
        }
    }
    Ok(Report {
        fastGasWei: fast_gas_wei,
        linkUSD: link_usd,
        upkeepIds: upkeep_ids,
        gasLimits: gas_limits,
        triggers,
        performDatas: perform_datas,
    })
}

/// `abi.encode(report)`, as the registry's `_decodeReport` reads it.
pub fn encode_report(report: &Report) -> Bytes {
    report.abi_encode().into()
}

/// `[configDigest; 3]`.
pub fn report_context(config_digest: B256) -> [B256; 3] {
    [config_digest; 3]
}

/// `keccak256(abi.encode(keccak256(rawReport), reportContext))`: what every signer signs.
pub fn report_digest(raw_report: &[u8], context: &[B256; 3]) -> B256 {
    keccak256((keccak256(raw_report), *context).abi_encode())
}

/// `rawVs` from the signatures' y-parities (`v − 27`), byte i for signature i.
pub fn pack_vs(parities: &[bool]) -> Result<B256, ReportError> {
    if parities.is_empty() || parities.len() > 32 {
        return Err(ReportError::BadSignerCount {
            count: parities.len(),
        });
    }
    let mut vs = B256::ZERO;
    for (byte, parity) in vs.0.iter_mut().zip(parities) {
        *byte = u8::from(*parity);
    }
    Ok(vs)
}

/// Signs `report` with every key of `signers` (pass exactly f + 1 of the DON's signers).
pub fn sign(
    report: &Report,
    config_digest: B256,
    signers: &[PrivateKeySigner],
) -> Result<SignedReport, ReportError> {
    if signers.is_empty() || signers.len() > 32 {
        return Err(ReportError::BadSignerCount {
            count: signers.len(),
        });
    }
    let raw_report = encode_report(report);
    let report_context = report_context(config_digest);
    let digest = report_digest(&raw_report, &report_context);
    let mut rs = Vec::with_capacity(signers.len());
    let mut ss = Vec::with_capacity(signers.len());
    let mut parities = Vec::with_capacity(signers.len());
    for signer in signers {
        let sig = signer
            .sign_hash_sync(&digest)
            .map_err(|e| ReportError::Sign {
                signer: signer.address(),
                reason: e.to_string(),
            })?;
        rs.push(B256::from(sig.r()));
        ss.push(B256::from(sig.s()));
        parities.push(sig.v());
    }
    Ok(SignedReport {
        report_context,
        raw_report,
        rs,
        ss,
        raw_vs: pack_vs(&parities)?,
    })
}

/// The calldata of `registry.transmit(reportContext, rawReport, rs, ss, rawVs)`.
pub fn transmit_calldata(signed: &SignedReport) -> Bytes {
    AutomationRegistry2_3::transmitCall {
        reportContext: signed.report_context,
        rawReport: signed.raw_report.clone(),
        rs: signed.rs.clone(),
        ss: signed.ss.clone(),
        rawVs: signed.raw_vs,
    }
    .abi_encode()
    .into()
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
