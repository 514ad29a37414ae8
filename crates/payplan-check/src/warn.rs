//! Warnings: what is legal but likely wrong (rates above 100% or below
//! zero, ranks no member can hold, definitions nothing reads).

use std::collections::HashSet;

use payplan_syntax::ast::{Expr, ExprKind, PlanAst, Statement, UnaryOp};
use rust_decimal::Decimal;

use crate::implies::first_implied;
use crate::resolve::Decls;
use crate::source::Source;
use crate::walk::for_each_child;
use crate::warning::CheckWarning;

/// Every warning, rates first, then ranks, then unused definitions;
/// `used[i]` tells whether `let` `i` is read anywhere.
pub(crate) fn warnings(
    ast: &PlanAst,
    decls: &Decls<'_>,
    used: &[bool],
    source: Source<'_>,
) -> Vec<CheckWarning> {
    let mut out = Vec::new();
    for st in &ast.statements {
        rates(st, source, &mut out);
    }
    unreachable_ranks(decls, source, &mut out);
    unused(decls, used, &mut out);
    out
}

/// The expressions of a statement that may hold rates.
fn roots(st: &Statement) -> Vec<&Expr> {
    match st {
        Statement::Let(d) => vec![&d.expr],
        Statement::Rank(d) => vec![&d.requirement],
        Statement::Bonus(b) => std::iter::once(&b.amount)
            .chain(b.qualification.iter())
            .chain(b.cap.iter())
            .collect(),
        Statement::Limit { expr, .. } => vec![expr],
        Statement::Export(e) => e.expr.iter().collect(),
        _ => Vec::new(),
    }
}

/// A percentage above 100% or below zero, wherever it is written: a
/// bonus's rate, a rate per level, an entry of a rate table.
fn rates(st: &Statement, source: Source<'_>, out: &mut Vec<CheckWarning>) {
    let mut stack = roots(st);
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Percent(d) if *d > Decimal::ONE => out.push(CheckWarning::RateAbove100 {
                text: source.quote(e.span),
                span: e.span,
            }),
            ExprKind::Unary(UnaryOp::Neg, inner) => match &inner.kind {
                ExprKind::Percent(d) if *d > Decimal::ZERO => {
                    out.push(CheckWarning::NegativeRate {
                        text: source.quote(e.span),
                        span: e.span,
                    })
                }
                // `- -5%` is 5%.
                ExprKind::Unary(UnaryOp::Neg, twice) => stack.push(twice),
                _ => stack.push(inner),
            },
            _ => for_each_child(e, &mut |c| stack.push(c)),
        }
    }
}

/// A rank whose every member would also meet a higher rank.
fn unreachable_ranks(decls: &Decls<'_>, source: Source<'_>, out: &mut Vec<CheckWarning>) {
    let requirements: Vec<&Expr> = decls.ranks.iter().map(|d| d.expr).collect();
    let higher = first_implied(&requirements, source);
    for (rank, higher) in decls.ranks.iter().zip(higher) {
        let Some(h) = higher.and_then(|j| decls.ranks.get(j)) else {
            continue;
        };
        out.push(CheckWarning::UnreachableRank {
            rank: rank.name.name.clone(),
            span: rank.name.span,
            higher: h.name.name.clone(),
            higher_span: h.name.span,
        });
    }
}

/// Definitions nothing reads, unless exported.
fn unused(decls: &Decls<'_>, used: &[bool], out: &mut Vec<CheckWarning>) {
    let exported: HashSet<&str> = decls
        .exports
        .iter()
        .filter(|e| e.expr.is_none())
        .map(|e| e.name.name.as_str())
        .collect();
    for (i, def) in decls.lets.iter().enumerate() {
        if !used.get(i).copied().unwrap_or(true) && !exported.contains(def.name.name.as_str()) {
            out.push(CheckWarning::Unused {
                name: def.name.name.clone(),
                span: def.name.span,
            });
        }
    }
}
