//! From text to [`KeeperConfig`]: TOML with positions, the secret check, environment overrides,
//! and deserialisation errors turned into one line naming the field and where it is.
//!
//! Override values are inserted into the parsed document with positions past the end of the
//! text, one per variable, so an error in one is reported against its variable.

use std::{ops::Range, path::Path};

use serde::Deserialize;
use toml::{
    Spanned,
    de::{DeTable, DeValue},
};

use super::{
    KeeperConfig, KeeperConfigError,
    overrides::{self, Override},
};

/// How [`KeeperConfig::from_toml_str`] text is named in messages.
pub(super) const INLINE: &str = "(inline TOML)";

/// Whether a key looks like it holds a signing secret (`private_key`, `privateKey`, `key`,
/// `mnemonic`, `password`, …), whatever its case and separators.
pub(super) fn is_secret_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    k == "key"
        || k == "secret"
        || k == "passwd"
        || k == "seed"
        || ["privatekey", "signingkey", "secretkey", "seedphrase"]
            .iter()
            .any(|s| k.ends_with(s))
        || ["mnemonic", "password", "passphrase"]
            .iter()
            .any(|s| k.contains(s))
}

/// Parses `text` (named `file`), applies the overrides in `env`, deserialises.
pub(super) fn parse(
    text: &str,
    file: &str,
    base_dir: &Path,
    env: &[(String, String)],
) -> Result<KeeperConfig, KeeperConfigError> {
    let overrides = overrides::collect(file, env)?;
    let mut root = DeTable::parse(text).map_err(|e| syntax_error(text, file, &e))?;
    find_secret(root.get_ref(), text, file, "")?;
    for (i, o) in overrides.iter().enumerate() {
        let start = text.len() + 1 + i;
        overrides::apply(root.get_mut(), o, start..start + 1, text.len());
    }
    let paths = root.clone();
    let mut config = KeeperConfig::deserialize(toml::de::Deserializer::from(root))
        .map_err(|e| field_error(&e, text, file, paths.get_ref(), &overrides))?;
    config.file = file.to_string();
    config.base_dir = base_dir.to_path_buf();
    Ok(config)
}

/// Refuses the first secret-looking key anywhere in the document (never its value).
fn find_secret(
    table: &DeTable<'_>,
    text: &str,
    file: &str,
    prefix: &str,
) -> Result<(), KeeperConfigError> {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        if is_secret_key(key.get_ref()) {
            return Err(KeeperConfigError::Secret {
                file: file.to_string(),
                line: line_col(text, key.span().start).0,
                field: path,
            });
        }
        find_secret_in(value, text, file, &path)?;
    }
    Ok(())
}

fn find_secret_in(
    value: &Spanned<DeValue<'_>>,
    text: &str,
    file: &str,
    path: &str,
) -> Result<(), KeeperConfigError> {
    match value.get_ref() {
        DeValue::Table(t) => find_secret(t, text, file, path),
        DeValue::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| find_secret_in(v, text, file, &format!("{path}[{i}]"))),
        _ => Ok(()),
    }
}

/// A syntax error — unless the text holds a secret-looking key, which is refused instead, so a
/// malformed secret line is never described.
fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> KeeperConfigError {
    let (recovered, _) = DeTable::parse_recoverable(text);
    if let Err(secret) = find_secret(recovered.get_ref(), text, file, "") {
        return secret;
    }
    let (line, column) = line_col(text, e.span().map_or(0, |s| s.start));
    let key = text
        .lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.split('=').next())
        .unwrap_or("");
    let last = key.trim().trim_matches(['[', ']']).rsplit('.').next();
    let last = last.unwrap_or("").trim().trim_matches(['"', '\'']);
    if is_secret_key(last) {
        return KeeperConfigError::Secret {
            file: file.to_string(),
            line,
            field: key.trim().to_string(),
        };
    }
    KeeperConfigError::Syntax {
        file: file.to_string(),
        line,
        column,
        reason: one_line(e.message()),
    }
}

/// A deserialisation error as one line: field, position (or the variable that set it), problem,
/// fix.
fn field_error(
    e: &toml::de::Error,
    text: &str,
    file: &str,
    root: &DeTable<'_>,
    overrides: &[Override],
) -> KeeperConfigError {
    let message = one_line(e.message());
    let span = e.span();
    let path = span.clone().and_then(|s| path_of(root, &s, ""));
    let at = match span {
        Some(s) if s.start > text.len() => overrides
            .get(s.start - text.len() - 1)
            .map(|o| format!(" (environment variable {} = {:?})", o.var, o.value))
            .unwrap_or_default(),
        Some(s) => {
            let (line, column) = line_col(text, s.start);
            format!(":{line}:{column}")
        }
        None => String::new(),
    };
    let (field, problem, fix) = describe(&message, path.unwrap_or_default());
    KeeperConfigError::Field {
        file: file.to_string(),
        at,
        field,
        problem,
        fix,
    }
}

/// Splits a deserialiser message into (field, problem, fix).
fn describe(message: &str, path: String) -> (String, String, String) {
    let field = |path: String| {
        if path.is_empty() {
            "the file".to_string()
        } else {
            path
        }
    };
    if let Some((problem, fix)) = message.split_once(" — ") {
        // One of ours (`values`): `VALUE is not … — FIX`.
        return (field(path), format!("= {problem}"), fix.to_string());
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let expected = rest.split_once("`, ").map_or("", |(_, e)| e);
        let problem = if expected.is_empty() {
            "is not a known field".to_string()
        } else {
            format!("is not a known field ({expected})")
        };
        let fix = "correct its spelling or remove it";
        return (field(path), problem, fix.into());
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        if name == "chain" {
            let fix = "add a [chain] section with chain_id (and rpc_url, unless ONEBALANCER_RPC_URL is set)";
            return ("[chain]".into(), "is missing".into(), fix.into());
        }
        let full = if path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return (
            full,
            "is missing".into(),
            "add it: it has no default".into(),
        );
    }
    let fix = if message.contains("overflow") {
        "write large numbers as a decimal string"
    } else if message.starts_with("unknown variant") {
        "use one of the values listed"
    } else {
        "give a value of the type expected"
    };
    (field(path), format!("is invalid: {message}"), fix.into())
}

/// The path (`section.field`, `targets[2].address`) of the key or value at exactly `span`.
fn path_of(table: &DeTable<'_>, span: &Range<usize>, prefix: &str) -> Option<String> {
    // Deepest first: an array of one table can share that table's span.
    table.iter().find_map(|(key, value)| {
        let path = join(prefix, key.get_ref());
        path_in(value, span, &path)
            .or_else(|| (key.span() == *span || value.span() == *span).then_some(path))
    })
}

fn path_in(value: &Spanned<DeValue<'_>>, span: &Range<usize>, path: &str) -> Option<String> {
    match value.get_ref() {
        DeValue::Table(t) => path_of(t, span, path),
        DeValue::Array(a) => a.iter().enumerate().find_map(|(i, v)| {
            let path = format!("{path}[{i}]");
            path_in(v, span, &path).or_else(|| (v.span() == *span).then_some(path))
        }),
        _ => None,
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// 1-based line and column (in characters) of byte `pos`.
pub(super) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let mut pos = pos.min(text.len());
    while !text.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = text.get(..pos).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
