//! Aggregates over related members (`sum(cv over downline where active)`),
//! each lowered to a node of its own: the relation, its level bounds and
//! the rates per level.

use payplan_network::Side;
use payplan_syntax::ast::{Aggregate, Expr, ExprKind, Relation, RelationKind, UnaryOp};
use payplan_syntax::{Ident, Span};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::error::{CheckError, LevelKind};
use crate::infer;
use crate::lower::{poison, Ctx, Lowerer};
use crate::suggest::{suggest, AGGREGATES, RELATIONS};
use crate::typed::{AggNode, AggOp, BinOp, Node, NodeKind, TExpr, TRelation, Ty, Val};

/// The deepest level (or generation) a plan may reach.
const MAX_LEVEL: usize = 64;

/// Whether `name` is a relation named by a word.
pub(crate) fn is_relation(name: &str) -> bool {
    matches!(
        name,
        "children" | "legs" | "downline" | "group" | "upline" | "left" | "right"
    )
}

impl Lowerer<'_, '_> {
    pub(crate) fn lower_aggregate(&mut self, agg: &Aggregate, span: Span) -> (TExpr, Ty) {
        let fname = agg.function.name.as_str();
        let Some(op) = infer::agg_op(fname) else {
            self.errors.push(CheckError::UnknownFunction {
                name: fname.to_string(),
                span: agg.function.span,
                suggestion: if fname == "total" {
                    None
                } else {
                    suggest(fname, AGGREGATES)
                },
            });
            return poison();
        };
        let Some((relation, bounds_failed)) = self.lower_relation(&agg.relation) else {
            return poison();
        };
        let ctx = Ctx {
            within: matches!(relation, TRelation::Children),
            pool: None,
            aggregate: true,
        };
        // `my` reads inside this aggregate are its own, not an enclosing one's.
        let outer_reads = std::mem::take(&mut self.my_reads);
        let (value, vty) = match &agg.value {
            Some(v) => self.lower(v, ctx),
            None => (TExpr::Const(Val::Dec(Decimal::ONE)), Ty::Count),
        };
        let filter = agg.filter.as_ref().map(|f| {
            let (t, ty) = self.lower(f, ctx);
            self.expect_ty(ty, Ty::Bool, f.span, "a `where` condition");
            t
        });
        let my_reads = std::mem::replace(&mut self.my_reads, outer_reads);
        let ty = self.aggregate_type(op, fname, agg.value.as_ref(), vty);
        let levelled = levels_of(&relation);
        if levelled.is_some() && matches!(op, AggOp::Min | AggOp::Max) {
            self.errors.push(CheckError::NotOverLevels {
                function: fname.to_string(),
                span: agg.function.span,
            });
        }
        let rates = match &agg.rates {
            None => None,
            Some(list) => match self.lower_rates(list, agg, op, levelled, bounds_failed) {
                Some(rates) => Some(rates),
                None => return (TExpr::Const(Val::Dec(Decimal::ZERO)), ty),
            },
        };
        let node = AggNode {
            op,
            value,
            filter,
            relation,
            rates,
        };
        if !my_reads.is_empty() {
            return self.earner_aggregate(node, &my_reads, agg.relation.span, span, ty);
        }
        let t = self.push_node(Node {
            label: self.source.full(span),
            span,
            ty,
            kind: NodeKind::Aggregate(Box::new(node)),
            global: false,
        });
        (t, ty)
    }

    /// The rates of `at r1, r2, ...`: one per level of a `sum`; `None` when
    /// the relation has no levels.
    fn lower_rates(
        &mut self,
        list: &[Expr],
        agg: &Aggregate,
        op: AggOp,
        levelled: Option<(LevelKind, usize, usize)>,
        bounds_failed: bool,
    ) -> Option<Vec<Decimal>> {
        let Some((what, from, max)) = levelled else {
            self.errors.push(CheckError::RatesWithoutLevels {
                span: agg.relation.span,
            });
            return None;
        };
        if op != AggOp::Sum {
            self.errors.push(CheckError::RatesNeedSum {
                function: agg.function.name.clone(),
                span: agg.function.span,
            });
        }
        let rates = self.rates(list);
        if list.len() != max + 1 - from && !bounds_failed {
            let span = match (list.first(), list.last()) {
                (Some(a), Some(b)) => a.span.to(b.span),
                _ => agg.relation.span,
            };
            self.errors.push(CheckError::RateCount {
                what,
                from,
                to: max,
                found: list.len(),
                span,
            });
        }
        Some(rates)
    }

    /// The aggregate's type, with an error where its values do not fit it.
    fn aggregate_type(&mut self, op: AggOp, fname: &str, value: Option<&Expr>, vty: Ty) -> Ty {
        match (op, value) {
            (AggOp::Any | AggOp::All, Some(v)) => {
                self.expect_ty(vty, Ty::Bool, v.span, &format!("a condition for `{fname}`"));
            }
            (AggOp::Sum | AggOp::Min | AggOp::Max, Some(v)) => {
                self.numeric_or(vty, v.span, &format!("`{fname}`"));
            }
            _ => {}
        }
        infer::aggregate(op, value.map(|_| vty))
    }

