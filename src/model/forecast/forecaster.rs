//! The forecaster: what a keeper knows from watched prices, turned into "when is the next check
//! worth making".
//!
//! For the global path. Linearising `w_i(t) ≈ w_i·(1 + r_i − Σ_j w_j·r_j)` for log returns `r`
//! over a short horizon, a slice `S`'s weight moves by `Σ_j a_j·r_j` with loadings
//! `a_j = w_j·[j ∈ S] − w_S·w_j`, so its variance over `h` seconds is `h·aᵀΣa` with `Σ` the EWMA
//! covariance rate. The keeper's own price feed differs from the on-chain feeds by a small
//! independent noise (`feed_noise_bps`), which adds `noise²·Σ_j a_j²` to that variance. Each
//! slice's deviation is treated as a driftless Brownian motion, so by the reflection principle the
//! probability that it reaches either edge of the trigger band within `h` is
//! `2·(1 − Φ(gap/sd))` per edge; the union bound sums edges and slices.
//! The next check is the largest `h` whose crossing probability stays within `risk`, clamped to
//! `[min_check_s, max_check_s]`.

use super::{
    BalancerSpec, EwmaCovariance, ForecastError,
    drift::{BPS, weights_from_values},
    error::check_range,
    linalg::quadratic_form,
    normal::first_passage_probability,
};

/// The forecaster's tuning.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ForecastConfig {
    /// EWMA half-life, seconds.
    pub half_life_s: f64,
    /// Annual volatility assumed for every asset before any return is seen.
    pub prior_vol: f64,
    /// Crossing probability the keeper accepts before its next check (e.g. 0.001 = 0.1 %).
    pub risk: f64,
    /// Earliest next check, seconds.
    pub min_check_s: f64,
    /// Latest next check, seconds (a heartbeat even when nothing moves).
    pub max_check_s: f64,
    /// Standard deviation of the keeper's price feed against the on-chain feeds, bp of price.
    pub feed_noise_bps: f64,
}

impl Default for ForecastConfig {
    fn default() -> Self {
        Self {
            half_life_s: 4.0 * 3600.0,
            prior_vol: 1.0,
            risk: 0.001,
            min_check_s: 60.0,
            max_check_s: 3600.0,
            feed_noise_bps: 1.0,
        }
    }
}

impl ForecastConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), ForecastError> {
        check_range(
            "half_life_s",
            self.half_life_s,
            1.0,
            1e9,
            "a half-life of 1 s or more",
        )?;
        check_range(
            "prior_vol",
            self.prior_vol,
            0.0,
            100.0,
            "an annual volatility in [0, 100]",
        )?;
        check_range("risk", self.risk, 1e-12, 0.5, "a probability in (0, 0.5]")?;
        check_range("min_check_s", self.min_check_s, 1.0, 1e9, "at least 1 s")?;
        check_range(
            "max_check_s",
            self.max_check_s,
            self.min_check_s,
            1e9,
            "at least min_check_s",
        )?;
        check_range(
            "feed_noise_bps",
            self.feed_noise_bps,
            0.0,
            BPS,
            "bp in [0, 10000]",
        )?;
        Ok(())
    }
}

/// Online drift forecast for one balancer.
#[derive(Debug, Clone)]
pub struct Forecaster {
    spec: BalancerSpec,
    config: ForecastConfig,
    ewma: EwmaCovariance,
    last: Option<(f64, Vec<f64>)>,
    returns: Vec<f64>,
    values: Vec<f64>,
    weights: Vec<f64>,
    loadings: Vec<f64>,
    deviation: Vec<f64>,
    var_rate: Vec<f64>,
    noise_var: Vec<f64>,
}

impl Forecaster {
    /// A forecaster for `spec` that has seen nothing yet.
    pub fn new(spec: BalancerSpec, config: ForecastConfig) -> Result<Self, ForecastError> {
        config.validate()?;
        let n = spec.len();
        let k = spec.slice_count();
        Ok(Self {
            ewma: EwmaCovariance::new(n, config.half_life_s, config.prior_vol)?,
            spec,
            config,
            last: None,
            returns: vec![0.0; n],
            values: vec![0.0; n],
            weights: vec![0.0; n],
            loadings: vec![0.0; n],
            deviation: vec![0.0; k],
            var_rate: vec![0.0; k],
            noise_var: vec![0.0; k],
        })
    }

    /// The balancer.
    pub fn spec(&self) -> &BalancerSpec {
        &self.spec
    }

    /// The volatility estimate.
    pub fn ewma(&self) -> &EwmaCovariance {
        &self.ewma
    }

