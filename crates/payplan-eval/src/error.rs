//! Errors of the evaluation stage.

use payplan_check::{NodeId, TypedPlan};
use payplan_network::{ColumnKind, MemberIx, Network, NONE};
use payplan_syntax::Span;
use rust_decimal::Decimal;

use crate::arith::{Arith, Miss};

/// Why a plan could not be run on a network. The errors met at a member
/// name it (`member`, its id in the network, or `(network)` for a network
/// total), the plan's name or text for the part that failed (`what`) and
/// where that part is in the plan (`span`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("member `{member}`: `{what}` is too large to compute exactly")]
    Overflow {
        member: String,
        what: String,
        span: Span,
    },
    /// The exact result needs more than 28 significant digits: rounding it
    /// would pay a different amount than the plan says.
    #[error("member `{member}`: `{what}` needs more than 28 significant digits to be exact")]
    Inexact {
        member: String,
        what: String,
        span: Span,
    },
    #[error("member `{member}`: `{what}` divides by zero")]
    DivisionByZero {
        member: String,
        what: String,
        span: Span,
    },
    #[error("member `{member}`: `{what}` gives the rate {value}, which its table does not hold")]
    RateNotInTable {
        member: String,
        what: String,
        value: String,
        span: Span,
    },
    /// A broken invariant of the evaluator: a value it should hold and
    /// does not. A bug in payplan, never read as zero.
    #[error("internal error at member `{member}` in `{what}`: {missing}")]
    Invariant {
        member: String,
        what: String,
        span: Span,
        missing: Missing,
    },
    #[error("the plan reads the input `{column}`, which the network does not have")]
    MissingColumn { column: String },
    #[error(
        "the plan reads the input `{column}` as {}, but the network holds {} in it",
        kind_text(*.expected),
        kind_text(*.found)
    )]
    ColumnKind {
        column: String,
        expected: ColumnKind,
        found: ColumnKind,
    },
    #[error("the network's column `{column}` holds {len} values for {members} members")]
    ColumnLength {
        column: String,
        len: usize,
        members: usize,
    },
    #[error("the plan uses the placement tree, which the network does not have")]
    MissingPlacement,
    #[error("the plan uses the forced matrix, which the network does not have")]
    MissingMatrix,
    /// A member that comes before its sponsor in the network's order: a
    /// broken invariant of the network.
    #[error("internal error: member `{member}` comes before its sponsor in the network's order")]
    Unordered { member: String },
    #[error("the total payout is too large to compute exactly")]
    TotalOverflow,
    #[error("the total payout needs more than 28 significant digits to be exact")]
    TotalInexact,
}

/// What the evaluator found missing at a member.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Missing {
    /// The value of the named part is missing or of another type.
    #[error("the value of `{0}` is missing or of the wrong type")]
    Value(String),
    /// A `levels ... at` list has no rate for this level.
    #[error("level {0} has no rate")]
    Rate(usize),
    /// A `by rank` table has no entry for this rank (0 is no rank).
    #[error("its table has no entry for rank {0}")]
    Entry(u16),
    /// The running state of an aggregate over the members below.
    #[error("its running state is missing")]
    State,
    /// `within` met outside an aggregate over `children`, or without the
    /// placement tree.
    #[error("`within` has no placement tree or no sponsor to look from")]
    Placement,
    /// A part whose value is not of the type the checker gave it.
    #[error("a part of it has a value of the wrong type")]
    Type,
}

fn kind_text(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Decimal | ColumnKind::Percent => "numbers",
        ColumnKind::Bool => "true/false values",
    }
}

