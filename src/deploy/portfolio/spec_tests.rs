//! One test per rule: each bad value is refused with the field, the value and the fix.

use super::*;

/// The example with `edit` applied to its TOML text.
fn with(edit: impl FnOnce(&mut toml::Table)) -> Result<PortfolioSpec, SpecError> {
    let mut t: toml::Table =
        toml::from_str(include_str!("../../../script/portfolio.example.toml")).unwrap();
    edit(&mut t);
    PortfolioSpec::from_toml(&toml::to_string(&t).unwrap(), "p.toml")
}

fn table<'a>(t: &'a mut toml::Table, path: &[&str]) -> &'a mut toml::Table {
    path.iter().fold(t, |t, k| {
        t.entry(k.to_string())
            .or_insert_with(|| toml::Value::Table(Default::default()))
            .as_table_mut()
            .unwrap()
    })
}

fn set(path: &[&str], key: &str, v: impl Into<toml::Value>) -> Result<PortfolioSpec, SpecError> {
    let v = v.into();
    with(|t| {
        table(t, path).insert(key.into(), v);
    })
}

fn refused(r: Result<PortfolioSpec, SpecError>, needles: &[&str]) {
    let msg = r.unwrap_err().to_string();
    for n in needles {
        assert!(msg.contains(n), "{n:?} not in: {msg}");
    }
    assert!(!msg.contains('\n'), "one line: {msg}");
}

#[test]
fn the_example_is_valid_and_defaults_are_the_fixture() {
    let s = example();
    assert_eq!(s.balancers.len(), 2);
    assert_eq!(s.balancers["core"].params.drift_bps, 250);
    assert_eq!(s.balancers["calendar"].params, ParamsSpec::default());
    assert_eq!(s.balancers["calendar"].params.order_ttl_secs, 600);
    assert_eq!(s.stack.protocol_version, "4");
    assert_eq!(
        s.managers["main"].upkeep.as_ref().unwrap().funding,
        U256::from(10u64).pow(U256::from(19u64))
    );
}

#[test]
fn unknown_fields_are_named() {
    refused(
        set(&["balancers", "core"], "target_bps", 1),
        &["target_bps", "p.toml"],
    );
}

#[test]
fn targets_must_sum_to_10000_one_per_asset() {
    refused(
        set(
            &["balancers", "core"],
            "targets_bps",
            vec![3000, 2000, 4000],
        ),
        &["balancers.core.targets_bps", "sum 9000", "exactly 10000"],
    );
    refused(
        set(&["balancers", "core"], "targets_bps", vec![5000, 5000]),
        &[
            "balancers.core.targets_bps",
            "2 targets",
            "one target per asset (3)",
        ],
    );
}

#[test]
fn assets_must_be_declared_once_and_fit_the_factory() {
    refused(
        set(
            &["balancers", "core"],
            "assets",
            vec!["USDC", "DAI", "WBTC"],
        ),
        &["balancers.core.assets = WBTC", "[assets.<name>]"],
    );
    refused(
        set(&["balancers", "core"], "assets", vec!["USDC", "DAI", "DAI"]),
        &["balancers.core.assets = DAI", "once"],
    );
    refused(
        set(&["balancers", "core"], "assets", Vec::<String>::new()),
        &["balancers.core.assets = 0 assets", "1 to 16"],
    );
}

#[test]
fn heartbeat_zero_is_refused() {
    refused(
        set(&["assets", "DAI"], "heartbeat_secs", 0),
        &["assets.DAI.heartbeat_secs = 0", "heartbeat in seconds"],
    );
}

#[test]
fn deviation_zero_addresses_and_shared_tokens_are_refused() {
    refused(
        set(&["assets", "DAI"], "deviation_bps", 2001),
        &["assets.DAI.deviation_bps = 2001", "at most 2000"],
    );
    let zero = Address::ZERO.to_string();
    refused(
        set(&["assets", "DAI"], "feed", zero.clone()),
        &["assets.DAI.feed"],
    );
    refused(
        set(&["assets", "DAI"], "token", zero),
        &["assets.DAI.token"],
    );
    let usdc = "0x1111111111111111111111111111111111111111";
    refused(
        set(&["assets", "DAI"], "token", usdc),
        &["assets.USDC.token", "same token"],
    );
}

