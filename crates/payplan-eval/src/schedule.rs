//! Schedule metadata worked out before the passes: each node's stage, the
//! stages that sweep with registers, when a column can be released, and
//! the members' depths.

use payplan_check::{Direction, NodeId, NodeKind, Stage, TRelation, TypedPlan};
use payplan_network::{Network, NONE};

/// One state slot per depth of the network.
pub(crate) fn max_slots(depth: &[u32]) -> usize {
    depth.iter().copied().max().unwrap_or(0) as usize + 1
}

/// Depths in the sponsor tree, in one preorder pass.
pub(crate) fn depths(net: &Network) -> Vec<u32> {
    let n = net.len();
    let mut depth = vec![0u32; n];
    for (m, &p) in net.sponsors().iter().enumerate() {
        if p != NONE {
            let d = depth
                .get(p as usize)
                .copied()
                .unwrap_or(0)
                .saturating_add(1);
            if let Some(x) = depth.get_mut(m) {
                *x = d;
            }
        }
    }
    depth
}

/// The stage of every node (0 for a node in none).
pub(crate) fn stage_of(plan: &TypedPlan) -> Vec<usize> {
    let mut stage_of = vec![0usize; plan.nodes.len()];
    for (i, stage) in plan.stages.iter().enumerate() {
        let nodes = match stage {
            Stage::Single(n) => std::slice::from_ref(n),
            Stage::Recursive { nodes, .. } => nodes.as_slice(),
        };
        for n in nodes {
            if let Some(s) = stage_of.get_mut(*n) {
                *s = i;
            }
        }
    }
    stage_of
}

/// Per stage, whether it is a bottom-up sweep whose nodes read each other
/// only at the current member (directly, or through an aggregate when the
/// member pushes to its sponsor), so they can read registers, not columns.
pub(crate) fn sweeps(plan: &TypedPlan) -> Vec<bool> {
    plan.stages
        .iter()
        .map(|stage| match stage {
            Stage::Recursive {
                direction: Direction::BottomUp,
                nodes,
            } => nodes
                .iter()
                .all(|n| match plan.nodes.get(*n).map(|x| &x.kind) {
                    Some(NodeKind::Aggregate(agg)) => {
                        !matches!(agg.relation, TRelation::Upline | TRelation::Placement(_))
                    }
                    Some(NodeKind::Total { .. }) | None => false,
                    Some(_) => plan.nodes.get(*n).is_some_and(|x| !x.global),
                }),
            _ => false,
        })
        .collect()
}

/// For each node, the index of the last stage that reads it, or `None` for
/// nodes whose values outlive evaluation (bonuses, exports, the limit) or
/// that nothing reads.
pub(crate) fn last_uses(plan: &TypedPlan) -> Vec<Option<usize>> {
    let stage_of = stage_of(plan);
    let mut last: Vec<Option<usize>> = vec![None; plan.nodes.len()];
    for (reader, node) in plan.nodes.iter().enumerate() {
        let at = stage_of.get(reader).copied().unwrap_or(0);
        let mut note = |n: NodeId| {
            if let Some(l) = last.get_mut(n) {
                *l = Some(l.map_or(at, |x| x.max(at)));
            }
        };
        for_each_read(&node.kind, &mut note);
    }
    let kept = plan
        .bonuses
        .iter()
        .map(|b| b.node)
        .chain(plan.exports.iter().map(|e| e.node))
        .chain(plan.limit);
    for n in kept {
        if let Some(l) = last.get_mut(n) {
            *l = None;
        }
    }
    last
}

/// Calls `f` on every node a node's definition reads.
pub(crate) fn for_each_read(kind: &NodeKind, f: &mut impl FnMut(NodeId)) {
    match kind {
        NodeKind::Input { .. } => {}
        NodeKind::Expr(t) | NodeKind::Total { value: t } => t.for_each_slot(f),
        NodeKind::Rank { requirements } => requirements.iter().for_each(|t| t.for_each_slot(f)),
        NodeKind::Bonus {
            qualification,
            amount,
            cap,
        } => {
            qualification
                .iter()
                .chain(cap.iter())
                .for_each(|t| t.for_each_slot(f));
            amount.for_each_slot(f);
        }
        NodeKind::Differential { value, percent, .. } => {
            value.for_each_slot(f);
            percent.for_each_slot(f);
        }
        NodeKind::Aggregate(agg) => {
            agg.value.for_each_slot(f);
            agg.filter.iter().for_each(|t| t.for_each_slot(f));
            match &agg.relation {
                TRelation::Levels {
                    to, compressed_by, ..
                } => {
                    to.for_each_slot(f);
                    compressed_by.iter().for_each(|t| t.for_each_slot(f));
                }
                TRelation::Generations { to, counting, .. } => {
                    to.for_each_slot(f);
                    counting.for_each_slot(f);
                }
                _ => {}
            }
        }
    }
}
