//! The evaluation harness: the forecast policy against the naive "check every step" policy on
//! simulated markets.
//!
//! **Timeline.** Time advances in steps of `step_s` (60 s). The *naive* policy makes the on-chain
//! check at every step; a check *triggers* when the on-chain global drift is at or above the
//! trigger band, and then the balancer trades back to the clear band. The naive timeline is the
//! reference path: both policies are judged on it, so the paths never diverge.
//!
//! **Forecast policy.** At every step the keeper watches its own price feed (free, off-chain:
//! the on-chain log price plus independent noise of `feed_noise_bps`), knows the holdings, and
//! updates a [`Forecaster`]. It makes the on-chain check only when the next check worth making
//! comes no later than its next look (`crossing_probability(step) > risk`, i.e.
//! `next_check_in() == min_check_s` with `min_check_s = step_s`), or when `max_check_s` has passed
//! since its last check (heartbeat). It never sees a future price.
//!
//! **Metrics.** A *noop* check finds the drift below the trigger band.
//! `noop_checks_skipped_pct = 100·(naive_noop − forecast_noop)/naive_noop`. Each naive trigger at
//! time `T` must be matched by a forecast check in `[T, T + step_s]`; if there is none it is
//! *delayed*, and `triggers_delayed_pct = 100·delayed/triggers`. A forecast check at `T + step_s`
//! that matches a trigger it missed at `T` counts as matching, not as a noop.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;

use super::{
    BalancerSpec, ForecastConfig, ForecastError, Forecaster,
    drift::{BPS, weights_from_values},
    error::check_range,
    sim::{MarketModel, MarketPath, Regime},
};

/// The acceptance bars: at least this share of noop checks skipped …
pub const MIN_SKIPPED_PCT: f64 = 70.0;
/// … and at most this share of triggers delayed, in every volatility regime.
pub const MAX_DELAYED_PCT: f64 = 0.5;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalConfig {
    /// Paths per volatility regime.
    pub paths: usize,
    /// Days per path.
    pub days: u32,
    /// Seed of every random stream.
    pub seed: u64,
    /// Step between checks of the naive policy (and between the keeper's looks), seconds.
    pub step_s: f64,
    /// Annual volatility of the volatile assets, one evaluation (reported apart) per value.
    pub vols: Vec<f64>,
    /// Correlation between the volatile assets.
    pub correlation: f64,
    /// Stables' price noise around 1, bp.
    pub stable_noise_bps: f64,
    /// Volatility-multiplier Markov chain.
    pub regimes: Vec<Regime>,
    /// Jumps per day per volatile asset.
    pub jumps_per_day: f64,
    /// Standard deviation of a jump's log size.
    pub jump_sd: f64,
    /// The forecaster's tuning (its `min_check_s` is set to `step_s`).
    pub forecast: ForecastConfig,
}

impl Default for EvalConfig {
    fn default() -> Self {
        Self {
            paths: 1000,
            days: 30,
            seed: 42,
            step_s: 60.0,
            vols: vec![0.2, 0.6, 1.2],
            correlation: 0.8,
            stable_noise_bps: 1.0,
            regimes: vec![
                Regime {
                    multiplier: 0.8,
                    mean_days: 4.0,
                },
                Regime {
                    multiplier: 1.6,
                    mean_days: 1.0,
                },
            ],
            jumps_per_day: 0.5,
            jump_sd: 0.02,
            forecast: ForecastConfig::default(),
        }
    }
}

/// Results for one volatility level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegimeReport {
    /// Annual volatility of the volatile assets (before regime multipliers).
    pub vol: f64,
    /// Paths simulated.
    pub paths: usize,
    /// Days per path.
    pub days: u32,
    /// Seed.
    pub seed: u64,
    /// Checks the naive policy made.
    pub naive_checks: u64,
    /// Of those, checks that found nothing.
    pub naive_noop_checks: u64,
    /// Checks the forecast policy made.
    pub forecast_checks: u64,
    /// Of those, checks that found nothing.
    pub forecast_noop_checks: u64,
    /// Of the forecast's checks, heartbeats (`max_check_s` elapsed).
    pub heartbeat_checks: u64,
    /// Band crossings (naive triggers).
    pub triggers: u64,
    /// Crossings the forecast policy noticed more than one step late.
    pub triggers_delayed: u64,
    /// `100·(naive_noop − forecast_noop)/naive_noop`.
    pub noop_checks_skipped_pct: f64,
    /// `100·delayed/triggers`.
    pub triggers_delayed_pct: f64,
    /// Both bars met.
    pub bars_met: bool,
}

/// Results for every volatility level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// The configuration that produced this report.
    pub config: EvalConfig,
    /// Minimum `noop_checks_skipped_pct`.
    pub min_skipped_pct: f64,
    /// Maximum `triggers_delayed_pct`.
    pub max_delayed_pct: f64,
    /// One entry per volatility level.
    pub regimes: Vec<RegimeReport>,
    /// Every regime met both bars.
    pub bars_met: bool,
}

impl EvalConfig {
    /// Checks every field, naming the one at fault.
    pub fn validate(&self) -> Result<(), ForecastError> {
        if self.paths == 0 {
            return Err(ForecastError::range("paths", 0, "at least 1 path"));
        }
        if self.days == 0 {
            return Err(ForecastError::range("days", 0, "at least 1 day"));
        }
        check_range("step_s", self.step_s, 1.0, 86_400.0, "1 s to 1 day")?;
        if self.vols.is_empty() {
            return Err(ForecastError::range("vol", "[]", "at least one volatility"));
        }
        for v in &self.vols {
            check_range(
                "vol",
                *v,
                0.0,
                100.0,
                "an annual volatility in [0, 100] (1 = 100 %)",
            )?;
        }
        check_range(
            "correlation",
            self.correlation,
            -1.0,
            1.0,
            "a correlation in [-1, 1]",
        )?;
        self.forecast_config().validate()
    }

