// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DriftHarness} from "./DriftHarness.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title The inputs of `test/vectors/drift.json`: hand-picked edges, then pseudo-random cases.
/// @notice Deterministic: the random cases come from keccak256 of a fixed seed and the case index.
/// Every case stays inside the ranges the contracts accept (n 1..16, token decimals 0..18, feed
/// decimals 6..18, balances below 2^128, stable targets not all zero) and far from any overflow.
library DriftCases {
    using Strings for uint256;

    uint256 internal constant EDGES = 24;
    uint256 internal constant RANDOM = 224;
    uint256 internal constant COUNT = EDGES + RANDOM;
    bytes32 internal constant SEED = keccak256("onebalancer drift vectors v1");
    bytes32 internal constant DOMAIN = keccak256("onebalancer drift vectors domain");
    address internal constant MAKER = 0xba1a000000000000000000000000000000000001;

    struct Rng {
        uint256 state;
    }

    /// @notice Case `i` (0 <= i < COUNT).
    function get(uint256 i) internal pure returns (DriftHarness.Input memory) {
        return i < EDGES ? edge(i) : random(i - EDGES);
    }

    /// @notice The default case: n assets of 18 decimals priced 1.00000000 (so value = balance),
    /// equal targets (the remainder on asset 0), the fixture's parameters, nothing held.
    function base(string memory name, uint256 n) internal pure returns (DriftHarness.Input memory c) {
        c.name = name;
        c.a.tokenDecimals = new uint256[](n);
        c.a.feedDecimals = new uint256[](n);
        c.a.prices = new uint256[](n);
        c.a.balances = new uint256[](n);
        c.a.targets = new uint256[](n);
        c.a.tokens = new address[](n);
        for (uint256 i; i < n; ++i) {
            c.a.tokenDecimals[i] = 18;
            c.a.feedDecimals[i] = 8;
            c.a.prices[i] = 1e8;
            c.a.targets[i] = 10_000 / n;
            c.a.tokens[i] = address(uint160(uint256(keccak256(abi.encode("token", i)))));
        }
        c.a.targets[0] += 10_000 % n;
        c.p.driftBps = 200;
        c.p.clearBps = 175;
        c.p.stableDriftBps = 100;
        c.p.stableClearBps = 50;
        c.p.depegBps = 100;
        c.p.maxSlippageBps = 30;
        c.p.gridLevels = 3;
        c.p.gridSpacingBps = 5;
        c.p.dustFloorBps = 10;
        c.p.fillCostUsdE8 = 50_000_000; // $0.50
        c.p.dustMarginBps = 20_000; // dust $1
        c.x.epoch = 7;
        c.x.expiry = 1_763_000_600;
        c.x.orderTtl = 600;
        c.x.maker = MAKER;
        c.x.domainSeparator = DOMAIN;
    }

    /// @notice Hand-picked edge cases.
    function edge(uint256 k) internal pure returns (DriftHarness.Input memory c) {
        if (k == 0) {
            c = base("one-asset", 1);
            c.a.balances[0] = 1000e18;
        } else if (k == 1) {
            c = base("one-asset-stable", 1);
            c.a.stableMask = 1;
            c.a.balances[0] = 5e18;
        } else if (k == 2) {
            c = _demo("all-zero-balances");
            c.a.balances = new uint256[](4);
        } else if (k == 3) {
            c = _demo("some-zero-balances");
            c.a.balances[0] = 0;
            c.a.balances[2] = 0;
            c.a.balances[1] = 500e18;
            c.a.balances[3] = 1500e18 * 1e8 / 3000e8;
        } else if (k <= 6) {
            // Asset 0 at exactly 500 bps over target: drift == band must not trigger; 1 wei more must.
            c = _two(
                k == 4 ? "global-band-exact" : k == 5 ? "global-band-plus-1-wei" : "global-band-minus-1-wei"
            );
            c.a.balances[0] = k == 4 ? 5500e18 : k == 5 ? 5500e18 + 1 : 5500e18 - 1;
        } else if (k <= 9) {
            // Stable 1 at exactly 100 bps of the slice over its within-slice target.
            c = base(
                k == 7 ? "stable-band-exact" : k == 8 ? "stable-band-plus-1-wei" : "stable-band-minus-1-wei",
                3
            );
            c.a.targets[0] = 5000;
            c.a.targets[1] = 2500;
            c.a.targets[2] = 2500;
            c.a.stableMask = 6;
            c.a.balances[0] = 5000e18;
            c.a.balances[1] = k == 7 ? 2550e18 : k == 8 ? 2550e18 + 1 : 2550e18 - 1;
            c.a.balances[2] = 2450e18;
        } else if (k <= 11) {
            // Two stables whose prices differ by exactly depegBps of the lower (k = 10), or 1 more.
            c = base(k == 10 ? "depeg-exact" : "depeg-plus-1", 2);
            c.a.stableMask = 3;
            c.a.prices[1] = k == 10 ? 1.01e8 : 1.01e8 + 1;
            c.a.balances[0] = 1000e18;
            c.a.balances[1] = 1000e18 * 1e8 / c.a.prices[1];
        } else if (k == 12) {
            // Values of a few wei: 1 wei of token rounds to 0 USD, 1e8 wei to 1 wei of USD.
            c = base("rounding-1-wei", 4);
            c.a.prices[0] = 1;
            c.a.prices[1] = 1;
            c.a.prices[2] = 1;
            c.a.balances[0] = 1;
            c.a.balances[1] = 1e8;
            c.a.balances[2] = 2e8 - 1;
            c.a.tokenDecimals[3] = 0;
            c.a.feedDecimals[3] = 6;
            c.a.prices[3] = 1;
            c.a.balances[3] = 1;
            c.p.fillCostUsdE8 = 0;
        } else if (k == 13) {
            c = base("all-stables", 3);
            c.a.stableMask = 7;
            c.a.balances[0] = 4000e18;
            c.a.balances[1] = 3000e18;
            c.a.balances[2] = 3000e18;
            c.a.tokenDecimals[1] = 6;
            c.a.balances[1] = 3000e6;
        } else if (k == 14) {
            c = base("grid-8-levels", 2);
            c.a.stableMask = 3;
            c.a.tokenDecimals[0] = 6;
            c.a.balances[0] = 8000e6;
            c.a.balances[1] = 2000e18;
            c.p.gridLevels = 8;
            c.p.gridSpacingBps = 100;
            c.p.maxSlippageBps = 0;
        } else if (k == 15) {
            c = _sixteen();
        } else if (k == 16) {
            // The trade between assets 0 and 2 is worth less than the $1 dust.
            c = base("dust-drops-trade", 3);
            c.a.targets[0] = 5000;
            c.a.targets[1] = 2500;
            c.a.targets[2] = 2500;
            c.a.balances[0] = 4000e18;
            c.a.balances[1] = 3500e18;
            c.a.balances[2] = 2500e18 + 1e18 + 5e17;
            c.p.driftBps = 100;
            c.p.clearBps = 0;
            c.p.maxSlippageBps = 0;
            c.p.dustMarginBps = 40_000; // dust $2
        } else if (k == 17) {
            c = _two("slippage-eats-clear");
            c.a.balances[0] = 7000e18;
            c.p.clearBps = 10;
            c.p.maxSlippageBps = 500;
        } else if (k <= 19) {
            // Drift 50 bps (below the 200 bps band) over the 10 bps floor, or 5 bps under it.
            c = _two(k == 18 ? "calendar-due" : "calendar-below-floor");
            c.p.calendar = true;
            c.a.balances[0] = k == 18 ? 5050e18 : 5005e18;
            c.a.balances[1] = k == 18 ? 4950e18 : 4995e18;
        } else if (k == 20) {
            c = _bigDecimals();
        } else if (k == 21) {
            c = _demo("stable-slice-empty");
            c.a.balances[0] = 0;
            c.a.balances[1] = 0;
        } else if (k == 22) {
            c = _demo("both-paths");
            c.a.balances[0] = 1500e6;
            c.a.balances[1] = 2500e18;
        } else {
            c = _demo("depeg-and-global");
            c.a.prices[0] = 0.97e8;
            c.a.balances[2] = 6_666_666; // 0.0667 WBTC, about $4000
        }
    }

    /// @notice Pseudo-random case `i`: n = 1 + i % 16, everything else from the seed.
    function random(uint256 i) internal pure returns (DriftHarness.Input memory c) {
        Rng memory r = Rng(uint256(keccak256(abi.encode(SEED, i))));
        uint256 n = 1 + i % 16;
        c = base(string.concat("random-", i.toString()), n);
        uint256 kind = _next(r, 6);
        c.a.stableMask = kind < 2 ? 0 : kind == 2 ? (1 << n) - 1 : _next(r, 1 << n);
        _randomTargets(r, c, n);
        _randomParams(r, c);
        uint256 portfolio = 10 ** (16 + _next(r, 15)) * (1 + _next(r, 9)); // $0.01 .. $9e12
        uint256 spread = [uint256(0), 50, 300, 1500, 5000][_next(r, 5)];
        for (uint256 j; j < n; ++j) {
            bool stable = c.a.stableMask >> j & 1 == 1;
            c.a.tokenDecimals[j] = _next(r, 19);
            c.a.feedDecimals[j] = 6 + _next(r, 13);
            c.a.prices[j] = stable ? _stablePrice(r, c.a.feedDecimals[j]) : _price(r, c.a.feedDecimals[j]);
            if (_next(r, 12) == 0) continue; // holds nothing
            uint256 usd = c.a.targets[j] == 0
                ? portfolio * _next(r, 50) / 10_000
                : portfolio * c.a.targets[j] / 10_000 * (10_000 - spread + _next(r, 2 * spread + 1)) / 10_000;
            uint256 bal =
                Math.mulDiv(usd, 10 ** (c.a.tokenDecimals[j] + c.a.feedDecimals[j]), c.a.prices[j] * 1e18);
            c.a.balances[j] = bal > 1e38 ? 1e38 : bal;
        }
    }

    function _randomTargets(Rng memory r, DriftHarness.Input memory c, uint256 n) private pure {
        uint256[] memory w = new uint256[](n);
        uint256 sum;
        uint256 stableSum;
        for (uint256 j; j < n; ++j) {
            w[j] = _next(r, 5) == 0 ? 0 : _next(r, 101);
            if (c.a.stableMask >> j & 1 == 1) stableSum += w[j];
            sum += w[j];
        }
        // Stables must keep a positive target (see the zero-stable-target finding); so must someone.
        if (c.a.stableMask != 0 && stableSum == 0) {
            uint256 j;
            while (c.a.stableMask >> j & 1 == 0) ++j;
            w[j] = 1 + _next(r, 100);
            sum += w[j];
        }
        if (sum == 0) {
            w[0] = 1;
            sum = 1;
        }
        uint256 assigned;
        uint256 first = n;
        for (uint256 j; j < n; ++j) {
            c.a.targets[j] = w[j] * 10_000 / sum;
            assigned += c.a.targets[j];
            if (first == n && w[j] != 0) first = j;
        }
        c.a.targets[first] += 10_000 - assigned;
    }

    function _randomParams(Rng memory r, DriftHarness.Input memory c) private pure {
        c.p.driftBps = _next(r, 3) == 0 ? 1 + _next(r, 20) : 1 + _next(r, 5000);
        c.p.clearBps = _next(r, c.p.driftBps);
        c.p.stableDriftBps = 1 + _next(r, 300);
        c.p.stableClearBps = _next(r, c.p.stableDriftBps);
        c.p.depegBps = 1 + _next(r, 300);
        c.p.maxSlippageBps = _next(r, 501);
        c.p.gridLevels = 1 + _next(r, 8);
        c.p.gridSpacingBps = _next(r, 101);
        c.p.calendar = _next(r, 4) == 0;
        c.p.dustFloorBps = _next(r, c.p.clearBps + 1); // a TimeBalancer's floor is at most its clear band
        c.p.fillCostUsdE8 = _next(r, 1e9);
        c.p.dustMarginBps = _next(r, 30_001);
        c.x.epoch = _next(r, (1 << 32) - 1); // epoch + 1 still fits the uint32 a perform writes
        c.x.expiry = 1_763_000_060 + _next(r, 1 days);
        c.x.orderTtl = 60 + _next(r, 1 days - 59);
    }

    /// @dev A USD price of 1e-12 .. 1e13, as a raw answer with `fd` decimals (at least 1).
    function _price(Rng memory r, uint256 fd) private pure returns (uint256) {
        uint256 m = 1000 + _next(r, 9000);
        uint256 x = fd + _next(r, 25); // the USD price is about 10^(x - fd - 12)
        uint256 p = x >= 15 ? m * 10 ** (x - 15) : m / 10 ** (15 - x);
        return p == 0 ? 1 : p;
    }

    /// @dev About one dollar: exactly, or up to 2 % away.
    function _stablePrice(Rng memory r, uint256 fd) private pure returns (uint256) {
        if (_next(r, 3) == 0) return 10 ** fd;
        return 10 ** fd * (9800 + _next(r, 401)) / 10_000 + _next(r, 2);
    }

    function _next(Rng memory r, uint256 mod) private pure returns (uint256) {
        r.state = uint256(keccak256(abi.encode(r.state)));
        return mod == 0 ? 0 : r.state % mod;
    }

    /// @dev The fixture's demo portfolio (USDC, DAI stables at 20 %; WBTC, WETH at 30 %), at target.
    function _demo(string memory name) private pure returns (DriftHarness.Input memory c) {
        c = base(name, 4);
        c.a.stableMask = 3;
        c.a.targets[0] = 2000;
        c.a.targets[1] = 2000;
        c.a.targets[2] = 3000;
        c.a.targets[3] = 3000;
        c.a.tokenDecimals[0] = 6;
        c.a.tokenDecimals[2] = 8;
        c.a.prices[2] = 60_000e8;
        c.a.prices[3] = 3000e8;
        c.a.balances[0] = 2000e6;
        c.a.balances[1] = 2000e18;
        c.a.balances[2] = 5e6; // 0.05 WBTC = $3000
        c.a.balances[3] = 1e18; // $3000
    }

    /// @dev Two non-stables at 50 / 50 with asset 1 at $4500, a 500 / 200 bps band.
    function _two(string memory name) private pure returns (DriftHarness.Input memory c) {
        c = base(name, 2);
        c.a.balances[0] = 5000e18;
        c.a.balances[1] = 4500e18;
        c.p.driftBps = 500;
        c.p.clearBps = 200;
    }

    function _sixteen() private pure returns (DriftHarness.Input memory c) {
        c = base("sixteen-assets", 16);
        c.a.stableMask = 0x8421;
        for (uint256 j; j < 16; ++j) {
            c.a.tokenDecimals[j] = j + 2;
            c.a.feedDecimals[j] = 6 + j % 13;
            c.a.prices[j] = c.a.stableMask >> j & 1 == 1
                ? 10 ** c.a.feedDecimals[j]
                : (j + 1) * 10 ** c.a.feedDecimals[j];
            // Asset j holds (j + 1) x $100: far from the equal targets.
            c.a.balances[j] =
                100 * 10 ** c.a.tokenDecimals[j] * (j + 1) * 10 ** c.a.feedDecimals[j] / c.a.prices[j];
        }
    }

    function _bigDecimals() private pure returns (DriftHarness.Input memory c) {
        c = base("decimals-0-and-36", 3);
        c.a.tokenDecimals[0] = 0;
        c.a.feedDecimals[0] = 18;
        c.a.prices[0] = 1e30; // $1e12 per whole token
        c.a.balances[0] = 3;
        c.a.tokenDecimals[1] = 18;
        c.a.feedDecimals[1] = 18;
        c.a.prices[1] = 1; // $1e-18 per whole token
        c.a.balances[1] = 1e38;
        c.a.tokenDecimals[2] = 0;
        c.a.feedDecimals[2] = 6;
        c.a.prices[2] = 2e18; // $2e12
        c.a.balances[2] = 1;
    }
}
