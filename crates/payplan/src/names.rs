//! A plan's values by name: the node behind a bonus, an export, `rank`,
//! an input or a `let`, as hosts name them.

use payplan_check::{NodeId, NodeKind, TExpr, TypedPlan};

/// The rank node, when the plan has ranks.
pub(crate) fn rank_node(plan: &TypedPlan) -> Option<NodeId> {
    plan.nodes
        .iter()
        .position(|n| matches!(n.kind, NodeKind::Rank { .. }))
}

/// The node holding the value named `name`: a bonus, an export, `rank`,
/// an input or a `let` (in that order, though the checker keeps them apart).
pub(crate) fn node_named(plan: &TypedPlan, name: &str) -> Option<NodeId> {
    if let Some(b) = plan.bonuses.iter().find(|b| b.name == name) {
        return Some(b.node);
    }
    if let Some(e) = plan.exports.iter().find(|e| e.name == name) {
        return Some(e.node);
    }
    if name == "rank" {
        return rank_node(plan);
    }
    // Inputs and `let`s come first, labelled with their names; the parts
    // lifted out of expressions come after them, labelled with their text
    // (or `qualification` and `limit`, which are set aside here).
    plan.nodes.iter().enumerate().find_map(|(id, n)| {
        let definition = matches!(n.kind, NodeKind::Input { .. } | NodeKind::Expr(_));
        (definition && n.label == name && !lifted(plan, id)).then_some(id)
    })
}

/// Whether `id` is a bonus's qualification or the limit, lifted into a node
/// of its own under a fixed label.
fn lifted(plan: &TypedPlan, id: NodeId) -> bool {
    plan.limit == Some(id)
        || plan.nodes.iter().any(|n| {
            matches!(
                &n.kind,
                NodeKind::Bonus { qualification: Some(TExpr::Slot(q)), .. } if *q == id
            )
        })
}

/// Whether a run keeps `node`'s values without `keep_every_value`: the
/// bonuses, the exports and the limit outlive the passes that read them.
pub(crate) fn kept_by_default(plan: &TypedPlan, node: NodeId) -> bool {
    plan.bonuses.iter().any(|b| b.node == node)
        || plan.exports.iter().any(|e| e.node == node)
        || plan.limit == Some(node)
}
