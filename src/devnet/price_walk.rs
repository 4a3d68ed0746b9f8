//! A seeded random walk of price-feed answers: the devnet's moving market.
//!
//! Each [`PriceWalk::step`] moves every volatile asset's log price by a normal shock of standard
//! deviation `step_bps` (minus half its variance, so the price itself does not drift), the
//! shocks of any two volatile assets correlated [`CORRELATION`] through one common factor.
//! Stables sit at their starting price with independent noise of [`STABLE_NOISE_BPS`]. Answers
//! are the starting answers times `exp(log price)`, rounded, at least 1. The walk draws from one
//! ChaCha8 stream seeded with `seed`: the same seed gives the same answers, step for step.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Correlation of any two volatile assets' shocks (BTC and ETH move together, loosely).
pub const CORRELATION: f64 = 0.5;
/// Standard deviation of a stable's price around its start, bp.
pub const STABLE_NOISE_BPS: f64 = 2.0;
/// The largest step standard deviation accepted, bp (50 %).
pub const MAX_STEP_BPS: u32 = 5_000;

/// A walk that cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceWalkError {
    /// One stable flag per starting answer.
    #[error("{stable} stable flags for {answers} feeds — give one flag per feed")]
    LengthMismatch {
        /// Starting answers.
        answers: usize,
        /// Stable flags.
        stable: usize,
    },
    /// Prices start positive.
    #[error("feed {index} starts at {answer} — a walked price must start above 0")]
    NotPositive {
        /// The feed.
        index: usize,
        /// Its answer.
        answer: i64,
    },
    /// The step is too large to be a price move.
    #[error("step = {step_bps} bp is out of range — use at most {MAX_STEP_BPS} bp per step")]
    StepTooLarge {
        /// The step given.
        step_bps: u32,
    },
}

/// The walk's state.
#[derive(Debug, Clone)]
pub struct PriceWalk {
    rng: ChaCha8Rng,
    start: Vec<f64>,
    stable: Vec<bool>,
    log_prices: Vec<f64>,
    sigma: f64,
}

impl PriceWalk {
    /// A walk from `start` answers (`stable[i]` for feed i) moving `step_bps` per step.
    pub fn new(
        start: &[i64],
        stable: &[bool],
        step_bps: u32,
        seed: u64,
    ) -> Result<Self, PriceWalkError> {
        if stable.len() != start.len() {
            return Err(PriceWalkError::LengthMismatch {
                answers: start.len(),
                stable: stable.len(),
            });
        }
        if let Some((index, &answer)) = start.iter().enumerate().find(|(_, a)| **a <= 0) {
            return Err(PriceWalkError::NotPositive { index, answer });
        }
        if step_bps > MAX_STEP_BPS {
            return Err(PriceWalkError::StepTooLarge { step_bps });
        }
        Ok(Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            // Feed answers are far below 2^53: exact as f64.
            start: start.iter().map(|a| *a as f64).collect(),
            stable: stable.to_vec(),
            log_prices: vec![0.0; start.len()],
            sigma: f64::from(step_bps) / 10_000.0,
        })
    }

    /// Moves one step and returns the new answers, in feed order.
    pub fn step(&mut self) -> Vec<i64> {
        let common: f64 = StandardNormal.sample(&mut self.rng);
        let (a, b) = (CORRELATION.sqrt(), (1.0 - CORRELATION).sqrt());
        for (x, stable) in self.log_prices.iter_mut().zip(&self.stable) {
            let own: f64 = StandardNormal.sample(&mut self.rng);
            if *stable {
                *x = STABLE_NOISE_BPS / 10_000.0 * own;
            } else {
                let z = a * common + b * own;
                *x += self.sigma * z - 0.5 * self.sigma * self.sigma;
            }
        }
        self.answers()
    }

    /// The current answers.
    pub fn answers(&self) -> Vec<i64> {
        self.start
            .iter()
            .zip(&self.log_prices)
            // `as` saturates: an absurd walk pins at i64::MAX rather than wrapping.
            .map(|(s, x)| ((s * x.exp()).round() as i64).max(1))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: [i64; 4] = [100_000_000, 100_000_000, 6_000_000_000_000, 300_000_000_000];
    const STABLE: [bool; 4] = [true, true, false, false];

    fn run(seed: u64, steps: usize) -> Vec<Vec<i64>> {
        let mut w = PriceWalk::new(&START, &STABLE, 100, seed).unwrap();
        (0..steps).map(|_| w.step()).collect()
    }

    #[test]
    fn the_same_seed_walks_the_same_path() {
        assert_eq!(run(7, 50), run(7, 50));
        assert_ne!(run(7, 50), run(8, 50));
        let w = PriceWalk::new(&START, &STABLE, 100, 1).unwrap();
        assert_eq!(w.answers(), START.to_vec(), "no step, no move");
    }

    #[test]
    fn stables_stay_near_their_start_and_volatiles_move_by_the_step() {
        let steps = 20_000;
        let path = run(3, steps);
        let mut sum_sq = [0.0f64; 2];
        let mut both = 0.0;
        let mut prev = START;
        for answers in &path {
            for s in 0..2 {
                let dev = (answers[s] - START[s]).abs() as f64 / START[s] as f64;
                assert!(dev < 0.002, "stable {s} moved {dev}");
            }
            let r: Vec<f64> = (2..4)
                .map(|i| (answers[i] as f64 / prev[i] as f64).ln())
                .collect();
            sum_sq[0] += r[0] * r[0];
            sum_sq[1] += r[1] * r[1];
            both += r[0] * r[1];
            prev = [answers[0], answers[1], answers[2], answers[3]];
        }
        let n = steps as f64;
        for ss in sum_sq {
            let sd = (ss / n).sqrt();
            assert!((sd - 0.01).abs() < 0.0005, "step sd {sd}");
        }
        let corr = both / (sum_sq[0] * sum_sq[1]).sqrt();
        assert!((corr - CORRELATION).abs() < 0.03, "correlation {corr}");
    }

    #[test]
    fn a_zero_step_holds_volatiles_still() {
        let mut w = PriceWalk::new(&START, &STABLE, 0, 1).unwrap();
        for _ in 0..10 {
            let a = w.step();
            assert_eq!(a[2..], START[2..]);
        }
    }

    #[test]
    fn bad_walks_are_refused_with_the_fix() {
        let e = PriceWalk::new(&START, &STABLE[..3], 100, 1).unwrap_err();
        assert!(e.to_string().contains("3 stable flags for 4 feeds"));
        let e = PriceWalk::new(&[1, 0], &[false, false], 100, 1).unwrap_err();
        assert_eq!(
            e,
            PriceWalkError::NotPositive {
                index: 1,
                answer: 0
            }
        );
        let e = PriceWalk::new(&START, &STABLE, 5_001, 1).unwrap_err();
        assert!(e.to_string().contains("at most 5000 bp"));
    }
}
