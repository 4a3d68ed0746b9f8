//! What a portfolio run reports: each step with its gas, the upkeeps' funding against the
//! registry's minimum balance, and the total cost at the gas price.

use alloy::primitives::{Address, U256};

/// Gas assumed, in a dry run, for a call whose target does not exist yet (so the node cannot
/// estimate it): measured on anvil (e2e `portfolio`), rounded up. `Balancer.setManager`: 58,747.
pub const GAS_SET_MANAGER: u64 = 60_000;
/// `UpkeepManager.addBalancer` of a three-asset balancer (feed table writes): 299,073.
pub const GAS_ADD_BALANCER: u64 = 320_000;
/// A registrar registration (the registry deploys the upkeep's forwarder): 530,135–553,121.
pub const GAS_REGISTER: u64 = 600_000;
/// `setForwarder` on a balancer or manager: 41,555–47,170.
pub const GAS_SET_FORWARDER: u64 = 60_000;
/// `UpkeepManager.setKeystone`.
pub const GAS_SET_KEYSTONE: u64 = 80_000;

/// What happened (or would happen) to one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Created or sent now.
    Done,
    /// Recorded and unchanged: nothing sent.
    Unchanged,
    /// Dry run: would be sent.
    Would,
}

/// One step's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Manifest key.
    pub key: String,
    /// Result.
    pub status: Status,
    /// The contract created or called (predicted in a dry run; none for a registration that
    /// has not happened).
    pub address: Option<Address>,
    /// Gas: the node's estimate (dry run) or used (real run); none when unchanged.
    pub gas: Option<u64>,
    /// Whether `gas` is an assumption ([`GAS_REGISTER`] …) because the target does not exist yet.
    pub assumed: bool,
}

/// An upkeep's funding against the registry's minimum balance at the current prices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpkeepCost {
    /// Key of its target.
    pub key: String,
    /// Billing token symbol (`LINK`, `WETH`).
    pub symbol: String,
    /// First funding.
    pub funding: U256,
    /// `getMaxPaymentForGas` at its gas limit: the balance below which it is not performed.
    pub min_balance: U256,
    /// The core fee model's charge for one perform using its whole gas limit at the node's gas
    /// price and the registry's feeds now (`model::fees::registry`): the most a perform costs.
    pub perform_charge: U256,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every step, in order.
    pub lines: Vec<Line>,
    /// The gas price used for the cost (wei).
    pub gas_price: u128,
    /// Native coin sent as value (native-billed registrations).
    pub value: U256,
    /// Upkeeps to register (or registered now).
    pub upkeeps: Vec<UpkeepCost>,
}

impl Report {
    /// Total gas of the steps sent (or to send).
    pub fn gas(&self) -> u64 {
        self.lines.iter().filter_map(|l| l.gas).sum()
    }

    /// Gas × gas price + value, in native wei.
    pub fn native_cost(&self) -> U256 {
        U256::from(self.gas()) * U256::from(self.gas_price) + self.value
    }

    /// Whether anything was (or would be) sent.
    pub fn sends_anything(&self) -> bool {
        self.lines.iter().any(|l| l.status != Status::Unchanged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_is_gas_times_price_plus_value() {
        let line = |status, gas| Line {
            key: "k".into(),
            status,
            address: None,
            gas,
            assumed: false,
        };
        let mut r = Report {
            lines: vec![
                line(Status::Would, Some(300_000)),
                line(Status::Unchanged, None),
                line(Status::Would, Some(60_000)),
            ],
            gas_price: 2_000_000_000,
            value: U256::from(5_000_000_000_000_000u64),
            upkeeps: Vec::new(),
        };
        assert_eq!(r.gas(), 360_000);
        assert_eq!(
            r.native_cost(),
            U256::from(360_000u64 * 2_000_000_000 + 5_000_000_000_000_000)
        );
        assert!(r.sends_anything());
        r.lines.retain(|l| l.status == Status::Unchanged);
        assert!(!r.sends_anything());
    }
}
