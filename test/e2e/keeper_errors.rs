//! `onebalancer keeper check-config` and `keeper run` on bad input: an unreachable RPC, a wrong
//! chain id, a target that is not a balancer or manager (or not of its configured kind), a keeper
//! that is not allow-listed, a malformed key, a wrong or missing keystore password, an unknown
//! field, a key in the file, a refused override, too small a balance. Each gets one `error:` line
//! naming the field or thing, the value where it is no secret, and the fix; exit code 1; no
//! secret echoed; nothing sent (the keeper's nonce stays 0). `run` refuses at start, before
//! serving. One devnet (DON stopped, prices still, no keeper of its own) serves every case; each
//! case edits a copy of the `keeper.toml` the devnet wrote for the keeper it does not run.

use std::{
    path::Path,
    process::{Child, Output},
    time::Instant,
};

use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use onebalancer::{
    chain::provider,
    deploy::{config::ANVIL_DEV_ACCOUNTS, manifest::Manifest},
    devnet::record::DemoRecord,
};
use toml::{Table, Value};

use crate::{
    devnet::{ctrl_c, spawn_devnet},
    keeper_devnet::KEEPER,
    support::*,
};

/// anvil's development key 10 (public knowledge): the devnet's keeper, inside its keystore.
const KEEPER_KEY: &str = "f214f2b2cd398c806f84e317254e0f0b801d0643303237d97a22a48e01628897";
/// anvil's development key 3 (public knowledge): funded, never allow-listed on the demo targets.
const OTHER_KEY: &str = "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
/// The devnet keeper's keystore password.
const PASSWORD: &str = "devnet";
/// A wrong password, distinctive enough to search the output for.
const WRONG_PASSWORD: &str = "hunter2-not-it";
/// How long `keeper run` may take to refuse before it counts as serving (it is then stopped with
/// SIGTERM and exits 0, which fails the case).
const RUN_LIMIT_SECS: &str = "30";

/// Kills the devnet if a case panics before the clean Ctrl-C at the end.
struct Devnet(Option<Child>);

impl Drop for Devnet {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// One bad input.
struct Case {
    name: &'static str,
    /// Edits the devnet's `keeper.toml`.
    edit: Box<dyn Fn(&mut Table)>,
    /// The environment on top of `run_bin`'s clean one.
    env: Vec<(&'static str, String)>,
    /// What the one error line must contain (with the placeholders of [`expand`]).
    needles: Vec<String>,
    /// What must appear nowhere in the output.
    secrets: Vec<String>,
    /// The account whose nonce must stay unchanged.
    signer: Address,
}

impl Case {
    fn new(name: &'static str, edit: impl Fn(&mut Table) + 'static) -> Self {
        Self {
            name,
            edit: Box::new(edit),
            env: vec![("ONEBALANCER_KEYSTORE_PASSWORD", PASSWORD.into())],
            needles: Vec::new(),
            secrets: vec![KEEPER_KEY.into(), OTHER_KEY.into()],
            signer: KEEPER,
        }
    }

    fn env(mut self, env: Vec<(&'static str, String)>) -> Self {
        self.env = env;
        self
    }

    fn needles(mut self, needles: &[&str]) -> Self {
        self.needles = needles.iter().map(ToString::to_string).collect();
        self
    }

    fn secret(mut self, s: &str) -> Self {
        self.secrets.push(s.into());
        self
    }

    fn signer(mut self, a: Address) -> Self {
        self.signer = a;
        self
    }
}

/// `[section]` of `t`, created when missing.
fn section<'a>(t: &'a mut Table, name: &str) -> &'a mut Table {
    t.entry(name)
        .or_insert_with(|| Value::Table(Table::new()))
        .as_table_mut()
        .unwrap()
}

/// Replaces the devnet's target sets by one `[[targets]]` entry.
fn only_target(t: &mut Table, address: Address, kind: Option<&str>) {
    t.remove("target_sets");
    let mut entry = Table::new();
    entry.insert("address".into(), Value::String(address.to_string()));
    if let Some(k) = kind {
        entry.insert("kind".into(), Value::String(k.into()));
    }
    t.insert("targets".into(), Value::Array(vec![Value::Table(entry)]));
}

/// Copies the devnet's files (manifest, demo record, keystore, `keeper.toml`) into a fresh
/// folder, so relative paths still resolve, and writes `keeper.toml` edited by `edit`.
fn case_config(devnet_dir: &Path, edit: &dyn Fn(&mut Table)) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(devnet_dir).unwrap().flatten() {
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
        }
    }
    let path = dir.path().join("keeper.toml");
    let mut table: Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    edit(&mut table);
    std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
    (dir, path.display().to_string())
}

