//! Bad input gets one clear error line naming the problem and the fix, and leaves nothing behind.

use std::{os::unix::fs::symlink, path::Path, process::Command};

use crate::support::*;

/// A port nothing listens on: bind one, note it, let it go.
fn dead_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn unreachable_rpc_is_named_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.json");
    let url = dead_endpoint();
    let o = run_bin(
        deploy_bin(),
        &[
            "--rpc-url",
            &url,
            "--manifest",
            manifest.to_str().unwrap(),
            "--no-build",
        ],
        &[("ONEBALANCER_PRIVATE_KEY", &"ab".repeat(32))],
    );
    assert_one_error_line(&o, &["cannot reach the RPC at", &url, "check --rpc-url"]);
    assert!(!manifest.exists());
}

#[test]
fn malformed_rpc_url_is_named() {
    let o = run_bin(
        deploy_bin(),
        &["--rpc-url", "not a url", "--no-build"],
        &[("ONEBALANCER_PRIVATE_KEY", &"ab".repeat(32))],
    );
    assert_one_error_line(
        &o,
        &[
            "--rpc-url \"not a url\" is not a valid URL",
            "http://127.0.0.1:8545",
        ],
    );
}

#[test]
fn missing_key_is_named_with_both_sources() {
    let o = run_bin(
        deploy_bin(),
        &["--rpc-url", &dead_endpoint(), "--no-build"],
        &[],
    );
    assert_one_error_line(
        &o,
        &["no signing key", "ONEBALANCER_PRIVATE_KEY", "--keystore"],
    );
}

#[test]
fn malformed_key_is_explained_but_never_echoed() {
    let secret_looking = "0x".to_string() + &"12".repeat(31) + "zz";
    let o = run_bin(
        deploy_bin(),
        &["--rpc-url", &dead_endpoint(), "--no-build"],
        &[("ONEBALANCER_PRIVATE_KEY", &secret_looking)],
    );
    assert_one_error_line(
        &o,
        &[
            "ONEBALANCER_PRIVATE_KEY is malformed",
            "non-hex character",
            "64 hex digits",
        ],
    );
    assert!(
        !stderr(&o).contains(&secret_looking[2..20]),
        "key material leaked:\n{}",
        stderr(&o)
    );

    let short = run_bin(
        deploy_bin(),
        &["--rpc-url", &dead_endpoint(), "--no-build"],
        &[("ONEBALANCER_PRIVATE_KEY", "0xdeadbeef")],
    );
    assert_one_error_line(&short, &["expected 64 hex digits, got 8 characters"]);
}

#[test]
fn keystore_without_password_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ks = dir.path().join("key.json");
    std::fs::write(&ks, "{}").unwrap();
    let o = run_bin(
        deploy_bin(),
        &[
            "--rpc-url",
            &dead_endpoint(),
            "--keystore",
            ks.to_str().unwrap(),
            "--no-build",
        ],
        &[],
    );
    assert_one_error_line(&o, &["needs its password in ONEBALANCER_KEYSTORE_PASSWORD"]);
}

#[test]
fn manifest_for_another_chain_is_refused_untouched() {
    let chain = anvil();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.json");
    let text = r#"{"schema":1,"chainId":8453,"contracts":{},"actions":{}}"#;
    std::fs::write(&manifest, text).unwrap();
    let o = run_bin(
        deploy_bin(),
        &[
            "--rpc-url",
            &chain.endpoint(),
            "--manifest",
            manifest.to_str().unwrap(),
            "--no-build",
        ],
        &[("ONEBALANCER_PRIVATE_KEY", &dev_key_hex(&chain))],
    );
    assert_one_error_line(
        &o,
        &[
            "records chain id 8453",
            "is chain 31337",
            "--manifest deployments/31337.json",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap(),
        text,
        "manifest untouched"
    );
}

#[test]
fn bad_config_field_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("deploy.toml");
    std::fs::write(&cfg, "[registry]\ngas_ceiling_multiplier = 0\n").unwrap();
    let chain = anvil();
    let o = run_bin(
        deploy_bin(),
        &[
            "--rpc-url",
            &chain.endpoint(),
            "--config",
            cfg.to_str().unwrap(),
            "--no-build",
            "--manifest",
            dir.path().join("m.json").to_str().unwrap(),
        ],
        &[("ONEBALANCER_PRIVATE_KEY", &dev_key_hex(&chain))],
    );
    assert_one_error_line(
        &o,
        &["registry.gas_ceiling_multiplier = 0", "use 1 or more"],
    );
    assert!(!dir.path().join("m.json").exists());
}

// ---- script/setup.sh -------------------------------------------------------------------------

/// A PATH holding only the named commands (symlinked from the system), to simulate a machine
/// without some tool.
fn path_with_only(dir: &Path, commands: &[&str]) -> String {
    for c in commands {
        let real = which(c);
        symlink(real, dir.join(c)).unwrap();
    }
    dir.display().to_string()
}

