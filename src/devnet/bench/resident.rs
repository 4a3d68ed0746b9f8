//! The keeper's resident memory while it serves the fleet: a real `onebalancer keeper run`
//! child process (this very executable), configured with every balancer as a `[[targets]]`
//! entry, the anvil development key of its account in `ONEBALANCER_PRIVATE_KEY`, and `/metrics`
//! on a free port.
//!
//! Once its stdout names the `/metrics` URL, the benchmark reads `VmRSS` from
//! `/proc/<pid>/status` every [`SAMPLE`] while it watches `onebalancer_scan_seconds_count` grow
//! (anvil mines a block a second meanwhile, and the keeper scans every block); after
//! [`SCANS`] scans it reads `VmHWM` (the kernel's high-water mark of the same figure), stops the
//! keeper with SIGTERM and waits for its clean exit.

use std::{
    collections::VecDeque,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use eyre::{WrapErr, eyre};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    process::{Child, Command},
    sync::oneshot,
};

use crate::{
    chain::signer::{KEYSTORE_PASSWORD_ENV, PRIVATE_KEY_ENV},
    cli::LOG_ENV,
    keeper::config::{KeeperConfig, OVERRIDE_PREFIX, RPC_URL_ENV},
};

/// Scans the keeper must have served before the last reading.
pub(crate) const SCANS: u64 = 5;
/// Time between readings.
const SAMPLE: Duration = Duration::from_millis(250);
/// How long the keeper may take to start (it reads every target first).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long it may take to serve [`SCANS`] scans.
const SERVE_TIMEOUT: Duration = Duration::from_secs(120);
/// How long it may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// Lines of its stderr kept for error messages.
const TAIL: usize = 8;

/// What the readings found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resident {
    /// The largest `VmRSS` read, MiB.
    pub(crate) peak_mib: f64,
    /// `VmHWM` at the end, MiB.
    pub(crate) hwm_mib: f64,
    /// `VmRSS` readings taken.
    pub(crate) readings: usize,
    /// Scans the keeper served while it was read.
    pub(crate) scans: u64,
}

/// Writes `config` as `keeper.toml` in `dir` and checks it reads back as `keeper run` reads it.
pub(crate) fn write_config(dir: &Path, config: &KeeperConfig) -> eyre::Result<PathBuf> {
    let path = dir.join("keeper.toml");
    let text = config
        .to_toml_string()
        .wrap_err("the benchmark keeper's config")?;
    std::fs::write(&path, text).map_err(|e| {
        eyre!(
            "cannot write {}: {e} — check the temporary folder is writable",
            path.display()
        )
    })?;
    let read = KeeperConfig::load(&path)?;
    read.validate()?;
    Ok(path)
}

/// Runs `onebalancer keeper run --config <config>` signing with `key_hex` until it has served
/// [`SCANS`] scans, reading its memory meanwhile; then stops it.
pub(crate) async fn measure(config: &Path, key_hex: &str) -> eyre::Result<Resident> {
    let exe = std::env::current_exe()
        .map_err(|e| eyre!("cannot find this executable: {e} — run onebalancer from a file"))?;
    let mut cmd = Command::new(&exe);
    cmd.arg("keeper")
        .arg("run")
        .arg("--config")
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Only the file configures it: no override from this environment.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with(OVERRIDE_PREFIX) {
            cmd.env_remove(k);
        }
    }
    cmd.env_remove(RPC_URL_ENV)
        .env_remove(KEYSTORE_PASSWORD_ENV)
        .env(PRIVATE_KEY_ENV, key_hex)
        .env(LOG_ENV, "onebalancer=info,warn")
        .env("NO_COLOR", "1");
    let mut child = cmd.spawn().map_err(|e| {
        eyre!(
            "cannot start the keeper ({} keeper run): {e} — check the executable",
            exe.display()
        )
    })?;
    let pid = child
        .id()
        .ok_or_else(|| eyre!("the keeper exited at once — rerun"))?;
    let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL)));
    let (url_tx, url_rx) = oneshot::channel();
    if let Some(out) = child.stdout.take() {
        tokio::spawn(watch_stdout(out, url_tx));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(keep_tail(err, Arc::clone(&tail)));
    }
    let outcome = serve(&mut child, pid, url_rx, &tail).await;
    let stopped = stop(&mut child, pid).await;
    let resident = outcome?;
    stopped.map_err(|e| eyre!("{e}; its last lines: {}", last_lines(&tail)))?;
    Ok(resident)
}

