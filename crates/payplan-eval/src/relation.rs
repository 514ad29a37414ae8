//! The related-member nodes of a pass: aggregates over relations, the
//! breakaway differential, placement subtrees and bonuses.

use payplan_check::{AggOp, NodeId, Val};
use payplan_network::{MemberIx, Side, NONE};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::acc::{
    acc_at, acc_mut, add_row, add_to, combine, finish, identity, merge, rows, set_acc, wide_row,
    wide_row_mut, Acc, State,
};
use crate::arith::{add, cmp, mul, Arith, R};
use crate::compile::{BoolFn, Compiled, DecFn};
use crate::env::Env;
use crate::error::EvalError;
use crate::lane::Lane;
use crate::program::{Aggregate, Program, Relation};

impl Lane<'_, '_, '_> {
    /// An aggregate's value at `m`. Members below `m` have already pushed
    /// their contributions into `m`'s state (see [`push`]).
    pub(crate) fn aggregate(&mut self, node: NodeId, m: MemberIx) -> R<Val> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Ok(Val::Dec(Decimal::ZERO));
        };
        let op = agg.op;
        let dm = self.depth_at(m);
        let env = self.ctx.env(&self.own, self.base, &self.cur);
        match &agg.relation {
            Relation::Children | Relation::Downline => Ok(finish(
                op,
                acc_at(&self.states, node, dm).unwrap_or(identity(op)),
            )),
            Relation::Group => {
                let x = element(&env, agg, m, NONE)?;
                Ok(finish(
                    op,
                    match acc_mut(&mut self.states, node, dm) {
                        Some(acc) => {
                            *acc = combine(op, *acc, x)?;
                            *acc
                        }
                        None => combine(op, identity(op), x)?,
                    },
                ))
            }
            Relation::Upline => {
                let p = self.ctx.net.sponsor(m);
                let acc = if p == NONE {
                    identity(op)
                } else {
                    let above =
                        acc_at(&self.states, node, dm.saturating_sub(1)).unwrap_or(identity(op));
                    combine(op, above, element(&env, agg, p, NONE)?)?
                };
                set_acc(&mut self.states, node, dm, acc);
                Ok(finish(op, acc))
            }
            // Filled whole by `placement`.
            Relation::Placement(_) => Ok(finish(op, identity(op))),
            Relation::Levels {
                from,
                width,
                to,
                rates,
                ..
            }
            | Relation::Generations {
                from,
                width,
                to,
                rates,
                ..
            } => levelled(
                &env,
                op,
                rates.as_deref(),
                wide_row(&self.states, node, dm, *width),
                *from,
                to,
                m,
            ),
        }
    }

    /// The breakaway differential at `m`. Bucket `b` of a member's state
    /// holds the value of the sources at or below it whose highest
    /// percentage paid so far is `buckets[b]`; the members below `m` have
    /// pushed theirs already.
    pub(crate) fn differential(&mut self, node: NodeId, m: MemberIx) -> R<Decimal> {
        let Some(Program::Differential {
            value,
            percent,
            buckets,
        }) = self.ctx.programs.get(node)
        else {
            return Ok(Decimal::ZERO);
        };
        let env = self.ctx.env(&self.own, self.base, &self.cur);
        let bucket_of = |p: Decimal| buckets.binary_search(&p).map_err(|_| Arith::NotInTable(p));
        let own = value(&env, m, NONE)?;
        let start = bucket_of(Decimal::ZERO)?;
        let p = percent(&env, m, NONE)?;
        let at = bucket_of(p)?;
        let dm = self.depth_at(m);
        let row = wide_row_mut(&mut self.states, node, dm, buckets.len());
        if let Some(r) = row.get_mut(start) {
            *r = add(*r, own)?;
        }
        let mut earned = Decimal::ZERO;
        let mut moved = Decimal::ZERO;
        // Sources whose highest percentage so far is below `p` move up to `p`.
        for (b, (w, paid)) in row.iter_mut().zip(buckets).enumerate() {
            if p > *paid {
                earned = add(earned, mul(*w, p - *paid)?)?;
            }
            if b < at {
                moved = add(moved, *w)?;
                *w = Decimal::ZERO;
            }
        }
        if let Some(r) = row.get_mut(at) {
            *r = add(*r, moved)?;
        }
        Ok(earned)
    }

    /// A placement-subtree aggregate: states in reverse placement preorder,
    /// then each member reads the state of its child on the side.
    pub(crate) fn placement(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Ok(());
        };
        let Relation::Placement(side) = agg.relation else {
            return Ok(());
        };
        let Some(tree) = self.ctx.net.placement() else {
            return Err(EvalError::MissingPlacement);
        };
        let op = agg.op;
        let env = self.env();
        let mut states = vec![identity(op); self.n()];
        for &x in tree.order().iter().rev() {
            let mut acc = element(&env, agg, x, NONE).and_then(|e| combine(op, identity(op), e));
            for s in [Side::Left, Side::Right] {
                let c = tree.child(x, s);
                if c != NONE {
                    let child = states.get(c as usize).copied().unwrap_or(identity(op));
                    acc = acc.and_then(|a| merge(op, a, child));
                }
            }
            let acc = acc.map_err(|e| self.error(e, x, node))?;
            if let Some(slot) = states.get_mut(x as usize) {
                *slot = acc;
            }
        }
        let n = self.n() as MemberIx;
        let values: Vec<Val> = (0..n)
            .map(|m| {
                let c = tree.child(m, side);
                finish(
                    op,
                    if c == NONE {
                        identity(op)
                    } else {
                        states.get(c as usize).copied().unwrap_or(identity(op))
                    },
                )
            })
            .collect();
        for (m, v) in (0..n).zip(values) {
            self.write(node, m, v);
        }
        Ok(())
    }
}

