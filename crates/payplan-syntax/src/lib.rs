//! payplan's plan language: the grammar (`grammar/plan.pest`) to an AST with
//! spans. This is the only crate that sees pest.

pub mod ast;
pub mod echo;
mod error;
mod hints;
pub mod keywords;
mod lookalike;
mod nesting;
mod parse_error;
mod parser;
mod span;
mod suggest;

#[cfg(test)]
mod grammar_tests;

pub use error::SyntaxError;
pub use lookalike::{look_alike, LookAlike};
pub use nesting::{MAX_NESTING, MAX_OPERATORS};
pub use parser::parse;
pub use span::{Diagnostic, Ident, Severity, Span, ToDiagnostic};
pub use suggest::suggest;
