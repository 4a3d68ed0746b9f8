// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {IUpkeepManager} from "../interfaces/IUpkeepManager.sol";
import {CloneArgs} from "../libraries/CloneArgs.sol";
import {PerformData} from "../libraries/PerformData.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title The upkeep manager's storage, fleet and configuration: members and their feed table,
/// roles, the bounds-checked config and the views over them. `UpkeepManager` adds the check, the
/// perform and the CRE receiver on top.
abstract contract ManagerFleet is IUpkeepManager {
    using CloneArgs for CloneArgs.Config;

    uint256 public constant MAX_FLEET = 255;
    uint256 public constant MAX_FEEDS = 255;
    /// @dev 4 + 220 x 9 = 1,984 bytes: under the registry's 2,000-byte performData limit.
    uint256 public constant MAX_PER_ROUND = 220;
    /// @notice The manager's own gas per balancer (loop, member read, feed words, call), added to the
    /// balancer's learnt estimate when the check packs a round (measured: `manager overhead per balancer`).
    uint256 public constant MEMBER_GAS = 28_000;
    /// @notice A member's perform that runs out of gas with less than this (and less than twice its
    /// learnt estimate) was starved by the round: it is deferred, not failed.
    uint256 public constant STARVED_BELOW = 500_000;
    /// @notice The most gas one member's perform is given. A balancer's largest perform (sixteen
    /// assets, both paths, a full grid) stays far below; a member that burns more fails, and the
    /// members after it in the round still get their gas.
    uint256 public constant MEMBER_PERFORM_GAS = 2_500_000;
    /// @dev Gas a feed read may use.
    uint256 internal constant FEED_READ_GAS = 200_000;
    /// @dev Revert data kept per failed balancer (an error selector and a few arguments).
    uint256 internal constant MAX_REASON = 260;
    uint256 internal constant ENTRY = 9;
    uint256 internal constant HEAD = 4;
    uint256 internal constant DEFERRED = 0;
    uint256 internal constant PERFORMED = 1;
    uint256 internal constant FAILED = 2;
    uint256 internal constant AT_STARTED = 0x40;
    uint256 internal constant AT_UPDATED = 0x60;

    /// @dev Everything a round reads before its members, in one slot.
    struct Slot0 {
        Config config;
        uint32 fleetEpoch;
        uint16 cursor;
    }

    Slot0 internal _slot0;
    Member[] internal _members;
    address[] internal _feeds;
    /// @dev Feed table index + 1, and bit 8 set for sequencer-uptime feeds.
    mapping(address feed => uint256) internal _feedSlot;
    /// @dev Fleet index + 1.
    mapping(address balancer => uint256) internal _memberSlot;

    address public owner;
    address public pendingOwner;
    address public forwarder;
    address public keystoneForwarder;
    address public workflowOwner;
    mapping(address keeper => bool) public isFallbackKeeper;

    modifier onlyOwner() {
        if (msg.sender != owner) revert Unauthorized(msg.sender);
        _;
    }

    constructor(address owner_, Config memory config_) {
        owner = owner_;
        _setConfig(config_);
        emit OwnershipTransferred(address(0), owner_);
    }

    /* ---------------------------------------------------------------- FLEET --- */

    /// @notice Adds a balancer (a clone from the balancer factory: its feeds are read from its
    /// immutable arguments, so the prices handed on are always of its own feeds).
    function addBalancer(address balancer) external onlyOwner {
        if (_memberSlot[balancer] != 0) revert AlreadyMember(balancer);
        uint256 k = _members.length;
        if (k == MAX_FLEET) revert FleetFull(MAX_FLEET);
        bytes memory args = balancer.code.length == 0 ? new bytes(0) : Clones.fetchCloneArgs(balancer);
        if (args.length < CloneArgs.HEADER) revert NotABalancer(balancer);
        CloneArgs.Config memory c = CloneArgs.decode(args);
        if (
            c.n == 0 || c.n > CloneArgs.MAX_ASSETS
                || args.length != CloneArgs.HEADER + c.n * CloneArgs.PER_ASSET
        ) {
            revert NotABalancer(balancer);
        }
        Member memory m = Member({
            balancer: balancer,
            n: uint8(c.n),
            sequencerFeed: 0,
            stableMask: uint16(c.stableMask),
            feedIds: 0,
            failedBlock: 0,
            failedEpoch: 0
        });
        for (uint256 i; i < c.n; ++i) {
            m.feedIds |= uint128(_feedId(c.feed(i), false) << (8 * i));
        }
        if (c.sequencerFeed != address(0)) m.sequencerFeed = uint8(_feedId(c.sequencerFeed, true) + 1);
        _members.push(m);
        _memberSlot[balancer] = k + 1;
        uint32 epoch = ++_slot0.fleetEpoch;
        emit BalancerAdded(balancer, k, epoch);
    }

    /// @notice Removes a balancer (the last member takes its index).
    function removeBalancer(address balancer) external onlyOwner {
        uint256 slot = _memberSlot[balancer];
        if (slot == 0) revert NotMember(balancer);
        uint256 last = _members.length - 1;
        if (slot - 1 != last) {
            Member memory moved = _members[last];
            _members[slot - 1] = moved;
            _memberSlot[moved.balancer] = slot;
        }
        _members.pop();
        delete _memberSlot[balancer];
        Slot0 storage s0 = _slot0;
        uint32 epoch = ++s0.fleetEpoch;
        if (s0.cursor >= last) s0.cursor = 0;
        emit BalancerRemoved(balancer, epoch);
    }

    /* ---------------------------------------------------------------- ADMIN --- */

    function setConfig(Config calldata config_) external onlyOwner {
        _setConfig(config_);
    }

    function setForwarder(address forwarder_) external onlyOwner {
        forwarder = forwarder_;
        emit ForwarderUpdated(forwarder_);
    }

    function setFallbackKeeper(address keeper, bool allowed) external onlyOwner {
        isFallbackKeeper[keeper] = allowed;
        emit FallbackKeeperUpdated(keeper, allowed);
    }

    /// @notice The KeystoneForwarder that may deliver CRE reports (0: none), and the workflow owner
    /// whose reports are accepted (0: any workflow the forwarder delivers).
    function setKeystone(address keystoneForwarder_, address workflowOwner_) external onlyOwner {
        keystoneForwarder = keystoneForwarder_;
        workflowOwner = workflowOwner_;
        emit KeystoneUpdated(keystoneForwarder_, workflowOwner_);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert Unauthorized(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        pendingOwner = address(0);
    }

    /* ---------------------------------------------------------------- VIEWS --- */

    function config() external view returns (Config memory) {
        return _slot0.config;
    }

    function fleetEpoch() external view returns (uint32) {
        return _slot0.fleetEpoch;
    }

    function cursor() external view returns (uint16) {
        return _slot0.cursor;
    }

    function fleetSize() external view returns (uint256) {
        return _members.length;
    }

    function member(uint256 index) external view returns (Member memory) {
        return _members[index];
    }

    /// @notice A balancer's fleet index; reverts `NotMember` for others.
    function indexOf(address balancer) external view returns (uint256) {
        uint256 slot = _memberSlot[balancer];
        if (slot == 0) revert NotMember(balancer);
        return slot - 1;
    }

    function feeds() external view returns (address[] memory) {
        return _feeds;
    }

    /// @dev The balancer's learnt gas for `paths` (the average of its performs' gasUsed, 32-gas units).
    function _estimate(IBalancer b, uint8 paths) internal view returns (uint256 gas) {
        IBalancer.State memory st = b.state();
        if (paths & PerformData.PATH_STABLE != 0) gas += uint256(st.stableGas32) * 32;
        if (paths & PerformData.PATH_GLOBAL != 0) gas += uint256(st.globalGas32) * 32;
    }

    /// @dev The feed table index of `feed`, added on first use. A feed is either a price feed or a
    /// sequencer-uptime feed (their words pack different timestamps), never both.
    function _feedId(address feed, bool sequencer) internal returns (uint256) {
        uint256 slot = _feedSlot[feed];
        uint256 kind = sequencer ? 1 << 8 : 0;
        if (slot != 0) {
            if (slot & (1 << 8) != kind) revert FeedKindConflict(feed);
            return (slot & 0xff) - 1;
        }
        uint256 id = _feeds.length;
        if (id == MAX_FEEDS) revert FeedTableFull(MAX_FEEDS);
        _feeds.push(feed);
        _feedSlot[feed] = (id + 1) | kind;
        return id;
    }

    function _setConfig(Config memory c) internal {
        _bound(0, c.performGasReserve, 10_000, 2_000_000);
        _bound(1, c.checkGasReserve, 20_000, 5_000_000);
        _bound(2, c.roundGasBudget, 100_000, 30_000_000);
        _bound(3, c.maxPerRound, 1, MAX_PER_ROUND);
        _bound(4, c.memberCheckGas, 50_000, 5_000_000);
        _bound(5, c.failureBackoff, 1, type(uint16).max);
        _slot0.config = c;
        emit ConfigUpdated(c);
    }

    function _bound(uint8 code, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert InvalidConfig(code, value);
    }
}
