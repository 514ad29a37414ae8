//! Lowering: the plan's expressions to the typed plan's, each checked
//! against the rules of [`crate::infer`], with every mistake reported.

use payplan_network::Side;
use payplan_syntax::ast::{BinaryOp, Expr, ExprKind, UnaryOp};
use payplan_syntax::{Ident, Span};
use rust_decimal::Decimal;

use crate::error::CheckError;
use crate::infer::{self, MAX_DEPTH};
use crate::resolve::{Binding, Decls};
use crate::source::Source;
use crate::suggest::{suggest, RELATIONS};
use crate::typed::{BinOp, Node, NodeId, TExpr, Ty, Val};

/// Where an expression is evaluated.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ctx {
    /// `within left` is allowed (the filter of an aggregate over `children`).
    pub within: bool,
    /// Inside a bonus's amount: `pool` is allowed, with this qualification.
    pub pool: Option<Option<NodeId>>,
    /// Inside an aggregate's value or `where`: `my` is allowed.
    pub aggregate: bool,
}

/// The stand-in for an expression already reported as wrong.
pub(crate) fn poison() -> (TExpr, Ty) {
    (TExpr::Const(Val::Dec(Decimal::ZERO)), Ty::Unknown)
}

/// The state of lowering: the nodes made so far and the mistakes found.
pub(crate) struct Lowerer<'d, 'a> {
    pub decls: &'d Decls<'a>,
    pub source: Source<'a>,
    /// Each `let`'s type, inferred before lowering.
    pub let_types: Vec<Ty>,
    pub nodes: Vec<Node>,
    pub errors: Vec<CheckError>,
    /// Which `let`s an expression names.
    pub used: Vec<bool>,
    /// The nodes of definitions whose lowering reported an error.
    pub failed: Vec<bool>,
    /// Set when a level bound reads a definition already reported as wrong.
    pub bounds_poisoned: bool,
    /// The nodes read with `my` in the aggregate being lowered, with the
    /// name as written ([`crate::earner`]).
    pub my_reads: Vec<(NodeId, String, Ty)>,
    depth: usize,
}

impl<'d, 'a> Lowerer<'d, 'a> {
    pub fn new(decls: &'d Decls<'a>, source: Source<'a>, let_types: Vec<Ty>) -> Self {
        Lowerer {
            decls,
            source,
            let_types,
            nodes: Vec::new(),
            errors: Vec::new(),
            used: vec![false; decls.lets.len()],
            failed: Vec::new(),
            bounds_poisoned: false,
            my_reads: Vec::new(),
            depth: 0,
        }
    }

    /// Lowers an expression; on error, records it and returns a stand-in.
    pub fn lower(&mut self, e: &Expr, ctx: Ctx) -> (TExpr, Ty) {
        if self.depth >= MAX_DEPTH {
            self.errors.push(CheckError::TooDeep {
                limit: MAX_DEPTH,
                span: e.span,
            });
            return poison();
        }
        self.depth += 1;
        let lowered = self.lower_kind(e, ctx);
        self.depth -= 1;
        lowered
    }

