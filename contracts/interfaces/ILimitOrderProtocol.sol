// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The part of the 1inch Limit Order Protocol v4 a balancer talks to.
/// @notice ABI-identical to `IOrderMixin` in `@1inch/limit-order-protocol-contract` 4.3.3: its `Address`,
/// `MakerTraits` and `TakerTraits` are `uint256` value types, so an order is eight `uint256` words and
/// every selector below matches the protocol's. Declared here so that our 0.8.30 contracts do not
/// compile the protocol's via-IR sources a second time.
interface ILimitOrderProtocol {
    /// @notice A v4 order (`OrderLib`): addresses are right-aligned in their word.
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

    /// @notice The protocol's EIP-712 domain separator.
    function DOMAIN_SEPARATOR() external view returns (bytes32);

    /// @notice The EIP-712 hash of `order` under the protocol's domain.
    function hashOrder(Order calldata order) external view returns (bytes32);

    /// @notice Fills an order whose maker is a contract (ERC-1271 signature).
    function fillContractOrder(
        Order calldata order,
        bytes calldata signature,
        uint256 amount,
        uint256 takerTraits
    ) external returns (uint256 makingAmount, uint256 takingAmount, bytes32 orderHash);

    /// @notice Fills a contract maker's order with `args`: the order's extension (its length in
    /// `takerTraits` bits 224..247), then the taker's interaction.
    function fillContractOrderArgs(
        Order calldata order,
        bytes calldata signature,
        uint256 amount,
        uint256 takerTraits,
        bytes calldata args
    ) external returns (uint256 makingAmount, uint256 takingAmount, bytes32 orderHash);

    /// @notice Whether the bit-invalidator bit of `slot` is set for `maker` (filled or cancelled).
    function bitInvalidatorForOrder(address maker, uint256 slot) external view returns (uint256);
}

/// @notice The protocol's pre-interaction hook (`IPreInteraction`), called on the maker before any
/// transfer of a fill when the order's `PRE_INTERACTION_CALL` flag is set.
interface IPreInteraction {
    /// @notice Called by the protocol with the fill's final amounts.
    function preInteraction(
        ILimitOrderProtocol.Order calldata order,
        bytes calldata extension,
        bytes32 orderHash,
        address taker,
        uint256 makingAmount,
        uint256 takingAmount,
        uint256 remainingMakingAmount,
        bytes calldata extraData
    ) external;
}

/// @notice The protocol's amount getter (`IAmountGetter`), named in an order's extension: the protocol
/// asks it, at fill time, what the taker pays for a making amount and the reverse.
interface IAmountGetter {
    /// @notice The making amount for `takingAmount`.
    function getMakingAmount(
        ILimitOrderProtocol.Order calldata order,
        bytes calldata extension,
        bytes32 orderHash,
        address taker,
        uint256 takingAmount,
        uint256 remainingMakingAmount,
        bytes calldata extraData
    ) external view returns (uint256);

    /// @notice The taking amount for `makingAmount`.
    function getTakingAmount(
        ILimitOrderProtocol.Order calldata order,
        bytes calldata extension,
        bytes32 orderHash,
        address taker,
        uint256 makingAmount,
        uint256 remainingMakingAmount,
        bytes calldata extraData
    ) external view returns (uint256);
}
