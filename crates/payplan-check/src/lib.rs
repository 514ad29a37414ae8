//! payplan's checker: names, types, units and dependencies, from the AST to
//! a typed plan whose nodes hold resolved slots and whose passes are ordered.

mod amount;
mod check;
mod error;
mod implies;
mod schedule;
pub mod typed;

pub use amount::{amount_text, write_amount};
pub use check::{check, suggest, Checked};
pub use error::{CheckError, CheckWarning, CycleKind};
pub use typed::*;
