//! Chainlink Automation registry 2.3 concepts the keeper and the devnet share.

use std::fmt;

/// `AutomationRegistryBase2_3.UpkeepFailureReason`, as `checkUpkeep` returns it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureReason {
    /// The check found work (or nothing failed).
    None,
    /// Cancelled upkeeps are never checked.
    UpkeepCancelled,
    /// Paused by its admin.
    UpkeepPaused,
    /// The target's `checkUpkeep` reverted.
    TargetCheckReverted,
    /// The target answered `upkeepNeeded = false`.
    UpkeepNotNeeded,
    /// performData is longer than `maxPerformDataSize`.
    PerformDataExceedsLimit,
    /// The balance is below the most a perform could cost.
    InsufficientBalance,
    /// A streams-lookup callback reverted.
    CallbackReverted,
    /// The target's revert data is longer than `maxRevertDataSize`.
    RevertDataExceedsLimit,
    /// The whole registry is paused.
    RegistryPaused,
    /// A value this build does not know (a newer registry).
    Unknown(u8),
}

impl FailureReason {
    /// Whether the registry will not perform the upkeep whatever its target says: underfunded,
    /// paused, cancelled, or the whole registry paused. A fallback keeper acts at once then.
    pub fn stops_the_network(self) -> bool {
        matches!(
            self,
            Self::InsufficientBalance
                | Self::UpkeepPaused
                | Self::UpkeepCancelled
                | Self::RegistryPaused
        )
    }

    /// From the ABI's `uint8`.
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::None,
            1 => Self::UpkeepCancelled,
            2 => Self::UpkeepPaused,
            3 => Self::TargetCheckReverted,
            4 => Self::UpkeepNotNeeded,
            5 => Self::PerformDataExceedsLimit,
            6 => Self::InsufficientBalance,
            7 => Self::CallbackReverted,
            8 => Self::RevertDataExceedsLimit,
            9 => Self::RegistryPaused,
            other => Self::Unknown(other),
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::None => "NONE",
            Self::UpkeepCancelled => "UPKEEP_CANCELLED",
            Self::UpkeepPaused => "UPKEEP_PAUSED",
            Self::TargetCheckReverted => "TARGET_CHECK_REVERTED",
            Self::UpkeepNotNeeded => "UPKEEP_NOT_NEEDED",
            Self::PerformDataExceedsLimit => "PERFORM_DATA_EXCEEDS_LIMIT",
            Self::InsufficientBalance => "INSUFFICIENT_BALANCE",
            Self::CallbackReverted => "CALLBACK_REVERTED",
            Self::RevertDataExceedsLimit => "REVERT_DATA_EXCEEDS_LIMIT",
            Self::RegistryPaused => "REGISTRY_PAUSED",
            Self::Unknown(v) => return write!(f, "UNKNOWN({v})"),
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_reasons_read_as_the_registry_names_them() {
        assert_eq!(
            FailureReason::from_u8(6).to_string(),
            "INSUFFICIENT_BALANCE"
        );
        assert_eq!(FailureReason::from_u8(1).to_string(), "UPKEEP_CANCELLED");
        assert_eq!(FailureReason::from_u8(4), FailureReason::UpkeepNotNeeded);
        assert_eq!(FailureReason::from_u8(42).to_string(), "UNKNOWN(42)");
    }

    #[test]
    fn only_stopping_reasons_hand_an_upkeep_to_a_fallback() {
        for r in [
            FailureReason::InsufficientBalance,
            FailureReason::UpkeepPaused,
            FailureReason::UpkeepCancelled,
            FailureReason::RegistryPaused,
        ] {
            assert!(r.stops_the_network(), "{r}");
        }
        for r in [
            FailureReason::None,
            FailureReason::UpkeepNotNeeded,
            FailureReason::TargetCheckReverted,
            FailureReason::Unknown(77),
        ] {
            assert!(!r.stops_the_network(), "{r}");
        }
    }
}
