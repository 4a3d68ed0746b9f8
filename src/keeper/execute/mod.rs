//! The keeper's executors: they carry out the strategies' decisions on chain.

pub mod perform;
