//! Which targets a scan simulates: the keeper's own drift and the drift forecast decide, so the
//! expensive simulation (`checkUpkeep`, and the registry's check) runs only where it can find
//! work. Pure: times and reads are arguments.
//!
//! Every scan reads each portfolio's prices, balances, parameters and state (cheap). From them
//! the keeper evaluates what `checkUpkeep` would (`model::drift::evaluate` with the contract's
//! cooldown, open-bundle, pause and calendar rules, [`due_paths`]) and feeds the
//! [`Forecaster`]. A target is simulated when
//! 1. the keeper's evaluation of the last reads says a path triggers (then also in a follow-up
//!    batch of the same scan, so a fresh trigger costs no block: [`Schedule::follow_up`]);
//! 2. the forecast says its drift may cross the band before the next scan;
//! 3. the perform policy is watching it (it was needed at the last simulation), or it was
//!    never simulated, or its last simulation is `max_skip_s` old (a heartbeat that also
//!    covers what no model sees: a feed gone stale, a parameter the owner changed);
//! 4. the forecast is off.
//!
//! Anything else is skipped and counted. The forecast covers the global path; the stable path
//! (and a depeg) is caught by rule 1, since the keeper reads the same feeds the contract does.

use crate::{
    keeper::{
        collect::scan::Read,
        targets::{Portfolio, Target},
    },
    model::{
        drift::{self, PATH_GLOBAL, PATH_STABLE},
        forecast::{BalancerSpec, ForecastConfig, Forecaster},
    },
};

/// Why a target is simulated (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The keeper's evaluation says it triggers.
    Triggered,
    /// The forecast expects a crossing before the next scan.
    Forecast,
    /// The perform policy watches it.
    Watching,
    /// First simulation, or the heartbeat.
    Heartbeat,
    /// The forecast is off.
    Always,
    /// Skipped.
    Skip,
}

/// One portfolio's forecast state.
#[derive(Debug)]
struct Watch {
    forecaster: Option<Forecaster>,
    /// The paths the last reads trigger (`None`: could not tell).
    triggered: Option<u8>,
    /// The global drift of the last reads, bps.
    drift_bps: Option<u64>,
    /// The trigger band of the last reads, bps.
    band_bps: Option<u16>,
    /// The clear band of the last reads, bps.
    clear_bps: Option<u16>,
    /// What the last reads make due could wait (a calendar rebalance inside the bands).
    deferrable: bool,
}

/// One target's schedule state.
#[derive(Debug)]
struct Entry {
    watches: Vec<Watch>,
    last_simulated_s: Option<f64>,
}

/// The scan planner for every target.
#[derive(Debug)]
pub struct Schedule {
    entries: Vec<Entry>,
    forecast: bool,
    max_skip_s: f64,
    config: ForecastConfig,
}

impl Schedule {
    /// A schedule of `targets`; `forecast` off simulates every target every scan.
    pub fn new(targets: &[Target], forecast: bool, max_skip_s: f64) -> Self {
        let config = ForecastConfig::default();
        let entries = targets
            .iter()
            .map(|t| Entry {
                watches: t
                    .portfolios()
                    .iter()
                    .map(|_| Watch {
                        forecaster: None,
                        triggered: None,
                        drift_bps: None,
                        band_bps: None,
                        clear_bps: None,
                        deferrable: false,
                    })
                    .collect(),
                last_simulated_s: None,
            })
            .collect();
        Self {
            entries,
            forecast,
            max_skip_s,
            config,
        }
    }

    /// Whether target `i` is simulated in a scan at `now_s`, the next one expected `horizon_s`
    /// later; `watching` from the perform policy.
    pub fn why(&self, i: usize, now_s: f64, horizon_s: f64, watching: bool) -> Why {
        let Some(e) = self.entries.get(i) else {
            return Why::Always;
        };
        if !self.forecast {
            return Why::Always;
        }
        if watching {
            return Why::Watching;
        }
        if e.watches.iter().any(|w| w.triggered.is_none_or(|t| t != 0)) {
            return Why::Triggered;
        }
        match e.last_simulated_s {
            None => return Why::Heartbeat,
            Some(t) if now_s - t >= self.max_skip_s => return Why::Heartbeat,
            Some(_) => {}
        }
        let crossing = e.watches.iter().any(|w| {
            w.forecaster
                .as_ref()
                .is_none_or(|f| f.check_now(horizon_s.max(1.0)))
        });
        if crossing { Why::Forecast } else { Why::Skip }
    }

