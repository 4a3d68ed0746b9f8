//! Reading a budget configuration: TOML errors as one line with their location, and the
//! field-naming error every validation failure uses.

use super::config::BudgetConfig;

/// A bad budget configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A value out of range.
    #[error("{field} = {value} {problem} — {fix}")]
    Invalid {
        /// Dotted TOML key.
        field: String,
        /// The value as written.
        value: String,
        /// What is wrong.
        problem: String,
        /// How to fix it.
        fix: String,
    },
    /// The TOML itself (syntax, types, unknown keys), with its location.
    #[error("TOML parse error at line {line}, column {column} (`{snippet}`): {message}")]
    Toml {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The offending line, trimmed.
        snippet: String,
        /// toml's message (one line).
        message: String,
    },
}

pub(super) fn invalid(field: &str, value: impl ToString, problem: &str, fix: &str) -> ConfigError {
    ConfigError::Invalid {
        field: field.to_string(),
        value: value.to_string(),
        problem: problem.to_string(),
        fix: fix.to_string(),
    }
}

/// Parses a TOML budget configuration (missing keys keep the document's baseline).
pub fn parse_toml(text: &str) -> Result<BudgetConfig, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let start = e.span().map_or(0, |s| s.start).min(text.len());
        let before = text.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        let snippet = text.lines().nth(line - 1).unwrap_or("").trim().to_string();
        let message = e.message().split_whitespace().collect::<Vec<_>>().join(" ");
        ConfigError::Toml {
            line,
            column,
            snippet,
            message,
        }
    })
}
