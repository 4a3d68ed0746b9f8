//! `model::offpeak` measured on a simulated gas market: the share of deferrable work done
//! off-peak and the price it saved against going at once (the README's off-peak figure).

use onebalancer::model::offpeak::{GoReason, OffPeak, Timing, timing};

/// A day-cycle gas market (a 20 gwei base, ±12 gwei over the day, a two-hour evening spike,
/// deterministic noise), sampled every 5 minutes for 30 days; deferrable work arrives at
/// random times. Each piece goes at once or waits by [`timing`] with a trailing day of
/// prices. Measures the share of the deferrable work done off-peak (at or below the day's
/// median price) and the price it paid against doing it on arrival.
#[test]
fn on_a_simulated_day_cycle_deferrable_work_goes_off_peak_and_pays_less() {
    const STEP: u64 = 300;
    const DAY: u64 = 86_400;
    let steps = (30 * DAY / STEP) as usize;
    let mut seed: u64 = 0x0ff_9ea4;
    let mut next = move || {
        // xorshift64*: deterministic noise and arrivals.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let gwei = 1_000_000_000f64;
    let prices: Vec<u128> = (0..steps)
        .map(|i| {
            let t = i as u64 * STEP;
            let phase = (t % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
            let spike = if (18 * 3600..20 * 3600).contains(&(t % DAY)) {
                15.0
            } else {
                0.0
            };
            let noise = (next() % 4_000) as f64 / 1_000.0 - 2.0;
            ((20.0 - 12.0 * phase.cos() + spike + noise).max(1.0) * gwei) as u128
        })
        .collect();
    let window = (DAY / STEP) as usize;
    let policy = OffPeak {
        percentile: 25,
        max_wait_secs: DAY,
    };
    // 400 pieces of deferrable work arriving after the first day, and 100 urgent ones.
    let mut arrivals: Vec<(usize, bool)> = (0..500)
        .map(|k| {
            (
                window + (next() % (steps - 2 * window) as u64) as usize,
                k < 100,
            )
        })
        .collect();
    arrivals.sort_unstable();
    let (mut paid, mut at_once, mut off_peak, mut deferrable) = (0f64, 0f64, 0usize, 0usize);
    let mut late = 0usize;
    for (arrival, urgent) in arrivals {
        let due = arrival as u64 * STEP;
        let mut i = arrival;
        loop {
            let recent = &prices[i + 1 - window..=i];
            match timing(&policy, urgent, due, i as u64 * STEP, prices[i], recent) {
                Timing::Go(reason) => {
                    if urgent {
                        assert_eq!((reason, i), (GoReason::Urgent, arrival), "urgent waits");
                    } else {
                        deferrable += 1;
                        paid += prices[i] as f64;
                        at_once += prices[arrival] as f64;
                        late += usize::from(reason == GoReason::Deadline);
                        let mut day = recent.to_vec();
                        day.sort_unstable();
                        off_peak += usize::from(prices[i] <= day[day.len() / 2]);
                    }
                    break;
                }
                Timing::Wait { deadline, .. } => {
                    assert!(i as u64 * STEP < deadline);
                    i += 1;
                }
            }
        }
        assert!(
            (i - arrival) as u64 * STEP <= DAY,
            "never past the deadline"
        );
    }
    let share = off_peak as f64 / deferrable as f64;
    let saved = 1.0 - paid / at_once;
    println!(
        "off-peak: {deferrable} deferrable pieces, {:.1} % done at or below the day's median, \
         {late} at the deadline; mean price paid {:.2} gwei against {:.2} gwei at once: \
         {:.1} % saved",
        share * 100.0,
        paid / deferrable as f64 / gwei,
        at_once / deferrable as f64 / gwei,
        saved * 100.0
    );
    assert_eq!(deferrable, 400);
    assert!(share >= 0.95, "share off-peak {share}");
    assert!(saved >= 0.25, "saved {saved}");
}
