// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Takes a 1 % fee on every transfer (fee-on-transfer token), for tests.
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee Token", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0xFEE), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice Balances scale with a global index the test moves (rebasing token), for tests.
contract RebasingToken is ERC20 {
    uint256 public index = 1e18;

    constructor() ERC20("Rebasing Token", "REB") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount * 1e18 / index);
    }

    function rebase(uint256 newIndex) external {
        index = newIndex;
    }

    function balanceOf(address account) public view override returns (uint256) {
        return super.balanceOf(account) * index / 1e18;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value * 1e18 / index);
    }
}

/// @notice Calls back into the sender and the recipient on every transfer (ERC-777-style hooks),
/// for tests: the hook target can try to re-enter.
contract CallbackToken is ERC20 {
    address public hook;

    constructor() ERC20("Callback Token", "CBK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHook(address h) external {
        hook = h;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (hook != address(0) && from != address(0) && to != address(0)) {
            (bool ok, bytes memory ret) = hook.call(abi.encodeWithSignature("onTokenTransfer()"));
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}