/// `onebalancer keeper <command> --config <config>` with `env`, `run` bounded in time.
fn keeper(command: &str, config: &str, env: &[(&str, String)]) -> Output {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if command == "run" {
        run_bin(
            "timeout",
            &[
                RUN_LIMIT_SECS,
                onebalancer_bin(),
                "keeper",
                "run",
                "--config",
                config,
            ],
            &env,
        )
    } else {
        run_bin(
            onebalancer_bin(),
            &["keeper", command, "--config", config],
            &env,
        )
    }
}

async fn nonce(reader: &DynProvider, who: Address) -> u64 {
    reader.get_transaction_count(who).await.unwrap()
}

/// A needle with its placeholders filled in: `{config}` (the case's `keeper.toml`), `{dir}` (its
/// folder); a needle `{line_of}TEXT` becomes `<config>:<line>`, the 1-based line of the first line
/// of the config containing TEXT.
fn expand(needle: &str, config: &str, dir: &Path) -> String {
    if let Some(what) = needle.strip_prefix("{line_of}") {
        let text = std::fs::read_to_string(config).unwrap();
        let line = text.lines().position(|l| l.contains(what)).unwrap() + 1;
        return format!("{config}:{line}");
    }
    needle
        .replace("{config}", config)
        .replace("{dir}", &dir.display().to_string())
}

#[tokio::test]
async fn bad_keeper_input_gets_one_line_and_sends_nothing() {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let manifest_path = dir.path().join("devnet.json");
    let (child, manifest, demo) = spawn_devnet(
        &manifest_path,
        &[
            ("ONEBALANCER_DON_STOPPED", "1"),
            ("ONEBALANCER_DEVNET_PRICE_SECS", "0"),
            ("ONEBALANCER_DEVNET_NO_KEEPER", "1"),
        ],
    );
    let mut devnet = Devnet(Some(child));
    let url = manifest.rpc_url.clone().unwrap();
    let reader = provider::read_only(&url).unwrap();
    let other = ANVIL_DEV_ACCOUNTS[3];
    assert_eq!(
        PrivateKeySigner::from_slice(&alloy::hex::decode(KEEPER_KEY).unwrap())
            .unwrap()
            .address(),
        KEEPER
    );
    assert_eq!(
        PrivateKeySigner::from_slice(&alloy::hex::decode(OTHER_KEY).unwrap())
            .unwrap()
            .address(),
        other
    );
    assert_eq!(
        nonce(&reader, KEEPER).await,
        0,
        "the devnet's keeper sent nothing"
    );
    assert_eq!(nonce(&reader, other).await, 0, "account 3 sent nothing");
    println!("devnet up after {:.1} s", started.elapsed().as_secs_f64());

    good_config_checks_out(dir.path(), &demo, &reader).await;

    let mut failures = Vec::new();
    for case in cases(&manifest, &demo, &url) {
        let (case_dir, config) = case_config(dir.path(), &*case.edit);
        let needles: Vec<String> = case
            .needles
            .iter()
            .map(|n| expand(n, &config, case_dir.path()))
            .collect();
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        for command in ["check-config", "run"] {
            let before = nonce(&reader, case.signer).await;
            let o = keeper(command, &config, &case.env);
            let err = stderr(&o);
            println!(
                "{} / {command}: {}",
                case.name,
                err.lines()
                    .find(|l| l.starts_with("error:"))
                    .unwrap_or("(no error line)")
            );
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                assert_one_error_line(&o, &needles);
                let out = format!("{}{err}", stdout(&o));
                for s in &case.secrets {
                    assert!(!out.contains(s.as_str()), "{s:?} echoed:\n{out}");
                }
            }));
            if let Err(e) = checked {
                let why = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(ToString::to_string))
                    .unwrap_or_default();
                failures.push(format!("{} / {command}: {why}", case.name));
            }
            let after = nonce(&reader, case.signer).await;
            if after != before || after != 0 {
                failures.push(format!(
                    "{} / {command}: the nonce of {} went from {before} to {after}, expected 0",
                    case.name, case.signer
                ));
            }
            // Refused before the store: the devnet config's data_dir was not even created.
            if case_dir.path().join("keeper").exists() {
                failures.push(format!("{} / {command}: created the store", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n\n")
    );

    ctrl_c(devnet.0.take().unwrap());
    println!("all cases in {:.1} s", started.elapsed().as_secs_f64());
}

/// The devnet's own `keeper.toml` passes: a line per target saying it is allow-listed, nothing
/// sent.
async fn good_config_checks_out(devnet_dir: &Path, demo: &DemoRecord, reader: &DynProvider) {
    let config = devnet_dir.join("keeper.toml");
    let o = keeper(
        "check-config",
        config.to_str().unwrap(),
        &[("ONEBALANCER_KEYSTORE_PASSWORD", PASSWORD.into())],
    );
    let out = stdout(&o);
    assert!(o.status.success(), "{}{out}", stderr(&o));
    println!("good config:\n{out}");
    let fleet = demo.fleet.as_ref().unwrap();
    let targets: Vec<Address> = demo
        .balancers
        .iter()
        .map(|b| b.address)
        .chain([fleet.manager])
        .collect();
    let listed: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("target ") && l.ends_with("; keeper allow-listed"))
        .collect();
    assert_eq!(listed.len(), targets.len(), "{out}");
    for (line, address) in listed.iter().zip(&targets) {
        assert!(line.contains(&address.to_string()), "{line}");
    }
    assert!(
        out.contains(&format!("key: keeper address {KEEPER}")),
        "{out}"
    );
    assert!(
        out.contains("check-config: ok — 3 targets, nothing was sent"),
        "{out}"
    );
    assert!(!out.contains(KEEPER_KEY) && !stderr(&o).contains(KEEPER_KEY));
    assert_eq!(nonce(reader, KEEPER).await, 0);
}