    /// Which targets a scan at `now_s` simulates, the next scan expected `horizon_s` later;
    /// `watching(i)` from the perform policy. The engine's plan, and the scan benchmark's.
    pub fn plan(&self, now_s: f64, horizon_s: f64, watching: impl Fn(usize) -> bool) -> Vec<bool> {
        (0..self.entries.len())
            .map(|i| self.why(i, now_s, horizon_s, watching(i)) != Why::Skip)
            .collect()
    }

    /// Records that target `i` was simulated at `now_s`.
    pub fn simulated(&mut self, i: usize, now_s: f64) {
        if let Some(e) = self.entries.get_mut(i) {
            e.last_simulated_s = Some(now_s);
        }
    }

    /// Feeds target `i`'s reads of a scan at `now_s` (block time) to its evaluation and
    /// forecasts.
    pub fn observe(&mut self, i: usize, target: &Target, reads: &[Option<Read>], now_s: u64) {
        let Some(e) = self.entries.get_mut(i) else {
            return;
        };
        for ((w, p), r) in e.watches.iter_mut().zip(target.portfolios()).zip(reads) {
            let Some(r) = r else {
                w.triggered = None;
                continue;
            };
            let due = due(p, r, now_s);
            w.triggered = due.map(|d| d.paths);
            w.deferrable = due.is_some_and(|d| d.calendar_only);
            w.drift_bps = drift_bps(p, r);
            w.band_bps = Some(r.params.rules.drift_bps);
            w.clear_bps = Some(r.params.rules.clear_bps);
            if let Some(f) = forecaster(&mut w.forecaster, p, r, &self.config) {
                let units = units(p, r);
                let logs = log_prices(p, r);
                if let (Some(u), Some(l)) = (units, logs)
                    && f.observe(now_s as f64, &l, &u).is_err()
                {
                    w.forecaster = None;
                }
            }
        }
    }

    /// After a scan's reads: the targets not simulated in it whose reads trigger now.
    pub fn follow_up(&self, simulated: &[bool]) -> Vec<usize> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, e)| {
                !simulated.get(*i).copied().unwrap_or(false)
                    && e.watches
                        .iter()
                        .any(|w| w.triggered.is_some_and(|t| t != 0))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Target `i`'s trigger band at the last reads (its first portfolio's), bps.
    pub fn band_bps(&self, i: usize) -> Option<u16> {
        self.entries.get(i)?.watches.iter().find_map(|w| w.band_bps)
    }

    /// Whether everything target `i`'s last reads make due may wait for off-peak gas: a
    /// TimeBalancer's calendar rebalance while every drift is inside its band. `false` when
    /// nothing is due, when any portfolio could not be evaluated, or when a band is crossed.
    pub fn deferrable(&self, i: usize) -> bool {
        self.entries.get(i).is_some_and(|e| {
            let due: Vec<&Watch> = e
                .watches
                .iter()
                .filter(|w| w.triggered != Some(0))
                .collect();
            !due.is_empty() && due.iter().all(|w| w.triggered.is_some() && w.deferrable)
        })
    }

    /// Target `i`'s clear band at the last reads (its first portfolio's), bps.
    pub fn clear_bps(&self, i: usize) -> Option<u16> {
        self.entries
            .get(i)?
            .watches
            .iter()
            .find_map(|w| w.clear_bps)
    }

    /// The largest annualised volatility the forecasts of target `i` estimate for any of its
    /// assets (EWMA of log returns), once they have seen a return.
    pub fn vol_annual(&self, i: usize) -> Option<f64> {
        self.entries
            .get(i)?
            .watches
            .iter()
            .filter_map(|w| w.forecaster.as_ref())
            .filter(|f| f.ewma().updates() > 0)
            .flat_map(|f| (0..f.ewma().len()).filter_map(|k| f.ewma().vol_annual(k)))
            .max_by(f64::total_cmp)
    }

    /// Target `i`'s largest global drift over its portfolios at the last reads, bps.
    pub fn drift_bps(&self, i: usize) -> Option<u64> {
        self.entries
            .get(i)?
            .watches
            .iter()
            .filter_map(|w| w.drift_bps)
            .max()
    }
}

