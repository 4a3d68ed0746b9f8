//! When the keeper performs an upkeep: the per-target policy, pure (state + event → decision).
//!
//! **Primary** targets are performed as soon as their simulated `checkUpkeep` says so.
//!
//! **Fallback** targets are Chainlink's (or CRE's) to perform; the keeper steps in only when
//! - `upkeepNeeded` has held for `grace_blocks` blocks after the first block it was seen (so
//!   for more than `grace_blocks` blocks in all) with no perform of the target observed — by
//!   the registry (`UpkeepPerformed` for its upkeep id) or by the target itself (`OrdersPublished`,
//!   `RoundPerformed`), whoever sent it; or
//! - at once, when the registry's own check says the network will not perform it: the upkeep
//!   is underfunded, paused or cancelled, or the registry is paused
//!   ([`FailureReason::stops_the_network`]).
//!
//! Either way one piece of work — a balancer's epoch, or a manager's round — is decided at most
//! once while it is in flight; the transaction manager's store refuses a second transaction for
//! it ([`work_key`]), and the contracts refuse a second perform of it (`StaleEpoch`).

use alloy::primitives::{Address, Bytes, keccak256};

use crate::{
    chain::registry::FailureReason,
    keeper::config::{Mode, TargetKind},
    model::drift::PerformData,
};

/// Why the keeper performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A primary target needs it.
    Primary,
    /// A fallback target needed it for this many blocks and nobody performed it.
    GraceExpired {
        /// Blocks since it was first seen needed.
        held_blocks: u64,
    },
    /// The registry will not perform it.
    Registry(FailureReason),
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Primary => f.write_str("primary"),
            Self::GraceExpired { held_blocks } => {
                write!(
                    f,
                    "fallback: needed for {held_blocks} blocks, no perform seen"
                )
            }
            Self::Registry(r) => write!(f, "fallback: the registry's check says {r}"),
        }
    }
}

/// A simulated check of one target at one block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSeen {
    /// The block simulated.
    pub block: u64,
    /// `upkeepNeeded`.
    pub needed: bool,
    /// `performData`.
    pub perform_data: Bytes,
    /// The registry's own check of its upkeep, when the target has one and it was simulated.
    pub registry: Option<FailureReason>,
}

/// The keeper's decision to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The performData to send.
    pub perform_data: Bytes,
    /// The idempotency key of this work.
    pub work: String,
    /// Why.
    pub reason: Reason,
    /// The first block the keeper saw it needed.
    pub trigger_block: u64,
}

/// One target's policy state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    chain_id: u64,
    address: Address,
    kind: TargetKind,
    mode: Mode,
    grace_blocks: u64,
    /// First block of the current need, and its work.
    needed: Option<(u64, String)>,
    /// Work decided and not yet finished.
    in_flight: Option<String>,
}

impl Policy {
    /// The policy of a target.
    pub fn new(
        chain_id: u64,
        address: Address,
        kind: TargetKind,
        mode: Mode,
        grace_blocks: u64,
    ) -> Self {
        Self {
            chain_id,
            address,
            kind,
            mode,
            grace_blocks,
            needed: None,
            in_flight: None,
        }
    }

    /// The target's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Whether the target is being watched as needed (the scan keeps simulating it then).
    pub fn watching(&self) -> bool {
        self.needed.is_some()
    }

    /// Work the keeper decided and has not seen finished.
    pub fn in_flight(&self) -> Option<&str> {
        self.in_flight.as_deref()
    }

    /// A check result: perform now, or not.
    pub fn on_check(&mut self, c: &CheckSeen) -> Option<Decision> {
        if !c.needed {
            self.needed = None;
            return None;
        }
        let work = work_key(self.chain_id, self.address, self.kind, &c.perform_data);
        // A different piece of work (a new epoch or round) restarts the clock.
        let since = match &self.needed {
            Some((since, w)) if *w == work => *since,
            _ => {
                self.needed = Some((c.block, work.clone()));
                c.block
            }
        };
        if self.in_flight.as_deref() == Some(work.as_str()) {
            return None;
        }
        let held = c.block.saturating_sub(since);
        let reason = match self.mode {
            Mode::Primary => Reason::Primary,
            Mode::Fallback => match c.registry {
                Some(r) if r.stops_the_network() => Reason::Registry(r),
                _ if held >= self.grace_blocks => Reason::GraceExpired { held_blocks: held },
                _ => return None,
            },
        };
        self.in_flight = Some(work.clone());
        Some(Decision {
            perform_data: c.perform_data.clone(),
            work,
            reason,
            trigger_block: since,
        })
    }

    /// A perform of the target was observed (anyone's): the need it answered is over.
    pub fn on_perform_seen(&mut self) {
        self.needed = None;
    }

    /// The keeper's work `work` finished (mined, reverted, cancelled or refused): it may be
    /// decided again if it is still needed.
    pub fn on_finished(&mut self, work: &str) {
        if self.in_flight.as_deref() == Some(work) {
            self.in_flight = None;
        }
    }
}

