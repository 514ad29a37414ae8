//! Aggregates that read the earner's own values (`my pct`): each earner
//! walks its sources, reading the source's values at the source and the
//! `my` values at itself.
//!
//! The checker keeps `my` only over bounded relations (children, and
//! uncompressed `levels a..b`) and gives such an aggregate a stage of its
//! own, after every value it reads. An earner visits the members of its
//! first `b` levels, skipping the subtrees below (members are in preorder,
//! so a subtree is a range), so each member is visited by at most `b`
//! earners: the pass is linear in the network for a fixed `b`. Earners are
//! independent of each other; from [`PARALLEL_MIN`] members they run on the
//! rayon threads.

use payplan_check::{NodeId, Val};
use payplan_network::{MemberIx, NONE};
use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::acc::{combine, finish, identity, NO_STATE};
use crate::arith::{mul, Arith, Miss, R};
use crate::env::{missing, Env};
use crate::error::EvalError;
use crate::eval::Ctx;
use crate::lane::Lane;
use crate::member::{element, last_level};
use crate::parallel::PARALLEL_MIN;
use crate::program::{Aggregate, Program, Relation};

impl Lane<'_, '_, '_> {
    /// Node `node`'s value at every member, each earner walking its sources.
    pub(crate) fn earner_walk(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Err(self.error(missing(node), NONE, node));
        };
        let n = self.n();
        let values = {
            let env = self.env();
            let ctx = self.ctx;
            let at = |e: usize| {
                let e = e as MemberIx;
                earner_value(ctx, &env, agg, e).map_err(|x| (x, e))
            };
            if n >= PARALLEL_MIN && rayon::current_num_threads() > 1 {
                (0..n)
                    .into_par_iter()
                    .map(at)
                    .collect::<Result<Vec<Val>, _>>()
            } else {
                (0..n).map(at).collect::<Result<Vec<Val>, _>>()
            }
        };
        let values = values.map_err(|(x, e)| self.error(x, e, node))?;
        for (m, v) in values.into_iter().enumerate() {
            let m = m as MemberIx;
            self.write(node, m, v).map_err(|x| self.error(x, m, node))?;
        }
        Ok(())
    }
}

/// The aggregate at earner `e`: its sources on levels `from..=last` below
/// it (children are level 1), each taken with `e` as the earner.
fn earner_value(ctx: &Ctx<'_>, env: &Env<'_>, agg: &Aggregate, e: MemberIx) -> R<Val> {
    let (from, last, rates) = match &agg.relation {
        Relation::Children => (1, 1, None),
        Relation::Levels {
            from,
            width,
            to,
            compressed_by: None,
            rates,
        } => {
            let last = last_level(to(env, e, NONE)?).min(width.saturating_sub(1));
            (*from, last, rates.as_deref())
        }
        // The checker keeps `my` only over children and plain levels.
        _ => return Err(NO_STATE),
    };
    let mut acc = identity(agg.op);
    if last < from {
        return Ok(finish(agg.op, acc));
    }
    let depth = |x: MemberIx| ctx.depth.get(x as usize).copied().ok_or(NO_STATE);
    let top = depth(e)?;
    let end = ctx.net.subtree_end(e);
    let mut x = e.saturating_add(1);
    while x < end {
        let level = depth(x)?.checked_sub(top).ok_or(NO_STATE)? as usize;
        if level >= from {
            if let Some(v) = element(env, agg, x, e)? {
                let v = match rates {
                    Some(rates) => {
                        let rate = rates
                            .get(level - from)
                            .ok_or(Arith::Invariant(Miss::Rate(level as u32)))?;
                        // A zero adds a plain zero, as over levels without `my`.
                        if v.is_zero() {
                            Decimal::ZERO
                        } else {
                            mul(v, *rate, agg.mode)?
                        }
                    }
                    None => v,
                };
                acc = combine(agg.op, acc, Some(v), agg.mode)?;
            }
        }
        // Below the last level nothing is a source: skip the subtree.
        x = if level >= last {
            ctx.net.subtree_end(x)
        } else {
            x + 1
        };
    }
    Ok(finish(agg.op, acc))
}
