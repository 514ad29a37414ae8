//! Warnings of the checking stage: what is legal but likely wrong.

use payplan_syntax::{Diagnostic, Span, ToDiagnostic};

/// What is legal but likely wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckWarning {
    #[error("rate `{text}` is above 100%")]
    RateAbove100 { text: String, span: Span },
    /// `pays -20% of cv`, `at 8%, -5%`, `by rank { bronze: -5% }`.
    #[error("rate `{text}` is negative")]
    NegativeRate { text: String, span: Span },
    #[error("rank `{rank}` can never be held")]
    UnreachableRank {
        rank: String,
        span: Span,
        higher: String,
        higher_span: Span,
    },
    #[error("`{name}` is never used")]
    Unused { name: String, span: Span },
    /// `let mine = lvl`, then `sum((mine - lvl) of ev over children where
    /// lvl < mine)`: `mine` is read at each source, where it equals `lvl`.
    #[error("`{name}` is read at the source member here, like the `{like}` it is compared with")]
    SourceCopy {
        name: String,
        like: String,
        span: Span,
    },
}

impl CheckWarning {
    pub fn span(&self) -> Span {
        match self {
            CheckWarning::RateAbove100 { span, .. }
            | CheckWarning::NegativeRate { span, .. }
            | CheckWarning::UnreachableRank { span, .. }
            | CheckWarning::Unused { span, .. }
            | CheckWarning::SourceCopy { span, .. } => *span,
        }
    }

    /// Why it is likely wrong, or what to do about it.
    pub fn help(&self) -> String {
        match self {
            CheckWarning::RateAbove100 { .. } => {
                "a member would be paid more than the value the rate is taken of".into()
            }
            CheckWarning::NegativeRate { .. } => {
                "a member would be charged instead of paid; to deduct an amount, subtract it explicitly".into()
            }
            CheckWarning::UnreachableRank { higher, .. } => format!(
                "a member holds the highest rank it meets; make `{higher}` harder to meet, or remove this rank"
            ),
            CheckWarning::Unused { .. } => "remove it, or use it in a rank, bonus or export".into(),
            CheckWarning::SourceCopy { name, .. } => {
                format!("write `my {name}` to read the earning member's value")
            }
        }
    }
}

impl ToDiagnostic for CheckWarning {
    fn to_diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::warning(self.to_string(), self.span());
        let d = match self {
            CheckWarning::UnreachableRank {
                higher,
                higher_span,
                ..
            } => d.with_secondary(
                *higher_span,
                format!("every member that meets it also meets `{higher}`"),
            ),
            _ => d,
        };
        d.with_help(Some(self.help()))
    }
}
