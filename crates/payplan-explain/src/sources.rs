//! The members an aggregate reads at one member, each with its level and
//! what it adds: the aggregate taken apart.
//!
//! The evaluator pushes partial sums up the tree; here the relation is
//! walked downward from the member, in preorder, with an explicit stack.

use payplan_check::{AggNode, AggOp, NodeKind, TExpr, TRelation, Val};
use payplan_network::{MemberIx, NONE};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::interp::{dec, truth, Arith, Values};
use crate::ExplainFault;

/// A related member as the walk meets it: its level under the member (by
/// the relation's own count, and plain), and the rate that level pays.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found {
    pub member: MemberIx,
    pub level: Option<u32>,
    pub plain_level: Option<u32>,
    pub rate: Option<Decimal>,
}

/// One source: the value the aggregate takes at it, and what it adds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Taken {
    pub found: Found,
    pub value: Val,
    pub contribution: Decimal,
}

/// The last level `to` allows, clamped to the relation's maximum.
fn last_level(v: &Values<'_>, to: &TExpr, m: MemberIx, max: usize) -> Result<Option<u32>, Arith> {
    let to = dec(v.value(to, m, NONE)?).floor();
    if to < Decimal::ZERO {
        return Ok(None);
    }
    // A bound too large for a `usize` is beyond the relation's maximum.
    let last = to.to_usize().map_or(max, |t| t.min(max));
    Ok(u32::try_from(last).ok())
}

/// The levels (or generations) an aggregate reaches at one member.
pub(crate) struct LevelRange<'a> {
    pub from: usize,
    /// The last level; `None` when the bound is below zero.
    pub to: Option<u32>,
    /// The expression that sets the last level.
    pub bound: &'a TExpr,
}

/// For levels and generations: the range `m` reaches.
pub(crate) fn level_range<'a>(
    v: &Values<'_>,
    agg: &'a AggNode,
    m: MemberIx,
) -> Result<Option<LevelRange<'a>>, Arith> {
    Ok(match &agg.relation {
        TRelation::Levels { from, max, to, .. }
        | TRelation::Generations { from, max, to, .. }
        | TRelation::MatrixLevels { from, max, to } => Some(LevelRange {
            from: *from,
            to: last_level(v, to, m, *max)?,
            bound: to,
        }),
        _ => None,
    })
}

