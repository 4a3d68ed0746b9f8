// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IHubDepository} from "../../contracts/interfaces/IHubDepository.sol";
import {HubFixture} from "../utils/HubFixture.sol";

/// @title Named gas snapshots of the hub's batch settlement.
/// @notice Isolation mode (foundry.toml): each `settleBatch` is its own transaction, so intrinsic
/// gas, calldata, cold accounts and cold slots all count, and the refund of each cleared request
/// is applied as a real transaction gets it. "Existing accounts": each user's account with the hub
/// already holds collateral, and each user already holds a reserve (the fee's source); "new
/// accounts": the accounts are empty. The hub is past its first batch. Compare xln's `Depository.processBatch` (ANCHORS §2):
/// 138.5k / 196.2k / 389.0k for 1 / 3 / 10 into existing accounts, 27.8k marginal (54.4k new).
contract HubGasTest is HubFixture {
    /// @dev The hub has settled a batch before (its round is not 0): a hub's first batch also
    /// writes its round counter from zero (+17,100 once), which is no batch's marginal cost.
    function setUp() public override {
        super.setUp();
        _settle(_noPulls(), new IHubDepository.Push[](0));
    }

    function test_gas_settle_r2c_x1_x3_x10() public {
        uint256 x1 = _pushes(1, true, "settle r2c x1");
        uint256 x3 = _pushes(3, true, "settle r2c x3");
        uint256 x10 = _pushes(10, true, "settle r2c x10");
        uint256 marginal = (x10 - x1) / 9;
        emit log_named_uint("settle r2c x1", x1);
        emit log_named_uint("settle r2c x3", x3);
        emit log_named_uint("settle r2c x10", x10);
        emit log_named_uint("marginal gas per extra push, (x10 - x1) / 9", marginal);
        // the bars the issue sets: one batch against ten transactions, and the marginal push
        assertLe(x10 * 100, 45 * 10 * x1, "settle r2c x10 <= 0.45 x 10 x settle r2c x1");
        assertLe(marginal, 22_000, "marginal push <= 22,000 gas");
        assertLt(x3, 200_000, "three in one batch under the plan's 200k");
    }

    function test_gas_settle_r2c_x10_newAccounts() public {
        uint256 x10 = _pushes(10, false, "settle r2c x10 new accounts");
        emit log_named_uint("settle r2c x10 new accounts", x10);
    }

    function test_gas_settle_mixed_c2r2_r2c8() public {
        // two senders whose collateral is partly the hub's (signed share moves), pulled first
        IHubDepository.Pull[] memory pulls = new IHubDepository.Pull[](2);
        for (uint256 i; i < 2; ++i) {
            (address s, uint256 key) = _user(100 + i);
            _deposit(s, usdc, 1000e6);
            vm.prank(s);
            dep.fundAccount(hub, s, address(usdc), 1000e6);
            pulls[i] = _pull(s, key, _diff(usdc, 400e6, 400e6));
        }
        IHubDepository.Push[] memory pushes = _prepare(8, true, 0);
        uint256 round = dep.roundOf(hub);
        vm.prank(hub);
        dep.settleBatch(round, pulls, pushes);
        emit log_named_uint("settle mixed c2r2 r2c8", vm.snapshotGasLastCall("settle mixed c2r2 r2c8"));
    }

    /// @dev `n` users, each with a reserve, an open request and (if `existing`) an account; the
    /// hub settles them in one batch; returns the batch's gas.
    function _pushes(uint256 n, bool existing, string memory name) internal returns (uint256) {
        IHubDepository.Push[] memory pushes = _prepare(n, existing, n * 1000);
        uint256 round = dep.roundOf(hub);
        vm.prank(hub);
        dep.settleBatch(round, _noPulls(), pushes);
        return vm.snapshotGasLastCall(name);
    }

    function _prepare(uint256 n, bool existing, uint256 salt)
        internal
        returns (IHubDepository.Push[] memory p)
    {
        _deposit(hub, usdc, 1_000_000e6);
        p = new IHubDepository.Push[](n);
        for (uint256 i; i < n; ++i) {
            (address u,) = _user(salt + i);
            _deposit(u, usdc, 100e6);
            if (existing) {
                vm.prank(u);
                dep.fundAccount(hub, u, address(usdc), 1e6);
            }
            p[i] = _request(u, usdc, 1000e6 + i, 10e6);
            p[i].fee = 9e6;
        }
    }
}
