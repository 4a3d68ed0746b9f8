//! Target sets from manifests, duplicates, contracts and paths.

use std::path::PathBuf;

use alloy::primitives::U256;

use super::*;

// ---- manifests -------------------------------------------------------------------------------

fn manifest_json() -> String {
    format!(
        r#"{{
  "schema": 1,
  "chainId": 31337,
  "balancers": [
    {{ "key": "drift_balancer", "kind": "DriftBalancer", "address": "{A1}",
       "upkeep": {{ "id": "0x2a", "gasLimit": 500000 }} }},
    {{ "key": "time_balancer", "kind": "TimeBalancer", "address": "{A2}" }}
  ],
  "fleet": {{ "manager": "{A3}", "balancers": [ {{ "key": "f0", "kind": "DriftBalancer",
       "address": "0x9999999999999999999999999999999999999999" }} ], "upkeep": {{ "id": "0x10" }} }},
  "fleets": [ {{ "manager": "{A4}", "balancers": [], "upkeep": {{ "id": "7" }} }} ],
  "somethingNew": true
}}"#
    )
}

fn with_set(extra: &str) -> String {
    format!("[chain]\nrpc_url = \"http://x:1\"\nchain_id = 31337\n{extra}")
}

#[test]
fn reports_name_the_targets_and_the_fleet_members() {
    let dir = tempfile::tempdir().unwrap();
    let members = format!(
        r#"{{ "chainId": 31337, "fleets": [ {{ "manager": "{A5}", "balancers": [
           {{ "address": "0x8888888888888888888888888888888888888888" }} ] }} ] }}"#
    );
    write(dir.path(), ".devnet/demo.json", &manifest_json());
    write(dir.path(), "more.json", &members);
    let text = with_set(
        "[[target_sets]]\nmanifest = \".devnet/demo.json\"\n[[target_sets]]\nmanifest = \"more.json\"\n",
    );
    let c = parse_in(&text, dir.path(), &[]).unwrap();
    let names = c.target_names().unwrap();
    let name = |a: &str| names.get(&addr(a)).map(String::as_str);
    assert_eq!(name(A1), Some("drift_balancer"));
    assert_eq!(name(A3), Some("fleet"));
    // a member by its manifest key, or by its place in its fleet
    assert_eq!(
        name("0x9999999999999999999999999999999999999999"),
        Some("f0")
    );
    assert_eq!(
        name("0x8888888888888888888888888888888888888888"),
        Some("fleets[0].members[0]")
    );
}

#[test]
fn target_sets_read_balancers_and_fleets() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".devnet/demo.json", &manifest_json());
    let text = with_set(
        "[perform]\ngrace_blocks = 4\n[[target_sets]]\nmanifest = \".devnet/demo.json\"\nmode = \"primary\"\n",
    );
    let c = parse_in(&text, dir.path(), &[]).unwrap();
    c.validate().unwrap();
    let t = c.targets().unwrap();
    let base = "target_sets[0] (.devnet/demo.json)";
    let summary: Vec<_> = t
        .iter()
        .map(|t| {
            (
                t.address,
                t.kind,
                t.name.as_str(),
                t.upkeep_id,
                t.origin.clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                addr(A1),
                Some(TargetKind::Balancer),
                "drift_balancer",
                Some(U256::from(42u64)),
                format!("{base} balancers[0]")
            ),
            (
                addr(A2),
                Some(TargetKind::Balancer),
                "time_balancer",
                None,
                format!("{base} balancers[1]")
            ),
            (
                addr(A3),
                Some(TargetKind::Manager),
                "fleet",
                Some(U256::from(16u64)),
                format!("{base} fleet")
            ),
            (
                addr(A4),
                Some(TargetKind::Manager),
                "fleets[0]",
                Some(U256::from(7u64)),
                format!("{base} fleets[0]")
            ),
        ]
    );
    assert!(
        t.iter()
            .all(|t| t.mode == Mode::Primary && t.grace_blocks == 4)
    );
}

