//! Types and units: the rules that give an expression its type, and the
//! types of the `let`s, inferred once in dependency order before any
//! expression is lowered.
//!
//! The lowering reports what breaks these rules; the rules alone decide
//! the types, so that the two cannot disagree.

use std::collections::VecDeque;

use payplan_syntax::ast::{Aggregate, BinaryOp, Expr, ExprKind, RelationKind, UnaryOp};
use payplan_syntax::Ident;

use crate::resolve::{Binding, Decls, LetOrder};
use crate::typed::{AggOp, Ty};

/// How deep the checker follows an expression. The parser refuses deeper
/// ones first (at most [`payplan_syntax::MAX_NESTING`] brackets and
/// [`payplan_syntax::MAX_OPERATORS`] operators a statement); this bounds a
/// syntax tree a host builds itself.
pub(crate) const MAX_DEPTH: usize = 512;

/// How often a `let` on a cycle is inferred again while the types it reads
/// change; types settle in one or two rounds unless they oscillate.
const MAX_VISITS: u8 = 8;

/// The common type of two operands (`a + b`, the branches of an `if`), or
/// `None` where their units clash. Unknown, already reported, fits any.
pub(crate) fn common(a: Ty, b: Ty) -> Option<Ty> {
    match (a, b) {
        _ if a == b => Some(a),
        (Ty::Unknown, t) | (t, Ty::Unknown) => Some(t),
        (Ty::Number, t) | (t, Ty::Number) if t.is_numeric() => Some(t),
        _ => None,
    }
}

/// The type of `a * b`: a percentage or a number of something has that
/// something's unit; a plain number per counted thing (`40 * cycles`, 40
/// for each cycle) is a plain number, which a bonus may pay.
pub(crate) fn product(a: Ty, b: Ty) -> Option<Ty> {
    match (a, b) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => Some(Ty::Unknown),
        (Ty::Number, Ty::Count) | (Ty::Count, Ty::Number) => Some(Ty::Number),
        (Ty::Percent, t) | (t, Ty::Percent) if t.is_numeric() => Some(t),
        (Ty::Number, t) | (t, Ty::Number) if t.is_numeric() => Some(t),
        (Ty::Count, t) | (t, Ty::Count) if t.is_numeric() => Some(t),
        _ => None,
    }
}

/// The type of `a / b`: a ratio of like values is a number.
pub(crate) fn quotient(a: Ty, b: Ty) -> Option<Ty> {
    match (a, b) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => Some(Ty::Unknown),
        (x, y) if x == y && x.is_numeric() => Some(Ty::Number),
        (x, Ty::Number | Ty::Count | Ty::Percent) if x.is_numeric() => Some(x),
        _ => None,
    }
}

/// The type of `a div b`: how many whole times `b` goes into `a`, a count,
/// when `b` has `a`'s unit or is a plain number read in it (`paired div
/// 300`: cycles of 300 points); a value divided by a count keeps its unit
/// (a whole share per member).
pub(crate) fn whole_quotient(a: Ty, b: Ty) -> Option<Ty> {
    match (a, b) {
        (Ty::Unknown, _) | (_, Ty::Unknown) => Some(Ty::Unknown),
        (Ty::Number, Ty::Number) => Some(Ty::Number),
        (x, y) if x == y && x.is_numeric() => Some(Ty::Count),
        (x, Ty::Number) if x.is_numeric() && x != Ty::Percent => Some(Ty::Count),
        (x, Ty::Count) if x.is_numeric() && x != Ty::Percent => Some(x),
        _ => None,
    }
}

/// The type of `a mod b`: both of one unit (a plain number fits any), which
/// the remainder keeps.
pub(crate) fn remainder(a: Ty, b: Ty) -> Option<Ty> {
    if a.is_numeric() && b.is_numeric() {
        common(a, b)
    } else {
        None
    }
}

/// A numeric type as it is; any other, already reported, as a number.
pub(crate) fn numeric_or_number(ty: Ty) -> Ty {
    if ty.is_numeric() {
        ty
    } else {
        Ty::Number
    }
}

