// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";

/// @title The compact performData codec: 8 bytes.
/// @notice Layout of the big-endian uint64: bits 0-15 the asset bitmap, bits 16-17 the paths
/// (1 = stable, 2 = global), bits 24-55 the state epoch the check ran against. Anything else —
/// another length, unknown path bits, an empty path set — is rejected with `InvalidPerformData`.
library PerformData {
    uint8 internal constant PATH_STABLE = 1;
    uint8 internal constant PATH_GLOBAL = 2;
    uint256 internal constant LENGTH = 8;

    /// @notice Encodes a plan's bitmap and paths with the epoch it was computed against.
    function encode(uint16 bitmap, uint8 paths, uint32 epoch) internal pure returns (bytes memory) {
        return abi.encodePacked(uint64(bitmap) | uint64(paths) << 16 | uint64(epoch) << 24);
    }

    /// @notice Decodes untrusted performData.
    function decode(bytes calldata data) internal pure returns (uint16 bitmap, uint8 paths, uint32 epoch) {
        if (data.length != LENGTH) revert IBalancer.InvalidPerformData(data.length, 0);
        uint64 word = uint64(bytes8(data));
        paths = uint8(word >> 16);
        if (paths == 0 || paths > 3 || word >> 56 != 0) revert IBalancer.InvalidPerformData(LENGTH, word);
        bitmap = uint16(word);
        epoch = uint32(word >> 24);
    }
}
