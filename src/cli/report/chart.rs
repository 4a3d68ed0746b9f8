//! `report --chart`: for each balancer, its sampled drift against its trigger and clear bands
//! with its performs (drift at trigger) and fills marked; for each upkeep, its balance against
//! its refill threshold with its top-ups marked. Drawn with [`crate::cli::svg`]; x is the block.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::{Address, U256};

use super::ReportData;
use crate::{
    cli::svg::{self, Line, Marks, Panel, Shape},
    store::{BandChangeState, FundingState},
};

/// Balancers charted at most (those with the most performs first).
const MAX_BALANCERS: usize = 12;

fn whole(v: U256, decimals: Option<u8>) -> f64 {
    let scale = decimals.map_or(1.0, |d| 10f64.powi(i32::from(d)));
    f64::from(v) / scale
}

fn balancer_panel(d: &ReportData, b: Address) -> Panel {
    let samples = d.drift.get(&b).map(Vec::as_slice).unwrap_or_default();
    let pts = |f: &dyn Fn(&crate::store::DriftSample) -> Option<f64>| -> Vec<(f64, f64)> {
        samples
            .iter()
            .filter_map(|s| f(s).map(|y| (s.block as f64, y)))
            .collect()
    };
    let drift_at = |block: u64| {
        samples
            .iter()
            .rev()
            .find(|s| s.block <= block)
            .map_or(0.0, |s| s.drift_bps as f64)
    };
    let performs: Vec<(f64, f64)> = d
        .performs
        .iter()
        .filter(|(p, _)| p.target == b)
        .map(|(p, _)| (p.block as f64, f64::from(p.drift_before_bps)))
        .collect();
    let fills: Vec<(f64, f64)> = d
        .fills
        .iter()
        .filter(|f| f.balancer == b)
        .map(|f| (f.block as f64, drift_at(f.block)))
        .collect();
    let rules = d
        .bands
        .iter()
        .filter(|c| c.change.target == b && c.state == BandChangeState::Confirmed)
        .filter_map(|c| {
            c.block
                .map(|k| (k as f64, format!("bands {}", c.change.new_bands)))
        })
        .collect();
    Panel {
        title: format!("{}: drift against its bands", d.name(b)),
        x_label: "block".into(),
        y_label: "bps".into(),
        lines: vec![
            Line {
                name: "drift".into(),
                color: "#1c7ed6",
                dashed: false,
                step: false,
                points: pts(&|s| Some(s.drift_bps as f64)),
            },
            Line {
                name: "trigger band".into(),
                color: "#e03131",
                dashed: true,
                step: true,
                points: pts(&|s| Some(f64::from(s.band_bps))),
            },
            Line {
                name: "clear band".into(),
                color: "#2b8a3e",
                dashed: true,
                step: true,
                points: pts(&|s| s.clear_bps.map(f64::from)),
            },
        ],
        marks: vec![
            Marks {
                name: "perform (drift at trigger)".into(),
                color: "#f08c00",
                shape: Shape::Triangle,
                points: performs,
            },
            Marks {
                name: "fill".into(),
                color: "#7048e8",
                shape: Shape::Circle,
                points: fills,
            },
        ],
        rules,
    }
}

/// Amounts by block.
type Series = Vec<(u64, U256)>;

/// The balance of upkeep `id` over blocks: each reading, then every charge (down) and
/// confirmed top-up (up) after it until the next reading.
fn balance_series(d: &ReportData, registry: Address, id: U256) -> (Series, Series) {
    let samples: Vec<_> = d
        .upkeeps
        .iter()
        .filter(|s| s.registry == registry && s.upkeep_id == id)
        .collect();
    // (block, order, change): readings set, charges subtract, top-ups add; a reading at a
    // block already includes that block's events, so it sorts last.
    let mut events: Vec<(u64, u8, bool, U256)> = Vec::new();
    for c in d.charges.iter().filter(|c| c.upkeep_id == id) {
        events.push((c.block, 0, false, c.measured()));
    }
    for f in d
        .fundings
        .iter()
        .filter(|f| f.funding.upkeep_id == id && f.state == FundingState::Confirmed)
    {
        if let Some(b) = f.block {
            events.push((b, 0, true, f.funding.amount));
        }
    }
    for s in &samples {
        events.push((s.block, 1, true, s.balance));
    }
    events.sort_by_key(|e| (e.0, e.1));
    let mut balance: Option<U256> = None;
    let mut points = Vec::new();
    for (block, order, up, v) in events {
        balance = match (order, balance) {
            (1, _) => Some(v),
            (_, None) => None,
            (_, Some(b)) if up => Some(b.saturating_add(v)),
            (_, Some(b)) => Some(b.saturating_sub(v)),
        };
        if let Some(b) = balance {
            points.push((block, b));
        }
    }
    let thresholds = samples.iter().map(|s| (s.block, s.refill_at)).collect();
    (points, thresholds)
}

fn upkeep_panel(d: &ReportData, registry: Address, id: U256) -> Panel {
    let token = d
        .upkeeps
        .iter()
        .find(|s| s.registry == registry && s.upkeep_id == id)
        .map(|s| s.token);
    let decimals = token.and_then(|t| d.decimals.get(&t).copied());
    let unit = if decimals.is_some() {
        "tokens"
    } else {
        "base units"
    };
    let (balance, thresholds) = balance_series(d, registry, id);
    let topups = d
        .fundings
        .iter()
        .filter(|f| f.funding.upkeep_id == id && f.state == FundingState::Confirmed)
        .filter_map(|f| {
            f.block.map(|b| {
                let after = f.funding.balance_before.saturating_add(f.funding.amount);
                (b as f64, whole(after, decimals))
            })
        })
        .collect();
    let scaled = |v: Series| -> Vec<(f64, f64)> {
        v.into_iter()
            .map(|(b, x)| (b as f64, whole(x, decimals)))
            .collect()
    };
    Panel {
        title: format!("upkeep {id}: balance against its refill threshold"),
        x_label: "block".into(),
        y_label: format!("balance ({unit})"),
        lines: vec![
            Line {
                name: "balance".into(),
                color: "#1c7ed6",
                dashed: false,
                step: true,
                points: scaled(balance),
            },
            Line {
                name: "refill threshold".into(),
                color: "#e03131",
                dashed: true,
                step: true,
                points: scaled(thresholds),
            },
        ],
        marks: vec![Marks {
            name: "top-up".into(),
            color: "#2b8a3e",
            shape: Shape::Triangle,
            points: topups,
        }],
        rules: Vec::new(),
    }
}

