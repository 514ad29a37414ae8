//! A placement-subtree aggregate (`sum(pv over left)`): one pass over the
//! placement tree, in reverse preorder, then each member reads its child's.

use payplan_network::{MemberIx, PlacementTree, Side, NONE};

use crate::acc::{combine, finish, identity, merge, Acc, NO_STATE};
use crate::arith::R;
use crate::env::{missing, Env};
use crate::error::EvalError;
use crate::lane::Lane;
use crate::member::element;
use crate::program::{Aggregate, Program, Relation};
use payplan_check::NodeId;

impl Lane<'_, '_, '_> {
    /// A placement-subtree aggregate: states in reverse placement preorder,
    /// then each member reads the state of its child on the side.
    pub(crate) fn placement(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Err(self.error(missing(node), NONE, node));
        };
        let Relation::Placement(side) = agg.relation else {
            return Err(self.error(NO_STATE, NONE, node));
        };
        let Some(tree) = self.ctx.net.placement() else {
            return Err(EvalError::MissingPlacement);
        };
        let op = agg.op;
        let env = self.env();
        let mut states = vec![identity(op); self.n()];
        for &x in tree.order().iter().rev() {
            let acc = subtree(&env, agg, &states, tree, x).map_err(|e| self.error(e, x, node))?;
            let slot = states.get_mut(x as usize);
            *slot.ok_or_else(|| self.error(NO_STATE, x, node))? = acc;
        }
        let n = self.n() as MemberIx;
        let mut values = Vec::with_capacity(self.n());
        for m in 0..n {
            let c = tree.child(m, side);
            let acc = if c == NONE {
                identity(op)
            } else {
                let acc = states.get(c as usize).copied();
                acc.ok_or_else(|| self.error(NO_STATE, m, node))?
            };
            values.push(finish(op, acc));
        }
        for (m, v) in (0..n).zip(values) {
            self.write(node, m, v).map_err(|e| self.error(e, m, node))?;
        }
        Ok(())
    }
}

/// The aggregate over `x`'s placement subtree: `x` with its children's,
/// which `states` already holds.
#[inline(always)]
fn subtree(
    env: &Env<'_>,
    agg: &Aggregate,
    states: &[Acc],
    tree: &PlacementTree,
    x: MemberIx,
) -> R<Acc> {
    let (op, mode) = (agg.op, agg.mode);
    let mut acc = combine(op, identity(op), element(env, agg, x, NONE)?, mode)?;
    for s in [Side::Left, Side::Right] {
        let c = tree.child(x, s);
        if c != NONE {
            let child = states.get(c as usize).copied().ok_or(NO_STATE)?;
            acc = merge(op, acc, child, mode)?;
        }
    }
    Ok(acc)
}
