// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ILimitOrderProtocol} from "../interfaces/ILimitOrderProtocol.sol";
import {Drift} from "./Drift.sol";

/// @title Netting, dust filtering and 1inch Limit Order Protocol v4 orders.
/// @notice Trades are signed USD deltas (18 decimals, + = buy). Netting pairs sellers with buyers
/// greedily in asset order (at most n - 1 pairs); a pair worth less than the dust threshold is
/// dropped. Each pair becomes one order priced at the oracle value less `maxSlippageBps`, or, when
/// both assets are stables, a grid of `gridLevels` orders whose prices step up from that bound by
/// `gridSpacingBps`. Amounts: the balancer sells `makingAmount` (rounded down) and asks at least
/// `takingAmount` (rounded up), so every rounding favours the portfolio.
library OrderBook {
    /// @dev LOP v4 MakerTraits flags and offsets (`MakerTraitsLib`).
    uint256 internal constant NO_PARTIAL_FILLS = 1 << 255;
    uint256 internal constant PRE_INTERACTION_CALL = 1 << 252;
    uint256 internal constant EXPIRATION_OFFSET = 80;
    uint256 internal constant NONCE_OFFSET = 120;
    /// @dev Orders per epoch: the nonce is epoch << 7 | index.
    uint256 internal constant INDEX_BITS = 7;
    /// @dev `OrderLib._LIMIT_ORDER_TYPEHASH`.
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        "Order(uint256 salt,address maker,address receiver,address makerAsset,address takerAsset,uint256 makingAmount,uint256 takingAmount,uint256 makerTraits)"
    );

    /// @notice One netted trade: sell `usd` worth of asset `sell` for asset `buy`.
    struct Trade {
        uint256 sell;
        uint256 buy;
        uint256 usd;
    }

    /// @dev Orders under construction.
    struct Bundle {
        ILimitOrderProtocol.Order[] orders;
        bytes32[] hashes;
        uint256 count;
        uint16 bitmap;
    }

    /// @notice What order building needs to know about the assets and the bundle.
    struct Market {
        address[] tokens;
        uint256[] prices; // raw feed answers
        uint256[] decimals; // tokenDecimals + feedDecimals
        uint256 stableMask;
        uint256 maxSlippageBps;
        uint256 gridLevels;
        uint256 gridSpacingBps;
        uint256 epoch;
        uint256 expiry;
        bytes32 domainSeparator;
    }

    /// @notice Pairs sellers with buyers in asset order; pairs below `dust` are dropped.
    function net(int256[] memory deltas, uint256 dust) internal pure returns (Trade[] memory trades) {
        trades = new Trade[](deltas.length);
        uint256 count;
        uint256 i;
        uint256 j;
        uint256 sellLeft;
        uint256 buyLeft;
        uint256 n = deltas.length;
        while (true) {
            while (sellLeft == 0 && i < n) {
                if (deltas[i] < 0) sellLeft = uint256(-deltas[i]);
                ++i;
            }
            while (buyLeft == 0 && j < n) {
                if (deltas[j] > 0) buyLeft = uint256(deltas[j]);
                ++j;
            }
            if (sellLeft == 0 || buyLeft == 0) break;
            uint256 x = sellLeft < buyLeft ? sellLeft : buyLeft;
            if (x >= dust) trades[count++] = Trade(i - 1, j - 1, x);
            sellLeft -= x;
            buyLeft -= x;
        }
        assembly ("memory-safe") {
            mstore(trades, count)
        }
    }

    /// @notice Builds the bundle's orders and their EIP-712 hashes, and the bitmap of assets in it.
    function build(Trade[] memory trades, Market memory m, address maker)
        internal
        pure
        returns (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes, uint16 bitmap)
    {
        uint256 cap = trades.length * (m.gridLevels == 0 ? 1 : m.gridLevels);
        Bundle memory b = Bundle(new ILimitOrderProtocol.Order[](cap), new bytes32[](cap), 0, 0);
        for (uint256 t; t < trades.length; ++t) {
            _addTrade(b, trades[t], m, maker);
        }
        (orders, hashes, bitmap) = (b.orders, b.hashes, b.bitmap);
        uint256 count = b.count;
        assembly ("memory-safe") {
            mstore(orders, count)
            mstore(hashes, count)
        }
    }

    /// @notice The order's EIP-712 hash, as `LimitOrderProtocol.hashOrder` computes it.
    function hash(ILimitOrderProtocol.Order memory o, bytes32 domainSeparator) internal pure returns (bytes32 h) {
        bytes32 structHash = keccak256(abi.encode(ORDER_TYPEHASH, o));
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, hex"1901")
            mstore(add(ptr, 0x02), domainSeparator)
            mstore(add(ptr, 0x22), structHash)
            h := keccak256(ptr, 0x42)
        }
    }

    /// @notice The epoch an order of ours belongs to (its salt is its nonce).
    function epochOf(ILimitOrderProtocol.Order calldata o) internal pure returns (uint256) {
        return o.salt >> INDEX_BITS;
    }

    /// @dev The orders of one trade: one, or a grid when both assets are stables.
    function _addTrade(Bundle memory b, Trade memory tr, Market memory m, address maker) private pure {
        bool grid = m.stableMask >> tr.sell & 1 == 1 && m.stableMask >> tr.buy & 1 == 1;
        uint256 levels = grid && m.gridLevels > 1 ? m.gridLevels : 1;
        for (uint256 k; k < levels; ++k) {
            ILimitOrderProtocol.Order memory o = _order(tr, k, levels, m, maker, b.count);
            if (o.makingAmount == 0 || o.takingAmount == 0) continue;
            b.orders[b.count] = o;
            b.hashes[b.count] = hash(o, m.domainSeparator);
            b.bitmap |= uint16(1 << tr.sell | 1 << tr.buy);
            ++b.count;
        }
    }

    /// @dev Level k of a trade split into `levels` orders: an equal part (the last takes the
    /// remainder) at the bound plus k grid steps.
    function _order(Trade memory tr, uint256 k, uint256 levels, Market memory m, address maker, uint256 index)
        private
        pure
        returns (ILimitOrderProtocol.Order memory o)
    {
        uint256 usd = k + 1 < levels ? tr.usd / levels : tr.usd - (tr.usd / levels) * (levels - 1);
        uint256 making = Drift.units(usd, m.prices[tr.sell], m.decimals[tr.sell]);
        uint256 nonce = m.epoch << INDEX_BITS | index;
        o.salt = nonce;
        o.maker = uint160(maker);
        o.makerAsset = uint160(m.tokens[tr.sell]);
        o.takerAsset = uint160(m.tokens[tr.buy]);
        o.makingAmount = making;
        o.takingAmount = _taking(making, Drift.BPS - m.maxSlippageBps + k * m.gridSpacingBps, m, tr.sell, tr.buy);
        o.makerTraits = NO_PARTIAL_FILLS | PRE_INTERACTION_CALL | m.expiry << EXPIRATION_OFFSET | nonce << NONCE_OFFSET;
    }

    /// @dev Buyer units worth `making` seller units at `priceBps` of the oracle rate, rounded up.
    function _taking(uint256 making, uint256 priceBps, Market memory m, uint256 sell, uint256 buy)
        private
        pure
        returns (uint256)
    {
        return Math.mulDiv(
            making * m.prices[sell] * priceBps,
            10 ** m.decimals[buy],
            10 ** m.decimals[sell] * m.prices[buy] * Drift.BPS,
            Math.Rounding.Ceil
        );
    }
}
