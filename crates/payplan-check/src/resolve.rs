//! Declarations: the plan's statements collected, every name bound to what
//! it declares, and the order in which definitions read each other.

use std::collections::HashMap;

use payplan_network::{
    ColumnKind, ColumnSpec, MatrixSource, MatrixSpec, Value, JOINED, MATRIX_WIDTHS,
};
use payplan_syntax::ast::{
    BonusDecl, ExportDecl, Expr, ExprKind, InputDecl, Literal, LiteralValue, PlanAst, Statement,
};
use payplan_syntax::{Ident, Span};
use rust_decimal::Decimal;

use crate::error::CheckError;
use crate::source::Source;
use crate::suggest::{suggest, TYPES};
use crate::typed::{NodeId, Rounding, RoundingMode, Ty};
use crate::walk::for_each_child;

/// What a name in an expression means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Binding {
    Input(usize),
    Let(usize),
    Bonus(usize),
    /// Rank `i` of the plan's ranks is `i + 1` (0 is "no rank").
    RankName(u16),
}

/// A network column the plan reads.
pub(crate) struct Input {
    pub ident: Ident,
    pub ty: Ty,
    pub spec: ColumnSpec,
}

/// A named definition: a `let`, or a rank with its requirement.
#[derive(Clone, Copy)]
pub(crate) struct Def<'a> {
    pub name: &'a Ident,
    pub expr: &'a Expr,
}

/// The plan's declarations, with every name bound.
///
/// Nodes of the typed plan come in a fixed layout: inputs, `let`s, the
/// rank (when there are ranks), then bonuses; parts made while lowering
/// expressions follow.
#[derive(Default)]
pub(crate) struct Decls<'a> {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub rounding: Option<Rounding>,
    pub placement: bool,
    /// `uses matrix 3 wide`, with the span of the statement.
    pub matrix: Option<MatrixSpec>,
    pub inputs: Vec<Input>,
    pub lets: Vec<Def<'a>>,
    pub ranks: Vec<Def<'a>>,
    /// Each rank's position in `ranks`, by name (the first, if repeated).
    pub rank_index: HashMap<&'a str, usize>,
    pub bonuses: Vec<&'a BonusDecl>,
    pub exports: Vec<&'a ExportDecl>,
    pub limit: Option<&'a Expr>,
    pub names: HashMap<&'a str, (Binding, Span)>,
}

impl<'a> Decls<'a> {
    pub fn let_node(&self, i: usize) -> NodeId {
        self.inputs.len() + i
    }

    /// The node of the member's rank, when the plan has ranks.
    pub fn rank_node(&self) -> Option<NodeId> {
        (!self.ranks.is_empty()).then(|| self.inputs.len() + self.lets.len())
    }

    pub fn bonus_node(&self, i: usize) -> NodeId {
        self.inputs.len() + self.lets.len() + usize::from(!self.ranks.is_empty()) + i
    }

    pub fn binding(&self, name: &str) -> Option<Binding> {
        self.names.get(name).map(|(b, _)| *b)
    }

    /// Collects the statements and binds every name; the mistakes found.
    pub fn declare(ast: &'a PlanAst, source: Source<'a>) -> (Decls<'a>, Vec<CheckError>) {
        let mut d = Declarer {
            decls: Decls::default(),
            source,
            errors: Vec::new(),
            seen: HashMap::new(),
        };
        for st in &ast.statements {
            d.statement(st);
        }
        d.missing_statements(ast);
        d.matrix_columns(ast);
        (d.decls, d.errors)
    }
}

/// The state of [`Decls::declare`].
struct Declarer<'a> {
    decls: Decls<'a>,
    source: Source<'a>,
    errors: Vec<CheckError>,
    /// The statements that may be given once, where they were first given.
    seen: HashMap<&'static str, Span>,
}

