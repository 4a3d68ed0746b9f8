//! The demo portfolio and balancer parameters (those of `test/utils/BalancerFixture.sol`).

use alloy::primitives::{Address, U256, aliases::U48};

use crate::chain::ours::{Asset, BandLimits, InitParams, KIND_DRIFT, KIND_TIME, Params, Protocol};

/// EIP-712 domain name of the 1inch protocol built from its sources.
pub const LOP_DOMAIN_NAME: &str = "1inch Limit Order Protocol";
/// Its domain version.
pub const LOP_DOMAIN_VERSION: &str = "4";
/// Decimals of every demo feed (as Chainlink's USD feeds).
pub const FEED_DECIMALS: u8 = 8;
/// A price older than this is stale.
pub const HEARTBEAT_SECS: u32 = 86_400;
/// USD (whole dollars) deposited into each demo balancer at its targets.
pub const FUND_USD: u64 = 100_000;
/// TimeBalancer calendar: a rebalance to target once a day…
pub const TIME_INTERVAL_SECS: u32 = 86_400;
/// …skipped while every drift is below 10 bp.
pub const TIME_DUST_FLOOR_BPS: u16 = 10;

/// One demo asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoAsset {
    /// Symbol (also the token's name).
    pub symbol: &'static str,
    /// Token decimals.
    pub decimals: u8,
    /// Starting USD price, a feed answer with [`FEED_DECIMALS`] places.
    pub price: u64,
    /// Target weight in bps.
    pub target_bps: u16,
    /// The feed's deviation threshold in bps (Chainlink's on Ethereum: 0.25 % for the stables,
    /// 0.5 % for BTC/USD and ETH/USD): a single-asset deposit pays its spread from these.
    pub deviation_bps: u16,
    /// Part of the stable slice.
    pub stable: bool,
}

/// USDC and DAI stable at 20 % each; WBTC and WETH at 30 % each.
pub const DEMO_ASSETS: [DemoAsset; 4] = [
    DemoAsset {
        symbol: "USDC",
        decimals: 6,
        price: 100_000_000,
        target_bps: 2000,
        deviation_bps: 25,
        stable: true,
    },
    DemoAsset {
        symbol: "DAI",
        decimals: 18,
        price: 100_000_000,
        target_bps: 2000,
        deviation_bps: 25,
        stable: true,
    },
    DemoAsset {
        symbol: "WBTC",
        decimals: 8,
        price: 6_000_000_000_000,
        target_bps: 3000,
        deviation_bps: 50,
        stable: false,
    },
    DemoAsset {
        symbol: "WETH",
        decimals: 18,
        price: 300_000_000_000,
        target_bps: 3000,
        deviation_bps: 50,
        stable: false,
    },
];

/// Which implementation a demo balancer clones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoKind {
    /// Rebalances on drift only.
    Drift,
    /// Also rebalances to target on a calendar.
    Time,
}

impl DemoKind {
    /// Both, in creation order.
    pub const ALL: [DemoKind; 2] = [DemoKind::Drift, DemoKind::Time];

    /// The manifest key.
    pub fn key(self) -> &'static str {
        match self {
            DemoKind::Drift => "drift_balancer",
            DemoKind::Time => "time_balancer",
        }
    }

    /// The contract name.
    pub fn contract(self) -> &'static str {
        match self {
            DemoKind::Drift => "DriftBalancer",
            DemoKind::Time => "TimeBalancer",
        }
    }

    /// `IBalancerFactory.Kind`.
    pub fn factory_kind(self) -> u8 {
        match self {
            DemoKind::Drift => KIND_DRIFT,
            DemoKind::Time => KIND_TIME,
        }
    }
}

