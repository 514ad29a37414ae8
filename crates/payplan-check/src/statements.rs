//! The plan's statements lowered to nodes: definitions in dependency
//! order, then the rank, the bonuses, the payout limit and the exports,
//! with the clauses an explanation shows held or failed.

use payplan_syntax::ast::{BinaryOp, ExportDecl, Expr, ExprKind};
use payplan_syntax::Span;

use crate::error::CheckError;
use crate::lower::{Ctx, Lowerer};
use crate::typed::{
    BinOp, Clause, ExportSpec, MatrixValue, Node, NodeId, NodeKind, TExpr, Ty, Val,
};

/// What lowering the statements gives besides the nodes.
pub(crate) struct Lowered {
    /// Each rank's requirement as clauses.
    pub rank_clauses: Vec<Vec<Clause>>,
    /// Each bonus's qualification as clauses.
    pub bonus_clauses: Vec<Vec<Clause>>,
    pub limit: Option<NodeId>,
    pub exports: Vec<ExportSpec>,
}

impl Lowerer<'_, '_> {
    /// Lowers every statement's expressions; the `let`s in `let_order`,
    /// each after the ones it reads.
    pub(crate) fn lower_plan(&mut self, let_order: &[usize]) -> Lowered {
        self.fixed_nodes();
        for &i in let_order {
            self.lower_let(i);
        }
        let rank_clauses = self.lower_ranks();
        let bonus_clauses = (0..self.decls.bonuses.len())
            .map(|i| self.lower_bonus(i))
            .collect();
        let limit = self.lower_limit();
        let exports = self.lower_exports();
        Lowered {
            rank_clauses,
            bonus_clauses,
            limit,
            exports,
        }
    }

    /// The nodes at fixed ids (inputs, `let`s, the rank, bonuses), the
    /// ones not yet lowered as stand-ins.
    fn fixed_nodes(&mut self) {
        let decls = self.decls;
        let stand_in = TExpr::Const(Val::Bool(false));
        for (i, input) in decls.inputs.iter().enumerate() {
            self.nodes.push(Node {
                label: input.ident.name.clone(),
                span: input.ident.span,
                ty: input.ty,
                kind: NodeKind::Input { column: i },
                global: false,
            });
        }
        for def in &decls.lets {
            self.nodes.push(Node {
                label: def.name.name.clone(),
                span: def.name.span,
                ty: Ty::Number,
                kind: NodeKind::Expr(stand_in.clone()),
                global: false,
            });
        }
        if let Some(first) = decls.ranks.first() {
            self.nodes.push(Node {
                label: "rank".into(),
                span: first.name.span,
                ty: Ty::Rank,
                kind: NodeKind::Rank {
                    requirements: Vec::new(),
                },
                global: false,
            });
        }
        for b in &decls.bonuses {
            self.nodes.push(Node {
                label: b.name.name.clone(),
                span: b.name.span,
                ty: Ty::Money,
                kind: NodeKind::Bonus {
                    qualification: None,
                    amount: stand_in.clone(),
                    cap: None,
                },
                global: false,
            });
        }
        self.failed = vec![false; self.nodes.len()];
    }

    fn lower_let(&mut self, i: usize) {
        let Some(def) = self.decls.lets.get(i).copied() else {
            return;
        };
        let errors_before = self.errors.len();
        let (t, ty) = self.lower(def.expr, Ctx::default());
        let id = self.decls.let_node(i);
        if self.errors.len() > errors_before {
            if let Some(f) = self.failed.get_mut(id) {
                *f = true;
            }
        }
        let global = self.is_global(&t);
        if let Some(node) = self.nodes.get_mut(id) {
            node.ty = ty;
            node.kind = NodeKind::Expr(t);
            node.global = global;
        }
    }

    /// The rank node's requirements; each rank's as clauses.
    fn lower_ranks(&mut self) -> Vec<Vec<Clause>> {
        let mut requirements = Vec::new();
        let mut clauses = Vec::new();
        let decls = self.decls;
        for def in &decls.ranks {
            let (t, ty) = self.lower(def.expr, Ctx::default());
            self.expect_ty(ty, Ty::Bool, def.expr.span, "a rank's requirement");
            clauses.push(self.clauses(def.expr, &t));
            requirements.push(t);
        }
        let rank_node = self.decls.rank_node();
        if let Some(node) = rank_node.and_then(|n| self.nodes.get_mut(n)) {
            node.kind = NodeKind::Rank { requirements };
        }
        clauses
    }