/// Adds member `m`'s contribution (at slot `dm`) to its sponsor's state
/// (slot `dm - 1`), once every node of the pass is known at `m`.
pub(crate) fn push(
    env: &Env<'_>,
    programs: &[Program],
    states: &mut [State],
    node: NodeId,
    m: MemberIx,
    p: MemberIx,
    dm: MemberIx,
) -> R<()> {
    let dp = dm.saturating_sub(1);
    match programs.get(node) {
        Some(Program::Aggregate(agg)) => {
            let op = agg.op;
            match &agg.relation {
                Relation::Children => {
                    let x = element(env, agg, m, p)?;
                    if let Some(acc) = acc_mut(states, node, dp) {
                        *acc = combine(op, *acc, x)?;
                    }
                }
                Relation::Downline => {
                    let x = element(env, agg, m, NONE)?;
                    let below = acc_at(states, node, dm).unwrap_or(identity(op));
                    let mine = combine(op, below, x)?;
                    if let Some(acc) = acc_mut(states, node, dp) {
                        *acc = merge(op, *acc, mine)?;
                    }
                }
                Relation::Group => {
                    let mine = acc_at(states, node, dm).unwrap_or(identity(op));
                    if let Some(acc) = acc_mut(states, node, dp) {
                        *acc = merge(op, *acc, mine)?;
                    }
                }
                Relation::Levels {
                    width,
                    compressed_by,
                    ..
                } => {
                    let own = element(env, agg, m, NONE)?.unwrap_or(Decimal::ZERO);
                    // Below a child that keeps its level, the child's levels move one down.
                    let keeps_level = match compressed_by {
                        Some(cond) => cond(env, m, NONE)?,
                        None => true,
                    };
                    let (parent, child) = rows(states, node, dp, dm, *width);
                    if let Some(r) = parent.get_mut(1) {
                        add_to(r, own)?;
                    }
                    let shift = usize::from(keeps_level);
                    add_row(
                        parent.get_mut(1 + shift..).unwrap_or_default(),
                        child.get(1..).unwrap_or_default(),
                    )?;
                }
                Relation::Generations {
                    width, counting, ..
                } => {
                    let own = element(env, agg, m, NONE)?.unwrap_or(Decimal::ZERO);
                    let counts = counting(env, m, NONE)?;
                    let (parent, child) = rows(states, node, dp, dm, *width);
                    if let Some(r) = parent.get_mut(usize::from(counts)) {
                        add_to(r, own)?;
                    }
                    // Below a counted child, its generations move one down.
                    let shift = usize::from(counts);
                    add_row(parent.get_mut(shift..).unwrap_or_default(), child)?;
                }
                Relation::Upline | Relation::Placement(_) => {}
            }
        }
        Some(Program::Differential { buckets, .. }) => {
            let (parent, child) = rows(states, node, dp, dm, buckets.len());
            add_row(parent, child)?;
        }
        _ => {}
    }
    Ok(())
}

