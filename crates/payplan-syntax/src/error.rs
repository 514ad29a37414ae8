//! Errors of the syntax stage.

use crate::echo::code;
use crate::lookalike::LookAlike;
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
    #[error("{} is not a number this plan can hold", code(text))]
    BadNumber { span: Span, text: String },
    /// A number written with an exponent, as `1e5`; `in_full` is the same
    /// number in digits, when a plan can hold it.
    #[error("numbers are written without an exponent, found {}", code(text))]
    Exponent {
        span: Span,
        text: String,
        in_full: Option<String>,
    },
    /// A second `pays` in one bonus; `first` is the bonus's first one.
    #[error("a bonus has one `pays`")]
    SecondPays { span: Span, first: Span },
    /// A character outside ASCII where the plan's words are written.
    #[error("{}", non_ascii_message(*ch, look_alike.as_ref()))]
    NonAscii {
        span: Span,
        ch: char,
        look_alike: Option<LookAlike>,
    },
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
            | SyntaxError::Exponent { span, .. }
            | SyntaxError::SecondPays { span, .. }
            | SyntaxError::NonAscii { span, .. }
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
            SyntaxError::Exponent { in_full, .. } => Some(match in_full {
                Some(digits) => format!("write the number in full: {}", code(digits)),
                None => "write the number in full, in digits; numbers have at most 28 significant digits".to_string(),
            }),
            SyntaxError::SecondPays { .. } => Some(
                "add the amounts with `+` in one `pays`, or make a second bonus".to_string(),
            ),
            SyntaxError::NonAscii { ch, look_alike, .. } => Some(non_ascii_help(*ch, look_alike.as_ref())),
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
            SyntaxError::Exponent { .. } => "an exponent".to_string(),
            SyntaxError::SecondPays { .. } => "a second `pays`".to_string(),
            SyntaxError::NonAscii { .. } => "not ASCII".to_string(),
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
            SyntaxError::SecondPays { first, .. } => d.with_secondary(*first, "the first `pays`"),
            _ => d,
        }
    }
}

/// `` `а` (U+0430) is a Cyrillic letter that looks like the ASCII `a` ``.
fn non_ascii_message(ch: char, look_alike: Option<&LookAlike>) -> String {
    let shown = format!("{} (U+{:04X})", code(&ch.to_string()), u32::from(ch));
    match look_alike {
        Some(l) => format!(
            "{shown} is {} that looks like the ASCII {}",
            l.kind,
            ascii_text(l.ascii)
        ),
        None => format!("{shown} is not an ASCII character"),
    }
}

fn non_ascii_help(ch: char, look_alike: Option<&LookAlike>) -> String {
    match look_alike {
        Some(l) => format!("type the ASCII {} in its place", ascii_text(l.ascii)),
        None if ch.is_alphabetic() => format!(
            "names are written with ASCII letters (`a` to `z`, `A` to `Z`), digits and `_`; replace {}",
            code(&ch.to_string())
        ),
        None => format!(
            "outside quotes and comments, a plan is written in ASCII; remove or replace {}",
            code(&ch.to_string())
        ),
    }
}

/// `letter `a``, `` `<=` ``, `space`.
fn ascii_text(ascii: &str) -> String {
    match ascii {
        " " => "space".to_string(),
        a if a.chars().all(|c| c.is_ascii_alphabetic()) => format!("letter `{a}`"),
        a => format!("`{a}`"),
    }
}
