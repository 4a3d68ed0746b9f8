// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// The real 1inch Limit Order Protocol v4 (npm sources, compiled via-IR as foundry.toml restricts),
// deployed by script/deploy.rs and `onebalancer devnet`. See ChainlinkAutomation.sol.

import {LimitOrderProtocol} from "@1inch/limit-order-protocol-contract/contracts/LimitOrderProtocol.sol";
