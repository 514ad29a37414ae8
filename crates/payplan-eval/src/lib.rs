//! payplan's evaluator: runs a typed plan's passes over a flattened network
//! and settles the amounts (per-member caps, the global limit, rounding).
//!
//! Members are in sponsor-tree preorder, so a bottom-up pass is a loop from
//! the last member to the first and a top-down pass the reverse: nothing
//! recurses on the depth of the network.

mod acc;
mod arith;
mod compile;
mod earner;
mod env;
mod error;
mod eval;
mod exact;
mod lane;
mod matrix;
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

/// `a + b` exactly: `None` when the sum needs more digits than a decimal
/// holds (rust_decimal's own `checked_add` would round it silently).
pub fn exact_add(
    a: rust_decimal::Decimal,
    b: rust_decimal::Decimal,
) -> Option<rust_decimal::Decimal> {
    arith::add(a, b, arith::Mode::Exact).ok()
}

/// `a - b` exactly, as [`exact_add`].
pub fn exact_sub(
    a: rust_decimal::Decimal,
    b: rust_decimal::Decimal,
) -> Option<rust_decimal::Decimal> {
    arith::sub(a, b, arith::Mode::Exact).ok()
}