async fn serve(
    child: &mut Child,
    pid: u32,
    url: oneshot::Receiver<String>,
    tail: &Mutex<VecDeque<String>>,
) -> eyre::Result<Resident> {
    let failed = |what: String| eyre!("{what}; its last lines: {}", last_lines(tail));
    let url = match tokio::time::timeout(START_TIMEOUT, url).await {
        Ok(Ok(url)) => url,
        Ok(Err(_)) => {
            let status = child.wait().await.ok();
            return Err(failed(format!(
                "the benchmark keeper exited before serving ({})",
                status.map_or("unknown status".into(), |s| s.to_string())
            )));
        }
        Err(_) => {
            return Err(failed(format!(
                "the benchmark keeper did not start within {} s",
                START_TIMEOUT.as_secs()
            )));
        }
    };
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| eyre!("cannot build an HTTP client: {e} — check the TLS setup"))?;
    let mut r = Resident {
        peak_mib: 0.0,
        hwm_mib: 0.0,
        readings: 0,
        scans: 0,
    };
    let deadline = Instant::now() + SERVE_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(failed(format!(
                "the benchmark keeper exited while serving ({status})"
            )));
        }
        if let Some(scans) = scans(&client, &url).await {
            r.scans = scans;
            // Its memory once it is serving: from the first scan on.
            if scans > 0 {
                let rss = status_mib(pid, "VmRSS:")?;
                r.peak_mib = r.peak_mib.max(rss);
                r.readings += 1;
            }
            if scans >= SCANS && r.readings >= 3 {
                r.hwm_mib = status_mib(pid, "VmHWM:")?;
                return Ok(r);
            }
        }
        if Instant::now() > deadline {
            return Err(failed(format!(
                "the benchmark keeper served {} scans in {} s, not {SCANS} — see its log",
                r.scans,
                SERVE_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(SAMPLE).await;
    }
}

/// `onebalancer_scan_seconds_count` from `/metrics` (0 before the first scan).
async fn scans(client: &reqwest::Client, url: &str) -> Option<u64> {
    let text = client.get(url).send().await.ok()?.text().await.ok()?;
    Some(
        text.lines()
            .find_map(|l| l.strip_prefix("onebalancer_scan_seconds_count"))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map_or(0, |v| v as u64),
    )
}

/// A `/proc/<pid>/status` figure (kB) in MiB.
fn status_mib(pid: u32, field: &str) -> eyre::Result<f64> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        eyre!("cannot read {path}: {e} — the resident-memory figure needs Linux's /proc")
    })?;
    let kb = text
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .ok_or_else(|| {
            eyre!("{path} has no {field} line — the resident-memory figure needs Linux's /proc")
        })?;
    Ok(kb / 1024.0)
}

/// CPU seconds (user + system) process `pid` (or `"self"`) has used, from `/proc/<pid>/stat`
/// (in USER_HZ = 100 ticks a second, Linux's fixed unit there); `None` without `/proc`.
pub(crate) fn cpu_secs(pid: &str) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
    let rest = text.rsplit_once(") ")?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// SIGTERM, then a clean exit within [`STOP_TIMEOUT`] (else it is killed).
async fn stop(child: &mut Child, pid: u32) -> eyre::Result<()> {
    if let Ok(Some(_)) = child.try_wait() {
        return Ok(());
    }
    let sent = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .await
        .map(|s| s.success())
        .unwrap_or(false);
    if sent && let Ok(Ok(status)) = tokio::time::timeout(STOP_TIMEOUT, child.wait()).await {
        return if status.success() {
            Ok(())
        } else {
            Err(eyre!(
                "the benchmark keeper exited with {status} on SIGTERM — see its log"
            ))
        };
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
    Err(eyre!(
        "the benchmark keeper did not stop within {} s of SIGTERM and was killed — see its log",
        STOP_TIMEOUT.as_secs()
    ))
}

/// Reads the keeper's stdout; sends the `/metrics` URL of its start line.
async fn watch_stdout(out: impl AsyncRead + Unpin, url: oneshot::Sender<String>) {
    let mut lines = BufReader::new(out).lines();
    let mut url = Some(url);
    while let Ok(Some(line)) = lines.next_line().await {
        if line.starts_with("keeper ")
            && let Some(u) = line.split_whitespace().find(|w| w.ends_with("/metrics"))
            && let Some(tx) = url.take()
        {
            let _ = tx.send(u.to_string());
        }
    }
}

/// Keeps the last [`TAIL`] lines of the keeper's stderr.
async fn keep_tail(err: impl AsyncRead + Unpin, tail: Arc<Mutex<VecDeque<String>>>) {
    let mut lines = BufReader::new(err).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut t = tail.lock().unwrap_or_else(PoisonError::into_inner);
        if t.len() == TAIL {
            t.pop_front();
        }
        t.push_back(line);
    }
}

fn last_lines(tail: &Mutex<VecDeque<String>>) -> String {
    let t = tail.lock().unwrap_or_else(PoisonError::into_inner);
    if t.is_empty() {
        "(none)".into()
    } else {
        t.iter().cloned().collect::<Vec<_>>().join(" | ")
    }
}
