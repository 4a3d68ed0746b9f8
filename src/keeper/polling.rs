//! The loop every keeper job beside the engine runs (hub, funding, bands, relay): one step every
//! `poll` until told to stop; a failed step is logged, counted
//! (`onebalancer_errors_total{kind=<job>, error="step"}`) and tried again on the next poll. A
//! step records its work before it sends it, so stopping between steps loses nothing.

use std::{fmt, future::Future, time::Duration};

use tokio::sync::watch;

use crate::keeper::metrics;

/// A job stepped on a timer.
pub trait PollJob: Send {
    /// Its name in logs and metrics.
    const NAME: &'static str;
    /// What a step did (logged at debug).
    type Report: fmt::Debug + Send;
    /// Why a step failed.
    type Error: fmt::Display + Send;
    /// One step.
    fn step(&mut self) -> impl Future<Output = Result<Self::Report, Self::Error>> + Send;
}

/// Steps `job` every `poll` (at least `min_poll`) until `stop` turns true.
pub async fn run<J: PollJob>(
    mut job: J,
    poll: Duration,
    min_poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(poll.max(min_poll));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = ticker.tick() => {}
        }
        if *stop.borrow() {
            break;
        }
        match job.step().await {
            Ok(r) => tracing::debug!(job = J::NAME, report = ?r, "step"),
            Err(e) => {
                metrics::error(J::NAME, "step");
                tracing::warn!(job = J::NAME, error = %e, "step failed; retried on the next poll");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counting {
        steps: u32,
        fail_every: u32,
        done: tokio::sync::mpsc::UnboundedSender<u32>,
    }

    impl PollJob for Counting {
        const NAME: &'static str = "test";
        type Report = u32;
        type Error = String;
        async fn step(&mut self) -> Result<u32, String> {
            self.steps += 1;
            let _ = self.done.send(self.steps);
            if self.steps.is_multiple_of(self.fail_every) {
                return Err(format!("step {} failed", self.steps));
            }
            Ok(self.steps)
        }
    }

    #[tokio::test]
    async fn a_failed_step_is_retried_and_stop_ends_the_loop() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let (stop_tx, stop) = watch::channel(false);
        let job = Counting {
            steps: 0,
            fail_every: 2,
            done: tx,
        };
        let task = tokio::spawn(run(job, Duration::from_millis(10), Duration::ZERO, stop));
        // steps go on past the failing ones
        for want in 1..=5 {
            assert_eq!(rx.recv().await, Some(want));
        }
        stop_tx.send(true).unwrap();
        task.await.unwrap();
        // nothing runs after the stop
        while let Ok(n) = rx.try_recv() {
            assert!(n <= 6, "step {n} after the stop");
        }
    }
}