    fn forecast_config(&self) -> ForecastConfig {
        ForecastConfig {
            min_check_s: self.step_s,
            ..self.forecast.clone()
        }
    }

    fn model(&self, vol: f64) -> Result<MarketModel, ForecastError> {
        let c = self.correlation;
        MarketModel::new(
            vec![0.0, 0.0, vol, vol],
            BalancerSpec::demo().stable().to_vec(),
            &[1.0, c, c, 1.0],
            self.stable_noise_bps,
            self.regimes.clone(),
            self.jumps_per_day,
            self.jump_sd,
        )
    }
}

/// Runs the evaluation on the demo balancer ([`BalancerSpec::demo`]).
pub fn run(config: &EvalConfig) -> Result<EvalReport, ForecastError> {
    config.validate()?;
    let spec = BalancerSpec::demo();
    let mut regimes = Vec::with_capacity(config.vols.len());
    for vol in &config.vols {
        let model = config.model(*vol)?;
        let mut totals = Counts::default();
        for path in 0..config.paths {
            totals.add(&simulate_path(config, &spec, &model, path as u64)?);
        }
        regimes.push(totals.report(config, *vol));
    }
    Ok(EvalReport {
        config: config.clone(),
        min_skipped_pct: MIN_SKIPPED_PCT,
        max_delayed_pct: MAX_DELAYED_PCT,
        bars_met: regimes.iter().all(|r| r.bars_met),
        regimes,
    })
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    naive_checks: u64,
    forecast_checks: u64,
    forecast_noop: u64,
    heartbeats: u64,
    triggers: u64,
    delayed: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.naive_checks += o.naive_checks;
        self.forecast_checks += o.forecast_checks;
        self.forecast_noop += o.forecast_noop;
        self.heartbeats += o.heartbeats;
        self.triggers += o.triggers;
        self.delayed += o.delayed;
    }

    fn report(&self, config: &EvalConfig, vol: f64) -> RegimeReport {
        let naive_noop = self.naive_checks - self.triggers;
        let skipped = pct(naive_noop.saturating_sub(self.forecast_noop), naive_noop);
        let delayed = pct(self.delayed, self.triggers);
        RegimeReport {
            vol,
            paths: config.paths,
            days: config.days,
            seed: config.seed,
            naive_checks: self.naive_checks,
            naive_noop_checks: naive_noop,
            forecast_checks: self.forecast_checks,
            forecast_noop_checks: self.forecast_noop,
            heartbeat_checks: self.heartbeats,
            triggers: self.triggers,
            triggers_delayed: self.delayed,
            noop_checks_skipped_pct: skipped,
            triggers_delayed_pct: delayed,
            bars_met: skipped >= MIN_SKIPPED_PCT && delayed <= MAX_DELAYED_PCT,
        }
    }
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// One path: the naive timeline, with the forecast policy's decisions judged against it.
fn simulate_path(
    config: &EvalConfig,
    spec: &BalancerSpec,
    model: &MarketModel,
    path: u64,
) -> Result<Counts, ForecastError> {
    let n = spec.len();
    let fconfig = config.forecast_config();
    let noise = fconfig.feed_noise_bps / BPS;
    let heartbeat = fconfig.max_check_s;
    let mut forecaster = Forecaster::new(spec.clone(), fconfig)?;
    let mut market = MarketPath::new(model, config.seed, path);
    // The keeper's feed noise has its own stream: the market never depends on the keeper.
    let mut feed_rng = ChaCha8Rng::seed_from_u64(config.seed);
    feed_rng.set_stream(path | (1 << 63));

    // Prices start at 1, so units start at the target weights (total value 1).
    let mut units = spec.targets().to_vec();
    let mut values = vec![0.0; n];
    let mut weights = vec![0.0; n];
    let mut observed = vec![0.0; n];
    let trigger = spec.trigger_bps() / BPS;
    let steps = u64::from(config.days) * (86_400.0 / config.step_s).round() as u64;

    let mut c = Counts::default();
    let mut last_check = 0.0;
    let mut missed_last_step = false;
    for step in 1..=steps {
        market.step(config.step_s);
        let t = step as f64 * config.step_s;
        let lp = market.log_prices();
        for ((v, u), p) in values.iter_mut().zip(&units).zip(lp) {
            *v = u * p.exp();
        }
        let total = weights_from_values(&values, &mut weights);
        let triggered = spec.global_drift(&weights) >= trigger;

        for (o, p) in observed.iter_mut().zip(lp) {
            let z: f64 = StandardNormal.sample(&mut feed_rng);
            *o = p + noise * z;
        }
        forecaster.observe(t, &observed, &units)?;
        let due = t - last_check >= heartbeat;
        let forecast_says = forecaster.check_now(config.step_s);
        let checks = forecast_says || due;

        c.naive_checks += 1;
        c.triggers += u64::from(triggered);
        if checks {
            last_check = t;
            c.forecast_checks += 1;
            c.heartbeats += u64::from(!forecast_says);
            if !triggered && !missed_last_step {
                c.forecast_noop += 1;
            }
        }
        if missed_last_step && !checks {
            c.delayed += 1;
        }
        missed_last_step = triggered && !checks;

        if triggered {
            spec.rebalance_to_clear(&mut weights);
            for ((u, w), p) in units.iter_mut().zip(&weights).zip(lp) {
                *u = w * total / p.exp();
            }
        }
    }
    // A trigger missed at the very last step has no later step to be noticed in.
    c.delayed += u64::from(missed_last_step);
    Ok(c)
}
