//! Rust end-to-end tests (one test binary, modules by concern).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
