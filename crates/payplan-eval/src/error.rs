//! Errors of the evaluation stage.

/// Why a plan could not be run on a network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("member `{member}`: `{what}` is too large to compute exactly")]
    Overflow { member: String, what: String },
    #[error("member `{member}`: `{what}` divides by zero")]
    DivisionByZero { member: String, what: String },
    #[error("member `{member}`: `{what}` gives the rate {value}, which its table does not hold")]
    RateNotInTable {
        member: String,
        what: String,
        value: String,
    },
    #[error("the plan reads the input `{column}`, which the network does not have")]
    MissingColumn { column: String },
    #[error("the plan uses the placement tree, which the network does not have")]
    MissingPlacement,
    #[error("the total payout is too large to compute exactly")]
    TotalOverflow,
}

impl EvalError {
    pub fn help(&self) -> Option<String> {
        match self {
            EvalError::Overflow { .. } | EvalError::TotalOverflow => Some(
                "amounts hold 28 significant digits; check the network's values for typing errors"
                    .into(),
            ),
            EvalError::DivisionByZero { .. } => Some(
                "guard the division with `if ... then ... else`, or use `pool` to share an amount"
                    .into(),
            ),
            EvalError::RateNotInTable { .. } => None,
            EvalError::MissingColumn { .. } | EvalError::MissingPlacement => {
                Some("load the network with the plan's schema".into())
            }
        }
    }
}
