// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {HubDepository} from "../../contracts/HubDepository.sol";
import {IHubDepository} from "../../contracts/interfaces/IHubDepository.sol";
import {HubFixture} from "../utils/HubFixture.sol";
import {FeeOnTransferToken} from "../utils/WeirdTokens.sol";

/// @title Reserves, requests, pushes and their errors.
contract HubDepositoryTest is HubFixture {
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;

    function setUp() public override {
        super.setUp();
        (alice, aliceKey) = _user(1);
        (bob,) = _user(2);
        _deposit(hub, usdc, 100_000e6);
        _deposit(alice, usdc, 100e6);
        _deposit(bob, usdc, 100e6);
    }

    /* ------------------------------------------------------------- RESERVES --- */

    function test_depositAndWithdraw_moveTheReserve() public {
        assertEq(dep.reserveOf(alice, address(usdc)), 100e6);
        vm.expectEmit(address(dep));
        emit IHubDepository.Withdrawn(alice, address(usdc), 40e6);
        vm.prank(alice);
        dep.withdraw(address(usdc), 40e6);
        assertEq(dep.reserveOf(alice, address(usdc)), 60e6);
        assertEq(usdc.balanceOf(alice), 40e6);
        vm.expectRevert(
            abi.encodeWithSelector(IHubDepository.ReserveTooLow.selector, alice, address(usdc), 60e6, 61e6)
        );
        vm.prank(alice);
        dep.withdraw(address(usdc), 61e6);
    }

    function test_RevertWhen_feeOnTransferTokenIsDeposited() public {
        FeeOnTransferToken fee = new FeeOnTransferToken();
        fee.mint(alice, 100e18);
        vm.startPrank(alice);
        fee.approve(address(dep), 100e18);
        vm.expectRevert(
            abi.encodeWithSelector(IHubDepository.FeeOnTransfer.selector, address(fee), 100e18, 99e18)
        );
        dep.deposit(address(fee), 100e18);
        vm.stopPrank();
    }

    function test_fundAccount_creditsTheFundersSide() public {
        vm.prank(alice);
        dep.fundAccount(hub, alice, address(usdc), 30e6);
        vm.prank(hub);
        dep.fundAccount(hub, alice, address(usdc), 50e6);
        (uint256 collateral, uint256 hubShare) = dep.accountOf(hub, alice, address(usdc));
        assertEq(collateral, 80e6);
        assertEq(hubShare, 50e6);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.NotAParty.selector, bob));
        vm.prank(bob);
        dep.fundAccount(hub, alice, address(usdc), 1e6);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.SelfAccount.selector, hub));
        vm.prank(hub);
        dep.fundAccount(hub, hub, address(usdc), 1e6);
    }

    /* ------------------------------------------------------------- REQUESTS --- */

    function test_request_isCommittedAndEvented_andCancellableByItsUserOnly() public {
        uint64 deadline = uint64(block.timestamp + 1 hours);
        vm.expectEmit(address(dep));
        emit IHubDepository.RebalanceRequested(1, alice, hub, address(usdc), 500e6, 2e6, deadline);
        vm.prank(alice);
        uint256 id = dep.requestRebalance(hub, address(usdc), 500e6, 2e6, deadline);
        assertEq(id, 1);
        assertEq(dep.nextRequestId(), 2);
        assertTrue(dep.commitmentOf(id) != bytes32(0));
        // another user, or other fields, match nothing
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.UnknownRequest.selector, id));
        vm.prank(bob);
        dep.cancelRequest(id, hub, address(usdc), 500e6, 2e6, deadline);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.UnknownRequest.selector, id));
        vm.prank(alice);
        dep.cancelRequest(id, hub, address(usdc), 500e6, 3e6, deadline);
        vm.expectEmit(address(dep));
        emit IHubDepository.RequestCancelled(id);
        vm.prank(alice);
        dep.cancelRequest(id, hub, address(usdc), 500e6, 2e6, deadline);
        assertEq(dep.commitmentOf(id), bytes32(0));
    }

    function test_RevertWhen_requestIsSelfPastOrZero() public {
        vm.startPrank(hub);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.SelfAccount.selector, hub));
        dep.requestRebalance(hub, address(usdc), 1e6, 1e6, uint64(block.timestamp + 1));
        vm.stopPrank();
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IHubDepository.DeadlinePassed.selector, uint64(block.timestamp))
        );
        dep.requestRebalance(hub, address(usdc), 1e6, 1e6, uint64(block.timestamp));
        vm.expectRevert(IHubDepository.ZeroAmount.selector);
        dep.requestRebalance(hub, address(usdc), 0, 1e6, uint64(block.timestamp + 1));
        vm.stopPrank();
    }

    /* ---------------------------------------------------------------- PUSHES --- */

    /// The hub's reserve pays the amount, the user's the fee, the account gains the amount on the
    /// user's side, and the request is cleared, in one step.
    function test_push_topsUpTheUsersSideAndChargesTheFeeAtomically() public {
        IHubDepository.Push memory p = _request(alice, usdc, 1000e6, 12e6);
        p.fee = 11.5e6;
        vm.expectEmit(address(dep));
        emit IHubDepository.RebalanceSettled(p.id, 11.5e6);
        vm.expectEmit(address(dep));
        emit IHubDepository.BatchSettled(hub, 0, 0, 1);
        _settle(_noPulls(), _one(p));
        assertEq(dep.reserveOf(hub, address(usdc)), 100_000e6 - 1000e6 + 11.5e6);
        assertEq(dep.reserveOf(alice, address(usdc)), 100e6 - 11.5e6);
        (uint256 collateral, uint256 hubShare) = dep.accountOf(hub, alice, address(usdc));
        assertEq(collateral, 1000e6);
        assertEq(hubShare, 0, "the user's side");
        assertEq(dep.commitmentOf(p.id), bytes32(0), "cleared");
        assertEq(dep.roundOf(hub), 1);
    }

    /// Misuse (the original code's bug): a fee for a top-up the hub did not make. The user's own
    /// deposit into the account does not clear the request; the hub earns the fee only by pushing.
    function test_usersOwnDeposit_neverServesTheRequest() public {
        IHubDepository.Push memory p = _request(alice, usdc, 50e6, 1e6);
        vm.prank(alice);
        dep.fundAccount(hub, alice, address(usdc), 50e6);
        assertTrue(dep.commitmentOf(p.id) != bytes32(0), "still open");
        assertEq(dep.reserveOf(hub, address(usdc)), 100_000e6, "no fee");
        _settle(_noPulls(), _one(p));
        (uint256 collateral,) = dep.accountOf(hub, alice, address(usdc));
        assertEq(collateral, 100e6, "the user's 50 and the hub's top-up of 50");
    }

    function test_RevertWhen_batchChargesAboveMax_namingTheOperation() public {
        IHubDepository.Push[] memory ps = new IHubDepository.Push[](3);
        ps[0] = _request(alice, usdc, 10e6, 1e6);
        ps[1] = _request(bob, usdc, 20e6, 1e6);
        ps[2] = _request(alice, usdc, 30e6, 1e6);
        ps[1].fee = 1e6 + 1;
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpFeeAboveMax.selector, 1, 1e6 + 1, 1e6));
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), ps);
        assertEq(dep.reserveOf(hub, address(usdc)), 100_000e6, "nothing moved");
        assertTrue(dep.commitmentOf(ps[0].id) != bytes32(0), "the first is still open");
    }

    function test_RevertWhen_batchServesACancelledExpiredOrForeignRequest() public {
        IHubDepository.Push memory c = _request(alice, usdc, 10e6, 1e6);
        vm.prank(alice);
        dep.cancelRequest(c.id, hub, address(usdc), 10e6, 1e6, c.deadline);
        IHubDepository.Push[] memory ps = new IHubDepository.Push[](2);
        ps[0] = _request(bob, usdc, 5e6, 1e6);
        ps[1] = c;
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpUnknownRequest.selector, 1, c.id));
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), ps);
        // expired
        IHubDepository.Push memory e = _request(alice, usdc, 10e6, 1e6);
        vm.warp(e.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpExpired.selector, 0, e.deadline));
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), _one(e));
        // another hub's request: its commitment names that hub
        address other = makeAddr("other-hub");
        _deposit(other, usdc, 1000e6);
        IHubDepository.Push memory mine = _request(bob, usdc, 10e6, 1e6);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpUnknownRequest.selector, 0, mine.id));
        vm.prank(other);
        dep.settleBatch(0, _noPulls(), _one(mine));
        // a changed field (a bigger amount than requested) matches nothing
        mine.deadline += 1;
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpUnknownRequest.selector, 0, mine.id));
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), _one(mine));
    }

    function test_RevertWhen_reservesAreShort() public {
        IHubDepository.Push memory p = _request(alice, usdc, 10e6, 200e6);
        p.fee = 150e6; // alice holds 100
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubDepository.OpReserveTooLow.selector, 0, alice, address(usdc), 100e6, 150e6
            )
        );
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), _one(p));
        IHubDepository.Push memory big = _request(bob, usdc, 200_000e6, 1e6);
        vm.expectRevert(
            abi.encodeWithSelector(
                IHubDepository.OpReserveTooLow.selector, 0, hub, address(usdc), 100_000e6 + 1e6, 200_000e6
            )
        );
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), _one(big));
    }

    /// A batch that fails (or lands) cannot be sent again: its round is spent.
    function test_RevertWhen_aBatchIsRetried() public {
        IHubDepository.Push memory p = _request(alice, usdc, 10e6, 1e6);
        _settle(_noPulls(), _one(p));
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.StaleRound.selector, 0, 1));
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), _one(p));
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpUnknownRequest.selector, 0, p.id));
        vm.prank(hub);
        dep.settleBatch(1, _noPulls(), _one(p));
    }

    function test_RevertWhen_batchIsTooLarge() public {
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.BatchTooLarge.selector, 1, 257, 256));
        vm.prank(hub);
        dep.settleBatch(0, _noPulls(), new IHubDepository.Push[](257));
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.BatchTooLarge.selector, 0, 33, 32));
        vm.prank(hub);
        dep.settleBatch(0, new IHubDepository.Pull[](33), new IHubDepository.Push[](0));
    }

    /// Pushes in two tokens, interleaved: the hub's reserve of each is kept exactly.
    function test_pushesInTwoTokens_keepEachReserve() public {
        _deposit(hub, dai, 1000e18);
        _deposit(alice, dai, 10e18);
        IHubDepository.Push[] memory ps = new IHubDepository.Push[](3);
        ps[0] = _request(alice, usdc, 10e6, 1e6);
        ps[1] = _request(alice, dai, 20e18, 1e18);
        ps[2] = _request(bob, usdc, 30e6, 1e6);
        _settle(_noPulls(), ps);
        assertEq(dep.reserveOf(hub, address(usdc)), 100_000e6 - 40e6 + 2e6);
        assertEq(dep.reserveOf(hub, address(dai)), 1000e18 - 20e18 + 1e18);
        assertEq(dep.reserveOf(alice, address(dai)), 9e18);
        (uint256 c,) = dep.accountOf(hub, alice, address(dai));
        assertEq(c, 20e18);
    }
}

