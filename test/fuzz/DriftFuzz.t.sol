// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Drift} from "../../contracts/libraries/Drift.sol";
import {PerformData} from "../../contracts/libraries/PerformData.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Exposes the library so reverts and calldata decoding can be exercised.
contract DriftHarness {
    function decode(bytes calldata data) external pure returns (uint16, uint8, uint32) {
        return PerformData.decode(data);
    }
}

/// @title Valuation and drift maths against a simple reference, across token decimals 0–18 and feed
/// decimals 6–18 (differential fuzzing).
contract DriftFuzzTest is Test {
    DriftHarness internal h = new DriftHarness();

    /// @dev Reference: value = floor(amount x price x 1e18 / 10^(tokenDecimals + feedDecimals)),
    /// computed with a 512-bit-free path that is valid because the bounds keep it under 2^256.
    function _refValue(uint256 amount, uint256 price, uint256 dec, uint256 feedDec)
        internal
        pure
        returns (uint256)
    {
        return amount * price * 1e18 / 10 ** (dec + feedDec);
    }

    function testFuzz_value_matchesReference(uint256 amount, uint256 price, uint8 dec, uint8 feedDec)
        public
        pure
    {
        dec = uint8(bound(dec, 0, 18));
        feedDec = uint8(bound(feedDec, 6, 18));
        amount = bound(amount, 0, 1e30); // up to 1e12 whole 18-decimal tokens
        price = bound(price, 1, 1e24); // up to $1e6 at 18 feed decimals
        assertEq(Drift.value(amount, price, uint256(dec) + feedDec), _refValue(amount, price, dec, feedDec));
    }

    function testFuzz_units_inverseRoundsDown(uint256 usd, uint256 price, uint8 dec, uint8 feedDec)
        public
        pure
    {
        dec = uint8(bound(dec, 0, 18));
        feedDec = uint8(bound(feedDec, 6, 18));
        usd = bound(usd, 0, 1e30);
        price = bound(price, 1, 1e24);
        uint256 d = uint256(dec) + feedDec;
        uint256 u = Drift.units(usd, price, d);
        assertLe(Drift.value(u, price, d), usd, "never more value than asked");
        assertGt(Drift.value(u + 1, price, d) + 1, usd, "the largest such amount (up to value rounding)");
    }

    function testFuzz_globalDrift_matchesReference(uint256 seed, uint8 n, uint16 stableMask) public pure {
        n = uint8(bound(n, 1, 16));
        (uint256[] memory v, uint16[] memory t) = _portfolio(seed, n);
        stableMask = uint16(stableMask & ((1 << n) - 1));
        uint256 total;
        for (uint256 i; i < n; ++i) {
            total += v[i];
        }
        vm.assume(total > 0);
        Drift.Measure memory m = Drift.globalMeasure(v, t, stableMask, total);
        // reference: unit weights as exact fractions, compared by cross-multiplication
        uint256 refMax;
        uint256 sv;
        uint256 st;
        for (uint256 i; i < n; ++i) {
            if (stableMask >> i & 1 == 1) {
                sv += v[i];
                st += t[i];
            } else {
                refMax = _max(refMax, _diff(v[i] * 10_000, uint256(t[i]) * total));
            }
        }
        if (stableMask != 0) refMax = _max(refMax, _diff(sv * 10_000, st * total));
        assertEq(m.maxN, refMax);
        assertEq(Drift.maxBps(m), refMax / total);
        // the trigger is strict: exactly at the band does not trigger
        uint256 bandAtMax = refMax / total;
        assertEq(Drift.exceeds(m, bandAtMax), refMax > bandAtMax * total);
        if (refMax % total == 0) assertFalse(Drift.exceeds(m, bandAtMax));
    }

    function testFuzz_globalDeltas_reachTheAimAndConserveValue(uint256 seed, uint8 n, uint16 clear)
        public
        pure
    {
        n = uint8(bound(n, 2, 16));
        (uint256[] memory v, uint16[] memory t) = _portfolio(seed, n);
        uint256 total;
        for (uint256 i; i < n; ++i) {
            total += v[i];
        }
        vm.assume(total > 1e18);
        Drift.Measure memory m = Drift.globalMeasure(v, t, 0, total);
        clear = uint16(bound(clear, 1, 5000));
        vm.assume(Drift.exceeds(m, clear));
        uint256 aim = Drift.aimBps(m, clear, 30);
        (uint256 num, uint256 den) = Drift.lambda(m, aim);
        int256[] memory d = new int256[](n);
        Drift.addGlobalDeltas(d, v, t, 0, total, num, den);
        int256 sum;
        uint256 after_;
        for (uint256 i; i < n; ++i) {
            sum += d[i];
            uint256 nv = uint256(int256(v[i]) + d[i]);
            after_ = _max(after_, _diff(nv * 10_000, uint256(t[i]) * total));
            // never trades past the target (the same side stays over/under or lands on it)
            assertLe(_diff(nv * 10_000, uint256(t[i]) * total), _diff(v[i] * 10_000, uint256(t[i]) * total));
        }
        assertLe(uint256(sum < 0 ? -sum : sum), uint256(n), "deltas sum to zero up to one wei per asset");
        // after the trades (at oracle value) the largest drift is at the aim, up to rounding
        assertLe(after_, aim * total + 10_000 * uint256(n));
    }

    function testFuzz_performData_roundTrip(uint16 bitmap, uint8 paths, uint32 epoch) public view {
        paths = uint8(bound(paths, 1, 3));
        bytes memory data = PerformData.encode(bitmap, paths, epoch);
        assertEq(data.length, 8);
        (uint16 b, uint8 p, uint32 e) = h.decode(data);
        assertEq(b, bitmap);
        assertEq(p, paths);
        assertEq(e, epoch);
    }

    function _portfolio(uint256 seed, uint256 n)
        internal
        pure
        returns (uint256[] memory v, uint16[] memory t)
    {
        v = new uint256[](n);
        t = new uint16[](n);
        uint256 left = 10_000;
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            v[i] = r % 1e30;
            t[i] = i + 1 == n ? uint16(left) : uint16((r >> 128) % (left + 1));
            left -= t[i];
        }
    }

    function _diff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }
}
