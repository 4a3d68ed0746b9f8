// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {
    IAmountGetter,
    ILimitOrderProtocol,
    IPreInteraction
} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";
import {TestERC20} from "../utils/TestERC20.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title Balancers trading through the real 1inch Limit Order Protocol v4.
contract BalancerTradingTest is BalancerFixture {
    IBalancer internal b;

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(b, address(this), 1_000_000);
    }

    function test_globalDrift_fillsAtTheirFloorEndInsideClearBand() public {
        _setPrice(3, 3400e8); // WETH +13.3 %: WETH overweight, everything else under
        assertGt(_maxGlobalDriftBps(b, 0x3), 200);
        (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes) = _checkAndPerform(b);
        assertGt(orders.length, 0);
        vm.warp(_expiry(orders[0])); // the auction's last second: every fill at its floor, the worst case
        _fillAll(orders, hashes);
        uint256 drift = _maxGlobalDriftBps(b, 0x3);
        assertLe(drift, 175, "inside the clear band after fills at their floors");
        assertGe(drift, 150, "traded to the band edge, not to target");
        (bool needed,) = _check(b);
        assertFalse(needed);
    }
}

/// @title The bundle's authorisation: only its own orders, unexpired, at their prices, once.
contract BalancerBundleTest is BalancerFixture {
    IBalancer internal b;
    ILimitOrderProtocol.Order[] internal orders;
    bytes32[] internal hashes;

    bytes4 internal constant MAGIC = 0x1626ba7e;

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(b, address(this), 1_000_000);
        _setPrice(3, 3400e8);
        (ILimitOrderProtocol.Order[] memory o, bytes32[] memory h) = _checkAndPerform(b);
        for (uint256 i; i < o.length; ++i) {
            orders.push(o[i]);
            hashes.push(h[i]);
        }
    }

    function test_fill_booksIntoTrackedBalancesAndLeavesNoAllowance() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        uint256 sell = _index(o.makerAsset);
        uint256 buy = _index(o.takerAsset);
        uint256[] memory before = b.balances();
        (uint256 making, uint256 taking) = _fill(o, hashes);
        assertEq(making, o.makingAmount, "the whole order");
        uint256[] memory afterFill = b.balances();
        assertEq(afterFill[sell], before[sell] - making);
        assertEq(afterFill[buy], before[buy] + taking);
        for (uint256 i; i < 4; ++i) {
            assertEq(afterFill[i], tokens[i].balanceOf(address(b)), "tracked == held");
        }
        assertEq(tokens[sell].allowance(address(b), address(lop)), 0, "allowance consumed");
        assertEq(sell, 3, "the overweight asset is sold");
    }

    function test_RevertWhen_fillTwice() public {
        _fill(orders[0], hashes);
        // one fill per order: the protocol's bit invalidator spends its nonce
        _expectFillReverts(orders[0], hashes, abi.encodePacked(bytes4(keccak256("BitInvalidatedOrder()"))));
    }

    /// A taker may not take a part of an order (spending it, since its nonce is then invalidated):
    /// a fill takes exactly `fillableAmount`.
    function test_RevertWhen_fillTakesPartOfAnOrder() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        (, uint256 taking) = _quote(o);
        TestERC20 buy = TestERC20(address(uint160(o.takerAsset)));
        buy.mint(taker, taking);
        vm.prank(taker);
        buy.approve(address(lop), taking);
        bytes memory ext = b.extension();
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.FillAmountMismatch.selector, o.makingAmount / 2, o.makingAmount)
        );
        vm.prank(taker);
        lop.fillContractOrderArgs(
            o, abi.encode(hashes), o.makingAmount / 2, MAKER_AMOUNT_FLAG | ext.length << 224 | taking, ext
        );
    }

    function test_RevertWhen_orderIsNotOfTheBundle() public {
        ILimitOrderProtocol.Order memory worse = orders[0];
        worse.takingAmount -= 1; // one wei off the published order
        assertEq(
            IERC1271(address(b)).isValidSignature(lop.hashOrder(worse), abi.encode(hashes)),
            bytes4(0xffffffff)
        );
        _expectFillReverts(worse, hashes, abi.encodePacked(BAD_SIGNATURE));
    }

    /// An order of ours filled without the balancer's extension (the protocol's linear price from its
    /// static amounts) is refused by the protocol: the extension is part of the signed salt.
    function test_RevertWhen_filledWithoutTheExtension() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        TestERC20 buy = TestERC20(address(uint160(o.takerAsset)));
        buy.mint(taker, o.takingAmount);
        vm.prank(taker);
        buy.approve(address(lop), o.takingAmount);
        vm.expectRevert(abi.encodePacked(bytes4(keccak256("MissingOrderExtension()"))));
        vm.prank(taker);
        lop.fillContractOrder(o, abi.encode(hashes), o.makingAmount, MAKER_AMOUNT_FLAG);
    }

    function test_RevertWhen_expired() public {
        _warp(10 minutes + 1);
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), bytes4(0xffffffff));
        // the balancer's ERC-1271 check refuses it before the protocol's own expiry check would
        _expectFillReverts(orders[0], hashes, abi.encodePacked(BAD_SIGNATURE));
        assertEq(_expiry(orders[0]), block.timestamp - 1, "and it carries the expiry");
    }

    function test_RevertWhen_bundleSuperseded() public {
        IBalancer.Params memory p = _defaultParams();
        p.globalCooldown = 0;
        b.setParams(p); // the owner is the only holder: at once
        b.cancelBundle();
        (ILimitOrderProtocol.Order[] memory fresh, bytes32[] memory freshHashes) = _checkAndPerform(b);
        assertEq(fresh[0].salt >> 224, 2, "bundle 2");
        assertEq(IERC1271(address(b)).isValidSignature(freshHashes[0], abi.encode(freshHashes)), MAGIC);
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(hashes)), bytes4(0xffffffff));
        _expectFillReverts(orders[0], hashes, abi.encodePacked(BAD_SIGNATURE)); // unexpired, superseded
    }

    function test_RevertWhen_signatureListIsNotTheBundle() public view {
        bytes32[] memory subset = new bytes32[](1);
        subset[0] = hashes[0];
        assertEq(IERC1271(address(b)).isValidSignature(hashes[0], abi.encode(subset)), bytes4(0xffffffff));
    }

    function test_RevertWhen_preInteractionNotFromProtocol() public {
        vm.expectRevert(abi.encodeWithSelector(IBalancer.OnlyProtocol.selector, address(this)));
        IPreInteraction(address(b)).preInteraction(orders[0], "", hashes[0], address(this), 1, 1, 1, "");
    }

    function test_allFills_landInsideTheClearBandAndCloseTheCheck() public {
        vm.warp(_expiry(orders[0]));
        _fillAll(orders, hashes);
        assertLe(_maxGlobalDriftBps(b, 0x3), 175);
        _warp(6 hours + 1);
        (bool needed,) = _check(b);
        assertFalse(needed);
    }

    bytes4 internal constant BAD_SIGNATURE = 0x5cd5d233; // OrderMixin: BadSignature()

    function _index(uint256 token) internal view returns (uint256 i) {
        while (uint160(address(tokens[i])) != token) ++i;
    }
}

