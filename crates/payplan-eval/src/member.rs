//! What a lane does at one member of a pass: each node's value, written
//! to its register and column, then the member's part handed to its
//! sponsor's aggregate state. The whole per-member step lives here, in one
//! module, so that it compiles as one piece.

use payplan_check::{NodeId, Val};
use payplan_network::{MemberIx, NONE};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::acc::{
    acc_at, acc_mut, add_row, add_to, combine, finish, identity, merge, rows, wide_row,
    wide_row_mut, Acc, State, NO_STATE,
};
use crate::arith::{add, cmp, mul, sub, Arith, Miss, Mode, R};
use crate::compile::{BoolFn, Compiled, DecFn};
use crate::env::{missing, Env, Store};
use crate::error::EvalError;
use crate::lane::{Lane, Out};
use crate::program::{AggValue, Aggregate, Program, Relation};

impl Lane<'_, '_, '_> {
    /// Evaluates every node of a bottom-up sweep at `m`, then hands `m`'s
    /// state to its sponsor.
    pub(crate) fn member(
        &mut self,
        nodes: &[NodeId],
        pushing: &[NodeId],
        m: MemberIx,
    ) -> Result<(), EvalError> {
        for &node in nodes {
            if let Err(e) = self.value_at(node, m) {
                return Err(self.error(e, m, node));
            }
        }
        let p = self.ctx.net.sponsor(m);
        let Some(&first) = pushing.first() else {
            return Ok(());
        };
        let dm = self.depth_at(m).map_err(|e| self.error(e, m, first))?;
        if p != NONE {
            // One view of the registers and columns for every node's push.
            let env = self.ctx.env(&self.own, self.base, &self.cur);
            for &node in pushing {
                if let Err(e) = push(&env, self.ctx.programs, &mut self.states, node, m, p, dm) {
                    return Err(self.error(e, m, node));
                }
            }
        }
        for &node in pushing {
            if let Err(e) = self.clear_slot(node, dm) {
                return Err(self.error(e, m, node));
            }
        }
        Ok(())
    }

    /// Empties state slot `d` once its member has handed its state to its
    /// sponsor, for the next member at the same depth.
    fn clear_slot(&mut self, node: NodeId, d: MemberIx) -> R<()> {
        let d = d as usize;
        match self.states.get_mut(node) {
            Some(State::Acc(v)) => {
                let slot = v.get_mut(d).ok_or(NO_STATE)?;
                *slot = match *slot {
                    Acc::Total(_) => Acc::Total(Decimal::ZERO),
                    Acc::Extreme(_) => Acc::Extreme(None),
                };
            }
            Some(State::Wide(data)) => {
                let width = data.len().checked_div(self.slots).ok_or(NO_STATE)?;
                let start = d.checked_mul(width).ok_or(NO_STATE)?;
                let row = data.get_mut(start..start + width).ok_or(NO_STATE)?;
                row.fill(Decimal::ZERO);
            }
            _ => return Err(NO_STATE),
        }
        Ok(())
    }

    pub(crate) fn eval_at(&mut self, node: NodeId, m: MemberIx) -> Result<(), EvalError> {
        self.value_at(node, m).map_err(|e| self.error(e, m, node))
    }

    /// Node `node`'s value at `m`, into its register and column; the error
    /// stays a small [`Arith`] here so the per-member path carries no
    /// [`EvalError`]. Each kind of node writes its typed register directly.
    #[inline]
    pub(crate) fn value_at(&mut self, node: NodeId, m: MemberIx) -> R<()> {
        match self.ctx.programs.get(node) {
            Some(Program::Input) => Ok(()),
            // A place in the matrix is read whole by `matrix_place`.
            None | Some(Program::Total(..) | Program::Matrix(_)) => Err(missing(node)),
            Some(Program::Expr(Compiled::Dec(f))) => {
                let d = f(&self.env(), m, NONE)?;
                self.write_dec(node, m, d)
            }
            Some(Program::Expr(Compiled::Bool(f))) => {
                let b = f(&self.env(), m, NONE)?;
                self.write(node, m, Val::Bool(b))
            }
            Some(Program::Expr(Compiled::Rank(f))) => {
                let r = f(&self.env(), m, NONE)?;
                self.write(node, m, Val::Rank(r))
            }
            Some(Program::Rank(requirements)) => {
                let rank = highest_rank(&self.env(), requirements, m)?;
                self.write(node, m, Val::Rank(rank))
            }
            Some(Program::Bonus {
                qualification,
                amount,
                cap,
            }) => {
                let d = bonus(&self.env(), qualification.as_ref(), amount, cap.as_ref(), m)?;
                self.write_dec(node, m, d)
            }
            Some(Program::Aggregate(_)) => {
                let v = self.aggregate(node, m)?;
                self.write(node, m, v)
            }
            Some(Program::Differential { .. }) => {
                let d = self.differential(node, m)?;
                self.write_dec(node, m, d)
            }
        }
    }

    /// An aggregate's value at `m`. Members below `m` have already pushed
    /// their contributions into `m`'s state (see [`push`]).
    #[inline(always)]
    fn aggregate(&mut self, node: NodeId, m: MemberIx) -> R<Val> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Err(missing(node));
        };
        let (op, mode) = (agg.op, agg.mode);
        let dm = self.depth_at(m)?;
        let env = self.ctx.env(&self.own, self.base, &self.cur);
        match &agg.relation {
            Relation::Children | Relation::Downline => {
                Ok(finish(op, acc_at(&self.states, node, dm)?))
            }
            Relation::Group => {
                let x = element(&env, agg, m, NONE)?;
                let acc = acc_mut(&mut self.states, node, dm)?;
                *acc = combine(op, *acc, x, mode)?;
                Ok(finish(op, *acc))
            }
            Relation::Upline => {
                let p = self.ctx.net.sponsor(m);
                let acc = if p == NONE {
                    identity(op)
                } else {
                    let above = acc_at(&self.states, node, dm.wrapping_sub(1))?;
                    combine(op, above, element(&env, agg, p, NONE)?, mode)?
                };
                *acc_mut(&mut self.states, node, dm)? = acc;
                Ok(finish(op, acc))
            }
            // Filled whole by `placement` or `matrix_levels`, never member by member.
            Relation::Placement(_) | Relation::MatrixLevels { .. } => {
                Err(Arith::Invariant(Miss::State))
            }
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
            } => {
                let row = wide_row(&self.states, node, dm, *width)?;
                let last = last_level(to(&env, m, NONE)?);
                let total = levelled(row, *from, last, rates.as_deref(), mode)?;
                Ok(finish(op, Acc::Total(total)))
            }
        }
    }

    /// The breakaway differential at `m`. Bucket `b` of a member's state
    /// holds the value of the sources at or below it whose highest
    /// percentage paid so far is `buckets[b]`; the members below `m` have
    /// pushed theirs already.
    #[inline(always)]
    fn differential(&mut self, node: NodeId, m: MemberIx) -> R<Decimal> {
        let Some(Program::Differential {
            value,
            percent,
            buckets,
            from_level,
            mode,
        }) = self.ctx.programs.get(node)
        else {
            return Err(missing(node));
        };
        let (mode, width) = (*mode, buckets.len() + *from_level);
        let env = self.ctx.env(&self.own, self.base, &self.cur);
        let bucket_of = |p: Decimal| buckets.binary_search(&p).map_err(|_| Arith::NotInTable);
        let own = value(&env, m, NONE)?;
        let start = bucket_of(Decimal::ZERO)?;
        let p = percent(&env, m, NONE)?;
        let at = bucket_of(p)?;
        let dm = self.depth_at(m)?;
        let row = wide_row_mut(&mut self.states, node, dm, width)?;
        // From level 0 the source's own value starts here; from level K it
        // waits K levels (the first slot after the buckets).
        let entry = if *from_level == 0 {
            start
        } else {
            buckets.len()
        };
        let r = row.get_mut(entry).ok_or(NO_STATE)?;
        *r = add(*r, own, mode)?;
        let mut earned = Decimal::ZERO;
        let mut moved = Decimal::ZERO;
        // Sources whose highest percentage so far is below `p` move up to `p`.
        for (b, (w, paid)) in row.iter_mut().zip(buckets).enumerate() {
            if p > *paid {
                earned = add(earned, mul(*w, sub(p, *paid, mode)?, mode)?, mode)?;
            }
            if b < at {
                moved = add(moved, *w, mode)?;
                *w = Decimal::ZERO;
            }
        }
        let r = row.get_mut(at).ok_or(NO_STATE)?;
        *r = add(*r, moved, mode)?;
        Ok(earned)
    }

    /// The percentage a differential's table did not hold at `m` (its own
    /// percentage, or 0 when the table lacks 0), for the error that names it.
    #[cold]
    pub(crate) fn rate_at(&self, node: NodeId, m: MemberIx) -> Option<Decimal> {
        let Some(Program::Differential {
            percent, buckets, ..
        }) = self.ctx.programs.get(node)
        else {
            return None;
        };
        if buckets.binary_search(&Decimal::ZERO).is_err() {
            return Some(Decimal::ZERO);
        }
        percent(&self.env(), m, NONE).ok()
    }

    /// Sets node `node`'s register at `m`, and its column if it has one.
    #[inline]
    pub(crate) fn write(&mut self, node: NodeId, m: MemberIx, v: Val) -> R<()> {
        self.cur.set(node, v)?;
        if *self.has_column.get(node).ok_or(missing(node))? {
            self.write_column(node, m, v)?;
        }
        Ok(())
    }

    /// [`Lane::write`] for a decimal, without going through [`Val`].
    #[inline(always)]
    pub(crate) fn write_dec(&mut self, node: NodeId, m: MemberIx, d: Decimal) -> R<()> {
        *self.cur.dec.get_mut(node).ok_or(missing(node))? = d;
        if *self.has_column.get(node).ok_or(missing(node))? {
            self.write_column(node, m, Val::Dec(d))?;
        }
        Ok(())
    }

    /// Writes `v` into node `node`'s column (or window) at `m`.
    fn write_column(&mut self, node: NodeId, m: MemberIx, v: Val) -> R<()> {
        let i = m.wrapping_sub(self.base) as usize;
        if let Some(Some(out)) = self.out.get_mut(node) {
            return match (out, v) {
                (Out::Dec(col), Val::Dec(d)) => put(col, i, d, node),
                (Out::Bool(col), Val::Bool(b)) => put(col, i, b, node),
                (Out::Rank(col), Val::Rank(r)) => put(col, i, r, node),
                _ => Err(Arith::Invariant(Miss::Type)),
            };
        }
        match (self.own.get_mut(node), v) {
            (Some(Store::Dec(col)), Val::Dec(d)) => put(col, i, d, node),
            (Some(Store::Bool(col)), Val::Bool(b)) => put(col, i, b, node),
            (Some(Store::Rank(col)), Val::Rank(r)) => put(col, i, r, node),
            _ => Err(missing(node)),
        }
    }
}

