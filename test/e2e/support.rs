//! Shared helpers: the checkout, its tools, a fresh anvil, and running our binaries.

use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
};

use onebalancer::{
    chain::{Connection, anvil::LocalChain, provider},
    project::Project,
};

/// The checkout these tests belong to.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn project() -> Project {
    Project::at(root())
}

/// Runs `forge build` once per test process, so artifacts match the sources.
pub fn built() -> &'static Project {
    static BUILT: OnceLock<Project> = OnceLock::new();
    BUILT.get_or_init(|| {
        let p = project();
        p.forge_build()
            .expect("forge build (run script/setup.sh first)");
        p
    })
}

/// A fresh anvil from the installed tools.
pub fn anvil() -> LocalChain {
    LocalChain::start(&project().anvil().expect("anvil installed"), &[]).expect("anvil starts")
}

/// anvil's first development key, as the deploy binary reads it from the environment.
pub fn dev_key_hex(chain: &LocalChain) -> String {
    let signer = chain.dev_signer(0).unwrap();
    alloy::hex::encode(signer.to_bytes())
}

/// A signing connection to `chain` as development account `index`.
pub async fn connect(chain: &LocalChain, index: usize) -> Connection {
    provider::connect(&chain.endpoint(), chain.dev_signer(index).unwrap())
        .await
        .unwrap()
}

/// Runs one of our binaries with a clean environment for the variables we read.
pub fn run_bin(bin: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .current_dir(root())
        .env_remove("ONEBALANCER_PRIVATE_KEY")
        .env_remove("ONEBALANCER_KEYSTORE_PASSWORD")
        .env_remove("ONEBALANCER_RPC_URL")
        .env_remove("ONEBALANCER_DEVNET_SECS")
        .env_remove("ONEBALANCER_DON_STOPPED")
        .env_remove("ONEBALANCER_DEVNET_PRICE_SECS")
        .env_remove("ONEBALANCER_DEVNET_PRICE_STEP_BPS")
        .env_remove("ONEBALANCER_DEVNET_PRICE_SEED")
        .env_remove("ONEBALANCER_DEVNET_NO_KEEPER")
        .env_remove("ONEBALANCER_DEVNET_CHAOS")
        .env_remove("ONEBALANCER_DEVNET_KEEPER_MODE")
        .env("ONEBALANCER_KEEPER__METRICS__LISTEN", "127.0.0.1:0")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn deploy_bin() -> &'static str {
    env!("CARGO_BIN_EXE_deploy")
}

pub fn onebalancer_bin() -> &'static str {
    env!("CARGO_BIN_EXE_onebalancer")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failed run printed exactly one `error:` line containing every `needles`, and no
/// panic.
pub fn assert_one_error_line(o: &Output, needles: &[&str]) {
    assert_one_error_line_prefixed(o, "error:", needles);
}

/// As [`assert_one_error_line`], for error lines that start with `prefix`.
pub fn assert_one_error_line_prefixed(o: &Output, prefix: &str, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit code; stderr:\n{err}");
    assert!(!err.contains("panicked"), "panic:\n{err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with(prefix)).collect();
    assert_eq!(lines.len(), 1, "exactly one error line expected:\n{err}");
    for n in needles {
        assert!(
            lines[0].contains(n),
            "error line lacks {n:?}:\n{}",
            lines[0]
        );
    }
}

/// Every file under `dir` (relative paths), for "nothing was left behind" checks.
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(
                    files_under(&p)
                        .into_iter()
                        .map(|f| format!("{}/{f}", e.file_name().to_string_lossy())),
                );
            } else {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}
