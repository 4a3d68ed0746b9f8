// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILimitOrderProtocol} from "../interfaces/ILimitOrderProtocol.sol";
import {CloneArgs} from "./CloneArgs.sol";
import {Drift} from "./Drift.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Netting, dust filtering and 1inch Limit Order Protocol v4 orders.
/// @notice Trades are signed USD deltas (18 decimals, + = buy). Netting pairs sellers with buyers
/// greedily in asset order (at most n - 1 pairs); a pair worth less than the dust threshold is
/// dropped. Each pair becomes one order whose floor is the oracle value less `maxSlippageBps`, or,
/// when both assets are stables, a grid of `gridLevels` orders whose floors step up from that bound
/// by `gridSpacingBps`. Amounts: the balancer sells `makingAmount` (rounded down); `takingAmount`,
/// rounded up, is the floor at the perform's prices. Every rounding favours the portfolio.
///
/// Fill-time pricing: every order carries the balancer's extension (`extension`), which names the
/// balancer as the order's making- and taking-amount getter, so a fill pays the price of the feeds at
/// the moment of the fill: a Dutch auction from `floor + span` down to `floor` (bps of the oracle
/// rate) over the order's life, `span` = 2 x maxSlippageBps (`auctionBps`). Everything a getter needs
/// is in the signed salt:
///     bits   0..159  the extension hash (as the protocol requires)
///     bits 160..166  the order's index in the bundle      bits 167..170  sell asset index
///     bits 171..174  buy asset index                      bits 175..190  floor, bps of the oracle rate
///     bits 191..206  span, bps                            bits 207..223  the auction's duration, s
///     bits 224..255  the bundle's epoch
/// Orders take one fill (the nonce's bit is invalidated), of an amount the balancer fixes at the
/// fill (`BalancerBase._bookFill`): the whole order, or its part for the shares still outstanding.
library OrderBook {
    using CloneArgs for CloneArgs.Config;

    /// @dev LOP v4 MakerTraits flags and offsets (`MakerTraitsLib`).
    uint256 internal constant PRE_INTERACTION_CALL = 1 << 252;
    uint256 internal constant HAS_EXTENSION = 1 << 249;
    uint256 internal constant EXPIRATION_OFFSET = 80;
    uint256 internal constant NONCE_OFFSET = 120;
    /// @dev Orders per epoch: the nonce is epoch << 7 | index.
    uint256 internal constant INDEX_BITS = 7;
    /// @dev Salt fields (see the header).
    uint256 internal constant SALT_INDEX = 160;
    uint256 internal constant SALT_SELL = 167;
    uint256 internal constant SALT_BUY = 171;
    uint256 internal constant SALT_FLOOR = 175;
    uint256 internal constant SALT_SPAN = 191;
    uint256 internal constant SALT_DURATION = 207;
    uint256 internal constant SALT_EPOCH = 224;
    /// @dev The extension's offsets word: MakingAmountData ends at 20, TakingAmountData and every later
    /// field at 40 (`ExtensionLib`: field i ends at bits 32i..32i+31).
    uint256 internal constant EXTENSION_OFFSETS =
        20 << 64 | 40 << 96 | 40 << 128 | 40 << 160 | 40 << 192 | 40 << 224;
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
        uint256 duration; // the order's life (orderTtl), the auction's duration
        uint256 extensionHash; // keccak256(extension(maker)), its low 160 bits
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

    /// @notice The epoch an order of ours belongs to.
    function epochOf(ILimitOrderProtocol.Order calldata o) internal pure returns (uint256) {
        return o.salt >> SALT_EPOCH;
    }

    /// @notice The extension of every order `maker` publishes: the offsets word, then the maker as
    /// the making-amount getter and as the taking-amount getter (no extra data).
    function extension(address maker) internal pure returns (bytes memory) {
        return abi.encodePacked(EXTENSION_OFFSETS, maker, maker);
    }

    /// @notice keccak256 of `extension(maker)`, computed in scratch memory.
    function extensionHash(address maker) internal pure returns (uint256 h) {
        uint256 offsets = EXTENSION_OFFSETS;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, offsets)
            mstore(add(m, 0x20), shl(96, maker))
            mstore(add(m, 0x34), shl(96, maker))
            h := keccak256(m, 0x48)
        }
    }

    /// @notice The price of an order at `time`, bps of the oracle rate: its floor plus what is left of
    /// its span, falling linearly from the perform (expiry - duration) to the expiry; rounded up.
    function auctionBps(uint256 salt, uint256 expiry, uint256 time) internal pure returns (uint256) {
        uint256 floor = salt >> SALT_FLOOR & 0xffff;
        uint256 span = salt >> SALT_SPAN & 0xffff;
        uint256 duration = salt >> SALT_DURATION & 0x1ffff;
        if (span == 0 || time >= expiry) return floor;
        uint256 left = expiry - time;
        if (left >= duration) return floor + span;
        return floor + Math.ceilDiv(span * left, duration);
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
        uint256 floor = Drift.BPS - m.maxSlippageBps + k * m.gridSpacingBps;
        o.salt = _salt(m, index, tr >> 240, floor);
        o.maker = uint160(maker);
        o.makerAsset = uint160(m.c.token(sell));
        o.takerAsset = uint160(m.c.token(buy));
        o.makerTraits = HAS_EXTENSION | PRE_INTERACTION_CALL | m.expiry << EXPIRATION_OFFSET
            | (m.epoch << INDEX_BITS | index) << NONCE_OFFSET;
        // the last level takes the remainder, so the levels sum exactly to the trade
        uint256 usd = tr & USD_MASK;
        // forge-lint: disable-next-line(divide-before-multiply)
        usd = k + 1 < levels ? usd / levels : usd - (usd / levels) * (levels - 1);
        _amounts(o, usd, floor, m, sell, buy);
    }

    /// @dev The order's making amount (seller units worth `usd`, as `Drift.units`, rounded down) and
    /// its taking amount at `floor` bps of the oracle rate; 10 ** sell decimals computed once for both.
    function _amounts(
        ILimitOrderProtocol.Order memory o,
        uint256 usd,
        uint256 floor,
        Market memory m,
        uint256 sell,
        uint256 buy
    ) private pure {
        uint256 sellPrice = m.prices[sell];
        uint256 sellScale = 10 ** m.c.decimals(sell);
        uint256 making = Math.mulDiv(usd, sellScale, sellPrice * 1e18);
        o.makingAmount = making;
        o.takingAmount = _taking(making, floor, sellPrice, sellScale, m, buy);
    }

    /// @dev The salt of order `index` of trade `pair` (sell index << 8 | buy index) at `floor` bps.
    function _salt(Market memory m, uint256 index, uint256 pair, uint256 floor)
        private
        pure
        returns (uint256)
    {
        return m.extensionHash | index << SALT_INDEX | (pair >> 8) << SALT_SELL | (pair & 0xff) << SALT_BUY
            | floor << SALT_FLOOR | (2 * m.maxSlippageBps) << SALT_SPAN | m.duration << SALT_DURATION
            | m.epoch << SALT_EPOCH;
    }

    /// @notice The exchange rate buyer units per seller unit at `priceBps` of the oracle rate, as
    /// num / den: sellPrice x priceBps x 10^buyDecimals / (10^sellDecimals x buyPrice x 10,000)
    /// (decimals: token + feed). `_taking` computes the same rational.
    function rate(
        uint256 priceBps,
        uint256 sellPrice,
        uint256 sellDecimals,
        uint256 buyPrice,
        uint256 buyDecimals
    ) internal pure returns (uint256 num, uint256 den) {
        num = sellPrice * priceBps * 10 ** buyDecimals;
        den = 10 ** sellDecimals * buyPrice * Drift.BPS;
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