/// `col[i] = x`, for a column of node `node`.
#[inline(always)]
fn put<T>(col: &mut [T], i: usize, x: T, node: NodeId) -> R<()> {
    *col.get_mut(i).ok_or(missing(node))? = x;
    Ok(())
}

/// The highest rank whose requirement holds at `m`, or 0 for none.
#[inline]
fn highest_rank(env: &Env<'_>, requirements: &[BoolFn], m: MemberIx) -> R<u16> {
    for (i, req) in requirements.iter().enumerate().rev() {
        if req(env, m, NONE)? {
            return u16::try_from(i + 1).map_err(|_| Arith::Overflow);
        }
    }
    Ok(0)
}

/// Adds member `m`'s contribution (at slot `dm`) to its sponsor's state
/// (slot `dm - 1`), once every node of the pass is known at `m`.
#[inline(always)]
fn push(
    env: &Env<'_>,
    programs: &[Program],
    states: &mut [State],
    node: NodeId,
    m: MemberIx,
    p: MemberIx,
    dm: MemberIx,
) -> R<()> {
    let dp = dm.wrapping_sub(1);
    match programs.get(node) {
        Some(Program::Aggregate(agg)) => push_aggregate(env, agg, states, node, m, p, dm),
        Some(Program::Differential {
            buckets,
            from_level,
            mode,
            ..
        }) => {
            let b = buckets.len();
            let (parent, child) = rows(states, node, dp, dm, b + *from_level)?;
            if *from_level == 0 {
                return add_row(parent, child, *mode);
            }
            add_row(parent, child.get(..b).ok_or(NO_STATE)?, *mode)?;
            // The values still on their way move one level closer; those
            // K levels below the sponsor join its walk with nothing paid.
            let (waiting, arriving) = child
                .split_at_checked(b + *from_level - 1)
                .ok_or(NO_STATE)?;
            let start = buckets
                .binary_search(&Decimal::ZERO)
                .map_err(|_| Arith::NotInTable)?;
            for x in arriving {
                add_to(parent.get_mut(start).ok_or(NO_STATE)?, *x, *mode)?;
            }
            add_row(
                parent.get_mut(b + 1..).ok_or(NO_STATE)?,
                waiting.get(b..).ok_or(NO_STATE)?,
                *mode,
            )
        }
        _ => Err(missing(node)),
    }
}

