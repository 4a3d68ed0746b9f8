//! Rust end-to-end tests: one test binary, a module per concern. They drive the real tools
//! (anvil, forge, script/setup.sh) and our real binaries.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs,
    unreachable_pub
)]

mod bands;
mod bench;
mod budget;
mod compilers;
mod deploy;
mod devnet;
mod devnet_don;
mod don;
mod errors;
mod forecast;
mod funding;
mod hub;
mod hub_keeper;
mod keeper_devnet;
mod keeper_errors;
mod keeper_process;
mod offpeak;
mod portfolio;
mod relay;
mod slither_gate;
mod support;
mod taker;
mod txm;
