//! Every figure of the economics document, as exact integers.

use crate::model::fees::{
    Budget,
    config::BudgetConfig,
    discrepancies,
    parse::parse_toml,
    units::{Decimal, exact},
};

fn budget() -> Budget {
    Budget::build(&BudgetConfig::default().validate().unwrap()).unwrap()
}

#[test]
fn per_upkeep_fees() {
    let b = budget();
    assert_eq!(b.per_upkeep[0].gas_equivalent, "264000");
    assert_eq!(b.per_upkeep[0].fee_wei, 79_200_000_000_000);
    assert_eq!(b.per_upkeep[1].gas_equivalent, "456000");
    assert_eq!(b.per_upkeep[1].fee_wei, 136_800_000_000_000);
    // 7.92e13 / 3.5e14 LINK = 0.226285714285714285714… → rounded up to the juel.
    assert_eq!(b.per_upkeep[0].fee_juels, 226_285_714_285_714_286);
    assert_eq!(b.per_upkeep[1].fee_juels, 390_857_142_857_142_858);
}

#[test]
fn drift_scenarios_monthly_and_annual() {
    let b = budget();
    let m: Vec<(u128, u128)> = b
        .drift
        .iter()
        .map(|r| (r.monthly_wei, r.annual_wei))
        .collect();
    assert_eq!(
        m,
        vec![
            (907_200_000_000_000, 10_886_400_000_000_000),
            (3_470_400_000_000_000, 41_644_800_000_000_000),
            (6_804_000_000_000_000, 81_648_000_000_000_000),
        ]
    );
    // 9.915428… LINK, not 9.91.
    assert_eq!(b.drift[1].monthly_juels, 9_915_428_571_428_571_429);
    assert_eq!(b.drift[1].fund_wei, 6_940_800_000_000_000);
    assert_eq!(b.drift[1].refill_wei, 3_470_400_000_000_000);
    assert_eq!(b.drift[1].monthly_usd_micros, 6_940_800);
}

#[test]
fn time_balancer_runs_thirty_sevenths_globals() {
    let b = budget();
    assert_eq!(b.time[1].global_per_month, "30/7");
    // 30 × 7.92e13 + 30/7 × 1.368e14 = 2.962285714285714285…e15 → up.
    assert_eq!(b.time[1].monthly_wei, 2_962_285_714_285_715);
    assert_eq!(b.time[0].monthly_wei, 1_219_885_714_285_715);
}

#[test]
fn fleets() {
    let b = budget();
    let f: Vec<(u128, u128)> = b
        .fleets
        .iter()
        .map(|r| (r.monthly_wei, r.annual_wei))
        .collect();
    assert_eq!(f[0], (90_720_000_000_000_000, 1_088_640_000_000_000_000));
    assert_eq!(f[1], (347_040_000_000_000_000, 4_164_480_000_000_000_000));
    assert_eq!(f[2], (680_400_000_000_000_000, 8_164_800_000_000_000_000));
    // 50 × 0.0034704 + 50 × 0.00121988571428… (Time Low, weekly)
    assert_eq!(f[3].0, 234_514_285_714_285_750); // 50 × each balancer's rounded month
    // The document's figure (Time Low priced as Drift Low).
    assert_eq!(f[4], (218_880_000_000_000_000, 2_626_560_000_000_000_000));
    assert_eq!(b.fleets[1].fund_wei, 694_080_000_000_000_000);
}

#[test]
fn sensitivity() {
    let b = budget();
    assert_eq!(b.sensitivity[1].monthly_wei, 6_940_800_000_000_000);
    assert_eq!(b.sensitivity[2].factor, "13/12");
    // 3.4704e15 × 1.3/1.2 = 3.7596e15 exactly.
    assert_eq!(b.sensitivity[2].monthly_wei, 3_759_600_000_000_000);
}

