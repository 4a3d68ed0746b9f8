//! `onebalancer report`: what the keeper's store says about the fleet it serves — performs by
//! source and path, gas per path and per bp of drift removed, drift at trigger, fills against
//! the oracle, the registry's charges measured against the fee model from the same inputs, cost
//! per month and the next 7 days, top-ups and band changes — as a table or JSON, with an SVG of
//! drift against the bands and of each upkeep's balance against its refill threshold. Reads the
//! store only; sends nothing.

mod chart;
mod data;
mod table;

use std::path::PathBuf;

use eyre::eyre;

use crate::{cli::output, keeper::config::KeeperConfig, store::Store};

pub(crate) use data::ReportData;

/// Options of `report`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The keeper's config: its store, chain and target names.
    #[arg(long, value_name = "FILE", conflicts_with = "store")]
    pub config: Option<PathBuf>,
    /// A keeper store (SQLite file) to read instead of the one a config names.
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
    /// With --store holding several chains: the chain to report on.
    #[arg(long, requires = "store")]
    pub chain_id: Option<u64>,
    /// Only what happened in this last span: `90m`, `24h`, `7d`, or seconds (`3600`).
    #[arg(long, value_name = "SPAN")]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the charts (SVG) to this file.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for people.
    Table,
    /// One JSON document; amounts are decimal strings of base units.
    Json,
}

/// `--since` as seconds.
pub(crate) fn parse_span(text: &str) -> eyre::Result<u64> {
    let t = text.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, "s"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => 0,
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| scale > 0)
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| {
            eyre!(
                "--since {text:?} is not a span — give a number with s, m, h or d, e.g. --since 7d"
            )
        })
}

async fn open(args: &ReportArgs) -> eyre::Result<(Store, u64, Option<KeeperConfig>)> {
    if let Some(path) = &args.store {
        if !path.exists() {
            return Err(eyre!(
                "--store {}: no such file — give the keeper's SQLite store (its data_dir/keeper.sqlite)",
                path.display()
            ));
        }
        let store = Store::open(&path.to_string_lossy()).await?;
        let chains = store.telemetry_chains().await?;
        let chain_id = match (args.chain_id, chains.as_slice()) {
            (Some(c), _) => c,
            (None, [one]) => *one,
            (None, []) => {
                return Err(eyre!(
                    "--store {}: no telemetry yet — run the keeper on it first",
                    path.display()
                ));
            }
            (None, many) => {
                return Err(eyre!(
                    "--store {} holds chains {many:?} — pass --chain-id",
                    path.display()
                ));
            }
        };
        return Ok((store, chain_id, None));
    }
    let file = args
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("keeper.toml"));
    let config = KeeperConfig::load(&file)?;
    let store = crate::cli::open_keeper_store(&config).await?;
    let chain_id = config.chain.chain_id;
    Ok((store, chain_id, Some(config)))
}

/// Runs `report`.
pub async fn run(args: ReportArgs) -> eyre::Result<()> {
    let span = args.since.as_deref().map(parse_span).transpose()?;
    let (store, chain_id, config) = open(&args).await?;
    let data = data::read(&store, chain_id, config.as_ref(), span).await?;
    store.close().await;
    if let Some(path) = &args.chart {
        std::fs::write(path, chart::document(&data)).map_err(|e| {
            eyre!(
                "cannot write --chart {}: {e} — give a writable path",
                path.display()
            )
        })?;
    }
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&data.json())
                .map_err(|e| eyre!("cannot encode the report as JSON: {e}"))?;
            output::line(&text);
        }
        Format::Table => output::line(&table::render(&data)),
    }
    if let Some(path) = &args.chart
        && args.format == Format::Table
    {
        output::line(&format!("charts written to {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_span;

    #[test]
    fn spans_take_a_unit_and_refuse_anything_else() {
        assert_eq!(parse_span("7d").unwrap(), 604_800);
        assert_eq!(parse_span("90m").unwrap(), 5_400);
        assert_eq!(parse_span("24h").unwrap(), 86_400);
        assert_eq!(parse_span("3600").unwrap(), 3_600);
        for bad in ["", "7w", "d", "-1d", "1.5h"] {
            let e = parse_span(bad).unwrap_err().to_string();
            assert!(
                e.contains("--since") && e.contains("e.g. --since 7d"),
                "{e}"
            );
        }
    }
}
