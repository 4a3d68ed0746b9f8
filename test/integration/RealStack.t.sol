// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILimitOrderProtocol as IOrderProtocol} from "../../contracts/interfaces/ILimitOrderProtocol.sol";
import {AutomationStack} from "../utils/AutomationStack.sol";
import {IAutomationRegistry2_3} from "../utils/ChainlinkInterfaces.sol";
import {CountingUpkeep} from "../utils/CountingUpkeep.sol";
import {ILimitOrderProtocolTesting as ILimitOrderProtocol} from "../utils/OneInchInterfaces.sol";
import {TestERC20} from "../utils/TestERC20.sol";
import {Vm} from "forge-std/Vm.sol";

/// @title RealStackTest
/// @notice The real Chainlink Automation 2.3 registry/registrar and the real 1inch Limit Order Protocol,
/// deployed from the artifacts production deploys, driven end to end.
contract RealStackTest is AutomationStack {
    uint32 internal constant UPKEEP_GAS_LIMIT = 500_000;

    // MakerTraitsLib / TakerTraitsLib flags (lib/limit-order-protocol/contracts/libraries).
    uint256 internal constant ALLOW_MULTIPLE_FILLS_FLAG = 1 << 254;
    uint256 internal constant MAKER_AMOUNT_FLAG = 1 << 255; // amount is the making amount
    // OrderLib._LIMIT_ORDER_TYPEHASH
    bytes32 internal constant LIMIT_ORDER_TYPEHASH = keccak256(
        "Order(uint256 salt,address maker,address receiver,address makerAsset,address takerAsset,uint256 makingAmount,uint256 takingAmount,uint256 makerTraits)"
    );

    address internal admin;

    function setUp() public override {
        super.setUp();
        admin = makeAddr("upkeep-admin");
    }

    /*//////////////////////////////////////////////////////////////
                           STACK AS DEPLOYED
    //////////////////////////////////////////////////////////////*/

    function test_stack_isConfiguredLikeBase() public view {
        assertEq(registry.typeAndVersion(), "AutomationRegistry 2.3.0");
        assertEq(registrar.typeAndVersion(), "AutomationRegistrar 2.3.0");
        assertEq(registry.owner(), address(this));
        assertTrue(registry.supportsBillingToken(address(link)));
        assertTrue(registry.supportsBillingToken(address(weth)));
        IAutomationRegistry2_3.BillingConfig memory cfg = registry.getBillingTokenConfig(address(link));
        assertEq(cfg.gasFeePPB, GAS_FEE_PPB);
        assertEq(cfg.flatFeeMilliCents, FLAT_FEE_MILLI_CENTS);
        assertEq(cfg.priceFeed, address(linkUsdFeed));
        assertEq(registrar.getMinimumRegistrationAmount(address(link)), MIN_REGISTRATION_LINK);
        for (uint256 i = 0; i < NUM_NODES; ++i) {
            (bool active, uint8 index,,, address payee) = registry.getTransmitterInfo(transmitters[i]);
            assertTrue(active);
            assertEq(index, i);
            assertEq(payee, payees[i]);
        }
    }

    /*//////////////////////////////////////////////////////////////
                        REGISTER, FUND, PERFORM
    //////////////////////////////////////////////////////////////*/

    /// @dev Not isolated: forge 1.7.1 runs each isolated call with tx.gasprice = 0 whatever
    /// vm.txGasPrice says (foundry-rs/foundry#7277, #11564), and the registry charges gas at
    /// min(tx.gasprice, fastGas x multiplier), so only here is the gas part of the charge real.
    /// forge-config: default.isolate = false
    function test_registerFundAndPerform_chargesUpkeepInLink() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint96 registration = uint96(MIN_REGISTRATION_LINK);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), registration, admin);
        assertEq(registry.getBillingToken(id), address(link));
        assertEq(registry.getBalance(id), registration);
        assertEq(link.balanceOf(admin), 0);

        vm.recordLogs();
        _fundWithTransferAndCall(id, 5 ether);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        Vm.Log memory funded = logs[logs.length - 1]; // LINK's Transfer events, then the registry's callback
        assertEq(funded.emitter, address(registry));
        assertEq(funded.topics[0], IAutomationRegistry2_3.FundsAdded.selector);
        assertEq(funded.topics[1], bytes32(id));
        assertEq(funded.topics[2], bytes32(uint256(uint160(address(this)))));
        assertEq(funded.data, abi.encode(uint96(5 ether)));
        uint96 balanceBefore = registry.getBalance(id);
        assertEq(balanceBefore, registration + 5 ether);
        assertEq(link.balanceOf(address(registry)), balanceBefore);
        assertGe(balanceBefore, registry.getMinBalance(id));

        (bool needed, bytes memory performData) = _checkUpkeep(id);
        assertTrue(needed);
        assertEq(performData, abi.encode(uint256(0)));

        vm.recordLogs();
        _transmit(id, performData);
        logs = vm.getRecordedLogs();

        Performed[] memory performed = _performedEvents(logs);
        assertEq(performed.length, 1);
        assertEq(performed[0].id, id);
        assertTrue(performed[0].success);
        assertGt(performed[0].totalPayment, 0);

        // Exactly one count, by the upkeep's forwarder.
        assertEq(target.count(), 1);
        assertEq(target.lastCaller(), registry.getForwarder(id));

        // The balance fell by exactly what the event reports, and the registry's books agree.
        uint96 balanceAfter = registry.getBalance(id);
        assertEq(balanceBefore - balanceAfter, performed[0].totalPayment);
        IAutomationRegistry2_3.UpkeepInfo memory info = registry.getUpkeep(id);
        assertEq(info.balance, balanceAfter);
        assertEq(info.amountSpent, performed[0].totalPayment);
        assertEq(info.lastPerformedBlockNumber, block.number);

        // The charge is the registry 2.3 formula at the real gas price of the transmit.
        IAutomationRegistry2_3.PaymentReceipt[] memory receipts = _chargedReceipts(logs);
        assertEq(receipts.length, 1);
        assertEq(receipts[0].billingToken, address(link));
        assertEq(
            receipts[0].gasChargeInBillingToken + receipts[0].premiumInBillingToken, performed[0].totalPayment
        );
        (uint256 gasCharge, uint256 premium) =
            _expectedCharge(performed[0].gasUsed, performed[0].gasOverhead, address(link), TX_GAS_PRICE);
        assertEq(receipts[0].gasChargeInBillingToken, gasCharge);
        assertEq(receipts[0].premiumInBillingToken, premium);
        assertGt(gasCharge, 0);
        // The transmitter is owed the gas in LINK, plus its quarter of the premium pooled for the 4 NOPs.
        assertGt(receipts[0].gasReimbursementInJuels, 0);
        (,, uint96 owed,,) = registry.getTransmitterInfo(transmitters[0]);
        assertEq(owed, receipts[0].gasReimbursementInJuels + receipts[0].premiumInJuels / NUM_NODES);

        emit log_named_uint("perform gasUsed", performed[0].gasUsed);
        emit log_named_uint("registry gasOverhead", performed[0].gasOverhead);
        emit log_named_decimal_uint("gas charge (LINK)", gasCharge, 18);
        emit log_named_decimal_uint("premium incl. flat fee (LINK)", premium, 18);
        emit log_named_decimal_uint("total payment (LINK)", performed[0].totalPayment, 18);
        emit log_named_decimal_uint("min balance (LINK)", registry.getMinBalance(id), 18);
    }

    /// @dev Not isolated, for the real gas price: see test_registerFundAndPerform_chargesUpkeepInLink.
    /// forge-config: default.isolate = false
    function test_registerInNative_chargesUpkeepInWrappedNative() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint96 amount = 0.05 ether;
        uint256 id = _registerUpkeepPayingNative(address(target), UPKEEP_GAS_LIMIT, amount, admin);
        assertEq(admin.balance, 0);
        assertEq(registry.getBillingToken(id), address(weth));
        assertEq(registry.getBalance(id), amount);
        assertEq(weth.balanceOf(address(registry)), amount);
        assertGe(amount, registry.getMinBalance(id));

        (bool needed, bytes memory performData) = _checkUpkeep(id);
        assertTrue(needed);
        vm.recordLogs();
        _transmit(id, performData);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        Performed[] memory performed = _performedEvents(logs);
        assertEq(performed.length, 1);
        assertTrue(performed[0].success);
        assertGt(performed[0].totalPayment, 0);
        assertEq(target.count(), 1);
        assertEq(target.lastCaller(), registry.getForwarder(id));
        assertEq(amount - registry.getBalance(id), performed[0].totalPayment);
        // The WETH stays in the registry: NOPs are paid in LINK from its liquidity pool.
        assertEq(weth.balanceOf(address(registry)), amount);
        assertEq(registry.getReserveAmount(address(weth)), amount - performed[0].totalPayment);

        IAutomationRegistry2_3.PaymentReceipt[] memory receipts = _chargedReceipts(logs);
        assertEq(receipts[0].billingToken, address(weth));
        (uint256 gasCharge, uint256 premium) =
            _expectedCharge(performed[0].gasUsed, performed[0].gasOverhead, address(weth), TX_GAS_PRICE);
        assertEq(receipts[0].gasChargeInBillingToken, gasCharge);
        assertEq(receipts[0].premiumInBillingToken, premium);
        // Billed in native, the gas part is exactly gasWei x (gasUsed + overhead): no price conversion.
        assertEq(gasCharge, TX_GAS_PRICE * (performed[0].gasUsed + performed[0].gasOverhead));

        emit log_named_decimal_uint("total payment (WETH)", performed[0].totalPayment, 18);
    }

    function test_addFunds_inBothTokens() public {
        CountingUpkeep target = new CountingUpkeep(1);
        uint256 linkId = _registerUpkeep(
            address(target), UPKEEP_GAS_LIMIT, address(link), uint96(MIN_REGISTRATION_LINK), admin
        );
        _addFunds(linkId, 1 ether);
        assertEq(registry.getBalance(linkId), MIN_REGISTRATION_LINK + 1 ether);

        uint256 wethId = _registerUpkeep(
            address(target), UPKEEP_GAS_LIMIT, address(weth), uint96(MIN_REGISTRATION_WETH), admin
        );
        _addFunds(wethId, 0.01 ether);
        _addFundsNative(wethId, 0.02 ether);
        assertEq(registry.getBalance(wethId), MIN_REGISTRATION_WETH + 0.03 ether);
        assertEq(weth.balanceOf(address(registry)), MIN_REGISTRATION_WETH + 0.03 ether);
    }

    function test_checkAndPerform_untilTheTargetIsDone() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        for (uint256 i = 1; i <= 3; ++i) {
            assertTrue(_checkAndPerform(id));
            assertEq(target.count(), i);
            vm.roll(block.number + 1);
        }
        CheckResult memory r = _checkUpkeepDetailed(id);
        assertFalse(r.needed);
        assertEq(uint8(r.failureReason), uint8(IAutomationRegistry2_3.UpkeepFailureReason.UPKEEP_NOT_NEEDED));
        assertFalse(_checkAndPerform(id));
        assertEq(target.count(), 3);
    }

    function test_checkAndPerform_batchesSeveralUpkeepsInOneReport() public {
        CountingUpkeep a = new CountingUpkeep(1);
        CountingUpkeep b = new CountingUpkeep(1);
        CountingUpkeep done = new CountingUpkeep(0);
        uint256[] memory ids = new uint256[](3);
        ids[0] = _registerUpkeep(address(a), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        ids[1] = _registerUpkeep(address(done), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        ids[2] = _registerUpkeep(address(b), UPKEEP_GAS_LIMIT, address(weth), 0.05 ether, admin);

        vm.recordLogs();
        assertEq(_checkAndPerform(ids), 2);
        Performed[] memory performed = _performedEvents(vm.getRecordedLogs());
        assertEq(performed.length, 2);
        assertEq(performed[0].id, ids[0]);
        assertEq(performed[1].id, ids[2]);
        assertEq(a.count(), 1);
        assertEq(b.count(), 1);
        // Two upkeeps share the transmit's fixed overhead.
        assertTrue(performed[0].success && performed[1].success);
        assertEq(performed[0].gasOverhead, performed[1].gasOverhead);
    }

    /*//////////////////////////////////////////////////////////////
                             UNDERFUNDED
    //////////////////////////////////////////////////////////////*/

    function test_checkUpkeep_reportsInsufficientBalance() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint96 registration = uint96(MIN_REGISTRATION_LINK);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), registration, admin);
        uint96 minBalance = registry.getMinBalance(id);
        assertLt(registration, minBalance);
        emit log_named_decimal_uint("min balance for 500k gas (LINK)", minBalance, 18);

        CheckResult memory r = _checkUpkeepDetailed(id);
        assertFalse(r.needed);
        assertEq(
            uint8(r.failureReason), uint8(IAutomationRegistry2_3.UpkeepFailureReason.INSUFFICIENT_BALANCE)
        );
        assertEq(r.performData.length, 0);

        // The DON does not perform it: nothing transmitted, nothing charged.
        assertFalse(_checkAndPerform(id));
        assertEq(target.count(), 0);
        assertEq(registry.getBalance(id), registration);

        // One wei short is still too little; exactly the minimum balance is enough.
        _addFunds(id, minBalance - registration - 1);
        assertEq(
            uint8(_checkUpkeepDetailed(id).failureReason),
            uint8(IAutomationRegistry2_3.UpkeepFailureReason.INSUFFICIENT_BALANCE)
        );
        _addFunds(id, 1);
        assertTrue(_checkAndPerform(id));
        assertEq(target.count(), 1);
    }

    /// @notice The registry itself does not enforce the minimum balance in transmit: only the DON's
    /// check does. A report the DON signs anyway is performed and charged.
    function test_transmit_performsUnderfundedUpkeepWhenTheDonSignsIt() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint96 registration = uint96(MIN_REGISTRATION_LINK);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), registration, admin);
        assertLt(registration, registry.getMinBalance(id));

        vm.recordLogs();
        _transmit(id, abi.encode(uint256(0)));
        Performed[] memory performed = _performedEvents(vm.getRecordedLogs());
        assertEq(performed.length, 1);
        assertTrue(performed[0].success);
        assertEq(target.count(), 1);
        assertEq(registry.getBalance(id), registration - performed[0].totalPayment);
    }

    /// @notice Past `stalenessSeconds` the registry prices with its fallbacks: LINK and native keep their
    /// price (fallbacks equal the feeds here), gas jumps from 1 to 20 gwei, and so does the minimum balance.
    function test_staleFeeds_fallBackUntilRefreshed() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        uint96 fresh = registry.getMinBalance(id);

        vm.warp(block.timestamp + STALENESS_SECONDS + 1);
        uint96 stale = registry.getMinBalance(id);
        assertGt(stale, 15 * uint256(fresh)); // the gas part x20, the flat fee unchanged
        assertEq(
            uint8(_checkUpkeepDetailed(id).failureReason),
            uint8(IAutomationRegistry2_3.UpkeepFailureReason.INSUFFICIENT_BALANCE)
        );

        _refreshFeeds();
        assertEq(registry.getMinBalance(id), fresh);
        assertTrue(_checkAndPerform(id));
    }

    /*//////////////////////////////////////////////////////////////
                          DON BEHAVIOUR
    //////////////////////////////////////////////////////////////*/

    function test_donStopped_transmitsNothing() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        donStopped = true;
        assertFalse(_checkAndPerform(id));
        _transmit(id, abi.encode(uint256(0)));
        assertEq(target.count(), 0);
        (bool needed,) = _checkUpkeep(id);
        assertTrue(needed); // the work is still due; nobody does it

        donStopped = false;
        assertTrue(_checkAndPerform(id));
        assertEq(target.count(), 1);
    }

    /// @notice A second report for the same block is stale: the registry skips it without charging.
    function test_transmit_sameBlockTwice_secondIsStale() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        _transmit(id, abi.encode(uint256(0)));
        uint96 balance = registry.getBalance(id);

        vm.expectEmit(address(registry));
        emit IAutomationRegistry2_3.StaleUpkeepReport(id, _conditionalTrigger());
        _transmit(id, abi.encode(uint256(1)));
        assertEq(target.count(), 1);
        assertEq(registry.getBalance(id), balance);
    }

    /// @notice performData is untrusted: a stale one makes the target revert, the registry records
    /// success = false and still charges the upkeep for the gas.
    function test_transmit_stalePerformData_targetRevertsAndIsCharged() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        uint96 balance = registry.getBalance(id);

        vm.recordLogs();
        _transmit(id, abi.encode(uint256(7)));
        Performed[] memory performed = _performedEvents(vm.getRecordedLogs());
        assertEq(performed.length, 1);
        assertFalse(performed[0].success);
        assertGt(performed[0].totalPayment, 0);
        assertEq(registry.getBalance(id), balance - performed[0].totalPayment);
        assertEq(target.count(), 0);
    }

    function test_RevertWhen_transmitFromStranger() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        SignedReport memory s = _signedReport(_one(id), _one(abi.encode(uint256(0))), F + 1);

        vm.prank(makeAddr("stranger"));
        vm.expectRevert(IAutomationRegistry2_3.OnlyActiveTransmitters.selector);
        registry.transmit(s.reportContext, s.rawReport, s.rs, s.ss, s.rawVs);
    }

    function test_RevertWhen_reportHasTooFewSignatures() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        SignedReport memory s = _signedReport(_one(id), _one(abi.encode(uint256(0))), F);

        vm.prank(transmitters[0]);
        vm.expectRevert(IAutomationRegistry2_3.IncorrectNumberOfSignatures.selector);
        registry.transmit(s.reportContext, s.rawReport, s.rs, s.ss, s.rawVs);
    }

    function test_RevertWhen_reportSignedByStranger() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        SignedReport memory s = _signedReport(_one(id), _one(abi.encode(uint256(0))), F + 1);
        // Replace the second signature with one by a key the registry does not know.
        bytes32 digest = keccak256(abi.encode(keccak256(s.rawReport), s.reportContext));
        (, uint256 strangerKey) = makeAddrAndKey("stranger-signer");
        (uint8 v, bytes32 r, bytes32 sig) = vm.sign(strangerKey, digest);
        s.rs[1] = r;
        s.ss[1] = sig;
        s.rawVs = bytes32((uint256(s.rawVs) & ~(uint256(0xff) << 240)) | (uint256(v - 27) << 240));

        vm.prank(transmitters[0]);
        vm.expectRevert(IAutomationRegistry2_3.OnlyActiveSigners.selector);
        registry.transmit(s.reportContext, s.rawReport, s.rs, s.ss, s.rawVs);
    }

    function test_RevertWhen_checkUpkeepNotFromZeroOrigin() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        vm.expectRevert(IAutomationRegistry2_3.OnlySimulatedBackend.selector);
        registry.checkUpkeep(id);
    }

    /// @notice Whatever the transaction's gas price, the charge follows the 2.3 formula, with the gas
    /// price capped at fast gas x gasCeilingMultiplier (5 gwei here).
    /// @dev Not isolated, for the real gas price: see test_registerFundAndPerform_chargesUpkeepInLink.
    /// forge-config: default.isolate = false
    function testFuzz_charge_followsFormulaAtAnyGasPrice(uint256 gasPrice) public {
        gasPrice = bound(gasPrice, 0.001 gwei, 50 gwei);
        CountingUpkeep target = new CountingUpkeep(1);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 50 ether, admin);

        vm.txGasPrice(gasPrice);
        vm.recordLogs();
        _transmit(id, abi.encode(uint256(0)));
        Vm.Log[] memory logs = vm.getRecordedLogs();
        Performed[] memory performed = _performedEvents(logs);
        IAutomationRegistry2_3.PaymentReceipt[] memory receipts = _chargedReceipts(logs);
        assertEq(performed.length, 1);
        (uint256 gasCharge, uint256 premium) =
            _expectedCharge(performed[0].gasUsed, performed[0].gasOverhead, address(link), gasPrice);
        assertEq(receipts[0].gasChargeInBillingToken, gasCharge);
        assertEq(receipts[0].premiumInBillingToken, premium);
        assertEq(performed[0].totalPayment, gasCharge + premium);
    }

    /*//////////////////////////////////////////////////////////////
                                  GAS
    //////////////////////////////////////////////////////////////*/

    // Isolated (foundry.toml): the snapshots are whole transactions, intrinsic gas and cold access
    // included. Caveat: inside an isolated call forge 1.7.1 shows the registry tx.gasprice = 0, so it
    // charges no gas and reimburses the transmitter nothing; a priced transmit also rewrites the
    // transmitter's balance slot (one SSTORE, see test_gas_pricedTransmitCostsOneSstoreMore).

    function test_gas_transmitOneUpkeep() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        (, bytes memory performData) = _checkUpkeep(id);
        vm.recordLogs();
        _transmit(id, performData);
        uint256 txGas = vm.snapshotGasLastCall("transmit one upkeep (real registry 2.3)");
        assertEq(target.count(), 1);

        // What the registry bills the upkeep for (perform gas + its overhead estimate) against the
        // transaction's real gas.
        Performed[] memory performed = _performedEvents(vm.getRecordedLogs());
        emit log_named_uint("transmit tx gas", txGas);
        emit log_named_uint("billed: perform gasUsed", performed[0].gasUsed);
        emit log_named_uint("billed: gasOverhead", performed[0].gasOverhead);
        (uint256 gasCharge, uint256 premium) =
            _expectedCharge(performed[0].gasUsed, performed[0].gasOverhead, address(link), TX_GAS_PRICE);
        emit log_named_decimal_uint("charge at 1 gwei (LINK)", gasCharge + premium, 18);
    }

    function test_gas_transmitOneUpkeepBilledInWeth() public {
        // A live registry already holds LINK reserves (its NOP payments are booked there); without a
        // LINK upkeep this first transmit would also pay to create that slot (0 -> nonzero).
        _registerUpkeep(address(new CountingUpkeep(0)), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeepPayingNative(address(target), UPKEEP_GAS_LIMIT, 0.05 ether, admin);
        (, bytes memory performData) = _checkUpkeep(id);
        _transmit(id, performData);
        vm.snapshotGasLastCall("transmit one upkeep billed in WETH (real registry 2.3)");
        assertEq(target.count(), 1);
    }

    function test_gas_transmitTwoUpkeepsInOneReport() public {
        CountingUpkeep a = new CountingUpkeep(3);
        CountingUpkeep b = new CountingUpkeep(3);
        uint256[] memory ids = new uint256[](2);
        ids[0] = _registerUpkeep(address(a), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        ids[1] = _registerUpkeep(address(b), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        bytes[] memory datas = new bytes[](2);
        datas[0] = abi.encode(uint256(0));
        datas[1] = abi.encode(uint256(0));
        _transmit(ids, datas);
        vm.snapshotGasLastCall("transmit two upkeeps in one report (real registry 2.3)");
        assertEq(a.count() + b.count(), 2);
    }

    /// @notice What the isolated snapshots above miss: the same transmit from the same state, unpriced
    /// (what an isolated call sees) and priced at 1 gwei, in one non-isolated test.
    /// forge-config: default.isolate = false
    function test_gas_pricedTransmitCostsOneSstoreMore() public {
        CountingUpkeep target = new CountingUpkeep(3);
        uint256 id = _registerUpkeep(address(target), UPKEEP_GAS_LIMIT, address(link), 5 ether, admin);
        uint256 snapshot = vm.snapshotState();

        vm.txGasPrice(0);
        _transmit(id, abi.encode(uint256(0)));
        uint256 unpriced = vm.lastCallGas().gasTotalUsed;
        (,, uint96 owedUnpriced,,) = registry.getTransmitterInfo(transmitters[0]);

        vm.revertToStateAndDelete(snapshot);
        vm.txGasPrice(TX_GAS_PRICE);
        _transmit(id, abi.encode(uint256(0)));
        uint256 priced = vm.lastCallGas().gasTotalUsed;
        (,, uint96 owedPriced,,) = registry.getTransmitterInfo(transmitters[0]);
        assertGt(owedPriced, owedUnpriced); // only the priced transmit is reimbursed for gas

        // Exactly one SSTORE: the transmitter's (nonzero) balance slot rewritten to a new value (2,900)
        // instead of to the same value (100). The registry's own overhead accounting is unaffected.
        assertEq(priced - unpriced, 2800);
        emit log_named_uint("transmit gas, unpriced", unpriced);
        emit log_named_uint("transmit gas, priced", priced);
    }

    /*//////////////////////////////////////////////////////////////
                       1INCH LIMIT ORDER PROTOCOL
    //////////////////////////////////////////////////////////////*/

    /// @notice A maker's signed order on the real protocol, and the two tokens it trades.
    struct SignedOrder {
        ILimitOrderProtocol lop;
        TestERC20 sell;
        TestERC20 buy;
        address maker;
        address taker;
        IOrderProtocol.Order order;
        bytes32 orderHash;
        bytes32 r;
        bytes32 vs;
    }

    function test_limitOrderProtocol_fillsSignedOrder() public {
        // Sell 10 tWETH for 40,000 tUSDC, fillable in parts by anyone, no expiry, no extension.
        SignedOrder memory o = _signedOrder(10 ether, 40_000e6);
        bytes32 domain = keccak256(
            abi.encode(
                keccak256(
                    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
                ),
                keccak256("1inch Limit Order Protocol"),
                keccak256("4"),
                block.chainid,
                address(o.lop)
            )
        );
        assertEq(o.lop.DOMAIN_SEPARATOR(), domain);
        assertEq(
            o.orderHash,
            keccak256(
                abi.encodePacked("\x19\x01", domain, keccak256(abi.encode(LIMIT_ORDER_TYPEHASH, o.order)))
            )
        );

        // Half, by making amount, paying at most 20,000 tUSDC.
        uint256 traits = MAKER_AMOUNT_FLAG | 20_000e6;
        vm.prank(o.taker);
        (uint256 making, uint256 taking, bytes32 filledHash) =
            o.lop.fillOrder(o.order, o.r, o.vs, 5 ether, traits);
        assertEq(making, 5 ether);
        assertEq(taking, 20_000e6);
        assertEq(filledHash, o.orderHash);
        assertEq(o.sell.balanceOf(o.maker), 5 ether);
        assertEq(o.sell.balanceOf(o.taker), 5 ether);
        assertEq(o.buy.balanceOf(o.maker), 20_000e6);
        assertEq(o.buy.balanceOf(o.taker), 20_000e6);
        assertEq(o.lop.remainingInvalidatorForOrder(o.maker, o.orderHash), 5 ether);

        // The rest.
        vm.prank(o.taker);
        (making, taking,) = o.lop.fillOrder(o.order, o.r, o.vs, 5 ether, traits);
        assertEq(making, 5 ether);
        assertEq(taking, 20_000e6);
        assertEq(o.sell.balanceOf(o.maker), 0);
        assertEq(o.sell.balanceOf(o.taker), 10 ether);
        assertEq(o.buy.balanceOf(o.maker), 40_000e6);
        assertEq(o.buy.balanceOf(o.taker), 0);

        // Nothing is left, even for a taker who could pay.
        o.buy.mint(o.taker, 20_000e6);
        vm.prank(o.taker);
        vm.expectRevert(ILimitOrderProtocol.InvalidatedOrder.selector);
        o.lop.fillOrder(o.order, o.r, o.vs, 5 ether, traits);
    }

    function test_RevertWhen_limitOrderFillExceedsTakerThreshold() public {
        SignedOrder memory o = _signedOrder(1 ether, 4000e6);
        // The taker will pay at most 3,999 tUSDC for the whole order: the price is 4,000.
        vm.prank(o.taker);
        vm.expectRevert(ILimitOrderProtocol.TakingAmountTooHigh.selector);
        o.lop.fillOrder(o.order, o.r, o.vs, 1 ether, MAKER_AMOUNT_FLAG | 3999e6);
    }

    /// @dev Deploys the real protocol and two tokens, funds and approves an EOA maker (`making` of the
    /// 18-decimal token) and a taker (`taking` of the 6-decimal token), and has the maker sign.
    function _signedOrder(uint256 making, uint256 taking) internal returns (SignedOrder memory o) {
        o.lop = ILimitOrderProtocol(
            _deployArtifact("LimitOrderProtocol.sol", "LimitOrderProtocol", abi.encode(address(weth)))
        );
        o.sell = new TestERC20("Wrapped Ether Test", "tWETH", 18);
        o.buy = new TestERC20("USD Coin Test", "tUSDC", 6);
        Vm.Wallet memory maker = vm.createWallet("lop-maker");
        o.maker = maker.addr;
        o.taker = makeAddr("lop-taker");
        o.sell.mint(o.maker, making);
        o.buy.mint(o.taker, taking);
        vm.prank(o.maker);
        o.sell.approve(address(o.lop), making);
        vm.prank(o.taker);
        o.buy.approve(address(o.lop), type(uint256).max);

        o.order = IOrderProtocol.Order({
            salt: 1,
            maker: uint256(uint160(o.maker)),
            receiver: 0, // the maker
            makerAsset: uint256(uint160(address(o.sell))),
            takerAsset: uint256(uint160(address(o.buy))),
            makingAmount: making,
            takingAmount: taking,
            makerTraits: ALLOW_MULTIPLE_FILLS_FLAG // partial fills are allowed unless NO_PARTIAL_FILLS is set
        });
        o.orderHash = o.lop.hashOrder(o.order);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(maker.privateKey, o.orderHash);
        o.r = r;
        o.vs = bytes32((uint256(v - 27) << 255) | uint256(s)); // EIP-2098 compact signature
    }

    /*//////////////////////////////////////////////////////////////
                                HELPERS
    //////////////////////////////////////////////////////////////*/

    function _one(uint256 id) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = id;
    }

    function _one(bytes memory data) internal pure returns (bytes[] memory datas) {
        datas = new bytes[](1);
        datas[0] = data;
    }
}
