//! The keeper: watches onebalancer targets and performs their Chainlink-Automation-compatible
//! upkeeps itself — as a fallback when the Automation network stays silent, or as the primary
//! performer — configured by [`config`].

pub mod bands;
pub mod check;
pub mod collect;
pub mod config;
pub mod engine;
pub mod execute;
pub mod funding;
pub mod hub;
pub mod metrics;
pub mod polling;
pub mod relay;
pub mod service;
pub mod strategy;
pub mod targets;
