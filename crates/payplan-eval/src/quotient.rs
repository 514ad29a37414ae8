//! Which values may be quotients. A division keeps 28 significant digits
//! where its quotient does not end sooner (docs/language.md, section 16),
//! and so does arithmetic on a quotient; every other result must be exact.
//! A node may hold a quotient when its number is computed from a division
//! or from a node that may hold one.

use payplan_check::{AggOp, BinOp, NodeKind, TExpr, TypedPlan};

/// Per node, whether its value may be a quotient.
pub(crate) fn quotients(plan: &TypedPlan) -> Vec<bool> {
    let mut q = vec![false; plan.nodes.len()];
    // Each round marks at least one more node, or ends: at most one round
    // per node, and nodes come mostly after what they read, so few rounds.
    loop {
        let mut changed = false;
        for (id, node) in plan.nodes.iter().enumerate() {
            if !matches!(q.get(id), Some(false)) {
                continue;
            }
            if numbers(&node.kind).iter().any(|t| divides(t, &q)) {
                if let Some(slot) = q.get_mut(id) {
                    *slot = true;
                }
                changed = true;
            }
        }
        if !changed {
            return q;
        }
    }
}

/// The parts of a node's definition its number is computed from
/// (conditions, levels and ranks are not).
fn numbers(kind: &NodeKind) -> Vec<&TExpr> {
    match kind {
        NodeKind::Input { .. } | NodeKind::Rank { .. } | NodeKind::Matrix(_) => Vec::new(),
        NodeKind::Expr(t) | NodeKind::Total { value: t } => vec![t],
        NodeKind::Bonus { amount, cap, .. } => std::iter::once(amount).chain(cap).collect(),
        NodeKind::Differential { value, percent, .. } => vec![value, percent],
        NodeKind::Aggregate(agg) => match agg.op {
            AggOp::Sum | AggOp::Min | AggOp::Max => vec![&agg.value],
            AggOp::Count | AggOp::Any | AggOp::All => Vec::new(),
        },
    }
}

/// Whether the number `t` computes may be a quotient: it divides, or does
/// arithmetic on a node in `quotients`. Walks without recursion.
pub(crate) fn divides(t: &TExpr, quotients: &[bool]) -> bool {
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        match t {
            TExpr::ShareOf(..) | TExpr::Binary(BinOp::Div, ..) => return true,
            TExpr::Slot(n) | TExpr::My(n) => {
                if matches!(quotients.get(*n), Some(true)) {
                    return true;
                }
            }
            TExpr::Binary(BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Min | BinOp::Max, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            TExpr::Neg(a) => stack.push(a),
            TExpr::If(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            TExpr::RankTable { entries, .. } => stack.extend(entries),
            // A rounded value, a whole quotient and a remainder are exact.
            TExpr::Const(_)
            | TExpr::Not(_)
            | TExpr::Within(_)
            | TExpr::Binary(..)
            | TExpr::Round { .. } => {}
        }
    }
    false
}
