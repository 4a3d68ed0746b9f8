//! Simulated markets for the evaluation: correlated GBM with volatility regimes and jumps.
//!
//! Volatile assets follow a driftless-in-price GBM whose shocks are correlated through the
//! Cholesky factor of their correlation matrix. A two-or-more-state Markov chain multiplies every
//! volatility (regimes held for exponential times); each volatile asset also jumps at Poisson
//! times by a normal log-size. Stables sit at 1 with small independent noise each step. Every
//! path draws from its own ChaCha8 stream (`seed`, stream = path index), so any path can be
//! replayed alone.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

use super::{
    ForecastError,
    drift::BPS,
    error::check_range,
    ewma::SECONDS_PER_YEAR,
    linalg::{cholesky, mul_lower},
};

/// One volatility regime of the Markov chain.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Regime {
    /// Multiplier on every volatility while in this regime.
    pub multiplier: f64,
    /// Mean time spent in it before switching to another regime (uniformly chosen), days.
    pub mean_days: f64,
}

/// A market: per-asset volatility, stable flags, correlations, regimes and jumps.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketModel {
    vols: Vec<f64>,
    stable: Vec<bool>,
    chol: Vec<f64>,
    volatile_idx: Vec<usize>,
    stable_noise: f64,
    regimes: Vec<Regime>,
    jumps_per_day: f64,
    jump_sd: f64,
}

impl MarketModel {
    /// `vols`: annual volatility of each asset (ignored for stables); `correlation`: a row-major
    /// matrix over the *volatile* assets only; `stable_noise_bps`: stables' price noise, bp;
    /// `jumps_per_day` and `jump_sd` (log size) apply to each volatile asset independently.
    pub fn new(
        vols: Vec<f64>,
        stable: Vec<bool>,
        correlation: &[f64],
        stable_noise_bps: f64,
        regimes: Vec<Regime>,
        jumps_per_day: f64,
        jump_sd: f64,
    ) -> Result<Self, ForecastError> {
        if stable.len() != vols.len() {
            return Err(ForecastError::LengthMismatch {
                field: "stable",
                got: stable.len(),
                expected: vols.len(),
            });
        }
        for v in &vols {
            check_range(
                "vol",
                *v,
                0.0,
                100.0,
                "an annual volatility in [0, 100] (1 = 100 %)",
            )?;
        }
        for c in correlation {
            check_range("correlation", *c, -1.0, 1.0, "a correlation in [-1, 1]")?;
        }
        let volatile_idx: Vec<usize> = (0..vols.len())
            .filter(|i| !stable.get(*i).copied().unwrap_or(true))
            .collect();
        let chol = cholesky(correlation, volatile_idx.len())?;
        check_range(
            "stable_noise_bps",
            stable_noise_bps,
            0.0,
            1000.0,
            "bp in [0, 1000]",
        )?;
        if regimes.is_empty() {
            return Err(ForecastError::range("regimes", "[]", "at least one regime"));
        }
        for r in &regimes {
            check_range("regime multiplier", r.multiplier, 0.0, 100.0, "in [0, 100]")?;
            check_range(
                "regime mean_days",
                r.mean_days,
                1e-6,
                1e6,
                "a positive number of days",
            )?;
        }
        check_range("jumps_per_day", jumps_per_day, 0.0, 1440.0, "in [0, 1440]")?;
        check_range("jump_sd", jump_sd, 0.0, 1.0, "a log size in [0, 1]")?;
        Ok(Self {
            vols,
            stable,
            chol,
            volatile_idx,
            stable_noise: stable_noise_bps / BPS,
            regimes,
            jumps_per_day,
            jump_sd,
        })
    }

    /// Number of assets.
    pub fn len(&self) -> usize {
        self.vols.len()
    }

    /// Whether there are no assets.
    pub fn is_empty(&self) -> bool {
        self.vols.is_empty()
    }

    /// Stable flags.
    pub fn stable(&self) -> &[bool] {
        &self.stable
    }
}

/// One simulated path, stepped forward in time; no allocation per step.
#[derive(Debug, Clone)]
pub struct MarketPath<'m> {
    model: &'m MarketModel,
    rng: ChaCha8Rng,
    log_prices: Vec<f64>,
    shocks: Vec<f64>,
    correlated: Vec<f64>,
    next_jump_s: Vec<f64>,
    regime: usize,
    next_switch_s: f64,
    time_s: f64,
}

impl<'m> MarketPath<'m> {
    /// Path `path` of the simulation seeded with `seed`; all prices start at 1.
    pub fn new(model: &'m MarketModel, seed: u64, path: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(path);
        let m = model.volatile_idx.len();
        let mut p = Self {
            model,
            rng,
            log_prices: vec![0.0; model.len()],
            shocks: vec![0.0; m],
            correlated: vec![0.0; m],
            next_jump_s: vec![f64::INFINITY; m],
            regime: 0,
            next_switch_s: f64::INFINITY,
            time_s: 0.0,
        };
        for i in 0..m {
            let t = p.jump_wait();
            if let Some(slot) = p.next_jump_s.get_mut(i) {
                *slot = t;
            }
        }
        p.next_switch_s = p.regime_wait();
        p
    }

    fn jump_wait(&mut self) -> f64 {
        jump_wait(&mut self.rng, self.model.jumps_per_day)
    }

