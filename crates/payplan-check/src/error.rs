//! Errors and warnings of the checking stage.

use payplan_syntax::{Diagnostic, Span, ToDiagnostic};

/// Why a parsed plan cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("unknown name `{name}`")]
    UnknownName {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown function `{name}`")]
    UnknownFunction {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown relation `{name}`")]
    UnknownRelation {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown type `{name}`")]
    UnknownType {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown rounding mode `{name}`")]
    UnknownRounding {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("`{name}` is defined twice")]
    Duplicate {
        name: String,
        span: Span,
        first: Span,
    },
    #[error("`{name}` is a built-in name")]
    Reserved {
        name: String,
        span: Span,
        meaning: String,
    },
    #[error("the plan has no `{statement}` statement")]
    MissingStatement {
        statement: String,
        example: String,
        span: Span,
    },
    #[error("`{name}` is exported twice")]
    DuplicateExport {
        name: String,
        span: Span,
        first: Span,
    },
    #[error("rank `{rank}` appears twice in the table")]
    DuplicateEntry {
        rank: String,
        span: Span,
        first: Span,
    },
    #[error("`{statement}` is given twice")]
    RepeatedStatement {
        statement: String,
        span: Span,
        first: Span,
    },
    #[error("expected {expected}, found {found}")]
    TypeMismatch {
        expected: String,
        found: String,
        span: Span,
        help: Option<String>,
    },
    #[error("cannot {action} {left} and {right}")]
    Units {
        action: String,
        left: String,
        right: String,
        span: Span,
        help: Option<String>,
    },
    #[error("{message}")]
    Invalid {
        message: String,
        span: Span,
        help: Option<String>,
    },
    #[error("`{name}` depends on itself")]
    Cycle {
        name: String,
        span: Span,
        path: Vec<(String, Span)>,
        kind: CycleKind,
    },
    #[error("`{rank}` is not a rank of this plan")]
    UnknownRank {
        rank: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("bad table: {message}")]
    BadTable {
        message: String,
        span: Span,
        help: Option<String>,
    },
}

/// How a cycle of definitions fails to be well founded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleKind {
    /// At the same member, with no relation in between.
    Local,
    /// Through the tree, both down (the downline) and up (the upline).
    UpAndDown,
    /// Through a network total or the placement tree, which cannot recurse.
    Global,
}

impl CheckError {
    pub fn span(&self) -> Span {
        match self {
            CheckError::UnknownName { span, .. }
            | CheckError::UnknownFunction { span, .. }
            | CheckError::UnknownRelation { span, .. }
            | CheckError::UnknownType { span, .. }
            | CheckError::UnknownRounding { span, .. }
            | CheckError::Duplicate { span, .. }
            | CheckError::Reserved { span, .. }
            | CheckError::RepeatedStatement { span, .. }
            | CheckError::TypeMismatch { span, .. }
            | CheckError::Units { span, .. }
            | CheckError::Invalid { span, .. }
            | CheckError::Cycle { span, .. }
            | CheckError::UnknownRank { span, .. }
            | CheckError::BadTable { span, .. }
            | CheckError::MissingStatement { span, .. }
            | CheckError::DuplicateExport { span, .. }
            | CheckError::DuplicateEntry { span, .. } => *span,
        }
    }

    pub fn help(&self) -> Option<String> {
        let did_you_mean = |s: &Option<String>| s.as_ref().map(|s| format!("did you mean `{s}`?"));
        match self {
            CheckError::UnknownName { suggestion, .. } => did_you_mean(suggestion)
                .or_else(|| Some("declare it with `input` or `let`, or check its spelling".to_string())),
            CheckError::UnknownFunction { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                Some("functions are sum, count, min, max, any, all, total, money, differential and pool".to_string())
            }),
            CheckError::UnknownRelation { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                Some("relations are children, legs, downline, group, upline, left, right, levels and generations".into())
            }),
            CheckError::UnknownType { suggestion, .. } => did_you_mean(suggestion)
                .or_else(|| Some("input types are volume, money, percent, count and bool".to_string())),
            CheckError::UnknownRounding { suggestion, .. } => Some(format!(
                "{}rounding modes are half_even (banker's rounding), half_up, half_down, down and up",
                did_you_mean(suggestion).map(|d| format!("{d} ")).unwrap_or_default()
            )),
            CheckError::UnknownRank { suggestion, .. } => did_you_mean(suggestion),
            CheckError::Duplicate { .. } => Some("give each input, definition, rank and bonus its own name".into()),
            CheckError::Reserved { meaning, .. } => Some(format!("{meaning}; choose another name")),
            CheckError::MissingStatement { example, .. } => Some(format!("add `{example}`")),
            CheckError::DuplicateExport { .. } => Some("export each column once".to_string()),
            CheckError::DuplicateEntry { .. } => Some("give each rank one value".to_string()),
            CheckError::RepeatedStatement { .. } => Some("keep one of them".to_string()),
            CheckError::TypeMismatch { help, .. } | CheckError::Units { help, .. } | CheckError::Invalid { help, .. } => {
                help.clone()
            }
            CheckError::BadTable { help, .. } => help.clone(),
            CheckError::Cycle { path, kind, .. } => {
                let chain = path.iter().map(|(n, _)| format!("`{n}`")).collect::<Vec<_>>().join(" -> ");
                Some(match kind {
                    CycleKind::Local => format!(
                        "{chain}; a definition may read its own value only at other members, through a relation such as `children` or `downline`"
                    ),
                    CycleKind::UpAndDown => format!(
                        "{chain}; a cycle may run down the tree (through the downline) or up it (through the upline), not both"
                    ),
                    CycleKind::Global => format!(
                        "{chain}; a network total or a placement subtree cannot depend on the value it feeds"
                    ),
                })
            }
        }
    }
}

