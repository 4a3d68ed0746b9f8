// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {HubDepository} from "../../contracts/HubDepository.sol";
import {IHubDepository} from "../../contracts/interfaces/IHubDepository.sol";
import {TestERC20} from "./TestERC20.sol";
import {Test} from "forge-std/Test.sol";

/// @title HubFixture
/// @notice A depository, two tokens (USDC, 6 decimals; DAI, 18), a hub and users with keys (for
/// EIP-712 settlement signatures), and helpers to fund reserves, request, push and sign.
abstract contract HubFixture is Test {
    HubDepository internal dep;
    TestERC20 internal usdc;
    TestERC20 internal dai;
    address internal hub;
    uint256 internal hubKey;

    function setUp() public virtual {
        vm.warp(1_763_000_000);
        dep = new HubDepository();
        usdc = new TestERC20("USDC", "USDC", 6);
        dai = new TestERC20("DAI", "DAI", 18);
        (hub, hubKey) = makeAddrAndKey("hub");
    }

    /// @notice A user with a key (`i` names it).
    function _user(uint256 i) internal returns (address user, uint256 key) {
        return makeAddrAndKey(string.concat("user-", vm.toString(i)));
    }

    /// @notice `who` deposits `amount` of `token` (minted to it first).
    function _deposit(address who, TestERC20 token, uint256 amount) internal {
        token.mint(who, amount);
        vm.startPrank(who);
        token.approve(address(dep), amount);
        dep.deposit(address(token), amount);
        vm.stopPrank();
    }

    /// @notice `user` asks the hub for `amount` of `token`, paying at most `maxFee`, within a day.
    function _request(address user, TestERC20 token, uint256 amount, uint256 maxFee)
        internal
        returns (IHubDepository.Push memory p)
    {
        uint64 deadline = uint64(block.timestamp + 1 days);
        vm.prank(user);
        uint256 id = dep.requestRebalance(hub, address(token), amount, maxFee, deadline);
        p = IHubDepository.Push({
            id: id,
            user: user,
            token: address(token),
            amount: amount,
            maxFee: maxFee,
            deadline: deadline,
            fee: maxFee
        });
    }

    /// @notice The hub settles its next round with `pulls` then `pushes`.
    function _settle(IHubDepository.Pull[] memory pulls, IHubDepository.Push[] memory pushes) internal {
        uint256 round = dep.roundOf(hub);
        vm.prank(hub);
        dep.settleBatch(round, pulls, pushes);
    }

    function _noPulls() internal pure returns (IHubDepository.Pull[] memory) {
        return new IHubDepository.Pull[](0);
    }

    function _one(IHubDepository.Push memory p) internal pure returns (IHubDepository.Push[] memory a) {
        a = new IHubDepository.Push[](1);
        a[0] = p;
    }

    /// @notice `key` signs the settlement of (hub, user) at `nonce` whose pulls go to `puller`.
    function _sign(
        uint256 key,
        address user,
        address puller,
        uint256 nonce,
        IHubDepository.Diff[] memory diffs
    ) internal view returns (bytes memory) {
        bytes32 digest = dep.settlementDigest(hub, user, puller, nonce, diffs);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @notice A one-token diff.
    function _diff(TestERC20 token, int256 shareDelta, uint256 pull)
        internal
        pure
        returns (IHubDepository.Diff[] memory d)
    {
        d = new IHubDepository.Diff[](1);
        d[0] = IHubDepository.Diff({token: address(token), shareDelta: shareDelta, pull: pull});
    }

    /// @notice The hub's pull from `user`'s account, signed by the user.
    function _pull(address user, uint256 key, IHubDepository.Diff[] memory diffs)
        internal
        view
        returns (IHubDepository.Pull memory)
    {
        uint256 nonce = dep.nonceOf(hub, user);
        return IHubDepository.Pull({
            user: user, nonce: nonce, diffs: diffs, signature: _sign(key, user, hub, nonce, diffs)
        });
    }
}
