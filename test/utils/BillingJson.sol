// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title One billing vector as one line of compact JSON (`test/vectors/billing.json`).
/// @notice The shape `src/model/fees/vectors.rs` deserialises (`BillingVector`, tagged by `"kind"`):
/// keys in the Rust structs' order, no spaces, every amount a decimal string, small config integers
/// (decimals, PPB, milli-cents, multiplier, lengths, f) JSON numbers.
library BillingJson {
    using Strings for uint256;

    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice A billing token's parameters as the registry applied them (overrides included).
    struct Token {
        uint8 decimals;
        uint32 gasFeePPB;
        uint24 flatFeeMilliCents;
        uint256 priceUsd;
    }

    /// @notice How `gasOverhead` came about; written only when `present`.
    struct OverheadSplit {
        bool present;
        uint256 tallyGas;
        uint256 msgDataLength;
        uint256 upkeepsInReport;
    }

    /// @notice How `l1CostWei` came about on an OP-stack chain; written only when `present`.
    struct L1Split {
        bool present;
        uint256 l1BaseFee;
        uint256 blobBaseFee;
        uint32 baseFeeScalar;
        uint32 blobBaseFeeScalar;
        uint256 coefficientPercent;
        uint256 msgDataLength;
        uint256 performDataLength;
        uint8 f;
        uint256 totalCalldataWeight;
    }

    /// @notice One upkeep's charge in one transmit: every input of the 2.3 formula and the receipt.
    struct Perform {
        string name;
        string source;
        uint256 gasUsed;
        uint256 gasOverhead;
        OverheadSplit split;
        uint256 l1CostWei;
        L1Split l1;
        uint256 fastGasWei;
        uint16 gasCeilingMultiplier;
        uint256 txGasPrice;
        uint256 linkUsd;
        uint256 nativeUsd;
        Token token;
        uint256 gasCharge;
        uint256 premium;
        uint256 total;
        uint256 gasReimbursementJuels;
        uint256 premiumJuels;
    }

    /// @notice getMinBalance(id) and everything `_getMaxPayment` read to compute it.
    struct MinBalance {
        string name;
        string source;
        bool logTrigger;
        uint32 performGasLimit;
        uint8 f;
        uint32 maxPerformDataSize;
        uint256 chainModuleFixedOverhead;
        uint256 chainModulePerByteOverhead;
        uint256 moduleMaxL1Fee;
        uint256 fastGasWei;
        uint16 gasCeilingMultiplier;
        uint256 linkUsd;
        uint256 nativeUsd;
        Token token;
        uint256 expectedMinBalance;
    }

    /*//////////////////////////////////////////////////////////////
                                 LINES
    //////////////////////////////////////////////////////////////*/

    function perform(Perform memory v) internal pure returns (string memory s) {
        s = string.concat(
            "{",
            _kv("kind", _str("perform")),
            ",",
            _kv("name", _str(v.name)),
            ",",
            _kv("source", _str(v.source))
        );
        s = string.concat(s, _amount("gas_used", v.gasUsed), _amount("gas_overhead", v.gasOverhead));
        if (v.split.present) s = string.concat(s, ",", _kv("overhead_split", _split(v.split)));
        s = string.concat(s, _amount("l1_cost_wei", v.l1CostWei));
        if (v.l1.present) s = string.concat(s, ",", _kv("l1", _l1(v.l1)));
        s = string.concat(
            s,
            _amount("fast_gas_wei", v.fastGasWei),
            _number("gas_ceiling_multiplier", v.gasCeilingMultiplier),
            _amount("tx_gas_price", v.txGasPrice)
        );
        s = string.concat(
            s,
            _amount("link_usd", v.linkUsd),
            _amount("native_usd", v.nativeUsd),
            ",",
            _kv("token", _token(v.token))
        );
        s = string.concat(s, ",", _kv("expected", _expected(v)), "}");
    }

    function minBalance(MinBalance memory v) internal pure returns (string memory s) {
        s = string.concat(
            "{",
            _kv("kind", _str("min_balance")),
            ",",
            _kv("name", _str(v.name)),
            ",",
            _kv("source", _str(v.source))
        );
        s = string.concat(
            s,
            ",",
            _kv("trigger", _str(v.logTrigger ? "log" : "conditional")),
            _number("perform_gas_limit", v.performGasLimit),
            _number("f", v.f)
        );
        s = string.concat(
            s,
            _number("max_perform_data_size", v.maxPerformDataSize),
            _number("chain_module_fixed_overhead", v.chainModuleFixedOverhead),
            _number("chain_module_per_byte_overhead", v.chainModulePerByteOverhead)
        );
        s = string.concat(
            s,
            _amount("module_max_l1_fee", v.moduleMaxL1Fee),
            _amount("fast_gas_wei", v.fastGasWei),
            _number("gas_ceiling_multiplier", v.gasCeilingMultiplier)
        );
        s = string.concat(
            s,
            _amount("link_usd", v.linkUsd),
            _amount("native_usd", v.nativeUsd),
            ",",
            _kv("token", _token(v.token))
        );
        s = string.concat(s, _amount("expected_min_balance", v.expectedMinBalance), "}");
    }

    /*//////////////////////////////////////////////////////////////
                                 PARTS
    //////////////////////////////////////////////////////////////*/

    function _split(OverheadSplit memory o) private pure returns (string memory) {
        return string.concat(
            "{",
            _kv("tally_gas", _q(o.tallyGas)),
            _number("msg_data_length", o.msgDataLength),
            _number("upkeeps_in_report", o.upkeepsInReport),
            "}"
        );
    }

    function _l1(L1Split memory l) private pure returns (string memory s) {
        string memory fjord = string.concat(
            "{",
            _kv("l1_base_fee", _q(l.l1BaseFee)),
            _amount("blob_base_fee", l.blobBaseFee),
            _number("base_fee_scalar", l.baseFeeScalar),
            _number("blob_base_fee_scalar", l.blobBaseFeeScalar),
            "}"
        );
        s = string.concat(
            "{",
            _kv("fjord", fjord),
            _number("coefficient_percent", l.coefficientPercent),
            _number("msg_data_length", l.msgDataLength)
        );
        s = string.concat(
            s,
            _number("perform_data_length", l.performDataLength),
            _number("f", l.f),
            _amount("total_calldata_weight", l.totalCalldataWeight),
            "}"
        );
    }

    function _token(Token memory t) private pure returns (string memory) {
        return string.concat(
            "{",
            _kv("decimals", uint256(t.decimals).toString()),
            _number("gas_fee_ppb", t.gasFeePPB),
            _number("flat_fee_milli_cents", t.flatFeeMilliCents),
            _amount("price_usd", t.priceUsd),
            "}"
        );
    }

    function _expected(Perform memory v) private pure returns (string memory) {
        return string.concat(
            "{",
            _kv("gas_charge", _q(v.gasCharge)),
            _amount("premium", v.premium),
            _amount("total", v.total),
            _amount("gas_reimbursement_juels", v.gasReimbursementJuels),
            _amount("premium_juels", v.premiumJuels),
            "}"
        );
    }

    /// @dev `,"key":"123"`
    function _amount(string memory key, uint256 value) private pure returns (string memory) {
        return string.concat(",", _kv(key, _q(value)));
    }

    /// @dev `,"key":123`
    function _number(string memory key, uint256 value) private pure returns (string memory) {
        return string.concat(",", _kv(key, value.toString()));
    }

    function _kv(string memory key, string memory json) private pure returns (string memory) {
        return string.concat(_str(key), ":", json);
    }

    function _q(uint256 value) private pure returns (string memory) {
        return _str(value.toString());
    }

    /// @dev Names and sources are ours: no quotes or backslashes to escape.
    function _str(string memory text) private pure returns (string memory) {
        return string.concat("\"", text, "\"");
    }
}
