//! The keeper's collectors: what it learns from the chain (new blocks, logs, scans).

pub mod blocks;
pub mod logs;
pub mod scan;