fn cases(manifest: &Manifest, demo: &DemoRecord, url: &str) -> Vec<Case> {
    let drift = demo.balancers[0].address;
    let multicall3 = manifest.address("multicall3").unwrap();
    let registry = manifest.address("registry").unwrap();
    let eoa = ANVIL_DEV_ACCOUNTS[8];
    let other = ANVIL_DEV_ACCOUNTS[3];
    let malformed = format!("0x{}zz", "12".repeat(31));
    let url = url.to_string();
    vec![
        Case::new("unreachable rpc_url", |t| {
            section(t, "chain").insert("rpc_url".into(), "http://127.0.0.1:9".into());
        })
        .needles(&[
            "cannot reach the RPC at http://127.0.0.1:9 (chain.rpc_url in {config})",
            "check [chain] rpc_url (or ONEBALANCER_RPC_URL",
            "that the node is running",
        ]),
        Case::new("unreachable rpc_url with an API key in its path", |t| {
            let url = "http://127.0.0.1:9/v2/apikey-0123456789";
            section(t, "chain").insert("rpc_url".into(), url.into());
        })
        .secret("apikey-0123456789")
        .needles(&[
            "cannot reach the RPC at http://127.0.0.1:9/… (chain.rpc_url in {config})",
            "that the node is running",
        ]),
        Case::new("chain_id of another chain than the manifests'", |t| {
            section(t, "chain").insert("chain_id".into(), Value::Integer(1));
        })
        .needles(&[
            "contracts.manifest = \"{dir}/devnet.json\" is for chain 31337 but chain.chain_id = 1",
            "set chain.chain_id = 31337",
        ]),
        Case::new("chain_id of another chain than the node's", move |t| {
            section(t, "chain").insert("chain_id".into(), Value::Integer(1));
            let c = section(t, "contracts");
            c.remove("manifest");
            c.insert("multicall3".into(), multicall3.to_string().into());
            c.insert("registry".into(), registry.to_string().into());
            only_target(t, drift, None);
        })
        .needles(&[
            "chain.chain_id = 1 in {config}",
            &format!("the node at {} serves chain 31337", provider::redact(&url)),
            "point rpc_url at chain 1, or set chain_id = 31337",
        ]),
        Case::new("a target with no code (an EOA)", move |t| {
            only_target(t, eoa, None)
        })
        .needles(&[
            &format!("targets[0]: {eoa} has no code on this chain"),
            "check the address",
        ]),
        Case::new("a target that is Multicall3", move |t| {
            only_target(t, multicall3, None)
        })
        .needles(&[
            &format!("targets[0]: {multicall3} is neither a balancer nor an upkeep manager"),
            "list only onebalancer balancers and UpkeepManagers",
        ]),
        Case::new("a target that is the Automation registry", move |t| {
            only_target(t, registry, None)
        })
        .needles(&[
            &format!("targets[0]: {registry} is neither a balancer nor an upkeep manager"),
            "list only onebalancer balancers and UpkeepManagers",
        ]),
        Case::new("kind = manager on a balancer", move |t| {
            only_target(t, drift, Some("manager"))
        })
        .needles(&[
            &format!("targets[0]: {drift} is a balancer, not an upkeep manager"),
            "set kind = \"balancer\" or remove kind",
        ]),
        Case::new("a keeper key that is not allow-listed", |t| {
            section(t, "keeper").remove("keystore");
        })
        .env(vec![("ONEBALANCER_PRIVATE_KEY", OTHER_KEY.into())])
        .signer(other)
        .needles(&[
            &format!("the keeper {other} is not an allow-listed fallback keeper"),
            &format!("(drift_balancer, {drift})"),
            &format!("must call setFallbackKeeper({other}, true) on {drift}"),
        ]),
        Case::new("a malformed ONEBALANCER_PRIVATE_KEY", |t| {
            section(t, "keeper").remove("keystore");
        })
        .env(vec![("ONEBALANCER_PRIVATE_KEY", malformed.clone())])
        .secret(&malformed[2..40])
        .needles(&[
            "ONEBALANCER_PRIVATE_KEY is malformed",
            "non-hex character at position 62",
            "set it to 64 hex digits",
        ]),
        Case::new("a wrong keystore password", |_| {})
            .env(vec![("ONEBALANCER_KEYSTORE_PASSWORD", WRONG_PASSWORD.into())])
            .secret(WRONG_PASSWORD)
            .needles(&[
                "cannot decrypt keystore {dir}/keeper-key.json",
                "check the file and ONEBALANCER_KEYSTORE_PASSWORD",
            ]),
        Case::new("no keystore password", |_| {})
            .env(vec![])
            .needles(&[
                "keystore {dir}/keeper-key.json needs its password in ONEBALANCER_KEYSTORE_PASSWORD",
            ]),
        Case::new("no key at all", |t| {
            section(t, "keeper").remove("keystore");
        })
        .env(vec![])
        .needles(&[
            "no signing key for the keeper",
            "ONEBALANCER_PRIVATE_KEY",
            "[keeper] keystore",
        ]),
        Case::new("both a key and a keystore", |_| {})
            .env(vec![
                ("ONEBALANCER_KEYSTORE_PASSWORD", PASSWORD.into()),
                ("ONEBALANCER_PRIVATE_KEY", OTHER_KEY.into()),
            ])
            .needles(&["both ONEBALANCER_PRIVATE_KEY and [keeper] keystore", "use one"]),
        Case::new("an unknown field", |t| {
            section(t, "tx").insert("bump_percnt".into(), Value::Integer(20));
        })
        .needles(&[
            "{line_of}bump_percnt",
            "tx.bump_percnt is not a known field",
            "correct its spelling or remove it",
        ]),
        Case::new("a private key in the file", |t| {
            section(t, "keeper").insert("private_key".into(), format!("0x{OTHER_KEY}").into());
        })
        .needles(&[
            "{line_of}private_key",
            "keeper.private_key looks like a secret",
            "delete it and set ONEBALANCER_PRIVATE_KEY",
        ]),
        Case::new("ONEBALANCER_KEEPER__TX__BUMP_PERCENT=5", |_| {})
            .env(vec![
                ("ONEBALANCER_KEYSTORE_PASSWORD", PASSWORD.into()),
                ("ONEBALANCER_KEEPER__TX__BUMP_PERCENT", "5".into()),
            ])
            .needles(&[
                "tx.bump_percent = 5 is below 10",
                "set it to 10 or more",
            ]),
        Case::new("a balance below min_balance_wei", |t| {
            section(t, "keeper").insert(
                "min_balance_wei".into(),
                "1000000000000000000000000000".into(),
            );
        })
        .needles(&[
            &format!("the keeper {KEEPER} holds"),
            "below keeper.min_balance_wei = 1000000000000000000000000000",
            "send it at least",
            "or lower min_balance_wei",
        ]),
    ]
}
