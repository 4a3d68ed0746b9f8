//! The shared drift vectors: one JSON object per case, one case per line, keys in the order the
//! forge test writes them (`test/utils/DriftJson.sol`), every integer a decimal string.

use std::{fmt::Display, str::FromStr};

use alloy::primitives::{Address, B64, B256, I256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::model::drift::{
    Asset, DriftError, Measure, OrderContext, PATH_BOTH, PATH_GLOBAL, PATH_STABLE, Portfolio,
    Rules, dust, evaluate, plan,
};

mod dec {
    use super::*;
    pub(super) fn serialize<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
    pub(super) fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|e| de::Error::custom(format!("{s:?}: {e}")))
    }
}

mod dec_vec {
    use super::*;
    pub(super) fn serialize<T: Display, S: Serializer>(v: &[T], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(ToString::to_string))
    }
    pub(super) fn deserialize<'de, T, D>(d: D) -> Result<Vec<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|s| {
                s.parse()
                    .map_err(|e| de::Error::custom(format!("{s:?}: {e}")))
            })
            .collect()
    }
}

/// A case's inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CaseInput {
    pub(crate) name: String,
    #[serde(with = "dec_vec")]
    pub(crate) token_decimals: Vec<u8>,
    #[serde(with = "dec_vec")]
    pub(crate) feed_decimals: Vec<u8>,
    #[serde(with = "dec_vec")]
    pub(crate) prices: Vec<U256>,
    #[serde(with = "dec_vec")]
    pub(crate) balances: Vec<U256>,
    #[serde(with = "dec_vec")]
    pub(crate) targets: Vec<u16>,
    #[serde(with = "dec")]
    pub(crate) stable_mask: u16,
    #[serde(with = "dec")]
    pub(crate) drift_bps: u16,
    #[serde(with = "dec")]
    pub(crate) clear_bps: u16,
    #[serde(with = "dec")]
    pub(crate) stable_drift_bps: u16,
    #[serde(with = "dec")]
    pub(crate) stable_clear_bps: u16,
    #[serde(with = "dec")]
    pub(crate) depeg_bps: u16,
    #[serde(with = "dec")]
    pub(crate) max_slippage_bps: u16,
    #[serde(with = "dec")]
    pub(crate) grid_levels: u8,
    #[serde(with = "dec")]
    pub(crate) grid_spacing_bps: u16,
    pub(crate) calendar: bool,
    #[serde(with = "dec")]
    pub(crate) dust_floor_bps: u16,
    #[serde(with = "dec")]
    pub(crate) fill_cost_usd_e8: u64,
    #[serde(with = "dec")]
    pub(crate) dust_margin_bps: u16,
    #[serde(with = "dec")]
    pub(crate) epoch: u32,
    #[serde(with = "dec")]
    pub(crate) expiry: u64,
    #[serde(with = "dec")]
    pub(crate) order_ttl: u32,
    pub(crate) maker: Address,
    pub(crate) tokens: Vec<Address>,
    pub(crate) domain_separator: B256,
}

/// A measure as the vectors spell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MeasureJson {
    #[serde(with = "dec")]
    max_n: U256,
    #[serde(with = "dec")]
    sum_n: U256,
    #[serde(with = "dec")]
    scale: U256,
    #[serde(with = "dec")]
    bps: U256,
}

