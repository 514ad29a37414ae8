//! Settling amounts: the global payout limit, pro rata, then rounding
//! (spec steps 3 and 4; step 2, the per-member cap, is in each bonus node).

use payplan_check::{BonusSpec, NodeId, TypedPlan, Val};
use payplan_network::{MemberIx, Network, NONE};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::arith::{add, Arith, Miss, Mode};
use crate::error::{at_member, EvalError};
use crate::eval::Evaluation;
use crate::quotient::quotients;

/// One bonus's amounts, kept only where they differ from a plain zero
/// (`0`, scale 0): most members earn nothing from most bonuses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawAmounts")]
pub struct Amounts {
    /// The members with an amount, ascending.
    members: Vec<MemberIx>,
    /// `amounts[i]` is the amount of `members[i]`.
    amounts: Vec<Decimal>,
}

impl Amounts {
    /// The amount at `member`: a plain zero when none is kept, as
    /// [`Amounts`] keeps only the others.
    pub fn get(&self, member: MemberIx) -> Decimal {
        let kept = self.members.binary_search(&member).ok();
        match kept.and_then(|i| self.amounts.get(i)) {
            Some(a) => *a,
            None => Decimal::ZERO,
        }
    }

    /// The kept amounts as `(member, amount)`, in member order; every
    /// member not listed has a plain zero.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (MemberIx, Decimal)> + '_ {
        self.members
            .iter()
            .zip(&self.amounts)
            .map(|(&m, &a)| (m, a))
    }

    /// The `i`-th kept amount as `(member, amount)`, in member order.
    pub fn entry(&self, i: usize) -> Option<(MemberIx, Decimal)> {
        Some((*self.members.get(i)?, *self.amounts.get(i)?))
    }

    /// The number of kept amounts.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether every member's amount is a plain zero.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `member`'s amount; members come in ascending order.
    fn push(&mut self, member: MemberIx, amount: Decimal) {
        if !is_plain_zero(amount) {
            self.members.push(member);
            self.amounts.push(amount);
        }
    }

    fn shrink(&mut self) {
        self.members.shrink_to_fit();
        self.amounts.shrink_to_fit();
    }
}

/// [`Amounts`] as read, before its members are checked to ascend.
#[derive(Deserialize)]
struct RawAmounts {
    members: Vec<MemberIx>,
    amounts: Vec<Decimal>,
}

impl TryFrom<RawAmounts> for Amounts {
    type Error = &'static str;

    fn try_from(raw: RawAmounts) -> Result<Self, Self::Error> {
        if raw.members.len() != raw.amounts.len() {
            return Err("as many amounts as members expected");
        }
        if raw.members.windows(2).any(|w| w.first() >= w.last()) {
            return Err("members in ascending order expected");
        }
        Ok(Amounts {
            members: raw.members,
            amounts: raw.amounts,
        })
    }
}

/// Whether `d` is exactly `Decimal::ZERO`: a zero with decimals (`0.00`) is
/// kept, so that sums and every amount read back are the evaluator's own.
fn is_plain_zero(d: Decimal) -> bool {
    d.is_zero() && d.scale() == 0 && d.is_sign_positive()
}

/// Every bonus's amounts at every member, before and after the limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// Per bonus, the amounts after the per-member cap (step 2).
    capped: Vec<Amounts>,
    /// The sum of all capped amounts.
    pub total: Decimal,
    /// The global limit, `max(limit, 0)`, when the plan has one.
    pub limit: Option<Decimal>,
    /// Whether the limit bit: every amount was scaled by `limit / total`.
    pub scaled: bool,
    /// Per bonus, the final amounts after the limit and rounding (step 4).
    paid: Vec<Amounts>,
}

impl Settlement {
    /// Bonus `bonus`'s amount at `member` after its cap (zero out of range).
    pub fn capped(&self, bonus: usize, member: MemberIx) -> Decimal {
        self.capped
            .get(bonus)
            .map_or(Decimal::ZERO, |a| a.get(member))
    }

    /// Bonus `bonus`'s final amount at `member` (zero out of range).
    pub fn paid(&self, bonus: usize, member: MemberIx) -> Decimal {
        self.paid
            .get(bonus)
            .map_or(Decimal::ZERO, |a| a.get(member))
    }

    /// Per bonus in declaration order, the amounts after the caps.
    pub fn capped_amounts(&self) -> &[Amounts] {
        &self.capped
    }