/// @title Pulls: the hub's own share out of an account, signed by the user (pull before push).
contract HubSettlementTest is HubFixture {
    address internal alice;
    uint256 internal aliceKey;
    address internal bob;
    uint256 internal bobKey;

    function setUp() public override {
        super.setUp();
        (alice, aliceKey) = _user(1);
        (bob, bobKey) = _user(2);
        _deposit(alice, usdc, 1000e6);
        _deposit(bob, usdc, 10e6);
        vm.prank(alice);
        dep.fundAccount(hub, alice, address(usdc), 1000e6); // alice's collateral, all hers
    }

    /// Alice paid the hub 300 off chain: she signs the share moving to the hub and the hub pulling
    /// it; in the same batch the hub pushes it to bob (pull before push: its reserve was empty).
    function test_pullBeforePush_fundsThePushFromTheSendersAccount() public {
        IHubDepository.Pull[] memory pulls = new IHubDepository.Pull[](1);
        pulls[0] = _pull(alice, aliceKey, _diff(usdc, 300e6, 300e6));
        IHubDepository.Push memory p = _request(bob, usdc, 300e6, 3e6);
        vm.expectEmit(address(dep));
        emit IHubDepository.Settled(hub, alice, 0, hub, pulls[0].diffs);
        _settle(pulls, _one(p));
        (uint256 ca, uint256 ha) = dep.accountOf(hub, alice, address(usdc));
        assertEq(ca, 700e6);
        assertEq(ha, 0, "the hub pulled exactly its share");
        (uint256 cb,) = dep.accountOf(hub, bob, address(usdc));
        assertEq(cb, 300e6);
        assertEq(dep.reserveOf(hub, address(usdc)), 3e6, "only the fee stays");
        assertEq(dep.nonceOf(hub, alice), 1);
    }

    /// Misuse: the hub pulls more than its share, even with a share move the user signed.
    function test_RevertWhen_hubPullsMoreThanItsShare() public {
        IHubDepository.Pull[] memory pulls = new IHubDepository.Pull[](1);
        pulls[0] = _pull(alice, aliceKey, _diff(usdc, 300e6, 300e6 + 1));
        vm.expectRevert(
            abi.encodeWithSelector(IHubDepository.OpShareExceeded.selector, 0, 0, 300e6, 300e6 + 1)
        );
        vm.prank(hub);
        dep.settleBatch(0, pulls, new IHubDepository.Push[](0));
        // a share move past the collateral
        pulls[0] = _pull(alice, aliceKey, _diff(usdc, 1000e6 + 1, 0));
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpShareExceeded.selector, 0, 0, 0, 0));
        vm.prank(hub);
        dep.settleBatch(0, pulls, new IHubDepository.Push[](0));
    }

    /// Replays: the same signature at the next nonce, for another account, on another chain, at
    /// another depository — each refused; the one it was made for works once.
    function test_RevertWhen_aSignatureIsReplayed() public {
        IHubDepository.Diff[] memory d = _diff(usdc, 100e6, 100e6);
        IHubDepository.Pull[] memory pulls = new IHubDepository.Pull[](1);
        pulls[0] = _pull(alice, aliceKey, d);
        // another account: bob's, with alice's signature
        IHubDepository.Pull[] memory stolen = new IHubDepository.Pull[](1);
        stolen[0] = IHubDepository.Pull({user: bob, nonce: 0, diffs: d, signature: pulls[0].signature});
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpBadSignature.selector, 0));
        vm.prank(hub);
        dep.settleBatch(0, stolen, new IHubDepository.Push[](0));
        // another depository
        HubDepository twin = new HubDepository();
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpBadSignature.selector, 0));
        vm.prank(hub);
        twin.settleBatch(0, pulls, new IHubDepository.Push[](0));
        // another chain
        uint256 id = block.chainid;
        vm.chainId(id + 1);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpBadSignature.selector, 0));
        vm.prank(hub);
        dep.settleBatch(0, pulls, new IHubDepository.Push[](0));
        vm.chainId(id);
        // signed by someone else (bob signs alice's account)
        IHubDepository.Pull[] memory forged = new IHubDepository.Pull[](1);
        forged[0] = IHubDepository.Pull({
            user: alice, nonce: 0, diffs: d, signature: _sign(bobKey, alice, hub, 0, d)
        });
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpBadSignature.selector, 0));
        vm.prank(hub);
        dep.settleBatch(0, forged, new IHubDepository.Push[](0));
        // the genuine one, once; then its nonce is spent
        vm.prank(hub);
        dep.settleBatch(0, pulls, new IHubDepository.Push[](0));
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpBadNonce.selector, 0, 0, 1));
        vm.prank(hub);
        dep.settleBatch(1, pulls, new IHubDepository.Push[](0));
    }

    /// The user's side: alice pulls her own share with the hub's signature (and cannot pull more).
    function test_userSettles_pullingHerShareWithTheHubsSignature() public {
        IHubDepository.Diff[] memory d = _diff(usdc, 0, 400e6);
        bytes memory sig = _sign(hubKey, alice, alice, 0, d);
        vm.prank(alice);
        dep.settle(hub, 0, d, sig);
        (uint256 c,) = dep.accountOf(hub, alice, address(usdc));
        assertEq(c, 600e6);
        assertEq(dep.reserveOf(alice, address(usdc)), 400e6);
        // the hub's pull signature (puller = hub) cannot be used by alice to pull for herself
        IHubDepository.Diff[] memory more = _diff(usdc, 0, 601e6);
        bytes memory sig2 = _sign(hubKey, alice, alice, 1, more);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpShareExceeded.selector, 0, 0, 600e6, 601e6));
        vm.prank(alice);
        dep.settle(hub, 1, more, sig2);
        bytes memory hubSide = _sign(aliceKey, alice, hub, 1, d);
        vm.expectRevert(abi.encodeWithSelector(IHubDepository.OpBadSignature.selector, 0));
        vm.prank(alice);
        dep.settle(hub, 1, d, hubSide);
    }
}
