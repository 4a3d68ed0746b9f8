//! Reading `hub` inputs: flags, the TOML configuration and the JSON requests file. Every error
//! is one line naming the field, the value and the fix.
//!
//! The requests file is walked by hand (not derived) so that an error can name its exact path,
//! `requests[2].amount`.

use std::{collections::BTreeMap, path::Path};

use alloy::primitives::{Address, U256};
use eyre::eyre;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::gas_price_arg;
use crate::model::hub::{
    GasMarket, HubConfig, PlanInput, Price, Request, RequestId, TokenId, TokenLimits, TokenState,
    units, validate,
};

/// Decimals kept of a price (`--eth-usd`, `native_price`).
const PRICE_DECIMALS: u8 = 18;

/// The `--config` file: hub parameters at the top level, `[limits.<TOKEN>]` tables.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ConfigToml {
    fee_bps: u32,
    gas_per_batch: u64,
    gas_per_operation: u64,
    gas_buffer_bps: u32,
    soft_limit_multiplier: u32,
    batch_window_secs: u64,
    batch_size_threshold: u32,
    max_operations: u32,
    limits: BTreeMap<String, LimitsToml>,
}

/// Per-token limits in whole tokens (decimal strings, or integers).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsToml {
    min_amount: toml::Value,
    max_amount: toml::Value,
    max_per_user: toml::Value,
    max_per_interval: toml::Value,
}

impl Default for ConfigToml {
    fn default() -> Self {
        let c = HubConfig::default();
        let usdc = LimitsToml {
            min_amount: toml::Value::Integer(100),
            max_amount: toml::Value::Integer(100_000),
            max_per_user: toml::Value::Integer(10_000),
            max_per_interval: toml::Value::Integer(100_000),
        };
        Self {
            fee_bps: c.fee_bps,
            gas_per_batch: c.gas_per_batch,
            gas_per_operation: c.gas_per_operation,
            gas_buffer_bps: c.gas_buffer_bps,
            soft_limit_multiplier: c.soft_limit_multiplier,
            batch_window_secs: c.batch_window_secs,
            batch_size_threshold: c.batch_size_threshold,
            max_operations: c.max_operations,
            limits: BTreeMap::from([("USDC".to_string(), usdc)]),
        }
    }
}

/// The loaded configuration.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    pub(crate) hub: HubConfig,
    limits: BTreeMap<String, LimitsToml>,
    origin: String,
}

impl ConfigFile {
    /// Reads `path`, or the defaults.
    pub(crate) fn load(path: Option<&Path>) -> eyre::Result<Self> {
        let (toml, origin) = match path {
            None => (ConfigToml::default(), "the default config".to_string()),
            Some(p) => {
                let origin = p.display().to_string();
                let text = std::fs::read_to_string(p)
                    .map_err(|e| eyre!("cannot read --config {origin}: {e} — check the path"))?;
                (parse_toml(&text, &origin)?, origin)
            }
        };
        let hub = HubConfig {
            fee_bps: toml.fee_bps,
            gas_per_batch: toml.gas_per_batch,
            gas_per_operation: toml.gas_per_operation,
            gas_buffer_bps: toml.gas_buffer_bps,
            soft_limit_multiplier: toml.soft_limit_multiplier,
            batch_window_secs: toml.batch_window_secs,
            batch_size_threshold: toml.batch_size_threshold,
            max_operations: toml.max_operations,
        };
        validate::config(&hub).map_err(|e| eyre!("{origin}: {e}"))?;
        Ok(Self {
            hub,
            limits: toml.limits,
            origin,
        })
    }

    /// The limits of `token` in base units of `decimals`.
    fn limits(&self, token: &str, decimals: u8) -> eyre::Result<TokenLimits> {
        let l = self.limits.get(token).ok_or_else(|| {
            eyre!(
                "{} has no limits for token {token} — add [limits.{token}] with min_amount, \
                 max_amount, max_per_user, max_per_interval (whole tokens)",
                self.origin
            )
        })?;
        let field = |name: &str, value: &toml::Value| {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                _ => String::new(),
            };
            units::parse_decimal(&text, decimals).map_err(|e| {
                let e = if text.is_empty() {
                    "is not an amount".to_string()
                } else {
                    e.to_string()
                };
                eyre!(
                    "{}: limits.{token}.{name} = {value} {e} — use whole tokens (at most \
                     {decimals} decimals), e.g. 100 or \"100.50\"",
                    self.origin
                )
            })
        };
        Ok(TokenLimits {
            min_amount: field("min_amount", &l.min_amount)?,
            max_amount: field("max_amount", &l.max_amount)?,
            max_per_user: field("max_per_user", &l.max_per_user)?,
            max_per_interval: field("max_per_interval", &l.max_per_interval)?,
        })
    }
}

