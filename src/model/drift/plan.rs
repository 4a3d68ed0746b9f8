//! The composition a check or perform runs (`BalancerBase._evaluate` and `_plan`), on explicit
//! inputs: value the portfolio, measure both views, decide the triggered paths, then size the
//! deltas, net them into trades and build the orders.

use alloy::primitives::{Address, B256, I256, U256};

use super::{
    DriftError, Measure, PerformData,
    deltas::{add_global_deltas, add_slice_deltas},
    math::{add, bps, mul},
    measure::{depegged, global_measure, slice, stable_measure},
    orders::{Market, PlannedOrder, Trade, build, net},
    perform_data::{PATH_GLOBAL, PATH_STABLE},
    value::{Asset, normalised_price, value},
};

/// What the balancer holds, at which prices, and its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portfolio {
    /// The assets (1..=16), in order.
    pub assets: Vec<Asset>,
    /// Raw feed answers, one per asset (positive).
    pub prices: Vec<U256>,
    /// Tracked balances in token units, one per asset (below 2^128).
    pub balances: Vec<U256>,
    /// Target weights in bps, one per asset, summing to 10,000.
    pub targets: Vec<u16>,
}

fn range(field: String, value: u64, min: u64, max: u64) -> Result<(), DriftError> {
    if value < min || value > max {
        return Err(DriftError::OutOfRange {
            field,
            value: U256::from(value),
            min: U256::from(min),
            max: U256::from(max),
        });
    }
    Ok(())
}

impl Portfolio {
    /// Checks what the factory, the oracle and `setTargets` check.
    pub fn validate(&self) -> Result<(), DriftError> {
        let n = self.assets.len();
        if n == 0 || n > 16 {
            return Err(DriftError::AssetCount { n });
        }
        for (field, len) in [
            ("prices", self.prices.len()),
            ("balances", self.balances.len()),
            ("targets", self.targets.len()),
        ] {
            if len != n {
                return Err(DriftError::Length { field, len, n });
            }
        }
        for (i, a) in self.assets.iter().enumerate() {
            range(
                format!("tokenDecimals[{i}]"),
                a.token_decimals.into(),
                0,
                18,
            )?;
            range(format!("feedDecimals[{i}]"), a.feed_decimals.into(), 0, 18)?;
        }
        for (i, (p, b)) in self.prices.iter().zip(&self.balances).enumerate() {
            if p.is_zero() {
                return Err(DriftError::OutOfRange {
                    field: format!("prices[{i}]"),
                    value: *p,
                    min: U256::from(1u8),
                    max: U256::MAX,
                });
            }
            if b.bit_len() > 128 {
                return Err(DriftError::OutOfRange {
                    field: format!("balances[{i}]"),
                    value: *b,
                    min: U256::ZERO,
                    max: U256::from(u128::MAX),
                });
            }
        }
        let sum: u64 = self.targets.iter().map(|t| u64::from(*t)).sum();
        if sum != super::BPS {
            return Err(DriftError::Targets { sum });
        }
        Ok(())
    }

    /// Bit i set when asset i is a stable.
    pub fn stable_mask(&self) -> u16 {
        self.assets
            .iter()
            .take(16)
            .enumerate()
            .fold(0, |m, (i, a)| if a.stable { m | 1 << i } else { m })
    }

    /// Every asset's USD value (18 decimals, rounded down).
    pub fn values(&self) -> Result<Vec<U256>, DriftError> {
        self.assets
            .iter()
            .zip(self.prices.iter().zip(&self.balances))
            .map(|(a, (p, b))| value(*b, *p, a.decimals()))
            .collect()
    }
}

/// The parameters the maths reads (`IBalancer.Params`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Global trigger band.
    pub drift_bps: u16,
    /// Global clear band (< trigger).
    pub clear_bps: u16,
    /// Within-slice trigger band.
    pub stable_drift_bps: u16,
    /// Within-slice clear band (< trigger).
    pub stable_clear_bps: u16,
    /// Two stables' prices diverging past this triggers the stable path.
    pub depeg_bps: u16,
    /// Orders are priced at the oracle rate less at most this.
    pub max_slippage_bps: u16,
    /// Stable-to-stable trades are split into this many orders.
    pub grid_levels: u8,
    /// Price step between grid levels.
    pub grid_spacing_bps: u16,
}