/// @title Fill-time pricing (issue 10, finding 3): an order's price is the feeds' at the fill,
/// a Dutch auction from `maxSlippageBps` above the oracle down to its floor, `maxSlippageBps` below.
/// Before: orders had fixed amounts for their whole life, so a taker held a free option and filled
/// only after the market moved its way.
contract FillPricingTest is BalancerFixture {
    IBalancer internal b;
    ILimitOrderProtocol.Order[] internal orders;
    bytes32[] internal hashes;

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(b, address(this), 100_000); // the demo portfolio: $100,000
        _setPrice(2, 84_000e8); // WBTC +40 %: a bundle selling WBTC
        (ILimitOrderProtocol.Order[] memory o, bytes32[] memory h) = _checkAndPerform(b);
        for (uint256 i; i < o.length; ++i) {
            orders.push(o[i]);
            hashes.push(h[i]);
        }
        assertEq(orders[0].makerAsset, uint160(address(tokens[2])), "WBTC is sold");
    }

    /// Attack: WBTC rises 2 % after the perform; the taker fills the WBTC orders at the end of their
    /// life. With fixed amounts it paid the perform's price (less the slippage allowance) for WBTC
    /// now worth 2 % more; now it pays the feed's price at the fill: it earns at most the slippage
    /// allowance, never the move.
    function test_attack_takerPickOff_aMoveBeforeTheFillIsPricedIn() public {
        _setPrice(2, 84_000e8 * 102 / 100);
        vm.warp(_expiry(orders[0])); // the taker waits for the cheapest moment
        uint256 profit;
        uint256 staticProfit;
        uint256 traded;
        for (uint256 i; i < orders.length; ++i) {
            ILimitOrderProtocol.Order memory o = orders[i];
            if (o.makerAsset != uint160(address(tokens[2]))) continue;
            (uint256 making, uint256 taking) = _fill(o, hashes);
            uint256 got = _usdOf(o.makerAsset, making);
            traded += got;
            profit += got - _min(got, _usdOf(o.takerAsset, taking));
            staticProfit += got - _min(got, _usdOf(o.takerAsset, o.takingAmount));
        }
        emit log_named_decimal_uint("WBTC sold ($)", traded, 18);
        emit log_named_decimal_uint("taker profit with fixed amounts, before ($)", staticProfit, 18);
        emit log_named_decimal_uint("taker profit at fill-time prices, now ($)", profit, 18);
        // the taker earns the slippage allowance at the fill's prices (30 bps), and nothing of the move
        assertLe(
            profit, traded * 30 / 10_000 + 1e18, "at most maxSlippageBps of the fresh value (+$1 rounding)"
        );
        assertGt(staticProfit, profit + traded * 190 / 10_000, "fixed amounts gave away the 2 % move");
    }

    /// The other way: WBTC falls 2 % before the fill. A fixed-amount order would now be worth less
    /// than it asks and no taker would fill it (the portfolio stays drifted until the next perform);
    /// priced at the fill, it still fills, at the new price.
    function test_adverseMoveForTheTaker_stillFillsAtTheFreshPrice() public {
        _setPrice(2, 84_000e8 * 98 / 100);
        ILimitOrderProtocol.Order memory o = orders[0];
        (uint256 making, uint256 taking) = _fill(o, hashes);
        assertEq(making, o.makingAmount);
        // at the auction's first second: 30 bps above the fresh oracle value, rounded up
        uint256 fair = _usdOf(o.makerAsset, making);
        assertApproxEqRel(_usdOf(o.takerAsset, taking), fair * 10_030 / 10_000, 1e12, "oracle + 30 bps");
        assertLt(taking, o.takingAmount * 10_060 / 10_000, "priced at the fallen WBTC, not the perform's");
    }

    /// The auction: `maxSlippageBps` above the oracle at the perform, the oracle at mid-life, the
    /// floor (`maxSlippageBps` below) at the expiry; linear in between, rounded up for the portfolio.
    function test_auction_fallsLinearlyFromAboveTheOracleToTheFloor() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        uint256 start = _expiry(o) - 10 minutes;
        uint256[3] memory at = [start, start + 5 minutes, start + 10 minutes];
        uint256[3] memory bps = [uint256(10_030), 10_000, 9970];
        for (uint256 k; k < 3; ++k) {
            vm.warp(at[k]);
            uint256 taking = IAmountGetter(address(b)).getTakingAmount(o, "", 0, taker, o.makingAmount, 0, "");
            uint256 fair = _usdOf(o.makerAsset, o.makingAmount);
            assertApproxEqRel(_usdOf(o.takerAsset, taking), fair * bps[k] / 10_000, 1e12);
            if (k == 2) assertEq(taking, o.takingAmount, "the floor is the published takingAmount");
        }
    }

    /// A taker naming the taking amount (`getMakingAmount`) gets the same price: paying one wei less
    /// than the order's price makes it a part of the order, which the balancer refuses.
    function test_takingAmountMode_samePriceAndNoDiscount() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        (uint256 making, uint256 taking) = _quote(o);
        assertGe(
            IAmountGetter(address(b)).getMakingAmount(o, "", 0, taker, taking, making, ""),
            making,
            "the inverse of the taking amount (rounded down)"
        );
        assertLt(IAmountGetter(address(b)).getMakingAmount(o, "", 0, taker, taking - 1, making, ""), making);
        TestERC20 buy = TestERC20(address(uint160(o.takerAsset)));
        buy.mint(taker, taking);
        vm.prank(taker);
        buy.approve(address(lop), taking);
        bytes memory ext = b.extension();
        uint256 makingFor = IAmountGetter(address(b)).getMakingAmount(o, "", 0, taker, taking - 1, making, "");
        vm.expectRevert(abi.encodeWithSelector(IBalancer.FillAmountMismatch.selector, makingFor, making));
        vm.prank(taker);
        lop.fillContractOrderArgs(o, abi.encode(hashes), taking - 1, ext.length << 224, ext);
        vm.prank(taker);
        (uint256 m, uint256 t,) =
            lop.fillContractOrderArgs(o, abi.encode(hashes), taking, ext.length << 224, ext);
        assertEq(m, making);
        assertEq(t, taking);
    }

    /// No fill on a price the balancer would not trade on: a stale feed at the fill reverts it.
    function test_RevertWhen_aFeedIsStaleAtTheFill() public {
        ILimitOrderProtocol.Order memory o = orders[0];
        vm.warp(block.timestamp + 5 minutes);
        // the sell asset's feed last updated more than its heartbeat ago
        uint256 sell = _index(o.makerAsset);
        (,,, uint256 updatedAt,) = feeds[sell].latestRoundData();
        vm.warp(updatedAt + HEARTBEAT + 1);
        // (the order expired meanwhile: the getter is checked directly, as the protocol calls it)
        vm.expectRevert(
            abi.encodeWithSelector(IBalancer.StalePrice.selector, address(feeds[sell]), updatedAt, HEARTBEAT)
        );
        IAmountGetter(address(b)).getTakingAmount(o, "", 0, taker, o.makingAmount, 0, "");
    }

    function _index(uint256 token) internal view returns (uint256 i) {
        while (uint160(address(tokens[i])) != token) ++i;
    }

    /// @dev USD (18 decimals) of `amount` of `token` at its feed's latest answer.
    function _usdOf(uint256 token, uint256 amount) internal view returns (uint256) {
        uint256 i = _index(token);
        (, int256 p,,,) = feeds[i].latestRoundData();
        return amount * uint256(p) * 1e18 / 10 ** (tokens[i].decimals() + feeds[i].decimals());
    }

    function _min(uint256 a, uint256 b_) internal pure returns (uint256) {
        return a < b_ ? a : b_;
    }
}

