//! The earner's own values inside an aggregate (`my pct`): how a `my` read
//! is lowered, which of two linear strategies evaluates the aggregate, and
//! the warning for a definition read at the source that was meant to be
//! the earner's.
//!
//! - Over a bounded relation (`children`, `legs`, `levels a..b`, `level k`,
//!   uncompressed) the `my` reads stay [`TExpr::My`]: the evaluator walks
//!   each earner's sources in a stage of its own (children: each member is
//!   a source once; levels: at most `b` times).
//! - Over any other relation, every value read with `my` must take few
//!   values (true/false, a rank, or a `by rank` table of constants): the
//!   aggregate is copied once per combination of those values, each copy
//!   a plain aggregate with the value written in, and the earner reads the
//!   copy that matches its own values. At most [`MAX_COPIES`] copies.
//! - Anything else would need each earner to visit its whole downline (a
//!   quadratic run) and is refused with [`CheckError::MyUnbounded`].

use std::collections::BTreeSet;

use payplan_syntax::{Ident, Span};

use crate::error::CheckError;
use crate::lower::{poison, Ctx, Lowerer};
use crate::suggest::{FUNCTIONS, RELATIONS};
use crate::typed::{AggNode, BinOp, Node, NodeId, NodeKind, TExpr, TRelation, Ty, Val};
use crate::warning::CheckWarning;

/// The most copies of one aggregate the finite-value strategy makes.
pub const MAX_COPIES: usize = 32;

/// What selects an earner's copy: one value of the plan that takes few values.
#[derive(Debug, Clone, PartialEq)]
enum Selector {
    /// A true/false node.
    Bool(NodeId),
    /// A rank node: 0 (no rank) to the number of ranks.
    Rank(NodeId),
}

/// The values one `my` read takes, as constants per value of its selector.
struct Domain {
    selector: Selector,
    /// `values[i]`: what `my X` reads where the selector has its `i`-th value.
    values: Vec<TExpr>,
}

impl Lowerer<'_, '_> {
    /// `my NAME`: the earning member's value of `NAME`, inside an aggregate.
    pub(crate) fn lower_my(&mut self, id: &Ident, span: Span, ctx: Ctx) -> (TExpr, Ty) {
        if !ctx.aggregate {
            self.errors.push(CheckError::MyOutsideAggregate {
                name: id.name.clone(),
                span,
            });
            return poison();
        }
        let name = id.name.as_str();
        let what = if RELATIONS.contains(&name) {
            Some("a relation")
        } else if FUNCTIONS.contains(&name) && self.decls.binding(name).is_none() {
            Some("a function")
        } else if let Some(crate::resolve::Binding::RankName(_)) = self.decls.binding(name) {
            Some("a rank name")
        } else {
            None
        };
        if let Some(what) = what {
            self.errors.push(CheckError::MyNotMemberValue {
                name: id.name.clone(),
                what: what.to_string(),
                span,
            });
            return poison();
        }
        match self.lower_name(id) {
            // A network-wide value is the same at every member.
            (TExpr::Slot(n), ty) if self.nodes.get(n).is_some_and(|x| x.global) => {
                (TExpr::Slot(n), ty)
            }
            (TExpr::Slot(n), ty) => {
                self.my_reads.push((n, id.name.clone(), ty));
                (TExpr::My(n), ty)
            }
            other => other,
        }
    }