fn which(cmd: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn setup(env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("script/setup.sh"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn setup_without_npm_says_what_to_install() {
    let bin = tempfile::tempdir().unwrap();
    let path = path_with_only(bin.path(), &["bash", "dirname", "node"]);
    let o = setup(&[("PATH", &path)]);
    assert_one_error_line_prefixed(
        &o,
        "setup: error:",
        &["npm not found on PATH", "install npm"],
    );
}

#[test]
fn setup_without_node_says_what_to_install() {
    let bin = tempfile::tempdir().unwrap();
    let path = path_with_only(bin.path(), &["bash", "dirname"]);
    let o = setup(&[("PATH", &path)]);
    assert_one_error_line_prefixed(
        &o,
        "setup: error:",
        &["node not found on PATH", "Node.js 18"],
    );
}

/// Runs setup for libraries only, from a lock file holding the one entry `spec`, into a scratch
/// lib folder under `dir`; returns the run and that folder.
fn setup_one_lib(dir: &Path, spec: &str) -> (std::process::Output, std::path::PathBuf) {
    let lock = dir.join("deps.lock");
    std::fs::write(&lock, format!("# test lock\n{spec}\n")).unwrap();
    let lib = dir.join("lib");
    let o = setup(&[
        ("ONEBALANCER_DEPS_LOCK", lock.to_str().unwrap()),
        ("ONEBALANCER_LIB_DIR", lib.to_str().unwrap()),
        ("ONEBALANCER_SKIP", "tools,solc"),
    ]);
    (o, lib)
}

const OZ_483: &str = "lib oz @openzeppelin/contracts 4.8.3";

#[test]
fn setup_refuses_a_tarball_whose_hash_does_not_match_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // The real package, a wrong pin (the integrity of another version).
    let wrong = format!(
        "{OZ_483} sha512-xSmezSupL+y9VkHZJGDoCBpmnB2ogM13ccaYDWqJTfS3dbuHkgjuwDFUmaFauBCboQMGB/S5UqUl2y54X99BmA=="
    );
    let (o, lib) = setup_one_lib(dir.path(), &wrong);
    assert_one_error_line_prefixed(
        &o,
        "setup: error:",
        &[
            "integrity mismatch for @openzeppelin/contracts@4.8.3",
            "nothing was installed",
            "npm view",
        ],
    );
    assert_eq!(
        files_under(&lib),
        Vec::<String>::new(),
        "nothing left in lib/"
    );

    // The right pin installs it, stamped; a second run is a no-op.
    let right = format!(
        "{OZ_483} sha512-bQHV8R9Me8IaJoJ2vPG4rXcL7seB7YVuskr4f+f5RyOStSZetwzkWtoqDMl5erkBJy0lDRUnIR2WIkPiC0GJlg=="
    );
    let (o, lib) = setup_one_lib(dir.path(), &right);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(lib.join("oz/token/ERC20/ERC20.sol").is_file());
    assert!(
        !files_under(&lib).iter().any(|f| f.contains(".staging")),
        "no staging left"
    );
    let (again, _) = setup_one_lib(dir.path(), &right);
    assert!(
        stdout(&again).contains("everything already installed"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn setup_reports_a_failed_download_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (o, lib) = setup_one_lib(
        dir.path(),
        "lib nope @openzeppelin/contracts 0.0.0-does-not-exist sha512-AAAA",
    );
    assert_one_error_line_prefixed(
        &o,
        "setup: error:",
        &[
            "download of @openzeppelin/contracts@0.0.0-does-not-exist failed",
            "check the network",
        ],
    );
    assert_eq!(files_under(&lib), Vec::<String>::new());
}

/// A keystore made by `cast wallet new`: the right password deploys (a dry run here, to need no
/// funds), a wrong one is refused in one line naming the keystore.
#[test]
fn keystore_decrypts_with_its_password_and_a_wrong_one_is_named() {
    let chain = anvil();
    let dir = tempfile::tempdir().unwrap();
    let cast = root().join(".tools/bin/cast");
    let made = Command::new(cast)
        .args([
            "wallet",
            "new",
            dir.path().to_str().unwrap(),
            "--unsafe-password",
            "correct horse",
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    let text = stdout(&made);
    let address = text
        .lines()
        .find_map(|l| l.strip_prefix("Address:"))
        .unwrap()
        .trim()
        .to_string();
    let keystore = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let args = [
        "--rpc-url",
        &chain.endpoint(),
        "--keystore",
        keystore.to_str().unwrap(),
        "--dry-run",
        "--no-build",
    ];

    let o = run_bin(
        deploy_bin(),
        &args,
        &[("ONEBALANCER_KEYSTORE_PASSWORD", "correct horse")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("chain 31337 as {address}")),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("would deploy"), "{}", stdout(&o));

    let o = run_bin(
        deploy_bin(),
        &args,
        &[("ONEBALANCER_KEYSTORE_PASSWORD", "wrong")],
    );
    assert_one_error_line(&o, &["cannot decrypt keystore", keystore.to_str().unwrap()]);
    assert!(!stderr(&o).contains("correct horse"));
}

#[test]
fn report_refuses_a_bad_span_a_missing_store_and_a_store_not_created_yet() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_bin(onebalancer_bin(), &["report", "--since", "7w"], &[]);
    assert_one_error_line(&o, &["--since \"7w\" is not a span", "e.g. --since 7d"]);
    let missing = dir.path().join("nope.sqlite");
    let o = run_bin(
        onebalancer_bin(),
        &["report", "--store", missing.to_str().unwrap()],
        &[],
    );
    assert_one_error_line(&o, &["--store", "no such file", "keeper.sqlite"]);
    assert!(!missing.exists(), "a report never creates a store");
    // A config whose keeper never ran: no store is created by reading it.
    let config = dir.path().join("keeper.toml");
    std::fs::write(
        &config,
        "[chain]\nrpc_url = \"http://127.0.0.1:1\"\nchain_id = 31337\n\n[[targets]]\naddress = \"0x1111111111111111111111111111111111111111\"\n",
    )
    .unwrap();
    let o = run_bin(
        onebalancer_bin(),
        &["report", "--config", config.to_str().unwrap()],
        &[],
    );
    assert_one_error_line(&o, &["no keeper store at", "start the keeper"]);
    assert!(!dir.path().join("data").exists());
}
