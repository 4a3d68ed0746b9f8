// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";

/// @title A balancer's fixed configuration, stored as its clone's immutable arguments.
/// @notice Reading it costs one EXTCODECOPY instead of two cold SLOADs per asset.
/// Layout (packed): protocol (20) | domainSeparator (32) | sequencerFeed (20) | sequencerGrace (4) |
/// n (1) | stableMask (2) | n x [token (20) | feed (20) | tokenDecimals (1) | feedDecimals (1) | heartbeat (4)].
library CloneArgs {
    uint256 internal constant HEADER = 79;
    uint256 internal constant PER_ASSET = 46;
    uint256 internal constant MAX_ASSETS = 16;

    /// @notice The decoded configuration.
    struct Config {
        address protocol;
        bytes32 domainSeparator;
        address sequencerFeed;
        uint256 sequencerGrace;
        uint256 n;
        uint256 stableMask;
        address[] tokens;
        address[] feeds;
        uint256[] decimals; // tokenDecimals + feedDecimals
        uint256[] feedDecimals;
        uint256[] heartbeats;
    }

    /// @notice Packs the configuration (the factory validates it first).
    function encode(
        address protocol,
        bytes32 domainSeparator,
        address sequencerFeed,
        uint32 sequencerGrace,
        IBalancer.Asset[] calldata assets
    ) internal pure returns (bytes memory args) {
        uint16 stableMask;
        for (uint256 i; i < assets.length; ++i) {
            if (assets[i].stable) stableMask |= uint16(1 << i);
        }
        args = abi.encodePacked(protocol, domainSeparator, sequencerFeed, sequencerGrace, uint8(assets.length), stableMask);
        for (uint256 i; i < assets.length; ++i) {
            IBalancer.Asset calldata a = assets[i];
            args = bytes.concat(
                args, abi.encodePacked(a.token, a.feed, a.tokenDecimals, a.feedDecimals, a.heartbeat)
            );
        }
    }

    /// @notice Decodes the configuration from `args`.
    function decode(bytes memory args) internal pure returns (Config memory c) {
        c.protocol = address(uint160(_word(args, 0) >> 96));
        c.domainSeparator = bytes32(_word(args, 20));
        c.sequencerFeed = address(uint160(_word(args, 52) >> 96));
        c.sequencerGrace = _word(args, 72) >> 224;
        c.n = _word(args, 76) >> 248;
        c.stableMask = _word(args, 77) >> 240;
        c.tokens = new address[](c.n);
        c.feeds = new address[](c.n);
        c.decimals = new uint256[](c.n);
        c.feedDecimals = new uint256[](c.n);
        c.heartbeats = new uint256[](c.n);
        for (uint256 i; i < c.n; ++i) {
            uint256 off = HEADER + i * PER_ASSET;
            c.tokens[i] = address(uint160(_word(args, off) >> 96));
            c.feeds[i] = address(uint160(_word(args, off + 20) >> 96));
            uint256 w = _word(args, off + 40);
            c.feedDecimals[i] = w >> 240 & 0xff;
            c.decimals[i] = (w >> 248) + c.feedDecimals[i];
            c.heartbeats[i] = w >> 208 & 0xffffffff;
        }
    }

    function _word(bytes memory b, uint256 off) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(b, 0x20), off))
        }
    }
}
