// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../../contracts/interfaces/IBalancer.sol";
import {IBalancerFactory} from "../../contracts/interfaces/IBalancerFactory.sol";
import {BalancerFixture} from "../utils/BalancerFixture.sol";

/// @title Roles and bounds-checked configuration.
contract BalancerAdminTest is BalancerFixture {
    IBalancer internal b;
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        b = _demo(IBalancerFactory.Kind.Drift);
    }

    function test_initialState() public view {
        assertEq(b.owner(), address(this));
        assertEq(b.controller(), controllerAddr);
        assertEq(b.forwarder(), forwarder);
        assertEq(b.targets().length, 4);
        assertEq(b.params().driftBps, 200);
        (address protocol, bytes32 domain) = b.protocol();
        assertEq(protocol, address(lop));
        assertEq(domain, lop.DOMAIN_SEPARATOR(), "the configured domain is the protocol's");
        IBalancer.Asset[] memory a = b.assets();
        assertEq(a[1].token, address(tokens[1]));
        assertEq(a[1].tokenDecimals, 18);
        assertTrue(a[1].stable && !a[2].stable);
        assertEq(a[2].heartbeat, HEARTBEAT);
    }

    function test_RevertWhen_initializedTwice() public {
        vm.expectRevert(IBalancer.AlreadyInitialized.selector);
        b.initialize(_init(_targets4()));
    }

    function test_ownership_isTwoStep() public {
        b.transferOwnership(stranger);
        assertEq(b.owner(), address(this), "not before acceptance");
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, address(this)));
        b.acceptOwnership();
        vm.prank(stranger);
        b.acceptOwnership();
        assertEq(b.owner(), stranger);
        assertEq(b.pendingOwner(), address(0));
    }

    function test_RevertWhen_strangerConfigures() public {
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, stranger));
        b.setParams(_defaultParams());
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, stranger));
        b.setForwarder(stranger);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, stranger));
        b.setFallbackKeeper(stranger, true);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, stranger));
        b.setBands(300, 250, 100, 50);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, stranger));
        b.setPaused(true);
        vm.stopPrank();
    }

    function test_controller_movesBandsOnlyInsideLimits() public {
        vm.prank(controllerAddr);
        vm.expectEmit(address(b));
        IBalancer.Params memory p = _defaultParams();
        (p.driftBps, p.clearBps) = (300, 260);
        emit IBalancer.ParamsUpdated(p);
        b.setBands(300, 260, 100, 50);
        assertEq(b.params().driftBps, 300);
        vm.prank(controllerAddr);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.OutsideLimits.selector, 600, 100, 500));
        b.setBands(600, 500, 100, 50);
        vm.prank(controllerAddr);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.OutsideLimits.selector, 40, 50, 300));
        b.setBands(300, 260, 40, 20);
        b.setBands(600, 500, 100, 50); // the owner is not bound by the controller's limits
        assertEq(b.params().driftBps, 600);
    }

    function test_RevertWhen_clearBandNotBelowTrigger() public {
        vm.prank(controllerAddr);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 1, 300));
        b.setBands(300, 300, 100, 50);
    }

    function test_RevertWhen_paramsOutOfBounds() public {
        IBalancer.Params memory p = _defaultParams();
        p.maxSlippageBps = 501;
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 5, 501));
        b.setParams(p);
        p = _defaultParams();
        p.gridLevels = 9;
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 6, 9));
        b.setParams(p);
        p = _defaultParams();
        p.orderTtl = 59;
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 10, 59));
        b.setParams(p);
        p = _defaultParams();
        p.driftBps = 0;
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 0, 0));
        b.setParams(p);
    }

    function test_targets_mustSumTo10000AndMatchTheAssets() public {
        uint16[] memory t = _targets4();
        t[3] = 2999;
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidTargets.selector, 4, 9999));
        b.setTargets(t);
        uint16[] memory three = new uint16[](3);
        (three[0], three[1], three[2]) = (5000, 2500, 2500);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidTargets.selector, 3, 10_000));
        b.setTargets(three);
        t[3] = 3000;
        (t[0], t[1]) = (1000, 3000);
        vm.expectEmit(address(b));
        emit IBalancer.TargetsUpdated(t);
        b.setTargets(t);
        assertEq(b.targets()[1], 3000);
    }

    function test_setters_emit() public {
        vm.expectEmit(address(b));
        emit IBalancer.ForwarderUpdated(stranger);
        b.setForwarder(stranger);
        vm.expectEmit(address(b));
        emit IBalancer.FallbackKeeperUpdated(stranger, true);
        b.setFallbackKeeper(stranger, true);
        assertTrue(b.isFallbackKeeper(stranger));
        vm.expectEmit(address(b));
        emit IBalancer.DustUpdated(1e8, 30_000);
        b.setDust(1e8, 30_000);
        vm.expectEmit(address(b));
        emit IBalancer.ControllerUpdated(stranger);
        b.setController(stranger);
    }

    function test_factory_rejectsBadAssets() public {
        IBalancer.Asset[] memory a = _assets(0x3);
        a[2].tokenDecimals = 19;
        vm.expectRevert(abi.encodeWithSelector(IBalancerFactory.InvalidAsset.selector, 2));
        _createRaw(a);
        a = _assets(0x3);
        a[3].token = a[0].token;
        vm.expectRevert(abi.encodeWithSelector(IBalancerFactory.InvalidAsset.selector, 3));
        _createRaw(a);
        a = _assets(0x3);
        a[1].heartbeat = 0;
        vm.expectRevert(abi.encodeWithSelector(IBalancerFactory.InvalidAsset.selector, 1));
        _createRaw(a);
        vm.expectRevert(abi.encodeWithSelector(IBalancerFactory.InvalidAssetCount.selector, 0));
        _createRaw(new IBalancer.Asset[](0));
    }

    function test_RevertWhen_timeIntervalOutOfBounds() public {
        IBalancer.InitParams memory ip = _init(_targets4());
        ip.interval = 59 minutes;
        ip.dustFloorBps = 10;
        IBalancer.Asset[] memory a = _assets(0x3);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 15, 59 minutes));
        factory.create(
            IBalancerFactory.Kind.Time, a, IBalancerFactory.Protocol(address(lop), "", ""), address(0), 0, ip
        );
    }

    /// @notice Finding 7 (EIP-712 domain from configuration): a wrong version used to yield a
    /// balancer whose orders could never fill but that kept asking for performs. The domain is now
    /// the protocol's own, and a configured name/version that disagrees is refused.
    function test_attack_wrongProtocolVersion_isRefusedAtCreation() public {
        bytes32 configured = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("1inch Limit Order Protocol"),
                keccak256("5"),
                block.chainid,
                address(lop)
            )
        );
        IBalancer.Asset[] memory a = _assets(0x3);
        vm.expectRevert(
            abi.encodeWithSelector(
                IBalancerFactory.ProtocolDomainMismatch.selector, configured, lop.DOMAIN_SEPARATOR()
            )
        );
        factory.create(
            IBalancerFactory.Kind.Drift,
            a,
            IBalancerFactory.Protocol(address(lop), "1inch Limit Order Protocol", "5"),
            address(0),
            0,
            _init(_targets4())
        );
    }

    function test_domain_isReadFromTheProtocol() public {
        IBalancer c = IBalancer(
            factory.create(
                IBalancerFactory.Kind.Drift,
                _assets(0x3),
                IBalancerFactory.Protocol(address(lop), "", ""),
                address(0),
                0,
                _init(_targets4())
            )
        );
        (address p, bytes32 domain) = c.protocol();
        assertEq(p, address(lop));
        assertEq(domain, lop.DOMAIN_SEPARATOR());
    }

    function test_RevertWhen_theProtocolHasNoDomain() public {
        address notAProtocol = makeAddr("not-a-protocol");
        IBalancer.Asset[] memory a = _assets(0x3);
        vm.expectRevert(IBalancerFactory.InvalidProtocol.selector);
        factory.create(
            IBalancerFactory.Kind.Drift,
            a,
            IBalancerFactory.Protocol(notAProtocol, "", ""),
            address(0),
            0,
            _init(_targets4())
        );
    }

    function _createRaw(IBalancer.Asset[] memory a) internal {
        factory.create(
            IBalancerFactory.Kind.Drift,
            a,
            IBalancerFactory.Protocol(address(lop), "1inch Limit Order Protocol", "4"),
            address(0),
            0,
            _init(_targets4())
        );
    }

    function test_bandLimits_boundTheController() public {
        IBalancer.BandLimits memory l = IBalancer.BandLimits({
            minDriftBps: 150, maxDriftBps: 250, minStableDriftBps: 60, maxStableDriftBps: 90
        });
        vm.expectEmit(address(b));
        emit IBalancer.BandLimitsUpdated(l);
        b.setBandLimits(l);
        vm.prank(controllerAddr);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.OutsideLimits.selector, 300, 150, 250));
        b.setBands(300, 200, 80, 40);
        l.maxDriftBps = 100; // max below min
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 11, 150));
        b.setBandLimits(l);
    }

    function test_pause_emitsAndStopsChecks() public {
        IBalancer.Params memory p = _defaultParams();
        p.paused = true;
        vm.expectEmit(address(b));
        emit IBalancer.ParamsUpdated(p);
        b.setPaused(true);
        assertTrue(b.params().paused);
        b.setPaused(false);
        assertFalse(b.params().paused);
    }

    function test_timeBalancer_calendarIsOwnerSetAndBounded() public {
        delete tokens;
        delete feeds;
        IBalancer t = _demo(IBalancerFactory.Kind.Time);
        assertEq(t.interval(), 1 days);
        vm.expectEmit(address(t));
        emit IBalancer.CalendarUpdated(7 days, 20);
        ITimeBalancer(address(t)).setCalendar(7 days, 20);
        assertEq(t.interval(), 7 days);
        assertEq(t.dustFloorBps(), 20);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.InvalidParam.selector, 16, 176));
        ITimeBalancer(address(t)).setCalendar(7 days, 176); // the dust floor must stay under the clear band
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IBalancer.Unauthorized.selector, stranger));
        ITimeBalancer(address(t)).setCalendar(1 days, 10);
        assertEq(b.interval(), 0, "a DriftBalancer has no calendar");
    }
}

/// @notice TimeBalancer's own setter.
interface ITimeBalancer {
    function setCalendar(uint32 interval, uint16 dustFloorBps) external;
}
