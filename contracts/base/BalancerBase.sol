// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "../interfaces/IBalancer.sol";
import {IAmountGetter, ILimitOrderProtocol, IPreInteraction} from "../interfaces/ILimitOrderProtocol.sol";
import {CloneArgs} from "../libraries/CloneArgs.sol";
import {Drift} from "../libraries/Drift.sol";
import {Oracle} from "../libraries/Oracle.sol";
import {OrderBook} from "../libraries/OrderBook.sol";
import {PerformData} from "../libraries/PerformData.sol";
import {BalancerAdminModule} from "./BalancerAdminModule.sol";
import {BalancerState} from "./BalancerState.sol";
import {AutomationCompatible} from "@chainlink/contracts/src/v0.8/automation/AutomationCompatible.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title The balancer: Automation upkeep, 1inch maker (ERC-1271, amount getter, pre-interaction)
/// and share vault.
/// @notice `checkUpkeep` and `performUpkeep` build the same plan from fresh prices and tracked
/// balances; the perform re-validates everything, writes one slot (bundle digest, epoch, last perform
/// times, learnt gas) and publishes the bundle's orders in an event. Takers fill them on the 1inch
/// protocol; each fill is priced by the balancer's getters at the feeds' prices of that moment
/// (a Dutch auction down to the order's floor), and calls `preInteraction`, which checks the amount,
/// books the fill into the tracked balances and approves exactly the amount the protocol pulls.
abstract contract BalancerBase is
    BalancerState,
    AutomationCompatible,
    IERC1271,
    IAmountGetter,
    IPreInteraction,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using CloneArgs for CloneArgs.Config;

    /// @dev Gas the perform spends after its last measurement (state write, event, return):
    /// PERFORM_TAIL_GAS + PERFORM_TAIL_GAS_PER_ORDER x orders, fitted to the measured frames of the gas
    /// tests (3 orders: 10,040; 14 orders: 20,120), so the learnt estimates and `gasUsed` are what
    /// the perform really costs.
    uint256 internal constant PERFORM_TAIL_GAS = 7300;
    uint256 internal constant PERFORM_TAIL_GAS_PER_ORDER = 920;
    /// @dev Margin kept when deciding whether both paths fit in one perform.
    uint256 internal constant BOTH_PATHS_RESERVE = 30_000;
    bytes4 internal constant INVALID_SIGNATURE = 0xffffffff;

    /// @notice Everything a check or perform learns from fresh state.
    struct Eval {
        CloneArgs.Config c;
        IBalancer.Params p;
        IBalancer.State s;
        uint16[] targets;
        uint256[] prices; // raw feed answers (0 = not read)
        uint256[] values; // USD, 18 decimals
        uint256 total;
        uint256 sliceValue; // the stables' value S and target T_S, when the stable path is due
        uint256 sliceTarget;
        uint8 triggered;
        bool calendar; // the global path is due by the calendar (TimeBalancer)
        bool depeg;
        Drift.Measure g;
        Drift.Measure st;
    }

    /// @notice The admin module (owner and controller functions), deployed with the implementation.
    address public immutable adminModule;

    constructor() {
        _initialized = true; // the implementation is never used directly; clones initialise
        adminModule = address(new BalancerAdminModule());
    }

    /// @notice Everything else — the owner's and the controller's functions —
    /// runs in the admin module on this balancer's storage. Unknown selectors revert there.
    fallback() external {
        address module = adminModule;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /* ----------------------------------------------------------- LIFECYCLE --- */

    /// @notice Called once by the factory in the transaction that creates the clone.
    function initialize(IBalancer.InitParams calldata ip) external {
        if (_initialized) revert IBalancer.AlreadyInitialized();
        _initialized = true;
        owner = ip.owner;
        controller = ip.controller;
        _setForwarder(ip.forwarder);
        _setTargets(ip.targets);
        _setParams(ip.params);
        _setBandLimits(ip.limits);
        _setDust(ip.fillCostUsdE8, ip.dustMarginBps);
        _state.stableGas32 = (uint256(ip.stableGasEstimate) / 32).toUint16();
        _state.globalGas32 = (uint256(ip.globalGasEstimate) / 32).toUint16();
        _initCalendar(ip.interval, ip.dustFloorBps);
        emit IBalancer.Initialized(ip.owner, ip.controller, ip.forwarder, ip.targets);
    }

    /* ----------------------------------------------------------- AUTOMATION --- */

    /// @notice Chainlink Automation check (simulated from address 0): whether a rebalance is needed,
    /// and the 8-byte performData (asset bitmap, paths, epoch).
    function checkUpkeep(bytes calldata)
        external
        view
        override
        cannotExecute
        returns (bool upkeepNeeded, bytes memory performData)
    {
        IBalancer.State memory s = _state;
        IBalancer.Params memory p = _unpackParams(_params);
        if (p.paused || _bundleOpen(s, p)) return (false, "");
        Eval memory e = _evaluate(s, p, 3, msg.data[0:0]);
        if (e.triggered == 0) return (false, "");
        IBalancer.Plan memory plan = _plan(e, e.triggered);
        if (plan.orders.length == 0) return (false, "");
        return (true, PerformData.encode(plan.bitmap, e.triggered, s.epoch));
    }

    /// @notice Performs a rebalance. performData is untrusted: the epoch must match and every path
    /// is re-validated; otherwise a cheap custom error and no state change.
    /// The upkeep manager appends to the 8 bytes one word per asset (then one for the sequencer feed,
    /// if any): its reads of this balancer's feeds (`Oracle.pack`), used instead of reading them again.
    /// No reentrancy guard: a perform's only external calls are STATICCALLs to its feeds, which can
    /// change no state, and it writes its one slot after them.
    function performUpkeep(bytes calldata performData) external override {
        uint256 gasStart = gasleft();
        bytes calldata words = msg.data[0:0];
        if (msg.sender != address(uint160(_forwarderTargets))) {
            if (msg.sender == manager) {
                if (performData.length <= PerformData.LENGTH) {
                    revert IBalancer.InvalidPerformData(performData.length, 0);
                }
                words = performData[PerformData.LENGTH:];
                performData = performData[:PerformData.LENGTH];
            } else if (!isFallbackKeeper[msg.sender]) {
                revert IBalancer.UnauthorizedPerformer(msg.sender);
            }
        }
        (, uint8 requested, uint32 epoch) = PerformData.decode(performData);
        IBalancer.State memory s = _state;
        if (epoch != s.epoch) revert IBalancer.StaleEpoch(epoch, s.epoch);
        IBalancer.Params memory p = _unpackParams(_params);
        if (p.paused) revert IBalancer.IsPaused();
        if (_bundleOpen(s, p)) revert IBalancer.BundleOpen(uint64(_expiry(s, p.orderTtl)));
        Eval memory e = _evaluate(s, p, requested, words);
        uint8 paths = requested & e.triggered;
        if (paths == 3 && gasleft() < (uint256(s.stableGas32) + s.globalGas32) * 32 + BOTH_PATHS_RESERVE) {
            paths = _preferred(e);
        }
        if (paths == 0) revert IBalancer.UpkeepNotNeeded(requested);
        IBalancer.Plan memory plan = _plan(e, paths);
        if (plan.orders.length == 0) revert IBalancer.UpkeepNotNeeded(requested);
        _commit(s, p, plan, gasStart);
    }

    /* ---------------------------------------------------------------- 1INCH --- */

    /// @notice ERC-1271: valid only for an order of the current, unexpired bundle while not paused.
    /// `signature` is `abi.encode(bytes32[] hashes)`, every order hash of the bundle in publication
    /// order.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        uint256 w = _params;
        if (uint8(w >> 184) != 0) return INVALID_SIGNATURE; // paused: no fills
        bytes32[] memory hashes = abi.decode(signature, (bytes32[]));
        IBalancer.State memory s = _state;
        if (s.digest == 0 || bytes16(keccak256(abi.encodePacked(hashes))) != s.digest) {
            return INVALID_SIGNATURE;
        }
        if (block.timestamp > _expiry(s, uint24(w >> 160))) return INVALID_SIGNATURE;
        for (uint256 i; i < hashes.length; ++i) {
            if (hashes[i] == hash) return IERC1271.isValidSignature.selector;
        }
        return INVALID_SIGNATURE;
    }

    /// @notice Called by the protocol before a fill's transfers: books the fill into the tracked
    /// balances and approves exactly `makingAmount`, so the protocol never holds a standing allowance.
    function preInteraction(
        ILimitOrderProtocol.Order calldata order,
        bytes calldata,
        bytes32 orderHash,
        address,
        uint256 makingAmount,
        uint256 takingAmount,
        uint256,
        bytes calldata
    ) external override {
        _bookFill(order, orderHash, makingAmount, takingAmount);
    }

    /// @notice The taking amount of a fill of `order` selling `makingAmount`, at the feeds' prices now
    /// (`OrderBook.auctionBps`), rounded up. Reverts like a perform's read on a stale or invalid price
    /// or a down sequencer, so no fill goes through on a price the balancer would not trade on.
    function getTakingAmount(
        ILimitOrderProtocol.Order calldata order,
        bytes calldata,
        bytes32,
        address,
        uint256 makingAmount,
        uint256,
        bytes calldata
    ) external view returns (uint256) {
        (uint256 num, uint256 den) = _fillRate(order);
        return Math.mulDiv(makingAmount, num, den, Math.Rounding.Ceil);
    }

    /// @notice The making amount a fill paying `takingAmount` gets, at the same rate, rounded down.
    function getMakingAmount(
        ILimitOrderProtocol.Order calldata order,
        bytes calldata,
        bytes32,
        address,
        uint256 takingAmount,
        uint256,
        bytes calldata
    ) external view returns (uint256) {
        (uint256 num, uint256 den) = _fillRate(order);
        return Math.mulDiv(takingAmount, den, num);
    }

    /// @notice Owner: cancels the open bundle (an emergency stop for orders priced at a feed the
    /// owner no longer trusts). The cooldown it started keeps running.
    function cancelBundle() external onlyOwner {
        IBalancer.State memory s = _state;
        if (s.digest == 0) revert IBalancer.NoOpenBundle(s.epoch);
        _state.digest = 0;
        emit IBalancer.BundleCancelled(s.epoch);
    }

    /* ---------------------------------------------------------------- VAULT --- */

    /// @notice Burns `shares` and pays their pro-rata part of every tracked balance (or of the held
    /// balance, if a token rebased below it), in kind; rounded down. No oracle is involved, so it works
    /// even when a feed is down or the balancer is paused. An open bundle stays open: its fills take
    /// their order's part for the shares still outstanding (`_fillable`).
    function withdraw(uint256 shares) external nonReentrant returns (uint256[] memory amounts) {
        if (shares == 0) revert IBalancer.ZeroAmount();
        uint256 held = sharesOf[msg.sender];
        if (held < shares) revert IBalancer.InsufficientShares(msg.sender, held, shares);
        CloneArgs.Config memory c = _config();
        uint256 supply = totalShares;
        amounts = new uint256[](c.n);
        uint256 reserves = _reserveMask;
        for (uint256 i; i < c.n; ++i) {
            uint256 tracked = _balances[i];
            // Pay from what is really held when a token rebased down, so the loss is shared and the
            // last withdrawal never fails; the tracked balance shrinks by the same fraction. What is
            // owed to holders from refused transfers is held, but not the portfolio's.
            uint256 owned = IERC20(c.token(i)).balanceOf(address(this));
            if (reserves >> i & 1 == 1) {
                uint256 r = _owedTotal[c.token(i)];
                owned = owned > r ? owned - r : 0;
            }
            amounts[i] = (owned < tracked ? owned : tracked) * shares / supply;
            _balances[i] = uint128(tracked - tracked * shares / supply);
        }
        _noteSupply(supply);
        sharesOf[msg.sender] = held - shares;
        totalShares = supply - shares;
        // A token that refuses the transfer (frozen, blacklisted) does not block the others: its part
        // is set aside for the holder, out of the portfolio, until claimed.
        for (uint256 i; i < c.n; ++i) {
            uint256 a = amounts[i];
            if (a == 0) continue;
            IERC20 t = IERC20(c.token(i));
            if (!t.trySafeTransfer(msg.sender, a)) {
                _owed[msg.sender][address(t)] += a;
                _owedTotal[address(t)] += a;
                reserves |= 1 << i;
                amounts[i] = 0;
                emit IBalancer.WithdrawalOwed(msg.sender, address(t), a);
            }
        }
        if (reserves != _reserveMask) _reserveMask = uint16(reserves);
        emit IBalancer.Withdrawn(msg.sender, shares, amounts);
    }

    /* ------------------------------------------------------------- INTERNAL --- */

    /// @dev Reads what the due paths among `paths` need (a stable-only evaluation reads only the
    /// stables' feeds) and decides which are triggered.
    function _evaluate(IBalancer.State memory s, IBalancer.Params memory p, uint8 paths, bytes calldata words)
        internal
        view
        returns (Eval memory e)
    {
        e.s = s;
        e.p = p;
        e.c = _config();
        bool stableDue = paths & PerformData.PATH_STABLE != 0 && e.c.stableMask != 0
            && _elapsed(s.lastStableAt, p.stableCooldown);
        bool wantGlobal = paths & PerformData.PATH_GLOBAL != 0;
        bool globalDue = wantGlobal && _elapsed(s.lastGlobalAt, p.globalCooldown);
        e.calendar = wantGlobal && _calendarDue(s);
        if (!stableDue && !globalDue && !e.calendar) return e;
        if (e.c.sequencerFeed != address(0)) {
            Oracle.checkSequencer(e.c.sequencerFeed, e.c.sequencerGrace, words, e.c.n);
        }
        e.targets = _unpackTargets(e.c.n);
        e.prices = _readPrices(e.c, globalDue || e.calendar ? type(uint256).max : e.c.stableMask, words);
        uint256 total;
        (e.values, total) = _valuesOf(e.c, e.prices);
        if (stableDue) {
            (e.sliceValue, e.sliceTarget) = Drift.slice(e.values, e.targets, e.c.stableMask);
            e.st = Drift.stableMeasure(e.values, e.targets, e.c.stableMask, e.sliceValue, e.sliceTarget);
            e.depeg = _depegged(e.c, e.prices, p.depegBps);
            if (e.depeg || Drift.exceeds(e.st, p.stableDriftBps)) e.triggered |= PerformData.PATH_STABLE;
        }
        if (globalDue || e.calendar) {
            e.total = total;
            e.g = Drift.globalMeasure(e.values, e.targets, e.c.stableMask, e.total);
            bool drifted = globalDue && Drift.exceeds(e.g, p.driftBps);
            e.calendar = !drifted && e.calendar && Drift.exceeds(e.g, dustFloorBps);
            if (drifted || e.calendar) e.triggered |= PerformData.PATH_GLOBAL;
        }
    }

    /// @dev Trades to the clear-band edge (or to target for calendar and depeg rebalances), netted,
    /// dust-filtered and turned into orders.
    function _plan(Eval memory e, uint8 paths) internal view returns (IBalancer.Plan memory plan) {
        int256[] memory deltas = new int256[](e.c.n);
        plan.paths = paths;
        int256 sliceDelta = 0;
        uint256 s = 0;
        uint256 ts = 0;
        (uint256 sNum, uint256 sDen) = (0, 1);
        if (paths & PerformData.PATH_STABLE != 0) {
            uint256 aim = e.depeg ? 0 : Drift.aimBps(e.st, e.p.stableClearBps, e.p.maxSlippageBps);
            (sNum, sDen) = Drift.lambda(e.st, aim);
            plan.driftBeforeBps = uint32(Drift.maxBps(e.st));
            plan.expectedAfterBps = uint32(aim);
        }
        if (paths & PerformData.PATH_GLOBAL != 0) {
            uint256 aim = e.calendar ? 0 : Drift.aimBps(e.g, e.p.clearBps, e.p.maxSlippageBps);
            (uint256 num, uint256 den) = Drift.lambda(e.g, aim);
            (sliceDelta, s, ts) =
                Drift.addGlobalDeltas(deltas, e.values, e.targets, e.c.stableMask, e.total, num, den);
            plan.driftBeforeBps = uint32(Drift.maxBps(e.g));
            plan.expectedAfterBps = uint32(aim);
        } else if (e.c.stableMask != 0) {
            (s, ts) = (e.sliceValue, e.sliceTarget); // only the stable path runs: it computed them
        }
        if (e.c.stableMask != 0) {
            Drift.addSliceDeltas(deltas, e.values, e.targets, e.c.stableMask, s, ts, sliceDelta, sNum, sDen);
        }
        uint256[] memory trades = OrderBook.net(deltas, _dustUsd(_params));
        (plan.orders, plan.hashes, plan.bitmap) = OrderBook.build(trades, _market(e), address(this));
    }

    /// @dev Writes the one state slot and emits the bundle with what the perform measured.
    function _commit(
        IBalancer.State memory s,
        IBalancer.Params memory p,
        IBalancer.Plan memory plan,
        uint256 gasStart
    ) internal {
        bytes32[] memory hashes = plan.hashes;
        bytes32 digest;
        assembly ("memory-safe") {
            digest := keccak256(add(hashes, 0x20), shl(5, mload(hashes))) // keccak256(abi.encodePacked(hashes))
        }
        s.digest = bytes16(digest);
        s.epoch += 1;
        uint32 now32 = uint32(block.timestamp);
        if (plan.paths & PerformData.PATH_STABLE != 0) s.lastStableAt = now32;
        if (plan.paths & PerformData.PATH_GLOBAL != 0) s.lastGlobalAt = now32;
        uint256 used =
            gasStart - gasleft() + PERFORM_TAIL_GAS + PERFORM_TAIL_GAS_PER_ORDER * plan.orders.length;
        _learnGas(s, plan.paths, used);
        _state = s;
        // Hand-encoded, byte-identical to `emit OrdersPublished(s.epoch, uint64(block.timestamp +
        // p.orderTtl), plan.paths, uint32(used), plan.driftBeforeBps, plan.expectedAfterBps, published)`
        // with each order's salt, makingAmount and takingAmount: a PublishedOrder is a static tuple of
        // three words, so the data is (expiry, paths, gasUsed, driftBefore, expectedAfter, 0xc0, length,
        // the orders' words in order).
        uint256 expiry = uint64(block.timestamp + p.orderTtl);
        uint256 epoch = s.epoch;
        ILimitOrderProtocol.Order[] memory orders = plan.orders;
        uint256 paths = plan.paths;
        uint256 driftBefore = plan.driftBeforeBps;
        uint256 expectedAfter = plan.expectedAfterBps;
        bytes32 topic = IBalancer.OrdersPublished.selector;
        assembly ("memory-safe") {
            // Scratch above the free memory pointer: nothing is allocated.
            let m := mload(0x40)
            let n := mload(orders)
            mstore(m, expiry)
            mstore(add(m, 0x20), paths)
            mstore(add(m, 0x40), and(used, 0xffffffff))
            mstore(add(m, 0x60), driftBefore)
            mstore(add(m, 0x80), expectedAfter)
            mstore(add(m, 0xa0), 0xc0)
            mstore(add(m, 0xc0), n)
            let d := add(m, 0xe0)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let o := mload(add(orders, shl(5, add(i, 1))))
                let w := add(d, mul(i, 0x60))
                mstore(w, mload(o)) // salt
                mcopy(add(w, 0x20), add(o, 0xa0), 0x40) // makingAmount, takingAmount
            }
            log2(m, add(0xe0, mul(n, 0x60)), topic, epoch)
        }
    }

    /// @dev Per-path gas estimates: an exponential average (weight 1/4) of measured performs; a perform
    /// running both paths is split between them in proportion to their estimates.
    function _learnGas(IBalancer.State memory s, uint8 paths, uint256 used) internal pure {
        uint256 g32 = used / 32;
        if (paths == 3) {
            uint256 sum = uint256(s.stableGas32) + s.globalGas32;
            uint256 stablePart = sum == 0 ? g32 / 2 : g32 * s.stableGas32 / sum;
            s.stableGas32 = _avg(s.stableGas32, stablePart);
            s.globalGas32 = _avg(s.globalGas32, g32 - stablePart);
        } else if (paths == PerformData.PATH_STABLE) {
            s.stableGas32 = _avg(s.stableGas32, g32);
        } else {
            s.globalGas32 = _avg(s.globalGas32, g32);
        }
    }

    /// @dev When both paths trigger and gas allows only one: the higher expected drift reduction
    /// (in portfolio bps) per unit of estimated gas.
    function _preferred(Eval memory e) internal pure returns (uint8) {
        uint256 gRed =
            Drift.maxBps(e.g) - (e.calendar ? 0 : Drift.aimBps(e.g, e.p.clearBps, e.p.maxSlippageBps));
        uint256 sAim = e.depeg ? 0 : Drift.aimBps(e.st, e.p.stableClearBps, e.p.maxSlippageBps);
        uint256 ts = e.sliceTarget; // both paths triggered: the stable path computed it
        uint256 sRed = (Drift.maxBps(e.st) - sAim) * ts / Drift.BPS;
        return gRed * (uint256(e.s.stableGas32) + 1) >= sRed * (uint256(e.s.globalGas32) + 1)
            ? PerformData.PATH_GLOBAL
            : PerformData.PATH_STABLE;
    }

    function _market(Eval memory e) internal view returns (OrderBook.Market memory m) {
        m.c = e.c;
        m.prices = e.prices;
        m.maxSlippageBps = e.p.maxSlippageBps;
        m.gridLevels = e.p.gridLevels;
        m.gridSpacingBps = e.p.gridSpacingBps;
        m.epoch = uint256(e.s.epoch) + 1;
        m.expiry = block.timestamp + e.p.orderTtl;
        m.duration = e.p.orderTtl;
        m.extensionHash = OrderBook.extensionHash(address(this)) & type(uint160).max;
    }

    /// @dev The fill rate of one of our orders now: buyer units per seller unit as num / den, at the
    /// auction's price (bps of the oracle rate) from the salt, the expiry and the clock.
    function _fillRate(ILimitOrderProtocol.Order calldata order)
        internal
        view
        returns (uint256 num, uint256 den)
    {
        CloneArgs.Config memory c = _config();
        uint256 salt = order.salt;
        uint256 sell = salt >> OrderBook.SALT_SELL & 0xf;
        uint256 buy = salt >> OrderBook.SALT_BUY & 0xf;
        bytes calldata none = msg.data[0:0];
        if (c.sequencerFeed != address(0)) Oracle.checkSequencer(c.sequencerFeed, c.sequencerGrace, none, 0);
        uint256 bps = OrderBook.auctionBps(
            salt, uint40(order.makerTraits >> OrderBook.EXPIRATION_OFFSET), block.timestamp
        );
        return OrderBook.rate(
            bps,
            Oracle.price(c.feed(sell), c.heartbeat(sell), none, 0),
            c.decimals(sell),
            Oracle.price(c.feed(buy), c.heartbeat(buy), none, 0),
            c.decimals(buy)
        );
    }

    /// @dev The fill must belong to the current bundle and take exactly what `_fillable` allows; the
    /// protocol is the only caller.
    function _bookFill(
        ILimitOrderProtocol.Order calldata order,
        bytes32 orderHash,
        uint256 making,
        uint256 taking
    ) internal {
        CloneArgs.Config memory c = _config();
        if (msg.sender != c.protocol) revert IBalancer.OnlyProtocol(msg.sender);
        // Only our own orders, of the current bundle, while not paused. The protocol accepted the
        // order's signature through `isValidSignature` (current bundle, unexpired, not paused) at
        // its first and only fill (its nonce's bit is invalidated by it); the checks here hold
        // whatever path reaches this hook.
        if (address(uint160(order.maker)) != address(this)) {
            revert IBalancer.NotOurOrder(address(uint160(order.maker)));
        }
        if (uint8(_params >> 184) != 0) revert IBalancer.IsPaused();
        IBalancer.State memory s = _state;
        uint256 orderEpoch = OrderBook.epochOf(order);
        if (s.digest == 0 || orderEpoch != s.epoch) {
            revert IBalancer.NotCurrentBundle(uint32(orderEpoch), s.epoch);
        }
        uint256 expected = _fillable(order.makingAmount, s.epoch);
        if (making != expected) revert IBalancer.FillAmountMismatch(making, expected);
        address sell = address(uint160(order.makerAsset));
        _balances[_indexOf(c, sell)] -= making.toUint128();
        _balances[_indexOf(c, address(uint160(order.takerAsset)))] += taking.toUint128();
        IERC20(sell).forceApprove(c.protocol, making);
        emit IBalancer.Filled(orderHash, sell, making, taking);
    }

    function _avg(uint16 old, uint256 sample) private pure returns (uint16) {
        uint256 v = (uint256(old) * 3 + sample) / 4;
        return v > type(uint16).max ? type(uint16).max : uint16(v);
    }

    /// @dev TimeBalancer: whether the calendar rebalance is due.
    function _calendarDue(IBalancer.State memory s) internal view virtual returns (bool);

    /// @dev TimeBalancer: stores and checks the interval and dust floor.
    function _initCalendar(uint32 interval_, uint16 dustFloorBps_) internal virtual;
}
