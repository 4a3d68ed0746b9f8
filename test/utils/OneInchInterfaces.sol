// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";

/// @notice The protocol interface our contracts use (`contracts/interfaces/ILimitOrderProtocol.sol`,
/// ABI-identical to IOrderMixin 4.3.3) plus what the tests call on the protocol directly: EOA fills,
/// the remaining-amount invalidator and two of its errors.
interface ILimitOrderProtocolTesting is ILimitOrderProtocol {
    error InvalidatedOrder();
    error TakingAmountTooHigh();

    function fillOrder(Order calldata order, bytes32 r, bytes32 vs, uint256 amount, uint256 takerTraits)
        external
        payable
        returns (uint256 makingAmount, uint256 takingAmount, bytes32 orderHash);
    function remainingInvalidatorForOrder(address maker, bytes32 orderHash) external view returns (uint256);
}
