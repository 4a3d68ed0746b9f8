// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";

/// @title PerformBurner
/// @notice Not a balancer: an implementation whose clones (with a real balancer's clone arguments,
/// so `UpkeepManager.addBalancer` accepts them) always need a perform and burn every gas unit a
/// perform is given.
contract PerformBurner {
    function checkUpkeep(bytes calldata) external pure returns (bool, bytes memory) {
        return (true, abi.encodePacked(uint64(2) << 16));
    }

    function performUpkeep(bytes calldata) external pure {
        bytes32 h;
        while (true) {
            h = keccak256(abi.encode(h));
        }
    }

    function state() external pure returns (IBalancer.State memory s) {
        return s;
    }
}
