//! Environment overrides: `ONEBALANCER_RPC_URL` and `ONEBALANCER_KEEPER__<SECTION>__<FIELD>`,
//! checked against the fields they may set and inserted into the parsed document.

use std::{borrow::Cow, ops::Range};

use toml::{
    Spanned,
    de::{DeTable, DeValue},
};

use super::{KeeperConfigError, OVERRIDE_PREFIX, RPC_URL_ENV, source::is_secret_key};

/// How an override's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Always a string (paths, URLs, addresses, wei amounts, names).
    Text,
    /// A TOML integer, float or boolean if it parses as one, else a string.
    Scalar,
}

use Kind::{Scalar, Text};

/// Every field an override may set, by section.
pub(super) const FIELDS: &[(&str, &[(&str, Kind)])] = &[
    (
        "chain",
        &[
            ("rpc_url", Text),
            ("chain_id", Scalar),
            ("poll_ms", Scalar),
            ("call_gas_cap", Scalar),
            ("request_timeout_ms", Scalar),
        ],
    ),
    (
        "keeper",
        &[
            ("keystore", Text),
            ("data_dir", Text),
            ("store", Text),
            ("min_balance_wei", Text),
        ],
    ),
    (
        "contracts",
        &[
            ("manifest", Text),
            ("multicall3", Text),
            ("registry", Text),
            ("keystone_forwarder", Text),
        ],
    ),
    (
        "scan",
        &[
            ("every_blocks", Scalar),
            ("forecast", Scalar),
            ("max_skip_secs", Scalar),
            ("sample_secs", Scalar),
        ],
    ),
    (
        "perform",
        &[
            ("mode", Text),
            ("grace_blocks", Scalar),
            ("gas_margin_percent", Scalar),
            ("offpeak_percentile", Scalar),
            ("offpeak_window_blocks", Scalar),
            ("offpeak_max_wait_secs", Scalar),
        ],
    ),
    (
        "tx",
        &[
            ("bump_after_blocks", Scalar),
            ("bump_percent", Scalar),
            ("bump_min_wei", Text),
            ("max_fee_per_gas_wei", Text),
            ("fee_history_blocks", Scalar),
            ("tip_percentile", Scalar),
            ("max_attempts", Scalar),
        ],
    ),
    (
        "metrics",
        &[
            ("listen", Text),
            ("head_stale_secs", Scalar),
            ("scan_stale_secs", Scalar),
        ],
    ),
];

/// One environment override.
#[derive(Debug)]
pub(super) struct Override {
    /// The variable.
    pub(super) var: String,
    section: &'static str,
    field: &'static str,
    /// Its value.
    pub(super) value: String,
    kind: Kind,
}

/// The overrides `env` holds, checked against [`FIELDS`]; `ONEBALANCER_RPC_URL` last, so it
/// wins. Empty values count as unset.
pub(super) fn collect(
    file: &str,
    env: &[(String, String)],
) -> Result<Vec<Override>, KeeperConfigError> {
    let mut sorted: Vec<&(String, String)> = env.iter().collect();
    sorted.sort();
    let mut out = Vec::new();
    let mut rpc = None;
    for (var, value) in sorted {
        if var == RPC_URL_ENV {
            if !value.trim().is_empty() {
                rpc = Some(Override {
                    var: var.clone(),
                    section: "chain",
                    field: "rpc_url",
                    value: value.clone(),
                    kind: Text,
                });
            }
            continue;
        }
        let upper = var.to_ascii_uppercase();
        let Some(rest) = upper.strip_prefix(OVERRIDE_PREFIX) else {
            continue;
        };
        let parts: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        if parts.iter().any(|p| is_secret_key(p)) {
            return Err(KeeperConfigError::SecretOverride {
                file: file.to_string(),
                var: var.clone(),
            });
        }
        let sections = || {
            let names: Vec<&str> = FIELDS.iter().map(|(s, _)| *s).collect();
            format!("a section of {}", names.join(", "))
        };
        let [section, field] = parts.as_slice() else {
            return Err(KeeperConfigError::UnknownOverride {
                file: file.to_string(),
                var: var.clone(),
                problem: "it needs exactly one `__` between the section and the field".into(),
                known: sections(),
            });
        };
        let Some((section, fields)) = FIELDS.iter().find(|(s, _)| s == section) else {
            return Err(KeeperConfigError::UnknownOverride {
                file: file.to_string(),
                var: var.clone(),
                problem: format!("there is no section [{section}]"),
                known: sections(),
            });
        };
        let Some((field, kind)) = fields.iter().find(|(f, _)| f == field) else {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            return Err(KeeperConfigError::UnknownOverride {
                file: file.to_string(),
                var: var.clone(),
                problem: format!("[{section}] has no field {field}"),
                known: format!("a field of [{section}]: {}", names.join(", ")),
            });
        };
        if !value.trim().is_empty() {
            out.push(Override {
                var: var.clone(),
                section,
                field,
                value: value.clone(),
                kind: *kind,
            });
        }
    }
    out.extend(rpc);
    Ok(out)
}

/// Sets `[section] field` to the override's value, creating the section if the file has none
/// (positioned at the end of the text). A section that is not a table is left for the
/// deserialiser to report.
pub(super) fn apply<'a>(root: &mut DeTable<'a>, o: &'a Override, span: Range<usize>, end: usize) {
    let value = match o.kind {
        Text => DeValue::String(Cow::Borrowed(o.value.as_str())),
        Scalar => match DeValue::parse(o.value.trim()) {
            Ok(v)
                if v.get_ref().is_integer() || v.get_ref().is_float() || v.get_ref().is_bool() =>
            {
                v.into_inner()
            }
            _ => DeValue::String(Cow::Borrowed(o.value.as_str())),
        },
    };
    let section = root
        .entry(Spanned::new(end..end, Cow::Borrowed(o.section)))
        .or_insert_with(|| Spanned::new(end..end, DeValue::Table(DeTable::new())));
    if let DeValue::Table(table) = section.get_mut() {
        table.insert(
            Spanned::new(span.clone(), Cow::Borrowed(o.field)),
            Spanned::new(span, value),
        );
    }
}
