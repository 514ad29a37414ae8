//! A cheap, sound-where-it-answers-yes test that one rank requirement implies
//! another, for the "rank can never be held" warning.

use payplan_syntax::ast::{BinaryOp, Expr, ExprKind};
use rust_decimal::Decimal;

/// True when every member meeting `lower` certainly meets `higher`: each
/// conjunct of `higher` is implied by a conjunct of `lower` (the same text,
/// or the same `x >= c` with a threshold at least as high).
pub fn implies(lower: &Expr, higher: &Expr, source: &str) -> bool {
    let lower_parts = conjuncts(lower);
    conjuncts(higher)
        .iter()
        .all(|h| lower_parts.iter().any(|l| conjunct_implies(l, h, source)))
}

fn conjuncts(e: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Binary(BinaryOp::And, a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(e),
        }
    }
    out
}

fn text(e: &Expr, source: &str) -> String {
    source
        .get(e.span.start..e.span.end)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn threshold(e: &Expr) -> Option<(&Expr, Decimal, bool)> {
    match &e.kind {
        ExprKind::Binary(op @ (BinaryOp::Ge | BinaryOp::Gt), x, c) => match c.kind {
            ExprKind::Number(d) | ExprKind::Percent(d) => Some((x, d, *op == BinaryOp::Gt)),
            _ => None,
        },
        _ => None,
    }
}

fn conjunct_implies(l: &Expr, h: &Expr, source: &str) -> bool {
    if text(l, source) == text(h, source) {
        return true;
    }
    match (threshold(l), threshold(h)) {
        (Some((lx, lc, lstrict)), Some((hx, hc, hstrict))) => {
            text(lx, source) == text(hx, source) && (lc > hc || (lc == hc && (lstrict || !hstrict)))
        }
        _ => false,
    }
}
