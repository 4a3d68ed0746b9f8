// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {OrderBook} from "../../contracts/libraries/OrderBook.sol";
import {DriftHarness} from "./DriftHarness.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title One drift vector as one line of compact JSON.
/// @notice Keys in a fixed order, no spaces, every integer a decimal string, addresses and hashes
/// lower-case hex: the Rust core (`src/model/drift/vectors.rs`) writes byte-identical lines, so the
/// two vector files can be compared line by line in either direction.
library DriftJson {
    using Strings for uint256;
    using Strings for int256;
    using Strings for address;

    /// @notice The case's line (without the separating comma).
    function line(DriftHarness.Input memory inp, DriftHarness.Output memory o)
        internal
        pure
        returns (string memory)
    {
        string memory head = string.concat("{", _inputs(inp), ",", _measures(o));
        return string.concat(head, ",", _plan(inp, o), "}");
    }

    function _inputs(DriftHarness.Input memory inp) private pure returns (string memory s) {
        s = string.concat(_key("name"), _str(inp.name), _kv("tokenDecimals", _uints(inp.a.tokenDecimals)));
        s = string.concat(
            s,
            _kv("feedDecimals", _uints(inp.a.feedDecimals)),
            _kv("prices", _uints(inp.a.prices)),
            _kv("balances", _uints(inp.a.balances))
        );
        s = string.concat(
            s,
            _kv("targets", _uints(inp.a.targets)),
            _field("stableMask", inp.a.stableMask),
            _field("driftBps", inp.p.driftBps)
        );
        s = string.concat(
            s,
            _field("clearBps", inp.p.clearBps),
            _field("stableDriftBps", inp.p.stableDriftBps),
            _field("stableClearBps", inp.p.stableClearBps)
        );
        s = string.concat(s, _field("depegBps", inp.p.depegBps));
        s = string.concat(
            s,
            _field("maxSlippageBps", inp.p.maxSlippageBps),
            _field("gridLevels", inp.p.gridLevels),
            _field("gridSpacingBps", inp.p.gridSpacingBps)
        );
        s = string.concat(
            s,
            _flag("calendar", inp.p.calendar),
            _field("dustFloorBps", inp.p.dustFloorBps),
            _field("fillCostUsdE8", inp.p.fillCostUsdE8)
        );
        s = string.concat(
            s,
            _field("dustMarginBps", inp.p.dustMarginBps),
            _field("epoch", inp.x.epoch),
            _field("expiry", inp.x.expiry),
            _field("orderTtl", inp.x.orderTtl)
        );
        s = string.concat(
            s,
            _kv("maker", _str(inp.x.maker.toHexString())),
            _kv("tokens", _addrs(inp.a.tokens)),
            _kv("domainSeparator", _str(uint256(inp.x.domainSeparator).toHexString(32)))
        );
    }

    function _measures(DriftHarness.Output memory o) private pure returns (string memory s) {
        s = string.concat(_key("dust"), _q(o.e.dust), _kv("values", _uints(o.e.values)));
        s = string.concat(
            s,
            _field("total", o.e.total),
            _field("sliceValue", o.e.sliceValue),
            _field("sliceTarget", o.e.sliceTarget)
        );
        s = string.concat(
            s,
            _kv("global", _measure(o.e.g.maxN, o.e.g.sumN, o.e.g.scale, o.e.globalBps)),
            _kv("stable", _measure(o.e.st.maxN, o.e.st.sumN, o.e.st.scale, o.e.stableBps)),
            _flag("globalExceeds", o.e.globalExceeds)
        );
        s = string.concat(
            s,
            _flag("stableExceeds", o.e.stableExceeds),
            _flag("depeg", o.e.depeg),
            _flag("calendarTriggered", o.e.calendarTriggered)
        );
        s = string.concat(
            s,
            _field("triggered", o.e.triggered),
            _field("globalAim", o.a.globalAim),
            _kv("globalLambda", _pair(o.a.globalNum, o.a.globalDen))
        );
        s = string.concat(
            s, _field("stableAim", o.a.stableAim), _kv("stableLambda", _pair(o.a.stableNum, o.a.stableDen))
        );
    }

    function _plan(DriftHarness.Input memory inp, DriftHarness.Output memory o)
        private
        pure
        returns (string memory s)
    {
        s = string.concat(
            _key("deltasStable"), _ints(o.p.deltasStable), _kv("deltasGlobal", _ints(o.p.deltasGlobal))
        );
        s = string.concat(s, _kv("deltasBoth", _ints(o.p.deltasBoth)), _field("planPaths", o.p.planPaths));
        s = string.concat(
            s,
            _kv("trades", _trades(o.p.trades)),
            _kv("orders", _orders(inp.a.tokens, o.p.orders, o.p.hashes)),
            _field("bitmap", o.p.bitmap)
        );
        s = string.concat(
            s,
            _flag("upkeepNeeded", o.p.upkeepNeeded),
            _kv("performData", _str(Strings.toHexString(uint256(uint64(bytes8(o.p.performData))), 8)))
        );
    }

    function _trades(uint256[] memory trades) private pure returns (string memory s) {
        s = "[";
        for (uint256 t; t < trades.length; ++t) {
            uint256 w = trades[t];
            s = string.concat(s, t == 0 ? "{" : ",{", _key("sell"), _q(w >> 248));
            s = string.concat(s, _field("buy", w >> 240 & 0xff), _field("usd", w & OrderBook.USD_MASK), "}");
        }
        s = string.concat(s, "]");
    }

    function _orders(
        address[] memory tokens,
        ILimitOrderProtocol.Order[] memory orders,
        bytes32[] memory hashes
    ) private pure returns (string memory s) {
        s = "[";
        for (uint256 k; k < orders.length; ++k) {
            ILimitOrderProtocol.Order memory o = orders[k];
            string memory head = string.concat(k == 0 ? "{" : ",{", _key("sell"));
            head = string.concat(
                head,
                _q(_indexOf(tokens, o.makerAsset)),
                _field("buy", _indexOf(tokens, o.takerAsset)),
                _field("salt", o.salt)
            );
            head = string.concat(
                head,
                _field("making", o.makingAmount),
                _field("taking", o.takingAmount),
                _field("makerTraits", o.makerTraits)
            );
            s = string.concat(s, head, _kv("hash", _str(uint256(hashes[k]).toHexString(32))), "}");
        }
        s = string.concat(s, "]");
    }

    function _indexOf(address[] memory tokens, uint256 token) private pure returns (uint256 i) {
        while (i < tokens.length && uint160(tokens[i]) != token) ++i;
    }

    function _measure(uint256 maxN, uint256 sumN, uint256 scale, uint256 bps)
        private
        pure
        returns (string memory)
    {
        string memory head = string.concat("{", _key("maxN"), _q(maxN), _field("sumN", sumN));
        return string.concat(head, _field("scale", scale), _field("bps", bps), "}");
    }

    function _pair(uint256 a, uint256 b) private pure returns (string memory) {
        return string.concat("[", _q(a), ",", _q(b), "]");
    }

    function _uints(uint256[] memory a) private pure returns (string memory s) {
        s = "[";
        for (uint256 i; i < a.length; ++i) {
            s = string.concat(s, i == 0 ? "" : ",", _q(a[i]));
        }
        s = string.concat(s, "]");
    }

    function _ints(int256[] memory a) private pure returns (string memory s) {
        s = "[";
        for (uint256 i; i < a.length; ++i) {
            s = string.concat(s, i == 0 ? "" : ",", _str(a[i].toStringSigned()));
        }
        s = string.concat(s, "]");
    }

    function _addrs(address[] memory a) private pure returns (string memory s) {
        s = "[";
        for (uint256 i; i < a.length; ++i) {
            s = string.concat(s, i == 0 ? "" : ",", _str(a[i].toHexString()));
        }
        s = string.concat(s, "]");
    }

    function _kv(string memory k, string memory v) private pure returns (string memory) {
        return string.concat(",", _key(k), v);
    }

    function _field(string memory k, uint256 v) private pure returns (string memory) {
        return string.concat(",", _key(k), _q(v));
    }

    function _flag(string memory k, bool v) private pure returns (string memory) {
        return string.concat(",", _key(k), v ? "true" : "false");
    }

    function _key(string memory k) private pure returns (string memory) {
        return string.concat("\"", k, "\":");
    }

    function _q(uint256 v) private pure returns (string memory) {
        return _str(v.toString());
    }

    function _str(string memory v) private pure returns (string memory) {
        return string.concat("\"", v, "\"");
    }
}
