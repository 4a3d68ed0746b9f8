//! `sol!` bindings for our own contracts, generated from the ABI JSON that forge writes and the
//! repository commits (`contracts/abi/*.json`, rewritten by `script/abi.sh` and checked in sync
//! with `out/` by the test command). Every function, event and **custom error** the contracts
//! declare is bound, so every revert the keeper meets decodes into the contract's error name and
//! arguments ([`crate::chain::revert`]).
//!
//! Each contract lives in its own module, because each ABI brings the interface libraries whose
//! structs it uses (`IBalancer.Params`, `IUpkeepManager.Config`, …) and two ABIs would otherwise
//! define them twice: `balancer::IBalancer::Params` and `factory::IBalancer::InitParams` are
//! separate Rust types of the same Solidity structs. The short names below are what the rest of
//! the crate uses.
//!
//! `IBalancerFactory.Kind` is an enum in Solidity; the ABI encodes it as `uint8` ([`KIND_DRIFT`],
//! [`KIND_TIME`]).
#![allow(missing_docs, clippy::too_many_arguments)] // generated items mirror the Solidity names documented in contracts/

/// `IBalancerFactory.Kind.Drift`.
pub const KIND_DRIFT: u8 = 0;
/// `IBalancerFactory.Kind.Time`.
pub const KIND_TIME: u8 = 1;

/// `contracts/DriftBalancer.sol` (its ABI is `IBalancer` plus the Chainlink upkeep and the 1inch
/// maker hooks; a TimeBalancer has the same ABI plus `setCalendar`).
pub mod balancer {
    use alloy::sol;
    sol!(
        #[sol(rpc)]
        #[derive(Debug, PartialEq, Eq)]
        DriftBalancer,
        "contracts/abi/DriftBalancer.json"
    );
}

/// `contracts/TimeBalancer.sol`.
pub mod time_balancer {
    use alloy::sol;
    sol!(
        #[sol(rpc)]
        #[derive(Debug, PartialEq, Eq)]
        TimeBalancer,
        "contracts/abi/TimeBalancer.json"
    );
}

/// `contracts/BalancerFactory.sol`.
pub mod factory {
    use alloy::sol;
    sol!(
        #[sol(rpc)]
        #[derive(Debug, PartialEq, Eq)]
        BalancerFactory,
        "contracts/abi/BalancerFactory.json"
    );
}

/// `contracts/UpkeepManager.sol`.
pub mod manager {
    use alloy::sol;
    sol!(
        #[sol(rpc)]
        #[derive(Debug, PartialEq, Eq)]
        UpkeepManager,
        "contracts/abi/UpkeepManager.json"
    );
}

/// `contracts/HubDepository.sol`: reserves, hub–user accounts and the hub's batch settlement.
pub mod hub {
    use alloy::sol;
    sol!(
        #[sol(rpc)]
        #[derive(Debug, PartialEq, Eq)]
        HubDepository,
        "contracts/abi/HubDepository.json"
    );
}

/// `test/utils/TestERC20.sol`: the devnet's test token (OpenZeppelin ERC-20 with an open `mint`).
pub mod test_token {
    use alloy::sol;
    sol!(
        #[sol(rpc)]
        #[derive(Debug, PartialEq, Eq)]
        TestERC20,
        "contracts/abi/TestERC20.json"
    );
}

pub use balancer::{DriftBalancer as Balancer, IBalancer::State as BalancerState};
pub use factory::{
    BalancerFactory,
    IBalancer::{Asset, BandLimits, InitParams, Params},
    IBalancerFactory::Protocol,
};
pub use hub::HubDepository;
pub use manager::{IUpkeepManager::Config as ManagerConfig, UpkeepManager};
pub use test_token::TestERC20;
pub use time_balancer::TimeBalancer;