    /// `full(matrix levels a..b)`: true where every position of those levels
    /// is taken, that is where they hold `width^a + ... + width^b` members
    /// (no level holds more than `width^k`, so the count reaches that sum
    /// only when each level is full).
    pub(crate) fn lower_full(&mut self, relation: &Relation, span: Span) -> (TExpr, Ty) {
        if !matches!(relation.kind, RelationKind::MatrixLevels { .. }) {
            self.errors.push(CheckError::FullNotMatrix {
                relation: self.source.quote(relation.span),
                span: relation.span,
            });
            return poison();
        }
        let Some((relation_t, failed)) = self.lower_relation(relation) else {
            return poison();
        };
        let TRelation::MatrixLevels { from, max, to } = &relation_t else {
            return poison();
        };
        if failed {
            return poison();
        }
        if !matches!(self.defined(to), Some(TExpr::Const(_))) {
            self.errors.push(CheckError::FullLevelsNotFixed {
                span: relation.span,
            });
            return poison();
        }
        let width = self.decls.matrix.as_ref().map_or(3, |m| m.width);
        let positions = matrix_positions(width, *from, *max);
        let node = AggNode {
            op: AggOp::Count,
            value: TExpr::Const(Val::Dec(Decimal::ONE)),
            filter: None,
            relation: relation_t,
            rates: None,
        };
        let count = self.push_node(Node {
            label: format!("count({})", self.source.full(relation.span)),
            span,
            ty: Ty::Count,
            kind: NodeKind::Aggregate(Box::new(node)),
            global: false,
        });
        let full = TExpr::Binary(
            BinOp::Eq,
            Box::new(count),
            Box::new(TExpr::Const(Val::Dec(positions))),
        );
        (full, Ty::Bool)
    }

    /// The relation, and whether its level bounds were reported as wrong;
    /// `None` for an unknown relation.
    fn lower_relation(&mut self, relation: &Relation) -> Option<(TRelation, bool)> {
        Some(match &relation.kind {
            RelationKind::Named(id) => (self.named_relation(id)?, false),
            RelationKind::Levels {
                from,
                to,
                compressed_by,
            } => {
                let (from, max, to, failed) = self.checked_bounds(from, to, LevelKind::Level);
                let compressed_by = compressed_by.as_ref().map(|c| {
                    let (t, ty) = self.lower(c, Ctx::default());
                    self.expect_ty(ty, Ty::Bool, c.span, "a compression condition");
                    t
                });
                let r = TRelation::Levels {
                    from,
                    max,
                    to,
                    compressed_by,
                };
                (r, failed)
            }
            RelationKind::MatrixLevels { from, to } => {
                if self.decls.matrix.is_none() {
                    self.need_matrix(relation.span, &self.source.quote(relation.span));
                }
                let (from, max, to, failed) = self.checked_bounds(from, to, LevelKind::Level);
                (TRelation::MatrixLevels { from, max, to }, failed)
            }
            RelationKind::Generations { from, to, counting } => {
                let (from, max, to, failed) = self.checked_bounds(from, to, LevelKind::Generation);
                let (c, ty) = self.lower(counting, Ctx::default());
                let what = "the condition that counts generations";
                self.expect_ty(ty, Ty::Bool, counting.span, what);
                let r = TRelation::Generations {
                    from,
                    max,
                    to,
                    counting: c,
                };
                (r, failed)
            }
        })
    }

    /// `children`, `downline`, `left`, ...; `None` for an unknown word.
    fn named_relation(&mut self, id: &Ident) -> Option<TRelation> {
        Some(match id.name.as_str() {
            "children" | "legs" => TRelation::Children,
            "downline" => TRelation::Downline,
            "group" => TRelation::Group,
            "upline" => TRelation::Upline,
            side @ ("left" | "right") => {
                if !self.decls.placement {
                    self.need_placement(id.span, side);
                }
                TRelation::Placement(if side == "left" {
                    Side::Left
                } else {
                    Side::Right
                })
            }
            other => {
                self.errors.push(CheckError::UnknownRelation {
                    name: other.to_string(),
                    span: id.span,
                    suggestion: suggest(other, RELATIONS.iter().copied()),
                });
                return None;
            }
        })
    }

    /// [`Self::level_bounds`], and whether they were reported as wrong
    /// (or read a definition that was).
    fn checked_bounds(
        &mut self,
        from: &Expr,
        to: &Expr,
        what: LevelKind,
    ) -> (usize, usize, TExpr, bool) {
        let before = self.errors.len();
        self.bounds_poisoned = false;
        let (from, max, to) = self.level_bounds(from, to, what);
        let failed = self.errors.len() > before || self.bounds_poisoned;
        (from, max, to, failed)
    }

