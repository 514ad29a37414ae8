//! payplan's checker: names, types, units and dependencies, from the AST to
//! a typed plan whose nodes hold resolved slots and whose passes are ordered.
//!
//! The stages, each a module: [`resolve`](self) binds names and orders
//! definitions, `infer` gives them types, `lower` (with `calls`,
//! `aggregate` and `statements`) makes the typed nodes, `warn` finds what
//! is likely wrong and `schedule` orders the passes.

mod aggregate;
mod amount;
mod calls;
mod check;
mod earner;
mod error;
mod implies;
mod infer;
mod lower;
mod resolve;
mod schedule;
mod source;
mod statements;
mod suggest;
pub mod typed;
mod walk;
mod warn;
mod warning;

pub use amount::{amount_text, write_amount};
pub use check::{check, Checked};
pub use earner::MAX_COPIES;
pub use error::{CheckError, CycleKind, LevelKind};
pub use suggest::suggest;
pub use typed::*;
pub use warning::CheckWarning;
