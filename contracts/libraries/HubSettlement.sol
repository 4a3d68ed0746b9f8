// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IHubDepository} from "../interfaces/IHubDepository.sol";

/// @title The hub depository's pure rules: request commitments, the EIP-712 settlement hash, and
/// how a diff changes an account.
/// @notice An account (hub, user, token) is one word: `collateral` (bits 0..127) and the hub's
/// share of it, `hubShare` (bits 128..255); the user's share is `collateral - hubShare`. A diff
/// first moves `shareDelta` from the user's side to the hub's (`0 <= hubShare <= collateral`
/// after it), then pays `pull` out of the puller's share (never more than it) to the puller's
/// reserve. The collateral only shrinks by what the reserve gains: value is conserved.
library HubSettlement {
    bytes32 internal constant DIFF_TYPEHASH = keccak256("Diff(address token,int256 shareDelta,uint256 pull)");
    bytes32 internal constant SETTLEMENT_TYPEHASH = keccak256(
        "Settlement(address hub,address user,address puller,uint256 nonce,Diff[] diffs)Diff(address token,int256 shareDelta,uint256 pull)"
    );
    uint256 internal constant LOW128 = type(uint128).max;

    /// @notice What a request's id stores: its fields hashed (one slot; the hub passes them back).
    function commitment(
        address user,
        address hub,
        address token,
        uint256 amount,
        uint256 maxFee,
        uint64 deadline
    ) internal pure returns (bytes32 c) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, user)
            mstore(add(m, 0x20), hub)
            mstore(add(m, 0x40), token)
            mstore(add(m, 0x60), amount)
            mstore(add(m, 0x80), maxFee)
            mstore(add(m, 0xa0), deadline)
            c := keccak256(m, 0xc0) // keccak256(abi.encode(user, hub, token, amount, maxFee, deadline))
        }
    }

    /// @notice The EIP-712 struct hash of a settlement (the digest adds the depository's domain).
    function structHash(
        address hub,
        address user,
        address puller,
        uint256 nonce,
        IHubDepository.Diff[] calldata diffs
    ) internal pure returns (bytes32) {
        bytes32[] memory h = new bytes32[](diffs.length);
        for (uint256 i; i < diffs.length; ++i) {
            h[i] = keccak256(abi.encode(DIFF_TYPEHASH, diffs[i].token, diffs[i].shareDelta, diffs[i].pull));
        }
        return
            keccak256(
                abi.encode(SETTLEMENT_TYPEHASH, hub, user, puller, nonce, keccak256(abi.encodePacked(h)))
            );
    }

    /// @notice The collateral and the hub's share of an account word.
    function unpack(uint256 account) internal pure returns (uint256 collateral, uint256 hubShare) {
        return (account & LOW128, account >> 128);
    }

    /// @notice An account word (both parts must fit 128 bits: callers check).
    function pack(uint256 collateral, uint256 hubShare) internal pure returns (uint256) {
        return collateral | hubShare << 128;
    }

    /// @notice Applies one diff to an account word: the share moves, then `pull` leaves the puller's
    /// share (the hub's when `hubPulls`, else the user's). `ok` is false, and the word unchanged,
    /// when a share would leave [0, collateral] or the pull exceed the puller's share (`share`, the
    /// puller's share after the move, is returned for the error).
    function apply_(uint256 account, int256 shareDelta, uint256 pull, bool hubPulls)
        internal
        pure
        returns (uint256 out, bool ok, uint256 share)
    {
        (uint256 collateral, uint256 hubShare) = unpack(account);
        // a share is at most 2^128 - 1: a larger move can only fail (and must not overflow)
        if (shareDelta > int256(LOW128) || shareDelta < -int256(LOW128)) return (account, false, 0);
        int256 moved = int256(hubShare) + shareDelta;
        if (moved < 0 || uint256(moved) > collateral) return (account, false, 0);
        hubShare = uint256(moved);
        share = hubPulls ? hubShare : collateral - hubShare;
        if (pull > share) return (account, false, share);
        collateral -= pull;
        if (hubPulls) hubShare -= pull;
        return (pack(collateral, hubShare), true, share);
    }
}