/// [`push`] for an aggregate.
#[inline(always)]
fn push_aggregate(
    env: &Env<'_>,
    agg: &Aggregate,
    states: &mut [State],
    node: NodeId,
    m: MemberIx,
    p: MemberIx,
    dm: MemberIx,
) -> R<()> {
    let (op, mode) = (agg.op, agg.mode);
    let dp = dm.wrapping_sub(1);
    match &agg.relation {
        Relation::Children => {
            let x = element(env, agg, m, p)?;
            let acc = acc_mut(states, node, dp)?;
            *acc = combine(op, *acc, x, mode)?;
        }
        Relation::Downline => {
            let x = element(env, agg, m, NONE)?;
            let mine = combine(op, acc_at(states, node, dm)?, x, mode)?;
            let acc = acc_mut(states, node, dp)?;
            *acc = merge(op, *acc, mine, mode)?;
        }
        Relation::Group => {
            let mine = acc_at(states, node, dm)?;
            let acc = acc_mut(states, node, dp)?;
            *acc = merge(op, *acc, mine, mode)?;
        }
        Relation::Levels {
            width,
            compressed_by,
            ..
        } => {
            let own = element_or_zero(env, agg, m)?;
            // Below a child that keeps its level, the child's levels move one down.
            let keeps_level = match compressed_by {
                Some(cond) => cond(env, m, NONE)?,
                None => true,
            };
            let (parent, child) = rows(states, node, dp, dm, *width)?;
            add_to(parent.get_mut(1).ok_or(NO_STATE)?, own, mode)?;
            let shift = usize::from(keeps_level);
            let to = parent.get_mut(1 + shift..).ok_or(NO_STATE)?;
            add_row(to, child.get(1..).ok_or(NO_STATE)?, mode)?;
        }
        Relation::Generations {
            width, counting, ..
        } => {
            let own = element_or_zero(env, agg, m)?;
            let counts = usize::from(counting(env, m, NONE)?);
            let (parent, child) = rows(states, node, dp, dm, *width)?;
            add_to(parent.get_mut(counts).ok_or(NO_STATE)?, own, mode)?;
            // Below a counted child, its generations move one down.
            add_row(parent.get_mut(counts..).ok_or(NO_STATE)?, child, mode)?;
        }
        Relation::Upline | Relation::Placement(_) | Relation::MatrixLevels { .. } => {
            return Err(NO_STATE)
        }
    }
    Ok(())
}

