//! Shared helpers for the integration tests: a naive reference oracle of the
//! six reference plans and a random network generator.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::needless_range_loop,
    clippy::cast_possible_truncation
)]

pub mod binary;
pub mod cases;
pub mod examples;
pub mod netgen;
pub mod oracle;
