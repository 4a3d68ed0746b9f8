//! The devnet's live status: on a terminal one line rewritten every second; otherwise a plain
//! log line every ten seconds. Blocks, prices, each target's drift against its band, performs
//! by source, fills, and whether the simulated DON is up.
#![allow(clippy::print_stdout)] // the status line is this command's output

use std::{
    io::{IsTerminal, Write},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use alloy::{
    primitives::{Address, I256},
    providers::{DynProvider, Provider},
};
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    chain::bindings::MockV3Aggregator, devnet::record::DemoRecord, keeper::engine::Status,
    store::Source,
};

/// The running status printer; dropping it stops it (and ends the terminal line).
pub(super) struct Live {
    task: JoinHandle<()>,
    terminal: bool,
}

impl Drop for Live {
    fn drop(&mut self) {
        self.task.abort();
        if self.terminal {
            println!();
        }
    }
}

impl Live {
    /// Starts printing; `status` is the keeper's, `don_stopped` the DON's switch.
    pub(super) fn start(
        reader: DynProvider,
        demo: &DemoRecord,
        status: Option<watch::Receiver<Status>>,
        don_stopped: Arc<AtomicBool>,
    ) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let feeds: Vec<(String, Address)> = demo
            .assets
            .iter()
            .filter(|a| a.symbol == "WBTC" || a.symbol == "WETH")
            .map(|a| (a.symbol.clone(), a.feed))
            .collect();
        let every = if terminal {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(10)
        };
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let line = line(&reader, &feeds, status.as_ref(), &don_stopped).await;
                if terminal {
                    print!("\r\x1b[2K{line}");
                    let _ = std::io::stdout().flush();
                } else {
                    tracing::info!("{line}");
                }
            }
        });
        Self { task, terminal }
    }
}

async fn line(
    reader: &DynProvider,
    feeds: &[(String, Address)],
    status: Option<&watch::Receiver<Status>>,
    don_stopped: &AtomicBool,
) -> String {
    let block = reader.get_block_number().await.unwrap_or(0);
    let mut parts = vec![format!("block {block}")];
    for (symbol, feed) in feeds {
        let price = MockV3Aggregator::new(*feed, reader)
            .latestAnswer()
            .call()
            .await
            .map_or_else(|_| "?".to_string(), dollars);
        parts.push(format!("{symbol} {price}"));
    }
    parts.push(format!(
        "DON {}",
        if don_stopped.load(Ordering::SeqCst) {
            "stopped"
        } else {
            "up"
        }
    ));
    if let Some(s) = status {
        let s = s.borrow().clone();
        let drifts: Vec<String> = s
            .targets
            .iter()
            .map(|t| {
                let d = t.drift_bps.map_or("?".to_string(), |d| d.to_string());
                let b = t.band_bps.map_or("?".to_string(), |b| b.to_string());
                let mark = if t.needed { "!" } else { "" };
                format!("{} {d}/{b}bp{mark}", t.name)
            })
            .collect();
        parts.push(drifts.join(" "));
        let by = |src: Source| s.performs.get(&src).copied().unwrap_or(0);
        parts.push(format!(
            "performs chainlink {} keeper {} cre {}",
            by(Source::Chainlink),
            by(Source::Keeper),
            by(Source::Cre)
        ));
        parts.push(format!("fills {}", s.fills));
        parts.push(format!("refused {}", s.refused));
    }
    parts.join(" | ")
}

/// A feed answer with 8 decimals as whole dollars.
fn dollars(answer: I256) -> String {
    let cents = answer / I256::try_from(1_000_000i64).unwrap_or(I256::ONE);
    let c = cents.to_string().parse::<i128>().unwrap_or(0);
    format!("${}.{:02}", c / 100, (c % 100).abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_answers_print_as_dollars() {
        assert_eq!(
            dollars(I256::try_from(6_000_012_345_678i64).unwrap()),
            "$60000.12"
        );
        assert_eq!(dollars(I256::try_from(100_000_000i64).unwrap()), "$1.00");
    }
}
