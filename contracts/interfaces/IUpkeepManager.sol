// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title A CRE (Chainlink Runtime Environment) report receiver, as the `KeystoneForwarder` calls it.
/// @notice ABI-identical to Chainlink's `keystone/interfaces/IReceiver.sol`: its ERC-165 id is the
/// `onReport` selector, which the forwarder checks before delivering.
interface IReceiver {
    /// @notice Handles a report the forwarder verified (f+1 DON signatures, first delivery).
    /// @param metadata workflowCid (32) | workflowName (10) | workflowOwner (20) | reportName (2).
    /// @param report The workflow's payload.
    function onReport(bytes calldata metadata, bytes calldata report) external;
}

/// @title One Chainlink upkeep (or CRE workflow) for a whole fleet of balancers.
/// @notice The check scans the fleet — each member's check under a gas cap, first from the cursor
/// (round-robin), then from a start that rotates with the block number over the members the first
/// part did not reach — packs the balancers that need a rebalance, leaves out members backed off
/// after a failed perform, and simulates the round, reporting only members whose performs go
/// through (never a round that would perform nothing). The perform re-validates each through the
/// balancer itself, reads every price feed the round needs at most once and hands the reads on,
/// isolates each balancer's failure (and backs it off), and stops starting balancers when
/// `gasleft()` falls below the configured reserve.
///
/// performData (and a CRE report's payload): `fleetEpoch` (uint32) | entries of 9 bytes, each the
/// balancer's fleet index (uint8) and its own 8-byte performData (asset bitmap, paths, epoch).
interface IUpkeepManager {
    /* ---------------------------------------------------------------- TYPES --- */

    struct Config {
        uint32 performGasReserve; // the perform starts no balancer when gasleft() is below this
        uint32 checkGasReserve; // the check stops scanning when gasleft() is below this
        uint32 roundGasBudget; // the check packs balancers while their gas estimates fit in this
        uint8 maxPerRound; // and at most this many (performData stays under 2,000 bytes)
        uint32 memberCheckGas; // each member's check runs with at most this much gas
        uint16 failureBackoff; // blocks a member whose perform failed sits out (unless its epoch moves)
    }

    /// @notice A fleet member: the balancer, its asset count and stable mask, and the manager's feed
    /// table index of each asset's feed (8 bits each, asset 0 lowest) and of its sequencer feed + 1
    /// (0: none); the block and the balancer epoch of its last failed perform (0: none since its last
    /// success).
    struct Member {
        address balancer;
        uint8 n;
        uint8 sequencerFeed;
        uint16 stableMask;
        uint128 feedIds;
        uint32 failedBlock;
        uint32 failedEpoch;
    }

    /* --------------------------------------------------------------- ERRORS --- */

    error Unauthorized(address caller);
    error UnauthorizedPerformer(address caller);
    error UnauthorizedWorkflow(address workflowOwner);
    /// @notice CRE reports are refused until the owner names the workflow owner (`setKeystone`).
    error WorkflowOwnerNotSet();
    error InvalidPerformData(uint256 length);
    error UnknownMember(uint256 index, uint256 fleetSize);
    error StaleFleet(uint32 given, uint32 current);
    error FleetFull(uint256 max);
    error FeedTableFull(uint256 max);
    error AlreadyMember(address balancer);
    error NotMember(address balancer);
    error NotABalancer(address balancer);
    /// @notice `feed` is a price feed of one member and the sequencer-uptime feed of another.
    error FeedKindConflict(address feed);
    error InvalidConfig(uint8 code, uint256 value);
    /// @notice Recorded (never thrown) for a balancer skipped because one of its feeds could not be read.
    error FeedReadFailed(address feed);
    /// @notice Always thrown by `simulateRound`: bit e set if the round's entry e was performed.
    error RoundSimulated(uint256 performedMask);

    /* --------------------------------------------------------------- EVENTS --- */

    event BalancerAdded(address indexed balancer, uint256 index, uint32 fleetEpoch);
    event BalancerRemoved(address indexed balancer, uint32 fleetEpoch);
    /// @notice A balancer's perform reverted (or was not attempted): its error, as returned. The check
    /// leaves it out until block `retryBlock` unless its epoch moves first.
    event BalancerFailed(address indexed balancer, bytes reason, uint256 retryBlock);
    /// @notice One round: balancers performed, failed, and left for the next round; where the next
    /// check starts.
    event RoundPerformed(uint256 performed, uint256 failed, uint256 deferred, uint256 nextCursor);
    event ConfigUpdated(Config config);
    event ForwarderUpdated(address forwarder);
    event FallbackKeeperUpdated(address indexed keeper, bool allowed);
    event KeystoneUpdated(address keystoneForwarder, address workflowOwner);
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /* ------------------------------------------------------------ FUNCTIONS --- */

    function addBalancer(address balancer) external;
    function removeBalancer(address balancer) external;
    /// @notice Performs `performData` and reverts `RoundSimulated` with what it performed: the check
    /// runs it to report only members whose performs go through. Never changes state.
    function simulateRound(bytes calldata performData) external;
    function setConfig(Config calldata config) external;
    function setForwarder(address forwarder) external;
    function setFallbackKeeper(address keeper, bool allowed) external;
    function setKeystone(address keystoneForwarder, address workflowOwner) external;
    function transferOwnership(address newOwner) external;
    function acceptOwnership() external;

    function owner() external view returns (address);
    function pendingOwner() external view returns (address);
    function forwarder() external view returns (address);
    function keystoneForwarder() external view returns (address);
    function workflowOwner() external view returns (address);
    function isFallbackKeeper(address keeper) external view returns (bool);
    function config() external view returns (Config memory);
    function fleetEpoch() external view returns (uint32);
    function cursor() external view returns (uint16);
    function fleetSize() external view returns (uint256);
    function member(uint256 index) external view returns (Member memory);
    function indexOf(address balancer) external view returns (uint256);
    function feeds() external view returns (address[] memory);
}
