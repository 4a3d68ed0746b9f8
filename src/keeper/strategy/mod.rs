//! The keeper's strategies: pure functions of state and events into actions, calling only
//! `model/`. No RPC, no clock: every input (blocks, times, reads) is an argument, so each rule is
//! unit-tested without a chain.

pub mod perform;
pub mod schedule;