    /// Bonus `i`'s node; its qualification as clauses.
    fn lower_bonus(&mut self, i: usize) -> Vec<Clause> {
        let decls = self.decls;
        let Some(&b) = decls.bonuses.get(i) else {
            return Vec::new();
        };
        let qualification = b.qualification.as_ref().map(|q| {
            let (t, ty) = self.lower(q, Ctx::default());
            self.expect_ty(ty, Ty::Bool, q.span, "a qualification");
            t
        });
        let clauses = match (&b.qualification, &qualification) {
            (Some(q), Some(t)) => self.clauses(q, t),
            _ => Vec::new(),
        };
        let qual_node = qualification.map(|q| self.lift(q, Ty::Bool, b.name.span, "qualification"));
        let ctx = Ctx {
            pool: Some(qual_node),
            ..Ctx::default()
        };
        let (amount, ty) = self.lower(&b.amount, ctx);
        self.expect_money(ty, b.amount.span, "a bonus amount");
        let cap = b.cap.as_ref().map(|c| {
            let (t, ty) = self.lower(c, Ctx::default());
            self.expect_money(ty, c.span, "a cap");
            t
        });
        if let Some(node) = self.nodes.get_mut(self.decls.bonus_node(i)) {
            node.kind = NodeKind::Bonus {
                qualification: qual_node.map(TExpr::Slot),
                amount,
                cap,
            };
        }
        clauses
    }

    /// The payout limit's node, which must be the same at every member.
    fn lower_limit(&mut self) -> Option<NodeId> {
        let expr = self.decls.limit?;
        let (t, ty) = self.lower(expr, Ctx::default());
        self.expect_money(ty, expr.span, "the payout limit");
        if !self.is_global(&t) {
            self.errors
                .push(CheckError::LimitNotGlobal { span: expr.span });
        }
        Some(self.lift(t, Ty::Money, expr.span, "limit"))
    }

    /// Each export's node: the one it names, or one of its own.
    fn lower_exports(&mut self) -> Vec<ExportSpec> {
        let mut exports = Vec::new();
        let decls = self.decls;
        for e in &decls.exports {
            if let Some(spec) = self.matrix_export(e) {
                exports.push(spec);
                continue;
            }
            let (t, ty) = match &e.expr {
                Some(expr) => self.lower(expr, Ctx::default()),
                None => self.lower(
                    &Expr {
                        kind: ExprKind::Name(e.name.clone()),
                        span: e.name.span,
                    },
                    Ctx::default(),
                ),
            };
            let node = match t {
                TExpr::Slot(n) => n,
                t => self.lift(t, ty, e.span, &e.name.name),
            };
            exports.push(ExportSpec {
                name: e.name.name.clone(),
                node,
                ty,
            });
        }
        exports
    }

    /// `export matrix_parent` and `export matrix_position` (when the plan
    /// defines no name of its own so): a node reading the member's place in
    /// the matrix; `None` for any other export.
    fn matrix_export(&mut self, e: &ExportDecl) -> Option<ExportSpec> {
        if e.expr.is_some() || self.decls.binding(&e.name.name).is_some() {
            return None;
        }
        let value = match e.name.name.as_str() {
            "matrix_parent" => MatrixValue::Parent,
            "matrix_position" => MatrixValue::Position,
            _ => return None,
        };
        if self.decls.matrix.is_none() {
            self.need_matrix(e.name.span, &e.name.name);
        }
        let node = self.nodes.len();
        self.nodes.push(Node {
            label: e.name.name.clone(),
            span: e.span,
            ty: Ty::Count,
            kind: NodeKind::Matrix(value),
            global: false,
        });
        Some(ExportSpec {
            name: e.name.name.clone(),
            node,
            ty: Ty::Count,
        })
    }

    /// Whether `t` has the same value at every member: it reads only
    /// network-wide nodes, and not `within`.
    pub(crate) fn is_global(&self, t: &TExpr) -> bool {
        let mut global = true;
        t.for_each_slot(&mut |n| {
            if !self.nodes.get(n).is_some_and(|node| node.global) {
                global = false;
            }
        });
        global && !t.uses_within()
    }

    /// Makes `t` a node of its own and returns its id.
    fn lift(&mut self, t: TExpr, ty: Ty, span: Span, label: &str) -> NodeId {
        let global = self.is_global(&t);
        let id = self.nodes.len();
        self.nodes.push(Node {
            label: if label.is_empty() {
                self.source.quote(span)
            } else {
                label.to_string()
            },
            span,
            ty,
            kind: NodeKind::Expr(t),
            global,
        });
        id
    }

    /// `expr` split at its top-level `and`s, each part with its source text
    /// and its part of the lowered `t`; one clause when the two do not match.
    fn clauses(&self, expr: &Expr, t: &TExpr) -> Vec<Clause> {
        let mut out = Vec::new();
        let mut stack = vec![(expr, t)];
        while let Some((e, t)) = stack.pop() {
            match (&e.kind, t) {
                (ExprKind::Binary(BinaryOp::And, l, r), TExpr::Binary(BinOp::And, a, b)) => {
                    stack.push((r, b));
                    stack.push((l, a));
                }
                _ => out.push(Clause {
                    text: self.source.full(e.span),
                    expr: t.clone(),
                }),
            }
        }
        out
    }
}