/// TOML → config; a type error names the offending line (its key and value).
fn parse_toml(text: &str, origin: &str) -> eyre::Result<ConfigToml> {
    toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line_no = text.get(..s.start).map_or(0, |t| t.matches('\n').count()) + 1;
                let line = text.lines().nth(line_no - 1).unwrap_or_default().trim();
                format!(" at line {line_no} (`{line}`)")
            })
            .unwrap_or_default();
        eyre!(
            "config {origin}: {}{at} — fix that field (fields and types: README \"Hub batch planner\")",
            e.message().trim()
        )
    })
}

/// A non-negative decimal flag with at most `decimals` places, as base units.
pub(crate) fn decimal_arg(flag: &str, text: &str, decimals: u8, fix: &str) -> eyre::Result<U256> {
    units::parse_decimal(text, decimals).map_err(|e| eyre!("{flag} {text:?} {e} — pass {fix}"))
}

/// A positive price flag (`--eth-usd`).
pub(crate) fn price_arg(flag: &str, text: &str) -> eyre::Result<Price> {
    let fix = "the native coin's price in tokens, e.g. 3500";
    let value = decimal_arg(flag, text, PRICE_DECIMALS, fix)?;
    if value.is_zero() {
        return Err(eyre!("{flag} {text} is invalid: a price of 0 — pass {fix}"));
    }
    Ok(Price {
        value,
        decimals: PRICE_DECIMALS,
    })
}

/// Where we are in the requests file, for error messages.
struct At<'a> {
    origin: &'a str,
}

impl At<'_> {
    fn err(&self, path: &str, v: &Value, what: &str, fix: &str) -> eyre::Report {
        eyre!("{}: {path} = {v} {what} — {fix}", self.origin)
    }

    fn object<'v>(
        &self,
        v: &'v Value,
        path: &str,
        known: &[&str],
    ) -> eyre::Result<&'v Map<String, Value>> {
        let obj = v.as_object().ok_or_else(|| {
            self.err(
                path,
                v,
                "is not an object",
                "see test/e2e/fixtures/hub-requests.json",
            )
        })?;
        if let Some(k) = obj
            .keys()
            .find(|k| !known.is_empty() && !known.contains(&k.as_str()))
        {
            return Err(eyre!(
                "{}: {path}.{k} is not a known field — use {}",
                self.origin,
                known.join(", ")
            ));
        }
        Ok(obj)
    }

    fn get<'v>(
        &self,
        obj: &'v Map<String, Value>,
        path: &str,
        key: &str,
    ) -> eyre::Result<&'v Value> {
        obj.get(key).ok_or_else(|| {
            eyre!(
                "{}: {path}.{key} is missing — add it (see test/e2e/fixtures/hub-requests.json)",
                self.origin
            )
        })
    }

    fn u64(&self, v: &Value, path: &str, fix: &str) -> eyre::Result<u64> {
        v.as_u64()
            .ok_or_else(|| self.err(path, v, "is not a non-negative whole number", fix))
    }

    fn string(&self, v: &Value, path: &str, fix: &str) -> eyre::Result<String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.err(path, v, "is not a string", fix))
    }

    /// A decimal string (or JSON number) of whole tokens, as base units.
    fn amount(&self, v: &Value, path: &str, decimals: u8) -> eyre::Result<U256> {
        let fix = format!(
            "use a decimal string of whole tokens (at most {decimals} decimals), e.g. \"1000.50\""
        );
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(self.err(path, v, "is not an amount", &fix)),
        };
        units::parse_decimal(&text, decimals).map_err(|e| self.err(path, v, &e.to_string(), &fix))
    }
}

