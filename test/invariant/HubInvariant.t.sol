// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {HubDepository} from "../../contracts/HubDepository.sol";
import {TestERC20} from "../utils/TestERC20.sol";
import {HubHandler} from "./handlers/HubHandler.sol";
import {Test} from "forge-std/Test.sol";

/// @title Invariants of the hub depository under random deposits, withdrawals, fundings,
/// requests, cancellations, time, batches, pulls and replayed signatures.
contract HubInvariantTest is Test {
    HubDepository internal dep;
    HubHandler internal handler;

    function setUp() public {
        vm.warp(1_763_000_000);
        dep = new HubDepository();
        TestERC20[] memory tokens = new TestERC20[](2);
        tokens[0] = new TestERC20("USDC", "USDC", 6);
        tokens[1] = new TestERC20("DAI", "DAI", 18);
        (address hub,) = makeAddrAndKey("hub");
        address[] memory users = new address[](3);
        uint256[] memory keys = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            (users[i], keys[i]) = makeAddrAndKey(string.concat("user-", vm.toString(i)));
        }
        handler = new HubHandler(dep, tokens, hub, users, keys);
        // the hub starts with reserves to serve from, the users with some to pay fees from
        for (uint256 t; t < 2; ++t) {
            handler.deposit(3, t, 1e27);
            for (uint256 u; u < 3; ++u) {
                handler.deposit(u, t, 1e22);
            }
        }
        targetContract(address(handler));
    }

    /// @notice Per token: the reserves and the collateral add up to what was deposited less what
    /// was withdrawn, which is what the depository holds.
    function invariant_reservesPlusCollateralIsDepositsLessWithdrawals() public view {
        for (uint256 t; t < handler.tokenCount(); ++t) {
            TestERC20 token = handler.tokenAt(t);
            uint256 sum;
            for (uint256 a; a < handler.actorCount(); ++a) {
                sum += dep.reserveOf(handler.actorAt(a), address(token));
            }
            for (uint256 u; u < handler.userCount(); ++u) {
                (uint256 c,) = dep.accountOf(handler.hub(), handler.userAt(u), address(token));
                sum += c;
            }
            uint256 net = handler.deposited(address(token)) - handler.withdrawn(address(token));
            assertEq(sum, net, "reserves + collateral == deposits - withdrawals");
            assertEq(token.balanceOf(address(dep)), net, "held == deposits - withdrawals");
        }
    }

    /// @notice Every reserve and account equals the ghost ledger (each fee charged with its
    /// top-up, each pull out of the hub's share only).
    function invariant_everyBalanceMatchesTheLedger() public view {
        for (uint256 t; t < handler.tokenCount(); ++t) {
            address token = address(handler.tokenAt(t));
            for (uint256 a; a < handler.actorCount(); ++a) {
                address who = handler.actorAt(a);
                assertEq(dep.reserveOf(who, token), handler.ghostReserve(who, token), "reserve == ledger");
            }
            for (uint256 u; u < handler.userCount(); ++u) {
                address user = handler.userAt(u);
                (uint256 c, uint256 h) = dep.accountOf(handler.hub(), user, token);
                assertEq(c, handler.ghostCollateral(user, token), "collateral == ledger");
                assertEq(h, handler.ghostHubShare(user, token), "hub share == ledger");
            }
        }
    }

    function invariant_noFeeWithoutItsTopUp() public view {
        assertFalse(handler.feeWithoutTopUp());
    }

    function invariant_cancelledOrExpiredRequestsAreNeverSettled() public view {
        assertFalse(handler.settledCancelledOrExpired());
    }

    function invariant_noSignatureIsReplayable() public view {
        assertFalse(handler.replaySucceeded());
    }

    /// @notice The run did what the invariants are about.
    function afterInvariant() external view {
        assertGt(handler.pushes() + handler.refusedBatches(), 0, "no batch in this run");
    }
}
