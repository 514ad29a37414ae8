//! What can be wrong with a test file, with the place it is wrong at.

use payplan::{Diagnostic, Span, ToDiagnostic};

/// A mistake in a test file, or a test that cannot run (an unknown member,
/// a refused network): every variant has the span it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanTestError {
    /// A `"` without its closing `"` on the same line.
    #[error("unclosed quote")]
    UnclosedQuote { span: Span },

    /// A line that does not fit where it is.
    #[error("expected {expected}, found `{found}`")]
    Unexpected {
        span: Span,
        found: String,
        expected: &'static str,
        help: Option<String>,
    },

    /// Something missing at the end of a line.
    #[error("expected {expected} after `{after}`")]
    Missing {
        span: Span,
        after: String,
        expected: &'static str,
        help: Option<String>,
    },

    /// More words on a line than its form takes.
    #[error("unexpected `{found}` at the end of the line")]
    Extra { span: Span, found: String },

    /// The file has no `test`.
    #[error("the file has no tests")]
    NoTests { span: Span },

    /// A `plan "..."` line after the first test, or a second one.
    #[error("the plan is named once, before the first test")]
    PlanPlacement { span: Span },

    /// Two tests with the same name.
    #[error("a second test named `{name}`")]
    DuplicateTest {
        span: Span,
        name: String,
        first: Span,
    },

    /// A test with no `network`.
    #[error("test `{name}` has no network")]
    NoNetwork { span: Span, name: String },

    /// A test with a second `network`.
    #[error("test `{name}` has a second network")]
    SecondNetwork {
        span: Span,
        name: String,
        first: Span,
    },

    /// A test with no expectation.
    #[error("test `{name}` expects nothing")]
    NoExpectations { span: Span, name: String },

    /// An inline network without a header or without members.
    #[error("the network table has no {what}")]
    EmptyTable { span: Span, what: &'static str },

    /// A row with another number of cells than the header.
    #[error("the row has {found} cells, but the header has {expected}")]
    CellCount {
        span: Span,
        found: usize,
        expected: usize,
    },

    /// A header column the plan does not read.
    #[error("the plan reads no column `{column}`")]
    UnknownColumn {
        span: Span,
        column: String,
        columns: Vec<String>,
    },

    /// A header that names a column twice.
    #[error("the header names column `{column}` twice")]
    DuplicateColumn { span: Span, column: String },

    /// An amount that is not a decimal number.
    #[error("`{text}` is not an amount")]
    BadAmount { span: Span, text: String },

    /// The network refused by the loader: the loader's message, placed.
    #[error("{message}")]
    NetworkRefused {
        span: Span,
        message: String,
        help: Option<String>,
        /// Another row the refusal is about (the first use of a repeated id).
        note: Option<(Span, String)>,
    },

    /// The plan could not run on the test's network.
    #[error("the plan cannot run on this network: {message}")]
    Eval {
        span: Span,
        message: String,
        help: Option<String>,
    },

    /// An expectation about a member the network does not have.
    #[error("the network has no member `{member}`")]
    UnknownMember {
        span: Span,
        member: String,
        suggestion: Option<String>,
        /// The network's members, when there are few enough to list.
        members: Vec<String>,
    },

    /// An expectation about a name that is neither a bonus nor an export.
    #[error("the plan has no bonus or export `{name}`")]
    UnknownItem {
        span: Span,
        name: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },

    /// A plan total of something that is not a bonus.
    #[error("the plan has no bonus `{name}`")]
    UnknownBonus {
        span: Span,
        name: String,
        known: Vec<String>,
        suggestion: Option<String>,
    },

    /// An expected value of the wrong kind: a rank where an amount belongs.
    #[error("`{text}` is not {expected}")]
    WrongValue {
        span: Span,
        text: String,
        expected: String,
        help: Option<String>,
    },
}

impl PlanTestError {
    /// The place in the test file the error is about.
    pub fn span(&self) -> Span {
        use PlanTestError as E;
        match self {
            E::UnclosedQuote { span }
            | E::Unexpected { span, .. }
            | E::Missing { span, .. }
            | E::Extra { span, .. }
            | E::NoTests { span }
            | E::PlanPlacement { span }
            | E::DuplicateTest { span, .. }
            | E::NoNetwork { span, .. }
            | E::SecondNetwork { span, .. }
            | E::NoExpectations { span, .. }
            | E::EmptyTable { span, .. }
            | E::CellCount { span, .. }
            | E::UnknownColumn { span, .. }
            | E::DuplicateColumn { span, .. }
            | E::BadAmount { span, .. }
            | E::NetworkRefused { span, .. }
            | E::Eval { span, .. }
            | E::UnknownMember { span, .. }
            | E::UnknownItem { span, .. }
            | E::UnknownBonus { span, .. }
            | E::WrongValue { span, .. } => *span,
        }
    }