/// The fixture's default parameters: drift 200 / clear 175 bps, stables 100 / 50, depeg 100,
/// slippage 30, a grid of 3 orders 5 bp apart, cooldowns 1 h (stable) / 6 h (global), orders
/// live 10 minutes.
pub fn default_params() -> Params {
    Params {
        driftBps: 200,
        clearBps: 175,
        stableDriftBps: 100,
        stableClearBps: 50,
        depegBps: 100,
        maxSlippageBps: 30,
        gridLevels: 3,
        gridSpacingBps: 5,
        stableCooldown: 3_600,
        globalCooldown: 21_600,
        orderTtl: 600,
        paused: false,
    }
}

/// Bit i set when demo asset i is stable.
pub fn stable_mask() -> u64 {
    DEMO_ASSETS
        .iter()
        .enumerate()
        .filter(|(_, a)| a.stable)
        .fold(0, |m, (i, _)| m | (1 << i))
}

/// The factory's `assets` argument for tokens and feeds deployed in [`DEMO_ASSETS`] order.
pub fn assets(deployed: &[(Address, Address)]) -> Vec<Asset> {
    DEMO_ASSETS
        .iter()
        .zip(deployed)
        .map(|(a, &(token, feed))| Asset {
            token,
            feed,
            tokenDecimals: a.decimals,
            feedDecimals: FEED_DECIMALS,
            heartbeat: HEARTBEAT_SECS,
            deviationBps: a.deviation_bps,
            stable: a.stable,
        })
        .collect()
}

/// The factory's `protocol` argument.
pub fn protocol(lop: Address) -> Protocol {
    Protocol {
        protocol: lop,
        name: LOP_DOMAIN_NAME.into(),
        version: LOP_DOMAIN_VERSION.into(),
    }
}

/// `initialize`'s arguments. The deployer is owner, controller and, until
/// [`super::upkeeps::register`] sets the registry's forwarder, the forwarder.
pub fn init_params(kind: DemoKind, deployer: Address) -> InitParams {
    let (interval, dust_floor) = match kind {
        DemoKind::Drift => (0, 0),
        DemoKind::Time => (TIME_INTERVAL_SECS, TIME_DUST_FLOOR_BPS),
    };
    InitParams {
        owner: deployer,
        controller: deployer,
        forwarder: deployer,
        targets: DEMO_ASSETS.iter().map(|a| a.target_bps).collect(),
        params: default_params(),
        limits: BandLimits {
            minDriftBps: 100,
            maxDriftBps: 500,
            minStableDriftBps: 50,
            maxStableDriftBps: 300,
        },
        fillCostUsdE8: U48::from(50_000_000u64), // $0.50 per fill
        dustMarginBps: 20_000,                   // × 2: dust below $1
        stableGasEstimate: 80_000,
        globalGasEstimate: 130_000,
        interval,
        dustFloorBps: dust_floor,
    }
}

/// [`FUND_USD`] as a `U256`.
pub fn fund_usd() -> U256 {
    U256::from(FUND_USD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_the_fixture_portfolio() {
        let sum: u32 = DEMO_ASSETS.iter().map(|a| u32::from(a.target_bps)).sum();
        assert_eq!(sum, 10_000);
        assert_eq!(stable_mask(), 0x3);
        let time = init_params(DemoKind::Time, Address::repeat_byte(1));
        assert_eq!((time.interval, time.dustFloorBps), (86_400, 10));
        assert_eq!(time.forwarder, Address::repeat_byte(1));
        let drift = init_params(DemoKind::Drift, Address::ZERO);
        assert_eq!((drift.interval, drift.dustFloorBps), (0, 0));
        assert_eq!(drift.params, default_params());
        let a = assets(&[(Address::repeat_byte(2), Address::repeat_byte(3)); 4]);
        assert_eq!(a.len(), 4);
        assert!(a[0].stable && a[1].stable && !a[2].stable && !a[3].stable);
        assert_eq!(
            (a[2].tokenDecimals, a[2].feedDecimals, a[2].heartbeat),
            (8, 8, 86_400)
        );
        let deviations: Vec<u16> = a.iter().map(|a| a.deviationBps).collect();
        assert_eq!(
            deviations,
            [25, 25, 50, 50],
            "the fixture's feeds (BalancerFixture)"
        );
    }
}
