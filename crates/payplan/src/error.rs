//! The facade's errors: a plan that does not compile, a run that cannot be
//! made or read, and their union for hosts that take any of them.

use payplan_eval::EvalError;
use payplan_explain::ExplainError;
use payplan_network::{MemberIx, NetworkError};
use payplan_syntax::{Diagnostic, Severity};

/// A plan that did not compile: every diagnostic, with the text to render them against.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file_name}: {}", summary(.diagnostics))]
pub struct CompileError {
    pub file_name: String,
    pub source_text: String,
    /// Errors first; warnings found on the way follow.
    pub diagnostics: Vec<Diagnostic>,
}

fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    match errors.as_slice() {
        [one] => one.message.clone(),
        [first, ..] => format!("{} (and {} more errors)", first.message, errors.len() - 1),
        [] => "the plan does not compile".to_string(),
    }
}

/// Why a run could not be made, or one of its values read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The evaluation refused the network (an overflow, a missing column).
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The name is none of the plan's bonuses, exports, inputs or `let`s, nor `rank`.
    #[error("the plan has no value `{name}`")]
    UnknownName { name: String },
    /// The run let go of the values once the passes that read them were
    /// done: only bonuses, exports and the limit are kept by default.
    #[error("the run did not keep the values of `{name}`")]
    NotKept { name: String },
    /// A member index beyond the network the run evaluated.
    #[error("no member at index {index}: the network has {members} members")]
    NoMember { index: MemberIx, members: usize },
    /// A broken invariant: the evaluation lost values it always keeps (a
    /// bonus's amounts, an export).
    #[error("internal error: the run lost the values of `{name}`")]
    Lost { name: String },
    /// A broken invariant: a value of another kind than its type.
    #[error("internal error: `{name}` holds a value of another kind than its type")]
    WrongKind { name: String },
    /// A broken invariant: a rank value beyond the plan's ranks.
    #[error("internal error: `{name}` holds rank {rank}, but the plan has {ranks} ranks")]
    RankOutOfRange {
        name: String,
        rank: u16,
        ranks: usize,
    },
}

impl RunError {
    /// A suggestion for people, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            RunError::Eval(e) => e.help(),
            RunError::UnknownName { .. } => {
                Some("name a bonus, an export, an input, a `let`, or `rank`".into())
            }
            RunError::NotKept { .. } => {
                Some("evaluate with every value kept (`keep_every_value`)".into())
            }
            RunError::NoMember { .. } => {
                Some("take the member's index from the network the run evaluated".into())
            }
            RunError::Lost { .. }
            | RunError::WrongKind { .. }
            | RunError::RankOutOfRange { .. } => Some(
                "this is a mistake in payplan: please report it with the plan and the network"
                    .into(),
            ),
        }
    }
}

/// Anything that can go wrong between a plan's text and its payouts.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Compile(#[from] CompileError),
    #[error(transparent)]
    Network(#[from] NetworkError),
    #[error(transparent)]
    Eval(#[from] EvalError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    Explain(#[from] ExplainError),
}
