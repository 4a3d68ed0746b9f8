// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAutomationRegistry2_3} from "./ChainlinkInterfaces.sol";

// ABI-identical interfaces of what the billing vectors (test/integration/BillingVectors.t.sol) reach
// beyond ChainlinkInterfaces.sol: the registry's billing knobs and views, Chainlink's OP-stack chain
// module and the two OP predeploys it reads (contracts-bedrock v0.17.3 as vendored by
// @chainlink/contracts 1.5.0), all deployed from their artifacts (test/deps/OptimismChainModule.sol).
// Declared rather than imported for the reason given in ChainlinkInterfaces.sol.

/// @notice More of AutomationRegistry2_3 (LogicA/B/C behind its fallback).
interface IAutomationRegistryBilling2_3 is IAutomationRegistry2_3 {
    /// @dev AutomationRegistryBase2_3.BillingOverrides.
    struct BillingOverrides {
        uint32 gasFeePPB;
        uint24 flatFeeMilliCents;
    }

    /// @notice Owner or registrar only. `triggerType` is the Trigger enum (0 conditional, 1 log).
    function registerUpkeep(
        address target,
        uint32 gasLimit,
        address admin,
        uint8 triggerType,
        address billingToken,
        bytes calldata checkData,
        bytes memory triggerConfig,
        bytes memory offchainConfig
    ) external returns (uint256 id);
    /// @notice The upkeep privilege manager only.
    function setBillingOverrides(uint256 id, BillingOverrides calldata billingOverrides) external;
    function getBillingOverrides(uint256 id) external view returns (BillingOverrides memory);
    function getBillingOverridesEnabled(uint256 id) external view returns (bool);
    function getConfig() external view returns (OnchainConfig memory);
    /// @dev `IERC20[]` in the source: addresses in the ABI.
    function getBillingTokens() external view returns (address[] memory);
    function getChainModule() external view returns (address);
    /// @notice What getMinBalanceForUpkeep computes, for any trigger type, gas limit and token.
    function getMaxPaymentForGas(uint256 id, uint8 triggerType, uint32 gasLimit, address billingToken)
        external
        view
        returns (uint96 maxPayment);
    function getMinBalanceForUpkeep(uint256 id) external view returns (uint96 minBalance);
}

/// @notice automation/interfaces/IChainModule.sol (ChainModuleBase, OptimismModuleV2).
interface IChainModule {
    function blockNumber() external view returns (uint256);
    function blockHash(uint256 n) external view returns (bytes32);
    function getCurrentL1Fee(uint256 dataSize) external view returns (uint256 l1Fee);
    function getMaxL1Fee(uint256 dataSize) external view returns (uint256 maxL1Fee);
    function getGasOverhead()
        external
        view
        returns (uint256 chainModuleFixedOverhead, uint256 chainModulePerByteOverhead);
}

/// @notice automation/chains/OptimismModuleV2.sol: L1 fee = coefficient % of the oracle's Fjord
/// upper bound for the transmit's calldata.
interface IOptimismModuleV2 is IChainModule {
    error InvalidL1FeeCoefficient(uint8 coefficient);

    function setL1FeeCalculation(uint8 coefficient) external;
    function getL1FeeCoefficient() external view returns (uint256 coefficient);
}

/// @notice contracts-bedrock v0.17.3 L2/GasPriceOracle.sol, at predeploy 0x42…0F on OP-stack chains.
interface IGasPriceOracle {
    function isEcotone() external view returns (bool);
    function isFjord() external view returns (bool);
    /// @notice Depositor account only.
    function setEcotone() external;
    /// @notice Depositor account only, after Ecotone.
    function setFjord() external;
    function getL1FeeUpperBound(uint256 unsignedTxSize) external view returns (uint256);
}

/// @notice contracts-bedrock v0.17.3 L2/L1Block.sol, at predeploy 0x42…15: the L1 attributes the
/// oracle prices calldata with. `setL1BlockValuesEcotone()` reads packed calldata (see OpStack).
interface IL1Block {
    function setL1BlockValuesEcotone() external;
    function basefee() external view returns (uint256);
    function blobBaseFee() external view returns (uint256);
    function baseFeeScalar() external view returns (uint32);
    function blobBaseFeeScalar() external view returns (uint32);
}