/// What `checkUpkeep` would trigger on these reads at `now_s`: the drift model's paths, less
/// those in cooldown, nothing while paused or while a bundle is still fillable, the calendar
/// for a TimeBalancer. `None` when a price is missing (the check decides).
pub fn due_paths(p: &Portfolio, r: &Read, now_s: u64) -> Option<u8> {
    due(p, r, now_s).map(|d| d.paths)
}

/// What is due and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The paths due.
    pub paths: u8,
    /// They are due only by the calendar: no band is crossed (deferrable work).
    pub calendar_only: bool,
}

/// [`due_paths`] with the reason: whether only the calendar makes them due.
pub fn due(p: &Portfolio, r: &Read, now_s: u64) -> Option<Due> {
    let nothing = Due {
        paths: 0,
        calendar_only: false,
    };
    let prm = &r.params;
    let s = &r.state;
    if prm.paused {
        return Some(nothing);
    }
    let last = u64::from(s.last_stable_at.max(s.last_global_at));
    if s.has_bundle && now_s <= last + u64::from(prm.order_ttl) {
        return Some(nothing);
    }
    let elapsed = |at: u32, period: u32| at == 0 || now_s >= u64::from(at) + u64::from(period);
    let stable_due = elapsed(s.last_stable_at, prm.stable_cooldown);
    let global_due = elapsed(s.last_global_at, prm.global_cooldown);
    let calendar = p.interval > 0 && elapsed(s.last_global_at, p.interval);
    if !stable_due && !global_due && !calendar {
        return Some(nothing);
    }
    let portfolio = r.portfolio(p)?;
    let floor = calendar.then_some(p.dust_floor_bps);
    let e = drift::evaluate(&portfolio, &prm.rules, floor).ok()?;
    let mut due = 0;
    if stable_due && e.triggered & PATH_STABLE != 0 {
        due |= PATH_STABLE;
    }
    let drifted = global_due && e.global_exceeds;
    if (drifted || e.calendar) && e.triggered & PATH_GLOBAL != 0 {
        due |= PATH_GLOBAL;
    }
    Some(Due {
        paths: due,
        calendar_only: due == PATH_GLOBAL && !drifted && !e.global_exceeds,
    })
}

/// The portfolio's global drift, bps (rounded down).
pub fn drift_bps(p: &Portfolio, r: &Read) -> Option<u64> {
    let portfolio = r.portfolio(p)?;
    let e = drift::evaluate(&portfolio, &r.params.rules, None).ok()?;
    u64::try_from(e.global.max_bps()).ok()
}

fn forecaster<'a>(
    slot: &'a mut Option<Forecaster>,
    p: &Portfolio,
    r: &Read,
    config: &ForecastConfig,
) -> Option<&'a mut Forecaster> {
    if slot.is_none() {
        let targets: Vec<f64> = r.targets.iter().map(|t| f64::from(*t) / 1e4).collect();
        let stable: Vec<bool> = p.assets.iter().map(|a| a.stable).collect();
        let spec = BalancerSpec::new(
            targets,
            stable,
            f64::from(r.params.rules.drift_bps),
            f64::from(r.params.rules.clear_bps),
        )
        .ok()?;
        *slot = Forecaster::new(spec, config.clone()).ok();
    }
    slot.as_mut()
}

/// Whole-token holdings (forecast only: floats).
fn units(p: &Portfolio, r: &Read) -> Option<Vec<f64>> {
    p.assets
        .iter()
        .zip(&r.balances)
        .map(|(a, b)| {
            let v: f64 = b.to_string().parse().ok()?;
            Some(v / 10f64.powi(i32::from(a.token_decimals)))
        })
        .collect()
}

/// Log USD prices (forecast only: floats).
fn log_prices(p: &Portfolio, r: &Read) -> Option<Vec<f64>> {
    p.assets
        .iter()
        .zip(&r.prices)
        .map(|(a, price)| {
            let v: f64 = price.as_ref()?.to_string().parse().ok()?;
            let usd = v / 10f64.powi(i32::from(a.feed_decimals));
            (usd > 0.0).then(|| usd.ln())
        })
        .collect()
}

#[cfg(test)]
mod tests;
