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

    /// @notice The 1inch protocol and its EIP-712 domain (deployed routers use another name/version
    /// than the sources, so these are configuration).
    struct Protocol {
        address protocol;
        string name;
        string version;
    }

    /// @notice The asset count `n` is 0 or above 16.
    error InvalidAssetCount(uint256 n);
    /// @notice Asset `index` is invalid: zero token or feed, decimals above 18, zero heartbeat, or a duplicate.
    error InvalidAsset(uint256 index);
    /// @notice The protocol address is zero.
    error InvalidProtocol();

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