    fn regime_wait(&mut self) -> f64 {
        if self.model.regimes.len() < 2 {
            return f64::INFINITY;
        }
        let mean = self
            .model
            .regimes
            .get(self.regime)
            .map_or(1.0, |r| r.mean_days);
        let e: f64 = Exp1.sample(&mut self.rng);
        self.time_s + e * mean * 86_400.0
    }

    /// Seconds since the start.
    pub fn time_s(&self) -> f64 {
        self.time_s
    }

    /// The current regime's index.
    pub fn regime(&self) -> usize {
        self.regime
    }

    /// Current log prices (on-chain truth).
    pub fn log_prices(&self) -> &[f64] {
        &self.log_prices
    }

    /// Advances by `dt_s` seconds.
    pub fn step(&mut self, dt_s: f64) {
        self.time_s += dt_s;
        let model = self.model;
        while self.time_s >= self.next_switch_s {
            let others = model.regimes.len() - 1;
            let pick = self.rng.random_range(0..others);
            self.regime = if pick >= self.regime { pick + 1 } else { pick };
            let wait = self.regime_wait();
            self.next_switch_s = wait.max(self.next_switch_s);
        }
        let mult = model.regimes.get(self.regime).map_or(1.0, |r| r.multiplier);
        for s in self.shocks.iter_mut() {
            *s = StandardNormal.sample(&mut self.rng);
        }
        mul_lower(&model.chol, &self.shocks, &mut self.correlated);
        let years = dt_s / SECONDS_PER_YEAR;
        let sqrt_years = years.sqrt();
        for (k, (i, z)) in model.volatile_idx.iter().zip(&self.correlated).enumerate() {
            let sigma = model.vols.get(*i).copied().unwrap_or(0.0) * mult;
            let mut dx = sigma * sqrt_years * z - 0.5 * sigma * sigma * years;
            if self.next_jump_s.get(k).is_some_and(|t| self.time_s >= *t) {
                let j: f64 = StandardNormal.sample(&mut self.rng);
                dx += model.jump_sd * j;
                let wait = jump_wait(&mut self.rng, model.jumps_per_day);
                if let Some(t) = self.next_jump_s.get_mut(k) {
                    *t += wait;
                }
            }
            if let Some(x) = self.log_prices.get_mut(*i) {
                *x += dx;
            }
        }
        if model.stable_noise > 0.0 {
            for (x, s) in self.log_prices.iter_mut().zip(&model.stable) {
                if *s {
                    let z: f64 = StandardNormal.sample(&mut self.rng);
                    *x = model.stable_noise * z;
                }
            }
        }
    }
}

/// Exponential waiting time (seconds) until the next jump at `per_day` jumps per day.
fn jump_wait(rng: &mut ChaCha8Rng, per_day: f64) -> f64 {
    if per_day <= 0.0 {
        return f64::INFINITY;
    }
    let e: f64 = Exp1.sample(rng);
    e * 86_400.0 / per_day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(jumps: f64) -> MarketModel {
        MarketModel::new(
            vec![0.0, 0.6, 0.6],
            vec![true, false, false],
            &[1.0, 0.8, 0.8, 1.0],
            1.0,
            vec![Regime {
                multiplier: 1.0,
                mean_days: 1.0,
            }],
            jumps,
            0.02,
        )
        .unwrap()
    }

    #[test]
    fn paths_are_reproducible_and_distinct() {
        let m = model(0.5);
        let run = |path| {
            let mut p = MarketPath::new(&m, 42, path);
            for _ in 0..1000 {
                p.step(60.0);
            }
            p.log_prices().to_vec()
        };
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn returns_have_the_configured_vol_and_correlation() {
        let m = model(0.0);
        let mut p = MarketPath::new(&m, 1, 0);
        let (mut s11, mut s22, mut s12) = (0.0, 0.0, 0.0);
        let steps = 200_000;
        for _ in 0..steps {
            let before = [p.log_prices()[1], p.log_prices()[2]];
            p.step(60.0);
            let r1 = p.log_prices()[1] - before[0];
            let r2 = p.log_prices()[2] - before[1];
            s11 += r1 * r1;
            s22 += r2 * r2;
            s12 += r1 * r2;
            assert!(p.log_prices()[0].abs() < 10.0 / BPS);
        }
        let vol = (s11 / steps as f64 * SECONDS_PER_YEAR / 60.0).sqrt();
        assert!((vol - 0.6).abs() < 0.01, "{vol}");
        assert!((s12 / (s11 * s22).sqrt() - 0.8).abs() < 0.01);
    }

    #[test]
    fn rejects_bad_markets() {
        let e = MarketModel::new(vec![-0.2], vec![false], &[1.0], 1.0, vec![], 0.0, 0.0);
        assert!(e.unwrap_err().to_string().contains("vol = -0.2"));
        let e = MarketModel::new(
            vec![0.2, 0.2],
            vec![false, false],
            &[1.0, 1.5, 1.5, 1.0],
            1.0,
            vec![Regime {
                multiplier: 1.0,
                mean_days: 1.0,
            }],
            0.0,
            0.0,
        );
        assert!(e.unwrap_err().to_string().contains("correlation = 1.5"));
    }
}
