// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {CloneArgs} from "../../contracts/libraries/CloneArgs.sol";
import {Drift} from "../../contracts/libraries/Drift.sol";
import {OrderBook} from "../../contracts/libraries/OrderBook.sol";
import {PerformData} from "../../contracts/libraries/PerformData.sol";

/// @title The balancer maths on explicit inputs, for the shared drift vectors.
/// @notice `run` composes the libraries the way `BalancerBase._evaluate` and `_plan` do, with every
/// path due (cooldowns elapsed) and every price read, and returns each intermediate result. The Rust
/// core (`src/model/drift`) reproduces the same outputs from the same inputs.
contract DriftHarness {
    /// @notice One case's inputs (see `test/vectors/drift.json`).
    struct Input {
        string name;
        Portfolio a;
        Params p;
        Context x;
    }

    /// @notice The assets and what the balancer holds.
    struct Portfolio {
        uint256[] tokenDecimals;
        uint256[] feedDecimals;
        uint256[] prices; // raw feed answers
        uint256[] balances; // tracked balances, token units
        uint256[] targets; // bps, summing to 10,000
        uint256 stableMask;
        address[] tokens;
    }

    /// @notice `IBalancer.Params` (the parts the maths reads), the calendar and the dust rule.
    struct Params {
        uint256 driftBps;
        uint256 clearBps;
        uint256 stableDriftBps;
        uint256 stableClearBps;
        uint256 depegBps;
        uint256 maxSlippageBps;
        uint256 gridLevels;
        uint256 gridSpacingBps;
        bool calendar; // TimeBalancer: the calendar rebalance is due
        uint256 dustFloorBps;
        uint256 fillCostUsdE8;
        uint256 dustMarginBps;
    }

    /// @notice Where the orders go.
    struct Context {
        uint256 epoch; // the state epoch the check runs against (orders use epoch + 1)
        uint256 expiry; // order expiry (block.timestamp + orderTtl)
        uint256 orderTtl; // the orders' life: their auction's duration
        address maker;
        bytes32 domainSeparator;
    }

    /// @notice One case's outputs.
    struct Output {
        Eval e;
        Aims a;
        Plan p;
    }

    /// @notice Values, measures and triggers (`_evaluate`).
    struct Eval {
        uint256 dust;
        uint256[] values;
        uint256 total;
        uint256 sliceValue;
        uint256 sliceTarget;
        Drift.Measure g;
        uint256 globalBps;
        Drift.Measure st;
        uint256 stableBps;
        bool globalExceeds;
        bool stableExceeds;
        bool depeg;
        bool calendarTriggered;
        uint256 triggered;
    }

    /// @notice Where each path aims and its lambda.
    struct Aims {
        uint256 globalAim;
        uint256 globalNum;
        uint256 globalDen;
        uint256 stableAim;
        uint256 stableNum;
        uint256 stableDen;
    }

    /// @notice Deltas for each path set; trades and orders for `planPaths`.
    struct Plan {
        int256[] deltasStable;
        int256[] deltasGlobal;
        int256[] deltasBoth;
        uint256 planPaths; // the triggered paths, or both when none triggered
        uint256[] trades; // packed (OrderBook.USD_MASK)
        ILimitOrderProtocol.Order[] orders;
        bytes32[] hashes;
        uint256 bitmap;
        bool upkeepNeeded;
        bytes performData;
    }

    /// @notice Evaluates and plans one case.
    function run(Input calldata inp) external view returns (Output memory o) {
        uint256 n = inp.a.prices.length;
        uint16[] memory targets = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            targets[i] = uint16(inp.a.targets[i]);
        }
        o.e.dust = inp.p.fillCostUsdE8 * 1e10 * inp.p.dustMarginBps / Drift.BPS;
        _measure(inp, targets, o);
        _triggers(inp, o);
        // The aims and lambdas `_plan` uses.
        o.a.stableAim = o.e.depeg ? 0 : Drift.aimBps(o.e.st, inp.p.stableClearBps, inp.p.maxSlippageBps);
        (o.a.stableNum, o.a.stableDen) = Drift.lambda(o.e.st, o.a.stableAim);
        o.a.globalAim = o.e.calendarTriggered ? 0 : Drift.aimBps(o.e.g, inp.p.clearBps, inp.p.maxSlippageBps);
        (o.a.globalNum, o.a.globalDen) = Drift.lambda(o.e.g, o.a.globalAim);
        o.p.deltasStable = _deltas(inp, targets, o, PerformData.PATH_STABLE);
        o.p.deltasGlobal = _deltas(inp, targets, o, PerformData.PATH_GLOBAL);
        o.p.deltasBoth = _deltas(inp, targets, o, 3);
        o.p.planPaths = o.e.triggered == 0 ? 3 : o.e.triggered;
        int256[] memory deltas =
            o.p.planPaths == 1 ? o.p.deltasStable : o.p.planPaths == 2 ? o.p.deltasGlobal : o.p.deltasBoth;
        o.p.trades = OrderBook.net(deltas, o.e.dust);
        uint16 bitmap;
        (o.p.orders, o.p.hashes, bitmap) = OrderBook.build(o.p.trades, _market(inp), inp.x.maker);
        o.p.bitmap = bitmap;
        o.p.upkeepNeeded = o.e.triggered != 0 && o.p.orders.length != 0;
        o.p.performData = PerformData.encode(bitmap, uint8(o.p.planPaths), uint32(inp.x.epoch));
    }

    /// @notice The real clone-args packing of the assets (calldata-only in `CloneArgs`).
    function cloneArgs(bytes32 domainSeparator, IBalancer.Asset[] calldata assets)
        external
        pure
        returns (bytes memory)
    {
        return CloneArgs.encode(address(0x1111), domainSeparator, address(0), 0, assets);
    }

    /// @notice `PerformData.encode`.
    function encode(uint16 bitmap, uint8 paths, uint32 epoch) external pure returns (bytes memory) {
        return PerformData.encode(bitmap, paths, epoch);
    }

    /// @notice `PerformData.decode` (reverts with `InvalidPerformData` on garbage).
    function decode(bytes calldata data) external pure returns (uint16 bitmap, uint8 paths, uint32 epoch) {
        return PerformData.decode(data);
    }

    /// @notice `Drift.addGlobalDeltas` on explicit inputs (for the zero-stable-target finding).
    function globalDeltas(uint256[] memory values, uint16[] memory targets, uint256 stableMask)
        external
        pure
        returns (int256[] memory deltas)
    {
        uint256 total;
        for (uint256 i; i < values.length; ++i) {
            total += values[i];
        }
        deltas = new int256[](values.length);
        Drift.Measure memory g = Drift.globalMeasure(values, targets, stableMask, total);
        (uint256 num, uint256 den) = Drift.lambda(g, 0);
        (int256 sliceDelta, uint256 s, uint256 ts) =
            Drift.addGlobalDeltas(deltas, values, targets, stableMask, total, num, den);
        Drift.addSliceDeltas(deltas, values, targets, stableMask, s, ts, sliceDelta, 0, 1);
    }

    function _measure(Input calldata inp, uint16[] memory targets, Output memory o) private pure {
        uint256 n = inp.a.prices.length;
        o.e.values = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            o.e.values[i] = Drift.value(
                inp.a.balances[i], inp.a.prices[i], inp.a.tokenDecimals[i] + inp.a.feedDecimals[i]
            );
            o.e.total += o.e.values[i];
        }
        (o.e.sliceValue, o.e.sliceTarget) = Drift.slice(o.e.values, targets, inp.a.stableMask);
        o.e.g = Drift.globalMeasure(o.e.values, targets, inp.a.stableMask, o.e.total);
        o.e.globalBps = Drift.maxBps(o.e.g);
        if (inp.a.stableMask != 0) o.e.st = Drift.stableMeasure(o.e.values, targets, inp.a.stableMask);
        o.e.stableBps = Drift.maxBps(o.e.st);
    }

    /// @dev `_evaluate` with both paths due.
    function _triggers(Input calldata inp, Output memory o) private pure {
        if (inp.a.stableMask != 0) {
            uint256 n = inp.a.prices.length;
            uint256[] memory norm = new uint256[](n);
            for (uint256 i; i < n; ++i) {
                norm[i] = inp.a.prices[i] * 10 ** (18 - inp.a.feedDecimals[i]);
            }
            o.e.depeg = Drift.depegged(norm, inp.a.stableMask, inp.p.depegBps);
            o.e.stableExceeds = Drift.exceeds(o.e.st, inp.p.stableDriftBps);
            if (o.e.depeg || o.e.stableExceeds) o.e.triggered |= PerformData.PATH_STABLE;
        }
        o.e.globalExceeds = Drift.exceeds(o.e.g, inp.p.driftBps);
        o.e.calendarTriggered =
            !o.e.globalExceeds && inp.p.calendar && Drift.exceeds(o.e.g, inp.p.dustFloorBps);
        if (o.e.globalExceeds || o.e.calendarTriggered) o.e.triggered |= PerformData.PATH_GLOBAL;
    }

    /// @dev `_plan`'s deltas for `paths`.
    function _deltas(Input calldata inp, uint16[] memory targets, Output memory o, uint256 paths)
        private
        pure
        returns (int256[] memory deltas)
    {
        deltas = new int256[](inp.a.prices.length);
        int256 sliceDelta = 0;
        (uint256 s, uint256 ts) = Drift.slice(o.e.values, targets, inp.a.stableMask);
        (uint256 sNum, uint256 sDen) = (0, 1);
        if (paths & PerformData.PATH_STABLE != 0) (sNum, sDen) = (o.a.stableNum, o.a.stableDen);
        if (paths & PerformData.PATH_GLOBAL != 0) {
            (sliceDelta,,) = Drift.addGlobalDeltas(
                deltas, o.e.values, targets, inp.a.stableMask, o.e.total, o.a.globalNum, o.a.globalDen
            );
        }
        if (inp.a.stableMask != 0) {
            Drift.addSliceDeltas(deltas, o.e.values, targets, inp.a.stableMask, s, ts, sliceDelta, sNum, sDen);
        }
    }

    function _market(Input calldata inp) private view returns (OrderBook.Market memory m) {
        uint256 n = inp.a.prices.length;
        IBalancer.Asset[] memory assets = new IBalancer.Asset[](n);
        for (uint256 i; i < n; ++i) {
            assets[i] = IBalancer.Asset({
                token: inp.a.tokens[i],
                feed: address(uint160(0xFEED0000 + i)),
                tokenDecimals: uint8(inp.a.tokenDecimals[i]),
                feedDecimals: uint8(inp.a.feedDecimals[i]),
                heartbeat: 1 days,
                deviationBps: 0,
                stable: inp.a.stableMask >> i & 1 == 1
            });
        }
        m.c = CloneArgs.decode(this.cloneArgs(inp.x.domainSeparator, assets));
        m.prices = inp.a.prices;
        m.maxSlippageBps = inp.p.maxSlippageBps;
        m.gridLevels = inp.p.gridLevels;
        m.gridSpacingBps = inp.p.gridSpacingBps;
        m.epoch = inp.x.epoch + 1;
        m.expiry = inp.x.expiry;
        m.duration = inp.x.orderTtl;
        m.extensionHash = OrderBook.extensionHash(inp.x.maker) & type(uint160).max;
    }
}
