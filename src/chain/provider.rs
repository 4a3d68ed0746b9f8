//! Connecting to an RPC endpoint and sending transactions that must land.

use std::time::Duration;

use alloy::transports::http::reqwest::Url;
use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, TxHash},
    providers::{
        DynProvider, Provider, ProviderBuilder,
        fillers::{ChainIdFiller, GasFiller},
    },
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
};

/// How long one RPC request may take before the endpoint counts as unreachable.
const RPC_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a sent transaction may take to be mined.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(180);

/// Chain I/O failures, each naming what was being done and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The URL does not parse.
    #[error("--rpc-url {url:?} is not a valid URL ({reason}) — pass e.g. http://127.0.0.1:8545")]
    BadUrl {
        /// The rejected text.
        url: String,
        /// Parser message.
        reason: String,
    },
    /// Nothing answered at the URL.
    #[error(
        "cannot reach the RPC at {url}: {reason} — check --rpc-url and that the node is running"
    )]
    Unreachable {
        /// The endpoint.
        url: String,
        /// Transport message.
        reason: String,
    },
    /// An RPC call failed.
    #[error("{what} failed: {reason}")]
    Rpc {
        /// What was being done.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// A transaction was mined but reverted.
    #[error("{what} reverted in transaction {tx} — inspect it with `cast run {tx}`")]
    Reverted {
        /// What was being done.
        what: String,
        /// The transaction.
        tx: TxHash,
    },
    /// A transaction was not mined in time.
    #[error(
        "{what}: transaction {tx} not mined within {secs} s — check the node and gas price, then re-run (finished steps are skipped)"
    )]
    NotMined {
        /// What was being done.
        what: String,
        /// The transaction.
        tx: TxHash,
        /// The timeout.
        secs: u64,
    },
}

/// An open connection with a signer.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The provider (gas, nonce and chain id filled; the signer's wallet attached).
    pub provider: DynProvider,
    /// The chain the endpoint serves.
    pub chain_id: u64,
    /// The endpoint, for messages.
    pub url: String,
    /// The signer's address.
    pub from: Address,
}

/// Parses an RPC URL.
pub fn parse_url(url: &str) -> Result<Url, ChainError> {
    url.parse::<Url>().map_err(|e| ChainError::BadUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })
}

/// Connects, proves the endpoint answers, and attaches the signer.
///
/// Nonces are read from the node's pending count for every transaction (never cached ahead of
/// it), so a failed broadcast cannot leave a gap.
pub async fn connect(url: &str, signer: PrivateKeySigner) -> Result<Connection, ChainError> {
    let parsed = parse_url(url)?;
    let chain_id = chain_id_of(url).await?;
    let from = signer.address();
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .filler(GasFiller::default())
        .with_simple_nonce_management()
        .filler(ChainIdFiller::new(Some(chain_id)))
        .wallet(EthereumWallet::from(signer))
        .connect_http(parsed)
        .erased();
    Ok(Connection {
        provider,
        chain_id,
        url: url.to_string(),
        from,
    })
}

/// A connection that can read but not sign, acting as `from` (for dry runs without a key).
pub async fn connect_read_only(url: &str, from: Address) -> Result<Connection, ChainError> {
    let chain_id = chain_id_of(url).await?;
    Ok(Connection {
        provider: read_only(url)?,
        chain_id,
        url: url.to_string(),
        from,
    })
}

/// A read-only provider for `url`.
pub fn read_only(url: &str) -> Result<DynProvider, ChainError> {
    Ok(ProviderBuilder::new()
        .connect_http(parse_url(url)?)
        .erased())
}

/// A read-only provider for `url` whose every request gives up after `timeout` (alloy's HTTP
/// transport waits for ever by default): what a long-running keeper needs, so a node that
/// stops answering is an error it can count and retry, not a hang.
pub fn read_only_with_timeout(url: &str, timeout: Duration) -> Result<DynProvider, ChainError> {
    let parsed = parse_url(url)?;
    let client = alloy::transports::http::reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| ChainError::Unreachable {
            url: url.to_string(),
            reason: format!("cannot build an HTTP client: {e}"),
        })?;
    let rpc = alloy::rpc::client::RpcClient::new_http_with_client(client, parsed);
    Ok(ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_client(rpc)
        .erased())
}

