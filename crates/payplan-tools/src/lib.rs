//! payplan's tools for plan authors and reviewers, built on the `payplan`
//! library's public API alone (as any host could build them):
//!
//! - [`review`]: what a plan pays on a network, to whom, and what it holds
//!   back (`payplan review`);
//! - [`diff`]: two versions of a plan on one network, member by member
//!   (`payplan diff`);
//! - [`plan_tests`]: small networks with the amounts a plan must pay,
//!   written beside plans (`payplan test`).

pub mod diff;
pub mod plan_tests;
pub mod review;
