//! payplan's plan language: the grammar (`grammar/plan.pest`) to an AST with
//! spans. This is the only crate that sees pest.

pub mod ast;
mod error;
mod parser;
mod span;

pub use error::SyntaxError;
pub use parser::{parse, MAX_NESTING, MAX_OPERATORS};
pub use span::{Diagnostic, Ident, Severity, Span, ToDiagnostic};