impl ToDiagnostic for CheckError {
    fn to_diagnostic(&self) -> Diagnostic {
        let mut d = Diagnostic::error(self.to_string(), self.span()).with_help(self.help());
        match self {
            CheckError::Duplicate { first, .. } | CheckError::RepeatedStatement { first, .. } => {
                d = d
                    .with_label("defined again here")
                    .with_secondary(*first, "first defined here");
            }
            CheckError::DuplicateExport { first, .. } => {
                d = d
                    .with_label("exported again here")
                    .with_secondary(*first, "first exported here");
            }
            CheckError::DuplicateEntry { first, .. } => {
                d = d
                    .with_label("given again here")
                    .with_secondary(*first, "first entry here");
            }
            CheckError::MissingStatement { statement, .. } => {
                d = d.with_label(format!("this plan has no `{statement}`"));
            }
            CheckError::UnknownName { .. } => d = d.with_label("not defined"),
            CheckError::UnknownFunction { .. } => d = d.with_label("not a function"),
            CheckError::UnknownRelation { .. } => d = d.with_label("not a relation"),
            CheckError::UnknownType { .. } => d = d.with_label("not a type"),
            CheckError::UnknownRounding { .. } => d = d.with_label("not a rounding mode"),
            CheckError::UnknownRank { .. } => d = d.with_label("not a rank"),
            CheckError::Cycle { path, .. } => {
                d = d.with_label("defined here");
                for (name, span) in path.iter().skip(1) {
                    if *span != self.span() {
                        d = d.with_secondary(*span, format!("through `{name}`"));
                    }
                }
            }
            CheckError::TypeMismatch { expected, .. } => {
                d = d.with_label(format!("expected {expected}"))
            }
            _ => {}
        }
        d
    }
}

/// What is legal but likely wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckWarning {
    #[error("rate `{text}` is above 100%")]
    RateAbove100 { text: String, span: Span },
    #[error("rank `{rank}` can never be held")]
    UnreachableRank {
        rank: String,
        span: Span,
        higher: String,
        higher_span: Span,
    },
    #[error("`{name}` is never used")]
    Unused { name: String, span: Span },
}

impl CheckWarning {
    pub fn span(&self) -> Span {
        match self {
            CheckWarning::RateAbove100 { span, .. }
            | CheckWarning::UnreachableRank { span, .. }
            | CheckWarning::Unused { span, .. } => *span,
        }
    }
}

impl ToDiagnostic for CheckWarning {
    fn to_diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::warning(self.to_string(), self.span());
        match self {
            CheckWarning::RateAbove100 { .. } => {
                d.with_help(Some("a member would be paid more than the value the rate is taken of".to_string()))
            }
            CheckWarning::UnreachableRank { higher, higher_span, .. } => d
                .with_secondary(*higher_span, format!("every member that meets it also meets `{higher}`"))
                .with_help(Some(format!(
                    "a member holds the highest rank it meets; make `{higher}` harder to meet, or remove this rank"
                ))),
            CheckWarning::Unused { .. } => {
                d.with_help(Some("remove it, or use it in a rank, bonus or export".to_string()))
            }
        }
    }
}