    fn lower_kind(&mut self, e: &Expr, ctx: Ctx) -> (TExpr, Ty) {
        match &e.kind {
            ExprKind::Number(d) => (TExpr::Const(Val::Dec(*d)), Ty::Number),
            ExprKind::Percent(d) => (TExpr::Const(Val::Dec(*d)), Ty::Percent),
            ExprKind::Bool(b) => (TExpr::Const(Val::Bool(*b)), Ty::Bool),
            ExprKind::Name(id) => self.lower_name(id),
            ExprKind::Within(side) => self.lower_within(side, e.span, ctx),
            ExprKind::My(id) => self.lower_my(id, e.span, ctx),
            ExprKind::Unary(op, inner) => self.lower_unary(*op, inner, ctx),
            ExprKind::Binary(op, l, r) => self.lower_binary(*op, l, r, e.span, ctx),
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => {
                let (c, cty) = self.lower(condition, ctx);
                self.expect_ty(cty, Ty::Bool, condition.span, "a condition");
                let (a, aty) = self.lower(then, ctx);
                let (b, bty) = self.lower(otherwise, ctx);
                let ty = self.unify(aty, bty, then.span, otherwise.span, "choose between");
                (TExpr::If(Box::new(c), Box::new(a), Box::new(b)), ty)
            }
            ExprKind::RankTable(entries) => self.lower_table(entries, e.span, ctx),
            ExprKind::Call { function, args } => self.lower_call(function, args, e.span, ctx),
            ExprKind::Aggregate(agg) => self.lower_aggregate(agg, e.span),
            ExprKind::Full(relation) => self.lower_full(relation, e.span),
            ExprKind::FromLevel(_) => {
                self.errors
                    .push(CheckError::FromLevelOutsideDifferential { span: e.span });
                poison()
            }
        }
    }

    fn lower_within(&mut self, side: &Ident, span: Span, ctx: Ctx) -> (TExpr, Ty) {
        let s = match side.name.as_str() {
            "left" => Side::Left,
            "right" => Side::Right,
            other => {
                self.errors.push(CheckError::UnknownSide {
                    side: other.to_string(),
                    span: side.span,
                });
                Side::Left
            }
        };
        if !self.decls.placement {
            self.need_placement(span, "within");
        } else if !ctx.within {
            self.errors.push(CheckError::WithinOutsideChildren {
                side: side.name.clone(),
                span,
            });
        }
        (TExpr::Within(s), Ty::Bool)
    }

    fn lower_unary(&mut self, op: UnaryOp, inner: &Expr, ctx: Ctx) -> (TExpr, Ty) {
        let (t, ty) = self.lower(inner, ctx);
        match op {
            UnaryOp::Not => {
                self.expect_ty(ty, Ty::Bool, inner.span, "the operand of `not`");
                (TExpr::Not(Box::new(t)), Ty::Bool)
            }
            UnaryOp::Neg => {
                if !ty.is_numeric() {
                    self.mismatch("a number after `-`".into(), ty, inner.span, None);
                }
                (TExpr::Neg(Box::new(t)), ty)
            }
        }
    }

    pub(crate) fn lower_name(&mut self, id: &Ident) -> (TExpr, Ty) {
        if id.name == "rank" {
            return match self.decls.rank_node() {
                Some(n) => (TExpr::Slot(n), Ty::Rank),
                None => {
                    self.errors.push(CheckError::NoRanks { span: id.span });
                    poison()
                }
            };
        }
        match self.decls.binding(&id.name) {
            Some(Binding::Input(i)) => (
                TExpr::Slot(i),
                self.decls.inputs.get(i).map_or(Ty::Number, |x| x.ty),
            ),
            Some(Binding::Let(i)) => {
                if let Some(u) = self.used.get_mut(i) {
                    *u = true;
                }
                let ty = self.let_types.get(i).copied().unwrap_or(Ty::Number);
                (TExpr::Slot(self.decls.let_node(i)), ty)
            }
            Some(Binding::Bonus(i)) => (TExpr::Slot(self.decls.bonus_node(i)), Ty::Money),
            Some(Binding::RankName(r)) => (TExpr::Const(Val::Rank(r)), Ty::Rank),
            None => {
                self.unknown_name(id);
                poison()
            }
        }
    }

    fn unknown_name(&mut self, id: &Ident) {
        if RELATIONS.contains(&id.name.as_str()) {
            self.errors.push(CheckError::RelationAsValue {
                name: id.name.clone(),
                span: id.span,
            });
            return;
        }
        let candidates = self
            .decls
            .names
            .keys()
            .copied()
            .chain(["rank"])
            .chain(RELATIONS.iter().copied());
        self.errors.push(CheckError::UnknownName {
            name: id.name.clone(),
            span: id.span,
            suggestion: suggest(&id.name, candidates),
        });
    }