#[test]
fn params_mirror_the_contract_bounds() {
    let p = ["balancers", "core", "params"];
    for (key, value, needle) in [
        ("drift_bps", 0, "1 to 5000"),
        ("drift_bps", 5001, "1 to 5000"),
        ("clear_bps", 250, "0 to 249"),
        ("stable_drift_bps", 0, "1 to 5000"),
        ("stable_clear_bps", 100, "0 to 99"),
        ("depeg_bps", 0, "1 to 5000"),
        ("max_slippage_bps", 501, "0 to 500"),
        ("grid_levels", 0, "1 to 8"),
        ("grid_levels", 9, "1 to 8"),
        ("grid_spacing_bps", 101, "0 to 100"),
        ("stable_cooldown_secs", 2_592_001, "0 to 2592000"),
        ("global_cooldown_secs", 2_592_001, "0 to 2592000"),
        ("order_ttl_secs", 59, "60 to 86400"),
        ("order_ttl_secs", 86_401, "60 to 86400"),
    ] {
        let field = format!("balancers.core.params.{key} = {value}");
        refused(set(&p, key, value), &[&field, needle]);
    }
}

#[test]
fn limits_and_costs_are_bounded() {
    let l = ["balancers", "core", "limits"];
    refused(
        set(&l, "min_drift_bps", 600),
        &["limits.min_drift_bps = 600", "1 to 500"],
    );
    refused(
        set(&l, "max_drift_bps", 5001),
        &["limits.max_drift_bps = 5001"],
    );
    refused(
        set(&l, "min_stable_drift_bps", 0),
        &["limits.min_stable_drift_bps = 0"],
    );
    refused(
        set(&l, "max_stable_drift_bps", 9000),
        &["limits.max_stable_drift_bps = 9000"],
    );
    let c = ["balancers", "core", "costs"];
    refused(
        set(&c, "global_gas_estimate", 3_000_000),
        &["costs.global_gas_estimate = 3000000", "0 to 2097120"],
    );
}

#[test]
fn calendars_belong_to_time_balancers_only() {
    refused(
        with(|t| {
            table(t, &["balancers", "calendar"]).remove("calendar");
        }),
        &["balancers.calendar.calendar = missing", "interval_secs"],
    );
    refused(
        set(&["balancers", "core", "calendar"], "interval_secs", 86_400),
        &["balancers.core.calendar", "no calendar"],
    );
    let c = ["balancers", "calendar", "calendar"];
    refused(
        set(&c, "interval_secs", 60),
        &["calendar.interval_secs = 60", "3600"],
    );
    refused(
        set(&c, "dust_floor_bps", 176),
        &["calendar.dust_floor_bps = 176", "0 to 175"],
    );
}

#[test]
fn automation_is_one_upkeep_or_one_manager() {
    refused(
        set(&["balancers", "core"], "manager", "other"),
        &["balancers.core.manager = other", "[managers.<name>]"],
    );
    refused(
        with(|t| {
            let own = table(t, &["balancers", "calendar", "upkeep"]).clone();
            table(t, &["balancers", "core"]).insert("upkeep".into(), own.into());
        }),
        &["balancers.core.upkeep", "served by manager main"],
    );
    let k = ["managers", "main", "keystone"];
    let a = "0x3333333333333333333333333333333333333333";
    refused(
        with(|t| {
            table(t, &k).insert("forwarder".into(), a.into());
            table(t, &k).insert("workflow_owner".into(), a.into());
        }),
        &["managers.main", "choose one"],
    );
    // A round budget given: the upkeep's gas limit must cover it plus the manager's own gas.
    refused(
        with(|t| {
            table(t, &["managers", "main", "upkeep"]).insert("gas_limit".into(), 1_000_000.into());
            table(t, &["managers", "main", "config"])
                .insert("round_gas_budget".into(), 1_300_000.into());
        }),
        &[
            "managers.main.upkeep.gas_limit = 1000000",
            "at least 1500000",
            "lower config.round_gas_budget",
        ],
    );
    // None given: it is the gas limit less 200,000, within the manager's bounds.
    let s = set(&["managers", "main", "upkeep"], "gas_limit", 1_000_000).unwrap();
    assert_eq!(s.managers["main"].round_gas_budget(), 800_000);
    refused(
        set(&["managers", "main", "upkeep"], "gas_limit", 250_000),
        &[
            "managers.main.config.round_gas_budget = 50000",
            "100000..=30000000",
        ],
    );
    refused(
        set(&["managers", "main", "config"], "max_per_round", 0),
        &["managers.main.config.max_per_round = 0", "1..=220"],
    );
    refused(
        set(&["managers", "main", "config"], "member_check_gas", 10),
        &[
            "managers.main.config.member_check_gas = 10",
            "50000..=5000000",
        ],
    );
    let u = ["balancers", "calendar", "upkeep"];
    refused(
        set(&u, "gas_limit", 0),
        &["calendar.upkeep.gas_limit = 0", "at least 10000"],
    );
    refused(
        set(&u, "funding", "79228162514264337593543950336"),
        &["calendar.upkeep.funding", "uint96"],
    );
}

#[test]
fn at_least_one_balancer() {
    refused(
        with(|t| {
            t.remove("balancers");
        }),
        &["balancers", "at least one"],
    );
}
