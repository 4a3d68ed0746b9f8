//! The report per target and for the fleet, from the store's records.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::Address;
use serde::Serialize;

use super::{
    Charge, Fill, FillStats, Perform, PerformStats, TokenCharges, charges_by_token, fill_stats,
    perform_stats,
};

/// What the report covers.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Its start, unix s.
    pub since_s: u64,
    /// Its end (now), unix s.
    pub now_s: u64,
}

/// One target's (or the fleet's) figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Performs.
    pub performs: PerformStats,
    /// Fills.
    pub fills: FillStats,
    /// Charges by billing token.
    pub charges: BTreeMap<Address, TokenCharges>,
}

impl Figures {
    /// The largest charge model error over the billing tokens, percent (`None`: no charge).
    pub fn charge_model_error_pct(&self) -> Option<f64> {
        self.charges
            .values()
            .filter_map(|t| t.error_pct)
            .reduce(f64::max)
    }
}

/// A target's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetFigures {
    /// The balancer or manager.
    pub address: Address,
    /// Its figures: a manager's include its members' performs and fills.
    pub figures: Figures,
}

/// The whole report's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The fleet.
    pub fleet: Figures,
    /// Each target, by address.
    pub targets: Vec<TargetFigures>,
}

/// A perform with the manager that performed it, if any.
pub type Performed = (Perform, Option<Address>);

/// Summarises the records of the window.
pub fn summarize(
    performs: &[Performed],
    fills: &[Fill],
    charges: &[Charge],
    members: &BTreeMap<Address, Address>,
    w: Window,
) -> Summary {
    let mut addresses: BTreeSet<Address> = BTreeSet::new();
    for (p, via) in performs {
        addresses.insert(p.target);
        addresses.extend(via.iter().copied());
    }
    addresses.extend(fills.iter().map(|f| f.balancer));
    addresses.extend(charges.iter().map(|c| c.target));
    let figures = |a: Option<Address>| {
        let mine =
            |target: Address, via: Option<Address>| a.is_none_or(|a| target == a || via == Some(a));
        let fleet_of = |b: Address| members.get(&b).copied();
        let all_charges: Vec<&Charge> = charges
            .iter()
            .filter(|c| a.is_none_or(|a| c.target == a))
            .collect();
        Figures {
            performs: perform_stats(
                performs
                    .iter()
                    .filter(|(p, via)| mine(p.target, *via))
                    .map(|(p, _)| p),
            ),
            fills: fill_stats(
                fills
                    .iter()
                    .filter(|f| mine(f.balancer, fleet_of(f.balancer))),
            ),
            charges: charges_by_token(&all_charges, w.since_s, w.now_s),
        }
    };
    Summary {
        fleet: figures(None),
        targets: addresses
            .into_iter()
            .map(|a| TargetFigures {
                address: a,
                figures: figures(Some(a)),
            })
            .collect(),
    }
}
