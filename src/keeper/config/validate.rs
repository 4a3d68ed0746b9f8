//! [`KeeperConfig::validate`]: every range, the RPC URL, the store, the listen address, and the
//! targets once resolved.

use std::{fmt::Display, net::SocketAddr, path::PathBuf};

use alloy::transports::http::reqwest::Url;

use super::{KeeperConfig, KeeperConfigError, RPC_URL_ENV};

/// What `[keeper] store` names.
pub(super) enum Store {
    /// A SQLite file (unresolved).
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres,
}

/// A problem with a value and its fix.
type Problem = (String, String);

/// Reads `[keeper] store`: a plain path, `sqlite:PATH` / `sqlite://PATH`, or a `postgres:` URL.
pub(super) fn classify_store(s: &str) -> Result<Store, Problem> {
    let fix = "give a SQLite file path, a sqlite:PATH URL or a postgres:// URL";
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("postgres:") || lower.starts_with("postgresql:") {
        return Ok(Store::Postgres);
    }
    if let Some(rest) = s
        .get("sqlite:".len()..)
        .filter(|_| lower.starts_with("sqlite:"))
    {
        let path = rest.strip_prefix("//").unwrap_or(rest);
        if path.contains('?') {
            return Err((
                "has URL parameters".into(),
                "give the database path only (the keeper chooses its SQLite options)".into(),
            ));
        }
        if path.is_empty() || path.contains(":memory:") || path.contains("mode=memory") {
            return Err((
                "names no database file".into(),
                "give a file, e.g. sqlite:.keeper/keeper.sqlite (an in-memory store forgets pending transactions on restart)".into(),
            ));
        }
        return Ok(Store::Sqlite(PathBuf::from(path)));
    }
    if let Some((scheme, _)) = s.split_once("://") {
        return Err((format!("has the unsupported scheme {scheme:?}"), fix.into()));
    }
    if s.trim().is_empty() {
        return Err(("is empty".into(), fix.into()));
    }
    Ok(Store::Sqlite(PathBuf::from(s)))
}

/// `s` with any `user:password@` of a URL replaced by `…@`.
pub(super) fn redact_userinfo(s: &str) -> String {
    let Some((scheme, rest)) = s.split_once("://") else {
        return s.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest.get(..authority_end).and_then(|a| a.rfind('@')) {
        Some(at) => format!("{scheme}://…@{}", rest.get(at + 1..).unwrap_or("")),
        None => s.to_string(),
    }
}

/// An RPC URL for messages: scheme, host and port only (paths and queries often hold API keys).
fn redact_url(s: &str) -> String {
    crate::chain::provider::redact(s)
}

/// Reads `[metrics] listen`: `"off"` or a socket address.
pub(super) fn parse_listen(s: &str) -> Result<Option<SocketAddr>, Problem> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    s.parse::<SocketAddr>().map(Some).map_err(|_| {
        (
            "is not a socket address".into(),
            "give IP:PORT, e.g. \"127.0.0.1:9464\" (\"0.0.0.0:9464\" for every interface), or \"off\"".into(),
        )
    })
}

impl KeeperConfig {
    /// Checks every field, then resolves the targets (reading their manifests) and the
    /// contracts: ranges, `bump_percent` ≥ 10, `max_fee_per_gas_wei` ≥ `bump_min_wei`, an
    /// http(s) RPC URL, unique target addresses, at least one target, manifests of this chain.
    pub fn validate(&self) -> Result<(), KeeperConfigError> {
        self.validate_chain()?;
        self.validate_keeper()?;
        let (s, p, m) = (&self.scan, &self.perform, &self.metrics);
        self.range("scan.every_blocks", s.every_blocks, 1, 1000, 1)?;
        self.range("scan.max_skip_secs", s.max_skip_secs, 1, 86_400, 300)?;
        self.range("scan.sample_secs", s.sample_secs, 1, 86_400, 300)?;
        self.range("perform.grace_blocks", p.grace_blocks, 0, 1000, 3)?;
        self.range(
            "perform.gas_margin_percent",
            p.gas_margin_percent,
            0,
            300,
            25,
        )?;
        self.range(
            "perform.offpeak_percentile",
            p.offpeak_percentile,
            0,
            100,
            25,
        )?;
        self.range(
            "perform.offpeak_window_blocks",
            p.offpeak_window_blocks,
            1,
            100_000,
            1024,
        )?;
        self.range(
            "perform.offpeak_max_wait_secs",
            p.offpeak_max_wait_secs,
            1,
            604_800,
            21_600,
        )?;
        self.validate_tx()?;
        self.metrics_listen()?;
        self.range("metrics.head_stale_secs", m.head_stale_secs, 1, 3600, 30)?;
        self.range("metrics.scan_stale_secs", m.scan_stale_secs, 1, 3600, 60)?;
        self.validate_entries()?;
        self.contracts()?;
        self.targets()?;
        self.hub()?;
        self.funding()?;
        self.bands()?;
        self.relay()?;
        Ok(())
    }

