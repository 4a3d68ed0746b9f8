//! `onebalancer devnet` as a user runs it: it comes up with every contract deployed (checked here
//! by code at each manifest address), stays up, and stops cleanly on Ctrl-C (SIGINT).

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::providers::Provider;
use onebalancer::{chain::provider, deploy::manifest::Manifest};

use crate::support::*;

#[tokio::test]
async fn devnet_deploys_everything_and_stops_on_ctrl_c() {
    built();
    let dir = tempfile::tempdir().unwrap();
    let manifest_path = dir.path().join("devnet.json");
    let mut child = Command::new(onebalancer_bin())
        .args([
            "devnet",
            "--no-build",
            "--manifest",
            manifest_path.to_str().unwrap(),
        ])
        .current_dir(root())
        .env("ONEBALANCER_DEVNET_SECS", "120")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // The manifest is complete once the registry is configured (the last step).
    let started = Instant::now();
    let manifest = loop {
        if let Ok(text) = std::fs::read_to_string(&manifest_path)
            && let Ok(m) = serde_json::from_str::<Manifest>(&text)
            && m.actions.contains_key("registry.set_config")
        {
            break m;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "devnet did not come up"
        );
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("devnet exited early ({status}): {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(200));
    };

    let url = manifest
        .rpc_url
        .clone()
        .expect("devnet records its endpoint");
    let reader = provider::read_only(&url).unwrap();
    assert_eq!(manifest.contracts.len(), 17);
    for (key, record) in &manifest.contracts {
        let code = reader.get_code_at(record.address).await.unwrap();
        assert!(!code.is_empty(), "{key}: no code at {}", record.address);
        assert_eq!(
            alloy::primitives::keccak256(&code),
            record.code_hash,
            "{key}"
        );
    }
    // Interval mining: the chain moves on by itself.
    let b0 = reader.get_block_number().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(
        reader.get_block_number().await.unwrap() > b0,
        "blocks keep coming"
    );

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "clean exit on Ctrl-C: {}",
        stderr(&out)
    );
    let printed = stdout(&out);
    assert!(printed.contains("verified: 17/17"), "{printed}");
    assert!(printed.contains("registry.set_config"), "{printed}");
    assert!(
        reader.get_block_number().await.is_err(),
        "anvil stopped with devnet"
    );
}

#[test]
fn devnet_exits_by_itself_after_devnet_secs() {
    built();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.json");
    let started = Instant::now();
    let o = run_bin(
        onebalancer_bin(),
        &[
            "devnet",
            "--no-build",
            "--manifest",
            manifest.to_str().unwrap(),
        ],
        &[("ONEBALANCER_DEVNET_SECS", "1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("stopping after 1 s"));
    assert!(started.elapsed() < Duration::from_secs(60));
}