/// Whether `a of b` takes a percentage of a number.
pub(crate) fn of_fits(a: Ty, b: Ty) -> (bool, bool) {
    (
        matches!(a, Ty::Percent | Ty::Number | Ty::Unknown),
        b.is_numeric(),
    )
}

/// The type of `a op b`.
pub(crate) fn binary(op: BinaryOp, a: Ty, b: Ty) -> Ty {
    let found = match op {
        BinaryOp::Add | BinaryOp::Sub => (a.is_numeric() && b.is_numeric())
            .then(|| common(a, b))
            .flatten(),
        BinaryOp::Mul => product(a, b),
        BinaryOp::Of => match of_fits(a, b) {
            (true, true) => product(a, b),
            _ => None,
        },
        BinaryOp::Div => quotient(a, b),
        BinaryOp::WholeDiv => whole_quotient(a, b),
        BinaryOp::Mod => remainder(a, b),
        _ => Some(Ty::Bool),
    };
    found.unwrap_or(Ty::Unknown)
}

/// The type of an aggregate of values of type `value` (`None` for `count`).
pub(crate) fn aggregate(op: AggOp, value: Option<Ty>) -> Ty {
    match op {
        AggOp::Count => Ty::Count,
        AggOp::Any | AggOp::All => Ty::Bool,
        AggOp::Sum | AggOp::Min | AggOp::Max => value.map_or(Ty::Number, numeric_or_number),
    }
}

/// The aggregate a function name stands for.
pub(crate) fn agg_op(name: &str) -> Option<AggOp> {
    Some(match name {
        "sum" => AggOp::Sum,
        "count" => AggOp::Count,
        "min" => AggOp::Min,
        "max" => AggOp::Max,
        "any" => AggOp::Any,
        "all" => AggOp::All,
        _ => return None,
    })
}

/// The types of the `let`s, by index: those in dependency order once each,
/// then those on cycles (which read a type not yet known as a plain
/// number) again while the types they read change.
pub(crate) fn let_types(decls: &Decls<'_>, order: &LetOrder) -> Vec<Ty> {
    let n = decls.lets.len();
    let mut cx = Infer {
        decls,
        types: vec![None; n],
    };
    let (settled, cyclic) = order
        .order
        .split_at_checked(order.settled)
        .unwrap_or((&order.order, &[]));
    for &i in settled {
        cx.settle(i);
    }
    let mut queue: VecDeque<usize> = cyclic.iter().copied().collect();
    let mut queued = vec![false; n];
    let mut visits = vec![0u8; n];
    for &i in cyclic {
        set(&mut queued, i, true);
    }
    while let Some(i) = queue.pop_front() {
        set(&mut queued, i, false);
        if let Some(v) = visits.get_mut(i) {
            *v += 1;
        }
        if !cx.settle(i) {
            continue;
        }
        for &r in order.readers.get(i).into_iter().flatten() {
            let again = !queued.get(r).copied().unwrap_or(true)
                && visits.get(r).is_some_and(|&v| v < MAX_VISITS);
            if again {
                set(&mut queued, r, true);
                queue.push_back(r);
            }
        }
    }
    cx.types
        .into_iter()
        .map(|t| t.unwrap_or(Ty::Number))
        .collect()
}

fn set(v: &mut [bool], i: usize, x: bool) {
    if let Some(slot) = v.get_mut(i) {
        *slot = x;
    }
}

/// The state of [`let_types`].
struct Infer<'d, 'a> {
    decls: &'d Decls<'a>,
    /// Each `let`'s type, once inferred.
    types: Vec<Option<Ty>>,
}

impl Infer<'_, '_> {
    /// Infers `let` `i`; true when its type differs from what readers
    /// took it to be.
    fn settle(&mut self, i: usize) -> bool {
        let Some(def) = self.decls.lets.get(i) else {
            return false;
        };
        let ty = self.ty(def.expr, 0);
        match self.types.get_mut(i) {
            Some(slot) => {
                let before = slot.unwrap_or(Ty::Number);
                *slot = Some(ty);
                before != ty
            }
            None => false,
        }
    }