/// The SVG document.
pub(super) fn document(d: &ReportData) -> String {
    let mut count: BTreeMap<Address, usize> = d.drift.keys().map(|b| (*b, 0)).collect();
    for (p, _) in &d.performs {
        *count.entry(p.target).or_default() += 1;
    }
    let mut balancers: Vec<(Address, usize)> = count.into_iter().collect();
    balancers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let shown = balancers.len().min(MAX_BALANCERS);
    let mut panels: Vec<Panel> = balancers
        .iter()
        .take(MAX_BALANCERS)
        .map(|(b, _)| balancer_panel(d, *b))
        .collect();
    let upkeeps: BTreeSet<(Address, U256)> = d
        .upkeeps
        .iter()
        .map(|s| (s.registry, s.upkeep_id))
        .collect();
    panels.extend(upkeeps.iter().map(|(r, id)| upkeep_panel(d, *r, *id)));
    let mut title = format!("onebalancer report, chain {}", d.chain_id);
    if balancers.len() > shown {
        title.push_str(&format!(
            " ({shown} of {} balancers, most performed first)",
            balancers.len()
        ));
    }
    if panels.is_empty() {
        panels.push(Panel {
            title: "no drift samples, performs or upkeep readings recorded yet".into(),
            x_label: "block".into(),
            y_label: "".into(),
            ..Panel::default()
        });
    }
    svg::document(&title, &panels)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy::primitives::{Address, U256};

    use super::*;
    use crate::{
        model::report::{Charge, Window, summarize},
        store::{FundingRecord, NewFunding, UpkeepSample},
    };

    fn data() -> ReportData {
        let window = Window {
            since_s: 0,
            now_s: 100,
        };
        ReportData {
            chain_id: 1,
            window,
            through_block: Some(30),
            names: BTreeMap::new(),
            performs: Vec::new(),
            fills: Vec::new(),
            charges: Vec::new(),
            summary: summarize(&[], &[], &[], &BTreeMap::new(), window),
            fundings: Vec::new(),
            bands: Vec::new(),
            drift: BTreeMap::new(),
            upkeeps: Vec::new(),
            decimals: BTreeMap::new(),
        }
    }

    fn charge(block: u64, amount: u64) -> Charge {
        Charge {
            block,
            at_s: block,
            upkeep_id: U256::from(7u8),
            target: Address::ZERO,
            token: Address::ZERO,
            gas_charge: U256::from(amount),
            premium: U256::ZERO,
            gas_used: U256::ZERO,
            gas_overhead: U256::ZERO,
            tx_gas_price: U256::ZERO,
            fast_gas_wei: U256::ZERO,
            gas_ceiling_multiplier: 1,
            link_usd: U256::ZERO,
            native_usd: U256::ZERO,
            billing_usd: U256::ZERO,
            decimals: 18,
            gas_fee_ppb: 0,
            flat_fee_milli_cents: 0,
        }
    }

    fn sample(block: u64, balance: u64) -> UpkeepSample {
        UpkeepSample {
            registry: Address::ZERO,
            upkeep_id: U256::from(7u8),
            block,
            at_s: block,
            token: Address::ZERO,
            balance: U256::from(balance),
            min_balance: U256::from(1u8),
            month: U256::from(50u8),
            refill_at: U256::from(50u8),
        }
    }

    #[test]
    fn the_balance_runs_from_each_reading_through_charges_and_top_ups() {
        let mut d = data();
        d.upkeeps = vec![sample(10, 100), sample(20, 125)];
        d.charges = vec![charge(5, 99), charge(12, 10), charge(18, 5)];
        d.fundings = vec![FundingRecord {
            id: 1,
            seq: 1,
            work: "fund/1".into(),
            funding: NewFunding {
                chain_id: 1,
                registry: Address::ZERO,
                upkeep_id: U256::from(7u8),
                sender: Address::ZERO,
                token: Address::ZERO,
                native: false,
                amount: U256::from(40u8),
                balance_before: U256::from(90u8),
                min_balance: U256::from(1u8),
                month: U256::from(50u8),
                month_source: "modelled".into(),
                refill_at: U256::from(50u8),
                target: U256::from(100u8),
                timing: "now".into(),
                gas_price: None,
            },
            state: FundingState::Confirmed,
            tx_hash: None,
            block: Some(15),
            gas_used: None,
            reason: None,
            created_at_ms: 0,
        }];
        let (balance, thresholds) = balance_series(&d, Address::ZERO, U256::from(7u8));
        let u = |b: u64, v: u64| (b, U256::from(v));
        // the charge before the first reading is not drawn; the reading at 20 resets it
        assert_eq!(
            balance,
            vec![u(10, 100), u(12, 90), u(15, 130), u(18, 125), u(20, 125)]
        );
        assert_eq!(thresholds, vec![u(10, 50), u(20, 50)]);
        let svg = document(&d);
        assert!(svg.contains("upkeep 7: balance against its refill threshold"));
    }
}
