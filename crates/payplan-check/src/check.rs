//! Names, types and units: the AST to nodes of a typed plan.

use std::collections::HashMap;

use payplan_network::{ColumnKind, ColumnSpec, Schema, Side, Value};
use payplan_syntax::ast::{
    Aggregate, BinaryOp, Expr, ExprKind, LiteralValue, PlanAst, RelationKind, Statement, UnaryOp,
};
use payplan_syntax::{Ident, Span};
use rust_decimal::Decimal;

use crate::error::{CheckError, CheckWarning};
use crate::schedule;
use crate::typed::*;

/// The result of checking: the plan and what is legal but likely wrong.
#[derive(Debug, Clone)]
pub struct Checked {
    pub plan: TypedPlan,
    pub warnings: Vec<CheckWarning>,
}

/// Checks a parsed plan; on failure, every error found.
pub fn check(ast: &PlanAst, source: &str) -> Result<Checked, Vec<CheckError>> {
    let mut cx = Checker::new(ast, source);
    cx.declare();
    let declaration_errors = std::mem::take(&mut cx.errors);
    // A definition's type depends on the definitions it reads: lower them in
    // dependency order (a second pass settles those on cycles), then once
    // more for real.
    cx.let_order = cx.dependency_order();
    cx.lower_all(true);
    cx.lower_all(true);
    cx.errors = declaration_errors;
    cx.lower_all(false);
    cx.warn();
    if !cx.errors.is_empty() {
        cx.errors.sort_by_key(|e| e.span().start);
        return Err(cx.errors);
    }
    let plan = cx.finish()?;
    Ok(Checked {
        plan,
        warnings: cx.warnings,
    })
}

/// What a name in an expression means.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Binding {
    Input(usize),
    Let(usize),
    Bonus(usize),
    RankName(u16),
}

struct Checker<'a> {
    ast: &'a PlanAst,
    source: &'a str,
    errors: Vec<CheckError>,
    warnings: Vec<CheckWarning>,
    name: Option<String>,
    currency: Option<String>,
    rounding: Option<Rounding>,
    placement: bool,
    inputs: Vec<(Ident, Ty, ColumnSpec)>,
    lets: Vec<(&'a Ident, &'a Expr)>,
    ranks: Vec<(&'a Ident, &'a Expr)>,
    /// Each rank's requirement as clauses, filled while lowering.
    rank_clauses: Vec<Vec<Clause>>,
    /// Each bonus's qualification as clauses, filled while lowering.
    bonus_clauses: Vec<Vec<Clause>>,
    bonuses: Vec<&'a payplan_syntax::ast::BonusDecl>,
    exports: Vec<&'a payplan_syntax::ast::ExportDecl>,
    limit: Option<&'a Expr>,
    names: HashMap<String, (Binding, Span)>,
    /// The type of each `let`, as far as known.
    def_types: Vec<Option<Ty>>,
    /// Nodes: inputs, lets, the rank (if any) and bonuses first, at fixed
    /// ids; nodes made while lowering expressions follow.
    nodes: Vec<Node>,
    fixed_nodes: usize,
    rank_node: Option<NodeId>,
    used: Vec<bool>,
    limit_node: Option<NodeId>,
    export_nodes: Vec<(String, NodeId, Ty)>,
    /// The order to lower `let`s in: each after the ones it reads.
    let_order: Vec<usize>,
    /// Definitions whose lowering reported errors.
    failed_nodes: Vec<NodeId>,
    /// Set when a level bound reads a definition already reported as wrong.
    bounds_poisoned: bool,
}

/// Where an expression is evaluated.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    /// `within left` is allowed (the filter of an aggregate over `children`).
    within: bool,
    /// Inside a bonus's amount: `pool` is allowed, with this qualification.
    pool: Option<Option<NodeId>>,
}

const FUNCTIONS: &[&str] = &[
    "sum",
    "count",
    "min",
    "max",
    "any",
    "all",
    "total",
    "money",
    "differential",
    "pool",
];
const RELATIONS: &[&str] = &[
    "children",
    "legs",
    "downline",
    "group",
    "upline",
    "left",
    "right",
    "levels",
    "generations",
];
const TYPES: &[&str] = &["volume", "money", "percent", "count", "bool"];

fn statement_span(st: &Statement) -> Span {
    match st {
        Statement::Plan { span, .. }
        | Statement::Currency { span, .. }
        | Statement::Rounding { span, .. }
        | Statement::UsesPlacement { span }
        | Statement::Limit { span, .. } => *span,
        Statement::Input(d) => d.span,
        Statement::Let(d) => d.span,
        Statement::Rank(d) => d.span,
        Statement::Bonus(d) => d.span,
        Statement::Export(d) => d.span,
    }
}

/// The stand-in for an expression already reported as wrong.
fn poison() -> (TExpr, Ty) {
    (TExpr::Const(Val::Dec(Decimal::ZERO)), Ty::Unknown)
}

/// Calls `f` on each direct sub-expression of `e`.
fn for_each_child<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    match &e.kind {
        ExprKind::Unary(_, a) => f(a),
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
            }
        }
        ExprKind::Number(_)
        | ExprKind::Percent(_)
        | ExprKind::Bool(_)
        | ExprKind::Name(_)
        | ExprKind::Within(_) => {}
    }
}

/// The "did you mean" suggester, shared with the syntax stage.
pub use payplan_syntax::suggest;

impl<'a> Checker<'a> {
    fn new(ast: &'a PlanAst, source: &'a str) -> Self {
        Checker {
            ast,
            source,
            errors: Vec::new(),
            warnings: Vec::new(),
            name: None,
            currency: None,
            rounding: None,
            placement: false,
            inputs: Vec::new(),
            lets: Vec::new(),
            ranks: Vec::new(),
            rank_clauses: Vec::new(),
            bonus_clauses: Vec::new(),
            bonuses: Vec::new(),
            exports: Vec::new(),
            limit: None,
            names: HashMap::new(),
            def_types: Vec::new(),
            nodes: Vec::new(),
            fixed_nodes: 0,
            rank_node: None,
            used: Vec::new(),
            limit_node: None,
            export_nodes: Vec::new(),
            let_order: Vec::new(),
            failed_nodes: Vec::new(),
            bounds_poisoned: false,
        }
    }

    fn text(&self, span: Span) -> String {
        let t = self.source.get(span.start..span.end).unwrap_or("");
        let t: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.chars().count() > 60 {
            format!("{}...", t.chars().take(57).collect::<String>())
        } else {
            t
        }
    }

    fn bind(&mut self, ident: &Ident, binding: Binding) {
        if ident.name == "rank" {
            self.errors.push(CheckError::Reserved {
                name: ident.name.clone(),
                span: ident.span,
                meaning: "`rank` is a member's rank".to_string(),
            });
            return;
        }
        if let Some((_, first)) = self.names.get(&ident.name) {
            self.errors.push(CheckError::Duplicate {
                name: ident.name.clone(),
                span: ident.span,
                first: *first,
            });
            return;
        }
        self.names.insert(ident.name.clone(), (binding, ident.span));
    }

