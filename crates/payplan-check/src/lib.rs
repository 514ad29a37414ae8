//! payplan's checker: names, types, units and dependencies, from the AST to
//! a typed plan whose nodes hold resolved slots and whose passes are ordered.

mod check;
mod error;
mod implies;
mod schedule;
pub mod typed;

pub use check::{check, Checked};
pub use error::{CheckError, CheckWarning, CycleKind};
pub use typed::*;