    /// One observation at `time_s`: log prices from the keeper's feed and the balancer's
    /// holdings (units of each asset). Updates the volatility estimate and the drift picture.
    pub fn observe(
        &mut self,
        time_s: f64,
        log_prices: &[f64],
        units: &[f64],
    ) -> Result<(), ForecastError> {
        let n = self.spec.len();
        for (field, got) in [("log_prices", log_prices.len()), ("units", units.len())] {
            if got != n {
                return Err(ForecastError::LengthMismatch {
                    field,
                    got,
                    expected: n,
                });
            }
        }
        check_range("time_s", time_s, f64::MIN, f64::MAX, "a finite time")?;
        match &mut self.last {
            Some((t0, lp0)) => {
                for ((r, p), p0) in self.returns.iter_mut().zip(log_prices).zip(lp0.iter_mut()) {
                    *r = p - *p0;
                    *p0 = *p;
                }
                self.ewma.update(&self.returns, time_s - *t0);
                *t0 = time_s;
            }
            None => self.last = Some((time_s, log_prices.to_vec())),
        }
        for ((v, u), p) in self.values.iter_mut().zip(units).zip(log_prices) {
            *v = u * p.exp();
        }
        weights_from_values(&self.values, &mut self.weights);
        self.refresh();
        Ok(())
    }

    /// Recomputes slice deviations and their variance rates from the current weights.
    fn refresh(&mut self) {
        self.spec
            .slice_deviations(&self.weights, &mut self.deviation);
        let noise = self.config.feed_noise_bps / BPS;
        let slice_of = self.spec.slice_of();
        for (k, (var, nvar)) in self
            .var_rate
            .iter_mut()
            .zip(self.noise_var.iter_mut())
            .enumerate()
        {
            let w_s: f64 = self
                .weights
                .iter()
                .zip(slice_of)
                .filter(|(_, s)| **s == k)
                .map(|(w, _)| w)
                .sum();
            for ((a, w), s) in self.loadings.iter_mut().zip(&self.weights).zip(slice_of) {
                *a = if *s == k { *w } else { 0.0 } - w_s * w;
            }
            *var = quadratic_form(self.ewma.covariance_rate(), &self.loadings).max(0.0);
            *nvar = noise * noise * self.loadings.iter().map(|a| a * a).sum::<f64>();
        }
    }

    /// The observed global drift, bp (as the keeper's feed shows it).
    pub fn drift_bps(&self) -> f64 {
        self.deviation.iter().fold(0.0_f64, |m, d| m.max(d.abs())) * BPS
    }

    /// Probability (union bound, capped at 1) that some slice's drift reaches the trigger band
    /// within `horizon_s` seconds — including the chance that the on-chain drift is already past
    /// it while the keeper's feed says otherwise.
    pub fn crossing_probability(&self, horizon_s: f64) -> f64 {
        let band = self.spec.trigger_bps() / BPS;
        let h = horizon_s.max(0.0);
        let mut p = 0.0;
        for ((d, var), nvar) in self
            .deviation
            .iter()
            .zip(&self.var_rate)
            .zip(&self.noise_var)
        {
            let sd = (var * h + nvar).sqrt();
            let near = band - d.abs();
            p += first_passage_probability(near, sd);
            if near < 9.0 * sd {
                p += first_passage_probability(band + d.abs(), sd);
            }
            if p >= 1.0 {
                return 1.0;
            }
        }
        p
    }

    /// Seconds until the next check worth making: the largest `h` in
    /// `[min_check_s, max_check_s]` with [`Forecaster::crossing_probability`]`(h) ≤ risk`
    /// (`min_check_s` when even that is too risky).
    pub fn next_check_in(&self) -> f64 {
        let (lo, hi, risk) = (
            self.config.min_check_s,
            self.config.max_check_s,
            self.config.risk,
        );
        if self.crossing_probability(hi) <= risk {
            return hi;
        }
        if self.crossing_probability(lo) > risk {
            return lo;
        }
        // Invariant: P(a) ≤ risk < P(b); the probability grows with h.
        let (mut a, mut b) = (lo, hi);
        while b - a > 1.0 {
            let m = 0.5 * (a + b);
            if self.crossing_probability(m) <= risk {
                a = m;
            } else {
                b = m;
            }
        }
        a
    }

    /// Whether the check is worth making now: a crossing within `horizon_s` (the time until the
    /// keeper looks again) is more likely than `risk`.
    pub fn check_now(&self, horizon_s: f64) -> bool {
        self.crossing_probability(horizon_s) > self.config.risk
    }
}
