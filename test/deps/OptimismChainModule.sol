// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

// Chainlink's OP-stack chain module for registry 2.3 and the two OP predeploys it reads, as vendored
// by @chainlink/contracts 1.5.0 (contracts-bedrock v0.17.3). Importing them here makes `forge build`
// write their artifacts (solc 0.8.19, like the registry), which the billing vectors
// (test/integration/BillingVectors.t.sol) deploy to bill a transmit's L1 data fee the way Base does.
// Nothing in this file is deployed itself.

import {OptimismModuleV2} from "@chainlink/contracts/src/v0.8/automation/chains/OptimismModuleV2.sol";
import {
    GasPriceOracle
} from "@chainlink/contracts/src/v0.8/vendor/@eth-optimism/contracts-bedrock/v0.17.3/src/L2/GasPriceOracle.sol";
import {
    L1Block
} from "@chainlink/contracts/src/v0.8/vendor/@eth-optimism/contracts-bedrock/v0.17.3/src/L2/L1Block.sol";