    pub fn need_matrix(&mut self, span: Span, feature: &str) {
        self.errors.push(CheckError::NeedsMatrix {
            feature: feature.to_string(),
            span,
        });
    }

    pub fn need_placement(&mut self, span: Span, feature: &str) {
        self.errors.push(CheckError::NeedsPlacement {
            feature: feature.to_string(),
            span,
        });
    }

    fn lower_binary(
        &mut self,
        op: BinaryOp,
        l: &Expr,
        r: &Expr,
        span: Span,
        ctx: Ctx,
    ) -> (TExpr, Ty) {
        let (a, aty) = self.lower(l, ctx);
        let (b, bty) = self.lower(r, ctx);
        let o = match op {
            BinaryOp::Or | BinaryOp::And => {
                let symbol = op.symbol();
                self.expect_ty(
                    aty,
                    Ty::Bool,
                    l.span,
                    &format!("the left side of `{symbol}`"),
                );
                self.expect_ty(
                    bty,
                    Ty::Bool,
                    r.span,
                    &format!("the right side of `{symbol}`"),
                );
                if op == BinaryOp::Or {
                    BinOp::Or
                } else {
                    BinOp::And
                }
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => self.check_comparison(op, (aty, l), (bty, r), span),
            BinaryOp::Add | BinaryOp::Sub => self.check_sum(op, (aty, l), (bty, r)),
            BinaryOp::Mul | BinaryOp::Of => {
                self.check_product(op, (aty, l), (bty, r));
                BinOp::Mul
            }
            BinaryOp::Div => {
                if infer::quotient(aty, bty).is_none() {
                    self.units_error("divide", aty, bty, l.span, r.span);
                }
                BinOp::Div
            }
            BinaryOp::WholeDiv | BinaryOp::Mod => self.check_whole(op, (aty, l), (bty, r)),
        };
        let ty = infer::binary(op, aty, bty);
        (TExpr::Binary(o, Box::new(a), Box::new(b)), ty)
    }

    /// Reports a comparison of values that do not compare.
    fn check_comparison(
        &mut self,
        op: BinaryOp,
        (aty, l): (Ty, &Expr),
        (bty, r): (Ty, &Expr),
        span: Span,
    ) -> BinOp {
        let o = match op {
            BinaryOp::Eq => BinOp::Eq,
            BinaryOp::Ne => BinOp::Ne,
            BinaryOp::Lt => BinOp::Lt,
            BinaryOp::Le => BinOp::Le,
            BinaryOp::Gt => BinOp::Gt,
            _ => BinOp::Ge,
        };
        if aty == Ty::Bool && bty == Ty::Bool && !matches!(o, BinOp::Eq | BinOp::Ne) {
            self.errors.push(CheckError::OrderedBools { op, span });
        }
        if aty == Ty::Unknown || bty == Ty::Unknown {
            // Already reported.
        } else if (aty == Ty::Rank) != (bty == Ty::Rank) {
            let (other, oty) = if aty == Ty::Rank { (r, bty) } else { (l, aty) };
            let help = self.rank_compare_help(other.span);
            self.mismatch(
                "a rank name to compare `rank` with".into(),
                oty,
                other.span,
                Some(help),
            );
        } else {
            self.unify(aty, bty, l.span, r.span, "compare");
        }
        o
    }

    /// How to compare `rank` with a rank, when the plan wrote something else.
    fn rank_compare_help(&self, span: Span) -> String {
        let ranks = &self.decls.ranks;
        if let Some(s) = suggest(
            &self.source.quote(span),
            ranks.iter().map(|d| d.name.name.as_str()),
        ) {
            return format!("did you mean `{s}`?");
        }
        let names: Vec<String> = ranks.iter().map(|d| format!("`{}`", d.name.name)).collect();
        let example = ranks
            .get(1)
            .or(ranks.first())
            .map_or("silver", |d| d.name.name.as_str());
        format!(
            "compare `rank` with a rank name ({}), as in `rank >= {example}`",
            names.join(", ")
        )
    }

    /// Reports a `div` or `mod` of values whose units do not fit.
    fn check_whole(&mut self, op: BinaryOp, (aty, l): (Ty, &Expr), (bty, r): (Ty, &Expr)) -> BinOp {
        let fits = if op == BinaryOp::Mod {
            infer::remainder(aty, bty)
        } else {
            infer::whole_quotient(aty, bty)
        };
        if fits.is_none() {
            self.errors.push(CheckError::WholeUnits {
                op,
                left: format!("{} `{}`", aty.describe(), self.source.quote(l.span)),
                right: format!("{} `{}`", bty.describe(), self.source.quote(r.span)),
                span: l.span.to(r.span),
            });
        }
        if op == BinaryOp::Mod {
            BinOp::Mod
        } else {
            BinOp::WholeDiv
        }
    }

    /// Reports a sum or difference of values that do not add up.
    fn check_sum(&mut self, op: BinaryOp, (aty, l): (Ty, &Expr), (bty, r): (Ty, &Expr)) -> BinOp {
        let non_number = [(aty, l.span), (bty, r.span)]
            .into_iter()
            .find(|(ty, _)| !ty.is_numeric());
        if let Some((ty, s)) = non_number {
            self.mismatch(format!("a number for `{}`", op.symbol()), ty, s, None);
        } else if op == BinaryOp::Add {
            self.unify(aty, bty, l.span, r.span, "add");
        } else {
            self.unify(aty, bty, l.span, r.span, "subtract");
        }
        if op == BinaryOp::Add {
            BinOp::Add
        } else {
            BinOp::Sub
        }
    }

    /// Reports a product (`*` or `of`) of values that do not multiply.
    fn check_product(&mut self, op: BinaryOp, (aty, l): (Ty, &Expr), (bty, r): (Ty, &Expr)) {
        let (percent_ok, number_ok) = infer::of_fits(aty, bty);
        if op == BinaryOp::Of && !number_ok {
            let help = (bty == Ty::Bool).then(|| {
                "a percentage is taken of a value; to pay only where a condition holds, write it in the bonus's `when`"
                    .to_string()
            });
            self.mismatch("a number after `of`".into(), bty, r.span, help);
        } else if op == BinaryOp::Of && !percent_ok {
            let help = Some("write `8% of cv`, or `*` to multiply".into());
            self.mismatch("a percentage before `of`".into(), aty, l.span, help);
        } else if infer::product(aty, bty).is_none() {
            self.units_error("multiply", aty, bty, l.span, r.span);
        }
    }

    /// The common type of two operands; an error where their units clash.
    pub fn unify(&mut self, a: Ty, b: Ty, sa: Span, sb: Span, action: &str) -> Ty {
        infer::common(a, b).unwrap_or_else(|| {
            self.units_error(action, a, b, sa, sb);
            Ty::Unknown
        })
    }

    pub fn units_error(&mut self, action: &str, a: Ty, b: Ty, sa: Span, sb: Span) {
        let help = match (a, b) {
            (Ty::Money, Ty::Volume) | (Ty::Volume, Ty::Money) => Some(
                "volume is not money until the plan converts it: write `money(...)` to count points as money one to one"
                    .to_string(),
            ),
            (Ty::Money, Ty::Money) if action == "multiply" => {
                Some("multiply money by a percentage or a number, as in `8% of cv`".to_string())
            }
            (Ty::Percent, _) | (_, Ty::Percent) if action != "multiply" => {
                Some("to take a percentage of a value, multiply: `8% of cv`".to_string())
            }
            _ => None,
        };
        self.errors.push(CheckError::Units {
            action: action.to_string(),
            left: format!("{} `{}`", a.describe(), self.source.quote(sa)),
            right: format!("{} `{}`", b.describe(), self.source.quote(sb)),
            span: sa.to(sb),
            help,
        });
    }

    /// Reports a value of type `found` at `span` where `expected` was wanted.
    pub fn mismatch(&mut self, expected: String, found: Ty, span: Span, help: Option<String>) {
        self.errors.push(CheckError::TypeMismatch {
            expected,
            found: format!("{} `{}`", found.describe(), self.source.quote(span)),
            span,
            help,
        });
    }

    pub fn expect_ty(&mut self, found: Ty, expected: Ty, span: Span, what: &str) {
        if found != expected && found != Ty::Unknown {
            let wanted = format!("{what} of type {}", expected.describe());
            self.mismatch(wanted, found, span, None);
        }
    }

    pub fn expect_money(&mut self, found: Ty, span: Span, what: &str) {
        let help = match found {
            Ty::Money | Ty::Number | Ty::Unknown => return,
            Ty::Volume => Some("volume is not money until the plan converts it: write `money(...)` to pay points one to one".into()),
            _ => None,
        };
        self.mismatch(format!("{what} in money"), found, span, help);
    }

    /// `ty` when numeric; otherwise an error, and a number.
    pub fn numeric_or(&mut self, ty: Ty, span: Span, what: &str) -> Ty {
        if !ty.is_numeric() {
            let help = (ty == Ty::Bool)
                .then(|| "to count members, write `count(children where ...)`".to_string());
            self.mismatch(format!("a number for {what}"), ty, span, help);
        }
        infer::numeric_or_number(ty)
    }

    /// Adds a node and returns the expression that reads it.
    pub fn push_node(&mut self, node: Node) -> TExpr {
        let id = self.nodes.len();
        self.nodes.push(node);
        TExpr::Slot(id)
    }

    /// `by rank { bronze: 2, silver: 4 }`: a value for each rank, zero (or
    /// false) for ranks not listed and for members without a rank.
    fn lower_table(&mut self, entries: &[(Ident, Expr)], span: Span, ctx: Ctx) -> (TExpr, Ty) {
        let Some(rank) = self.decls.rank_node() else {
            self.errors.push(CheckError::TableWithoutRanks { span });
            return poison();
        };
        let mut slots: Vec<Option<(TExpr, Span)>> = vec![None; self.decls.ranks.len() + 1];
        let mut ty: Option<(Ty, Span)> = None;
        for (key, value) in entries {
            let (t, vty) = self.lower(value, ctx);
            ty = Some(match ty {
                None => (vty, value.span),
                Some((prev, pspan)) => (self.unify(prev, vty, pspan, value.span, "mix"), pspan),
            });
            let Some(&r) = self.decls.rank_index.get(key.name.as_str()) else {
                let ranks = self.decls.ranks.iter().map(|d| d.name.name.as_str());
                self.errors.push(CheckError::UnknownRank {
                    rank: key.name.clone(),
                    span: key.span,
                    suggestion: suggest(&key.name, ranks),
                });
                continue;
            };
            match slots.get_mut(r + 1) {
                Some(Some((_, first))) => {
                    let first = *first;
                    self.errors.push(CheckError::DuplicateEntry {
                        rank: key.name.clone(),
                        span: key.span,
                        first,
                    });
                }
                Some(slot) => *slot = Some((t, key.span)),
                None => {}
            }
        }
        if entries.is_empty() {
            self.errors.push(CheckError::EmptyTable { span });
        }
        let ty = ty.map_or(Ty::Number, |(t, _)| t);
        let zero = match ty {
            Ty::Bool => Val::Bool(false),
            Ty::Rank => Val::Rank(0),
            _ => Val::Dec(Decimal::ZERO),
        };
        let entries = slots
            .into_iter()
            .map(|s| s.map_or(TExpr::Const(zero), |(t, _)| t))
            .collect();
        (TExpr::RankTable { rank, entries }, ty)
    }
}
