//! Explaining aggregates that read the earner's own values (`my`).
//!
//! Over children and levels the aggregate keeps its `my` reads: they are
//! evaluated at the member being explained (the interpreter's `outer`),
//! and listed with the part. Over other relations the checker copied the
//! aggregate once per value of the earner's true/false or rank values and
//! chooses the member's copy with an `if` or a `by rank` table whose every
//! leaf is one of those copies (they share the aggregate's span): here only
//! the copy the member reads is taken apart, not the copies for other
//! values.

use payplan_check::{AggNode, NodeId, NodeKind, TExpr};
use payplan_network::{MemberIx, NONE};

use crate::interp::{truth, Arith, Values};
use crate::{ExplainFault, Quantity};

/// Whether `t` chooses among copies of one aggregate made for `my`.
fn copy_selector(v: &Values<'_>, t: &TExpr) -> bool {
    if !matches!(t, TExpr::If(..) | TExpr::RankTable { .. }) {
        return false;
    }
    let mut spans = Vec::new();
    let mut stack = vec![t];
    while let Some(e) = stack.pop() {
        match e {
            TExpr::If(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            TExpr::RankTable { entries, .. } => stack.extend(entries),
            TExpr::Slot(n) => match v.plan.nodes.get(*n) {
                Some(node) if matches!(node.kind, NodeKind::Aggregate(_)) => {
                    spans.push(node.span);
                }
                _ => return false,
            },
            _ => return false,
        }
    }
    spans.len() >= 2 && spans.windows(2).all(|w| w.first() == w.last())
}

/// The nodes `t` reads at `m`, in the order [`TExpr::for_each_slot`]
/// visits them, but only the copy `m` reads of an aggregate copied for `my`.
pub(crate) fn chosen_slots(v: &Values<'_>, t: &TExpr, m: MemberIx) -> Result<Vec<NodeId>, Arith> {
    let mut out = Vec::new();
    let mut stack = vec![t];
    while let Some(e) = stack.pop() {
        match e {
            TExpr::Slot(n) | TExpr::My(n) => out.push(*n),
            TExpr::RankTable { rank, .. } => out.push(*rank),
            _ => {}
        }
        if !copy_selector(v, e) {
            e.for_each_child(&mut |c| stack.push(c));
            continue;
        }
        match e {
            TExpr::If(c, a, b) => {
                stack.push(c);
                stack.push(if truth(v.value(c, m, NONE)?) { a } else { b });
            }
            TExpr::RankTable { rank, entries } => {
                let r = match v.slot(*rank, m)? {
                    payplan_check::Val::Rank(r) => usize::from(r),
                    _ => return Err(ExplainFault::WrongKind.into()),
                };
                stack.push(entries.get(r).ok_or(ExplainFault::MissingRankEntry)?);
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The member's own values an aggregate reads with `my`, each once.
pub(crate) fn my_values(
    v: &Values<'_>,
    agg: &AggNode,
    m: MemberIx,
) -> Result<Vec<Quantity>, Arith> {
    let mut nodes: Vec<NodeId> = Vec::new();
    for t in std::iter::once(&agg.value).chain(agg.filter.iter()) {
        t.any_part(&mut |e| {
            if let TExpr::My(n) = e {
                if !nodes.contains(n) {
                    nodes.push(*n);
                }
            }
            false
        });
    }
    v.in_text_order(&mut nodes)?;
    nodes
        .iter()
        .map(|&n| {
            let mut q = v.quantity(n, m)?;
            q.name = format!("my {}", q.name);
            Ok(q)
        })
        .collect()
}