    fn ty(&self, e: &Expr, depth: usize) -> Ty {
        if depth >= MAX_DEPTH {
            return Ty::Unknown;
        }
        let depth = depth + 1;
        match &e.kind {
            ExprKind::Number(_) => Ty::Number,
            ExprKind::Percent(_) => Ty::Percent,
            ExprKind::Bool(_) | ExprKind::Within(_) | ExprKind::Unary(UnaryOp::Not, _) => Ty::Bool,
            ExprKind::Name(id) | ExprKind::My(id) => self.name(id),
            ExprKind::Unary(UnaryOp::Neg, a) => self.ty(a, depth),
            ExprKind::Binary(op, a, b) => binary(*op, self.ty(a, depth), self.ty(b, depth)),
            ExprKind::If {
                then, otherwise, ..
            } => common(self.ty(then, depth), self.ty(otherwise, depth)).unwrap_or(Ty::Unknown),
            ExprKind::RankTable(entries) => match self.decls.rank_node() {
                None => Ty::Unknown,
                Some(_) => self.fold(entries.iter().map(|(_, v)| v), depth),
            },
            ExprKind::Call { function, args } => self.call(&function.name, args, depth),
            ExprKind::Aggregate(agg) => self.aggregate(agg, depth),
            ExprKind::Full(_) => Ty::Bool,
            ExprKind::FromLevel(_) => Ty::Unknown,
        }
    }

    /// The type of a name in an expression; a definition not yet inferred
    /// is read as a plain number.
    fn name(&self, id: &Ident) -> Ty {
        if id.name == "rank" {
            return match self.decls.rank_node() {
                Some(_) => Ty::Rank,
                None => Ty::Unknown,
            };
        }
        match self.decls.binding(&id.name) {
            Some(Binding::Input(i)) => self.decls.inputs.get(i).map_or(Ty::Number, |x| x.ty),
            Some(Binding::Let(i)) => self.types.get(i).copied().flatten().unwrap_or(Ty::Number),
            Some(Binding::Bonus(_)) => Ty::Money,
            Some(Binding::RankName(_)) => Ty::Rank,
            None => Ty::Unknown,
        }
    }

    /// The common type of several values (a table's, `min`'s): after a
    /// clash, the next value's type.
    fn fold<'e>(&self, values: impl Iterator<Item = &'e Expr>, depth: usize) -> Ty {
        let mut acc: Option<Ty> = None;
        for v in values {
            let ty = self.ty(v, depth);
            acc = Some(acc.map_or(ty, |a| common(a, ty).unwrap_or(Ty::Unknown)));
        }
        acc.unwrap_or(Ty::Number)
    }

    fn call(&self, name: &str, args: &[Expr], depth: usize) -> Ty {
        match (name, args) {
            ("min" | "max", [_, _, ..]) => self.fold(args.iter(), depth),
            ("money", [_]) | ("pool", [_, _]) => Ty::Money,
            ("total", [a])
            | ("differential", [a, _] | [a, _, _])
            | ("floor" | "ceil", [a])
            | ("round", [a, _] | [a, _, _]) => numeric_or_number(self.ty(a, depth)),
            _ => Ty::Unknown,
        }
    }

    fn aggregate(&self, agg: &Aggregate, depth: usize) -> Ty {
        let Some(op) = agg_op(&agg.function.name) else {
            return Ty::Unknown;
        };
        if let RelationKind::Named(id) = &agg.relation.kind {
            if !crate::aggregate::is_relation(&id.name) {
                return Ty::Unknown;
            }
        }
        aggregate(op, agg.value.as_ref().map(|v| self.ty(v, depth)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suggest::AGGREGATES;

    #[test]
    fn the_function_names_are_the_aggregates() {
        for name in AGGREGATES {
            assert!(agg_op(name).is_some(), "{name}");
        }
        assert_eq!(agg_op("total"), None);
    }
}
