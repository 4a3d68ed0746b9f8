// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestERC20} from "./TestERC20.sol";

/// @title FreezableERC20
/// @notice A TestERC20 whose issuer can freeze accounts, as USDC and USDT blacklist them: a frozen
/// account can neither send nor receive.
contract FreezableERC20 is TestERC20 {
    error AccountFrozen(address account);

    mapping(address account => bool) public frozen;

    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        TestERC20(name_, symbol_, decimals_)
    {}

    function setFrozen(address account, bool isFrozen) external {
        frozen[account] = isFrozen;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (frozen[from]) revert AccountFrozen(from);
        if (frozen[to]) revert AccountFrozen(to);
        super._update(from, to, value);
    }
}