    /// A hint on how to fix it, for the `help:` line.
    pub fn help(&self) -> Option<String> {
        use PlanTestError as E;
        match self {
            E::UnclosedQuote { .. } => Some("close the quote on the same line: `\"...\"`".into()),
            E::Unexpected { help, .. } | E::Missing { help, .. } => help.clone(),
            E::Extra { .. } => Some("put one expectation on each line".into()),
            E::NoTests { .. } => Some(
                "start a test with `test \"its name\"`, then its `network` and its `expect` lines"
                    .into(),
            ),
            E::PlanPlacement { .. } => Some(
                "write `plan \"file.plan\"` once, at the top; without it the tests run the `.plan` file of the same name"
                    .into(),
            ),
            E::DuplicateTest { .. } => Some("give every test of a file its own name".into()),
            E::NoNetwork { .. } => Some(
                "add `network` and a table of members, or `network \"file.csv\"`".into(),
            ),
            E::SecondNetwork { .. } => Some("a test runs on one network; start another test for another network".into()),
            E::NoExpectations { .. } => Some(
                "add `expect` and lines such as `ann unilevel 12.50` (member, bonus, amount)".into(),
            ),
            E::EmptyTable { what, .. } => Some(if *what == "members" {
                "write one member per line under the header: `ann  -  120  80`".into()
            } else {
                "start the table with a header such as `id  sponsor  pv  cv`".into()
            }),
            E::CellCount { .. } => Some(
                "write `-` for an empty cell (no sponsor, or the column's default); quote an id that has spaces"
                    .into(),
            ),
            E::UnknownColumn { columns, .. } => {
                Some(format!("the plan reads {}", list(columns)))
            }
            E::DuplicateColumn { .. } => Some("name each column once".into()),
            E::BadAmount { .. } => Some(
                "write amounts as `12.50`: an optional minus sign, digits and an optional fraction; or `nothing`"
                    .into(),
            ),
            E::NetworkRefused { help, .. } | E::Eval { help, .. } => help.clone(),
            E::UnknownMember {
                suggestion,
                members,
                ..
            } => Some(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None if members.is_empty() => "expectations name members by their `id`".into(),
                None if members.len() == 1 => format!("the network's one member is {}", list(members)),
                None => format!("the network's members are {}", list(members)),
            }),
            E::UnknownItem {
                known, suggestion, ..
            } => Some(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None if known.is_empty() => {
                    "write `total` for the member's total, or `nothing`".into()
                }
                None => format!(
                    "the plan's bonuses and exports are {}; or write `total` or `nothing`",
                    list(known)
                ),
            }),
            E::UnknownBonus {
                known, suggestion, ..
            } => Some(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "plan totals are of bonuses ({}) or `total`",
                    list(known)
                ),
            }),
            E::WrongValue { help, .. } => help.clone(),
        }
    }

    fn label(&self) -> String {
        use PlanTestError as E;
        match self {
            E::UnclosedQuote { .. } => "this quote is not closed".into(),
            E::Unexpected { .. } => "unexpected here".into(),
            E::Missing { .. } => "the line ends here".into(),
            E::Extra { .. } => "not expected".into(),
            E::DuplicateTest { .. } => "named again".into(),
            E::SecondNetwork { .. } => "second network".into(),
            E::CellCount { found, .. } => format!("{found} cells"),
            E::UnknownColumn { .. } => "not read by the plan".into(),
            E::UnknownMember { .. } => "no such member".into(),
            E::UnknownItem { .. } | E::UnknownBonus { .. } => "not in the plan".into(),
            E::WrongValue { expected, .. } => format!("not {expected}"),
            E::BadAmount { .. } => "not an amount".into(),
            _ => String::new(),
        }
    }
}

impl ToDiagnostic for PlanTestError {
    fn to_diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::error(self.to_string(), self.span())
            .with_label(self.label())
            .with_help(self.help());
        match self {
            PlanTestError::DuplicateTest { first, .. } => {
                d.with_secondary(*first, "first used here")
            }
            PlanTestError::SecondNetwork { first, .. } => {
                d.with_secondary(*first, "the first network")
            }
            PlanTestError::NetworkRefused {
                note: Some((span, text)),
                ..
            } => d.with_secondary(*span, text.clone()),
            _ => d,
        }
    }
}

/// `a`, `a` and `b`, `a`, `b` and `c`, each in backticks.
pub(crate) fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => "nothing".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The candidate closest to `name`, when one is close enough to be a typo.
pub(crate) use payplan::suggest;
