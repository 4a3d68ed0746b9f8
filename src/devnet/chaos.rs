//! `--chaos`: the simulated Chainlink network stops for random (seeded) windows, so a fallback
//! keeper visibly takes over and hands back.
//!
//! The schedule alternates *up* windows of 8–20 s and *down* windows of 5–15 s (uniform, whole
//! seconds), starting up, drawn from a ChaCha stream of `--chaos-seed`: the same seed stops the
//! network at the same times.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Up windows, seconds.
pub const UP_SECS: (u64, u64) = (8, 20);
/// Down windows, seconds.
pub const DOWN_SECS: (u64, u64) = (5, 15);

/// The seeded stop schedule.
#[derive(Debug, Clone)]
pub struct Chaos {
    rng: ChaCha8Rng,
    /// Seconds since start at which the current window ends.
    until_s: u64,
    down: bool,
    /// Windows the network was stopped so far.
    pub outages: u64,
}

impl Chaos {
    /// A schedule from `seed`; the first window is up.
    pub fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let until_s = rng.random_range(UP_SECS.0..=UP_SECS.1);
        Self {
            rng,
            until_s,
            down: false,
            outages: 0,
        }
    }

    /// Whether the network is stopped `elapsed_s` seconds after start (call with growing times).
    pub fn stopped_at(&mut self, elapsed_s: u64) -> bool {
        while elapsed_s >= self.until_s {
            self.down = !self.down;
            let (lo, hi) = if self.down { DOWN_SECS } else { UP_SECS };
            if self.down {
                self.outages += 1;
            }
            self.until_s += self.rng.random_range(lo..=hi);
        }
        self.down
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_alternate_within_their_bounds_and_repeat_by_seed() {
        let mut a = Chaos::new(7);
        let states: Vec<bool> = (0..300).map(|t| a.stopped_at(t)).collect();
        assert!(!states[0], "starts up");
        let mut runs = Vec::new();
        let mut start = 0;
        for t in 1..states.len() {
            if states[t] != states[t - 1] {
                runs.push((states[t - 1], t - start));
                start = t;
            }
        }
        assert!(runs.len() > 10, "{runs:?}");
        for (down, len) in &runs[1..] {
            let (lo, hi) = if *down { DOWN_SECS } else { UP_SECS };
            assert!((lo..=hi).contains(&(*len as u64)), "{down} {len}");
        }
        assert!(a.outages >= 10);
        let mut b = Chaos::new(7);
        assert_eq!(
            states,
            (0..300).map(|t| b.stopped_at(t)).collect::<Vec<_>>()
        );
        let mut c = Chaos::new(8);
        assert_ne!(
            states,
            (0..300).map(|t| c.stopped_at(t)).collect::<Vec<_>>()
        );
    }
}