impl EvalError {
    pub fn help(&self) -> Option<String> {
        match self {
            EvalError::Overflow { .. } | EvalError::TotalOverflow => Some(
                "amounts hold 28 significant digits; check the network's values for typing errors"
                    .into(),
            ),
            EvalError::Inexact { .. } | EvalError::TotalInexact => Some(
                "amounts hold 28 significant digits and are never rounded before the payout's \
                 rounding; check the network's values for typing errors"
                    .into(),
            ),
            EvalError::DivisionByZero { .. } => Some(
                "guard the division with `if ... then ... else`, or use `pool` to share an amount"
                    .into(),
            ),
            EvalError::RateNotInTable { .. } => None,
            EvalError::Invariant { .. } | EvalError::Unordered { .. } => Some(
                "this is a bug in payplan, not in the plan or the network: please report it".into(),
            ),
            EvalError::MissingColumn { .. }
            | EvalError::ColumnKind { .. }
            | EvalError::ColumnLength { .. }
            | EvalError::MissingPlacement
            | EvalError::MissingMatrix => Some("load the network with the plan's schema".into()),
        }
    }

    /// Where in the plan the error arose, for errors met at a part of it.
    pub fn span(&self) -> Option<Span> {
        match self {
            EvalError::Overflow { span, .. }
            | EvalError::Inexact { span, .. }
            | EvalError::DivisionByZero { span, .. }
            | EvalError::RateNotInTable { span, .. }
            | EvalError::Invariant { span, .. } => Some(*span),
            _ => None,
        }
    }

    /// The id of the member the error arose at, for errors met at one.
    pub fn member(&self) -> Option<&str> {
        match self {
            EvalError::Overflow { member, .. }
            | EvalError::Inexact { member, .. }
            | EvalError::DivisionByZero { member, .. }
            | EvalError::RateNotInTable { member, .. }
            | EvalError::Invariant { member, .. } => Some(member),
            _ => None,
        }
    }

    /// What a label under the plan line says about the error.
    pub fn label(&self) -> Option<&'static str> {
        Some(match self {
            EvalError::Overflow { .. } => "too large here",
            EvalError::Inexact { .. } => "cannot be computed exactly here",
            EvalError::DivisionByZero { .. } => "divides by zero here",
            EvalError::RateNotInTable { .. } => "rate not in the table",
            EvalError::Invariant { .. } => "while computing this",
            _ => return None,
        })
    }
}

/// The error of `arith` met at `member` (or [`NONE`], the network) in
/// node `node`, with the node's name and place in the plan; `rate` is the
/// percentage of a [`Arith::NotInTable`].
#[cold]
#[inline(never)]
pub(crate) fn at_member(
    e: Arith,
    plan: &TypedPlan,
    net: &Network,
    member: MemberIx,
    node: NodeId,
    rate: Option<Decimal>,
) -> EvalError {
    let member = if member == NONE {
        String::from("(network)")
    } else {
        net.id(member).to_string()
    };
    let (what, span) = named(plan, node);
    match e {
        Arith::Overflow => EvalError::Overflow { member, what, span },
        Arith::Inexact => EvalError::Inexact { member, what, span },
        Arith::DivisionByZero => EvalError::DivisionByZero { member, what, span },
        Arith::NotInTable => EvalError::RateNotInTable {
            member,
            what,
            value: match rate {
                Some(v) => v.normalize().to_string(),
                None => String::from("?"),
            },
            span,
        },
        Arith::Invariant(miss) => EvalError::Invariant {
            member,
            what,
            span,
            missing: match miss {
                Miss::Value(n) => Missing::Value(named(plan, n as NodeId).0),
                Miss::Rate(level) => Missing::Rate(level as usize),
                Miss::Entry(rank) => Missing::Entry(rank),
                Miss::State => Missing::State,
                Miss::Placement => Missing::Placement,
                Miss::Type => Missing::Type,
            },
        },
    }
}

/// Node `node`'s label and span; a node the plan does not have (itself a
/// broken invariant) is named by its number.
fn named(plan: &TypedPlan, node: NodeId) -> (String, Span) {
    match plan.nodes.get(node) {
        Some(n) => (n.label.clone(), n.span),
        None => (format!("node {node}"), Span::default()),
    }
}
