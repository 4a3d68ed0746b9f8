//! `onebalancer budget`: the fee budget tables of the economics document, recomputed exactly.

mod svg;
mod text;

use std::path::PathBuf;

use clap::ValueEnum;
use eyre::{WrapErr, eyre};

use crate::{
    cli::output,
    model::fees::{Budget, assumptions::Assumptions, config::BudgetConfig, parse_toml},
};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for people.
    Text,
    /// Every table as JSON; amounts are decimal strings of integers (wei, juels, micro-USD).
    Json,
}

/// Options of `onebalancer budget`.
#[derive(Debug, Clone, clap::Args)]
pub struct BudgetArgs {
    /// TOML file overriding any assumption (gas_price_gwei, premium_percent, [scenarios.base], …);
    /// every key defaults to the economics document's baseline; unknown keys are rejected.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also draw monthly cost against gas price for each scenario into this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
}

/// Loads the configuration: the document's baseline, overridden by `--config`.
fn load(config: Option<&PathBuf>) -> eyre::Result<Assumptions> {
    let cfg = match config {
        None => BudgetConfig::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                eyre!(
                    "cannot read --config {}: {e} — check the path",
                    path.display()
                )
            })?;
            parse_toml(&text).map_err(|e| eyre!("{}: {e}", path.display()))?
        }
    };
    let shown = config.map_or_else(|| "defaults".to_string(), |p| p.display().to_string());
    cfg.validate().map_err(|e| eyre!("{shown}: {e}"))
}

/// Runs `onebalancer budget`.
pub fn run(args: BudgetArgs) -> eyre::Result<()> {
    let assumptions = load(args.config.as_ref())?;
    let budget = Budget::build(&assumptions).map_err(|e| eyre!("{e} — use realistic inputs"))?;
    if let Some(path) = &args.chart {
        let drawing = svg::chart(&assumptions).map_err(|e| eyre!("cannot draw the chart: {e}"))?;
        std::fs::write(path, drawing)
            .wrap_err_with(|| format!("cannot write --chart {}", path.display()))?;
    }
    match args.format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&budget)
                .map_err(|e| eyre!("cannot encode the budget as JSON: {e}"))?;
            output::line(&json);
        }
        Format::Text => {
            for l in text::render(&budget) {
                output::line(&l);
            }
        }
    }
    Ok(())
}