/// A bonus's amount at `m`: zero where its qualification fails, else the
/// amount, at most the cap.
#[inline(always)]
fn bonus(
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
    Ok(Some(match &agg.value {
        AggValue::Count => Decimal::ONE,
        AggValue::Number(f) => f(env, x, outer)?,
        AggValue::Any(f) => Decimal::from(u8::from(f(env, x, outer)?)),
        AggValue::All(f) => Decimal::from(u8::from(!f(env, x, outer)?)),
    }))
}

/// What member `m` adds to a sum over levels or generations: its value, or
/// a plain zero where the filter leaves it out.
#[inline(always)]
pub(crate) fn element_or_zero(env: &Env<'_>, agg: &Aggregate, m: MemberIx) -> R<Decimal> {
    Ok(match element(env, agg, m, NONE)? {
        Some(x) => x,
        None => Decimal::ZERO,
    })
}

/// The sum over levels `from..=last` of a per-level row, each level
/// multiplied by its rate when there are rates.
#[inline]
fn levelled(
    row: &[Decimal],
    from: usize,
    last: usize,
    rates: Option<&[Decimal]>,
    mode: Mode,
) -> R<Decimal> {
    let mut total = Decimal::ZERO;
    if last < from {
        return Ok(total);
    }
    let levels = row.get(from..=last).ok_or(NO_STATE)?;
    match rates {
        Some(rates) => {
            if rates.len() < levels.len() {
                return Err(Arith::Invariant(Miss::Rate((from + rates.len()) as u32)));
            }
            for (v, rate) in levels.iter().zip(rates) {
                // A zero level adds a plain zero (rust_decimal's `0 * rate`).
                if !v.is_zero() {
                    add_to(&mut total, mul(*v, *rate, mode)?, mode)?;
                } else if total.is_zero() {
                    total = Decimal::ZERO;
                }
            }
        }
        None => {
            for v in levels {
                add_to(&mut total, *v, mode)?;
            }
        }
    }
    Ok(total)
}

/// The last level of `levels a..to`: `to` rounded down, 0 when negative.
/// A whole number of scale 0 (a depth from a rank table) is read directly.
/// A level past what a `usize` counts is past the deepest level too.
#[inline(always)]
pub(crate) fn last_level(to: Decimal) -> usize {
    if to.scale() == 0 {
        let m = to.mantissa();
        return match usize::try_from(m) {
            Ok(level) => level,
            Err(_) if m < 0 => 0,
            Err(_) => usize::MAX,
        };
    }
    let to = to.floor();
    if to < Decimal::ZERO {
        return 0;
    }
    match to.to_usize() {
        Some(level) => level,
        None => usize::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last level read from a whole number agrees with rounding down.
    #[test]
    fn last_level_rounds_down() {
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
