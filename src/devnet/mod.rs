//! What only a local chain needs: tooling that stands beside a devnet, never a real network.

pub mod rpc_proxy;
