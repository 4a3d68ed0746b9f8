//! `deploy`: deploys the onebalancer stack to an RPC endpoint (default a local anvil), recording
//! it in `deployments/<chainId>.json`; re-running skips what is already there. See `deploy --help`.
//!
//! The signing key comes from `ONEBALANCER_PRIVATE_KEY` or `--keystore FILE` (password in
//! `ONEBALANCER_KEYSTORE_PASSWORD`) — never from arguments, config files or logs.

fn main() -> std::process::ExitCode {
    onebalancer::cli::deploy_main()
}