#[test]
fn extras() {
    let e = budget().extras;
    assert_eq!(e.min_balance.required_wei, 325_000_000_000_000);
    assert_eq!(e.min_balance.coverage_low_wei, 3_250_000_000_000_000);
    assert_eq!(e.min_balance.coverage_high_wei, 6_500_000_000_000_000);
    assert_eq!(e.posting[0].monthly_gas, 3_600_000);
    assert_eq!(e.posting[1].monthly_gas, 1_600_000);
    assert_eq!(e.posting[2].gas_only_wei, 1_560_000_000_000_000);
    assert_eq!(e.posting[2].with_premium_wei, 1_872_000_000_000_000);
    assert_eq!(e.sponsored[0].gas_only_wei, 840_000_000_000_000);
    assert_eq!(e.sponsored[1].gas_only_wei, 480_000_000_000_000);
    assert_eq!(e.sponsored[2].gas_only_wei, 1_320_000_000_000_000);
    assert_eq!(e.rails[2].native_wei, 3_470_400_000_000_000);
    assert_eq!(e.rails[2].link_juels, 9_915_428_571_428_571_429);
    assert_eq!(e.rails[2].cheaper, "either");
    let doc: Vec<(u128, i128)> = e
        .savings_document
        .iter()
        .map(|r| (r.monthly_wei, r.total_change_ppm))
        .collect();
    assert_eq!(
        doc,
        vec![
            (3_470_400_000_000_000, 0),
            (2_678_400_000_000_000, -228_216),
            (2_232_000_000_000_000, -356_846),
            (2_120_400_000_000_000, -389_004),
        ]
    );
    assert_eq!(e.savings_document[2].step_change_ppm, -166_667);
    assert_eq!(e.savings_exact[3].monthly_wei, 2_154_000_000_000_000);
    assert_eq!(e.fleet_savings[0].after_wei, 212_040_000_000_000_000);
    assert_eq!(e.fleet_savings[0].saved_wei, 135_000_000_000_000_000);
    assert_eq!(e.usd[1].usd_micros, 6_940_800);
    assert_eq!(e.gain.gain_usd_micros, 250_000_000);
    assert_eq!(e.gain.multiple_x100, 3601);
}

#[test]
fn discrepancy_figures() {
    let d = discrepancies();
    let correct = |section: &str, i: usize| {
        d.iter()
            .filter(|r| r.section == section)
            .nth(i)
            .unwrap()
            .correct
            .clone()
    };
    assert_eq!(
        correct("LINK Funding Guidance", 0),
        "9.915429 LINK (≈ 9.92)"
    );
    assert!(correct("Minimum Balance Buffer", 0).starts_with("325000000000000 wei"));
    assert_eq!(
        correct("Minimum Balance Buffer", 1),
        "0.00325 ETH – 0.0065 ETH"
    );
    assert!(correct("Minimum Balance Buffer", 2).starts_with("0.00243285 ETH"));
    assert_eq!(correct("Sponsored Gas", 0), "0.00084 ETH");
    assert!(correct("Sponsored Gas", 1).starts_with("0.00048 ETH (0.000576 ETH"));
    assert!(correct("Order Execution Gas", 0).starts_with("0.00156 ETH gas only, 0.001872 ETH"));
    assert_eq!(correct("Summary", 0), "0.010476 ETH");
    assert_eq!(correct("Example Savings, step 2", 0), "0.002232 ETH");
    assert_eq!(
        correct("Example Savings, net", 0),
        "38.90041 % (× 0.95 shortcut), 37.93222 % (exact)"
    );
    assert!(correct("TimeBalancer (Single)", 0).starts_with("0.002962285714285715 ETH"));
    assert!(correct("Fee Formula", 0).starts_with("0.0000744 ETH"));
    assert!(d.len() >= 15);
}

#[test]
fn config_overrides_and_errors() {
    let c =
        parse_toml("gas_price_gwei = 0.6\n[scenarios.base]\nstable = 20\nglobal = 8\n").unwrap();
    assert_eq!(c.gas_price_gwei, Decimal::new(6, 1));
    let b = Budget::build(&c.validate().unwrap()).unwrap();
    // 20 × 1.584e14 + 8 × 2.736e14
    assert_eq!(b.drift[1].monthly_wei, 5_356_800_000_000_000);

    let e = parse_toml("gas_price_gwei = -1")
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("gas_price_gwei = -1 is negative — "), "{e}");
    let e = parse_toml("gas_price_gwei = 20000")
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert!(e.contains("absurd"), "{e}");
    let e = parse_toml("premium_percent = 100")
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("premium_percent = 100 % is at or above 100 %"),
        "{e}"
    );
    let e = parse_toml("link_price_eth = 0")
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("link_price_eth = 0 is zero"), "{e}");
    let e = parse_toml("\ngas_price_gwei = true")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 2, column 18") && e.contains("gas_price_gwei = true"),
        "{e}"
    );
    assert!(!e.contains('\n'), "{e}");
    let e = parse_toml("gas_price = 1").unwrap_err().to_string();
    assert!(e.contains("unknown field `gas_price`"), "{e}");
    let e = parse_toml("[perform_gas]\nstable = -5")
        .unwrap_err()
        .to_string();
    assert!(e.contains("stable = -5"), "{e}");
}

#[test]
fn decimals_parse_exactly() {
    assert_eq!(Decimal::parse("0.30"), Some(Decimal::new(3, 1)));
    assert_eq!(Decimal::parse("1_000.5"), Some(Decimal::new(10005, 1)));
    assert_eq!(Decimal::parse("1e3"), None);
    assert_eq!(Decimal::parse("."), None);
    assert_eq!(Decimal::new(30, 2).to_scaled(9), Some(300_000_000));
    assert_eq!(Decimal::parse("0.0000000001").unwrap().to_scaled(9), None);
    assert_eq!(exact(3_470_400_000_000_000, 18), "0.0034704");
}
