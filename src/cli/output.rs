//! Everything the CLI prints for people: tables and the one-line error.
#![allow(clippy::print_stdout, clippy::print_stderr)] // this module is the CLI's output

use alloy::primitives::U256;

use crate::{
    deploy::{Outcome, Status, manifest::Manifest},
    devnet::{
        demo::state::BalancerState,
        record::{DemoBalancerRecord, FleetRecord},
    },
    model::hub::units::format_decimal,
};

/// `error: …` on stderr.
pub(crate) fn error_line(line: &str) {
    eprintln!("error: {line}");
}

/// Prints a line on stdout.
pub(crate) fn line(text: &str) {
    println!("{text}");
}

/// The deployment report: contracts, then configuration calls.
pub(crate) fn deployment(outcomes: &[Outcome], manifest: &Manifest) {
    println!("{:<28} {:<42} {:>9}  status", "contract", "address", "code");
    for o in outcomes
        .iter()
        .filter(|o| manifest.contracts.contains_key(o.key) || is_deploy(&o.status))
    {
        let size = manifest
            .contracts
            .get(o.key)
            .map(|c| format!("{} B", group(c.code_size)))
            .unwrap_or_else(|| "-".into());
        let address = o
            .address
            .map(|a| a.to_string())
            .unwrap_or_else(|| "-".into());
        println!("{:<28} {:<42} {:>9}  {}", o.key, address, size, o.status);
    }
    let calls: Vec<&Outcome> = outcomes.iter().filter(|o| is_call(&o.status)).collect();
    if !calls.is_empty() {
        println!("{:<28} {:<42} {:>9}  status", "configuration", "target", "");
        for o in calls {
            let address = o
                .address
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into());
            println!("{:<28} {:<42} {:>9}  {}", o.key, address, "", o.status);
        }
    }
}

fn is_deploy(s: &Status) -> bool {
    matches!(s, Status::WouldDeploy(_))
}

fn is_call(s: &Status) -> bool {
    matches!(
        s,
        Status::Called | Status::AlreadyApplied | Status::SkippedExternal | Status::WouldCall
    )
}

/// The devnet demo balancers: per balancer its value, drift and `checkUpkeep`, then one line per
/// asset (balance, value, weight against target).
pub(crate) fn demo_balancers(states: &[BalancerState]) {
    println!(
        "demo balancers: owned and controlled by the deployer, performed by Chainlink Automation through the registry's forwarders"
    );
    for b in states {
        let calendar = if b.interval > 0 {
            format!(
                ", calendar every {} s",
                group_digits(&b.interval.to_string())
            )
        } else {
            String::new()
        };
        println!(
            "{:<16} {} {}  total value {}  drift {} bps (band {}), stables {} bps{calendar}",
            b.key,
            b.address,
            b.kind,
            usd(b.total_value),
            b.drift_bps,
            b.drift_band_bps,
            b.stable_drift_bps,
        );
        println!(
            "  {:<6} {:>22} {:>16} {:>9} {:>9}",
            "asset", "balance", "value", "weight", "target"
        );
        for a in &b.assets {
            let stable = if a.stable { "  stable" } else { "" };
            println!(
                "  {:<6} {:>22} {:>16} {:>9} {:>9}{stable}",
                a.symbol,
                amount(a.balance, a.decimals),
                usd(a.value),
                percent(a.weight_bps),
                percent(U256::from(a.target_bps)),
            );
        }
        println!(
            "  checkUpkeep (eth_call from 0x0): needed {}, performData {}",
            b.upkeep_needed, b.perform_data
        );
    }
}

/// The demo balancers' Automation upkeeps: id, billing token, funding, gas limit, forwarder.
pub(crate) fn demo_upkeeps(balancers: &[DemoBalancerRecord]) {
    println!("automation upkeeps (registry 2.3, registered through the registrar):");
    for b in balancers {
        match &b.upkeep {
            Some(u) => println!(
                "{:<16} upkeep {}  billed in {}, funded {} {}, gas limit {}, forwarder {}",
                b.key,
                u.id,
                u.billing_symbol,
                amount(u.funded, 18),
                u.billing_symbol,
                group(usize::try_from(u.gas_limit).unwrap_or(usize::MAX)),
                u.forwarder
            ),
            None => println!("{:<16} not registered", b.key),
        }
    }
}

/// The manager-served fleet: the manager, its members and its one upkeep.
pub(crate) fn demo_fleet(fleet: &FleetRecord) {
    let u = &fleet.upkeep;
    println!(
        "fleet            UpkeepManager {} serving {} DriftBalancers (${} each): one upkeep {} billed in {}, funded {} {}, gas limit {}, forwarder {}",
        fleet.manager,
        fleet.balancers.len(),
        group(
            usize::try_from(fleet.balancers.first().map_or(0, |b| b.funded_usd))
                .unwrap_or(usize::MAX)
        ),
        u.id,
        u.billing_symbol,
        amount(u.funded, 18),
        u.billing_symbol,
        group(usize::try_from(u.gas_limit).unwrap_or(usize::MAX)),
        u.forwarder
    );
    for b in &fleet.balancers {
        println!("  {:<14} {}", b.key, b.address);
    }
}

/// USD with 18 decimals → "$100,000.00" (cents rounded down).
fn usd(value_e18: U256) -> String {
    let cents = value_e18 / U256::from(10u64).pow(U256::from(16u64));
    let whole = cents / U256::from(100u64);
    let frac = cents % U256::from(100u64);
    format!(
        "${}.{:0>2}",
        group_digits(&whole.to_string()),
        frac.to_string()
    )
}

/// Token units → "20,000.00" (every significant digit, at least two decimals).
pub(crate) fn amount(units: U256, decimals: u8) -> String {
    let text = format_decimal(units, decimals, 2);
    match text.split_once('.') {
        Some((whole, frac)) => format!("{}.{frac}", group_digits(whole)),
        None => group_digits(&text),
    }
}

/// Basis points → "20.00 %".
fn percent(bps: U256) -> String {
    let hundred = U256::from(100u64);
    format!("{}.{:0>2} %", bps / hundred, (bps % hundred).to_string())
}

/// 24006 → "24,006".
pub(crate) fn group(n: usize) -> String {
    group_digits(&n.to_string())
}

/// "1234567" → "1,234,567".
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(24_006), "24,006");
        assert_eq!(group(1_234_567), "1,234,567");
    }

    #[test]
    fn formats_money_weights_and_amounts() {
        let e = |n: u64| U256::from(10u64).pow(U256::from(n));
        assert_eq!(usd(U256::from(100_000u64) * e(18)), "$100,000.00");
        assert_eq!(usd(U256::from(123_456u64) * e(14)), "$12.34"); // 12.3456 rounds down
        assert_eq!(usd(U256::ZERO), "$0.00");
        assert_eq!(amount(U256::from(50_000_000u64), 8), "0.50");
        assert_eq!(amount(U256::from(20_000u64) * e(18), 18), "20,000.00");
        assert_eq!(amount(U256::from(1_234_567u64), 6), "1.234567");
        assert_eq!(percent(U256::from(2000u64)), "20.00 %");
        assert_eq!(percent(U256::from(5u64)), "0.05 %");
    }
}