/// Calls `f` on every member of `agg`'s relation at `m`.
pub(crate) fn related(
    v: &Values<'_>,
    agg: &AggNode,
    m: MemberIx,
    f: &mut dyn FnMut(Found) -> Result<(), Arith>,
) -> Result<(), Arith> {
    let net = v.net;
    let plain = |x: MemberIx, depth: u32| Found {
        member: x,
        level: None,
        plain_level: Some(depth),
        rate: None,
    };
    match &agg.relation {
        TRelation::Children => {
            for c in net.children(m) {
                f(plain(c, 1))?;
            }
        }
        TRelation::Downline | TRelation::Group => {
            if matches!(agg.relation, TRelation::Group) {
                f(plain(m, 0))?;
            }
            walk_down(v, m, &mut |x, depth, _| {
                f(plain(x, depth))?;
                Ok(true)
            })?;
        }
        TRelation::Upline => {
            let mut x = net.sponsor(m);
            let mut depth = 1;
            while x != NONE {
                f(plain(x, depth))?;
                x = net.sponsor(x);
                depth += 1;
            }
        }
        TRelation::Placement(side) => {
            if let Some(tree) = net.placement() {
                let head = tree.child(m, *side);
                if head != NONE {
                    for &x in tree.subtree(head) {
                        f(Found {
                            member: x,
                            level: None,
                            plain_level: None,
                            rate: None,
                        })?;
                    }
                }
            }
        }
        TRelation::Levels {
            from,
            max,
            to,
            compressed_by,
        } => {
            let Some(last) = last_level(v, to, m, *max)? else {
                return Ok(());
            };
            // The level of a member's children: its own, plus one where it
            // keeps its level (uncompressed, every member does).
            let mut below: Vec<u32> = Vec::new();
            walk_down(v, m, &mut |x, depth, parent_slot| {
                // `m`'s children are on level 1.
                let level = match parent_slot {
                    None => 1,
                    Some(i) => below.get(i).copied().ok_or(ExplainFault::LostPlace)?,
                };
                if level > last {
                    return Ok(false);
                }
                let keeps = match compressed_by {
                    Some(c) => truth(v.value(c, x, NONE)?),
                    None => true,
                };
                set_at(&mut below, depth, level + u32::from(keeps));
                if level as usize >= *from {
                    f(Found {
                        member: x,
                        level: Some(level),
                        plain_level: Some(depth),
                        rate: rate(agg, level, *from)?,
                    })?;
                }
                Ok(true)
            })?;
        }
        TRelation::MatrixLevels { from, max, to } => {
            let Some(last) = last_level(v, to, m, *max)? else {
                return Ok(());
            };
            let matrix = net.matrix().ok_or(ExplainFault::MissingMatrix)?;
            // Level by level down the matrix, children by position: the
            // members of level `k` are the matrix children of level `k - 1`.
            let mut frontier = vec![m];
            for level in 1..=last {
                let next: Vec<MemberIx> =
                    frontier.iter().flat_map(|&x| matrix.children(x)).collect();
                if level as usize >= *from {
                    for &x in &next {
                        f(Found {
                            member: x,
                            level: Some(level),
                            plain_level: None,
                            rate: rate(agg, level, *from)?,
                        })?;
                    }
                }
                if next.is_empty() {
                    break;
                }
                frontier = next;
            }
        }
        TRelation::Generations {
            from,
            max,
            to,
            counting,
        } => {
            let Some(last) = last_level(v, to, m, *max)? else {
                return Ok(());
            };
            let mut gens: Vec<u32> = Vec::new();
            walk_down(v, m, &mut |x, depth, parent_slot| {
                // No generation is counted above `m`'s children.
                let above = match parent_slot {
                    None => 0,
                    Some(i) => gens.get(i).copied().ok_or(ExplainFault::LostPlace)?,
                };
                let generation = above + u32::from(truth(v.value(counting, x, NONE)?));
                if generation > last {
                    return Ok(false);
                }
                set_at(&mut gens, depth, generation);
                if generation as usize >= *from {
                    f(Found {
                        member: x,
                        level: Some(generation),
                        plain_level: Some(depth),
                        rate: rate(agg, generation, *from)?,
                    })?;
                }
                Ok(true)
            })?;
        }
    }
    Ok(())
}

/// The rate `level` pays, for rated levels; the checker gives a rate to
/// every level from `from` to the relation's maximum.
fn rate(agg: &AggNode, level: u32, from: usize) -> Result<Option<Decimal>, Arith> {
    let Some(rates) = &agg.rates else {
        return Ok(None);
    };
    let rate = (level as usize)
        .checked_sub(from)
        .and_then(|i| rates.get(i))
        .ok_or(ExplainFault::MissingRate)?;
    Ok(Some(*rate))
}

fn set_at(v: &mut Vec<u32>, depth: u32, value: u32) {
    let i = depth as usize;
    if v.len() <= i {
        v.resize(i + 1, 0);
    }
    if let Some(x) = v.get_mut(i) {
        *x = value;
    }
}

/// Visits `m`'s downline in preorder without recursion: `visit(x, depth,
/// parent_slot)` gets the member, its depth under `m` (children are 1) and
/// its sponsor's depth as a slot index (`None` for `m`'s children); it
/// returns whether to go below `x`.
fn walk_down(
    v: &Values<'_>,
    m: MemberIx,
    visit: &mut dyn FnMut(MemberIx, u32, Option<usize>) -> Result<bool, Arith>,
) -> Result<(), Arith> {
    let net = v.net;
    // The subtree ends of `x`'s ancestors from `m` down: its depth is their count.
    let mut open = vec![net.subtree_end(m)];
    let mut x = m.saturating_add(1);
    while open.last().is_some_and(|&end| x < end) {
        let depth = u32::try_from(open.len()).map_err(|_| ExplainFault::LostPlace)?;
        let parent_slot = (depth > 1).then(|| (depth - 1) as usize);
        let end = net.subtree_end(x);
        if visit(x, depth, parent_slot)? {
            open.push(end);
            x += 1;
        } else {
            x = end;
        }
        while open.last().is_some_and(|&e| x >= e) {
            open.pop();
        }
    }
    Ok(())
}

