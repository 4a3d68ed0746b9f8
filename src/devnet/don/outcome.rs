//! What a DON round saw and did: the registry's check results, and what a transmitted report
//! performed and charged (decoded from the registry's events in the receipt).

use std::time::Duration;

use alloy::{
    primitives::{Address, Bytes, LogData, TxHash, U256},
    rpc::types::Log,
    sol_types::SolEvent,
};

use crate::chain::bindings::AutomationRegistry2_3::{
    CancelledUpkeepReport, ReorgedUpkeepReport, StaleUpkeepReport, UpkeepCharged, UpkeepPerformed,
};
pub use crate::chain::registry::FailureReason;

/// The registry's `checkUpkeep(id)`, simulated from `tx.origin` 0 at one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The upkeep.
    pub id: U256,
    /// `upkeepNeeded`.
    pub needed: bool,
    /// `performData` (the target's revert data when the check reverted).
    pub perform_data: Bytes,
    /// Why nothing is to be done, or [`FailureReason::None`].
    pub failure: FailureReason,
    /// Gas the target's check used.
    pub gas_used: U256,
    /// The upkeep's perform gas limit.
    pub gas_limit: U256,
    /// Fast gas price the registry read (0 on early failures).
    pub fast_gas_wei: U256,
    /// LINK/USD the registry read (0 on early failures).
    pub link_usd: U256,
}

/// One `UpkeepPerformed` with its `UpkeepCharged` receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Performed {
    /// The upkeep.
    pub id: U256,
    /// Whether the target's `performUpkeep` succeeded (it is charged either way).
    pub success: bool,
    /// Charged to the upkeep's balance, in its billing token: gas charge + premium.
    pub total_payment: U256,
    /// Gas the target's `performUpkeep` used.
    pub gas_used: U256,
    /// This upkeep's share of the report's overhead gas.
    pub gas_overhead: U256,
    /// The billing token (from `UpkeepCharged`; zero if the registry emitted none).
    pub billing_token: Address,
    /// Gas charge part of the payment, in the billing token.
    pub gas_charge: U256,
    /// Premium part of the payment, in the billing token.
    pub premium: U256,
}

/// Why the registry skipped an upkeep of a transmitted report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Performed at or after the report's trigger block already.
    Stale,
    /// The trigger block is not on the chain (or not in the past).
    Reorged,
    /// Cancelled (at or before the perform's block).
    Cancelled,
}

/// An upkeep of a transmitted report that the registry did not perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    /// The upkeep.
    pub id: U256,
    /// The registry's event.
    pub reason: SkipReason,
}

/// A transmitted report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmitted {
    /// The transmit transaction.
    pub tx: TxHash,
    /// Its block.
    pub block: Option<u64>,
    /// Gas of the whole transaction.
    pub tx_gas_used: u64,
    /// The upkeeps performed, in report order.
    pub performed: Vec<Performed>,
    /// The upkeeps the registry skipped.
    pub skipped: Vec<Skipped>,
}

/// One round of the simulated DON.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Round {
    /// The network is stopped: nothing was checked or transmitted.
    pub stopped: bool,
    /// The block every check ran at (its number and hash are the conditional trigger).
    pub block: u64,
    /// Every conditional upkeep's check, in the order asked.
    pub checks: Vec<Check>,
    /// Upkeeps not served (ids with their trigger type): the simulator builds conditional
    /// triggers only.
    pub unsupported: Vec<(U256, u8)>,
    /// The report, when any check found work.
    pub transmitted: Option<Transmitted>,
    /// Wall time of the round, from the first read to the receipt.
    pub elapsed: Duration,
}

impl Round {
    /// The upkeeps performed in this round.
    pub fn performed(&self) -> &[Performed] {
        self.transmitted
            .as_ref()
            .map_or(&[], |t| t.performed.as_slice())
    }
}

