// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";

/// @title A balancer's fixed configuration, stored as its clone's immutable arguments.
/// @notice Reading it costs one EXTCODECOPY instead of two cold SLOADs per asset.
/// Layout (packed): protocol (20) | domainSeparator (32) | sequencerFeed (20) | sequencerGrace (4) |
/// n (1) | stableMask (2) | n x [token (20) | feed (20) | tokenDecimals (1) | feedDecimals (1) | heartbeat (4) |
/// deviationBps (2)].
library CloneArgs {
    uint256 internal constant HEADER = 79;
    uint256 internal constant PER_ASSET = 48;
    uint256 internal constant MAX_ASSETS = 16;

    /// @notice The configuration: the header decoded, per-asset fields read on demand from `args`.
    struct Config {
        bytes args;
        address protocol;
        bytes32 domainSeparator;
        address sequencerFeed;
        uint256 sequencerGrace;
        uint256 n;
        uint256 stableMask;
    }

    /// @notice Packs the configuration (the factory validates it first).
    function encode(
        address protocol,
        bytes32 domainSeparator,
        address sequencerFeed,
        uint32 sequencerGrace,
        IBalancer.Asset[] calldata assets
    ) internal pure returns (bytes memory args) {
        uint16 stableMask = 0;
        for (uint256 i; i < assets.length; ++i) {
            if (assets[i].stable) stableMask |= uint16(1 << i);
        }
        args = abi.encodePacked(
            protocol, domainSeparator, sequencerFeed, sequencerGrace, uint8(assets.length), stableMask
        );
        for (uint256 i; i < assets.length; ++i) {
            IBalancer.Asset calldata a = assets[i];
            args = bytes.concat(
                args,
                abi.encodePacked(
                    a.token, a.feed, a.tokenDecimals, a.feedDecimals, a.heartbeat, a.deviationBps
                )
            );
        }
    }

    /// @notice Decodes the header of `args`.
    function decode(bytes memory args) internal pure returns (Config memory c) {
        c.args = args;
        c.protocol = address(uint160(_word(args, 0) >> 96));
        c.domainSeparator = bytes32(_word(args, 20));
        c.sequencerFeed = address(uint160(_word(args, 52) >> 96));
        c.sequencerGrace = _word(args, 72) >> 224;
        c.n = _word(args, 76) >> 248;
        c.stableMask = _word(args, 77) >> 240;
    }

    // The per-asset accessors below compute `HEADER + i * PER_ASSET + k` unchecked: every caller passes
    // i < n <= MAX_ASSETS (16, enforced by the factory), so the offset is below 1,000 and cannot overflow.

    /// @notice Asset i's token.
    function token(Config memory c, uint256 i) internal pure returns (address) {
        unchecked {
            return address(uint160(_word(c.args, HEADER + i * PER_ASSET) >> 96));
        }
    }

    /// @notice Asset i's USD feed.
    function feed(Config memory c, uint256 i) internal pure returns (address) {
        unchecked {
            return address(uint160(_word(c.args, HEADER + i * PER_ASSET + 20) >> 96));
        }
    }

    /// @notice Asset i's token decimals.
    function tokenDecimals(Config memory c, uint256 i) internal pure returns (uint256) {
        unchecked {
            return _word(c.args, HEADER + i * PER_ASSET + 40) >> 248;
        }
    }

    /// @notice Asset i's feed decimals.
    function feedDecimals(Config memory c, uint256 i) internal pure returns (uint256) {
        unchecked {
            return _word(c.args, HEADER + i * PER_ASSET + 41) >> 248;
        }
    }

    /// @notice Asset i's token decimals + feed decimals (the scale of balance x price).
    function decimals(Config memory c, uint256 i) internal pure returns (uint256) {
        unchecked {
            // Both bytes are at most 255, so their sum cannot overflow.
            uint256 w = _word(c.args, HEADER + i * PER_ASSET + 40);
            return (w >> 248) + (w >> 240 & 0xff);
        }
    }

    /// @notice Asset i's heartbeat in seconds.
    function heartbeat(Config memory c, uint256 i) internal pure returns (uint256) {
        unchecked {
            return _word(c.args, HEADER + i * PER_ASSET + 42) >> 224;
        }
    }

    /// @notice Asset i's feed deviation threshold in bps.
    function deviationBps(Config memory c, uint256 i) internal pure returns (uint256) {
        unchecked {
            return _word(c.args, HEADER + i * PER_ASSET + 46) >> 240;
        }
    }

    /// @notice The index of `t` among the assets, or `n` when it is not one.
    function indexOf(Config memory c, address t) internal pure returns (uint256 i) {
        for (; i < c.n; ++i) {
            if (token(c, i) == t) return i;
        }
    }

    function _word(bytes memory b, uint256 off) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(b, 0x20), off))
        }
    }
}
