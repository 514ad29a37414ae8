//! Settling amounts: the global payout limit, pro rata, then rounding
//! (spec steps 3 and 4; step 2, the per-member cap, is in each bonus node).

use payplan_check::TypedPlan;
use payplan_network::{MemberIx, Network};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::EvalError;
use crate::eval::Evaluation;

/// Every bonus's amounts at every member, before and after the limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// `capped[b][m]`: bonus `b` at member `m` after its per-member cap (step 2).
    pub capped: Vec<Vec<Decimal>>,
    /// The sum of all capped amounts.
    pub total: Decimal,
    /// The global limit, `max(limit, 0)`, when the plan has one.
    pub limit: Option<Decimal>,
    /// Whether the limit bit: every amount was scaled by `limit / total`.
    pub scaled: bool,
    /// `paid[b][m]`: the final amount after the limit and rounding (step 4).
    pub paid: Vec<Vec<Decimal>>,
}

/// Applies the limit and rounding to an evaluation's bonus amounts.
pub fn settle(plan: &TypedPlan, net: &Network, eval: &Evaluation) -> Result<Settlement, EvalError> {
    let n = net.len() as MemberIx;
    let mut capped = Vec::with_capacity(plan.bonuses.len());
    let mut total = Decimal::ZERO;
    for bonus in &plan.bonuses {
        let mut column = Vec::with_capacity(n as usize);
        for m in 0..n {
            let v = match eval.value(bonus.node, m) {
                Some(payplan_check::Val::Dec(d)) => d,
                _ => Decimal::ZERO,
            };
            total = total.checked_add(v).ok_or(EvalError::TotalOverflow)?;
            column.push(v);
        }
        capped.push(column);
    }
    let limit = match plan.limit {
        Some(node) => match eval.global(node) {
            Some(payplan_check::Val::Dec(d)) => Some(d.max(Decimal::ZERO)),
            _ => Some(Decimal::ZERO),
        },
        None => None,
    };
    let scaled = matches!(limit, Some(l) if total > l && total > Decimal::ZERO);
    let mut paid = Vec::with_capacity(capped.len());
    for column in &capped {
        let mut out = Vec::with_capacity(column.len());
        for &a in column {
            let a = match limit {
                Some(l) if scaled => scale(a, l, total)?,
                _ => a,
            };
            out.push(plan.rounding.apply(a));
        }
        paid.push(out);
    }
    Ok(Settlement {
        capped,
        total,
        limit,
        scaled,
        paid,
    })
}

/// `a * limit / total`, multiplying first to keep the most digits.
pub fn scale(a: Decimal, limit: Decimal, total: Decimal) -> Result<Decimal, EvalError> {
    match a.checked_mul(limit) {
        Some(p) => p.checked_div(total).ok_or(EvalError::TotalOverflow),
        None => {
            let factor = limit.checked_div(total).ok_or(EvalError::TotalOverflow)?;
            a.checked_mul(factor).ok_or(EvalError::TotalOverflow)
        }
    }
}
