//! Typed expressions evaluated at one member from a finished evaluation.
//!
//! The evaluator runs compiled passes over every member; an explanation needs
//! a handful of values at a few members, so it reads them one at a time here.
//! Recursion follows expression nesting, which the parser bounds.

use std::cmp::Ordering;

use payplan_check::{BinOp, NodeId, TExpr, TypedPlan, Val};
use payplan_eval::{Evaluation, Settlement};
use payplan_network::{MemberIx, Network, Side, NONE};
use rust_decimal::Decimal;

use crate::ExplainFault;

/// Why a value could not be explained: arithmetic that cannot be done
/// exactly (as the evaluator refuses it), a value the run did not keep, or
/// a broken invariant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Overflow,
    DivisionByZero,
    /// The run let go of this node's values.
    NotKept(NodeId),
    Broken(ExplainFault),
}

impl From<ExplainFault> for Arith {
    fn from(fault: ExplainFault) -> Self {
        Arith::Broken(fault)
    }
}

/// What expressions read: the plan, the network and every node's values.
pub(crate) struct Values<'a> {
    pub plan: &'a TypedPlan,
    pub net: &'a Network,
    pub eval: &'a Evaluation,
    /// The bonus amounts, which settlement moved out of `eval`.
    pub settlement: &'a Settlement,
}

pub(crate) fn dec(v: Val) -> Decimal {
    match v {
        Val::Dec(d) => d,
        Val::Bool(b) => Decimal::from(u8::from(b)),
        Val::Rank(r) => Decimal::from(r),
    }
}

pub(crate) fn truth(v: Val) -> bool {
    match v {
        Val::Bool(b) => b,
        Val::Dec(d) => !d.is_zero(),
        Val::Rank(r) => r > 0,
    }
}

