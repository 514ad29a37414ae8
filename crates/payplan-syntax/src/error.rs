//! Errors of the syntax stage.

use crate::span::{Diagnostic, Span, ToDiagnostic};

/// Why a plan's text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyntaxError {
    #[error("expected {expected}, found {found}")]
    Unexpected {
        span: Span,
        found: String,
        expected: String,
        help: Option<String>,
        /// Another place that explains the error (an unclosed bracket).
        note: Option<Box<(Span, String)>>,
    },
    #[error("`{text}` is not a number this plan can hold")]
    BadNumber { span: Span, text: String },
    #[error("expression nested too deeply")]
    TooDeep { span: Span, limit: usize },
    #[error("statement too long")]
    TooLong { span: Span, limit: usize },
    #[error("plan too complex to parse: {detail}")]
    TooComplex { span: Span, detail: String },
    /// The parse tree did not have the shape the grammar promises.
    #[error("internal error: unexpected parse tree shape")]
    Internal { span: Span },
}

impl SyntaxError {
    pub fn span(&self) -> Span {
        match self {
            SyntaxError::Unexpected { span, .. }
            | SyntaxError::BadNumber { span, .. }
            | SyntaxError::TooDeep { span, .. }
            | SyntaxError::TooLong { span, .. }
            | SyntaxError::TooComplex { span, .. }
            | SyntaxError::Internal { span } => *span,
        }
    }

    pub fn help(&self) -> Option<String> {
        match self {
            SyntaxError::Unexpected { help, .. } => help.clone(),
            SyntaxError::BadNumber { .. } => {
                Some("numbers have at most 28 significant digits".to_string())
            }
            SyntaxError::TooDeep { limit, .. } => Some(format!(
                "brackets and `if`s nest at most {limit} deep in one statement; name a part with `let` and use the name"
            )),
            SyntaxError::TooLong { limit, .. } => Some(format!(
                "a statement may chain at most {limit} operators; name parts with `let` and use the names"
            )),
            SyntaxError::TooComplex { .. } => Some("split the plan's expressions into smaller `let`s".to_string()),
            SyntaxError::Internal { .. } => Some("please report this plan to the payplan developers".to_string()),
        }
    }
}

impl ToDiagnostic for SyntaxError {
    fn to_diagnostic(&self) -> Diagnostic {
        let label = match self {
            SyntaxError::Unexpected { found, .. } if found.starts_with("the end") => {
                "the file ends here".to_string()
            }
            SyntaxError::Unexpected { found, .. } => format!("unexpected {found}"),
            SyntaxError::TooDeep { .. } => "too deep".to_string(),
            SyntaxError::TooLong { .. } => "too many operators".to_string(),
            _ => String::new(),
        };
        let d = Diagnostic::error(self.to_string(), self.span())
            .with_label(label)
            .with_help(self.help());
        match self {
            SyntaxError::Unexpected {
                note: Some(note), ..
            } => d.with_secondary(note.0, note.1.clone()),
            _ => d,
        }
    }
}