    /// An aggregate whose value or filter reads `my` values: kept for the
    /// walk over a bounded relation, else copied per combination of the
    /// earner's values, else refused.
    pub(crate) fn earner_aggregate(
        &mut self,
        node: AggNode,
        reads: &[(NodeId, String, Ty)],
        relation_span: Span,
        span: Span,
        ty: Ty,
    ) -> (TExpr, Ty) {
        let label = self.source.full(span);
        if bounded(&node.relation) {
            let t = self.push_node(Node {
                label,
                span,
                ty,
                kind: NodeKind::Aggregate(Box::new(node)),
                global: false,
            });
            return (t, ty);
        }
        let mut dims: Vec<Selector> = Vec::new();
        let mut domains: Vec<(NodeId, Domain)> = Vec::new();
        for (n, name, read_ty) in reads {
            if domains.iter().any(|(m, _)| m == n) {
                continue;
            }
            let Some(domain) = self.domain(*n, *read_ty) else {
                self.errors.push(CheckError::MyUnbounded {
                    name: name.clone(),
                    relation: self.source.full(relation_span),
                    span,
                });
                return poison();
            };
            if !dims.contains(&domain.selector) {
                dims.push(domain.selector.clone());
            }
            domains.push((*n, domain));
        }
        let sizes: Vec<usize> = dims.iter().map(|d| self.size(d)).collect();
        let copies = sizes.iter().try_fold(1usize, |a, &s| {
            a.checked_mul(s).filter(|&c| c <= MAX_COPIES)
        });
        let Some(copies) = copies else {
            self.errors.push(CheckError::MyTooManyCopies {
                relation: self.source.full(relation_span),
                limit: MAX_COPIES,
                span,
            });
            return poison();
        };
        let mut slots = Vec::with_capacity(copies);
        for c in 0..copies {
            // Copy `c`'s value index in each dimension, in mixed radix.
            let mut index = Vec::with_capacity(dims.len());
            let mut rest = c;
            for &s in &sizes {
                index.push(rest % s.max(1));
                rest /= s.max(1);
            }
            let written = |n: NodeId| -> Option<TExpr> {
                let (_, d) = domains.iter().find(|(m, _)| *m == n)?;
                let dim = dims.iter().position(|x| *x == d.selector)?;
                d.values.get(*index.get(dim)?).cloned()
            };
            let copy = AggNode {
                op: node.op,
                value: substitute(&node.value, &written),
                filter: node.filter.as_ref().map(|f| substitute(f, &written)),
                relation: node.relation.clone(),
                rates: node.rates.clone(),
            };
            slots.push(self.push_node(Node {
                label: label.clone(),
                span,
                ty,
                kind: NodeKind::Aggregate(Box::new(copy)),
                global: false,
            }));
        }
        (select(&dims, &sizes, &slots, 0, 1), ty)
    }

    /// The values `my` of node `n` takes, when they are few.
    fn domain(&self, n: NodeId, ty: Ty) -> Option<Domain> {
        let ranks = self.decls.ranks.len();
        match ty {
            Ty::Bool => Some(Domain {
                selector: Selector::Bool(n),
                values: vec![
                    TExpr::Const(Val::Bool(false)),
                    TExpr::Const(Val::Bool(true)),
                ],
            }),
            Ty::Rank => Some(Domain {
                selector: Selector::Rank(n),
                values: (0..=ranks)
                    .map(|r| TExpr::Const(Val::Rank(u16::try_from(r).unwrap_or(u16::MAX))))
                    .collect(),
            }),
            _ => match self.defined(&TExpr::Slot(n))? {
                TExpr::RankTable { rank, entries }
                    if entries.iter().all(|e| matches!(e, TExpr::Const(_))) =>
                {
                    Some(Domain {
                        selector: Selector::Rank(*rank),
                        values: entries.clone(),
                    })
                }
                _ => None,
            },
        }
    }

    /// How many values a selector takes.
    fn size(&self, d: &Selector) -> usize {
        match d {
            Selector::Bool(_) => 2,
            Selector::Rank(_) => self.decls.ranks.len() + 1,
        }
    }
}

/// Whether the earner can walk its sources of `relation` in linear time
/// overall: each member is a source of a bounded number of earners.
pub fn bounded(relation: &TRelation) -> bool {
    matches!(
        relation,
        TRelation::Children
            | TRelation::Levels {
                compressed_by: None,
                ..
            }
    )
}

/// The expression that reads the earner's copy: a choice on the first
/// dimension's selector, then the next, down to the copies. `stride` is
/// the number of copies one step of dimension `dim` moves.
#[expect(
    clippy::expect_used,
    reason = "`slots` holds one copy per combination of the dimensions' values, and a \
              choice of one value per dimension (each below its size) starts at an index \
              below their product, so the slice left at the last dimension is never empty; \
              a zero read in its place would be a wrong amount"
)]
fn select(dims: &[Selector], sizes: &[usize], slots: &[TExpr], dim: usize, stride: usize) -> TExpr {
    let (Some(d), Some(&size)) = (dims.get(dim), sizes.get(dim)) else {
        return slots
            .first()
            .cloned()
            .expect("a copy for every combination of the earner's values");
    };
    let branch = |i: usize| {
        let rest = slots.get(i * stride..).unwrap_or(&[]);
        select(dims, sizes, rest, dim + 1, stride * size)
    };
    match d {
        Selector::Bool(n) => TExpr::If(
            Box::new(TExpr::Slot(*n)),
            Box::new(branch(1)),
            Box::new(branch(0)),
        ),
        Selector::Rank(n) => TExpr::RankTable {
            rank: *n,
            entries: (0..size).map(branch).collect(),
        },
    }
}

