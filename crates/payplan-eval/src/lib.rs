//! payplan's evaluator: runs a typed plan's passes over a flattened network
//! and settles the amounts (per-member caps, the global limit, rounding).
//!
//! Members are in sponsor-tree preorder, so a bottom-up pass is a loop from
//! the last member to the first and a top-down pass the reverse: nothing
//! recurses on the depth of the network.

mod acc;
mod arith;
mod compile;
mod env;
mod error;
mod eval;
mod exact;
mod lane;
mod member;
mod parallel;
mod placement;
mod program;
mod quotient;
mod schedule;
mod settle;

pub use error::{EvalError, Missing};
pub use eval::{evaluate, evaluate_with, EvalOptions, Evaluation};
pub use settle::{scale, settle, Amounts, Settlement};
