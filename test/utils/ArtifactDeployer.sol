// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";

/// @title ArtifactDeployer
/// @notice Deploys contracts from the very artifacts in out/ that script/deploy.rs deploys, with a clear
/// error when one has not been built. Shared by the fixtures so a test can combine them.
abstract contract ArtifactDeployer is Test {
    /// @notice A contract's artifact is missing: run `forge build` before `forge test`. `forge test`
    /// does not compile script/, and test/deps/*.sol is what makes forge write these artifacts.
    error ArtifactNotBuilt(string path);

    /// @notice deployCode("<file>:<name>", args) from out/<file>/<name>.json.
    function _deployArtifact(string memory file, string memory name, bytes memory args)
        internal
        returns (address)
    {
        string memory path = string.concat("out/", file, "/", name, ".json");
        if (!vm.exists(path)) revert ArtifactNotBuilt(path);
        return deployCode(string.concat(file, ":", name), args);
    }
}
