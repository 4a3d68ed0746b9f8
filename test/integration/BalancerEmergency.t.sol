// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {ILimitOrderProtocol, IPreInteraction} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title An open bundle under the owner's emergency controls, and fills the balancer must not
/// book: the attacks of issue 10 finding 7 (pause, owner cancel, a stranger's order), each
/// through the real 1inch protocol where it can reach the balancer, and by calling
/// `preInteraction` as the protocol where the protocol's own checks stand in front of it today.
contract BalancerEmergencyTest is BalancerFixture {
    IBalancer internal b;
    address internal alice = makeAddr("alice");
    address internal mallory = makeAddr("mallory");
    ILimitOrderProtocol.Order[] internal orders;
    bytes32[] internal hashes;

    bytes4 internal constant MAGIC = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    bytes4 internal constant BAD_SIGNATURE = 0x5cd5d233; // OrderMixin: BadSignature()

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(_open(b), alice, 1_000_000);
        _setPrice(3, 3400e8); // WETH up: a bundle selling WETH
        (ILimitOrderProtocol.Order[] memory o, bytes32[] memory h) = _checkAndPerform(b);
        for (uint256 i; i < o.length; ++i) {
            orders.push(o[i]);
            hashes.push(h[i]);
        }
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), MAGIC);
    }

    /* ---------------------------------------------------------------- PAUSE --- */

    /// Attack: the owner pauses because a feed is wrong; a taker still fills the open bundle,
    /// priced at the wrong feed, against the holders.
    function test_paused_openBundleCannotBeFilled() public {
        b.setPaused(true);
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), INVALID);
        uint256[] memory before = b.balances();
        _expectFillReverts(orders[0], hashes, abi.encodePacked(BAD_SIGNATURE));
        assertEq(b.balances(), before, "nothing booked");
        // unpaused, the bundle (still unexpired) is fillable again
        b.setPaused(false);
        _fill(orders[0], hashes);
    }

    /// The protocol checks a contract order's signature only on its first fill; the balancer
    /// refuses a paused fill in `preInteraction` too, whatever path reaches it.
    function test_RevertWhen_preInteractionWhilePaused() public {
        b.setPaused(true);
        ILimitOrderProtocol.Order memory o = orders[0];
        vm.prank(address(lop));
        vm.expectRevert(IBalancer.IsPaused.selector);
        IPreInteraction(address(b))
            .preInteraction(o, "", hashes[0], taker, o.makingAmount, o.takingAmount, o.makingAmount, "");
    }

    /* --------------------------------------------------------------- CANCEL --- */

    function test_ownerCancelsTheBundle() public {
        vm.expectEmit(address(b));
        emit IBalancer.BundleCancelled(1);
        b.cancelBundle();
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), INVALID);
        _expectFillReverts(orders[0], hashes, abi.encodePacked(BAD_SIGNATURE));
        // nothing left to cancel
        vm.expectRevert(abi.encodeWithSelector(IBalancer.NoOpenBundle.selector, uint32(1)));
        b.cancelBundle();
    }

    /// Misuse: a holder (or a taker who would rather the bundle stayed open) cancels it.
    function test_RevertWhen_cancelBundleNotFromTheOwner() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, alice));
        b.cancelBundle();
        vm.prank(mallory);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, mallory));
        b.cancelBundle();
        _fill(orders[0], hashes); // still open
    }

    /* ------------------------------------------------------ STRANGER ORDERS --- */

    /// Attack: an order whose maker is not the balancer, carrying the current epoch in its salt,
    /// reaches `preInteraction` (any protocol path that calls the order's named listener). Before
    /// the fix it was booked: the balancer's tracked balances moved and it approved the protocol
    /// to take `makingAmount` of its own tokens, though its tokens never moved.
    function test_RevertWhen_preInteractionForAStrangersOrder() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        o.maker = uint160(mallory);
        uint256[] memory before = b.balances();
        bytes32 h = lop.hashOrder(o);
        vm.prank(address(lop));
        vm.expectRevert(abi.encodeWithSelector(IBalancer.NotOurOrder.selector, mallory));
        IPreInteraction(address(b))
            .preInteraction(o, "", h, mallory, o.makingAmount, o.takingAmount, o.makingAmount, "");
        assertEq(b.balances(), before);
        assertEq(tokens[3].allowance(address(b), address(lop)), 0, "no allowance granted");
    }

    /// The same through the balancer's own order, but of a bundle the owner cancelled: refused.
    function test_RevertWhen_preInteractionForACancelledBundle() public {
        b.cancelBundle();
        ILimitOrderProtocol.Order memory o = orders[0];
        vm.prank(address(lop));
        vm.expectRevert(abi.encodeWithSelector(IBalancer.NotCurrentBundle.selector, uint32(1), uint32(1)));
        IPreInteraction(address(b))
            .preInteraction(o, "", hashes[0], taker, o.makingAmount, o.takingAmount, o.makingAmount, "");
    }
}
