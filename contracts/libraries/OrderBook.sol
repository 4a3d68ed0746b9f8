// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILimitOrderProtocol} from "../interfaces/ILimitOrderProtocol.sol";
import {CloneArgs} from "./CloneArgs.sol";
import {Drift} from "./Drift.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Netting, dust filtering and 1inch Limit Order Protocol v4 orders.
/// @notice Trades are signed USD deltas (18 decimals, + = buy). Netting pairs sellers with buyers
/// greedily in asset order (at most n - 1 pairs); a pair worth less than the dust threshold is
/// dropped. Each pair becomes one order priced at the oracle value less `maxSlippageBps`, or, when
/// both assets are stables, a grid of `gridLevels` orders whose prices step up from that bound by
/// `gridSpacingBps`. Amounts: the balancer sells `makingAmount` (rounded down) and asks at least
/// `takingAmount` (rounded up), so every rounding favours the portfolio.
library OrderBook {
    using CloneArgs for CloneArgs.Config;

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
    /// @dev A trade packed in one word: sell index (8 bits) | buy index (8 bits) | USD value (240 bits).
    uint256 internal constant USD_MASK = (1 << 240) - 1;

    /// @notice What order building needs to know about the assets and the bundle.
    struct Market {
        CloneArgs.Config c;
        uint256[] prices; // raw feed answers
        uint256 maxSlippageBps;
        uint256 gridLevels;
        uint256 gridSpacingBps;
        uint256 epoch;
        uint256 expiry;
    }

    /// @notice Pairs sellers with buyers in asset order; pairs below `dust` are dropped.
    /// @return trades packed trades (see `USD_MASK`).
    function net(int256[] memory deltas, uint256 dust) internal pure returns (uint256[] memory trades) {
        uint256 n = deltas.length;
        trades = new uint256[](n);
        uint256 count;
        uint256 i;
        uint256 j;
        uint256 sellLeft;
        uint256 buyLeft;
        // Indices stay below n (i, j < n before each read; count < n pairs), so reads and writes go
        // straight to memory, unchecked.
        unchecked {
            while (true) {
                while (sellLeft == 0 && i < n) {
                    int256 d;
                    assembly ("memory-safe") {
                        i := add(i, 1)
                        d := mload(add(deltas, shl(5, i)))
                    }
                    if (d < 0) sellLeft = uint256(-d);
                }
                while (buyLeft == 0 && j < n) {
                    int256 d;
                    assembly ("memory-safe") {
                        j := add(j, 1)
                        d := mload(add(deltas, shl(5, j)))
                    }
                    if (d > 0) buyLeft = uint256(d);
                }
                if (sellLeft == 0 || buyLeft == 0) break;
                uint256 x = sellLeft < buyLeft ? sellLeft : buyLeft;
                if (x >= dust) {
                    uint256 tr = (i - 1) << 248 | (j - 1) << 240 | x;
                    assembly ("memory-safe") {
                        count := add(count, 1)
                        mstore(add(trades, shl(5, count)), tr)
                    }
                }
                sellLeft -= x;
                buyLeft -= x;
            }
        }
        assembly ("memory-safe") {
            mstore(trades, count)
        }
    }

    /// @notice Builds the bundle's orders and their EIP-712 hashes, and the bitmap of assets in it.
    function build(uint256[] memory trades, Market memory m, address maker)
        internal
        pure
        returns (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes, uint16 bitmap)
    {
        uint256 cap = trades.length * (m.gridLevels == 0 ? 1 : m.gridLevels);
        // Pointer arrays only: each order is allocated once, when it is built.
        assembly ("memory-safe") {
            orders := mload(0x40)
            hashes := add(orders, mul(add(cap, 1), 0x20))
            mstore(0x40, add(hashes, mul(add(cap, 1), 0x20)))
            mstore(orders, 0)
            mstore(hashes, 0)
        }
        for (uint256 t; t < trades.length; ++t) {
            bitmap |= _addTrade(orders, hashes, trades[t], m, maker);
        }
    }

    /// @notice The order's EIP-712 hash, as `LimitOrderProtocol.hashOrder` computes it: hashed in
    /// place (the word before the order is borrowed for the type hash and restored).
    function hash(ILimitOrderProtocol.Order memory o, bytes32 domainSeparator)
        internal
        pure
        returns (bytes32 h)
    {
        bytes32 typeHash = ORDER_TYPEHASH;
        assembly ("memory-safe") {
            let before := sub(o, 0x20)
            let saved := mload(before)
            mstore(before, typeHash)
            let structHash := keccak256(before, 0x120)
            mstore(before, saved)
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

    /// @dev Appends the orders of one trade (one, or a grid when both assets are stables) to the
    /// arrays, whose length is their count; returns the trade's assets as a bitmap if any was added.
    function _addTrade(
        ILimitOrderProtocol.Order[] memory orders,
        bytes32[] memory hashes,
        uint256 tr,
        Market memory m,
        address maker
    ) private pure returns (uint16 bitmap) {
        uint256 mask = m.c.stableMask;
        uint256 levels =
            mask >> (tr >> 248) & 1 == 1 && mask >> (tr >> 240 & 0xff) & 1 == 1 ? m.gridLevels : 1;
        for (uint256 k; k < levels; ++k) {
            ILimitOrderProtocol.Order memory o = _order(tr, k, levels, m, maker, orders.length);
            if (o.makingAmount == 0 || o.takingAmount == 0) continue;
            bytes32 h = hash(o, m.c.domainSeparator);
            assembly ("memory-safe") {
                let count := add(mload(orders), 1)
                mstore(orders, count)
                mstore(hashes, count)
                mstore(add(orders, mul(count, 0x20)), o)
                mstore(add(hashes, mul(count, 0x20)), h)
            }
            bitmap = uint16(1 << (tr >> 248) | 1 << (tr >> 240 & 0xff));
        }
    }

    /// @dev Level k of a trade split into `levels` orders: an equal part (the last takes the
    /// remainder) at the bound plus k grid steps.
    function _order(uint256 tr, uint256 k, uint256 levels, Market memory m, address maker, uint256 index)
        private
        pure
        returns (ILimitOrderProtocol.Order memory o)
    {
        uint256 sell = tr >> 248;
        uint256 buy = tr >> 240 & 0xff;
        uint256 usd = tr & USD_MASK;
        // the last level takes the remainder, so the levels sum exactly to the trade
        // forge-lint: disable-next-line(divide-before-multiply)
        usd = k + 1 < levels ? usd / levels : usd - (usd / levels) * (levels - 1);
        // 10 ** sell decimals computed once, for the amount (as `Drift.units`) and the price.
        uint256 sellPrice = m.prices[sell];
        uint256 sellScale = 10 ** m.c.decimals(sell);
        uint256 making = Math.mulDiv(usd, sellScale, sellPrice * 1e18);
        uint256 nonce = m.epoch << INDEX_BITS | index;
        o.salt = nonce;
        o.maker = uint160(maker);
        o.makerAsset = uint160(m.c.token(sell));
        o.takerAsset = uint160(m.c.token(buy));
        o.makingAmount = making;
        o.takingAmount = _taking(
            making, Drift.BPS - m.maxSlippageBps + k * m.gridSpacingBps, sellPrice, sellScale, m, buy
        );
        o.makerTraits =
            NO_PARTIAL_FILLS | PRE_INTERACTION_CALL | m.expiry << EXPIRATION_OFFSET | nonce << NONCE_OFFSET;
    }

    /// @dev Buyer units worth `making` seller units at `priceBps` of the oracle rate, rounded up.
    function _taking(
        uint256 making,
        uint256 priceBps,
        uint256 sellPrice,
        uint256 sellScale,
        Market memory m,
        uint256 buy
    ) private pure returns (uint256) {
        uint256 num = making * sellPrice * priceBps;
        uint256 den = sellScale * m.prices[buy] * Drift.BPS;
        return Math.mulDiv(num, 10 ** m.c.decimals(buy), den, Math.Rounding.Ceil);
    }
}