/// Decodes the registry's perform, charge and skip events among `logs` (other emitters ignored).
/// The registry emits each upkeep's `UpkeepCharged` right before its `UpkeepPerformed`.
pub fn decode_logs(registry: Address, logs: &[Log]) -> (Vec<Performed>, Vec<Skipped>) {
    let mut performed = Vec::new();
    let mut skipped = Vec::new();
    let mut charge: Option<UpkeepCharged> = None;
    for log in logs.iter().filter(|l| l.address() == registry) {
        let inner = &log.inner;
        if let Ok(c) = UpkeepCharged::decode_log_data(&inner.data) {
            charge = Some(c);
        } else if let Ok(p) = UpkeepPerformed::decode_log_data(&inner.data) {
            let receipt = charge.take().filter(|c| c.id == p.id).map(|c| c.receipt);
            performed.push(Performed {
                id: p.id,
                success: p.success,
                total_payment: U256::from(p.totalPayment),
                gas_used: p.gasUsed,
                gas_overhead: p.gasOverhead,
                billing_token: receipt.as_ref().map_or(Address::ZERO, |r| r.billingToken),
                gas_charge: receipt
                    .as_ref()
                    .map_or(U256::ZERO, |r| U256::from(r.gasChargeInBillingToken)),
                premium: receipt.map_or(U256::ZERO, |r| U256::from(r.premiumInBillingToken)),
            });
        } else if let Some(s) = skip(&inner.data) {
            skipped.push(s);
        }
    }
    (performed, skipped)
}

fn skip(data: &LogData) -> Option<Skipped> {
    let (id, reason) = if let Ok(e) = StaleUpkeepReport::decode_log_data(data) {
        (e.id, SkipReason::Stale)
    } else if let Ok(e) = ReorgedUpkeepReport::decode_log_data(data) {
        (e.id, SkipReason::Reorged)
    } else if let Ok(e) = CancelledUpkeepReport::decode_log_data(data) {
        (e.id, SkipReason::Cancelled)
    } else {
        return None;
    };
    Some(Skipped { id, reason })
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Log as PrimLog, address};

    use super::*;
    use crate::chain::bindings::AutomationRegistry2_3::PaymentReceipt;

    const REGISTRY: Address = address!("1000000000000000000000000000000000000001");
    const LINK: Address = address!("2000000000000000000000000000000000000002");

    fn log(address: Address, data: LogData) -> Log {
        Log {
            inner: PrimLog { address, data },
            ..Log::default()
        }
    }

    fn charged(id: u64, gas: u64, premium: u64) -> LogData {
        UpkeepCharged {
            id: U256::from(id),
            receipt: PaymentReceipt {
                gasChargeInBillingToken: alloy::primitives::Uint::from(gas),
                premiumInBillingToken: alloy::primitives::Uint::from(premium),
                gasReimbursementInJuels: alloy::primitives::Uint::ZERO,
                premiumInJuels: alloy::primitives::Uint::ZERO,
                billingToken: LINK,
                linkUSD: alloy::primitives::Uint::ZERO,
                nativeUSD: alloy::primitives::Uint::ZERO,
                billingUSD: alloy::primitives::Uint::ZERO,
            },
        }
        .encode_log_data()
    }

    fn performed(id: u64, success: bool, total: u64) -> LogData {
        UpkeepPerformed {
            id: U256::from(id),
            success,
            totalPayment: alloy::primitives::Uint::from(total),
            gasUsed: U256::from(100_000u64 + id),
            gasOverhead: U256::from(80_000u64),
            trigger: Bytes::new(),
        }
        .encode_log_data()
    }

    #[test]
    fn performs_are_paired_with_their_charges_and_skips_are_named() {
        let logs = vec![
            log(REGISTRY, charged(7, 30, 12)),
            log(REGISTRY, performed(7, true, 42)),
            // Another contract's events are ignored, even with the registry's signatures.
            log(LINK, performed(9, true, 1)),
            log(
                REGISTRY,
                StaleUpkeepReport {
                    id: U256::from(8u8),
                    trigger: Bytes::new(),
                }
                .encode_log_data(),
            ),
            log(REGISTRY, charged(5, 3, 1)),
            log(REGISTRY, performed(5, false, 4)),
            log(
                REGISTRY,
                CancelledUpkeepReport {
                    id: U256::from(6u8),
                    trigger: Bytes::new(),
                }
                .encode_log_data(),
            ),
        ];
        let (performed, skipped) = decode_logs(REGISTRY, &logs);
        assert_eq!(performed.len(), 2);
        let p = &performed[0];
        assert_eq!(
            (p.id, p.success, p.total_payment),
            (U256::from(7u8), true, U256::from(42u8))
        );
        assert_eq!(
            (p.billing_token, p.gas_charge, p.premium),
            (LINK, U256::from(30u8), U256::from(12u8))
        );
        assert_eq!(p.gas_used, U256::from(100_007u64));
        assert_eq!(
            (performed[1].id, performed[1].success),
            (U256::from(5u8), false)
        );
        assert_eq!(
            skipped,
            vec![
                Skipped {
                    id: U256::from(8u8),
                    reason: SkipReason::Stale
                },
                Skipped {
                    id: U256::from(6u8),
                    reason: SkipReason::Cancelled
                }
            ]
        );
    }
}
