//! Band controller tests: simulated histories (calm, gas spike, volatile tracking error) and
//! properties (always within limits, clear below trigger, step bounded).

use proptest::prelude::*;

use super::*;

const LIMITS: BandLimits = BandLimits {
    min_trigger_bps: 100,
    max_trigger_bps: 500,
    min_gap_bps: 10,
    max_step_bps: 25,
};

fn start() -> BandState {
    BandState {
        base_trigger_bps: 200,
        active: Bands {
            trigger_bps: 200,
            clear_bps: 175,
        },
    }
}

/// Runs `updates` weekly updates, each fed by `week(i)`; returns the states after each.
fn history(
    updates: usize,
    week: impl Fn(usize) -> (f64, Vec<u32>, f64, Vec<f64>),
) -> Vec<BandState> {
    let mut s = start();
    let mut out = Vec::new();
    for i in 0..updates {
        let (vol, drifts, beyond, gas) = week(i);
        let obs = Observations {
            realised_vol: vol,
            drift_at_trigger_bps: &drifts,
            time_beyond_band_pct: beyond,
            gas_prices: &gas,
        };
        s = propose(&s, &LIMITS, &BandPolicy::default(), &obs)
            .unwrap()
            .state;
        out.push(s);
    }
    out
}

/// A week of gas around 0.3 gwei (deterministic wiggle), with `now` last.
fn gas(now: f64) -> Vec<f64> {
    let mut g: Vec<f64> = (0..167)
        .map(|h| 0.3 + 0.02 * ((h % 7) as f64 - 3.0) / 3.0)
        .collect();
    g.push(now);
    g
}

#[test]
fn calm_markets_widen_to_the_limit() {
    let states = history(20, |_| (0.15, vec![203, 201], 0.0, gas(0.3)));
    assert_eq!(
        states[0].active,
        Bands {
            trigger_bps: 225,
            clear_bps: 200
        }
    );
    assert!(
        states
            .windows(2)
            .all(|w| w[1].active.trigger_bps >= w[0].active.trigger_bps)
    );
    assert_eq!(states.last().unwrap().active.trigger_bps, 500);
    assert_eq!(states.last().unwrap().active.clear_bps, 475);
}

#[test]
fn a_gas_spike_raises_the_band_then_it_returns() {
    // Normal volatility (no base change); gas ×5 for weeks 2–5.
    let states = history(12, |i| {
        let now = if (2..6).contains(&i) { 1.5 } else { 0.3 };
        (0.5, vec![205], 0.0, gas(now))
    });
    let triggers: Vec<u32> = states.iter().map(|s| s.active.trigger_bps).collect();
    assert_eq!(triggers[..2], [200, 200]);
    assert_eq!(triggers[2..6], [225, 250, 275, 300]);
    assert_eq!(triggers[6..10], [275, 250, 225, 200]);
    assert!(states.iter().all(|s| s.base_trigger_bps == 200));
}

#[test]
fn volatile_tracking_error_narrows() {
    // High vol and large overshoots at trigger (jumps through the band), 3 % of time beyond it.
    let states = history(8, |_| (1.2, vec![260, 240, 300], 3.0, gas(0.3)));
    assert_eq!(
        states[0].active,
        Bands {
            trigger_bps: 175,
            clear_bps: 150
        }
    );
    assert_eq!(states.last().unwrap().active.trigger_bps, 100);
    assert_eq!(states.last().unwrap().active.clear_bps, 75);
}

#[test]
fn time_beyond_band_alone_narrows_even_when_calm() {
    let states = history(1, |_| (0.1, vec![], 2.0, gas(0.3)));
    assert_eq!(states[0].active.trigger_bps, 175);
}

#[test]
fn bad_inputs_name_the_field() {
    let obs = Observations {
        realised_vol: f64::NAN,
        drift_at_trigger_bps: &[],
        time_beyond_band_pct: 0.0,
        gas_prices: &[],
    };
    let e = propose(&start(), &LIMITS, &BandPolicy::default(), &obs).unwrap_err();
    assert!(e.to_string().contains("realised_vol = NaN"), "{e}");
    let limits = BandLimits {
        min_gap_bps: 0,
        ..LIMITS
    };
    let obs = Observations {
        realised_vol: 0.5,
        ..obs
    };
    let e = propose(&start(), &limits, &BandPolicy::default(), &obs).unwrap_err();
    assert!(e.to_string().contains("min_gap_bps = 0"), "{e}");
}

fn limits() -> impl Strategy<Value = BandLimits> {
    (1u32..50, 0u32..400, 0u32..2000, 1u32..200).prop_map(|(gap, lo, span, step)| {
        let min_trigger = (lo + gap).max(25);
        BandLimits {
            min_trigger_bps: min_trigger,
            max_trigger_bps: (min_trigger + span).min(10_000),
            min_gap_bps: gap,
            max_step_bps: step,
        }
    })
}

proptest! {
    #[test]
    fn always_within_limits_and_step_bounded(
        limits in limits(),
        t in 0u32..3000,
        c in 0u32..3000,
        base in 0u32..3000,
        vol in 0.0..3.0_f64,
        drifts in prop::collection::vec(0u32..3000, 0..10),
        beyond in 0.0..10.0_f64,
        gas in prop::collection::vec(0.0..100.0_f64, 0..30),
    ) {
        let state = BandState {
            base_trigger_bps: base,
            active: Bands { trigger_bps: t, clear_bps: c },
        };
        let obs = Observations {
            realised_vol: vol,
            drift_at_trigger_bps: &drifts,
            time_beyond_band_pct: beyond,
            gas_prices: &gas,
        };
        let p = propose(&state, &limits, &BandPolicy::default(), &obs).unwrap();
        let b = p.state.active;
        prop_assert!(b.trigger_bps >= limits.min_trigger_bps);
        prop_assert!(b.trigger_bps <= limits.max_trigger_bps);
        prop_assert!(b.clear_bps + limits.min_gap_bps <= b.trigger_bps);
        prop_assert!(p.state.base_trigger_bps >= limits.min_trigger_bps);
        prop_assert!(p.state.base_trigger_bps <= limits.max_trigger_bps);
        // From a state inside the limits, neither band moves more than one step.
        let inside = (limits.min_trigger_bps..=limits.max_trigger_bps).contains(&t)
            && c + limits.min_gap_bps <= t;
        if inside {
            prop_assert!(b.trigger_bps.abs_diff(t) <= limits.max_step_bps);
            prop_assert!(b.clear_bps.abs_diff(c) <= limits.max_step_bps);
        }
        // Deterministic.
        prop_assert_eq!(p, propose(&state, &limits, &BandPolicy::default(), &obs).unwrap());
    }
}