/// @title Withdrawals neither block rebalancing nor force extra performs (issue 10, finding 4).
/// Before: every withdrawal cancelled the open bundle while the path's cooldown kept running, so a
/// holder withdrawing one share right after each perform kept the portfolio drifted for ever. Now
/// the bundle stays open and each fill takes its order's part for the shares still outstanding.
contract WithdrawalGriefingTest is BalancerFixture {
    IBalancer internal b;
    address internal griefer = makeAddr("griefer");

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
        _fundAtTargets(b, address(this), 100_000);
        _open(b);
        _fundAtTargets(b, griefer, 1000); // in kind: a holder like any other
    }

    /// Attack: 20 cycles over 5 days; in each, the griefer withdraws 1 share right after the perform,
    /// then takers fill whatever the balancer still accepts. Before the fix, drift stayed at 203 bp
    /// for all 20 cycles. Now the first cycle's fills bring it inside the clear band, within one
    /// cooldown of the trigger, and no further perform is needed.
    function test_attack_withdrawAfterEveryPerform_doesNotStopRebalancing() public {
        _setPrice(3, 3400e8); // WETH +13.3 %: past the 2 % band
        uint256 performs;
        uint256 insideAt;
        for (uint256 cycle; cycle < 20; ++cycle) {
            (bool needed, bytes memory data) = _check(b);
            if (needed) {
                (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes) = _perform(b, data);
                ++performs;
                vm.prank(griefer);
                b.withdraw(1);
                _fillAll(orders, hashes);
            }
            if (insideAt == 0 && _maxGlobalDriftBps(b, 0x3) <= 175) insideAt = block.timestamp;
            _warp(6 hours);
        }
        emit log_named_uint("performs in 20 cycles", performs);
        emit log_named_uint("drift after 20 cycles (bp)", _maxGlobalDriftBps(b, 0x3));
        assertEq(performs, 1, "one perform: the bundle filled despite the withdrawals");
        assertLe(_maxGlobalDriftBps(b, 0x3), 175, "inside the clear band");
        assertGt(insideAt, 0, "and it got there in the first cycle");
    }

    /// After a withdrawal of 40 % of the shares, each order takes 60 % of its amount; taking the
    /// whole order is refused, and the fills still land the smaller portfolio inside its clear band.
    function test_withdrawal_shrinksEachFillProRata() public {
        // make the griefer a large holder
        _fundAtTargets(b, griefer, 66_000);
        _setPrice(3, 3400e8);
        (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes) = _checkAndPerform(b);
        uint256 supply = b.totalShares();
        uint256 out = supply * 40 / 100;
        vm.prank(griefer);
        b.withdraw(out);
        ILimitOrderProtocol.Order memory o = orders[0];
        uint256 expected = o.makingAmount * (supply - out) / supply;
        assertEq(b.fillableAmount(o.makingAmount), expected);
        _expectFillReverts(
            o, hashes, abi.encodeWithSelector(IBalancer.FillAmountMismatch.selector, o.makingAmount, expected)
        );
        vm.warp(_expiry(o));
        _fillAll(orders, hashes);
        assertLe(_maxGlobalDriftBps(b, 0x3), 175, "the smaller portfolio is rebalanced too");
        for (uint256 i; i < 4; ++i) {
            assertEq(b.balances()[i], tokens[i].balanceOf(address(b)), "tracked == held");
        }
    }

    /// A deposit and withdrawal of the same shares (a round trip) does not shrink the fills.
    function test_roundTrip_leavesFillsWhole() public {
        _setPrice(3, 3400e8);
        (ILimitOrderProtocol.Order[] memory orders,) = _checkAndPerform(b);
        uint256 shares = _fundInKind(b, griefer, 10_000);
        vm.prank(griefer);
        b.withdraw(shares);
        assertEq(b.fillableAmount(orders[0].makingAmount), orders[0].makingAmount);
    }
}