/// `t` with every `my` read that `written` knows replaced by its value.
/// Recursion follows expression nesting, which the parser bounds.
fn substitute(t: &TExpr, written: &dyn Fn(NodeId) -> Option<TExpr>) -> TExpr {
    let sub = |x: &TExpr| Box::new(substitute(x, written));
    match t {
        TExpr::My(n) => written(*n).unwrap_or_else(|| t.clone()),
        TExpr::Const(_) | TExpr::Slot(_) | TExpr::Within(_) => t.clone(),
        TExpr::Not(a) => TExpr::Not(sub(a)),
        TExpr::Neg(a) => TExpr::Neg(sub(a)),
        TExpr::Binary(op, a, b) => TExpr::Binary(*op, sub(a), sub(b)),
        TExpr::ShareOf(a, b) => TExpr::ShareOf(sub(a), sub(b)),
        TExpr::If(c, a, b) => TExpr::If(sub(c), sub(a), sub(b)),
        TExpr::Round { value, places, op } => TExpr::Round {
            value: sub(value),
            places: *places,
            op: *op,
        },
        TExpr::RankTable { rank, entries } => TExpr::RankTable {
            rank: *rank,
            entries: entries.iter().map(|e| substitute(e, written)).collect(),
        },
    }
}

/// The silent case: inside an aggregate, a definition read at the source
/// that is made only of other values the same aggregate reads at the
/// source, compared with (or subtracted from) one of them (`let mine =
/// lvl`, then `... where lvl < mine`): the source is compared with itself.
/// The plan most likely meant `my mine`.
pub fn silent_copies(nodes: &[Node]) -> Vec<CheckWarning> {
    let mut out: Vec<CheckWarning> = Vec::new();
    for node in nodes {
        let NodeKind::Aggregate(agg) = &node.kind else {
            continue;
        };
        let parts = || std::iter::once(&agg.value).chain(agg.filter.iter());
        let mut read = BTreeSet::new();
        for t in parts() {
            t.any_part(&mut |e| {
                if let TExpr::Slot(n) | TExpr::RankTable { rank: n, .. } = e {
                    read.insert(*n);
                }
                false
            });
        }
        for t in parts() {
            t.any_part(&mut |e| {
                if let TExpr::Binary(op, a, b) = e {
                    if compares(*op) {
                        for (x, y) in [(a, b), (b, a)] {
                            if let Some(w) = copy_against(nodes, &read, x, y, node.span) {
                                if !out.contains(&w) {
                                    out.push(w);
                                }
                            }
                        }
                    }
                }
                false
            });
        }
    }
    out
}

/// Operators that say nothing when both sides are the same member's value.
fn compares(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Sub
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge
            | BinOp::Eq
            | BinOp::Ne
            | BinOp::Min
            | BinOp::Max
    )
}

/// The warning when `x` names a definition made only of values in `read`,
/// and `y` reads one of them.
fn copy_against(
    nodes: &[Node],
    read: &BTreeSet<NodeId>,
    x: &TExpr,
    y: &TExpr,
    span: Span,
) -> Option<CheckWarning> {
    let TExpr::Slot(n) = x else {
        return None;
    };
    let Node {
        kind: NodeKind::Expr(def),
        label,
        ..
    } = nodes.get(*n)?
    else {
        return None;
    };
    let mut from = BTreeSet::new();
    def.for_each_slot(&mut |m| {
        from.insert(m);
    });
    if from.is_empty() || from.contains(n) || !from.is_subset(read) {
        return None;
    }
    let mut like = None;
    y.for_each_slot(&mut |m| {
        if like.is_none() && from.contains(&m) {
            like = nodes.get(m).map(|x| x.label.clone());
        }
    });
    Some(CheckWarning::SourceCopy {
        name: label.clone(),
        like: like?,
        span,
    })
}