    /// Collects the statements and binds every name.
    fn declare(&mut self) {
        let mut seen: HashMap<&'static str, Span> = HashMap::new();
        let mut once = |errors: &mut Vec<CheckError>, key: &'static str, span: Span| {
            if let Some(first) = seen.get(key) {
                errors.push(CheckError::RepeatedStatement {
                    statement: key.to_string(),
                    span,
                    first: *first,
                });
                false
            } else {
                seen.insert(key, span);
                true
            }
        };
        for st in &self.ast.statements {
            match st {
                Statement::Plan { name, span } => {
                    if once(&mut self.errors, "plan", *span) {
                        self.name = Some(name.clone());
                    }
                }
                Statement::Currency { code, span } => {
                    if once(&mut self.errors, "currency", *span) {
                        self.currency = Some(code.name.clone());
                    }
                }
                Statement::Rounding {
                    places,
                    places_span,
                    mode,
                    span,
                } => {
                    if !once(&mut self.errors, "rounding", *span) {
                        continue;
                    }
                    if *places > 12 {
                        self.errors.push(CheckError::Invalid {
                            message: format!("cannot round to {places} decimal places"),
                            span: *places_span,
                            help: Some("round to at most 12 places, usually 2".to_string()),
                        });
                    }
                    match RoundingMode::from_name(&mode.name) {
                        Some(m) => {
                            self.rounding = Some(Rounding {
                                places: (*places).min(12),
                                mode: m,
                            })
                        }
                        None => self.errors.push(CheckError::UnknownRounding {
                            name: mode.name.clone(),
                            span: mode.span,
                            suggestion: suggest(&mode.name, RoundingMode::NAMES),
                        }),
                    }
                }
                Statement::UsesPlacement { span } => {
                    if once(&mut self.errors, "uses placement tree", *span) {
                        self.placement = true;
                    }
                }
                Statement::Input(decl) => self.declare_input(decl),
                Statement::Let(decl) => {
                    let i = self.lets.len();
                    self.lets.push((&decl.name, &decl.expr));
                    self.bind(&decl.name, Binding::Let(i));
                }
                Statement::Rank(decl) => {
                    let i = u16::try_from(self.ranks.len() + 1).unwrap_or(u16::MAX);
                    self.ranks.push((&decl.name, &decl.requirement));
                    self.bind(&decl.name, Binding::RankName(i));
                }
                Statement::Bonus(decl) => {
                    let i = self.bonuses.len();
                    self.bonuses.push(decl);
                    self.bind(&decl.name, Binding::Bonus(i));
                }
                Statement::Limit { expr, span } => {
                    if once(&mut self.errors, "limit payout", *span) {
                        self.limit = Some(expr);
                    }
                }
                Statement::Export(decl) => {
                    if let Some(first) = self.exports.iter().find(|e| e.name.name == decl.name.name)
                    {
                        self.errors.push(CheckError::DuplicateExport {
                            name: decl.name.name.clone(),
                            span: decl.name.span,
                            first: first.name.span,
                        });
                    } else {
                        self.exports.push(decl);
                    }
                }
            }
        }
        let anchor = seen
            .get("plan")
            .copied()
            .or_else(|| self.ast.statements.first().map(statement_span))
            .unwrap_or_default();
        let missing = [
            (self.name.is_none(), "plan", "plan \"My plan\""),
            (self.currency.is_none(), "currency", "currency USD"),
            (
                self.rounding.is_none() && !seen.contains_key("rounding"),
                "rounding",
                "rounding 2 half_even",
            ),
            (
                self.bonuses.is_empty(),
                "bonus",
                "bonus retail pays 20% of cv",
            ),
        ];
        for (is_missing, statement, example) in missing {
            if is_missing {
                self.errors.push(CheckError::MissingStatement {
                    span: anchor,
                    statement: statement.into(),
                    example: example.into(),
                });
            }
        }
        self.def_types = vec![None; self.lets.len()];
        self.used = vec![false; self.lets.len()];
    }

    fn declare_input(&mut self, decl: &payplan_syntax::ast::InputDecl) {
        let ty = match decl.ty.name.as_str() {
            "volume" => Ty::Volume,
            "money" => Ty::Money,
            "percent" => Ty::Percent,
            "count" => Ty::Count,
            "bool" => Ty::Bool,
            other => {
                self.errors.push(CheckError::UnknownType {
                    name: other.to_string(),
                    span: decl.ty.span,
                    suggestion: suggest(other, TYPES.iter().copied()),
                });
                Ty::Number
            }
        };
        if matches!(
            decl.name.name.as_str(),
            "id" | "sponsor" | "placement" | "leg"
        ) {
            self.errors.push(CheckError::Reserved {
                name: decl.name.name.clone(),
                span: decl.name.span,
                meaning: format!(
                    "the network column `{}` describes the trees, not a value",
                    decl.name.name
                ),
            });
            return;
        }
        let kind = if ty == Ty::Bool {
            ColumnKind::Bool
        } else {
            ColumnKind::Decimal
        };
        let mut default = None;
        if let Some(lit) = &decl.default {
            default = match (lit.value, kind) {
                (LiteralValue::Bool(b), ColumnKind::Bool) => Some(Value::Bool(b)),
                (LiteralValue::Number(d), ColumnKind::Decimal) => Some(Value::Decimal(d)),
                (LiteralValue::Percent(d), ColumnKind::Decimal) if ty == Ty::Percent => {
                    Some(Value::Decimal(d))
                }
                _ => {
                    self.errors.push(CheckError::TypeMismatch {
                        expected: format!("a default of type {}", ty.describe()),
                        found: format!("`{}`", self.text(lit.span)),
                        span: lit.span,
                        help: None,
                    });
                    None
                }
            };
        }
        let mut min = None;
        if let Some(lit) = &decl.minimum {
            match lit.value {
                LiteralValue::Number(d) if kind == ColumnKind::Decimal => min = Some(d),
                _ => self.errors.push(CheckError::Invalid {
                    message: format!(
                        "`at least` needs a number for the {} input `{}`",
                        ty.describe(),
                        decl.name.name
                    ),
                    span: lit.span,
                    help: Some("only number inputs have a smallest value".to_string()),
                }),
            }
        }
        let i = self.inputs.len();
        let spec = ColumnSpec {
            name: decl.name.name.clone(),
            kind,
            default,
            min,
        };
        self.inputs.push((decl.name.clone(), ty, spec));
        self.bind(&decl.name, Binding::Input(i));
    }

    /// The `let`s in an order where each comes after the `let`s it names
    /// (Kahn's algorithm; those on cycles follow in declaration order).
    fn dependency_order(&self) -> Vec<usize> {
        let n = self.lets.len();
        let mut reads: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, (_, expr)) in self.lets.iter().enumerate() {
            let mut stack: Vec<&Expr> = vec![expr];
            while let Some(e) = stack.pop() {
                for_each_child(e, &mut |c| stack.push(c));
                if let ExprKind::Name(id) = &e.kind {
                    if let Some((Binding::Let(j), _)) = self.names.get(&id.name) {
                        if let Some(r) = reads.get_mut(i) {
                            r.push(*j);
                        }
                    }
                }
            }
        }
        let mut pending: Vec<usize> = reads.iter().map(Vec::len).collect();
        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, r) in reads.iter().enumerate() {
            for &j in r {
                if let Some(x) = readers.get_mut(j) {
                    x.push(i);
                }
            }
        }
        let mut ready: Vec<usize> = (0..n)
            .rev()
            .filter(|&i| pending.get(i) == Some(&0))
            .collect();
        let mut order = Vec::with_capacity(n);
        let mut placed = vec![false; n];
        while let Some(j) = ready.pop() {
            order.push(j);
            if let Some(p) = placed.get_mut(j) {
                *p = true;
            }
            for &i in readers.get(j).into_iter().flatten() {
                if let Some(p) = pending.get_mut(i) {
                    *p -= 1;
                    if *p == 0 {
                        ready.push(i);
                    }
                }
            }
        }
        order.extend((0..n).filter(|&i| !placed.get(i).copied().unwrap_or(true)));
        order
    }

    fn let_node(&self, i: usize) -> NodeId {
        self.inputs.len() + i
    }

    fn bonus_node(&self, i: usize) -> NodeId {
        self.inputs.len() + self.lets.len() + usize::from(!self.ranks.is_empty()) + i
    }

    /// Lowers every statement's expressions into nodes. With `types_only`,
    /// only the types of definitions are of interest.
    fn lower_all(&mut self, types_only: bool) {
        self.nodes.clear();
        self.failed_nodes.clear();
        for (i, (ident, ty, _)) in self.inputs.iter().enumerate() {
            self.nodes.push(Node {
                label: ident.name.clone(),
                span: ident.span,
                ty: *ty,
                kind: NodeKind::Input { column: i },
                global: false,
            });
        }
        for (ident, _) in &self.lets {
            self.nodes.push(Node {
                label: ident.name.clone(),
                span: ident.span,
                ty: Ty::Number,
                kind: NodeKind::Expr(TExpr::Const(Val::Bool(false))),
                global: false,
            });
        }
        self.rank_node = None;
        if let Some((first, _)) = self.ranks.first() {
            self.rank_node = Some(self.nodes.len());
            self.nodes.push(Node {
                label: "rank".into(),
                span: first.span,
                ty: Ty::Rank,
                kind: NodeKind::Rank {
                    requirements: Vec::new(),
                },
                global: false,
            });
        }
        for b in &self.bonuses {
            self.nodes.push(Node {
                label: b.name.name.clone(),
                span: b.name.span,
                ty: Ty::Money,
                kind: NodeKind::Bonus {
                    qualification: None,
                    amount: TExpr::Const(Val::Bool(false)),
                    cap: None,
                },
                global: false,
            });
        }
        self.fixed_nodes = self.nodes.len();

        for i in self.let_order.clone() {
            let Some(&(_, expr)) = self.lets.get(i) else {
                continue;
            };
            let errors_before = self.errors.len();
            let (t, ty) = self.lower(expr, Ctx::default());
            let id = self.let_node(i);
            if self.errors.len() > errors_before {
                self.failed_nodes.push(id);
            }
            let global = self.is_global(&t);
            if let Some(node) = self.nodes.get_mut(id) {
                node.ty = ty;
                node.kind = NodeKind::Expr(t);
                node.global = global;
            }
            if let Some(slot) = self.def_types.get_mut(i) {
                *slot = Some(ty);
            }
        }
        if types_only {
            return;
        }
        let mut requirements = Vec::new();
        self.rank_clauses.clear();
        for (_, expr) in self.ranks.clone() {
            let (t, ty) = self.lower(expr, Ctx::default());
            self.expect_ty(ty, Ty::Bool, expr.span, "a rank's requirement");
            self.rank_clauses.push(self.clauses(expr, &t));
            requirements.push(t);
        }
        if let Some(rn) = self.rank_node {
            if let Some(node) = self.nodes.get_mut(rn) {
                node.kind = NodeKind::Rank { requirements };
            }
        }
        for (i, b) in self.bonuses.clone().into_iter().enumerate() {
            let qualification = b.qualification.as_ref().map(|q| {
                let (t, ty) = self.lower(q, Ctx::default());
                self.expect_ty(ty, Ty::Bool, q.span, "a qualification");
                t
            });
            let clauses = match (&b.qualification, &qualification) {
                (Some(q), Some(t)) => self.clauses(q, t),
                _ => Vec::new(),
            };
            if let Some(slot) = self.bonus_clauses.get_mut(i) {
                *slot = clauses;
            } else {
                self.bonus_clauses.push(clauses);
            }
            let qual_node = qualification
                .as_ref()
                .map(|q| self.lift(q.clone(), Ty::Bool, b.name.span, "qualification"));
            let (amount, ty) = self.lower(
                &b.amount,
                Ctx {
                    pool: Some(qual_node),
                    ..Ctx::default()
                },
            );
            self.expect_money(ty, b.amount.span, "a bonus amount");
            let cap = b.cap.as_ref().map(|c| {
                let (t, ty) = self.lower(c, Ctx::default());
                self.expect_money(ty, c.span, "a cap");
                t
            });
            let id = self.bonus_node(i);
            if let Some(node) = self.nodes.get_mut(id) {
                node.kind = NodeKind::Bonus {
                    qualification: qual_node.map(TExpr::Slot),
                    amount,
                    cap,
                };
            }
        }
        self.limit_node = None;
        if let Some(expr) = self.limit {
            let (t, ty) = self.lower(expr, Ctx::default());
            self.expect_money(ty, expr.span, "the payout limit");
            if !self.is_global(&t) {
                self.errors.push(CheckError::Invalid {
                    message: "the payout limit must be the same for the whole network".to_string(),
                    span: expr.span,
                    help: Some(
                        "write it from network totals, such as `45% of total(cv)`".to_string(),
                    ),
                });
            }
            self.limit_node = Some(self.lift(t, Ty::Money, expr.span, "limit"));
        }
        self.export_nodes.clear();
        for e in self.exports.clone() {
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
            self.export_nodes.push((e.name.name.clone(), node, ty));
        }
    }

    fn is_global(&self, t: &TExpr) -> bool {
        let mut global = true;
        t.for_each_slot(&mut |n| {
            if !self.nodes.get(n).is_some_and(|node| node.global) {
                global = false;
            }
        });
        global && !t.uses_within()
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
                    text: self.full_text(e.span),
                    expr: t.clone(),
                }),
            }
        }
        out
    }

    /// Source text with whitespace collapsed, not shortened.
    fn full_text(&self, span: Span) -> String {
        let t = self.source.get(span.start..span.end).unwrap_or("");
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// Makes `t` a node of its own and returns its id.
    fn lift(&mut self, t: TExpr, ty: Ty, span: Span, label: &str) -> NodeId {
        let global = self.is_global(&t);
        let id = self.nodes.len();
        self.nodes.push(Node {
            label: if label.is_empty() {
                self.text(span)
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

    fn push_node(&mut self, node: Node) -> TExpr {
        let id = self.nodes.len();
        self.nodes.push(node);
        TExpr::Slot(id)
    }

    fn expect_ty(&mut self, found: Ty, expected: Ty, span: Span, what: &str) {
        if found != expected && found != Ty::Unknown {
            self.errors.push(CheckError::TypeMismatch {
                expected: format!("{what} of type {}", expected.describe()),
                found: format!("{} `{}`", found.describe(), self.text(span)),
                span,
                help: None,
            });
        }
    }

    fn expect_money(&mut self, found: Ty, span: Span, what: &str) {
        match found {
            Ty::Money | Ty::Number | Ty::Unknown => {}
            Ty::Volume => self.errors.push(CheckError::TypeMismatch {
                expected: format!("{what} in money"),
                found: format!("volume `{}`", self.text(span)),
                span,
                help: Some("volume is not money until the plan converts it: write `money(...)` to pay points one to one".into()),
            }),
            other => self.errors.push(CheckError::TypeMismatch {
                expected: format!("{what} in money"),
                found: format!("{} `{}`", other.describe(), self.text(span)),
                span,
                help: None,
            }),
        }
    }

    /// Lowers an expression; on error, records it and returns a placeholder.
    fn lower(&mut self, e: &Expr, ctx: Ctx) -> (TExpr, Ty) {
        match &e.kind {
            ExprKind::Number(d) => (TExpr::Const(Val::Dec(*d)), Ty::Number),
            ExprKind::Percent(d) => (TExpr::Const(Val::Dec(*d)), Ty::Percent),
            ExprKind::Bool(b) => (TExpr::Const(Val::Bool(*b)), Ty::Bool),
            ExprKind::Name(id) => self.lower_name(id),
            ExprKind::Within(side_name) => {
                let side = match side_name.name.as_str() {
                    "left" => Side::Left,
                    "right" => Side::Right,
                    other => {
                        self.errors.push(CheckError::Invalid {
                            message: format!("`within {other}`: expected `left` or `right`"),
                            span: side_name.span,
                            help: Some("write `within left` or `within right`".to_string()),
                        });
                        Side::Left
                    }
                };
                if !self.placement {
                    self.need_placement(e.span, "within");
                } else if !ctx.within {
                    self.errors.push(CheckError::Invalid {
                        message: format!("`within {}` is only meaningful over `children`", side_name.name),
                        span: e.span,
                        help: Some(format!(
                            "it asks whether a child lies in its sponsor's {} placement subtree, as in `count(children where active and within {})`",
                            side_name.name, side_name.name
                        )),
                    });
                }
                (TExpr::Within(side), Ty::Bool)
            }
            ExprKind::Unary(op, inner) => {
                let (t, ty) = self.lower(inner, ctx);
                match op {
                    UnaryOp::Not => {
                        self.expect_ty(ty, Ty::Bool, inner.span, "the operand of `not`");
                        (TExpr::Not(Box::new(t)), Ty::Bool)
                    }
                    UnaryOp::Neg => {
                        if !ty.is_numeric() {
                            self.errors.push(CheckError::TypeMismatch {
                                expected: "a number after `-`".into(),
                                found: format!("{} `{}`", ty.describe(), self.text(inner.span)),
                                span: inner.span,
                                help: None,
                            });
                        }
                        (TExpr::Neg(Box::new(t)), ty)
                    }
                }
            }
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
        }
    }

    fn lower_name(&mut self, id: &Ident) -> (TExpr, Ty) {
        if id.name == "rank" {
            return match self.rank_node {
                Some(n) => (TExpr::Slot(n), Ty::Rank),
                None => {
                    self.errors.push(CheckError::Invalid {
                        message: "this plan declares no ranks".to_string(),
                        span: id.span,
                        help: Some("declare ranks with `rank bronze when ...`".to_string()),
                    });
                    poison()
                }
            };
        }
        match self.names.get(&id.name).map(|(b, _)| *b) {
            Some(Binding::Input(i)) => (
                TExpr::Slot(i),
                self.inputs.get(i).map_or(Ty::Number, |(_, ty, _)| *ty),
            ),
            Some(Binding::Let(i)) => {
                if let Some(u) = self.used.get_mut(i) {
                    *u = true;
                }
                let ty = self
                    .def_types
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or(Ty::Number);
                (TExpr::Slot(self.let_node(i)), ty)
            }
            Some(Binding::Bonus(i)) => (TExpr::Slot(self.bonus_node(i)), Ty::Money),
            Some(Binding::RankName(r)) => (TExpr::Const(Val::Rank(r)), Ty::Rank),
            None => {
                let candidates: Vec<&str> = self
                    .names
                    .keys()
                    .map(String::as_str)
                    .chain(["rank"])
                    .chain(RELATIONS.iter().copied())
                    .collect();
                let suggestion = suggest(&id.name, candidates);
                if RELATIONS.contains(&id.name.as_str()) {
                    self.errors.push(CheckError::Invalid {
                        message: format!("`{}` is a relation, not a value", id.name),
                        span: id.span,
                        help: Some(format!(
                            "aggregate over it, as in `sum(pv over {})`",
                            id.name
                        )),
                    });
                } else {
                    self.errors.push(CheckError::UnknownName {
                        name: id.name.clone(),
                        span: id.span,
                        suggestion,
                    });
                }
                poison()
            }
        }
    }

    fn need_placement(&mut self, span: Span, what: &str) {
        self.errors.push(CheckError::Invalid {
            message: format!("`{what}` needs the placement tree"),
            span,
            help: Some("add `uses placement tree` to the plan and give the network `placement` and `leg` columns".into()),
        });
    }

    /// The common type of two operands, where units allow.
    fn unify(&mut self, a: Ty, b: Ty, sa: Span, sb: Span, action: &str) -> Ty {
        match (a, b) {
            _ if a == b => a,
            (Ty::Unknown, t) | (t, Ty::Unknown) => t,
            (Ty::Number, t) | (t, Ty::Number) if t.is_numeric() => t,
            _ => {
                self.units_error(action, a, b, sa, sb);
                Ty::Unknown
            }
        }
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
        let bin = |o: BinOp, a: TExpr, b: TExpr| TExpr::Binary(o, Box::new(a), Box::new(b));
        match op {
            BinaryOp::Or | BinaryOp::And => {
                self.expect_ty(
                    aty,
                    Ty::Bool,
                    l.span,
                    &format!("the left side of `{}`", op.symbol()),
                );
                self.expect_ty(
                    bty,
                    Ty::Bool,
                    r.span,
                    &format!("the right side of `{}`", op.symbol()),
                );
                (
                    bin(
                        if op == BinaryOp::Or {
                            BinOp::Or
                        } else {
                            BinOp::And
                        },
                        a,
                        b,
                    ),
                    Ty::Bool,
                )
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                let o = match op {
                    BinaryOp::Eq => BinOp::Eq,
                    BinaryOp::Ne => BinOp::Ne,
                    BinaryOp::Lt => BinOp::Lt,
                    BinaryOp::Le => BinOp::Le,
                    BinaryOp::Gt => BinOp::Gt,
                    _ => BinOp::Ge,
                };
                if aty == Ty::Bool && bty == Ty::Bool && !matches!(o, BinOp::Eq | BinOp::Ne) {
                    self.errors.push(CheckError::Invalid {
                        message: format!("cannot order true/false values with `{}`", op.symbol()),
                        span,
                        help: Some(
                            "compare numbers or ranks; combine conditions with `and` and `or`"
                                .into(),
                        ),
                    });
                }
                if aty == Ty::Unknown || bty == Ty::Unknown {
                    // Already reported.
                } else if (aty == Ty::Rank) != (bty == Ty::Rank) {
                    let other = if aty == Ty::Rank { r } else { l };
                    self.errors.push(CheckError::TypeMismatch {
                        expected: "a rank name to compare `rank` with".into(),
                        found: format!(
                            "{} `{}`",
                            if aty == Ty::Rank { bty } else { aty }.describe(),
                            self.text(other.span)
                        ),
                        span: other.span,
                        help: suggest(
                            &self.text(other.span),
                            self.ranks.iter().map(|(n, _)| n.name.as_str()),
                        )
                        .map(|s| format!("did you mean `{s}`?"))
                        .or_else(|| {
                            let names: Vec<String> = self
                                .ranks
                                .iter()
                                .map(|(n, _)| format!("`{}`", n.name))
                                .collect();
                            let example = self
                                .ranks
                                .get(1)
                                .or(self.ranks.first())
                                .map_or("silver", |(n, _)| n.name.as_str());
                            Some(format!(
                                "compare `rank` with a rank name ({}), as in `rank >= {example}`",
                                names.join(", ")
                            ))
                        }),
                    });
                } else {
                    self.unify(aty, bty, l.span, r.span, "compare");
                }
                (bin(o, a, b), Ty::Bool)
            }
            BinaryOp::Add | BinaryOp::Sub => {
                for (ty, s) in [(aty, l.span), (bty, r.span)] {
                    if !ty.is_numeric() {
                        self.errors.push(CheckError::TypeMismatch {
                            expected: format!("a number for `{}`", op.symbol()),
                            found: format!("{} `{}`", ty.describe(), self.text(s)),
                            span: s,
                            help: None,
                        });
                        return poison();
                    }
                }
                let action = if op == BinaryOp::Add {
                    "add"
                } else {
                    "subtract"
                };
                let ty = self.unify(aty, bty, l.span, r.span, action);
                (
                    bin(
                        if op == BinaryOp::Add {
                            BinOp::Add
                        } else {
                            BinOp::Sub
                        },
                        a,
                        b,
                    ),
                    ty,
                )
            }
            BinaryOp::Mul | BinaryOp::Of => {
                if op == BinaryOp::Of && !bty.is_numeric() {
                    self.errors.push(CheckError::TypeMismatch {
                        expected: "a number after `of`".into(),
                        found: format!("{} `{}`", bty.describe(), self.text(r.span)),
                        span: r.span,
                        help: (bty == Ty::Bool).then(|| {
                            "a percentage is taken of a value; to pay only where a condition holds, write it in the bonus's `when`"
                                .to_string()
                        }),
                    });
                    return (bin(BinOp::Mul, a, b), Ty::Unknown);
                }
                if op == BinaryOp::Of && !matches!(aty, Ty::Percent | Ty::Number | Ty::Unknown) {
                    self.errors.push(CheckError::TypeMismatch {
                        expected: "a percentage before `of`".into(),
                        found: format!("{} `{}`", aty.describe(), self.text(l.span)),
                        span: l.span,
                        help: Some("write `8% of cv`, or `*` to multiply".into()),
                    });
                    return (bin(BinOp::Mul, a, b), Ty::Unknown);
                }
                let ty = self.product_type(aty, bty, l.span, r.span);
                (bin(BinOp::Mul, a, b), ty)
            }
            BinaryOp::Div => {
                let ty = match (aty, bty) {
                    (Ty::Unknown, _) | (_, Ty::Unknown) => Ty::Unknown,
                    (x, y) if x == y && x.is_numeric() => Ty::Number,
                    (x, Ty::Number | Ty::Count | Ty::Percent) if x.is_numeric() => x,
                    _ => {
                        self.units_error("divide", aty, bty, l.span, r.span);
                        Ty::Unknown
                    }
                };
                (bin(BinOp::Div, a, b), ty)
            }
        }
    }

    fn units_error(&mut self, action: &str, a: Ty, b: Ty, sa: Span, sb: Span) {
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
            left: format!("{} `{}`", a.describe(), self.text(sa)),
            right: format!("{} `{}`", b.describe(), self.text(sb)),
            span: sa.to(sb),
            help,
        });
    }

    fn product_type(&mut self, a: Ty, b: Ty, sa: Span, sb: Span) -> Ty {
        match (a, b) {
            (Ty::Unknown, _) | (_, Ty::Unknown) => Ty::Unknown,
            // A percentage of something has that something's unit.
            (Ty::Percent, t) | (t, Ty::Percent) if t.is_numeric() => t,
            (Ty::Number, t) | (t, Ty::Number) if t.is_numeric() => t,
            (Ty::Count, t) | (t, Ty::Count) if t.is_numeric() => t,
            _ => {
                self.units_error("multiply", a, b, sa, sb);
                Ty::Unknown
            }
        }
    }

    fn lower_table(&mut self, entries: &[(Ident, Expr)], span: Span, ctx: Ctx) -> (TExpr, Ty) {
        let Some(rank) = self.rank_node else {
            self.errors.push(CheckError::Invalid {
                message: "`by rank` needs ranks, and this plan declares none".into(),
                span,
                help: Some("declare ranks with `rank bronze when ...`".into()),
            });
            return poison();
        };
        let mut slots: Vec<Option<(TExpr, Span)>> = vec![None; self.ranks.len() + 1];
        let mut ty: Option<(Ty, Span)> = None;
        for (key, value) in entries {
            let (t, vty) = self.lower(value, ctx);
            ty = Some(match ty {
                None => (vty, value.span),
                Some((prev, pspan)) => (self.unify(prev, vty, pspan, value.span, "mix"), pspan),
            });
            let Some(r) = self.ranks.iter().position(|(n, _)| n.name == key.name) else {
                self.errors.push(CheckError::UnknownRank {
                    rank: key.name.clone(),
                    span: key.span,
                    suggestion: suggest(&key.name, self.ranks.iter().map(|(n, _)| n.name.as_str())),
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
        let ty = ty.map_or(Ty::Number, |(t, _)| t);
        if entries.is_empty() {
            self.errors.push(CheckError::BadTable {
                message: "the table is empty".into(),
                span,
                help: Some(
                    "give a value for each rank, as in `by rank { bronze: 2, silver: 4 }`".into(),
                ),
            });
        }
        let zero = match ty {
            Ty::Bool => Val::Bool(false),
            Ty::Rank => Val::Rank(0),
            _ => Val::Dec(Decimal::ZERO),
        };
        let entries = slots
            .into_iter()
            .map(|s| s.map_or(TExpr::Const(zero), |(t, _)| t))
            .collect::<Vec<TExpr>>();
        (TExpr::RankTable { rank, entries }, ty)
    }

    fn lower_call(&mut self, function: &Ident, args: &[Expr], span: Span, ctx: Ctx) -> (TExpr, Ty) {
        // The arguments when there are `n` of them; otherwise an error.
        let arity = |cx: &mut Self, n: usize, usage: &str| -> Option<&[Expr]> {
            if args.len() != n {
                cx.errors.push(CheckError::Invalid {
                    message: format!(
                        "`{}` takes {} argument{}, found {}",
                        function.name,
                        n,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                    span,
                    help: Some(format!("write `{usage}`")),
                });
                None
            } else {
                Some(args)
            }
        };
        match function.name.as_str() {
            "min" | "max" => {
                if args.len() < 2 {
                    self.errors.push(CheckError::Invalid {
                        message: format!(
                            "`{}` needs two values, or one value `over` a relation",
                            function.name
                        ),
                        span,
                        help: Some(format!(
                            "write `{0}(gv, 500)` or `{0}(pv over children)`",
                            function.name
                        )),
                    });
                    return poison();
                }
                let o = if function.name == "min" {
                    BinOp::Min
                } else {
                    BinOp::Max
                };
                let Some(first) = args.first() else {
                    return poison();
                };
                let (mut acc, mut ty) = self.lower(first, ctx);
                let mut acc_span = first.span;
                for a in args.iter().skip(1) {
                    let (t, aty) = self.lower(a, ctx);
                    for (x, s) in [(ty, acc_span), (aty, a.span)] {
                        if !x.is_numeric() {
                            self.errors.push(CheckError::TypeMismatch {
                                expected: format!("numbers for `{}`", function.name),
                                found: format!("{} `{}`", x.describe(), self.text(s)),
                                span: s,
                                help: None,
                            });
                        }
                    }
                    ty = self.unify(ty, aty, acc_span, a.span, "compare");
                    acc = TExpr::Binary(o, Box::new(acc), Box::new(t));
                    acc_span = acc_span.to(a.span);
                }
                (acc, ty)
            }
            "money" => {
                let Some([a]) = arity(self, 1, "money(paired)") else {
                    return poison();
                };
                let (t, ty) = self.lower(a, ctx);
                if !matches!(ty, Ty::Volume | Ty::Number | Ty::Money | Ty::Unknown) {
                    self.errors.push(CheckError::TypeMismatch {
                        expected: "volume to convert to money".into(),
                        found: format!("{} `{}`", ty.describe(), self.text(a.span)),
                        span: a.span,
                        help: None,
                    });
                }
                (t, Ty::Money)
            }
            "total" => {
                let Some([a]) = arity(self, 1, "total(cv)") else {
                    return poison();
                };
                let (t, ty) = self.lower(a, Ctx::default());
                let ty = self.numeric_or(ty, a.span, "`total`");
                let t = self.push_node(Node {
                    label: self.full_text(span),
                    span,
                    ty,
                    kind: NodeKind::Total { value: t },
                    global: true,
                });
                (t, ty)
            }
            "differential" => {
                let Some([v, p]) = arity(self, 2, "differential(cv, percentage)") else {
                    return poison();
                };
                let (value, vty) = self.lower(v, Ctx::default());
                let vty = self.numeric_or(vty, v.span, "`differential`");
                let (percent, pty) = self.lower(p, Ctx::default());
                self.expect_ty(pty, Ty::Percent, p.span, "the percentage of `differential`");
                let Some(buckets) = self.table_constants(&percent) else {
                    self.errors.push(CheckError::Invalid {
                        message: "the percentage of `differential` must come from a table of fixed rates".into(),
                        span: p.span,
                        help: Some(
                            "write a `by rank { associate: 5%, senior: 10% }` table, or the name of one".into(),
                        ),
                    });
                    return (TExpr::Const(Val::Dec(Decimal::ZERO)), vty);
                };
                let t = self.push_node(Node {
                    label: self.full_text(span),
                    span,
                    ty: vty,
                    kind: NodeKind::Differential {
                        value,
                        percent,
                        buckets,
                    },
                    global: false,
                });
                (t, vty)
            }
            "pool" => {
                let Some([a, s]) = arity(self, 2, "pool(2% of total(cv), shares)") else {
                    return poison();
                };
                let Some(qualification) = ctx.pool else {
                    self.errors.push(CheckError::Invalid {
                        message: "`pool` is only meaningful as a bonus's amount".into(),
                        span,
                        help: Some(
                            "write `bonus pool when ... pays pool(2% of total(cv), shares)`".into(),
                        ),
                    });
                    return (TExpr::Const(Val::Dec(Decimal::ZERO)), Ty::Money);
                };
                let (amount, aty) = self.lower(a, ctx);
                self.expect_money(aty, a.span, "a pool");
                let (shares, sty) = self.lower(s, ctx);
                if !matches!(sty, Ty::Count | Ty::Number | Ty::Unknown) {
                    self.errors.push(CheckError::TypeMismatch {
                        expected: "a number of shares".into(),
                        found: format!("{} `{}`", sty.describe(), self.text(s.span)),
                        span: s.span,
                        help: None,
                    });
                }
                let held = match qualification {
                    Some(q) => TExpr::If(
                        Box::new(TExpr::Slot(q)),
                        Box::new(shares.clone()),
                        Box::new(TExpr::Const(Val::Dec(Decimal::ZERO))),
                    ),
                    None => shares.clone(),
                };
                let total = self.push_node(Node {
                    label: format!("total shares of `{}`", self.text(s.span)),
                    span: s.span,
                    ty: Ty::Number,
                    kind: NodeKind::Total { value: held },
                    global: true,
                });
                let product = TExpr::Binary(BinOp::Mul, Box::new(amount), Box::new(shares));
                (
                    TExpr::ShareOf(Box::new(product), Box::new(total)),
                    Ty::Money,
                )
            }
            "sum" | "any" | "all" | "count" => {
                self.errors.push(CheckError::Invalid {
                    message: format!("`{}` needs a relation", function.name),
                    span,
                    help: Some(format!(
                        "write `{}(... over children)`, or `total(...)` for the whole network",
                        function.name
                    )),
                });
                poison()
            }
            other => {
                self.errors.push(CheckError::UnknownFunction {
                    name: other.to_string(),
                    span: function.span,
                    suggestion: suggest(other, FUNCTIONS.iter().copied()),
                });
                poison()
            }
        }
    }

    fn numeric_or(&mut self, ty: Ty, span: Span, what: &str) -> Ty {
        if ty.is_numeric() {
            ty
        } else {
            self.errors.push(CheckError::TypeMismatch {
                expected: format!("a number for {what}"),
                found: format!("{} `{}`", ty.describe(), self.text(span)),
                span,
                help: if ty == Ty::Bool {
                    Some("to count members, write `count(children where ...)`".into())
                } else {
                    None
                },
            });
            Ty::Number
        }
    }

    /// The fixed values a rank table (or a definition holding one) takes.
    fn table_constants(&self, t: &TExpr) -> Option<Vec<Decimal>> {
        let mut t = t;
        for _ in 0..self.nodes.len() + 1 {
            match t {
                TExpr::Slot(n) => match &self.nodes.get(*n)?.kind {
                    NodeKind::Expr(inner) => t = inner,
                    _ => return None,
                },
                TExpr::RankTable { entries, .. } => {
                    let mut values = vec![Decimal::ZERO];
                    for e in entries {
                        match e {
                            TExpr::Const(Val::Dec(d)) => values.push(*d),
                            _ => return None,
                        }
                    }
                    values.sort();
                    values.dedup();
                    return Some(values);
                }
                _ => return None,
            }
        }
        None
    }

    /// The largest value a level bound can take, known before any network.
    fn static_bound(&self, t: &TExpr) -> Option<Decimal> {
        let mut t = t;
        for _ in 0..self.nodes.len() + 1 {
            match t {
                TExpr::Const(Val::Dec(d)) => return Some(*d),
                TExpr::Slot(n) => match &self.nodes.get(*n)?.kind {
                    NodeKind::Expr(inner) => t = inner,
                    _ => return None,
                },
                TExpr::RankTable { entries, .. } => {
                    let mut max = Decimal::ZERO;
                    for e in entries {
                        match e {
                            TExpr::Const(Val::Dec(d)) => max = max.max(*d),
                            _ => return None,
                        }
                    }
                    return Some(max);
                }
                _ => return None,
            }
        }
        None
    }

    fn level_bounds(&mut self, from: &Expr, to: &Expr, what: &str) -> (usize, usize, TExpr) {
        let (f, fty) = self.lower(from, Ctx::default());
        let (t, tty) = self.lower(to, Ctx::default());
        for (ty, s) in [(fty, from.span), (tty, to.span)] {
            if !matches!(ty, Ty::Number | Ty::Count | Ty::Unknown) {
                self.errors.push(CheckError::TypeMismatch {
                    expected: format!("a {what} number"),
                    found: format!("{} `{}`", ty.describe(), self.text(s)),
                    span: s,
                    help: None,
                });
            }
        }
        let from_value = match f {
            TExpr::Const(Val::Dec(d))
                if d >= Decimal::ONE && d.fract().is_zero() && d <= Decimal::from(64) =>
            {
                usize::try_from(d.mantissa()).unwrap_or(1) / 10usize.pow(d.scale())
            }
            _ => {
                self.errors.push(CheckError::Invalid {
                    message: format!("the first {what} must be a whole number from 1 to 64"),
                    span: from.span,
                    help: Some(format!("write `{what}s 1..5`")),
                });
                1
            }
        };
        let mut reads_failed = false;
        t.for_each_slot(&mut |n| reads_failed |= self.failed_nodes.contains(&n));
        if reads_failed {
            // The bound's definition is already reported; checking against
            // what is left of it would only add noise.
            self.bounds_poisoned = true;
            return (from_value, from_value, t);
        }
        let max = match self.static_bound(&t) {
            Some(d) if d.fract().is_zero() && d <= Decimal::from(64) && d >= Decimal::ZERO => {
                d.to_string().parse::<usize>().unwrap_or(0)
            }
            Some(_) => {
                self.errors.push(CheckError::Invalid {
                    message: format!("the last {what} must be a whole number of at most 64"),
                    span: to.span,
                    help: None,
                });
                from_value
            }
            None => {
                self.errors.push(CheckError::Invalid {
                    message: format!("the last {what} must have a known maximum"),
                    span: to.span,
                    help: Some(
                        "write a number, or a `by rank { bronze: 2, silver: 4 }` table of numbers, or the name of one"
                            .to_string(),
                    ),
                });
                from_value
            }
        };
        if max < from_value {
            self.errors.push(CheckError::Invalid {
                message: format!("{what}s {from_value}..{max} are empty"),
                span: from.span.to(to.span),
                help: Some(format!("the last {what} must not be below the first")),
            });
        }
        (from_value, max.max(from_value), t)
    }

    fn lower_aggregate(&mut self, agg: &Aggregate, span: Span) -> (TExpr, Ty) {
        let fname = agg.function.name.as_str();
        let op = match fname {
            "sum" => AggOp::Sum,
            "count" => AggOp::Count,
            "min" => AggOp::Min,
            "max" => AggOp::Max,
            "any" => AggOp::Any,
            "all" => AggOp::All,
            other => {
                self.errors.push(CheckError::UnknownFunction {
                    name: other.to_string(),
                    span: agg.function.span,
                    suggestion: if other == "total" {
                        None
                    } else {
                        suggest(other, ["sum", "count", "min", "max", "any", "all"])
                    },
                });
                return poison();
            }
        };
        let mut bounds_failed = false;
        let relation = match &agg.relation.kind {
            RelationKind::Named(id) => match id.name.as_str() {
                "children" | "legs" => TRelation::Children,
                "downline" => TRelation::Downline,
                "group" => TRelation::Group,
                "upline" => TRelation::Upline,
                "left" | "right" => {
                    if !self.placement {
                        self.need_placement(id.span, &id.name);
                    }
                    TRelation::Placement(if id.name == "left" {
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
                    return poison();
                }
            },
            RelationKind::Levels {
                from,
                to,
                compressed_by,
            } => {
                let before = self.errors.len();
                self.bounds_poisoned = false;
                let (from, max, to) = self.level_bounds(from, to, "level");
                bounds_failed = self.errors.len() > before || self.bounds_poisoned;
                let compressed_by = compressed_by.as_ref().map(|c| {
                    let (t, ty) = self.lower(c, Ctx::default());
                    self.expect_ty(ty, Ty::Bool, c.span, "a compression condition");
                    t
                });
                TRelation::Levels {
                    from,
                    max,
                    to,
                    compressed_by,
                }
            }
            RelationKind::Generations { from, to, counting } => {
                let before = self.errors.len();
                self.bounds_poisoned = false;
                let (from, max, to) = self.level_bounds(from, to, "generation");
                bounds_failed = self.errors.len() > before || self.bounds_poisoned;
                let (c, ty) = self.lower(counting, Ctx::default());
                self.expect_ty(
                    ty,
                    Ty::Bool,
                    counting.span,
                    "the condition that counts generations",
                );
                TRelation::Generations {
                    from,
                    max,
                    to,
                    counting: c,
                }
            }
        };
        let within = matches!(relation, TRelation::Children);
        let ctx = Ctx { within, pool: None };
        let (value, vty) = match &agg.value {
            Some(v) => self.lower(v, ctx),
            None => (TExpr::Const(Val::Dec(Decimal::ONE)), Ty::Count),
        };
        let filter = agg.filter.as_ref().map(|f| {
            let (t, ty) = self.lower(f, ctx);
            self.expect_ty(ty, Ty::Bool, f.span, "a `where` condition");
            t
        });
        let ty = match op {
            AggOp::Count => Ty::Count,
            AggOp::Any | AggOp::All => {
                if let Some(v) = &agg.value {
                    self.expect_ty(vty, Ty::Bool, v.span, &format!("a condition for `{fname}`"));
                }
                Ty::Bool
            }
            AggOp::Sum | AggOp::Min | AggOp::Max => match &agg.value {
                Some(v) => self.numeric_or(vty, v.span, &format!("`{fname}`")),
                None => Ty::Number,
            },
        };
        let levelled = matches!(
            relation,
            TRelation::Levels { .. } | TRelation::Generations { .. }
        );
        if levelled && matches!(op, AggOp::Min | AggOp::Max) {
            self.errors.push(CheckError::Invalid {
                message: format!("`{fname}` does not work over levels"),
                span: agg.function.span,
                help: Some(
                    "over levels and generations, use `sum`, `count`, `any` or `all`".into(),
                ),
            });
        }
        let rates = match &agg.rates {
            None => None,
            Some(list) => {
                let (TRelation::Levels { from, max, .. }
                | TRelation::Generations { from, max, .. }) = &relation
                else {
                    self.errors.push(CheckError::Invalid {
                        message: "rates with `at` need levels or generations".into(),
                        span: agg.relation.span,
                        help: Some("write `sum(cv over levels 1..3 at 5%, 3%, 2%)`".into()),
                    });
                    return (TExpr::Const(Val::Dec(Decimal::ZERO)), ty);
                };
                if op != AggOp::Sum {
                    self.errors.push(CheckError::Invalid {
                        message: format!("rates with `at` only work with `sum`, not `{fname}`"),
                        span: agg.function.span,
                        help: None,
                    });
                }
                let wanted = max + 1 - from;
                let mut rates = Vec::new();
                for r in list {
                    match &r.kind {
                        ExprKind::Percent(d) | ExprKind::Number(d) => rates.push(*d),
                        ExprKind::Unary(UnaryOp::Neg, inner)
                            if matches!(inner.kind, ExprKind::Percent(_) | ExprKind::Number(_)) =>
                        {
                            if let ExprKind::Percent(d) | ExprKind::Number(d) = inner.kind {
                                rates.push(-d);
                            }
                        }
                        _ => self.errors.push(CheckError::Invalid {
                            message: format!(
                                "rate `{}` is not a fixed percentage",
                                self.text(r.span)
                            ),
                            span: r.span,
                            help: Some(
                                "write each level's rate as a percentage, such as `5%`".into(),
                            ),
                        }),
                    }
                }
                if list.len() != wanted && !bounds_failed {
                    let (first, last) = (list.first().map(|e| e.span), list.last().map(|e| e.span));
                    let s = match (first, last) {
                        (Some(a), Some(b)) => a.to(b),
                        _ => agg.relation.span,
                    };
                    let levels = if from == max {
                        format!("level {from} needs 1 rate")
                    } else {
                        format!("levels {from}..{max} need {wanted} rates")
                    };
                    self.errors.push(CheckError::Invalid {
                        message: format!("{levels}, found {}", list.len()),
                        span: s,
                        help: Some("give one rate per level, in order: `at 10%, 5%, 3%`".into()),
                    });
                }
                Some(rates)
            }
        };
        let t = self.push_node(Node {
            label: self.full_text(span),
            span,
            ty,
            kind: NodeKind::Aggregate(Box::new(AggNode {
                op,
                value,
                filter,
                relation,
                rates,
            })),
            global: false,
        });
        (t, ty)
    }

    fn warn(&mut self) {
        // Rates above 100%.
        for st in &self.ast.statements {
            let mut stack: Vec<&Expr> = Vec::new();
            match st {
                Statement::Let(d) => stack.push(&d.expr),
                Statement::Rank(d) => stack.push(&d.requirement),
                Statement::Bonus(b) => {
                    stack.push(&b.amount);
                    stack.extend(b.qualification.iter());
                    stack.extend(b.cap.iter());
                }
                Statement::Limit { expr, .. } => stack.push(expr),
                Statement::Export(e) => stack.extend(e.expr.iter()),
                _ => {}
            }
            while let Some(e) = stack.pop() {
                match &e.kind {
                    ExprKind::Percent(d) if *d > Decimal::ONE => {
                        self.warnings.push(CheckWarning::RateAbove100 {
                            text: self.text(e.span),
                            span: e.span,
                        })
                    }
                    ExprKind::Unary(_, a) => stack.push(a),
                    ExprKind::Binary(_, a, b) => {
                        stack.push(a);
                        stack.push(b);
                    }
                    ExprKind::If {
                        condition,
                        then,
                        otherwise,
                    } => {
                        stack.push(condition);
                        stack.push(then);
                        stack.push(otherwise);
                    }
                    ExprKind::RankTable(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
                    ExprKind::Call { args, .. } => stack.extend(args.iter()),
                    ExprKind::Aggregate(a) => {
                        stack.extend(a.value.iter());
                        stack.extend(a.filter.iter());
                        stack.extend(a.rates.iter().flatten());
                        match &a.relation.kind {
                            RelationKind::Named(_) => {}
                            RelationKind::Levels {
                                from,
                                to,
                                compressed_by,
                            } => {
                                stack.push(from);
                                stack.push(to);
                                stack.extend(compressed_by.iter().map(|b| &**b));
                            }
                            RelationKind::Generations { from, to, counting } => {
                                stack.push(from);
                                stack.push(to);
                                stack.push(counting);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // A rank that every member meeting it would also meet a higher one.
        for (i, (name, req)) in self.ranks.iter().enumerate() {
            for (higher, hreq) in self.ranks.iter().skip(i + 1) {
                if crate::implies::implies(req, hreq, self.source) {
                    self.warnings.push(CheckWarning::UnreachableRank {
                        rank: name.name.clone(),
                        span: name.span,
                        higher: higher.name.clone(),
                        higher_span: higher.span,
                    });
                    break;
                }
            }
        }
        // Definitions nothing reads.
        let exported: Vec<&str> = self
            .exports
            .iter()
            .filter(|e| e.expr.is_none())
            .map(|e| e.name.name.as_str())
            .collect();
        for (i, (ident, _)) in self.lets.iter().enumerate() {
            if !self.used.get(i).copied().unwrap_or(true)
                && !exported.contains(&ident.name.as_str())
            {
                self.warnings.push(CheckWarning::Unused {
                    name: ident.name.clone(),
                    span: ident.span,
                });
            }
        }
    }

    fn finish(&mut self) -> Result<TypedPlan, Vec<CheckError>> {
        let stages = schedule::schedule(&self.nodes).map_err(|e| vec![e])?;
        let schema = Schema {
            columns: self
                .inputs
                .iter()
                .map(|(_, _, spec)| spec.clone())
                .collect(),
            placement: self.placement,
        };
        let bonuses = self
            .bonuses
            .iter()
            .enumerate()
            .map(|(i, b)| BonusSpec {
                name: b.name.name.clone(),
                span: b.name.span,
                node: self.bonus_node(i),
                qualification: self.bonus_clauses.get(i).cloned().unwrap_or_default(),
                amount_text: self.full_text(b.amount.span),
                cap_text: b.cap.as_ref().map(|c| self.full_text(c.span)),
            })
            .collect();
        Ok(TypedPlan {
            name: self.name.clone().unwrap_or_default(),
            currency: self.currency.clone().unwrap_or_default(),
            rounding: self.rounding.unwrap_or(Rounding {
                places: 2,
                mode: RoundingMode::HalfEven,
            }),
            schema,
            ranks: self.ranks.iter().map(|(n, _)| n.name.clone()).collect(),
            nodes: std::mem::take(&mut self.nodes),
            stages,
            bonuses,
            limit: self.limit_node,
            rank_clauses: std::mem::take(&mut self.rank_clauses),
            exports: self
                .export_nodes
                .iter()
                .map(|(name, node, ty)| ExportSpec {
                    name: name.clone(),
                    node: *node,
                    ty: *ty,
                })
                .collect(),
        })
    }
}
