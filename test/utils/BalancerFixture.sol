// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BalancerFactory} from "../../contracts/BalancerFactory.sol";
import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {IAmountGetter, ILimitOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {ArtifactDeployer} from "./ArtifactDeployer.sol";
import {IMockV3Aggregator} from "./ChainlinkInterfaces.sol";
import {TestERC20} from "./TestERC20.sol";
import {
    AutomationCompatibleInterface
} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title BalancerFixture
/// @notice The real 1inch Limit Order Protocol, MockV3Aggregator USD feeds the test drives, test
/// tokens, and balancers created through the real factory from the built implementations.
/// The demo portfolio: USDC (6 decimals) and DAI (18) as stables at 20 % each, WBTC (8) and WETH (18)
/// at 30 % each.
abstract contract BalancerFixture is ArtifactDeployer {
    uint256 internal constant MAKER_AMOUNT_FLAG = 1 << 255; // TakerTraits: `amount` is the making amount
    uint256 internal constant ARGS_EXTENSION_LENGTH_OFFSET = 224; // TakerTraits: the extension's length
    uint256 internal constant PATH_STABLE = 1;
    uint256 internal constant PATH_GLOBAL = 2;
    uint32 internal constant HEARTBEAT = 1 days;

    ILimitOrderProtocol internal lop;
    BalancerFactory internal factory;
    address internal forwarder = makeAddr("chainlink-forwarder");
    address internal fallbackKeeper = makeAddr("fallback-keeper");
    address internal taker = makeAddr("taker");
    address internal controllerAddr = makeAddr("controller");

    /// @dev Set before `_create` to give the balancer an L2 sequencer-uptime feed.
    address internal sequencerFeed;
    uint32 internal sequencerGrace;

    TestERC20[] internal tokens;
    IMockV3Aggregator[] internal feeds;
    /// @dev Each asset's feed deviation threshold (bps), as `_addAsset` sets it.
    uint16[] internal deviations;
    /// @dev The deviation threshold `_addAsset` gives the next assets (50 bps, BTC/USD's and ETH/USD's
    /// on Ethereum).
    uint16 internal nextDeviationBps = 50;

    function setUp() public virtual {
        vm.warp(1_763_000_000); // a realistic clock (cooldowns and expiries are absolute times)
        address weth = _deployArtifact("WETH9.sol", "WETH9", "");
        lop = ILimitOrderProtocol(
            _deployArtifact("LimitOrderProtocol.sol", "LimitOrderProtocol", abi.encode(weth))
        );
        address drift = _deployArtifact("DriftBalancer.sol", "DriftBalancer", "");
        address time = _deployArtifact("TimeBalancer.sol", "TimeBalancer", "");
        factory = new BalancerFactory(drift, time);
        vm.label(address(lop), "LimitOrderProtocol");
    }

    /* ------------------------------------------------------------ PORTFOLIO --- */

    /// @notice Adds an asset with a fresh token and feed; returns its index.
    function _addAsset(string memory symbol, uint8 decimals, uint8 feedDecimals, int256 price)
        internal
        returns (uint256)
    {
        TestERC20 t = new TestERC20(symbol, symbol, decimals);
        IMockV3Aggregator f = IMockV3Aggregator(
            _deployArtifact("MockV3Aggregator.sol", "MockV3Aggregator", abi.encode(feedDecimals, price))
        );
        vm.label(address(t), symbol);
        vm.label(address(f), string.concat(symbol, "/USD"));
        tokens.push(t);
        feeds.push(f);
        deviations.push(nextDeviationBps);
        return tokens.length - 1;
    }

    /// @notice The demo portfolio's four assets (stables' feeds with a 25 bps deviation threshold,
    /// WBTC's and WETH's 50 bps, unless `nextDeviationBps` was changed before).
    function _demoAssets() internal {
        uint16 d = nextDeviationBps;
        nextDeviationBps = d == 50 ? 25 : d;
        _addAsset("USDC", 6, 8, 1e8);
        _addAsset("DAI", 18, 8, 1e8);
        nextDeviationBps = d;
        _addAsset("WBTC", 8, 8, 60_000e8);
        _addAsset("WETH", 18, 8, 3000e8);
    }

    function _assets(uint256 stableMask) internal view returns (IBalancer.Asset[] memory a) {
        a = new IBalancer.Asset[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            a[i] = IBalancer.Asset({
                token: address(tokens[i]),
                feed: address(feeds[i]),
                tokenDecimals: tokens[i].decimals(),
                feedDecimals: feeds[i].decimals(),
                heartbeat: HEARTBEAT,
                deviationBps: deviations[i],
                stable: stableMask >> i & 1 == 1
            });
        }
    }

    function _defaultParams() internal pure returns (IBalancer.Params memory) {
        return IBalancer.Params({
            driftBps: 200,
            clearBps: 175,
            stableDriftBps: 100,
            stableClearBps: 50,
            depegBps: 100,
            maxSlippageBps: 30,
            gridLevels: 3,
            gridSpacingBps: 5,
            stableCooldown: 1 hours,
            globalCooldown: 6 hours,
            orderTtl: 10 minutes,
            paused: false
        });
    }

    function _init(uint16[] memory targets) internal view returns (IBalancer.InitParams memory ip) {
        ip.owner = address(this);
        ip.controller = controllerAddr;
        ip.forwarder = forwarder;
        ip.targets = targets;
        ip.params = _defaultParams();
        ip.limits = IBalancer.BandLimits({
            minDriftBps: 100, maxDriftBps: 500, minStableDriftBps: 50, maxStableDriftBps: 300
        });
        ip.fillCostUsdE8 = 50_000_000; // $0.50 per fill
        ip.dustMarginBps = 20_000; // x2 → dust $1
        ip.stableGasEstimate = 80_000;
        ip.globalGasEstimate = 130_000;
    }

    function _create(IBalancerFactory.Kind kind, uint256 stableMask, IBalancer.InitParams memory ip)
        internal
        returns (IBalancer b)
    {
        if (kind == IBalancerFactory.Kind.Time && ip.interval == 0) {
            ip.interval = 1 days;
            ip.dustFloorBps = 10;
        }
        b = IBalancer(
            factory.create(
                kind,
                _assets(stableMask),
                IBalancerFactory.Protocol(address(lop), "1inch Limit Order Protocol", "4"),
                sequencerFeed,
                sequencerGrace,
                ip
            )
        );
        vm.label(address(b), kind == IBalancerFactory.Kind.Drift ? "DriftBalancer" : "TimeBalancer");
    }

    /// @notice The demo DriftBalancer: USDC, DAI stable 20 % each; WBTC, WETH 30 % each.
    function _demo(IBalancerFactory.Kind kind) internal returns (IBalancer) {
        _demoAssets();
        return _create(kind, 0x3, _init(_targets4()));
    }

    function _targets4() internal pure returns (uint16[] memory t) {
        t = new uint16[](4);
        (t[0], t[1], t[2], t[3]) = (2000, 2000, 3000, 3000);
    }

    /* ----------------------------------------------------------------- MONEY --- */

    /// @notice Lets anyone deposit (the owner, this test, switches the depositor mode to `Open`).
    /// From then on, changes that can move holders' value wait the change delay.
    function _open(IBalancer b) internal returns (IBalancer) {
        b.setDepositorMode(IBalancer.DepositorMode.Open);
        return b;
    }

    /// @notice Token units of asset i worth `usd` (whole dollars) at its current price.
    function _unitsFor(uint256 i, uint256 usd) internal view returns (uint256) {
        (, int256 p,,,) = feeds[i].latestRoundData();
        return usd * 10 ** (tokens[i].decimals() + feeds[i].decimals()) / uint256(p);
    }

    /// @notice `user` deposits `amount` of asset i.
    function _fund(IBalancer b, address user, uint256 i, uint256 amount) internal returns (uint256 shares) {
        tokens[i].mint(user, amount);
        vm.startPrank(user);
        tokens[i].approve(address(b), amount);
        shares = b.fund(address(tokens[i]), amount);
        vm.stopPrank();
    }

    /// @notice `user` deposits `usd` dollars spread exactly at the targets: asset by asset while
    /// nobody else holds shares, else in kind (`_fundInKind`), as a second holder must (one asset at
    /// a time would push the portfolio past its bands: `DepositWouldDrift`).
    function _fundAtTargets(IBalancer b, address user, uint256 usd) internal {
        if (b.totalShares() > b.sharesOf(user) + b.DEAD_SHARES()) {
            _fundInKind(b, user, usd);
            return;
        }
        uint16[] memory t = b.targets();
        for (uint256 i; i < t.length; ++i) {
            _fund(b, user, i, _unitsFor(i, usd * t[i] / 10_000));
        }
    }

    /// @notice `user` deposits in kind the shares worth about `usd` dollars at the oracle (each asset
    /// minted to them first, at the amount the balancer asks); returns the shares.
    function _fundInKind(IBalancer b, address user, uint256 usd) internal returns (uint256 shares) {
        shares = usd * 1e18 * b.totalShares() / b.totalValue();
        uint256[] memory bal = b.balances();
        uint256 supply = b.totalShares();
        uint256[] memory max = new uint256[](bal.length);
        for (uint256 i; i < bal.length; ++i) {
            max[i] = (bal[i] * shares + supply - 1) / supply;
            tokens[i].mint(user, max[i]);
            vm.prank(user);
            tokens[i].approve(address(b), max[i]);
        }
        vm.prank(user);
        b.fundInKind(shares, max);
    }

    function _setPrice(uint256 i, int256 price) internal {
        feeds[i].updateAnswer(price);
    }

    /// @notice Moves time and re-posts every feed's answer (so nothing is stale).
    function _warp(uint256 secs) internal {
        vm.warp(block.timestamp + secs);
        for (uint256 i; i < feeds.length; ++i) {
            (, int256 p,,,) = feeds[i].latestRoundData();
            feeds[i].updateAnswer(p);
        }
    }

    /* ------------------------------------------------------------ AUTOMATION --- */

    /// @notice checkUpkeep as Chainlink simulates it (eth_call from address 0).
    function _check(IBalancer b) internal returns (bool needed, bytes memory data) {
        vm.prank(address(0), address(0));
        return AutomationCompatibleInterface(address(b)).checkUpkeep("");
    }

    /// @notice Checks, performs as the forwarder, and returns the published orders and hashes.
    function _checkAndPerform(IBalancer b)
        internal
        returns (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes)
    {
        (bool needed, bytes memory data) = _check(b);
        assertTrue(needed, "upkeep needed");
        return _perform(b, data);
    }

    function _perform(IBalancer b, bytes memory data)
        internal
        returns (ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes)
    {
        vm.recordLogs();
        vm.prank(forwarder);
        AutomationCompatibleInterface(address(b)).performUpkeep(data);
        orders = _published(vm.getRecordedLogs());
        hashes = new bytes32[](orders.length);
        for (uint256 i; i < orders.length; ++i) {
            hashes[i] = lop.hashOrder(orders[i]);
        }
    }

    /// @notice The orders of the last `OrdersPublished` in `logs`, rebuilt in full from the event.
    function _published(Vm.Log[] memory logs)
        internal
        view
        returns (ILimitOrderProtocol.Order[] memory orders)
    {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == IBalancer.OrdersPublished.selector) {
                (uint64 expiry,,,,, IBalancer.PublishedOrder[] memory po) = abi.decode(
                    logs[i].data, (uint64, uint8, uint32, uint32, uint32, IBalancer.PublishedOrder[])
                );
                orders = _orders(IBalancer(logs[i].emitter), expiry, po);
            }
        }
    }

    /// @notice The 1inch orders of published orders (`IBalancer.PublishedOrder`): the maker is the
    /// balancer, the assets are named by the salt's indices, the traits follow from the expiry.
    function _orders(IBalancer b, uint64 expiry, IBalancer.PublishedOrder[] memory po)
        internal
        view
        returns (ILimitOrderProtocol.Order[] memory orders)
    {
        IBalancer.Asset[] memory a = b.assets();
        orders = new ILimitOrderProtocol.Order[](po.length);
        for (uint256 k; k < po.length; ++k) {
            uint256 salt = po[k].salt;
            uint256 nonce = (salt >> 224) << 7 | (salt >> 160 & 0x7f);
            orders[k] = ILimitOrderProtocol.Order({
                salt: salt,
                maker: uint160(address(b)),
                receiver: 0,
                makerAsset: uint160(a[salt >> 167 & 0xf].token),
                takerAsset: uint160(a[salt >> 171 & 0xf].token),
                makingAmount: po[k].makingAmount,
                takingAmount: po[k].takingAmount,
                makerTraits: 1 << 252 | 1 << 249 | uint256(expiry) << 80 | nonce << 120
            });
        }
    }

    /// @notice The order's expiry (makerTraits bits 80..119): its auction's last second, at its floor.
    function _expiry(ILimitOrderProtocol.Order memory o) internal pure returns (uint256) {
        return o.makerTraits >> 80 & type(uint40).max;
    }

    /// @notice What a fill of `o` takes and pays now: the balancer's fillable part and its getter's price.
    function _quote(ILimitOrderProtocol.Order memory o)
        internal
        view
        returns (uint256 making, uint256 taking)
    {
        address b = address(uint160(o.maker));
        making = IBalancer(b).fillableAmount(o.makingAmount);
        taking = IAmountGetter(b).getTakingAmount(o, "", bytes32(0), taker, making, making, "");
    }

    /// @notice Fills `o` through `fillContractOrderArgs` with the balancer's extension, as `who`, for
    /// `making`, paying at most `maxTaking`.
    function _fillAs(
        address who,
        ILimitOrderProtocol.Order memory o,
        bytes32[] memory hashes,
        uint256 making,
        uint256 maxTaking
    ) internal returns (uint256, uint256) {
        bytes memory ext = IBalancer(address(uint160(o.maker))).extension();
        vm.prank(who);
        (uint256 m, uint256 t,) = lop.fillContractOrderArgs(
            o,
            abi.encode(hashes),
            making,
            MAKER_AMOUNT_FLAG | ext.length << ARGS_EXTENSION_LENGTH_OFFSET | maxTaking,
            ext
        );
        return (m, t);
    }

    /// @notice A taker fills `o` (its fillable part) at the current price.
    function _fill(ILimitOrderProtocol.Order memory o, bytes32[] memory hashes)
        internal
        returns (uint256 making, uint256 taking)
    {
        (uint256 m, uint256 t) = _quote(o);
        TestERC20 buy = TestERC20(address(uint160(o.takerAsset)));
        buy.mint(taker, t);
        vm.prank(taker);
        buy.approve(address(lop), t);
        (making, taking) = _fillAs(taker, o, hashes, m, t);
    }

    /// @notice A taker tries to fill `o` (its whole making amount, paying what the getter asks, or the
    /// order's floor when the getter reverts) and the protocol reverts with exactly `err`.
    function _expectFillReverts(ILimitOrderProtocol.Order memory o, bytes32[] memory hashes, bytes memory err)
        internal
    {
        TestERC20 buy = TestERC20(address(uint160(o.takerAsset)));
        uint256 pay = o.takingAmount * 2;
        buy.mint(taker, pay);
        vm.prank(taker);
        buy.approve(address(lop), pay);
        bytes memory ext = IBalancer(address(uint160(o.maker))).extension();
        vm.expectRevert(err);
        vm.prank(taker);
        lop.fillContractOrderArgs(
            o,
            abi.encode(hashes),
            o.makingAmount,
            MAKER_AMOUNT_FLAG | ext.length << ARGS_EXTENSION_LENGTH_OFFSET | pay,
            ext
        );
    }

    function _fillAll(ILimitOrderProtocol.Order[] memory orders, bytes32[] memory hashes) internal {
        for (uint256 i; i < orders.length; ++i) {
            _fill(orders[i], hashes);
        }
    }

    /* ---------------------------------------------------------------- DRIFT --- */

    /// @notice Reference global drift (bps, rounded down) of the balancer's tracked portfolio,
    /// computed independently of the contract's library.
    function _maxGlobalDriftBps(IBalancer b, uint256 stableMask) internal view returns (uint256 maxBps) {
        (uint256[] memory v, uint256 total) = _values(b);
        uint16[] memory t = b.targets();
        uint256 sv;
        uint256 st;
        for (uint256 i; i < v.length; ++i) {
            if (stableMask >> i & 1 == 1) {
                sv += v[i];
                st += t[i];
            } else {
                maxBps = _max(maxBps, _absDiff(v[i] * 10_000, t[i] * total) / total);
            }
        }
        if (st > 0) maxBps = _max(maxBps, _absDiff(sv * 10_000, st * total) / total);
    }

    function _values(IBalancer b) internal view returns (uint256[] memory v, uint256 total) {
        uint256[] memory bal = b.balances();
        v = new uint256[](bal.length);
        for (uint256 i; i < bal.length; ++i) {
            (, int256 p,,,) = feeds[i].latestRoundData();
            v[i] = bal[i] * uint256(p) * 1e18 / 10 ** (tokens[i].decimals() + feeds[i].decimals());
            total += v[i];
        }
    }

    function _absDiff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }
}
