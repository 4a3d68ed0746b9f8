// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The part of the 1inch Limit Order Protocol v4 (IOrderMixin + LimitOrderProtocol) we use.
/// @dev ABI-identical to the source: `Address` and `MakerTraits`/`TakerTraits` are uint256 value types,
/// so the order is eight uint256 words. Declared here rather than imported so that this 0.8.30
/// default-profile test does not compile the via-IR protocol's own files a second time.
interface ILimitOrderProtocol {
    struct Order {
        uint256 salt;
        uint256 maker;
        uint256 receiver;
        uint256 makerAsset;
        uint256 takerAsset;
        uint256 makingAmount;
        uint256 takingAmount;
        uint256 makerTraits;
    }

    error InvalidatedOrder();
    error TakingAmountTooHigh();

    function DOMAIN_SEPARATOR() external view returns (bytes32);
    function hashOrder(Order calldata order) external view returns (bytes32);
    function fillOrder(Order calldata order, bytes32 r, bytes32 vs, uint256 amount, uint256 takerTraits)
        external
        payable
        returns (uint256 makingAmount, uint256 takingAmount, bytes32 orderHash);
    function remainingInvalidatorForOrder(address maker, bytes32 orderHash) external view returns (uint256);
}
