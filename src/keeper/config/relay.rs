//! `[relay]`: where the keeper sends every order its targets publish, so takers off chain see
//! them — and its checked form, [`RelaySettings`].
//!
//! ```toml
//! [relay]
//! sinks = [
//!   { kind = "oneinch", url = "https://api.1inch.dev/orderbook/v4.0" },
//!   { kind = "webhook", url = "https://takers.example.org/orders", bearer_env = "TAKERS_TOKEN" },
//! ]
//! timeout_ms = 10000
//! ```
//!
//! A `oneinch` sink is the 1inch Orderbook API: the order goes to `POST {url}/{chain_id}/` with
//! the API key from [`ONEINCH_API_KEY_ENV`] as a bearer token. A `webhook` sink receives the
//! [`WebhookOrder`](crate::model::relay::WebhookOrder) JSON at `url` itself, with a bearer token
//! from the variable `bearer_env` names when one is given. Secrets only ever come from the
//! environment: the file names a variable, never a value.

use std::time::Duration;

use alloy::transports::http::reqwest::Url;
use serde::{Deserialize, Serialize};

use super::{KeeperConfig, KeeperConfigError};

/// The variable holding the 1inch API key (a 1inch Business Portal key).
pub const ONEINCH_API_KEY_ENV: &str = "ONEBALANCER_ONEINCH_API_KEY";

/// What a sink is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    /// The 1inch Orderbook API (v4 order JSON, `POST {url}/{chain_id}/`).
    Oneinch,
    /// A generic webhook (the webhook message, `POST {url}`).
    Webhook,
}

impl SinkKind {
    /// Its name in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oneinch => "oneinch",
            Self::Webhook => "webhook",
        }
    }
}

/// One `[[relay.sinks]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkEntry {
    /// `"oneinch"` or `"webhook"`.
    pub kind: SinkKind,
    /// http(s): for `oneinch` the API's base (`https://api.1inch.dev/orderbook/v4.0`), for a
    /// webhook the URL posted to.
    pub url: String,
    /// The sink's name in the store and the logs (default: the URL without its query). Orders
    /// are sent once per name: renaming a sink sends every live order to it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A webhook's bearer token comes from this environment variable (never from the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_env: Option<String>,
}

/// `[relay]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaySection {
    /// Where orders go; at least one.
    pub sinks: Vec<SinkEntry>,
    /// One POST's timeout, ms.
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// Tries of one order at one sink (the first and its retries) before it is given up.
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// The first retry's wait, ms; each further retry waits twice as long.
    #[serde(default = "defaults::backoff_ms")]
    pub backoff_ms: u64,
    /// The longest wait between tries, ms.
    #[serde(default = "defaults::max_backoff_ms")]
    pub max_backoff_ms: u64,
    /// The first block whose bundles a fresh store relays (default: the head at the first
    /// start). Expired orders are never sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_block: Option<u64>,
}

/// One sink, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sink {
    /// Its name (the store's key with the order hash).
    pub name: String,
    /// What it is.
    pub kind: SinkKind,
    /// Where each order is posted (`{url}/{chain_id}/` for 1inch).
    pub endpoint: Url,
    /// The variable holding its bearer token: [`ONEINCH_API_KEY_ENV`] for 1inch, `bearer_env`
    /// for a webhook.
    pub token_env: Option<String>,
}

/// `[relay]`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelaySettings {
    /// The sinks, in file order.
    pub sinks: Vec<Sink>,
    /// One POST's timeout.
    pub timeout: Duration,
    /// Tries per order and sink.
    pub max_attempts: u32,
    /// First retry's wait, ms.
    pub backoff_ms: u64,
    /// Longest wait, ms.
    pub max_backoff_ms: u64,
    /// Where a fresh store starts reading.
    pub from_block: Option<u64>,
}

/// `url` for messages and default names: scheme, host, port and path — no user, password or
/// query (they may hold tokens).
pub fn display_url(url: &Url) -> String {
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    format!(
        "{}://{}{port}{path}",
        url.scheme(),
        url.host_str().unwrap_or("")
    )
}