#[test]
fn devnet_manifests_list_targets_under_demo() {
    let dir = tempfile::tempdir().unwrap();
    let json = format!(
        r#"{{ "schema": 1, "chainId": 31337, "contracts": {{}},
  "demo": {{ "assets": [], "balancers": [ {{ "key": "drift_balancer", "address": "{A1}" }} ],
            "fleet": {{ "manager": "{A2}", "tx": "0x00", "balancers": [], "upkeep": {{ "id": "0x1" }} }} }} }}"#
    );
    write(dir.path(), "manifest.json", &json);
    let c = parse_in(
        &with_set("[[target_sets]]\nmanifest = \"manifest.json\"\n"),
        dir.path(),
        &[],
    )
    .unwrap();
    let t = c.targets().unwrap();
    assert_eq!(t.len(), 2);
    assert_eq!(
        t[0].origin,
        "target_sets[0] (manifest.json) demo.balancers[0]"
    );
    assert_eq!(
        (t[1].kind, t[1].name.as_str()),
        (Some(TargetKind::Manager), "fleet")
    );
    assert_eq!(t[1].origin, "target_sets[0] (manifest.json) demo.fleet");
}

#[test]
fn bad_manifests_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let set = with_set("[[target_sets]]\nmanifest = \"m.json\"\n");
    let check = |json: Option<&str>, parts: &[&str]| {
        let path = dir.path().join("m.json");
        match json {
            Some(j) => std::fs::write(&path, j).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
        let c = parse_in(&set, dir.path(), &[]).unwrap();
        let msg = c.validate().unwrap_err().to_string();
        assert_has(&msg, parts);
        assert_has(
            &msg,
            &["target_sets[0].manifest", &path.display().to_string()],
        );
    };
    check(None, &["cannot read it", "onebalancer devnet"]);
    check(
        Some("{ \"balancers\": [ \n"),
        &["is not a usable manifest", "line 2"],
    );
    check(
        Some("{ \"chainId\": 1, \"balancers\": [] }"),
        &[
            "is for chain 1 but chain.chain_id = 31337",
            "set chain.chain_id = 1",
        ],
    );
    check(
        Some("{ \"balancers\": [ { \"key\": \"x\", \"address\": \"0x12\" } ] }"),
        &["\"0x12\" is not an address", "line 1"],
    );
    // A manifest that lists nothing, and no explicit targets: nothing to keep.
    std::fs::write(dir.path().join("m.json"), "{ \"chainId\": 31337 }").unwrap();
    let c = parse_in(&set, dir.path(), &[]).unwrap();
    assert!(matches!(
        c.targets(),
        Err(KeeperConfigError::NoTargets { .. })
    ));
    let msg = parse(&with_set(""))
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert_has(&msg, &["no targets", "[[targets]]", "[[target_sets]]"]);
}

#[test]
fn a_target_listed_twice_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "demo.json", &manifest_json());
    let twice = format!("{BASE}[[targets]]\naddress = \"{A1}\"\n");
    let msg = parse(&twice).unwrap().validate().unwrap_err().to_string();
    assert_has(
        &msg,
        &[&format!(
            "target {} is listed twice, as targets[0] and as targets[1]",
            addr(A1)
        )],
    );
    let set = "[[target_sets]]\nmanifest = \"demo.json\"\n";
    let explicit_and_set = format!("{BASE}{set}");
    let msg = parse_in(&explicit_and_set, dir.path(), &[])
        .unwrap()
        .targets()
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &["as targets[0] and as target_sets[0] (demo.json) balancers[0]"],
    );
    let two_sets = with_set(&format!("{set}{set}"));
    let msg = parse_in(&two_sets, dir.path(), &[])
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[
            "as target_sets[0] (demo.json) balancers[0] and as target_sets[1] (demo.json) balancers[0]",
        ],
    );
}

#[test]
fn contracts_come_from_the_file_then_the_manifest_then_the_canonical_address() {
    let dir = tempfile::tempdir().unwrap();
    let json = format!(
        r#"{{ "chainId": 31337, "contracts": {{ "multicall3": {{ "address": "{A2}", "artifact": "M" }},
             "registry": {{ "address": "{A3}" }}, "link": {{ "address": "{A4}" }} }} }}"#
    );
    write(dir.path(), "d.json", &json);
    let c = parse_in(
        &format!("{BASE}\n[contracts]\nmanifest = \"d.json\"\n"),
        dir.path(),
        &[],
    )
    .unwrap();
    c.validate().unwrap();
    assert_eq!(c.multicall3().unwrap(), addr(A2));
    assert_eq!(c.registry().unwrap(), Some(addr(A3)));
    let text = format!("{BASE}\n[contracts]\nmanifest = \"d.json\"\nregistry = \"{A5}\"\n");
    let c = parse_in(&text, dir.path(), &[]).unwrap();
    assert_eq!(c.registry().unwrap(), Some(addr(A5)));
    write(
        dir.path(),
        "d.json",
        "{ \"chainId\": 8453, \"contracts\": {} }",
    );
    let msg = c.validate().unwrap_err().to_string();
    assert_has(
        &msg,
        &[
            "contracts.manifest",
            "is for chain 8453 but chain.chain_id = 31337",
        ],
    );
    write(
        dir.path(),
        "d.json",
        "{ \"contracts\": { \"registry\": { \"address\": \"nope\" } } }",
    );
    let msg = c.multicall3().unwrap_err().to_string();
    assert_has(
        &msg,
        &["contracts.registry.address = \"nope\" is not an address"],
    );
}

