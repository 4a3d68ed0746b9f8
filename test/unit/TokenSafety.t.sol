// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {IMockV3Aggregator} from "../utils/ChainlinkInterfaces.sol";
import {TestERC20} from "../utils/TestERC20.sol";
import {CallbackToken, FeeOnTransferToken, RebasingToken} from "../utils/WeirdTokens.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @notice Re-enters the balancer from a token hook.
contract Reenterer {
    IBalancer internal immutable b;
    bytes internal call;

    constructor(IBalancer b_) {
        b = b_;
    }

    function arm(bytes calldata c) external {
        call = c;
    }

    function onTokenTransfer() external {
        if (call.length == 0) return;
        bytes memory c = call;
        delete call;
        (bool ok, bytes memory ret) = address(b).call(c);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}

/// @title Fee-on-transfer tokens are rejected; rebasing and callback tokens are handled.
contract TokenSafetyTest is BalancerFixture {
    address internal alice = makeAddr("alice");

    /// @dev USDC and `weird` at $1, 50 % each, open to deposits. The feeds declare no deviation (no
    /// deposit spread) and the global band is wide (50 %), so deposits here test token handling alone.
    function _withWeird(address weird) internal returns (IBalancer b) {
        nextDeviationBps = 0;
        _addAsset("USDC", 6, 8, 1e8);
        tokens.push(TestERC20(weird));
        feeds.push(
            IMockV3Aggregator(
                _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(8, int256(1e8)))
            )
        );
        deviations.push(0);
        uint16[] memory t = new uint16[](2);
        (t[0], t[1]) = (5000, 5000);
        IBalancer.InitParams memory ip = _init(t);
        (ip.params.driftBps, ip.params.clearBps) = (5000, 4000);
        b = _open(_create(IBalancerFactory.Kind.Drift, 0, ip));
    }

    function test_feeOnTransfer_isRejectedAtDeposit() public {
        FeeOnTransferToken fee = new FeeOnTransferToken();
        IBalancer b = _withWeird(address(fee));
        fee.mint(alice, 1000e18);
        vm.startPrank(alice);
        fee.approve(address(b), 1000e18);
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.FeeOnTransfer.selector, address(fee), 1000e18, 990e18)
        );
        b.fund(address(fee), 1000e18);
        vm.stopPrank();
        assertEq(b.totalShares(), 0, "nothing minted, nothing kept");
    }

    /// @notice USDC and a rebasing token at $1, alice holding $1,000 of each; `shares`: what her
    /// rebasing deposit minted.
    function _rebasingPortfolio() internal returns (IBalancer b, RebasingToken reb, uint256 shares) {
        reb = new RebasingToken();
        b = _withWeird(address(reb));
        _fund(b, alice, 0, 1000e6);
        shares = _fund(b, alice, 1, 1000e18);
    }

    function test_rebasing_negativeRebaseIsSharedAndWithdrawalsStillWork() public {
        (IBalancer b, RebasingToken reb, uint256 shares) = _rebasingPortfolio();
        reb.rebase(0.5e18); // the balancer now holds half of what it tracks
        uint256 all = b.sharesOf(alice);
        assertGe(all, shares);
        vm.prank(alice);
        uint256[] memory out = b.withdraw(all);
        assertEq(out[1], 500e18 * all / (all + 1000), "pro rata of what is held");
        assertEq(
            reb.balanceOf(address(b)) + reb.balanceOf(alice), 500e18, "the rebase is shared, nothing lost"
        );
    }

    /// @notice Finding 7 (rebasing tokens): after a -50 % rebase the tracked balance stayed above
    /// what was held, so a later depositor's $1,000 bought shares of value that was gone and withdrew
    /// $833. Deposits now sync tracked balances down to what is held first: the depositor withdraws
    /// its $1,000 (to the rounding) and the loss stays with those who held the token.
    function test_attack_negativeRebase_laterDepositorDoesNotPayForTheLoss() public {
        (IBalancer b, RebasingToken reb,) = _rebasingPortfolio();
        reb.rebase(0.5e18); // the balancer now holds 500 of the 1,000 it tracks
        address bob = makeAddr("bob");
        tokens[0].mint(bob, 1000e6);
        vm.prank(bob);
        tokens[0].approve(address(b), 1000e6);
        vm.expectEmit(address(b));
        emit IBalancer.BalanceSynced(address(reb), 1000e18, 500e18);
        vm.prank(bob);
        uint256 shares = b.fund(address(tokens[0]), 1000e6);
        vm.prank(bob);
        uint256[] memory out = b.withdraw(shares);
        // both assets at $1: USDC (6 decimals) + REB (18 decimals), in 18-decimal dollars
        uint256 usd = out[0] * 1e12 + out[1];
        emit log_named_decimal_uint("bob deposited $1,000 and withdrew $", usd, 18);
        assertApproxEqAbs(usd, 1000e18, 1e15, "bob gets his $1,000 back (to a tenth of a cent)");
        assertLe(usd, 1000e18, "and no more: rounding favours the holders");
    }

    /// @notice `sync` is permissionless and only ever lowers a tracked balance: a donation moves no
    /// share's value.
    function test_sync_lowersToWhatIsHeldAndNeverRaises() public {
        (IBalancer b, RebasingToken reb,) = _rebasingPortfolio();
        reb.mint(address(b), 5000e18); // a donation
        vm.prank(makeAddr("anyone"));
        b.sync();
        assertEq(b.balances()[1], 1000e18, "a donation is not counted");
        reb.rebase(0.1e18); // holds 600 of the 1,000 it tracks
        vm.prank(makeAddr("anyone"));
        b.sync();
        assertEq(b.balances()[1], reb.balanceOf(address(b)), "synced down to what is held");
    }

    function test_callbackToken_cannotReenterFundOrWithdraw() public {
        CallbackToken cb = new CallbackToken();
        IBalancer b = _withWeird(address(cb));
        Reenterer r = new Reenterer(b);
        cb.setHook(address(r));
        _fund(b, alice, 0, 1000e6);
        cb.mint(alice, 1000e18);
        vm.prank(alice);
        cb.approve(address(b), 1000e18);
        r.arm(abi.encodeCall(IBalancer.withdraw, (1)));
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(alice);
        b.fund(address(cb), 1000e18);
        r.arm(""); // hooks on, no re-entry: the deposit works
        vm.prank(alice);
        b.fund(address(cb), 1000e18);
        r.arm(abi.encodeCall(IBalancer.fund, (address(cb), 1)));
        uint256 shares = b.sharesOf(alice);
        uint256 supply = b.totalShares();
        uint256 cbPart = b.balances()[1] * shares / supply;
        // the hook's re-entry reverts the token's transfer; a refused transfer is owed, not fatal:
        // the withdrawal pays the rest, the re-entered deposit never happened
        vm.expectEmit(address(b));
        emit IBalancer.WithdrawalOwed(alice, address(cb), cbPart);
        vm.prank(alice);
        uint256[] memory paid = b.withdraw(shares);
        assertEq(paid[1], 0);
        assertEq(b.owed(alice, address(cb)), cbPart);
        assertEq(b.sharesOf(alice), 0, "no shares minted by the re-entered deposit");
        // and claiming it re-enters the same guard (the balancer's own transient slot)
        r.arm(abi.encodeCall(IBalancer.fund, (address(cb), 1)));
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(alice);
        b.claim(address(cb));
        r.arm("");
        vm.prank(alice);
        assertEq(b.claim(address(cb)), cbPart);
    }
}
