//! Walking the plan as written: the sub-expressions of an expression, for
//! the passes that look at every part of one without recursing.

use payplan_syntax::ast::{Expr, ExprKind, RelationKind};

/// Calls `f` on each direct sub-expression of `e`, in source order.
pub(crate) fn for_each_child<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    match &e.kind {
        ExprKind::Unary(_, a) | ExprKind::FromLevel(a) => f(a),
        ExprKind::Binary(_, a, b) => {
            f(a);
            f(b);
        }
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => {
            f(condition);
            f(then);
            f(otherwise);
        }
        ExprKind::RankTable(entries) => entries.iter().for_each(|(_, v)| f(v)),
        ExprKind::Call { args, .. } => args.iter().for_each(&mut *f),
        ExprKind::Aggregate(a) => {
            a.value.iter().for_each(&mut *f);
            a.filter.iter().for_each(&mut *f);
            a.rates.iter().flatten().for_each(&mut *f);
            match &a.relation.kind {
                RelationKind::Named(_) => {}
                RelationKind::Levels {
                    from,
                    to,
                    compressed_by,
                } => {
                    f(from);
                    f(to);
                    compressed_by.iter().for_each(|c| f(c));
                }
                RelationKind::Generations { from, to, counting } => {
                    f(from);
                    f(to);
                    f(counting);
                }
                RelationKind::MatrixLevels { from, to } => {
                    f(from);
                    f(to);
                }
            }
        }
        ExprKind::Full(relation) => {
            if let RelationKind::MatrixLevels { from, to } = &relation.kind {
                f(from);
                f(to);
            }
        }
        ExprKind::Number(_)
        | ExprKind::Percent(_)
        | ExprKind::Bool(_)
        | ExprKind::Name(_)
        | ExprKind::Within(_)
        | ExprKind::My(_) => {}
    }
}
