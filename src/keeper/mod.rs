//! The keeper: watches onebalancer targets and performs their Chainlink-Automation-compatible
//! upkeeps itself — as a fallback when the Automation network stays silent, or as the primary
//! performer — configured by [`config`].

pub mod config;
pub mod strategy;
pub mod targets;