/// The breakaway differential at `m` taken apart: every member at or below
/// `m` whose value earns `m` the difference between `m`'s percentage and the
/// highest one paid on the way up to `m`. A source's walk starts at its
/// `from_level`-th upline with nothing paid: members nearer to it neither
/// earn on it nor count as paid.
pub(crate) fn differential(
    v: &Values<'_>,
    value: &TExpr,
    percent: &TExpr,
    from_level: usize,
    m: MemberIx,
    f: &mut dyn FnMut(Taken) -> Result<(), Arith>,
) -> Result<(), Arith> {
    let mine = dec(v.value(percent, m, NONE)?);
    let found = |x, depth, rate| Found {
        member: x,
        level: None,
        plain_level: Some(depth),
        rate: Some(rate),
    };
    if mine > Decimal::ZERO && from_level == 0 {
        let own = dec(v.value(value, m, NONE)?);
        f(Taken {
            found: found(m, 0, mine),
            value: Val::Dec(own),
            contribution: own.checked_mul(mine).ok_or(Arith::Overflow)?,
        })?;
    }
    // `highest[i]`: the highest percentage at depths 1..=i on the way down
    // to the member visited (nothing is paid at `m`, depth 0).
    let mut highest: Vec<Decimal> = vec![Decimal::ZERO];
    let mut err = None;
    walk_down(v, m, &mut |x, depth, _| {
        let i = depth as usize;
        let above = highest
            .get(i.wrapping_sub(1))
            .copied()
            .ok_or(ExplainFault::LostPlace)?;
        let p = dec(v.value(percent, x, NONE)?);
        highest.truncate(i);
        highest.push(above.max(p));
        // `x`'s walk starts `from_level` levels up, at depth `i - from_level`.
        if let Some(start) = i.checked_sub(from_level) {
            let paid = highest.get(start).copied().ok_or(ExplainFault::LostPlace)?;
            if mine > paid {
                let value = dec(v.value(value, x, NONE)?);
                let rate = mine - paid;
                match value.checked_mul(rate) {
                    Some(c) => f(Taken {
                        found: found(x, depth, rate),
                        value: Val::Dec(value),
                        contribution: c,
                    })?,
                    None => err = Some(Arith::Overflow),
                }
            }
        }
        // Below `x`, every source's walk starts at depth `i + 1 - from_level`
        // or deeper (and passes `x` from level 0): nothing more to earn
        // once that much is paid.
        let deeper = (i + 1)
            .checked_sub(from_level)
            .map(|s| s.min(i))
            .and_then(|s| highest.get(s))
            .is_some_and(|h| *h >= mine);
        Ok(err.is_none() && !deeper)
    })?;
    err.map_or(Ok(()), Err)
}

/// Every source of `agg` at `m` that the aggregate takes (filter held).
pub(crate) fn sources(
    v: &Values<'_>,
    agg: &AggNode,
    m: MemberIx,
    f: &mut dyn FnMut(Taken) -> Result<(), Arith>,
) -> Result<(), Arith> {
    related(v, agg, m, &mut |found| {
        let x = found.member;
        if let Some(filter) = &agg.filter {
            if !truth(v.value(filter, x, m)?) {
                return Ok(());
            }
        }
        let value = match agg.op {
            AggOp::Count => Val::Dec(Decimal::ONE),
            _ => v.value(&agg.value, x, m)?,
        };
        let contribution = match agg.op {
            AggOp::Any | AggOp::All => Decimal::from(u8::from(truth(value))),
            _ => {
                let d = dec(value);
                match found.rate {
                    Some(r) => d.checked_mul(r).ok_or(Arith::Overflow)?,
                    None => d,
                }
            }
        };
        f(Taken {
            found,
            value,
            contribution,
        })
    })
}

/// Whether a node is taken apart into sources in an explanation.
pub(crate) fn has_sources(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Aggregate(_) | NodeKind::Differential { .. })
}