impl Rules {
    /// The bounds `BalancerAdmin._setParams` enforces.
    pub fn validate(&self) -> Result<(), DriftError> {
        range("driftBps".into(), self.drift_bps.into(), 1, 5000)?;
        range(
            "clearBps".into(),
            self.clear_bps.into(),
            0,
            u64::from(self.drift_bps) - 1,
        )?;
        range(
            "stableDriftBps".into(),
            self.stable_drift_bps.into(),
            1,
            5000,
        )?;
        let max_stable_clear = u64::from(self.stable_drift_bps) - 1;
        range(
            "stableClearBps".into(),
            self.stable_clear_bps.into(),
            0,
            max_stable_clear,
        )?;
        range("depegBps".into(), self.depeg_bps.into(), 1, 5000)?;
        range(
            "maxSlippageBps".into(),
            self.max_slippage_bps.into(),
            0,
            500,
        )?;
        range("gridLevels".into(), self.grid_levels.into(), 1, 8)?;
        range(
            "gridSpacingBps".into(),
            self.grid_spacing_bps.into(),
            0,
            100,
        )
    }
}

/// What `_evaluate` learns, with both paths due and every price read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// USD values, 18 decimals.
    pub values: Vec<U256>,
    /// Portfolio value V.
    pub total: U256,
    /// The stable slice's value S.
    pub slice_value: U256,
    /// The stable slice's target T_S.
    pub slice_target: U256,
    /// The global view.
    pub global: Measure,
    /// The within-slice view (all zero without stables).
    pub stable: Measure,
    /// Global drift strictly past `drift_bps`.
    pub global_exceeds: bool,
    /// Slice drift strictly past `stable_drift_bps`.
    pub stable_exceeds: bool,
    /// Two stables depegged.
    pub depeg: bool,
    /// TimeBalancer: the calendar triggered the global path (not the drift).
    pub calendar: bool,
    /// The triggered paths (`PATH_*`, 0 = none).
    pub triggered: u8,
}

/// Values, measures and triggers. `calendar_floor` is `Some(dustFloorBps)` when a TimeBalancer's
/// calendar rebalance is due: it then triggers the global path if any unit drifts past the floor.
pub fn evaluate(
    p: &Portfolio,
    r: &Rules,
    calendar_floor: Option<u16>,
) -> Result<Evaluation, DriftError> {
    p.validate()?;
    let mask = p.stable_mask();
    let values = p.values()?;
    let total = values
        .iter()
        .try_fold(U256::ZERO, |t, v| add(t, *v, "portfolio value"))?;
    let (slice_value, slice_target) = slice(&values, &p.targets, mask)?;
    let global = global_measure(&values, &p.targets, mask, total)?;
    let mut e = Evaluation {
        stable: Measure::default(),
        global_exceeds: global.exceeds(r.drift_bps)?,
        stable_exceeds: false,
        depeg: false,
        calendar: false,
        triggered: 0,
        values,
        total,
        slice_value,
        slice_target,
        global,
    };
    if mask != 0 {
        e.stable = stable_measure(&e.values, &p.targets, mask)?;
        let norm = p
            .assets
            .iter()
            .zip(&p.prices)
            .map(|(a, price)| normalised_price(*price, a.feed_decimals))
            .collect::<Result<Vec<_>, _>>()?;
        e.depeg = depegged(&norm, mask, r.depeg_bps)?;
        e.stable_exceeds = e.stable.exceeds(r.stable_drift_bps)?;
        if e.depeg || e.stable_exceeds {
            e.triggered |= PATH_STABLE;
        }
    }
    if let Some(floor) = calendar_floor {
        e.calendar = !e.global_exceeds && e.global.exceeds(floor)?;
    }
    if e.global_exceeds || e.calendar {
        e.triggered |= PATH_GLOBAL;
    }
    Ok(e)
}

impl Evaluation {
    /// The stable path's aim: 0 (to target) on a depeg, else the clear band less slippage.
    pub fn stable_aim(&self, r: &Rules) -> Result<U256, DriftError> {
        if self.depeg {
            return Ok(U256::ZERO);
        }
        self.stable.aim_bps(r.stable_clear_bps, r.max_slippage_bps)
    }

    /// The global path's aim: 0 (to target) for a calendar rebalance, else the clear band less
    /// slippage.
    pub fn global_aim(&self, r: &Rules) -> Result<U256, DriftError> {
        if self.calendar {
            return Ok(U256::ZERO);
        }
        self.global.aim_bps(r.clear_bps, r.max_slippage_bps)
    }