impl From<Measure> for MeasureJson {
    fn from(m: Measure) -> Self {
        Self {
            max_n: m.max_n,
            sum_n: m.sum_n,
            scale: m.scale,
            bps: m.max_bps(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TradeJson {
    #[serde(with = "dec")]
    sell: usize,
    #[serde(with = "dec")]
    buy: usize,
    #[serde(with = "dec")]
    usd: U256,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrderJson {
    #[serde(with = "dec")]
    sell: usize,
    #[serde(with = "dec")]
    buy: usize,
    #[serde(with = "dec")]
    salt: U256,
    #[serde(with = "dec")]
    making: U256,
    #[serde(with = "dec")]
    taking: U256,
    #[serde(with = "dec")]
    maker_traits: U256,
    hash: B256,
}

/// A case's outputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CaseOutput {
    #[serde(with = "dec")]
    dust: U256,
    #[serde(with = "dec_vec")]
    values: Vec<U256>,
    #[serde(with = "dec")]
    total: U256,
    #[serde(with = "dec")]
    slice_value: U256,
    #[serde(with = "dec")]
    slice_target: U256,
    global: MeasureJson,
    stable: MeasureJson,
    global_exceeds: bool,
    stable_exceeds: bool,
    depeg: bool,
    calendar_triggered: bool,
    #[serde(with = "dec")]
    pub(crate) triggered: u8,
    #[serde(with = "dec")]
    global_aim: U256,
    #[serde(with = "dec_vec")]
    global_lambda: Vec<U256>,
    #[serde(with = "dec")]
    stable_aim: U256,
    #[serde(with = "dec_vec")]
    stable_lambda: Vec<U256>,
    #[serde(with = "dec_vec")]
    deltas_stable: Vec<I256>,
    #[serde(with = "dec_vec")]
    deltas_global: Vec<I256>,
    #[serde(with = "dec_vec")]
    deltas_both: Vec<I256>,
    #[serde(with = "dec")]
    plan_paths: u8,
    trades: Vec<TradeJson>,
    pub(crate) orders: Vec<OrderJson>,
    #[serde(with = "dec")]
    bitmap: u16,
    pub(crate) upkeep_needed: bool,
    perform_data: B64,
}

/// One case: inputs then outputs, on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Case {
    #[serde(flatten)]
    pub(crate) input: CaseInput,
    #[serde(flatten)]
    pub(crate) output: CaseOutput,
}

impl CaseInput {
    pub(crate) fn portfolio(&self) -> Portfolio {
        Portfolio {
            assets: (0..self.prices.len())
                .map(|i| Asset {
                    token: self.tokens.get(i).copied().unwrap_or_default(),
                    token_decimals: self.token_decimals.get(i).copied().unwrap_or_default(),
                    feed_decimals: self.feed_decimals.get(i).copied().unwrap_or_default(),
                    stable: i < 16 && self.stable_mask >> i & 1 == 1,
                })
                .collect(),
            prices: self.prices.clone(),
            balances: self.balances.clone(),
            targets: self.targets.clone(),
        }
    }

    pub(crate) fn rules(&self) -> Rules {
        Rules {
            drift_bps: self.drift_bps,
            clear_bps: self.clear_bps,
            stable_drift_bps: self.stable_drift_bps,
            stable_clear_bps: self.stable_clear_bps,
            depeg_bps: self.depeg_bps,
            max_slippage_bps: self.max_slippage_bps,
            grid_levels: self.grid_levels,
            grid_spacing_bps: self.grid_spacing_bps,
        }
    }

    /// Runs the Rust core on the inputs, as the harness runs the libraries.
    pub(crate) fn run(&self) -> Result<CaseOutput, DriftError> {
        let p = self.portfolio();
        let r = self.rules();
        let e = evaluate(&p, &r, self.calendar.then_some(self.dust_floor_bps))?;
        let ctx = OrderContext {
            maker: self.maker,
            domain_separator: self.domain_separator,
            epoch: self.epoch,
            expiry: self.expiry,
            order_ttl: self.order_ttl,
            dust: dust(self.fill_cost_usd_e8, self.dust_margin_bps)?,
        };
        let plan_paths = if e.triggered == 0 {
            PATH_BOTH
        } else {
            e.triggered
        };
        let pl = plan(&p, &e, &r, &ctx, plan_paths)?;
        let (global_aim, stable_aim) = (e.global_aim(&r)?, e.stable_aim(&r)?);
        let (gn, gd) = e.global.lambda(global_aim)?;
        let (sn, sd) = e.stable.lambda(stable_aim)?;
        Ok(CaseOutput {
            dust: ctx.dust,
            total: e.total,
            slice_value: e.slice_value,
            slice_target: e.slice_target,
            global: e.global.into(),
            stable: e.stable.into(),
            global_exceeds: e.global_exceeds,
            stable_exceeds: e.stable_exceeds,
            depeg: e.depeg,
            calendar_triggered: e.calendar,
            triggered: e.triggered,
            global_aim,
            global_lambda: vec![gn, gd],
            stable_aim,
            stable_lambda: vec![sn, sd],
            deltas_stable: e.deltas(&p, &r, PATH_STABLE)?,
            deltas_global: e.deltas(&p, &r, PATH_GLOBAL)?,
            deltas_both: e.deltas(&p, &r, PATH_BOTH)?,
            plan_paths,
            trades: (pl.trades.iter())
                .map(|t| TradeJson {
                    sell: t.sell,
                    buy: t.buy,
                    usd: t.usd,
                })
                .collect(),
            orders: (pl.orders.iter())
                .map(|o| OrderJson {
                    sell: o.sell,
                    buy: o.buy,
                    salt: o.order.salt,
                    making: o.order.making_amount,
                    taking: o.order.taking_amount,
                    maker_traits: o.order.maker_traits,
                    hash: o.hash,
                })
                .collect(),
            bitmap: pl.bitmap,
            upkeep_needed: e.triggered != 0 && !pl.orders.is_empty(),
            perform_data: B64::from(pl.perform_data(self.epoch).encode()),
            values: e.values,
        })
    }
}

/// The file's text for `cases`: `[`, one case per line (comma-separated), `]`.
pub(crate) fn render(cases: &[Case]) -> String {
    let lines: Vec<String> = cases
        .iter()
        .map(|c| serde_json::to_string(c).expect("a case serialises"))
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// The case lines of a vector file (without the brackets and separating commas).
pub(crate) fn lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| *l != "[" && *l != "]")
        .map(|l| l.strip_suffix(',').unwrap_or(l))
        .collect()
}

/// `test/vectors/<file>`.
pub(crate) fn path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test/vectors")
        .join(file)
}
