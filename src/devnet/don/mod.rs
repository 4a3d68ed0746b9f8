//! A simulated Chainlink Automation DON against a live registry 2.3 — the Rust twin of the forge
//! simulator in `test/utils/AutomationStack.sol`.
//!
//! [`Don`] holds f + 1 of the registry's OCR signer keys and one transmitter's connection. A
//! [`Don::round`] does what the network does for conditional upkeeps: at the latest block it
//! simulates the registry's own `checkUpkeep(id)` for every upkeep (an `eth_call` from
//! `tx.origin` 0), puts every upkeep that needs work into **one** report (trigger = that block's
//! number and hash, gas limit = the upkeep's perform gas, fast gas and LINK/USD from the
//! registry's feeds), signs it ([`report`]) and transmits it. The registry then performs each
//! upkeep through its forwarder and charges it; the round returns the decoded
//! `UpkeepPerformed`/`UpkeepCharged` events ([`outcome`]).
//!
//! [`Don::set_stopped`] (or the shared [`Don::stop_switch`]) stops the simulated network: a round
//! then checks and transmits nothing, as when the real DON is down — what a keeper's fallback
//! path is for.

pub mod outcome;
pub mod report;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Instant,
};

use alloy::{
    eips::BlockId,
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
};

use crate::chain::{
    ChainError, Connection,
    bindings::{AutomationRegistry2_3, MockV3Aggregator},
    provider,
};
pub use outcome::{Check, FailureReason, Performed, Round, SkipReason, Skipped, Transmitted};
use report::ReportError;

/// `AutomationRegistryBase2_3.Trigger.CONDITION`.
pub const CONDITION_TRIGGER: u8 = 0;

/// Why the simulated DON cannot start or finish a round.
#[derive(Debug, thiserror::Error)]
pub enum DonError {
    /// Sending the report failed.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The report could not be built.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A read failed.
    #[error("{what} failed: {reason} — check the RPC endpoint and the registry address")]
    Read {
        /// What was read.
        what: String,
        /// The node's answer.
        reason: String,
    },
    /// Fewer keys than a report needs.
    #[error(
        "the DON simulator has {have} signer keys but registry {registry} has f = {f} and needs f + 1 = {need} signatures — give it more of the configured signers' keys"
    )]
    TooFewSigners {
        /// The registry.
        registry: Address,
        /// Keys given.
        have: usize,
        /// The registry's f.
        f: u8,
        /// f + 1.
        need: usize,
    },
    /// A key is not one of the registry's signers.
    #[error(
        "{signer} is not an active signer of registry {registry} — sign with the keys of the [don] signers the registry was configured with (on devnet: anvil accounts 1–4)"
    )]
    InactiveSigner {
        /// The registry.
        registry: Address,
        /// The key's address.
        signer: Address,
    },
    /// Two keys are the same signer.
    #[error(
        "signer {signer} is given twice — the registry rejects duplicate signatures; give f + 1 distinct signer keys"
    )]
    DuplicateSigner {
        /// The repeated address.
        signer: Address,
    },
    /// The transmitter is not one of the registry's transmitters.
    #[error(
        "{transmitter} is not an active transmitter of registry {registry} — transmit from one of the [don] transmitters (on devnet: anvil accounts 5–8)"
    )]
    InactiveTransmitter {
        /// The registry.
        registry: Address,
        /// The transmitter.
        transmitter: Address,
    },
    /// A feed answered a negative price.
    #[error("{what} answered {answer}, not a price — fix the feed at {feed}")]
    BadFeed {
        /// Which feed.
        what: &'static str,
        /// Where.
        feed: Address,
        /// The answer.
        answer: String,
    },
}

/// One upkeep of a report: what to perform and with how much gas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The upkeep.
    pub id: U256,
    /// The performData its check returned.
    pub perform_data: Bytes,
    /// Its perform gas limit.
    pub gas_limit: U256,
}

/// The block a round checks at.
#[derive(Debug, Clone, Copy)]
struct Head {
    number: u64,
    hash: B256,
    base_fee: u64,
}

/// The simulated DON.
#[derive(Clone)]
pub struct Don {
    registry: Address,
    reader: DynProvider,
    transmitter: Connection,
    signers: Vec<PrivateKeySigner>,
    fast_gas_feed: Address,
    link_usd_feed: Address,
    stopped: Arc<AtomicBool>,
}

