//! The typed plan: what the evaluator runs. Names are resolved to node slots,
//! every aggregate is its own node, and the nodes come with a schedule of
//! passes worked out from their dependencies.

use payplan_network::{Schema, Side};
use payplan_syntax::Span;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Index of a node in [`TypedPlan::nodes`].
pub type NodeId = usize;

/// The types of the plan language, with their units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ty {
    /// Points of sales volume (`pv`).
    Volume,
    Money,
    /// A fraction written with `%`.
    Percent,
    /// A number of members (from `count`).
    Count,
    /// A number without unit: a literal before context gives it one, or a ratio.
    Number,
    Rank,
    Bool,
    /// The type of an expression already reported as wrong: it fits
    /// anywhere, so that one mistake gives one error.
    Unknown,
}

impl Ty {
    /// The type's name as a plan author reads it.
    pub fn describe(self) -> &'static str {
        match self {
            Ty::Volume => "volume",
            Ty::Money => "money",
            Ty::Percent => "percent",
            Ty::Count => "count",
            Ty::Number => "number",
            Ty::Rank => "rank",
            Ty::Bool => "true/false",
            Ty::Unknown => "unknown",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Ty::Volume | Ty::Money | Ty::Percent | Ty::Count | Ty::Number | Ty::Unknown
        )
    }
}

/// A value of one member (or of the whole network, for totals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Val {
    Dec(Decimal),
    Bool(bool),
    /// 0 is "no rank"; rank `i` of [`TypedPlan::ranks`] is `i + 1`.
    Rank(u16),
}

/// Rounding of final amounts, as the plan's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rounding {
    pub places: u32,
    pub mode: RoundingMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    HalfEven,
    HalfUp,
    HalfDown,
    Down,
    Up,
}

impl RoundingMode {
    pub const NAMES: [&'static str; 5] = ["half_even", "half_up", "half_down", "down", "up"];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "half_even" => RoundingMode::HalfEven,
            "half_up" => RoundingMode::HalfUp,
            "half_down" => RoundingMode::HalfDown,
            "down" => RoundingMode::Down,
            "up" => RoundingMode::Up,
            _ => return None,
        })
    }

    /// The same rule in rust_decimal's terms (symmetric for negative amounts).
    pub fn strategy(self) -> RoundingStrategy {
        match self {
            RoundingMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundingMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundingMode::HalfDown => RoundingStrategy::MidpointTowardZero,
            RoundingMode::Down => RoundingStrategy::ToZero,
            RoundingMode::Up => RoundingStrategy::AwayFromZero,
        }
    }
}

impl Rounding {
    pub fn apply(self, value: Decimal) -> Decimal {
        value.round_dp_with_strategy(self.places, self.mode.strategy())
    }
}

/// A checked plan, ready to run on any network with its schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypedPlan {
    pub name: String,
    pub currency: String,
    pub rounding: Rounding,
    /// The network columns this plan reads.
    pub schema: Schema,
    /// Rank names, ascending.
    pub ranks: Vec<String>,
    pub nodes: Vec<Node>,
    /// The passes, in order; every node appears in exactly one stage.
    pub stages: Vec<Stage>,
    pub bonuses: Vec<BonusSpec>,
    /// The global payout limit: a node whose value is the same for every member.
    pub limit: Option<NodeId>,
    pub exports: Vec<ExportSpec>,
    /// Each rank's requirement split at its top-level `and`s: what an
    /// explanation shows held or failed. `rank_clauses[i]` is rank `i + 1`'s.
    pub rank_clauses: Vec<Vec<Clause>>,
}

/// One condition of a requirement, with the plan's own text for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clause {
    /// The source text, whitespace collapsed.
    pub text: String,
    pub expr: TExpr,
}

/// One value per member (or one per network, when `global`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The name the plan gives it, or its source text for an unnamed part.
    pub label: String,
    pub span: Span,
    pub ty: Ty,
    pub kind: NodeKind,
    /// A network-wide value (a total), computed once.
    pub global: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum NodeKind {
    /// The schema column with this index.
    Input {
        column: usize,
    },
    /// An expression over the member's own values.
    Expr(TExpr),
    Aggregate(Box<AggNode>),
    /// The highest rank whose requirement holds: `requirements[i]` is rank `i + 1`'s.
    Rank {
        requirements: Vec<TExpr>,
    },
    /// The breakaway differential: `percent` must take its values from
    /// `buckets`. A source's value starts up the sponsor line at its
    /// `from_level`-th upline (0: at the source itself) with nothing paid.
    Differential {
        value: TExpr,
        percent: TExpr,
        buckets: Vec<Decimal>,
        from_level: usize,
    },
    /// The sum of `value` over every member of the network.
    Total {
        value: TExpr,
    },
    /// Where the member sits in the forced matrix, read from the network.
    Matrix(MatrixValue),
    /// A bonus amount after its per-member cap; zero where `qualification` fails.
    Bonus {
        qualification: Option<TExpr>,
        amount: TExpr,
        cap: Option<TExpr>,
    },
}