// ---- paths -----------------------------------------------------------------------------------

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "conf/demo.json", &manifest_json());
    let text = format!(
        "{BASE}\n[keeper]\nkeystore = \"keys/k.json\"\ndata_dir = \"state\"\n\n[[target_sets]]\nmanifest = \"demo.json\"\n"
    )
    .replace(A1, A5);
    let path = write(dir.path(), "conf/keeper.toml", &text);
    let c = KeeperConfig::load_with_env(&path, &[]).unwrap();
    c.validate().unwrap();
    let conf = dir.path().join("conf");
    assert_eq!(c.base_dir(), conf);
    assert_eq!(c.file(), path.display().to_string());
    assert_eq!(c.keystore_path(), Some(conf.join("keys/k.json")));
    assert_eq!(c.data_dir(), conf.join("state"));
    assert_eq!(
        c.store_location().unwrap(),
        StoreLocation::Sqlite(conf.join("state/keeper.sqlite"))
    );
    assert_eq!(c.targets().unwrap().len(), 5);
    // Absolute paths stay; store URLs.
    let store = |s: &str| {
        let text = format!("{BASE}\n[keeper]\nstore = \"{s}\"\n");
        parse_in(&text, &conf, &[]).unwrap().store_location()
    };
    assert_eq!(
        store("db/k.sqlite").unwrap(),
        StoreLocation::Sqlite(conf.join("db/k.sqlite"))
    );
    assert_eq!(
        store("/var/k.sqlite").unwrap(),
        StoreLocation::Sqlite(PathBuf::from("/var/k.sqlite"))
    );
    assert_eq!(
        store("sqlite://k.db").unwrap(),
        StoreLocation::Sqlite(conf.join("k.db"))
    );
    assert_eq!(
        store("sqlite:k.db").unwrap(),
        StoreLocation::Sqlite(conf.join("k.db"))
    );
    assert_eq!(
        store("sqlite:///srv/k.db").unwrap(),
        StoreLocation::Sqlite(PathBuf::from("/srv/k.db"))
    );
    let pg = "postgres://keeper:hunter2@db/keeper";
    assert_eq!(store(pg).unwrap(), StoreLocation::Postgres(pg.into()));
    let msg = store("mysql://keeper:hunter2@db/keeper")
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[
            "keeper.store = \"mysql://…@db/keeper\" has the unsupported scheme",
            "postgres://",
        ],
    );
    assert!(!msg.contains("hunter2"), "{msg}");
    let msg = store("sqlite::memory:").unwrap_err().to_string();
    assert_has(&msg, &["names no database file"]);
    let msg = store("sqlite:k.db?mode=rwc").unwrap_err().to_string();
    assert_has(&msg, &["has URL parameters"]);
}

#[test]
fn load_reads_the_file_and_reports_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let msg = KeeperConfig::load_with_env(&missing, &[])
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &["cannot read keeper config", &missing.display().to_string()],
    );
    let path = write(
        dir.path(),
        "k.toml",
        &format!("{BASE}\n[scan]\nevery_blocks = 0\n"),
    );
    let msg = KeeperConfig::load(&path)
        .unwrap()
        .validate()
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[&format!(
            "keeper config {}: scan.every_blocks = 0",
            path.display()
        )],
    );
    let path = write(dir.path(), "k.toml", "[chain]\nchain_id = 1\nbogus = 2\n");
    let msg = KeeperConfig::load_with_env(&path, &[])
        .unwrap_err()
        .to_string();
    assert_has(
        &msg,
        &[&format!(
            "keeper config {}:3:1: chain.bogus",
            path.display()
        )],
    );
}
