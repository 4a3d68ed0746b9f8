//! Unit and property tests of the fee model.

mod doc;
mod props;
mod registry;
