// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

// The real Chainlink CRE (Keystone) forwarder that test/utils/KeystoneStack.sol deploys. Importing it
// here makes `forge build` write out/KeystoneForwarder.sol/KeystoneForwarder.json with solc 0.8.19,
// the compiler its `^0.8.19` pragma shares with the Automation contracts (test/deps/ChainlinkAutomation.sol).
// Our 0.8.30 code reaches it through the ABI-identical interfaces in test/utils/KeystoneInterfaces.sol
// and never imports a Keystone source (a file compiled by both versions gets version-suffixed artifacts).
// Nothing in this file is deployed itself.

import {KeystoneForwarder} from "@chainlink/contracts/src/v0.8/keystone/KeystoneForwarder.sol";