/// The idempotency key of a perform: a balancer's epoch (in its performData), or a manager's
/// round (its fleet epoch and the members' entries, each with its own epoch).
pub fn work_key(chain_id: u64, target: Address, kind: TargetKind, perform_data: &Bytes) -> String {
    let target = format!("{target:#x}");
    match kind {
        TargetKind::Balancer => match PerformData::decode(perform_data) {
            Ok(pd) => format!("perform/{chain_id}/{target}/epoch/{}", pd.epoch),
            // Not the balancer's 8 bytes (the simulation will say why): keyed by content.
            Err(_) => format!(
                "perform/{chain_id}/{target}/data/{}",
                short_hash(perform_data)
            ),
        },
        TargetKind::Manager => {
            let fleet_epoch = perform_data
                .get(..4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                .unwrap_or(0);
            format!(
                "perform/{chain_id}/{target}/round/{fleet_epoch}/{}",
                short_hash(perform_data)
            )
        }
    }
}

fn short_hash(data: &Bytes) -> String {
    alloy::hex::encode(&keccak256(data)[..8])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const A: Address = Address::repeat_byte(0xaa);

    fn pd(epoch: u32) -> Bytes {
        PerformData {
            bitmap: 0b1100,
            paths: crate::model::drift::PATH_GLOBAL,
            epoch,
        }
        .encode()
        .to_vec()
        .into()
    }

    fn check(block: u64, needed: bool, epoch: u32) -> CheckSeen {
        CheckSeen {
            block,
            needed,
            perform_data: if needed { pd(epoch) } else { Bytes::new() },
            registry: None,
        }
    }

    fn fallback(grace: u64) -> Policy {
        Policy::new(31337, A, TargetKind::Balancer, Mode::Fallback, grace)
    }

    #[test]
    fn primary_performs_at_once_and_once_per_work() {
        let mut p = Policy::new(1, A, TargetKind::Balancer, Mode::Primary, 3);
        let d = p.on_check(&check(10, true, 4)).unwrap();
        assert_eq!(d.reason, Reason::Primary);
        assert_eq!(d.trigger_block, 10);
        assert_eq!(d.work, format!("perform/1/{A:#x}/epoch/4"));
        // The same work again while in flight: nothing.
        assert_eq!(p.on_check(&check(11, true, 4)), None);
        // Finished (say it reverted) and still needed: decided again.
        p.on_finished(&d.work);
        assert!(p.on_check(&check(12, true, 4)).is_some());
    }

    #[test]
    fn fallback_waits_grace_blocks_after_the_first_needed_block() {
        let mut p = fallback(3);
        for b in 100..103 {
            assert_eq!(p.on_check(&check(b, true, 7)), None, "block {b}");
            assert!(p.watching());
        }
        let d = p.on_check(&check(103, true, 7)).unwrap();
        assert_eq!(d.reason, Reason::GraceExpired { held_blocks: 3 });
        assert_eq!(d.trigger_block, 100);
        // Grace 0 acts on the first sight.
        let mut p = fallback(0);
        assert!(p.on_check(&check(5, true, 1)).is_some());
    }

    #[test]
    fn a_perform_seen_or_a_need_gone_restarts_the_clock() {
        let mut p = fallback(3);
        assert_eq!(p.on_check(&check(100, true, 7)), None);
        assert_eq!(p.on_check(&check(101, true, 7)), None);
        // Chainlink performed epoch 7; the next need (epoch 8) starts from its own first block.
        p.on_perform_seen();
        assert!(!p.watching());
        assert_eq!(p.on_check(&check(102, true, 8)), None);
        assert_eq!(p.on_check(&check(104, true, 8)), None);
        assert!(p.on_check(&check(105, true, 8)).is_some());
        // Not needed any more: forgotten.
        let mut p = fallback(3);
        assert_eq!(p.on_check(&check(1, true, 2)), None);
        assert_eq!(p.on_check(&check(2, false, 0)), None);
        assert!(!p.watching());
        assert_eq!(p.on_check(&check(3, true, 2)), None);
    }

    #[test]
    fn a_new_epoch_restarts_the_clock_without_a_perform_seen() {
        let mut p = fallback(2);
        assert_eq!(p.on_check(&check(1, true, 2)), None);
        assert_eq!(p.on_check(&check(2, true, 3)), None);
        assert_eq!(p.on_check(&check(3, true, 3)), None);
        assert!(p.on_check(&check(4, true, 3)).is_some());
    }

    #[test]
    fn the_registry_refusing_hands_the_upkeep_over_at_once() {
        for r in [
            FailureReason::InsufficientBalance,
            FailureReason::UpkeepPaused,
            FailureReason::UpkeepCancelled,
            FailureReason::RegistryPaused,
        ] {
            let mut p = fallback(50);
            let mut c = check(9, true, 1);
            c.registry = Some(r);
            assert_eq!(p.on_check(&c).unwrap().reason, Reason::Registry(r));
        }
        // The registry's check agreeing that work is needed leaves it to the network.
        let mut p = fallback(50);
        let mut c = check(9, true, 1);
        c.registry = Some(FailureReason::None);
        assert_eq!(p.on_check(&c), None);
    }

    #[test]
    fn manager_rounds_are_keyed_by_fleet_epoch_and_entries() {
        let mut round = vec![0, 0, 0, 5];
        round.push(2);
        round.extend_from_slice(&pd(9));
        let a = work_key(1, A, TargetKind::Manager, &Bytes::from(round.clone()));
        assert!(a.starts_with(&format!("perform/1/{A:#x}/round/5/")), "{a}");
        round[4] = 3; // another member
        let b = work_key(1, A, TargetKind::Manager, &Bytes::from(round));
        assert_ne!(a, b);
        let g = work_key(1, A, TargetKind::Balancer, &Bytes::from_static(b"xyz"));
        assert!(g.contains("/data/"), "{g}");
    }
}