/// A member's place in the forced matrix, as the exports `matrix_parent`
/// and `matrix_position` show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatrixValue {
    /// The matrix parent: its row in the network file, counted from 1
    /// (0 for a matrix root); exported as the parent's id.
    Parent,
    /// The position under the matrix parent, 1 to the width (0 for a root);
    /// exported as one digit, or empty for a root.
    Position,
}

impl MatrixValue {
    /// The export's name.
    pub fn name(self) -> &'static str {
        match self {
            MatrixValue::Parent => "matrix_parent",
            MatrixValue::Position => "matrix_position",
        }
    }
}

/// An aggregate over the members related to the current one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggNode {
    pub op: AggOp,
    /// Evaluated at each related member (for `count`, the constant 1).
    pub value: TExpr,
    pub filter: Option<TExpr>,
    pub relation: TRelation,
    /// One rate per level, for `sum(... over levels a..b at r1, r2, ...)`.
    pub rates: Option<Vec<Decimal>>,
}

impl AggNode {
    /// True when the value or the filter reads the earning member's own
    /// values (`my`): the aggregate is evaluated by walking each earner's
    /// sources, after every value it reads is known.
    pub fn reads_earner(&self) -> bool {
        self.value.reads_earner() || self.filter.as_ref().is_some_and(TExpr::reads_earner)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AggOp {
    Sum,
    Count,
    Min,
    Max,
    Any,
    All,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TRelation {
    Children,
    Downline,
    /// The member and its downline.
    Group,
    /// The member's sponsors up to the root.
    Upline,
    /// The placement subtree on one side.
    Placement(Side),
    /// Levels `from..=to(member)` of the downline, at most `max`; compressed
    /// levels skip the members in between where `compressed_by` is false.
    Levels {
        from: usize,
        max: usize,
        to: TExpr,
        compressed_by: Option<TExpr>,
    },
    /// Levels `from..=to(member)` of the member's forced matrix (its matrix
    /// descendants, level 1 = its matrix children), at most `max`.
    MatrixLevels {
        from: usize,
        max: usize,
        to: TExpr,
    },
    /// Generation `g` of the downline holds the members with `g` members
    /// satisfying `counting` on the path from them up to (not including) the member.
    Generations {
        from: usize,
        max: usize,
        to: TExpr,
        counting: TExpr,
    },
}

/// An expression over slots of the member it is evaluated at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TExpr {
    Const(Val),
    Slot(NodeId),
    Not(Box<TExpr>),
    Neg(Box<TExpr>),
    Binary(BinOp, Box<TExpr>, Box<TExpr>),
    If(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    /// `entries[r]` for the member's rank `r` (0 = no rank).
    RankTable {
        rank: NodeId,
        entries: Vec<TExpr>,
    },
    /// True where the member lies in the aggregating member's placement subtree on `Side`.
    Within(Side),
    /// `a / b`, or zero where `b` is zero (a pool nobody qualifies for).
    ShareOf(Box<TExpr>, Box<TExpr>),
    /// `my pct`: the node's value at the aggregating (earning) member, not
    /// at the member the expression is evaluated at. Only in the value and
    /// filter of an aggregate over a bounded relation (children, levels).
    My(NodeId),
    /// `floor(x)`, `ceil(x)`, `round(x, places, mode)`: `x` rounded to
    /// `places` decimal places (0 for `floor` and `ceil`), exactly.
    Round {
        value: Box<TExpr>,
        places: u32,
        op: RoundOp,
    },
}

/// How [`TExpr::Round`] rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundOp {
    /// `floor(x)`: toward minus infinity.
    Floor,
    /// `ceil(x)`: toward plus infinity.
    Ceil,
    /// `round(x, places, mode)`: as the `rounding` header's modes.
    Mode(RoundingMode),
}

impl RoundOp {
    /// `value` rounded to `places` decimal places.
    pub fn apply(self, value: Decimal, places: u32) -> Decimal {
        let strategy = match self {
            RoundOp::Floor => RoundingStrategy::ToNegativeInfinity,
            RoundOp::Ceil => RoundingStrategy::ToPositiveInfinity,
            RoundOp::Mode(mode) => mode.strategy(),
        };
        value.round_dp_with_strategy(places, strategy)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
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
    Min,
    Max,
    /// `a div b`: `floor(a / b)`, exactly.
    WholeDiv,
    /// `a mod b`: `a - b * floor(a / b)`, exactly.
    Mod,
}

/// A group of nodes evaluated in one pass over the members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// One node, computed once all it reads is known.
    Single(NodeId),
    /// Nodes that read each other at other members: evaluated member by
    /// member, in the order `nodes`, in `direction` over the sponsor tree.
    Recursive {
        direction: Direction,
        nodes: Vec<NodeId>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Descendants before their sponsor.
    BottomUp,
    /// Sponsors before their descendants.
    TopDown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BonusSpec {
    pub name: String,
    pub span: Span,
    /// The [`NodeKind::Bonus`] node: the amount after the per-member cap.
    pub node: NodeId,
    /// The `when` condition split at its top-level `and`s (empty without one).
    pub qualification: Vec<Clause>,
    /// The source text of the amount after `pays`.
    pub amount_text: String,
    /// The source text of the cap, when there is one.
    pub cap_text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportSpec {
    pub name: String,
    pub node: NodeId,
    pub ty: Ty,
}

/// Where a part of a node is evaluated, relative to the member whose
/// value the node is: what the schedule orders the node's reads by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scope<'n> {
    /// At the member itself.
    Member,
    /// At the member and at each member of its downline (a differential
    /// compares the member's rate with theirs).
    MemberAndDownline,
    /// At members of its downline (a compression or generation condition).
    Downline,
    /// At each member of the aggregate's relation.
    Related(&'n TRelation),
    /// At every member of the network (a total).
    Network,
}

impl NodeKind {
    /// Calls `f` on each expression the node reads, with where it is
    /// evaluated; in a fixed order (a level bound before the values it
    /// bounds). Not recursive: each part is walked by its caller, for
    /// instance with [`TExpr::for_each_slot`].
    pub fn for_each_part<'n>(&'n self, f: &mut impl FnMut(&'n TExpr, Scope<'n>)) {
        match self {
            NodeKind::Input { .. } | NodeKind::Matrix(_) => {}
            NodeKind::Expr(t) => f(t, Scope::Member),
            NodeKind::Rank { requirements } => {
                requirements.iter().for_each(|t| f(t, Scope::Member))
            }
            NodeKind::Bonus {
                qualification,
                amount,
                cap,
            } => {
                qualification
                    .iter()
                    .chain(cap.iter())
                    .for_each(|t| f(t, Scope::Member));
                f(amount, Scope::Member);
            }
            NodeKind::Total { value } => f(value, Scope::Network),
            NodeKind::Differential { value, percent, .. } => {
                f(value, Scope::MemberAndDownline);
                f(percent, Scope::MemberAndDownline);
            }
            NodeKind::Aggregate(agg) => {
                match &agg.relation {
                    TRelation::Levels {
                        to, compressed_by, ..
                    } => {
                        f(to, Scope::Member);
                        compressed_by.iter().for_each(|c| f(c, Scope::Downline));
                    }
                    TRelation::Generations { to, counting, .. } => {
                        f(to, Scope::Member);
                        f(counting, Scope::Downline);
                    }
                    TRelation::MatrixLevels { to, .. } => f(to, Scope::Member),
                    _ => {}
                }
                f(&agg.value, Scope::Related(&agg.relation));
                if let Some(filter) = &agg.filter {
                    f(filter, Scope::Related(&agg.relation));
                }
            }
        }
    }

    /// Calls `f` on every node the node reads, wherever it reads it.
    pub fn for_each_read(&self, f: &mut impl FnMut(NodeId)) {
        self.for_each_part(&mut |t, _| t.for_each_slot(f));
    }
}

impl TExpr {
    /// Calls `f` on each direct sub-expression, in order (not recursive).
    pub fn for_each_child<'e>(&'e self, f: &mut impl FnMut(&'e TExpr)) {
        match self {
            TExpr::Const(_) | TExpr::Within(_) | TExpr::Slot(_) | TExpr::My(_) => {}
            TExpr::Not(a) | TExpr::Neg(a) | TExpr::Round { value: a, .. } => f(a),
            TExpr::Binary(_, a, b) | TExpr::ShareOf(a, b) => {
                f(a);
                f(b);
            }
            TExpr::If(c, a, b) => {
                f(c);
                f(a);
                f(b);
            }
            TExpr::RankTable { entries, .. } => entries.iter().for_each(f),
        }
    }

    /// Whether any part of the expression (itself included) satisfies `test`,
    /// walking without recursion.
    pub fn any_part(&self, test: &mut impl FnMut(&TExpr) -> bool) -> bool {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            if test(e) {
                return true;
            }
            e.for_each_child(&mut |c| stack.push(c));
        }
        false
    }

    /// Calls `f` on every slot the expression reads.
    pub fn for_each_slot(&self, f: &mut impl FnMut(NodeId)) {
        self.any_part(&mut |e| {
            match e {
                TExpr::Slot(n) | TExpr::RankTable { rank: n, .. } | TExpr::My(n) => f(*n),
                _ => {}
            }
            false
        });
    }

    /// True when the expression reads a value at the earning member (`my`).
    pub fn reads_earner(&self) -> bool {
        self.any_part(&mut |e| matches!(e, TExpr::My(_)))
    }

    /// True when the expression uses `within`, which needs the aggregating member.
    pub fn uses_within(&self) -> bool {
        self.any_part(&mut |e| matches!(e, TExpr::Within(_)))
    }
}