impl<'a> Declarer<'a> {
    /// An error for each statement every plan needs and this one lacks, at
    /// its `plan` statement (or its first statement).
    fn missing_statements(&mut self, ast: &PlanAst) {
        let anchor = self
            .seen
            .get("plan")
            .copied()
            .or_else(|| ast.statements.first().map(statement_span))
            .unwrap_or_default();
        let decls = &self.decls;
        let missing = [
            (decls.name.is_none(), "plan", "plan \"My plan\""),
            (decls.currency.is_none(), "currency", "currency USD"),
            (
                decls.rounding.is_none() && !self.seen.contains_key("rounding"),
                "rounding",
                "rounding 2 half_even",
            ),
            (
                decls.bonuses.is_empty(),
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
    }

    /// `uses matrix W wide`, computed from `joined` or read from two columns.
    fn uses_matrix(&mut self, width: u64, span: Span, columns: Option<&(Ident, Ident)>) {
        let width = match u8::try_from(width) {
            Ok(w) if MATRIX_WIDTHS.contains(&w) => w,
            _ => {
                self.errors.push(CheckError::MatrixWidth { width, span });
                3
            }
        };
        let source = match columns {
            None => MatrixSource::Joined,
            Some((parent, position)) => MatrixSource::Columns {
                parent: parent.name.clone(),
                position: position.name.clone(),
            },
        };
        self.decls.matrix = Some(MatrixSpec { width, source });
    }

    /// The columns the matrix reads must be free: not a column the network
    /// file gives another meaning, not an input, not the same twice.
    fn matrix_columns(&mut self, ast: &'a PlanAst) {
        let Some(spec) = &self.decls.matrix else {
            return;
        };
        let named: Vec<&Ident> = ast
            .statements
            .iter()
            .find_map(|st| match st {
                Statement::UsesMatrix {
                    columns: Some((a, b)),
                    ..
                } => Some(vec![a, b]),
                _ => None,
            })
            .unwrap_or_default();
        for (i, id) in named.iter().enumerate() {
            let reason = if matches!(id.name.as_str(), "id" | "sponsor" | "placement" | "leg") {
                Some(format!(
                    "the network column `{}` describes the sponsor tree or the placement tree",
                    id.name
                ))
            } else if named.iter().take(i).any(|other| other.name == id.name) {
                Some("the parent and the position need a column each".to_owned())
            } else if self.decls.inputs.iter().any(|x| x.spec.name == id.name) {
                Some(format!("`{}` is an input of the plan", id.name))
            } else {
                None
            };
            if let Some(reason) = reason {
                self.errors.push(CheckError::MatrixColumn {
                    name: id.name.clone(),
                    span: id.span,
                    reason,
                });
            }
        }
        if spec.source == MatrixSource::Joined {
            let joined = self.decls.inputs.iter().find(|x| x.spec.name == JOINED);
            if let Some(span) = joined.map(|x| x.ident.span) {
                self.errors.push(CheckError::Reserved {
                    name: JOINED.to_owned(),
                    span,
                    meaning:
                        "the network column `joined` orders the placement in the forced matrix"
                            .to_owned(),
                });
            }
        }
    }

    /// True the first time `key` is given; an error every other time.
    fn once(&mut self, key: &'static str, span: Span) -> bool {
        if let Some(first) = self.seen.get(key) {
            self.errors.push(CheckError::RepeatedStatement {
                statement: key.to_string(),
                span,
                first: *first,
            });
            false
        } else {
            self.seen.insert(key, span);
            true
        }
    }

    fn statement(&mut self, st: &'a Statement) {
        match st {
            Statement::Plan { name, span } => {
                if self.once("plan", *span) {
                    self.decls.name = Some(name.clone());
                }
            }
            Statement::Currency { code, span } => {
                if self.once("currency", *span) {
                    self.decls.currency = Some(code.name.clone());
                }
            }
            Statement::Rounding {
                places,
                places_span,
                mode,
                span,
            } => {
                if self.once("rounding", *span) {
                    self.rounding(*places, *places_span, mode);
                }
            }
            Statement::UsesPlacement { span } => {
                if self.once("uses placement tree", *span) {
                    self.decls.placement = true;
                }
            }
            Statement::UsesMatrix {
                width,
                width_span,
                columns,
                span,
            } => {
                if self.once("uses matrix", *span) {
                    self.uses_matrix(*width, *width_span, columns.as_ref());
                }
            }
            Statement::Input(decl) => self.input(decl),
            Statement::Let(decl) => {
                let i = self.decls.lets.len();
                self.decls.lets.push(Def {
                    name: &decl.name,
                    expr: &decl.expr,
                });
                self.bind(&decl.name, Binding::Let(i));
            }
            Statement::Rank(decl) => self.rank(&decl.name, &decl.requirement),
            Statement::Bonus(decl) => {
                let i = self.decls.bonuses.len();
                self.decls.bonuses.push(decl);
                self.bind(&decl.name, Binding::Bonus(i));
            }
            Statement::Limit { expr, span } => {
                if self.once("limit payout", *span) {
                    self.decls.limit = Some(expr);
                }
            }
            Statement::Export(decl) => self.export(decl),
        }
    }

    fn bind(&mut self, ident: &'a Ident, binding: Binding) {
        if ident.name == "rank" {
            self.errors.push(CheckError::Reserved {
                name: ident.name.clone(),
                span: ident.span,
                meaning: "`rank` is a member's rank".to_string(),
            });
            return;
        }
        if let Some((_, first)) = self.decls.names.get(ident.name.as_str()) {
            self.errors.push(CheckError::Duplicate {
                name: ident.name.clone(),
                span: ident.span,
                first: *first,
            });
            return;
        }
        self.decls
            .names
            .insert(ident.name.as_str(), (binding, ident.span));
    }

    fn rounding(&mut self, places: u32, places_span: Span, mode: &Ident) {
        if places > 12 {
            self.errors.push(CheckError::TooManyPlaces {
                places,
                span: places_span,
            });
        }
        match RoundingMode::from_name(&mode.name) {
            Some(m) => {
                self.decls.rounding = Some(Rounding {
                    places: places.min(12),
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

    fn rank(&mut self, name: &'a Ident, requirement: &'a Expr) {
        let i = self.decls.ranks.len();
        self.decls.ranks.push(Def {
            name,
            expr: requirement,
        });
        self.decls.rank_index.entry(name.name.as_str()).or_insert(i);
        match u16::try_from(i + 1) {
            Ok(r) => self.bind(name, Binding::RankName(r)),
            Err(_) if i == usize::from(u16::MAX) => self.errors.push(CheckError::TooManyRanks {
                rank: name.name.clone(),
                limit: usize::from(u16::MAX),
                span: name.span,
            }),
            Err(_) => {}
        }
    }

    fn export(&mut self, decl: &'a ExportDecl) {
        let first = self
            .decls
            .exports
            .iter()
            .find(|e| e.name.name == decl.name.name);
        if let Some(first) = first {
            self.errors.push(CheckError::DuplicateExport {
                name: decl.name.name.clone(),
                span: decl.name.span,
                first: first.name.span,
            });
        } else {
            self.decls.exports.push(decl);
        }
    }

    fn input(&mut self, decl: &'a InputDecl) {
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
        let spec = self.column(decl, ty);
        let i = self.decls.inputs.len();
        self.decls.inputs.push(Input {
            ident: decl.name.clone(),
            ty,
            spec,
        });
        self.bind(&decl.name, Binding::Input(i));
    }

    /// The network column an input declares, with its default and range.
    fn column(&mut self, decl: &InputDecl, ty: Ty) -> ColumnSpec {
        let kind = match ty {
            Ty::Bool => ColumnKind::Bool,
            Ty::Percent => ColumnKind::Percent,
            _ => ColumnKind::Decimal,
        };
        let default = decl.default.as_ref().and_then(|lit| {
            let value = match (lit.value, kind) {
                (LiteralValue::Bool(b), ColumnKind::Bool) => Some(Value::Bool(b)),
                (LiteralValue::Number(d), ColumnKind::Decimal) => Some(Value::Decimal(d)),
                (LiteralValue::Percent(d), ColumnKind::Percent) => Some(Value::Decimal(d)),
                _ => None,
            };
            if value.is_none() {
                // A percentage has one spelling, as in the network file:
                // `default 0.05` could mean 5% or 0.05%.
                let help = (kind == ColumnKind::Percent)
                    .then(|| "write percentages with `%`, as in `default 5%` for 0.05".to_string());
                self.errors.push(CheckError::TypeMismatch {
                    expected: format!("a default of type {}", ty.describe()),
                    found: format!("`{}`", self.source.quote(lit.span)),
                    span: lit.span,
                    help,
                });
            }
            value
        });
        let min = self.bound(decl, decl.minimum.as_ref(), ty, kind, "at least");
        let max = self.bound(decl, decl.maximum.as_ref(), ty, kind, "at most");
        // A percentage lies from 0% to 100% unless the input says otherwise.
        let (min, max) = match kind {
            ColumnKind::Percent => (min.or(Some(Decimal::ZERO)), max.or(Some(Decimal::ONE))),
            _ => (min, max),
        };
        if let (Some(Value::Decimal(d)), Some(lit)) = (default, decl.default.as_ref()) {
            if min.is_some_and(|min| d < min) || max.is_some_and(|max| d > max) {
                self.errors.push(CheckError::DefaultOutOfRange {
                    input: decl.name.name.clone(),
                    default: self.source.quote(lit.span),
                    span: lit.span,
                });
            }
        }
        ColumnSpec {
            name: decl.name.name.clone(),
            kind,
            default,
            min,
            max,
        }
    }

    /// The value of `at least X` or `at most X`: a number for number
    /// inputs, a percentage (`150%`) for percent inputs.
    fn bound(
        &mut self,
        decl: &InputDecl,
        lit: Option<&Literal>,
        ty: Ty,
        kind: ColumnKind,
        option: &'static str,
    ) -> Option<Decimal> {
        let lit = lit?;
        match (lit.value, kind) {
            (LiteralValue::Number(d), ColumnKind::Decimal)
            | (LiteralValue::Percent(d), ColumnKind::Percent) => Some(d),
            (_, ColumnKind::Bool) => {
                let (input, span) = (decl.name.name.clone(), lit.span);
                self.errors.push(if option == "at most" {
                    CheckError::MaximumNotNumber { input, ty, span }
                } else {
                    CheckError::MinimumNotNumber { input, ty, span }
                });
                None
            }
            _ => {
                let (expected, help) = match kind {
                    ColumnKind::Percent => (
                        "a percentage such as `150%`",
                        format!("write percentages with `%`, as in `{option} 150%`"),
                    ),
                    _ => (
                        "a number",
                        format!("write a number in the input's unit, as in `{option} 0`"),
                    ),
                };
                self.errors.push(CheckError::TypeMismatch {
                    expected: format!("{expected} after `{option}`"),
                    found: format!("`{}`", self.source.quote(lit.span)),
                    span: lit.span,
                    help: Some(help),
                });
                None
            }
        }
    }
}

fn statement_span(st: &Statement) -> Span {
    match st {
        Statement::Plan { span, .. }
        | Statement::Currency { span, .. }
        | Statement::Rounding { span, .. }
        | Statement::UsesPlacement { span }
        | Statement::UsesMatrix { span, .. }
        | Statement::Limit { span, .. } => *span,
        Statement::Input(d) => d.span,
        Statement::Let(d) => d.span,
        Statement::Rank(d) => d.span,
        Statement::Bonus(d) => d.span,
        Statement::Export(d) => d.span,
    }
}

/// The order to settle `let`s in: each after the `let`s it names.
pub(crate) struct LetOrder {
    /// Every `let`, once.
    pub order: Vec<usize>,
    /// `order[..settled]` come after all they read; the rest lie on
    /// cycles or read a `let` that does, in declaration order.
    pub settled: usize,
    /// `readers[j]`: the `let`s that name `let` `j`.
    pub readers: Vec<Vec<usize>>,
}

impl Decls<'_> {
    /// The plan's rounding mode (`round(x, places)` rounds with it), or
    /// half_even where the header is missing (already reported).
    pub fn rounding_mode(&self) -> RoundingMode {
        self.rounding.map_or(RoundingMode::HalfEven, |r| r.mode)
    }

    /// The `let`s in dependency order (Kahn's algorithm).
    pub fn let_order(&self) -> LetOrder {
        let n = self.lets.len();
        let reads: Vec<Vec<usize>> = self.lets.iter().map(|d| self.lets_named(d.expr)).collect();
        let mut readers: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, r) in reads.iter().enumerate() {
            for &j in r {
                if let Some(x) = readers.get_mut(j) {
                    x.push(i);
                }
            }
        }
        let mut pending: Vec<usize> = reads.iter().map(Vec::len).collect();
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
        let settled = order.len();
        order.extend((0..n).filter(|&i| !placed.get(i).copied().unwrap_or(true)));
        LetOrder {
            order,
            settled,
            readers,
        }
    }

    /// The `let`s an expression names, once per mention.
    fn lets_named(&self, expr: &Expr) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack: Vec<&Expr> = vec![expr];
        while let Some(e) = stack.pop() {
            for_each_child(e, &mut |c| stack.push(c));
            if let ExprKind::Name(id) | ExprKind::My(id) = &e.kind {
                if let Some(Binding::Let(j)) = self.binding(&id.name) {
                    out.push(j);
                }
            }
        }
        out
    }
}