/// Reads a requests file (see `test/e2e/fixtures/hub-requests.json`) into a planner input.
pub(crate) fn load_requests(path: &Path, config: &ConfigFile) -> eyre::Result<PlanInput> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| eyre!("cannot read --requests {origin}: {e} — check the path"))?;
    let root: Value = serde_json::from_str(&text)
        .map_err(|e| eyre!("--requests {origin} is not valid JSON: {e} — fix the syntax there"))?;
    let at = At { origin: &origin };
    let top = at.object(
        &root,
        "(top level)",
        &["now", "gas_price_gwei", "tokens", "requests"],
    )?;
    let now = at.u64(
        at.get(top, "(top level)", "now")?,
        "now",
        "use unix seconds",
    )?;
    let gas_text = match at.get(top, "(top level)", "gas_price_gwei")? {
        Value::Number(n) => n.to_string(),
        v => at.string(v, "gas_price_gwei", "use gwei, e.g. \"50\"")?,
    };
    let gas = GasMarket::wei(gas_price_arg(
        &format!("{origin}: gas_price_gwei"),
        &gas_text,
    )?);

    let mut tokens = BTreeMap::new();
    let token_obj = at.object(at.get(top, "(top level)", "tokens")?, "tokens", &[])?;
    for (sym, v) in token_obj {
        let p = format!("tokens.{sym}");
        let t = at.object(v, &p, &["decimals", "reserve", "native_price"])?;
        let dv = at.get(t, &p, "decimals")?;
        let decimals = at.u64(
            dv,
            &format!("{p}.decimals"),
            "use the token's ERC-20 decimals, e.g. 6",
        )?;
        let decimals = u8::try_from(decimals)
            .ok()
            .filter(|d| *d <= validate::MAX_DECIMALS)
            .ok_or_else(|| {
                at.err(
                    &format!("{p}.decimals"),
                    dv,
                    "is too large",
                    "use at most 36",
                )
            })?;
        let reserve = at.amount(at.get(t, &p, "reserve")?, &format!("{p}.reserve"), decimals)?;
        let pv = at.get(t, &p, "native_price")?;
        let price = at.amount(pv, &format!("{p}.native_price"), PRICE_DECIMALS)?;
        if price.is_zero() {
            return Err(at.err(
                &format!("{p}.native_price"),
                pv,
                "is zero",
                "use whole tokens per native coin, e.g. \"3500\" for USDC",
            ));
        }
        tokens.insert(
            TokenId(sym.clone()),
            TokenState {
                decimals,
                reserve,
                native_price: Price {
                    value: price,
                    decimals: PRICE_DECIMALS,
                },
                limits: config.limits(sym, decimals)?,
            },
        );
    }

    let list = at.get(top, "(top level)", "requests")?;
    let list = list.as_array().ok_or_else(|| {
        at.err(
            "requests",
            list,
            "is not a list",
            "use a JSON list of requests",
        )
    })?;
    let mut requests = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        requests.push(request(&at, v, &format!("requests[{i}]"), &tokens)?);
    }
    Ok(PlanInput {
        now,
        gas,
        config: config.hub,
        tokens,
        requests,
        served: BTreeMap::new(),
    })
}

fn request(
    at: &At<'_>,
    v: &Value,
    p: &str,
    tokens: &BTreeMap<TokenId, TokenState>,
) -> eyre::Result<Request> {
    let known = ["id", "user", "token", "amount", "max_fee", "requested_at"];
    let r = at.object(v, p, &known)?;
    let id = at.string(
        at.get(r, p, "id")?,
        &format!("{p}.id"),
        "use a unique string id",
    )?;
    let uv = at.get(r, p, "user")?;
    let user: Address = at
        .string(
            uv,
            &format!("{p}.user"),
            "use an address, 0x and 40 hex digits",
        )?
        .parse()
        .map_err(|_| {
            at.err(
                &format!("{p}.user"),
                uv,
                "is not an address",
                "use 0x and 40 hex digits",
            )
        })?;
    let tv = at.get(r, p, "token")?;
    let token = TokenId(at.string(tv, &format!("{p}.token"), "use a key of \"tokens\"")?);
    let decimals = tokens.get(&token).map(|t| t.decimals).ok_or_else(|| {
        at.err(
            &format!("{p}.token"),
            tv,
            "is not in \"tokens\"",
            "add it to \"tokens\" or fix the name",
        )
    })?;
    let av = at.get(r, p, "amount")?;
    let amount = at.amount(av, &format!("{p}.amount"), decimals)?;
    if amount.is_zero() {
        return Err(at.err(
            &format!("{p}.amount"),
            av,
            "is zero",
            "request a positive amount",
        ));
    }
    Ok(Request {
        id: RequestId(id),
        user,
        token,
        amount,
        max_fee: at.amount(at.get(r, p, "max_fee")?, &format!("{p}.max_fee"), decimals)?,
        requested_at: at.u64(
            at.get(r, p, "requested_at")?,
            &format!("{p}.requested_at"),
            "use unix seconds",
        )?,
    })
}