impl Values<'_> {
    /// Node `n`'s value at `m` (a network-wide node's single value); an
    /// error when the run did not keep it.
    pub fn slot(&self, n: NodeId, m: MemberIx) -> Result<Val, Arith> {
        let node = self.plan.nodes.get(n).ok_or(ExplainFault::MissingNode)?;
        let v = if node.global {
            self.eval.global(n)
        } else {
            self.settlement.value(self.plan, self.eval, n, m)
        };
        v.ok_or(Arith::NotKept(n))
    }

    /// `t` at member `m`, aggregated by `outer` (or [`NONE`]).
    pub fn value(&self, t: &TExpr, m: MemberIx, outer: MemberIx) -> Result<Val, Arith> {
        Ok(match t {
            TExpr::Const(v) => *v,
            TExpr::Slot(n) => self.slot(*n, m)?,
            // `my`: the value at the earning member, the aggregate's owner.
            TExpr::My(n) => self.slot(*n, outer)?,
            TExpr::Not(a) => Val::Bool(!truth(self.value(a, m, outer)?)),
            TExpr::Neg(a) => Val::Dec(-dec(self.value(a, m, outer)?)),
            TExpr::If(c, a, b) => {
                if truth(self.value(c, m, outer)?) {
                    self.value(a, m, outer)?
                } else {
                    self.value(b, m, outer)?
                }
            }
            TExpr::RankTable { rank, entries } => {
                // The checker gives every table an entry per rank, and one
                // for no rank.
                let r = rank_of(self.slot(*rank, m)?)?;
                let entry = entries
                    .get(usize::from(r))
                    .ok_or(ExplainFault::MissingRankEntry)?;
                self.value(entry, m, outer)?
            }
            TExpr::Within(side) => Val::Bool(self.within(*side, m, outer)),
            TExpr::ShareOf(a, b) => {
                // A share of nothing is nothing: a pool nobody qualifies for.
                let den = dec(self.value(b, m, outer)?);
                if den.is_zero() {
                    Val::Dec(Decimal::ZERO)
                } else {
                    let num = dec(self.value(a, m, outer)?);
                    Val::Dec(num.checked_div(den).ok_or(Arith::Overflow)?)
                }
            }
            TExpr::Binary(op, a, b) => self.binary(*op, a, b, m, outer)?,
            TExpr::Round { value, places, op } => {
                Val::Dec(op.apply(dec(self.value(value, m, outer)?), *places))
            }
        })
    }

    fn binary(
        &self,
        op: BinOp,
        a: &TExpr,
        b: &TExpr,
        m: MemberIx,
        outer: MemberIx,
    ) -> Result<Val, Arith> {
        let x = self.value(a, m, outer)?;
        // `and` and `or` do not evaluate their right side when the left decides.
        match op {
            BinOp::And if !truth(x) => return Ok(Val::Bool(false)),
            BinOp::Or if truth(x) => return Ok(Val::Bool(true)),
            _ => {}
        }
        let y = self.value(b, m, outer)?;
        let order = || -> Result<Ordering, Arith> {
            Ok(match (x, y) {
                (Val::Rank(p), q) => p.cmp(&rank_of(q)?),
                (Val::Bool(p), Val::Bool(q)) => p.cmp(&q),
                _ => dec(x).cmp(&dec(y)),
            })
        };
        let (p, q) = (dec(x), dec(y));
        Ok(match op {
            BinOp::And | BinOp::Or => Val::Bool(truth(y)),
            BinOp::Eq => Val::Bool(order()? == Ordering::Equal),
            BinOp::Ne => Val::Bool(order()? != Ordering::Equal),
            BinOp::Lt => Val::Bool(order()? == Ordering::Less),
            BinOp::Le => Val::Bool(order()? != Ordering::Greater),
            BinOp::Gt => Val::Bool(order()? == Ordering::Greater),
            BinOp::Ge => Val::Bool(order()? != Ordering::Less),
            BinOp::Add => Val::Dec(p.checked_add(q).ok_or(Arith::Overflow)?),
            BinOp::Sub => Val::Dec(p.checked_sub(q).ok_or(Arith::Overflow)?),
            BinOp::Mul => Val::Dec(p.checked_mul(q).ok_or(Arith::Overflow)?),
            BinOp::Div if q.is_zero() => return Err(Arith::DivisionByZero),
            BinOp::Div => Val::Dec(p.checked_div(q).ok_or(Arith::Overflow)?),
            BinOp::Min => Val::Dec(p.min(q)),
            BinOp::Max => Val::Dec(p.max(q)),
            BinOp::WholeDiv => Val::Dec(floor_division(p, q)?.0),
            BinOp::Mod => Val::Dec(floor_division(p, q)?.1),
        })
    }

    /// Whether `m` lies in `outer`'s placement subtree on `side`.
    pub fn within(&self, side: Side, m: MemberIx, outer: MemberIx) -> bool {
        let Some(tree) = self.net.placement() else {
            return false;
        };
        if outer == NONE {
            return false;
        }
        let head = tree.child(outer, side);
        if head == NONE {
            return false;
        }
        let p = tree.pos(m);
        tree.pos(head) <= p && p < tree.end(head)
    }
}

/// `(floor(p / q), p - q * floor(p / q))`, exactly: the floor is taken from
/// the quotient of `p` less its remainder, which `q` divides.
fn floor_division(p: Decimal, q: Decimal) -> Result<(Decimal, Decimal), Arith> {
    if q.is_zero() {
        return Err(Arith::DivisionByZero);
    }
    let rem = p.checked_rem(q).ok_or(Arith::Overflow)?;
    let whole = p.checked_sub(rem).ok_or(Arith::Overflow)?;
    if whole.checked_add(rem) != Some(p) {
        return Err(Arith::Overflow);
    }
    let quotient = whole.checked_div(q).ok_or(Arith::Overflow)?;
    if quotient.fract() != Decimal::ZERO || quotient.checked_mul(q) != Some(whole) {
        return Err(Arith::Overflow);
    }
    let below = rem != Decimal::ZERO && (rem < Decimal::ZERO) != (q < Decimal::ZERO);
    Ok(if below {
        (
            quotient
                .trunc()
                .checked_sub(Decimal::ONE)
                .ok_or(Arith::Overflow)?,
            rem.checked_add(q).ok_or(Arith::Overflow)?,
        )
    } else {
        (quotient.trunc(), rem)
    })
}

/// A rank value; the checker compares ranks only with ranks.
fn rank_of(v: Val) -> Result<u16, Arith> {
    match v {
        Val::Rank(r) => Ok(r),
        _ => Err(ExplainFault::WrongKind.into()),
    }
}
