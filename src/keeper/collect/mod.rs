//! The keeper's collectors: what it learns from the chain (new blocks, logs, scans).

pub mod blocks;
mod charges;
pub mod logs;
mod quotes;
pub mod scan;
