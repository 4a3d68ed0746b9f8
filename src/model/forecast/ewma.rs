//! Online volatility and correlation: an exponentially weighted covariance of log returns.
//!
//! Each update is weighted by its own time step, so irregular observations are handled: a return
//! `r` over `dt` seconds contributes `r_i·r_j / dt` (a per-second covariance rate) with weight
//! `1 − 2^(−dt / half_life)`. Returns are taken as zero-mean (the drift of a price over minutes is
//! negligible beside its noise), the standard RiskMetrics choice.

use super::{ForecastError, error::check_range};

/// Seconds in a (365-day) year: the unit of annualised volatility.
pub const SECONDS_PER_YEAR: f64 = 365.0 * 86_400.0;

/// An exponentially weighted covariance of log returns, per second.
#[derive(Debug, Clone, PartialEq)]
pub struct EwmaCovariance {
    n: usize,
    half_life_s: f64,
    rate: Vec<f64>,
    cached_dt: f64,
    cached_keep: f64,
    updates: u64,
}

impl EwmaCovariance {
    /// `n` assets, forgetting half the weight every `half_life_s` seconds, starting from the prior
    /// that every asset has volatility `prior_vol_annual` (annualised) and no correlation.
    pub fn new(n: usize, half_life_s: f64, prior_vol_annual: f64) -> Result<Self, ForecastError> {
        check_range(
            "half_life_s",
            half_life_s,
            1.0,
            1e9,
            "a half-life of 1 s or more",
        )?;
        check_range(
            "prior_vol",
            prior_vol_annual,
            0.0,
            100.0,
            "an annual volatility in [0, 100]",
        )?;
        let var = prior_vol_annual * prior_vol_annual / SECONDS_PER_YEAR;
        let mut rate = vec![0.0; n * n];
        for i in 0..n {
            if let Some(v) = rate.get_mut(i * n + i) {
                *v = var;
            }
        }
        Ok(Self {
            n,
            half_life_s,
            rate,
            cached_dt: f64::NAN,
            cached_keep: 0.0,
            updates: 0,
        })
    }

    /// Folds in one vector of log returns observed over `dt_s` seconds. A non-positive or
    /// non-finite step, or a wrong length, is ignored (nothing was learnt).
    pub fn update(&mut self, returns: &[f64], dt_s: f64) {
        if returns.len() != self.n || dt_s <= 0.0 || !dt_s.is_finite() {
            return;
        }
        if dt_s != self.cached_dt {
            self.cached_dt = dt_s;
            self.cached_keep = (-dt_s * std::f64::consts::LN_2 / self.half_life_s).exp();
        }
        let keep = self.cached_keep;
        let gain = (1.0 - keep) / dt_s;
        for (row, ri) in self.rate.chunks_exact_mut(self.n).zip(returns) {
            for (c, rj) in row.iter_mut().zip(returns) {
                *c = keep * *c + gain * ri * rj;
            }
        }
        self.updates += 1;
    }

    /// The covariance rate matrix (per second, row-major `n × n`).
    pub fn covariance_rate(&self) -> &[f64] {
        &self.rate
    }

    /// Number of assets.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no assets.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Updates folded in so far.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// Annualised volatility of asset `i`.
    pub fn vol_annual(&self, i: usize) -> Option<f64> {
        self.rate
            .get(i * self.n + i)
            .map(|v| (v.max(0.0) * SECONDS_PER_YEAR).sqrt())
    }

    /// Correlation of assets `i` and `j` (0 when either has no variance).
    pub fn correlation(&self, i: usize, j: usize) -> Option<f64> {
        let cij = *self.rate.get(i * self.n + j)?;
        let ci = *self.rate.get(i * self.n + i)?;
        let cj = *self.rate.get(j * self.n + j)?;
        let d = (ci * cj).sqrt();
        Some(if d > 0.0 { cij / d } else { 0.0 })
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;

    /// Simulated GBM with known vols (60 %, 20 %) and correlation 0.8, observed every minute.
    #[test]
    fn converges_to_the_true_vol_and_correlation() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let dt = 60.0;
        let (s1, s2, rho) = (0.6, 0.2, 0.8);
        let mut ewma = EwmaCovariance::new(2, 3.0 * 86_400.0, 1.0).unwrap();
        for _ in 0..30 * 1440 {
            let e1: f64 = StandardNormal.sample(&mut rng);
            let e2: f64 = StandardNormal.sample(&mut rng);
            let z2 = rho * e1 + (1.0 - rho * rho).sqrt() * e2;
            let k = (dt / SECONDS_PER_YEAR).sqrt();
            ewma.update(&[s1 * k * e1, s2 * k * z2], dt);
        }
        let v1 = ewma.vol_annual(0).unwrap();
        let v2 = ewma.vol_annual(1).unwrap();
        assert!((v1 / s1 - 1.0).abs() < 0.05, "vol 0: {v1}");
        assert!((v2 / s2 - 1.0).abs() < 0.05, "vol 1: {v2}");
        assert!((ewma.correlation(0, 1).unwrap() - rho).abs() < 0.03);
    }

    #[test]
    fn time_step_aware_weighting() {
        // One 2-minute step forgets as much as two 1-minute steps.
        let mut a = EwmaCovariance::new(1, 600.0, 0.5).unwrap();
        let mut b = a.clone();
        a.update(&[0.0], 120.0);
        b.update(&[0.0], 60.0);
        b.update(&[0.0], 60.0);
        assert!((a.covariance_rate()[0] - b.covariance_rate()[0]).abs() < 1e-20);
        a.update(&[0.01], -1.0);
        assert_eq!(a.updates(), 1);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(EwmaCovariance::new(2, 0.0, 0.5).is_err());
        let e = EwmaCovariance::new(2, 60.0, -0.1).unwrap_err();
        assert!(e.to_string().contains("prior_vol = -0.1"), "{e}");
    }
}
