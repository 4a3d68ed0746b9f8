//! Building, signing and pricing one attempt: an EIP-1559 transaction at a fixed nonce, signed
//! locally, encoded as the EIP-2718 envelope that is persisted before it is broadcast.

use alloy::{
    eips::{BlockNumberOrTag, Encodable2718},
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};

use crate::model::gas::{Bid, FeeHistory};

/// What one attempt sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsigned {
    /// Chain id.
    pub chain_id: u64,
    /// Nonce.
    pub nonce: u64,
    /// Recipient.
    pub to: Address,
    /// Calldata.
    pub data: Bytes,
    /// Value, wei.
    pub value: U256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Fees.
    pub bid: Bid,
}

/// A signed attempt: its hash and the raw envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Transaction hash.
    pub hash: B256,
    /// EIP-2718 envelope, as `eth_sendRawTransaction` takes it.
    pub raw: Bytes,
}

/// Signs `tx` with `wallet` (no RPC).
pub async fn sign(wallet: &EthereumWallet, tx: &Unsigned) -> Result<Signed, String> {
    let request = TransactionRequest::default()
        .with_chain_id(tx.chain_id)
        .with_nonce(tx.nonce)
        .with_to(tx.to)
        .with_input(tx.data.clone())
        .with_value(tx.value)
        .with_gas_limit(tx.gas_limit)
        .with_max_fee_per_gas(tx.bid.max_fee_per_gas)
        .with_max_priority_fee_per_gas(tx.bid.max_priority_fee_per_gas);
    let envelope = request
        .build(wallet)
        .await
        .map_err(|e| format!("cannot sign: {e}"))?;
    Ok(Signed {
        hash: *envelope.tx_hash(),
        raw: Bytes::from(envelope.encoded_2718()),
    })
}

/// `eth_feeHistory` over the last `blocks` blocks at `percentile`, as the gas model reads it.
pub async fn fee_history(
    provider: &DynProvider,
    blocks: u64,
    percentile: f64,
) -> Result<FeeHistory, alloy::transports::TransportError> {
    let h = provider
        .get_fee_history(blocks, BlockNumberOrTag::Latest, &[percentile])
        .await?;
    Ok(FeeHistory {
        base_fees: h.base_fee_per_gas,
        rewards: h
            .reward
            .unwrap_or_default()
            .iter()
            .map(|r| r.first().copied().unwrap_or(0))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use alloy::{
        consensus::{Transaction, TxEnvelope},
        eips::Decodable2718,
        signers::local::PrivateKeySigner,
    };

    use super::*;

    #[tokio::test]
    async fn a_signed_attempt_decodes_to_what_was_asked() {
        let signer = PrivateKeySigner::random();
        let wallet = EthereumWallet::from(signer);
        let tx = Unsigned {
            chain_id: 31337,
            nonce: 7,
            to: Address::repeat_byte(2),
            data: Bytes::from_static(&[1, 2, 3]),
            value: U256::ZERO,
            gas_limit: 123_456,
            bid: Bid {
                max_fee_per_gas: 2_000,
                max_priority_fee_per_gas: 3,
            },
        };
        let s = sign(&wallet, &tx).await.unwrap();
        let env = TxEnvelope::decode_2718(&mut s.raw.as_ref()).unwrap();
        assert_eq!(*env.tx_hash(), s.hash);
        assert_eq!(env.nonce(), 7);
        assert_eq!(env.gas_limit(), 123_456);
        assert_eq!(env.max_fee_per_gas(), 2_000);
        assert_eq!(env.max_priority_fee_per_gas(), Some(3));
        assert_eq!(env.chain_id(), Some(31337));
        assert_eq!(env.to(), Some(Address::repeat_byte(2)));
        // The same request signs to the same bytes (RFC 6979): a resumed attempt is identical.
        assert_eq!(sign(&wallet, &tx).await.unwrap(), s);
    }
}
