// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBalancer} from "./IBalancer.sol";

/// @title Creates balancers as minimal clones with validated, immutable asset configuration.
interface IBalancerFactory {
    /// @notice Which implementation to clone.
    enum Kind {
        Drift,
        Time
    }

    /// @notice The 1inch protocol. Its EIP-712 domain is read from the protocol itself
    /// (`DOMAIN_SEPARATOR()`) at creation; `name` and `version`, when given, are checked against it
    /// (empty both: not checked), so a wrong one is refused instead of yielding a balancer whose
    /// orders can never fill.
    struct Protocol {
        address protocol;
        string name;
        string version;
    }

    /// @notice The asset count `n` is 0 or above 16.
    error InvalidAssetCount(uint256 n);
    /// @notice Asset `index` is invalid: zero token or feed, decimals above 18, zero heartbeat, a
    /// deviation threshold above `MAX_DEVIATION_BPS`, or a duplicate.
    error InvalidAsset(uint256 index);
    /// @notice The protocol address is zero, or it does not answer `DOMAIN_SEPARATOR()` with 32 bytes.
    error InvalidProtocol();
    /// @notice The configured name/version give another EIP-712 domain than the protocol's own.
    error ProtocolDomainMismatch(bytes32 configured, bytes32 protocolDomain);

    /// @notice A balancer was created.
    event BalancerCreated(
        address indexed balancer,
        Kind indexed kind,
        address indexed owner,
        address protocol,
        IBalancer.Asset[] assets
    );

    /// @notice Creates and initialises a balancer.
    function create(
        Kind kind,
        IBalancer.Asset[] calldata assets,
        Protocol calldata protocol,
        address sequencerFeed,
        uint32 sequencerGrace,
        IBalancer.InitParams calldata init
    ) external returns (address balancer);
}
