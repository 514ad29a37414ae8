//! The plan as written: statements and expressions with their spans, before
//! any name is resolved or type checked.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::span::{Ident, Span};

/// A parsed `.plan` file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanAst {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Statement {
    /// `plan "Name"`
    Plan {
        name: String,
        span: Span,
    },
    /// `currency USD`
    Currency {
        code: Ident,
        span: Span,
    },
    /// `rounding 2 half_even`
    Rounding {
        places: u32,
        places_span: Span,
        mode: Ident,
        span: Span,
    },
    /// `uses placement tree`
    UsesPlacement {
        span: Span,
    },
    /// `uses matrix 3 wide`, optionally `from columns parent, position`.
    UsesMatrix {
        /// The width as written (checked against 2..=16 later).
        width: u64,
        width_span: Span,
        /// The parent and position columns, for a matrix read from the file.
        columns: Option<(Ident, Ident)>,
        span: Span,
    },
    Input(InputDecl),
    Let(LetDecl),
    Rank(RankDecl),
    Bonus(BonusDecl),
    /// `limit payout to 45% of total(cv)`
    Limit {
        expr: Expr,
        span: Span,
    },
    Export(ExportDecl),
}

/// `input carry_left: volume, default 0, at least 0`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputDecl {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Literal>,
    pub minimum: Option<Literal>,
    /// `at most 150%`: the largest value allowed.
    pub maximum: Option<Literal>,
    pub span: Span,
}

/// A constant written in an input declaration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Literal {
    pub value: LiteralValue,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum LiteralValue {
    Number(Decimal),
    /// Stored as a fraction: `8%` is `0.08`.
    Percent(Decimal),
    Bool(bool),
}

/// `let gv = sum(pv over group)`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetDecl {
    pub name: Ident,
    pub expr: Expr,
    pub span: Span,
}

/// `rank silver when pv >= 100 and ...`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankDecl {
    pub name: Ident,
    pub requirement: Expr,
    pub span: Span,
}

/// `bonus unilevel when active pays ... cap 2500`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BonusDecl {
    pub name: Ident,
    pub qualification: Option<Expr>,
    pub amount: Expr,
    pub cap: Option<Expr>,
    pub span: Span,
}

/// `export rank` or `export carry_left = ...`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportDecl {
    pub name: Ident,
    pub expr: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ExprKind {
    Number(Decimal),
    /// Stored as a fraction: `8%` is `0.08`.
    Percent(Decimal),
    Bool(bool),
    Name(Ident),
    /// `within left`: true at a member that lies in the aggregating member's
    /// left (or right) placement subtree.
    Within(Ident),
    /// `my pct`: inside an aggregate, the earning member's value of `pct`
    /// rather than the source member's.
    My(Ident),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `by rank { bronze: 2, silver: 4 }`
    RankTable(Vec<(Ident, Expr)>),
    /// `min(a, b)`, `total(cv)`, `money(x)`, `differential(cv, pct)`.
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
    /// `sum(cv over downline where active)`, `count(children where new)`.
    Aggregate(Box<Aggregate>),
    /// `full(matrix levels 1..3)`: every position of those levels is taken.
    Full(Box<Relation>),
    /// `from level 1`: written only as the last argument of
    /// `differential(value, percentages, from level K)`.
    FromLevel(Box<Expr>),
}

/// An aggregate over the members related to the current one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// `sum`, `count`, `min`, `max`, `any`, `all` (checked later).
    pub function: Ident,
    /// The value taken at each related member; `None` for `count`.
    pub value: Option<Expr>,
    pub relation: Relation,
    pub filter: Option<Expr>,
    /// `at 8%, 6%, 5%`: one rate per level.
    pub rates: Option<Vec<Expr>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub kind: RelationKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RelationKind {
    /// A relation named by a word: `children`, `legs`, `downline`, `group`,
    /// `upline`, `left`, `right` (resolved by the checker).
    Named(Ident),
    /// `levels 1..5`, `level 2`, optionally `compressed by active`.
    Levels {
        from: Box<Expr>,
        to: Box<Expr>,
        compressed_by: Option<Box<Expr>>,
    },
    /// `matrix levels 1..7`, `matrix level 2`, `matrix children` (levels
    /// 1..1, with the word's span as bounds).
    MatrixLevels { from: Box<Expr>, to: Box<Expr> },
    /// `generations 1..3 counting rank = director`.
    Generations {
        from: Box<Expr>,
        to: Box<Expr>,
        counting: Box<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    /// `45% of x`
    Of,
    /// `a div b`: the whole quotient, `floor(a / b)`, computed exactly.
    WholeDiv,
    /// `a mod b`: the remainder `a - b * floor(a / b)`.
    Mod,
}

impl BinaryOp {
    /// The operator as a plan author writes it.
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Of => "of",
            BinaryOp::WholeDiv => "div",
            BinaryOp::Mod => "mod",
        }
    }
}
