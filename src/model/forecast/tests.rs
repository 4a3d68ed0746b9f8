//! Forecaster tests: crossing probability against Monte Carlo, and the next check's bounds and
//! monotonicity (fixed cases and properties).

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::{BalancerSpec, ForecastConfig, Forecaster, ewma::SECONDS_PER_YEAR};

/// A forecaster that believes every asset has volatility `vol` (its prior; no return seen) and
/// has observed `weights` (prices 1, so units = weights).
fn believing(vol: f64, weights: &[f64], risk: f64) -> Forecaster {
    let config = ForecastConfig {
        prior_vol: vol,
        risk,
        feed_noise_bps: 0.0,
        max_check_s: 86_400.0,
        ..ForecastConfig::default()
    };
    let mut f = Forecaster::new(BalancerSpec::demo(), config).unwrap();
    f.observe(0.0, &vec![0.0; weights.len()], weights).unwrap();
    f
}

const NEAR: [f64; 4] = [0.19625, 0.19625, 0.315, 0.2925];

#[test]
fn crossing_probability_matches_monte_carlo() {
    let (vol, h, dt) = (1.2, 3600.0, 10.0);
    let spec = BalancerSpec::demo();
    let model = believing(vol, &NEAR, 0.001).crossing_probability(h);

    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let paths = 4000;
    let k = vol * (dt / SECONDS_PER_YEAR).sqrt();
    let mut crossed = 0;
    for _ in 0..paths {
        let mut lp = [0.0_f64; 4];
        for _ in 0..(h / dt) as usize {
            for x in &mut lp {
                let z: f64 = StandardNormal.sample(&mut rng);
                *x += k * z - 0.5 * k * k;
            }
            let v: Vec<f64> = NEAR.iter().zip(&lp).map(|(u, p)| u * p.exp()).collect();
            let total: f64 = v.iter().sum();
            let w: Vec<f64> = v.iter().map(|x| x / total).collect();
            if spec.global_drift_bps(&w) >= 200.0 {
                crossed += 1;
                break;
            }
        }
    }
    let mc = f64::from(crossed) / f64::from(paths);
    assert!(mc > 0.05 && mc < 0.3, "a meaningful probability: {mc}");
    // The union bound may only overstate, and the linearisation is close at 1 % moves.
    assert!(
        (model - mc).abs() < 0.03,
        "model {model} vs Monte Carlo {mc}"
    );
    assert!(
        model >= mc - 0.01,
        "model {model} understates Monte Carlo {mc}"
    );
}

#[test]
fn at_the_band_the_check_is_now() {
    let f = believing(0.6, &[0.18, 0.2, 0.32, 0.3], 0.001);
    assert!(f.drift_bps() >= 200.0);
    assert_eq!(f.crossing_probability(0.0), 1.0);
    assert!(f.check_now(60.0));
    assert_eq!(f.next_check_in(), 60.0);
}

#[test]
fn on_target_and_calm_waits_the_maximum() {
    let f = believing(0.2, BalancerSpec::demo().targets(), 0.001);
    assert!(!f.check_now(60.0));
    assert_eq!(f.next_check_in(), 86_400.0);
}

#[test]
fn next_check_shortens_as_vol_grows() {
    let mut last = f64::INFINITY;
    for vol in [0.1, 0.2, 0.4, 0.6, 0.9, 1.2, 2.0, 4.0] {
        let h = believing(vol, &NEAR, 0.001).next_check_in();
        assert!(h <= last, "vol {vol}: {h} after {last}");
        last = h;
    }
    assert!(last < 3600.0);
}

#[test]
fn learns_vol_from_prices() {
    let config = ForecastConfig {
        prior_vol: 0.05,
        half_life_s: 86_400.0,
        ..ForecastConfig::default()
    };
    let mut f = Forecaster::new(BalancerSpec::demo(), config).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let k = 0.8 * (60.0 / SECONDS_PER_YEAR).sqrt();
    let mut lp = [0.0; 4];
    for step in 0..10 * 1440 {
        for x in lp.iter_mut().skip(2) {
            let z: f64 = StandardNormal.sample(&mut rng);
            *x += k * z;
        }
        f.observe(f64::from(step) * 60.0, &lp, BalancerSpec::demo().targets())
            .unwrap();
    }
    let v = f.ewma().vol_annual(2).unwrap();
    assert!((v - 0.8).abs() < 0.08, "{v}");
}

#[test]
fn rejects_wrong_lengths() {
    let mut f = believing(0.5, &NEAR, 0.001);
    let e = f.observe(60.0, &[0.0; 3], &NEAR).unwrap_err();
    assert!(e.to_string().contains("log_prices has 3 entries"), "{e}");
}

/// Weights around the demo targets, each moved by up to ±250 bp, renormalised.
fn weights() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-0.025..0.025_f64, 4).prop_map(|d| {
        let raw: Vec<f64> = BalancerSpec::demo()
            .targets()
            .iter()
            .zip(&d)
            .map(|(t, x)| t + x)
            .collect();
        let s: f64 = raw.iter().sum();
        raw.iter().map(|x| x / s).collect()
    })
}

proptest! {
    #[test]
    fn next_check_is_within_bounds(w in weights(), vol in 0.0..5.0_f64, risk in 1e-6..0.2_f64) {
        let h = believing(vol, &w, risk).next_check_in();
        prop_assert!((60.0..=86_400.0).contains(&h), "{}", h);
    }

    #[test]
    fn higher_vol_never_checks_later(
        w in weights(),
        vol in 0.01..3.0_f64,
        bump in 1.0..3.0_f64,
        risk in 1e-5..0.05_f64,
    ) {
        let calm = believing(vol, &w, risk).next_check_in();
        let wild = believing(vol * bump, &w, risk).next_check_in();
        // Bisection stops within 1 s.
        prop_assert!(wild <= calm + 1.0, "vol {} → {}, ×{} → {}", vol, calm, bump, wild);
    }
}