    /// The first level, the most levels the last can reach, and the last
    /// level as an expression of the member.
    fn level_bounds(&mut self, from: &Expr, to: &Expr, what: LevelKind) -> (usize, usize, TExpr) {
        let (f, fty) = self.lower(from, Ctx::default());
        let (t, tty) = self.lower(to, Ctx::default());
        for (ty, s) in [(fty, from.span), (tty, to.span)] {
            if !matches!(ty, Ty::Number | Ty::Count | Ty::Unknown) {
                self.mismatch(format!("a {what} number"), ty, s, None);
            }
        }
        let from_value = self.first_level(&f, from.span, what);
        let mut reads_failed = false;
        t.for_each_slot(&mut |n| reads_failed |= self.failed.get(n).copied().unwrap_or(false));
        if reads_failed {
            // The bound's definition is already reported; checking against
            // what is left of it would only add noise.
            self.bounds_poisoned = true;
            return (from_value, from_value, t);
        }
        let max = match self.static_bound(&t) {
            Some(d) => whole(d).filter(|&n| n <= MAX_LEVEL).unwrap_or_else(|| {
                self.errors.push(CheckError::LastLevel {
                    what,
                    span: to.span,
                });
                from_value
            }),
            None => {
                self.errors.push(CheckError::UnboundedLevels {
                    what,
                    span: to.span,
                });
                from_value
            }
        };
        if max < from_value {
            self.errors.push(CheckError::EmptyLevels {
                what,
                from: from_value,
                to: max,
                span: from.span.to(to.span),
            });
        }
        (from_value, max.max(from_value), t)
    }

    /// The first level: a whole number from 1 to 64, written as such.
    fn first_level(&mut self, f: &TExpr, span: Span, what: LevelKind) -> usize {
        let value = match f {
            TExpr::Const(Val::Dec(d)) => whole(*d).filter(|n| (1..=MAX_LEVEL).contains(n)),
            _ => None,
        };
        value.unwrap_or_else(|| {
            self.errors.push(CheckError::FirstLevel { what, span });
            1
        })
    }

    /// The largest value a level bound can take, known before any network.
    fn static_bound(&self, t: &TExpr) -> Option<Decimal> {
        match self.defined(t)? {
            TExpr::Const(Val::Dec(d)) => Some(*d),
            TExpr::RankTable { entries, .. } => {
                let mut max = Decimal::ZERO;
                for e in entries {
                    match e {
                        TExpr::Const(Val::Dec(d)) => max = max.max(*d),
                        _ => return None,
                    }
                }
                Some(max)
            }
            _ => None,
        }
    }

    /// The rates of `at r1, r2, ...`, each written as a (signed) number.
    fn rates(&mut self, list: &[Expr]) -> Vec<Decimal> {
        let mut rates = Vec::new();
        for r in list {
            match fixed_rate(r) {
                Some(d) => rates.push(d),
                None => self.errors.push(CheckError::RateNotFixed {
                    text: self.source.quote(r.span),
                    span: r.span,
                }),
            }
        }
        rates
    }
}

/// `5%`, `0.05` or `-5%`: a rate written as a number.
fn fixed_rate(r: &Expr) -> Option<Decimal> {
    match &r.kind {
        ExprKind::Percent(d) | ExprKind::Number(d) => Some(*d),
        ExprKind::Unary(UnaryOp::Neg, inner) => match inner.kind {
            ExprKind::Percent(d) | ExprKind::Number(d) => Some(-d),
            _ => None,
        },
        _ => None,
    }
}

/// The positions of matrix levels `from..=to` of a matrix `width` wide:
/// `width^from + ... + width^to`, or the largest decimal when that is more
/// than any network holds.
fn matrix_positions(width: u8, from: usize, to: usize) -> Decimal {
    let w = Decimal::from(width);
    let mut level = Decimal::ONE;
    let mut total = Decimal::ZERO;
    for k in 1..=to {
        let Some(next) = level.checked_mul(w) else {
            return Decimal::MAX;
        };
        level = next;
        if k >= from {
            match total.checked_add(level) {
                Some(t) => total = t,
                None => return Decimal::MAX,
            }
        }
    }
    total
}

/// A non-negative whole number as a count, if it is one.
fn whole(d: Decimal) -> Option<usize> {
    if d < Decimal::ZERO || !d.fract().is_zero() {
        return None;
    }
    d.to_usize()
}

/// The unit, first level and most levels of a levelled relation.
fn levels_of(relation: &TRelation) -> Option<(LevelKind, usize, usize)> {
    match relation {
        TRelation::Levels { from, max, .. } => Some((LevelKind::Level, *from, *max)),
        TRelation::Generations { from, max, .. } => Some((LevelKind::Generation, *from, *max)),
        TRelation::MatrixLevels { from, max, .. } => Some((LevelKind::Level, *from, *max)),
        _ => None,
    }
}