    fn validate_chain(&self) -> Result<(), KeeperConfigError> {
        let c = &self.chain;
        let url = self.rpc_url()?;
        let fix = format!(
            "give the node's http:// or https:// endpoint, e.g. \"http://127.0.0.1:8545\" (in [chain] or {RPC_URL_ENV})"
        );
        match Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            Ok(_) => {
                return Err(self.invalid(
                    "chain.rpc_url",
                    format!("{:?}", redact_url(url)),
                    "is not an http(s) URL",
                    fix,
                ));
            }
            Err(e) => {
                return Err(self.invalid(
                    "chain.rpc_url",
                    format!("{:?}", redact_url(url)),
                    &format!("is not a URL ({e})"),
                    fix,
                ));
            }
        }
        if c.chain_id == 0 {
            return Err(self.invalid(
                "chain.chain_id",
                0,
                "is not a chain id",
                "set it to the node's chain id (31337 for anvil)",
            ));
        }
        self.range("chain.poll_ms", c.poll_ms, 100, 60_000, 1_000)?;
        self.range(
            "chain.call_gas_cap",
            c.call_gas_cap,
            1_000_000,
            1_000_000_000,
            30_000_000,
        )?;
        self.range(
            "chain.request_timeout_ms",
            c.request_timeout_ms,
            100,
            120_000,
            10_000,
        )
    }

    fn validate_keeper(&self) -> Result<(), KeeperConfigError> {
        let k = &self.keeper;
        if k.data_dir.as_os_str().is_empty() {
            return Err(self.invalid(
                "keeper.data_dir",
                "\"\"",
                "is empty",
                "give a folder, e.g. \".keeper\"",
            ));
        }
        if k.keystore
            .as_ref()
            .is_some_and(|p| p.as_os_str().is_empty())
        {
            return Err(self.invalid(
                "keeper.keystore",
                "\"\"",
                "is empty",
                "give the keystore file, or remove the line to use ONEBALANCER_PRIVATE_KEY",
            ));
        }
        self.store_location()?;
        Ok(())
    }

    fn validate_tx(&self) -> Result<(), KeeperConfigError> {
        let t = &self.tx;
        self.range("tx.bump_after_blocks", t.bump_after_blocks, 1, 100, 3)?;
        if t.bump_percent < 10 {
            return Err(self.invalid(
                "tx.bump_percent",
                t.bump_percent,
                "is below 10",
                "set it to 10 or more (default 20): geth refuses a replacement that raises either fee by less than 10 %",
            ));
        }
        if t.max_fee_per_gas_wei.is_zero() {
            return Err(self.invalid(
                "tx.max_fee_per_gas_wei",
                "\"0\"",
                "allows no fee",
                "set the most the keeper may bid per gas, in wei (default \"500000000000\", 500 gwei)",
            ));
        }
        if t.max_fee_per_gas_wei < t.bump_min_wei {
            return Err(self.invalid(
                "tx.max_fee_per_gas_wei",
                format!("\"{}\"", t.max_fee_per_gas_wei),
                &format!("is below tx.bump_min_wei = \"{}\"", t.bump_min_wei),
                "raise max_fee_per_gas_wei or lower bump_min_wei (defaults \"500000000000\" and \"100\")",
            ));
        }
        self.range("tx.fee_history_blocks", t.fee_history_blocks, 1, 1024, 10)?;
        self.range("tx.tip_percentile", t.tip_percentile, 1, 99, 20)?;
        self.range("tx.max_attempts", t.max_attempts, 1, 100, 10)
    }

    fn validate_entries(&self) -> Result<(), KeeperConfigError> {
        let zero = "give the contract's address";
        for (field, address) in [
            ("contracts.multicall3", self.contracts.multicall3),
            ("contracts.registry", self.contracts.registry),
            (
                "contracts.keystone_forwarder",
                self.contracts.keystone_forwarder,
            ),
        ] {
            if address.is_some_and(|a| a.is_zero()) {
                return Err(self.invalid(field, "0x0", "is the zero address", zero));
            }
        }
        for (i, t) in self.targets.iter().enumerate() {
            if t.address.is_zero() {
                let field = format!("targets[{i}].address");
                return Err(self.invalid(&field, "0x0", "is the zero address", zero));
            }
            if let Some(name) = t.name.as_deref().filter(|n| n.trim().is_empty()) {
                let field = format!("targets[{i}].name");
                let fix = "give a label, or remove the line to use the address";
                return Err(self.invalid(&field, format!("{name:?}"), "is blank", fix));
            }
            if let Some(g) = t.grace_blocks {
                self.range(&format!("targets[{i}].grace_blocks"), g, 0, 1000, 3)?;
            }
        }
        for (i, set) in self.target_sets.iter().enumerate() {
            if set.manifest.as_os_str().is_empty() {
                let field = format!("target_sets[{i}].manifest");
                let fix = "give the manifest's path, e.g. \".devnet/demo.json\"";
                return Err(self.invalid(&field, "\"\"", "is empty", fix));
            }
            if let Some(g) = set.grace_blocks {
                self.range(&format!("target_sets[{i}].grace_blocks"), g, 0, 1000, 3)?;
            }
        }
        Ok(())
    }

    /// `value` must lie in `lo..=hi`.
    pub(super) fn range<T>(
        &self,
        field: &str,
        value: T,
        lo: T,
        hi: T,
        default: T,
    ) -> Result<(), KeeperConfigError>
    where
        T: PartialOrd + Display,
    {
        if value < lo || value > hi {
            return Err(self.invalid(
                field,
                &value,
                "is out of range",
                format!("set it to {lo}..={hi} (default {default})"),
            ));
        }
        Ok(())
    }

    pub(super) fn invalid(
        &self,
        field: &str,
        value: impl Display,
        problem: &str,
        fix: impl Into<String>,
    ) -> KeeperConfigError {
        KeeperConfigError::Invalid {
            file: self.file.clone(),
            field: field.to_string(),
            value: value.to_string(),
            problem: problem.to_string(),
            fix: fix.into(),
        }
    }
}