    /// Per bonus in declaration order, the final amounts.
    pub fn paid_amounts(&self) -> &[Amounts] {
        &self.paid
    }

    /// `node`'s value at `member` once `eval` was settled: the evaluation's,
    /// or for a bonus, whose column settlement took, its capped amount.
    pub fn value(
        &self,
        plan: &TypedPlan,
        eval: &Evaluation,
        node: NodeId,
        member: MemberIx,
    ) -> Option<Val> {
        eval.value(node, member).or_else(|| {
            let bonus = plan.bonuses.iter().position(|b| b.node == node)?;
            Some(Val::Dec(self.capped(bonus, member)))
        })
    }
}

/// Applies the limit and rounding to an evaluation's bonus amounts. The
/// bonus columns move out of `eval` into the settlement, which keeps them
/// sparsely; read them back through [`Settlement::value`].
pub fn settle(
    plan: &TypedPlan,
    net: &Network,
    eval: &mut Evaluation,
) -> Result<Settlement, EvalError> {
    let (capped, total) = capped_amounts(plan, net, eval)?;
    let limit = match plan.limit {
        Some(node) => match eval.global(node) {
            Some(Val::Dec(d)) => Some(d.max(Decimal::ZERO)),
            _ => {
                let e = Arith::Invariant(Miss::Value(node as u32));
                return Err(at_member(e, plan, net, NONE, node, None));
            }
        },
        None => None,
    };
    let scaled = matches!(limit, Some(l) if total > l && total > Decimal::ZERO);
    let pay = |a: Decimal| -> Result<Decimal, EvalError> {
        let a = match limit {
            Some(l) if scaled => scale(a, l, total)?,
            _ => a,
        };
        Ok(plan.rounding.apply(a))
    };
    let paid = capped
        .iter()
        .map(|column| paid_amounts(column, net, &pay))
        .collect::<Result<_, _>>()?;
    Ok(Settlement {
        capped,
        total,
        limit,
        scaled,
        paid,
    })
}

/// Every bonus's column, moved out of `eval` and kept sparsely, and their
/// total: exact, unless a bonus may hold quotients, which keep 28 digits.
fn capped_amounts(
    plan: &TypedPlan,
    net: &Network,
    eval: &mut Evaluation,
) -> Result<(Vec<Amounts>, Decimal), EvalError> {
    let quotients = quotients(plan);
    let of_quotients = |b: &BonusSpec| matches!(quotients.get(b.node), Some(true));
    let mode = if plan.bonuses.iter().any(of_quotients) {
        Mode::Quotient
    } else {
        Mode::Exact
    };
    let mut capped = Vec::with_capacity(plan.bonuses.len());
    let mut total = Decimal::ZERO;
    for bonus in &plan.bonuses {
        let missing = || {
            let e = Arith::Invariant(Miss::Value(bonus.node as u32));
            at_member(e, plan, net, NONE, bonus.node, None)
        };
        let column = eval.take_numbers(bonus.node).ok_or_else(missing)?;
        if column.len() != net.len() {
            return Err(missing());
        }
        let mut amounts = Amounts::default();
        for (m, &v) in (0..net.len() as MemberIx).zip(&column) {
            total = match add(total, v, mode) {
                Ok(t) => t,
                Err(Arith::Inexact) => return Err(EvalError::TotalInexact),
                Err(_) => return Err(EvalError::TotalOverflow),
            };
            amounts.push(m, v);
        }
        amounts.shrink();
        capped.push(amounts);
    }
    Ok((capped, total))
}

/// One bonus's final amounts: `pay` of each capped amount. A member without
/// a kept amount is paid what a plain zero pays: when that is a plain zero
/// itself, only the kept amounts are looked at.
fn paid_amounts(
    column: &Amounts,
    net: &Network,
    pay: &dyn Fn(Decimal) -> Result<Decimal, EvalError>,
) -> Result<Amounts, EvalError> {
    let zero_paid = pay(Decimal::ZERO)?;
    let mut out = Amounts::default();
    if is_plain_zero(zero_paid) {
        for (m, a) in column.iter() {
            out.push(m, pay(a)?);
        }
    } else {
        let mut kept = column.iter().peekable();
        for m in 0..net.len() as MemberIx {
            let a = match kept.next_if(|&(k, _)| k == m) {
                Some((_, a)) => pay(a)?,
                None => zero_paid,
            };
            out.push(m, a);
        }
    }
    out.shrink();
    Ok(out)
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
