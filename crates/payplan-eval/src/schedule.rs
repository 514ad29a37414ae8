//! Schedule metadata worked out before the passes: each node's stage, the
//! stages that sweep with registers, when a column can be released, and
//! the members' depths.

use payplan_check::{Direction, NodeId, NodeKind, Stage, TRelation, TypedPlan};
use payplan_network::{MemberIx, Network, NONE};

use crate::error::EvalError;

/// One state slot per depth of the network (one for an empty network).
pub(crate) fn max_slots(depth: &[u32]) -> usize {
    depth.iter().max().map_or(1, |&d| d as usize + 1)
}

/// Depths in the sponsor tree, in one preorder pass; a member before its
/// sponsor breaks the network's order.
pub(crate) fn depths(net: &Network) -> Result<Vec<u32>, EvalError> {
    let mut depth = Vec::with_capacity(net.len());
    for (m, &p) in net.sponsors().iter().enumerate() {
        let d = if p == NONE {
            0
        } else {
            match depth.get(p as usize) {
                Some(&d) => u32::saturating_add(d, 1),
                None => return Err(unordered(net, m)),
            }
        };
        depth.push(d);
    }
    Ok(depth)
}

#[cold]
fn unordered(net: &Network, m: usize) -> EvalError {
    let member = match MemberIx::try_from(m) {
        Ok(m) => net.id(m).to_string(),
        Err(_) => format!("#{m}"),
    };
    EvalError::Unordered { member }
}

/// What the passes need to know before they start.
pub(crate) struct Schedule {
    /// The stage of every node.
    pub(crate) stage_of: Vec<usize>,
    /// Per stage, whether it is a sweep with registers ([`sweeps`]).
    pub(crate) sweeps: Vec<bool>,
    /// Per node, the last stage that reads it ([`last_uses`]).
    pub(crate) last_use: Vec<Option<usize>>,
    /// Per input node read in place, the network's column index.
    pub(crate) inputs: Vec<Option<usize>>,
    /// Per node, whether it lives in registers only, without a column.
    pub(crate) register_only: Vec<bool>,
}

impl Schedule {
    /// The schedule of `plan` on `net`; with `keep_every_value`, no column
    /// is released and every input is copied.
    pub(crate) fn new(plan: &TypedPlan, net: &Network, keep_every_value: bool) -> Schedule {
        let stage_of = stage_of(plan);
        let sweeps = sweeps(plan);
        let last_use = if keep_every_value {
            vec![None; plan.nodes.len()]
        } else {
            last_uses(plan)
        };
        // Inputs not kept past evaluation are read in place from the network.
        let inputs = plan
            .nodes
            .iter()
            .zip(&last_use)
            .map(|(node, last)| match node.kind {
                NodeKind::Input { column } if last.is_some() => {
                    let name = &plan.schema.columns.get(column)?.name;
                    net.schema().columns.iter().position(|c| c.name == *name)
                }
                _ => None,
            })
            .collect();
        let register_only = stage_of
            .iter()
            .zip(&last_use)
            .map(|(&stage, &last)| matches!(sweeps.get(stage), Some(true)) && last == Some(stage))
            .collect();
        Schedule {
            stage_of,
            sweeps,
            last_use,
            inputs,
            register_only,
        }
    }
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
                    Some(NodeKind::Aggregate(agg)) => !matches!(
                        agg.relation,
                        TRelation::Upline
                            | TRelation::Placement(_)
                            | TRelation::MatrixLevels { .. }
                    ),
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
        let Some(&at) = stage_of.get(reader) else {
            continue;
        };
        let mut note = |n: NodeId| {
            if let Some(l) = last.get_mut(n) {
                *l = Some(l.map_or(at, |x| x.max(at)));
            }
        };
        node.kind.for_each_read(&mut note);
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