/// The chain id the endpoint reports, failing clearly when nothing answers.
pub async fn chain_id_of(url: &str) -> Result<u64, ChainError> {
    let provider = read_only(url)?;
    let unreachable = |reason: String| ChainError::Unreachable {
        url: url.to_string(),
        reason,
    };
    match tokio::time::timeout(RPC_TIMEOUT, provider.get_chain_id()).await {
        Ok(Ok(id)) => Ok(id),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
        Err(_) => Err(unreachable(format!(
            "no answer within {} s",
            RPC_TIMEOUT.as_secs()
        ))),
    }
}

impl Connection {
    /// The runtime code at `address` (empty when none).
    pub async fn code_at(&self, address: Address) -> Result<Bytes, ChainError> {
        self.provider
            .get_code_at(address)
            .await
            .map_err(|e| ChainError::Rpc {
                what: format!("eth_getCode({address})"),
                reason: e.to_string(),
            })
    }

    /// The signer's confirmed transaction count.
    pub async fn nonce(&self) -> Result<u64, ChainError> {
        self.provider
            .get_transaction_count(self.from)
            .await
            .map_err(|e| ChainError::Rpc {
                what: format!("eth_getTransactionCount({})", self.from),
                reason: e.to_string(),
            })
    }

    /// Sends `tx`, waits for it to be mined, and fails unless it succeeded.
    pub async fn send(
        &self,
        what: &str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, ChainError> {
        let tx = tx.with_from(self.from);
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| ChainError::Rpc {
                what: what.to_string(),
                reason: e.to_string(),
            })?;
        let hash = *pending.tx_hash();
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(|_| ChainError::NotMined {
                what: what.to_string(),
                tx: hash,
                secs: RECEIPT_TIMEOUT.as_secs(),
            })?;
        if !receipt.status() {
            return Err(ChainError::Reverted {
                what: what.to_string(),
                tx: hash,
            });
        }
        Ok(receipt)
    }

    /// Deploys `init_code` with CREATE and returns the receipt and the new address.
    pub async fn deploy(
        &self,
        what: &str,
        init_code: Bytes,
    ) -> Result<(TransactionReceipt, Address), ChainError> {
        let tx = TransactionRequest::default().with_deploy_code(init_code);
        let receipt = self.send(what, tx).await?;
        let address = receipt.contract_address.ok_or_else(|| ChainError::Rpc {
            what: what.to_string(),
            reason: format!(
                "receipt {} has no contract address",
                receipt.transaction_hash
            ),
        })?;
        Ok((receipt, address))
    }

    /// Calls `to` with `data`.
    pub async fn call(
        &self,
        what: &str,
        to: Address,
        data: Bytes,
    ) -> Result<TransactionReceipt, ChainError> {
        self.send(
            what,
            TransactionRequest::default().with_to(to).with_input(data),
        )
        .await
    }

    /// Calls `to` with `data` under an explicit gas limit instead of the node's estimate: for
    /// calls whose cost depends on the block they land in (see [`FEED_UPDATE_GAS`]).
    pub async fn call_with_gas(
        &self,
        what: &str,
        to: Address,
        data: Bytes,
        gas: u64,
    ) -> Result<TransactionReceipt, ChainError> {
        self.send(
            what,
            TransactionRequest::default()
                .with_to(to)
                .with_input(data)
                .with_gas_limit(gas),
        )
        .await
    }
}

/// Gas for one `MockV3Aggregator.updateAnswer`, sent with this limit rather than the node's
/// estimate. The estimate runs in a block that may share the stored `latestTimestamp`'s second,
/// where rewriting it is a no-op store (100 gas); mined one block later it costs 2,900, and a
/// transaction estimated to the gas runs out (seen as a reverted price update under load). The
/// update itself uses at most about 95,000.
pub const FEED_UPDATE_GAS: u64 = 150_000;

/// A URL for messages: scheme, host and port only — paths, queries and credentials often hold
/// API keys, so they become `/…` (a URL that does not parse is returned as given).
pub fn redact(s: &str) -> String {
    match Url::parse(s) {
        Ok(url) => match url.host_str() {
            Some(host) => {
                let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
                let more = url.path() != "/" || url.query().is_some();
                let tail = if more { "/…" } else { "" };
                format!("{}://{host}{port}{tail}", url.scheme())
            }
            None => format!("{}:…", url.scheme()),
        },
        Err(_) => s.to_string(),
    }
}

/// keccak256 of the code at an address, as recorded in manifests.
pub fn code_hash(code: &[u8]) -> B256 {
    alloy::primitives::keccak256(code)
}
