//! Drift as the contracts define it, and the trade back to the clear band.
//!
//! `weight_i = value_i / total`; an asset's drift is `|weight_i − target_i|`. For the global view
//! the stables form one *slice* (its weight is the sum of stable weights, its target the sum of
//! stable targets), so the global drift is the largest drift over the non-stable assets and the
//! stable slice. Weights and drifts here are fractions; `_bps` values are basis points.

use super::{ForecastError, error::check_range};

/// Basis points in one unit of weight.
pub const BPS: f64 = 10_000.0;

/// What the forecast needs to know about a balancer: targets, stable flags and its bands.
#[derive(Debug, Clone, PartialEq)]
pub struct BalancerSpec {
    targets: Vec<f64>,
    stable: Vec<bool>,
    trigger_bps: f64,
    clear_bps: f64,
    /// Slice of each asset (non-stables in order, then one slice for all stables).
    slice_of: Vec<usize>,
    slice_targets: Vec<f64>,
}

impl BalancerSpec {
    /// A balancer with target weights (fractions summing to 1), stable flags, the trigger band
    /// (a global drift at or above it rebalances) and the clear band (where a rebalance stops).
    pub fn new(
        targets: Vec<f64>,
        stable: Vec<bool>,
        trigger_bps: f64,
        clear_bps: f64,
    ) -> Result<Self, ForecastError> {
        if targets.is_empty() {
            return Err(ForecastError::range("targets", "[]", "at least one asset"));
        }
        if stable.len() != targets.len() {
            return Err(ForecastError::LengthMismatch {
                field: "stable",
                got: stable.len(),
                expected: targets.len(),
            });
        }
        for t in &targets {
            check_range("target", *t, 0.0, 1.0, "a weight in [0, 1]")?;
        }
        let sum: f64 = targets.iter().sum();
        check_range(
            "sum of targets",
            sum,
            1.0 - 1e-9,
            1.0 + 1e-9,
            "targets must sum to 1",
        )?;
        check_range(
            "trigger_bps",
            trigger_bps,
            1.0,
            BPS,
            "a band in [1, 10000] bp",
        )?;
        check_range(
            "clear_bps",
            clear_bps,
            0.0,
            trigger_bps - 1.0,
            "below the trigger band",
        )?;
        let volatile = stable.iter().filter(|s| !**s).count();
        let mut slice_targets = vec![0.0; volatile + usize::from(volatile < targets.len())];
        let mut slice_of = Vec::with_capacity(targets.len());
        let mut next = 0;
        for (t, s) in targets.iter().zip(&stable) {
            let k = if *s {
                volatile
            } else {
                next += 1;
                next - 1
            };
            slice_of.push(k);
            if let Some(st) = slice_targets.get_mut(k) {
                *st += t;
            }
        }
        Ok(Self {
            targets,
            stable,
            trigger_bps,
            clear_bps,
            slice_of,
            slice_targets,
        })
    }

    /// The demo balancer: two stables at 20 % each, two volatile assets at 30 % each, trigger
    /// 200 bp, clear 175 bp (ANCHORS §5).
    pub fn demo() -> Self {
        Self {
            targets: vec![0.2, 0.2, 0.3, 0.3],
            stable: vec![true, true, false, false],
            trigger_bps: 200.0,
            clear_bps: 175.0,
            slice_of: vec![2, 2, 0, 1],
            slice_targets: vec![0.3, 0.3, 0.4],
        }
    }

    /// Target weights.
    pub fn targets(&self) -> &[f64] {
        &self.targets
    }
    /// Stable flags.
    pub fn stable(&self) -> &[bool] {
        &self.stable
    }
    /// Trigger band, bp.
    pub fn trigger_bps(&self) -> f64 {
        self.trigger_bps
    }
    /// Clear band, bp.
    pub fn clear_bps(&self) -> f64 {
        self.clear_bps
    }
    /// Number of assets.
    pub fn len(&self) -> usize {
        self.targets.len()
    }
    /// Whether there are no assets (never: [`BalancerSpec::new`] refuses it).
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
    /// Number of slices in the global view (non-stables, plus one if there are stables).
    pub fn slice_count(&self) -> usize {
        self.slice_targets.len()
    }
    /// The slice each asset belongs to.
    pub fn slice_of(&self) -> &[usize] {
        &self.slice_of
    }