impl KeeperConfig {
    /// `[relay]` checked, if the keeper relays orders. The sinks' secrets are not read here
    /// (see [`RelaySettings::tokens`]).
    pub fn relay(&self) -> Result<Option<RelaySettings>, KeeperConfigError> {
        let Some(r) = &self.relay else {
            return Ok(None);
        };
        if r.sinks.is_empty() {
            return Err(self.invalid(
                "relay.sinks",
                "[]",
                "lists no sink",
                "add { kind = \"oneinch\", url = \"https://api.1inch.dev/orderbook/v4.0\" } or { kind = \"webhook\", url = \"https://…\" }, or remove [relay]",
            ));
        }
        self.range("relay.timeout_ms", r.timeout_ms, 100, 120_000, 10_000)?;
        self.range("relay.max_attempts", r.max_attempts, 1, 100, 8)?;
        self.range("relay.backoff_ms", r.backoff_ms, 10, 3_600_000, 1_000)?;
        self.range(
            "relay.max_backoff_ms",
            r.max_backoff_ms,
            r.backoff_ms,
            86_400_000,
            60_000,
        )?;
        let mut sinks: Vec<Sink> = Vec::with_capacity(r.sinks.len());
        for (i, s) in r.sinks.iter().enumerate() {
            let field = format!("relay.sinks[{i}].url");
            let fix = match s.kind {
                SinkKind::Oneinch => {
                    "give the Orderbook API's http(s) base, e.g. \"https://api.1inch.dev/orderbook/v4.0\""
                }
                SinkKind::Webhook => {
                    "give the webhook's http:// or https:// URL, e.g. \"https://takers.example.org/orders\""
                }
            };
            let url = match Url::parse(s.url.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => u,
                Ok(u) => {
                    return Err(self.invalid(
                        &field,
                        format!("{:?}", display_url(&u)),
                        "is not an http(s) URL",
                        fix,
                    ));
                }
                Err(e) => {
                    return Err(self.invalid(
                        &field,
                        format!("{:?}", s.url.split('?').next().unwrap_or("")),
                        &format!("is not a URL ({e})"),
                        fix,
                    ));
                }
            };
            let endpoint = match s.kind {
                SinkKind::Webhook => url.clone(),
                SinkKind::Oneinch => {
                    let base = url.as_str().trim_end_matches('/');
                    let joined = format!("{base}/{}/", self.chain.chain_id);
                    Url::parse(&joined).map_err(|e| {
                        self.invalid(
                            &field,
                            format!("{:?}", display_url(&url)),
                            &format!("gives no URL with the chain id ({e})"),
                            fix,
                        )
                    })?
                }
            };
            let token_env = match (s.kind, &s.bearer_env) {
                (SinkKind::Oneinch, Some(v)) => {
                    return Err(self.invalid(
                        &format!("relay.sinks[{i}].bearer_env"),
                        format!("{v:?}"),
                        "is for webhooks",
                        format!(
                            "remove it: a oneinch sink's key always comes from {ONEINCH_API_KEY_ENV}"
                        ),
                    ));
                }
                (SinkKind::Oneinch, None) => Some(ONEINCH_API_KEY_ENV.to_string()),
                (SinkKind::Webhook, Some(v)) => {
                    let ok = !v.is_empty()
                        && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
                        && !v.as_bytes()[0].is_ascii_digit();
                    if !ok {
                        return Err(self.invalid(
                            &format!("relay.sinks[{i}].bearer_env"),
                            format!("{v:?}"),
                            "is not an environment variable's name",
                            "give the NAME of the variable that holds the token (letters, digits, _), never the token",
                        ));
                    }
                    Some(v.clone())
                }
                (SinkKind::Webhook, None) => None,
            };
            let name = s
                .name
                .clone()
                .unwrap_or_else(|| format!("{} {}", s.kind.as_str(), display_url(&url)));
            if name.trim().is_empty() {
                return Err(self.invalid(
                    &format!("relay.sinks[{i}].name"),
                    "\"\"",
                    "is empty",
                    "give the sink a name, or remove the line for the default",
                ));
            }
            if let Some(j) = sinks.iter().position(|k| k.name == name) {
                return Err(self.invalid(
                    &format!("relay.sinks[{i}].name"),
                    format!("{name:?}"),
                    &format!("is relay.sinks[{j}]'s name too"),
                    "give each sink its own name (orders are sent once per name)",
                ));
            }
            sinks.push(Sink {
                name,
                kind: s.kind,
                endpoint,
                token_env,
            });
        }
        Ok(Some(RelaySettings {
            sinks,
            timeout: Duration::from_millis(r.timeout_ms),
            max_attempts: r.max_attempts,
            backoff_ms: r.backoff_ms,
            max_backoff_ms: r.max_backoff_ms,
            from_block: r.from_block,
        }))
    }
}

