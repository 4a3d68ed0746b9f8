// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "./interfaces/IBalancer.sol";
import {IBalancerFactory} from "./interfaces/IBalancerFactory.sol";
import {CloneArgs} from "./libraries/CloneArgs.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title Balancer factory: EIP-1167 clones carrying their asset configuration as immutable args.
/// @notice The implementations are deployed once, separately; the factory's own code stays small.
contract BalancerFactory is IBalancerFactory {
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @notice The largest feed deviation threshold an asset may declare (20 %).
    uint256 public constant MAX_DEVIATION_BPS = 2000;

    /// @notice The DriftBalancer implementation.
    address public immutable driftImplementation;
    /// @notice The TimeBalancer implementation.
    address public immutable timeImplementation;

    constructor(address drift, address time) {
        driftImplementation = drift;
        timeImplementation = time;
    }

    /// @inheritdoc IBalancerFactory
    function create(
        Kind kind,
        IBalancer.Asset[] calldata assets,
        Protocol calldata protocol,
        address sequencerFeed,
        uint32 sequencerGrace,
        IBalancer.InitParams calldata init
    ) external returns (address balancer) {
        _validate(assets);
        bytes32 domain = _domainOf(protocol.protocol);
        if (bytes(protocol.name).length != 0 || bytes(protocol.version).length != 0) {
            bytes32 configured = keccak256(
                abi.encode(
                    DOMAIN_TYPEHASH,
                    keccak256(bytes(protocol.name)),
                    keccak256(bytes(protocol.version)),
                    block.chainid,
                    protocol.protocol
                )
            );
            if (configured != domain) revert ProtocolDomainMismatch(configured, domain);
        }
        bytes memory args = CloneArgs.encode(protocol.protocol, domain, sequencerFeed, sequencerGrace, assets);
        balancer = Clones.cloneWithImmutableArgs(
            kind == Kind.Drift ? driftImplementation : timeImplementation, args
        );
        IBalancer(balancer).initialize(init);
        emit BalancerCreated(balancer, kind, init.owner, protocol.protocol, assets);
    }

    /// @dev The protocol's own EIP-712 domain separator.
    function _domainOf(address protocol) internal view returns (bytes32) {
        if (protocol == address(0)) revert InvalidProtocol();
        (bool ok, bytes memory r) = protocol.staticcall(abi.encodeWithSignature("DOMAIN_SEPARATOR()"));
        if (!ok || r.length != 32) revert InvalidProtocol();
        return abi.decode(r, (bytes32));
    }

    function _validate(IBalancer.Asset[] calldata assets) internal pure {
        uint256 n = assets.length;
        if (n == 0 || n > CloneArgs.MAX_ASSETS) revert InvalidAssetCount(n);
        for (uint256 i; i < n; ++i) {
            IBalancer.Asset calldata a = assets[i];
            if (a.token == address(0) || a.feed == address(0) || a.tokenDecimals > 18 || a.feedDecimals > 18)
            {
                revert InvalidAsset(i);
            }
            if (a.heartbeat == 0 || a.deviationBps > MAX_DEVIATION_BPS) revert InvalidAsset(i);
            for (uint256 j; j < i; ++j) {
                if (assets[j].token == a.token) revert InvalidAsset(i);
            }
        }
    }
}