    /// Signed slice deviations `weight_k − target_k` (fractions) into `out`.
    pub fn slice_deviations(&self, weights: &[f64], out: &mut [f64]) {
        for (o, t) in out.iter_mut().zip(&self.slice_targets) {
            *o = -t;
        }
        for (w, k) in weights.iter().zip(&self.slice_of) {
            if let Some(o) = out.get_mut(*k) {
                *o += w;
            }
        }
    }

    /// The global drift (fraction): the largest slice deviation, in absolute value.
    pub fn global_drift(&self, weights: &[f64]) -> f64 {
        let mut stable_dev = 0.0;
        let mut max: f64 = 0.0;
        for ((w, t), s) in weights.iter().zip(&self.targets).zip(&self.stable) {
            if *s {
                stable_dev += w - t;
            } else {
                max = max.max((w - t).abs());
            }
        }
        max.max(stable_dev.abs())
    }

    /// The global drift in bp.
    pub fn global_drift_bps(&self, weights: &[f64]) -> f64 {
        self.global_drift(weights) * BPS
    }

    /// Trades back to the clear band: every asset's deviation is scaled by the same factor so
    /// the global drift becomes the clear band (deviations still sum to zero). Weights already
    /// inside the clear band are left alone.
    pub fn rebalance_to_clear(&self, weights: &mut [f64]) {
        let drift = self.global_drift(weights);
        let clear = self.clear_bps / BPS;
        if drift <= clear {
            return;
        }
        let f = clear / drift;
        for (w, t) in weights.iter_mut().zip(&self.targets) {
            *w = t + f * (*w - t);
        }
    }
}

/// Weights from values into `out`; returns the total value (0 leaves `out` at zero).
pub fn weights_from_values(values: &[f64], out: &mut [f64]) -> f64 {
    let total: f64 = values.iter().sum();
    let inv = if total > 0.0 { 1.0 / total } else { 0.0 };
    for (o, v) in out.iter_mut().zip(values) {
        *o = v * inv;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_matches_new() {
        let made = BalancerSpec::new(
            vec![0.2, 0.2, 0.3, 0.3],
            vec![true, true, false, false],
            200.0,
            175.0,
        )
        .unwrap();
        assert_eq!(made, BalancerSpec::demo());
    }

    #[test]
    fn stables_are_one_slice() {
        let spec = BalancerSpec::demo();
        // Each stable drifts 150 bp but the slice drifts 300 bp; volatile 330 and 270 → 30 each.
        let w = [0.215, 0.215, 0.27, 0.30];
        assert!((spec.global_drift_bps(&w) - 300.0).abs() < 1e-9);
        let mut dev = [0.0; 3];
        spec.slice_deviations(&w, &mut dev);
        assert!((dev[0] + 0.03).abs() < 1e-12 && dev[1].abs() < 1e-12);
        assert!((dev[2] - 0.03).abs() < 1e-12);
        // Opposite stable moves cancel in the global view.
        assert!(spec.global_drift_bps(&[0.23, 0.17, 0.3, 0.3]) < 1e-9);
    }

    #[test]
    fn rebalance_lands_on_the_clear_band() {
        let spec = BalancerSpec::demo();
        let mut w = [0.19, 0.19, 0.33, 0.29];
        spec.rebalance_to_clear(&mut w);
        assert!((spec.global_drift_bps(&w) - 175.0).abs() < 1e-9);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rejects_bad_specs() {
        let e = BalancerSpec::new(vec![0.5, 0.6], vec![false, false], 200.0, 175.0).unwrap_err();
        assert!(e.to_string().contains("sum of targets"), "{e}");
        let e = BalancerSpec::new(vec![0.5, 0.5], vec![false, false], 200.0, 200.0).unwrap_err();
        assert!(e.to_string().contains("clear_bps = 200"), "{e}");
        let e = BalancerSpec::new(vec![1.0], vec![], 200.0, 100.0).unwrap_err();
        assert!(matches!(
            e,
            ForecastError::LengthMismatch {
                field: "stable",
                ..
            }
        ));
    }
}
