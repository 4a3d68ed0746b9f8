// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title GasBurnerUpkeep
/// @notice An Automation target that always needs work and spends a chosen amount of gas per perform:
/// `rounds` keccak rounds, then one storage write. Its performData (`burnData` bytes of zeros by
/// default) only sizes the report: the L1 fee of an OP-stack transmit is split by performData length.
/// @dev AutomationCompatibleInterface's ABI, declared without importing that Chainlink file (it is also
/// compiled at 0.8.19 for the registry; see AutomationStack's header).
contract GasBurnerUpkeep {
    /// @notice Keccak rounds per perform (about 70 gas each).
    uint256 public immutable rounds;
    /// @notice performData length checkUpkeep returns.
    uint256 public immutable burnDataLength;
    /// @notice Performs so far.
    uint256 public count;
    /// @notice The last perform's hash chain result (written, so the work cannot be skipped).
    bytes32 public last;

    constructor(uint256 rounds_, uint256 burnDataLength_) {
        rounds = rounds_;
        burnDataLength = burnDataLength_;
    }

    /// @notice Always needed; performData is `burnDataLength` zero bytes.
    function checkUpkeep(bytes calldata) external view returns (bool, bytes memory) {
        return (true, new bytes(burnDataLength));
    }

    /// @notice Burns `rounds` keccak rounds seeded by performData, stores the result, counts.
    function performUpkeep(bytes calldata performData) external {
        bytes32 h = keccak256(performData);
        uint256 n = rounds;
        // In scratch space: a round costs the same whatever the count (no memory growth).
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                mstore(0x00, h)
                mstore(0x20, i)
                h := keccak256(0x00, 0x40)
            }
        }
        last = h;
        ++count;
    }
}