/// Merges `from`'s slot 0 into `to`'s slot `d` (of `slots`).
pub(crate) fn merge_slot(op: AggOp, to: &mut State, from: &State, d: usize, slots: usize) -> R<()> {
    match (to, from) {
        (State::Acc(to), State::Acc(from)) => {
            if let (Some(to), Some(from)) = (to.get_mut(d), from.first()) {
                *to = merge(op, *to, *from)?;
            }
        }
        (State::Wide(to), State::Wide(from)) => {
            let width = to.len() / slots;
            let row = to.get_mut(d * width..(d + 1) * width).unwrap_or_default();
            add_row(row, from)?;
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn bonus(
    env: &Env<'_>,
    qualification: Option<&BoolFn>,
    amount: &DecFn,
    cap: Option<&DecFn>,
    m: MemberIx,
) -> R<Decimal> {
    if let Some(q) = qualification {
        if !q(env, m, NONE)? {
            return Ok(Decimal::ZERO);
        }
    }
    let a = amount(env, m, NONE)?;
    Ok(match cap {
        Some(c) => {
            let c = c(env, m, NONE)?;
            if cmp(a, c) == std::cmp::Ordering::Greater {
                c
            } else {
                a
            }
        }
        None => a,
    })
}

/// What member `x` adds to an aggregate, or `None` when filtered out.
#[inline(always)]
pub(crate) fn element(
    env: &Env<'_>,
    agg: &Aggregate,
    x: MemberIx,
    outer: MemberIx,
) -> R<Option<Decimal>> {
    if let Some(f) = &agg.filter {
        if !f(env, x, outer)? {
            return Ok(None);
        }
    }
    Ok(Some(match (&agg.value, agg.op) {
        (_, AggOp::Count) => Decimal::ONE,
        (Compiled::Bool(f), AggOp::Any) => Decimal::from(u8::from(f(env, x, outer)?)),
        (Compiled::Bool(f), AggOp::All) => Decimal::from(u8::from(!f(env, x, outer)?)),
        (Compiled::Dec(f), _) => f(env, x, outer)?,
        (Compiled::Bool(f), _) => Decimal::from(u8::from(f(env, x, outer)?)),
        (Compiled::Rank(f), _) => Decimal::from(f(env, x, outer)?),
    }))
}

/// The aggregate over levels `from..=to(m)` of a per-level row.
pub(crate) fn levelled(
    env: &Env<'_>,
    op: AggOp,
    rates: Option<&[Decimal]>,
    row: &[Decimal],
    from: usize,
    to: &DecFn,
    m: MemberIx,
) -> R<Val> {
    let last = last_level(to(env, m, NONE)?);
    let last = last.min(row.len().saturating_sub(1));
    let mut total = Decimal::ZERO;
    for level in from..=last {
        let v = row.get(level).copied().unwrap_or_default();
        let v = match rates {
            Some(rates) => mul(v, rates.get(level - from).copied().unwrap_or_default())?,
            None => v,
        };
        total = add(total, v)?;
    }
    Ok(finish(op, Acc::Total(total)))
}

/// The last level of `levels a..to`: `to` rounded down, 0 when negative.
/// A whole number of scale 0 (a depth from a rank table) is read directly.
#[inline]
pub(crate) fn last_level(to: Decimal) -> usize {
    if to.scale() == 0 {
        let m = to.mantissa();
        return if m < 0 {
            0
        } else {
            usize::try_from(m).unwrap_or(usize::MAX)
        };
    }
    let to = to.floor();
    if to < Decimal::ZERO {
        0
    } else {
        to.to_usize().unwrap_or(usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    /// The last level read from a whole number agrees with rounding down.
    #[test]
    pub(crate) fn last_level_rounds_down() {
        let cases = [
            (Decimal::new(7, 0), 7),
            (Decimal::new(70, 1), 7),
            (Decimal::new(79, 1), 7),
            (Decimal::ZERO, 0),
            (Decimal::new(-3, 0), 0),
            (Decimal::new(-25, 1), 0),
            (Decimal::MAX, usize::MAX),
        ];
        for (to, want) in cases {
            assert_eq!(last_level(to), want, "{to}");
        }
    }
}