impl std::fmt::Debug for Don {
    // Addresses only: the keys never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let signers: Vec<Address> = self.signers.iter().map(|s| s.address()).collect();
        f.debug_struct("Don")
            .field("registry", &self.registry)
            .field("transmitter", &self.transmitter.from)
            .field("signers", &signers)
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

impl Don {
    /// Connects to `registry` at `url`. Of `signers`, the first f + 1 (f read from the registry)
    /// sign every report; each must be an active signer of the registry, and `transmitter` an
    /// active transmitter.
    pub async fn connect(
        url: &str,
        registry: Address,
        signers: Vec<PrivateKeySigner>,
        transmitter: PrivateKeySigner,
    ) -> Result<Self, DonError> {
        let reader = provider::read_only(url)?;
        let r = AutomationRegistry2_3::new(registry, &reader);
        let f = read(r.getHotVars().call(), "registry.getHotVars()")
            .await?
            .f;
        let need = usize::from(f) + 1;
        if signers.len() < need {
            return Err(DonError::TooFewSigners {
                registry,
                have: signers.len(),
                f,
                need,
            });
        }
        let signers: Vec<PrivateKeySigner> = signers.into_iter().take(need).collect();
        for (i, s) in signers.iter().enumerate() {
            let address = s.address();
            if signers[..i].iter().any(|o| o.address() == address) {
                return Err(DonError::DuplicateSigner { signer: address });
            }
            let info = read(
                r.getSignerInfo(address).call(),
                format!("registry.getSignerInfo({address})"),
            )
            .await?;
            if !info.active {
                return Err(DonError::InactiveSigner {
                    registry,
                    signer: address,
                });
            }
        }
        let address = transmitter.address();
        let info = read(
            r.getTransmitterInfo(address).call(),
            format!("registry.getTransmitterInfo({address})"),
        )
        .await?;
        if !info.active {
            return Err(DonError::InactiveTransmitter {
                registry,
                transmitter: address,
            });
        }
        let fast_gas_feed = read(r.getFastGasFeedAddress().call(), "fast gas feed").await?;
        let link_usd_feed = read(r.getLinkUSDFeedAddress().call(), "LINK/USD feed").await?;
        let transmitter = provider::connect(url, transmitter).await?;
        Ok(Self {
            registry,
            reader,
            transmitter,
            signers,
            fast_gas_feed,
            link_usd_feed,
            stopped: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The registry served.
    pub fn registry(&self) -> Address {
        self.registry
    }

    /// The addresses of the f + 1 keys that sign every report.
    pub fn signers(&self) -> Vec<Address> {
        self.signers.iter().map(|s| s.address()).collect()
    }

    /// The transmitter's address.
    pub fn transmitter(&self) -> Address {
        self.transmitter.from
    }

    /// Stops (`true`) or restarts the simulated network.
    pub fn set_stopped(&self, stopped: bool) {
        self.stopped.store(stopped, Ordering::SeqCst);
    }

    /// Whether the network is stopped.
    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// The switch behind [`Don::set_stopped`], to share with whoever decides (a CLI flag, a test).
    pub fn stop_switch(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stopped)
    }

    /// Every active upkeep of the registry, as the network serves them all.
    pub async fn active_upkeeps(&self) -> Result<Vec<U256>, DonError> {
        let r = AutomationRegistry2_3::new(self.registry, &self.reader);
        let n = read(r.getNumUpkeeps().call(), "registry.getNumUpkeeps()").await?;
        if n.is_zero() {
            return Ok(Vec::new());
        }
        read(
            r.getActiveUpkeepIDs(U256::ZERO, U256::ZERO).call(),
            "registry.getActiveUpkeepIDs(0, 0)",
        )
        .await
    }

    /// The registry's `checkUpkeep(id)` at the latest block, simulated from `tx.origin` 0.
    pub async fn check(&self, id: U256) -> Result<Check, DonError> {
        let head = self.latest().await?;
        self.check_at(id, head.number).await
    }

    async fn check_at(&self, id: U256, block: u64) -> Result<Check, DonError> {
        let r = AutomationRegistry2_3::new(self.registry, &self.reader);
        let c = read(
            r.checkUpkeep(id)
                .from(Address::ZERO)
                .block(BlockId::number(block))
                .call(),
            format!("registry.checkUpkeep({id}) from 0x0 at block {block}"),
        )
        .await?;
        Ok(Check {
            id,
            needed: c.upkeepNeeded,
            perform_data: c.performData,
            failure: FailureReason::from_u8(c.upkeepFailureReason),
            gas_used: c.gasUsed,
            gas_limit: c.gasLimit,
            fast_gas_wei: c.fastGasWei,
            link_usd: c.linkUSD,
        })
    }

    /// One round: check every id at the latest block, transmit one report with every upkeep
    /// that needs work. Does nothing while stopped.
    pub async fn round(&self, ids: &[U256]) -> Result<Round, DonError> {
        if self.is_stopped() {
            return Ok(Round {
                stopped: true,
                ..Round::default()
            });
        }
        let started = Instant::now();
        let head = self.latest().await?;
        let block = head.number;
        let r = AutomationRegistry2_3::new(self.registry, &self.reader);
        let mut round = Round {
            block,
            ..Round::default()
        };
        for &id in ids {
            let kind = read(
                r.getTriggerType(id).call(),
                format!("registry.getTriggerType({id})"),
            )
            .await?;
            if kind != CONDITION_TRIGGER {
                round.unsupported.push((id, kind));
                continue;
            }
            round.checks.push(self.check_at(id, block).await?);
        }
        // `checkUpkeep` returns the upkeep's performGas as gasLimit, which is what
        // AutomationStack reads through `getUpkeep(id).performGas`.
        let due: Vec<Due> = round
            .checks
            .iter()
            .filter(|c| c.needed)
            .map(|c| Due {
                id: c.id,
                perform_data: c.perform_data.clone(),
                gas_limit: c.gas_limit,
            })
            .collect();
        if !due.is_empty() && !self.is_stopped() {
            round.transmitted = Some(self.transmit_at(&head, &due).await?);
        }
        round.elapsed = started.elapsed();
        Ok(round)
    }

    /// Signs and transmits one report for `due`, triggered at the latest block (whether or not
    /// the upkeeps need work: the registry decides what to perform and charge).
    pub async fn transmit(&self, due: &[Due]) -> Result<Transmitted, DonError> {
        let head = self.latest().await?;
        self.transmit_at(&head, due).await
    }

    /// Builds, signs and sends the report. The transmitter bids the fast-gas feed's price (as
    /// forge's `TX_GAS_PRICE` does), so the registry charges min(that, fast gas × multiplier)
    /// rather than whatever the local chain's base fee has decayed to.
    async fn transmit_at(&self, head: &Head, due: &[Due]) -> Result<Transmitted, DonError> {
        let r = AutomationRegistry2_3::new(self.registry, &self.reader);
        let (block, hash) = (head.number, head.hash);
        let at = BlockId::number(block);
        let config = read(
            r.latestConfigDetails().block(at).call(),
            "registry.latestConfigDetails()",
        )
        .await?;
        let fast_gas = self
            .feed_answer("fast gas feed", self.fast_gas_feed, at)
            .await?;
        let link_usd = self
            .feed_answer("LINK/USD feed", self.link_usd_feed, at)
            .await?;
        let trigger = report::conditional_trigger(block, hash)?;
        let report = report::report(
            fast_gas,
            link_usd,
            due.iter().map(|d| d.id).collect(),
            due.iter().map(|d| d.gas_limit).collect(),
            vec![trigger; due.len()],
            due.iter().map(|d| d.perform_data.clone()).collect(),
        )?;
        let signed = report::sign(&report, config.configDigest, &self.signers)?;
        let ids: Vec<String> = due.iter().map(|d| d.id.to_string()).collect();
        let priority = u128::try_from(fast_gas).unwrap_or(u128::MAX);
        let max_fee = priority.max(u128::from(head.base_fee).saturating_mul(2));
        let tx = TransactionRequest::default()
            .with_to(self.registry)
            .with_input(report::transmit_calldata(&signed))
            .with_max_priority_fee_per_gas(priority)
            .with_max_fee_per_gas(max_fee.saturating_add(priority));
        let what = format!("DON transmit of upkeeps [{}]", ids.join(", "));
        let receipt = self.transmitter.send(&what, tx).await?;
        let (performed, skipped) = outcome::decode_logs(self.registry, receipt.inner.logs());
        Ok(Transmitted {
            tx: receipt.transaction_hash,
            block: receipt.block_number,
            tx_gas_used: receipt.gas_used,
            performed,
            skipped,
        })
    }

    /// The latest block: its number and hash are the conditional trigger of this round.
    async fn latest(&self) -> Result<Head, DonError> {
        let block = self
            .reader
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| DonError::Read {
                what: "the latest block".into(),
                reason: e.to_string(),
            })?
            .ok_or_else(|| DonError::Read {
                what: "the latest block".into(),
                reason: "the node returned none".into(),
            })?;
        Ok(Head {
            number: block.header.number,
            hash: block.header.hash,
            base_fee: block.header.base_fee_per_gas.unwrap_or(0),
        })
    }

    async fn feed_answer(
        &self,
        what: &'static str,
        feed: Address,
        at: BlockId,
    ) -> Result<U256, DonError> {
        let round = read(
            MockV3Aggregator::new(feed, &self.reader)
                .latestRoundData()
                .block(at)
                .call(),
            format!("{what} latestRoundData()"),
        )
        .await?;
        if round.answer.is_negative() {
            return Err(DonError::BadFeed {
                what,
                feed,
                answer: round.answer.to_string(),
            });
        }
        Ok(round.answer.into_raw())
    }
}

async fn read<T, E: std::fmt::Display>(
    call: impl std::future::IntoFuture<Output = Result<T, E>>,
    what: impl Into<String>,
) -> Result<T, DonError> {
    call.await.map_err(|e| DonError::Read {
        what: what.into(),
        reason: e.to_string(),
    })
}
