// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

// The real Chainlink contracts that script/deploy.rs and `onebalancer devnet` deploy. Importing them
// here makes `forge build` write their artifacts to out/, the single source of bytecode for the
// Rust deployer. Nothing in this file is deployed itself.

import {
    AutomationForwarderLogic
} from "@chainlink/contracts/src/v0.8/automation/AutomationForwarderLogic.sol";
import {ChainModuleBase} from "@chainlink/contracts/src/v0.8/automation/chains/ChainModuleBase.sol";
import {
    AutomationRegistrar2_3
} from "@chainlink/contracts/src/v0.8/automation/v2_3/AutomationRegistrar2_3.sol";
import {AutomationRegistry2_3} from "@chainlink/contracts/src/v0.8/automation/v2_3/AutomationRegistry2_3.sol";
import {
    AutomationRegistryLogicA2_3
} from "@chainlink/contracts/src/v0.8/automation/v2_3/AutomationRegistryLogicA2_3.sol";
import {
    AutomationRegistryLogicB2_3
} from "@chainlink/contracts/src/v0.8/automation/v2_3/AutomationRegistryLogicB2_3.sol";
import {
    AutomationRegistryLogicC2_3
} from "@chainlink/contracts/src/v0.8/automation/v2_3/AutomationRegistryLogicC2_3.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";
import {LinkToken} from "@chainlink/contracts/src/v0.8/shared/token/ERC677/LinkToken.sol";
import {WETH9} from "@chainlink/contracts/src/v0.8/vendor/canonical-weth/WETH9.sol";
import {Multicall3} from "@chainlink/contracts/src/v0.8/vendor/multicall/ebd8b64/src/Multicall3.sol";
