// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../../contracts/interfaces/IBalancer.sol";
import {IAmountGetter, ILimitOrderProtocol} from "../../../contracts/interfaces/ILimitOrderProtocol.sol";
import {IMockV3Aggregator} from "../../utils/ChainlinkInterfaces.sol";
import {TestERC20} from "../../utils/TestERC20.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title BalancerHandler
/// @notice Drives one balancer through random funds, withdrawals, price moves, time, performs (by the
/// forwarder, and attempts by strangers) and fills at limit prices, keeping ghost ledgers.
contract BalancerHandler is CommonBase, StdCheats, StdUtils {
    uint256 internal constant MAKER_AMOUNT_FLAG = 1 << 255;
    /// @dev 0.01 bp in `_drift`'s units (bp × 1e6).
    uint256 internal constant DRIFT_ROUNDING = 10_000;

    IBalancer public immutable b;
    ILimitOrderProtocol public immutable lop;
    address public immutable forwarder;
    TestERC20[] internal tokens;
    IMockV3Aggregator[] internal feeds;
    address[] internal users;

    /// @notice Tracked balance each asset should have: deposits − withdrawals − sold + bought.
    uint256[] public ledger;
    /// @notice Set if a perform ran inside its path's cooldown.
    bool public cooldownViolated;
    /// @notice Set if anyone but the forwarder or fallback keeper performed.
    bool public strangerPerformed;
    /// @notice Set if filling a whole bundle at limit prices left the portfolio further from target.
    bool public fillsWorsenedDrift;
    uint256 public performs;
    uint256 public fills;
    /// @notice Fills of a bundle left open while other actions ran (`fillLater`).
    uint256 public laterFills;
    /// @notice Stranger performs tried with the very performData a needed check returned.
    uint256 public strangerAttemptsWhenNeeded;

    ILimitOrderProtocol.Order[] internal open;
    bytes32[] internal openHashes;
    uint256 internal stableMask;

    constructor(
        IBalancer b_,
        ILimitOrderProtocol lop_,
        address forwarder_,
        TestERC20[] memory tokens_,
        IMockV3Aggregator[] memory feeds_,
        uint256 stableMask_
    ) {
        (b, lop, forwarder, stableMask) = (b_, lop_, forwarder_, stableMask_);
        for (uint256 i; i < tokens_.length; ++i) {
            tokens.push(tokens_[i]);
            feeds.push(feeds_[i]);
            ledger.push(b_.balances()[i]);
        }
        users.push(makeAddr("user-0"));
        users.push(makeAddr("user-1"));
        users.push(makeAddr("user-2"));
    }

    /* -------------------------------------------------------------- ACTIONS --- */

    function fund(uint256 userSeed, uint256 asset, uint256 usd) external {
        address user = users[userSeed % users.length];
        asset = asset % tokens.length;
        usd = bound(usd, 10, 200_000);
        (, int256 p,,,) = feeds[asset].latestRoundData();
        uint256 amount = usd * 10 ** (tokens[asset].decimals() + feeds[asset].decimals()) / uint256(p);
        if (amount == 0) return;
        tokens[asset].mint(user, amount);
        vm.startPrank(user);
        tokens[asset].approve(address(b), amount);
        try b.fund(address(tokens[asset]), amount) {
            ledger[asset] += amount;
        } catch {}
        vm.stopPrank();
    }

    function withdraw(uint256 userSeed, uint256 fraction) external {
        address user = users[userSeed % users.length];
        uint256 shares = b.sharesOf(user) * bound(fraction, 1, 100) / 100;
        if (shares == 0) return;
        uint256 supply = b.totalShares();
        uint256[] memory before = b.balances();
        vm.prank(user);
        uint256[] memory out = b.withdraw(shares);
        for (uint256 i; i < out.length; ++i) {
            ledger[i] -= before[i] * shares / supply;
        }
    }

    function movePrice(uint256 asset, uint256 bps, bool up) external {
        asset = asset % tokens.length;
        bps = bound(bps, 1, stableMask >> asset & 1 == 1 ? 300 : 2000);
        (, int256 p,,,) = feeds[asset].latestRoundData();
        int256 next = up ? p * int256(10_000 + bps) / 10_000 : p * int256(10_000 - bps) / 10_000;
        if (next > 0) feeds[asset].updateAnswer(next);
    }

    /// @notice Time passes (feeds re-post their answers), and the keeper performs if a check says so.
    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 12 hours));
        for (uint256 i; i < feeds.length; ++i) {
            (, int256 p,,,) = feeds[i].latestRoundData();
            feeds[i].updateAnswer(p);
        }
        _perform();
    }

    /// @notice The keeper performs; when nothing drifted, WBTC first jumps 10 % (a run that never
    /// performs tests nothing: `afterInvariant` requires performs and fills).
    function perform() external {
        if (_perform()) return;
        (, int256 p,,,) = feeds[2].latestRoundData();
        feeds[2].updateAnswer(p * 110 / 100);
        _perform();
    }

    /// @dev Checks, lets a stranger front-run with the same performData, performs as the forwarder
    /// and fills the whole bundle at its floor; false when no perform was needed.
    function _perform() internal returns (bool) {
        vm.prank(address(0), address(0));
        (bool needed, bytes memory data) = AutomationCompatibleInterface(address(b)).checkUpkeep("");
        if (!needed) return false;
        IBalancer.State memory s = b.state();
        IBalancer.Params memory p = b.params();
        (uint256 globalBefore, uint256 stableBefore) = _drift();
        // a stranger front-runs the forwarder with the very same performData
        ++strangerAttemptsWhenNeeded;
        vm.prank(makeAddr("front-runner"));
        try AutomationCompatibleInterface(address(b)).performUpkeep(data) {
            strangerPerformed = true;
            return true;
        } catch {}
        vm.recordLogs();
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        ++performs;
        IBalancer.State memory t = b.state();
        if (
            t.lastStableAt != s.lastStableAt && s.lastStableAt != 0
                && t.lastStableAt < s.lastStableAt + p.stableCooldown
        ) {
            cooldownViolated = true;
        }
        if (
            t.lastGlobalAt != s.lastGlobalAt && s.lastGlobalAt != 0
                && t.lastGlobalAt < s.lastGlobalAt + p.globalCooldown
        ) {
            // a calendar rebalance (TimeBalancer) has its own interval instead
            if (b.interval() == 0 || t.lastGlobalAt < s.lastGlobalAt + b.interval()) cooldownViolated = true;
        }
        _recordBundle(vm.getRecordedLogs());
        // every other bundle stays open for `fillLater` (after deposits, withdrawals, moves and time);
        // the others are filled whole at their floor (the auction's last second: the worst price the
        // portfolio can get), at unchanged oracle prices
        if (performs % 2 == 0) return true;
        if (open.length > 0 && uint256(data.length) == 8) {
            vm.warp(block.timestamp + p.orderTtl);
            for (uint256 i; i < open.length; ++i) {
                _fillOne(i);
            }
            (uint256 globalAfter, uint256 stableAfter) = _drift();
            // integer order amounts may move a drift by a rounding hair (seen: 8e-6 bp within a slice
            // whose drift was 0 when a global rebalance bought both stables); more than 0.01 bp is a bug
            if (t.lastGlobalAt != s.lastGlobalAt && globalAfter > globalBefore + DRIFT_ROUNDING) {
                fillsWorsenedDrift = true;
            }
            if (t.lastStableAt != s.lastStableAt && stableAfter > stableBefore + DRIFT_ROUNDING) {
                fillsWorsenedDrift = true;
            }
            delete open;
            delete openHashes;
        }
        return true;
    }

    /// @notice A stranger sends well-formed performData: what the check returns when a perform is
    /// needed (exactly what the forwarder would send), else 8 bytes with the current epoch and
    /// random paths. Only the access check can stop it.
    function strangerPerforms(address stranger, uint8 paths, uint16 bitmap) external {
        if (stranger == forwarder || stranger == address(0) || b.isFallbackKeeper(stranger)) return;
        vm.prank(address(0), address(0));
        (bool needed, bytes memory data) = AutomationCompatibleInterface(address(b)).checkUpkeep("");
        if (!needed) {
            // PerformData's layout: bitmap bits 0-15, paths 16-17, epoch 24-55
            data = abi.encodePacked(
                uint64(bitmap) | uint64(paths % 3 + 1) << 16 | uint64(b.state().epoch) << 24
            );
        }
        if (needed) ++strangerAttemptsWhenNeeded;
        vm.prank(stranger);
        try AutomationCompatibleInterface(address(b)).performUpkeep(data) {
            strangerPerformed = true;
        } catch {}
    }

    /// @notice A taker fills order `k` of the open bundle now, for what the balancer lets it take,
    /// at the getter's price (refused fills — expired, superseded, stale — are skipped).
    function fillLater(uint256 k) external {
        if (open.length == 0) return;
        k = k % open.length;
        try this.fillOne(k) {
            ++laterFills;
        } catch {}
    }

    /// @dev `_fillOne` as an external call of its own, so `fillLater` can catch a refused fill.
    function fillOne(uint256 k) external {
        require(msg.sender == address(this), "handler only");
        _fillOne(k);
    }

    /* -------------------------------------------------------------- HELPERS --- */

    /// @dev Fills open order i for what the balancer lets it take, at the getter's price now.
    function _fillOne(uint256 i) internal {
        ILimitOrderProtocol.Order memory o = open[i];
        uint256 making = b.fillableAmount(o.makingAmount);
        uint256 taking =
            IAmountGetter(address(b)).getTakingAmount(o, "", bytes32(0), address(0), making, making, "");
        TestERC20 buy = TestERC20(address(uint160(o.takerAsset)));
        address taker = makeAddr("taker");
        buy.mint(taker, taking);
        bytes memory ext = b.extension();
        vm.startPrank(taker);
        buy.approve(address(lop), taking);
        (uint256 m, uint256 t,) = lop.fillContractOrderArgs(
            o, abi.encode(openHashes), making, MAKER_AMOUNT_FLAG | ext.length << 224 | taking, ext
        );
        vm.stopPrank();
        ++fills;
        for (uint256 k; k < tokens.length; ++k) {
            if (uint160(address(tokens[k])) == o.makerAsset) ledger[k] -= m;
            if (uint160(address(tokens[k])) == o.takerAsset) ledger[k] += t;
        }
    }

    function _recordBundle(Vm.Log[] memory logs) internal {
        delete open;
        delete openHashes;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IBalancer.OrdersPublished.selector) {
                ILimitOrderProtocol.Order[] memory orders = _orders(logs[i]);
                for (uint256 k; k < orders.length; ++k) {
                    open.push(orders[k]);
                    openHashes.push(lop.hashOrder(orders[k]));
                }
            }
        }
    }

    /// @dev The 1inch orders of an `OrdersPublished` log (as `BalancerFixture._orders` rebuilds them).
    function _orders(Vm.Log memory log) internal view returns (ILimitOrderProtocol.Order[] memory orders) {
        (uint64 expiry,,,,, IBalancer.PublishedOrder[] memory po) =
            abi.decode(log.data, (uint64, uint8, uint32, uint32, uint32, IBalancer.PublishedOrder[]));
        orders = new ILimitOrderProtocol.Order[](po.length);
        for (uint256 k; k < po.length; ++k) {
            uint256 salt = po[k].salt;
            orders[k] = ILimitOrderProtocol.Order({
                salt: salt,
                maker: uint160(address(b)),
                receiver: 0,
                makerAsset: uint160(address(tokens[salt >> 167 & 0xf])),
                takerAsset: uint160(address(tokens[salt >> 171 & 0xf])),
                makingAmount: po[k].makingAmount,
                takingAmount: po[k].takingAmount,
                makerTraits: 1 << 252 | 1 << 249 | uint256(expiry) << 80
                    | ((salt >> 224) << 7 | (salt >> 160 & 0x7f)) << 120
            });
        }
    }

    /// @dev The largest global drift (units: non-stables and the slice) and the largest within-slice
    /// drift, both exact (scaled by 1e6 before the division), computed independently of the contract.
    function _drift() internal view returns (uint256 global, uint256 stable) {
        uint256[] memory bal = b.balances();
        uint16[] memory t = b.targets();
        uint256[] memory v = new uint256[](bal.length);
        uint256 total;
        for (uint256 i; i < bal.length; ++i) {
            (, int256 p,,,) = feeds[i].latestRoundData();
            v[i] = bal[i] * uint256(p) * 1e18 / 10 ** (tokens[i].decimals() + feeds[i].decimals());
            total += v[i];
        }
        if (total == 0) return (0, 0);
        uint256 sv;
        uint256 st;
        for (uint256 i; i < bal.length; ++i) {
            if (stableMask >> i & 1 == 1) {
                sv += v[i];
                st += t[i];
            } else {
                global = _max(global, _diff(v[i] * 10_000, uint256(t[i]) * total) * 1e6 / total);
            }
        }
        if (st == 0) return (global, 0);
        global = _max(global, _diff(sv * 10_000, st * total) * 1e6 / total);
        if (sv == 0) return (global, 0);
        for (uint256 i; i < bal.length; ++i) {
            if (stableMask >> i & 1 == 1) {
                stable = _max(stable, _diff(v[i] * st, uint256(t[i]) * sv) * 1e10 / (sv * st));
            }
        }
    }

    function _diff(uint256 a, uint256 c) internal pure returns (uint256) {
        return a > c ? a - c : c - a;
    }

    function _max(uint256 a, uint256 c) internal pure returns (uint256) {
        return a > c ? a : c;
    }
}