    /// The signed USD deltas (+ = buy) of `paths`: the global path's for the non-stables, then
    /// the stables' share of the slice (moving within the slice when the stable path runs).
    pub fn deltas(&self, p: &Portfolio, r: &Rules, paths: u8) -> Result<Vec<I256>, DriftError> {
        let mask = p.stable_mask();
        let mut d = vec![I256::ZERO; self.values.len()];
        let mut slice_delta = I256::ZERO;
        let mut mu = (U256::ZERO, U256::from(1u8));
        if paths & PATH_STABLE != 0 {
            mu = self.stable.lambda(self.stable_aim(r)?)?;
        }
        if paths & PATH_GLOBAL != 0 {
            let lambda = self.global.lambda(self.global_aim(r)?)?;
            slice_delta =
                add_global_deltas(&mut d, &self.values, &p.targets, mask, self.total, lambda)?;
        }
        if mask != 0 {
            add_slice_deltas(&mut d, &self.values, &p.targets, mask, slice_delta, mu)?;
        }
        Ok(d)
    }
}

/// Where the orders go and what is dust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderContext {
    /// The balancer.
    pub maker: Address,
    /// The protocol's EIP-712 domain separator.
    pub domain_separator: B256,
    /// The state epoch the check runs against (the bundle uses epoch + 1).
    pub epoch: u32,
    /// Order expiry (block.timestamp + orderTtl).
    pub expiry: u64,
    /// The orders' life (orderTtl), their auction's duration, seconds.
    pub order_ttl: u32,
    /// Trades worth less than this (USD, 18 decimals) are dropped: see [`dust`].
    pub dust: U256,
}

/// The dust threshold: `fillCostUsdE8 * 1e10 * dustMarginBps / 1e4` (USD, 18 decimals,
/// **rounded down**).
pub fn dust(fill_cost_usd_e8: u64, dust_margin_bps: u16) -> Result<U256, DriftError> {
    let cost = mul(
        U256::from(fill_cost_usd_e8),
        U256::from(10_000_000_000u64),
        "dust",
    )?;
    Ok(mul(cost, U256::from(dust_margin_bps), "dust")? / bps())
}

/// A bundle: deltas netted into trades and orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The paths planned.
    pub paths: u8,
    /// Signed USD deltas per asset.
    pub deltas: Vec<I256>,
    /// Netted trades, dust dropped.
    pub trades: Vec<Trade>,
    /// The orders, in publication order.
    pub orders: Vec<PlannedOrder>,
    /// Assets in at least one order.
    pub bitmap: u16,
}

impl Plan {
    /// The performData a check returns for this plan.
    pub fn perform_data(&self, epoch: u32) -> PerformData {
        PerformData {
            bitmap: self.bitmap,
            paths: self.paths,
            epoch,
        }
    }
}

/// Plans `paths` (`_plan`).
pub fn plan(
    p: &Portfolio,
    e: &Evaluation,
    r: &Rules,
    ctx: &OrderContext,
    paths: u8,
) -> Result<Plan, DriftError> {
    let deltas = e.deltas(p, r, paths)?;
    let trades = net(&deltas, ctx.dust)?;
    let market = Market {
        assets: &p.assets,
        prices: &p.prices,
        max_slippage_bps: r.max_slippage_bps,
        grid_levels: r.grid_levels,
        grid_spacing_bps: r.grid_spacing_bps,
        epoch: U256::from(ctx.epoch) + U256::from(1u8),
        expiry: U256::from(ctx.expiry),
        duration: ctx.order_ttl,
        domain_separator: ctx.domain_separator,
        maker: ctx.maker,
    };
    let (orders, bitmap) = build(&trades, &market)?;
    Ok(Plan {
        paths,
        deltas,
        trades,
        orders,
        bitmap,
    })
}

/// `checkUpkeep`: the plan of the triggered paths and its performData, or `None` when nothing
/// triggers or every order is empty.
pub fn check(
    p: &Portfolio,
    r: &Rules,
    calendar_floor: Option<u16>,
    ctx: &OrderContext,
) -> Result<Option<(Plan, PerformData)>, DriftError> {
    let e = evaluate(p, r, calendar_floor)?;
    if e.triggered == 0 {
        return Ok(None);
    }
    let plan = plan(p, &e, r, ctx, e.triggered)?;
    if plan.orders.is_empty() {
        return Ok(None);
    }
    let data = plan.perform_data(ctx.epoch);
    Ok(Some((plan, data)))
}