/// A sink's secret missing from the environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "relay sink {sink:?} ({kind}) needs a bearer token in {var}, which is not set — export {var} (the token is read from the environment only, never from the config file){hint}"
)]
pub struct MissingToken {
    /// The sink.
    pub sink: String,
    /// Its kind.
    pub kind: &'static str,
    /// The variable.
    pub var: String,
    /// Where to get one.
    pub hint: &'static str,
}

impl RelaySettings {
    /// Each sink's bearer token, read from the environment with `get` (`None` for a webhook
    /// without one); a variable a sink names but the environment lacks is an error.
    pub fn tokens(
        &self,
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Vec<Option<String>>, MissingToken> {
        self.sinks
            .iter()
            .map(|s| match &s.token_env {
                None => Ok(None),
                Some(var) => match get(var).filter(|v| !v.trim().is_empty()) {
                    Some(v) => Ok(Some(v)),
                    None => Err(MissingToken {
                        sink: s.name.clone(),
                        kind: s.kind.as_str(),
                        var: var.clone(),
                        hint: match s.kind {
                            SinkKind::Oneinch => {
                                "; get an API key from the 1inch Business Portal (business.1inch.com)"
                            }
                            SinkKind::Webhook => "",
                        },
                    }),
                },
            })
            .collect()
    }
}

/// The relay's defaults.
pub(super) mod defaults {
    pub(crate) fn timeout_ms() -> u64 {
        10_000
    }
    pub(crate) fn max_attempts() -> u32 {
        8
    }
    pub(crate) fn backoff_ms() -> u64 {
        1_000
    }
    pub(crate) fn max_backoff_ms() -> u64 {
        60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(relay: &str) -> Result<Option<RelaySettings>, KeeperConfigError> {
        let text = format!(
            "[chain]\nrpc_url = \"http://127.0.0.1:8545\"\nchain_id = 8453\n\n[[targets]]\naddress = \"0x1111111111111111111111111111111111111111\"\n\n{relay}"
        );
        let c = KeeperConfig::from_toml_str(&text, std::path::Path::new("/cfg"), &[])?;
        c.validate()?;
        c.relay()
    }

    #[test]
    fn sinks_get_their_endpoints_names_and_the_defaults() {
        let r = parse(
            "[relay]\nsinks = [\n  { kind = \"oneinch\", url = \"https://api.1inch.dev/orderbook/v4.0\" },\n  { kind = \"webhook\", url = \"http://127.0.0.1:9000/hook?t=abc\", bearer_env = \"HOOK_TOKEN\" },\n]\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            r.sinks[0].endpoint.as_str(),
            "https://api.1inch.dev/orderbook/v4.0/8453/"
        );
        assert_eq!(
            r.sinks[0].name,
            "oneinch https://api.1inch.dev/orderbook/v4.0"
        );
        assert_eq!(r.sinks[0].token_env.as_deref(), Some(ONEINCH_API_KEY_ENV));
        assert_eq!(
            r.sinks[1].endpoint.as_str(),
            "http://127.0.0.1:9000/hook?t=abc"
        );
        assert_eq!(r.sinks[1].name, "webhook http://127.0.0.1:9000/hook");
        assert_eq!(
            (r.timeout, r.max_attempts, r.backoff_ms, r.max_backoff_ms),
            (Duration::from_secs(10), 8, 1_000, 60_000)
        );
        // a trailing slash on the base changes nothing
        let r = parse(
            "[relay]\nsinks = [{ kind = \"oneinch\", url = \"https://api.1inch.dev/orderbook/v4.0/\" }]\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            r.sinks[0].endpoint.as_str(),
            "https://api.1inch.dev/orderbook/v4.0/8453/"
        );
    }

    #[test]
    fn a_sink_url_that_is_not_http_is_one_line_naming_field_value_and_fix() {
        let e = parse("[relay]\nsinks = [{ kind = \"webhook\", url = \"ftp://x\" }]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("relay.sinks[0].url = \"ftp://x\" is not an http(s) URL — give"),
            "{e}"
        );
        assert!(!e.contains('\n'), "{e}");
        let e = parse(
            "[relay]\nsinks = [{ kind = \"webhook\", url = \"https://a.example\" }, { kind = \"oneinch\", url = \"not a url\" }]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("relay.sinks[1].url = \"not a url\" is not a URL")
                && e.contains("api.1inch.dev"),
            "{e}"
        );
        // a query (which may hold a token) is never echoed
        let e = parse("[relay]\nsinks = [{ kind = \"webhook\", url = \"wss://h.example/p?token=SECRET1\" }]\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("relay.sinks[0].url = \"wss://h.example/p\""),
            "{e}"
        );
        assert!(!e.contains("SECRET1"), "{e}");
    }

    #[test]
    fn other_bad_relay_fields_are_named_with_their_fix() {
        for (text, needles) in [
            ("[relay]\nsinks = []\n", vec!["relay.sinks = []", "no sink"]),
            (
                "[relay]\nsinks = [{ kind = \"webhook\", url = \"http://a\" }]\ntimeout_ms = 0\n",
                vec!["relay.timeout_ms = 0", "100..=120000"],
            ),
            (
                "[relay]\nsinks = [{ kind = \"webhook\", url = \"http://a\" }]\nbackoff_ms = 5000\nmax_backoff_ms = 10\n",
                vec!["relay.max_backoff_ms = 10", "5000..="],
            ),
            (
                "[relay]\nsinks = [{ kind = \"webhook\", url = \"http://a\" }, { kind = \"webhook\", url = \"http://a/\" }]\n",
                vec!["relay.sinks[1].name", "relay.sinks[0]'s name"],
            ),
            (
                "[relay]\nsinks = [{ kind = \"oneinch\", url = \"http://a\", bearer_env = \"X\" }]\n",
                vec!["relay.sinks[0].bearer_env", ONEINCH_API_KEY_ENV],
            ),
            (
                "[relay]\nsinks = [{ kind = \"webhook\", url = \"http://a\", bearer_env = \"abc def\" }]\n",
                vec!["relay.sinks[0].bearer_env", "NAME of the variable"],
            ),
            (
                "[relay]\nsinks = [{ kind = \"zeroex\", url = \"http://a\" }]\n",
                vec!["zeroex", "oneinch"],
            ),
        ] {
            let e = parse(text).unwrap_err().to_string();
            for n in &needles {
                assert!(e.contains(n), "{n:?} not in: {e}");
            }
        }
    }

    #[test]
    fn the_examples_relay_block_uncommented_lists_every_field_at_its_default() {
        let example = KeeperConfig::example();
        let start = example.find("# [relay]").unwrap();
        let block: String = example[start..]
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .filter(|l| !l.trim_start().starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        let text = format!(
            "[chain]\nrpc_url = \"http://127.0.0.1:8545\"\nchain_id = 1\n\n[[targets]]\naddress = \"0x1111111111111111111111111111111111111111\"\n\n{block}"
        );
        let c = KeeperConfig::from_toml_str(&text, std::path::Path::new("/cfg"), &[]).unwrap();
        let r = c.relay.clone().unwrap();
        assert_eq!(r.sinks.len(), 2);
        assert_eq!(
            (r.timeout_ms, r.max_attempts, r.backoff_ms, r.max_backoff_ms),
            (
                defaults::timeout_ms(),
                defaults::max_attempts(),
                defaults::backoff_ms(),
                defaults::max_backoff_ms()
            )
        );
        assert_eq!(r.from_block, Some(0));
        for field in ["kind", "url", "name", "bearer_env"] {
            assert!(example.contains(field), "{field}");
        }
        c.relay().unwrap().unwrap();
    }

    #[test]
    fn tokens_come_from_the_environment_only() {
        let r = parse(
            "[relay]\nsinks = [{ kind = \"oneinch\", url = \"https://api.1inch.dev/orderbook/v4.0\" }, { kind = \"webhook\", url = \"http://a\" }]\n",
        )
        .unwrap()
        .unwrap();
        let e = r.tokens(|_| None).unwrap_err().to_string();
        assert!(
            e.contains(ONEINCH_API_KEY_ENV) && e.contains("not set"),
            "{e}"
        );
        let t = r
            .tokens(|v| (v == ONEINCH_API_KEY_ENV).then(|| "k1".to_string()))
            .unwrap();
        assert_eq!(t, vec![Some("k1".to_string()), None]);
    }
}
