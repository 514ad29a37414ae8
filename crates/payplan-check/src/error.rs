//! Errors of the checking stage: one variant per kind of mistake, each with
//! its span and the data its message and help line are made from.

use payplan_syntax::ast::BinaryOp;
use payplan_syntax::{Diagnostic, Span, ToDiagnostic};

use crate::typed::Ty;

/// Why a parsed plan cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    #[error("unknown name `{name}`")]
    UnknownName {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown function `{name}`")]
    UnknownFunction {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown relation `{name}`")]
    UnknownRelation {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown type `{name}`")]
    UnknownType {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("unknown rounding mode `{name}`")]
    UnknownRounding {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    #[error("`{name}` is defined twice")]
    Duplicate {
        name: String,
        span: Span,
        first: Span,
    },
    #[error("`{name}` is a built-in name")]
    Reserved {
        name: String,
        span: Span,
        meaning: String,
    },
    #[error("the plan has no `{statement}` statement")]
    MissingStatement {
        statement: String,
        example: String,
        span: Span,
    },
    #[error("`{name}` is exported twice")]
    DuplicateExport {
        name: String,
        span: Span,
        first: Span,
    },
    #[error("rank `{rank}` appears twice in the table")]
    DuplicateEntry {
        rank: String,
        span: Span,
        first: Span,
    },
    #[error("`{statement}` is given twice")]
    RepeatedStatement {
        statement: String,
        span: Span,
        first: Span,
    },
    #[error("expected {expected}, found {found}")]
    TypeMismatch {
        expected: String,
        found: String,
        span: Span,
        help: Option<String>,
    },
    #[error("cannot {action} {left} and {right}")]
    Units {
        action: String,
        left: String,
        right: String,
        span: Span,
        help: Option<String>,
    },
    #[error("`{name}` depends on itself")]
    Cycle {
        name: String,
        span: Span,
        path: Vec<(String, Span)>,
        kind: CycleKind,
    },
    /// `uses matrix 40 wide`: a matrix has 2 to 16 positions under each member.
    #[error("a matrix {width} wide is not supported")]
    MatrixWidth { width: u64, span: Span },
    /// `matrix levels`, `full(...)` or a matrix export in a plan without `uses matrix`.
    #[error("`{feature}` needs the forced matrix")]
    NeedsMatrix { feature: String, span: Span },
    /// `full(children)`: only matrix levels have a fixed number of positions.
    #[error("`full` takes matrix levels, not `{relation}`")]
    FullNotMatrix { relation: String, span: Span },
    /// `full(matrix levels 1..depth)`: the positions to fill must be known.
    #[error("`full` needs matrix levels written as numbers")]
    FullLevelsNotFixed { span: Span },
    /// `uses matrix 3 wide from columns id, pos`: a column that cannot hold the matrix.
    #[error("column `{name}` cannot hold the matrix placement")]
    MatrixColumn {
        name: String,
        span: Span,
        reason: String,
    },
    #[error("`{rank}` is not a rank of this plan")]
    UnknownRank {
        rank: String,
        span: Span,
        suggestion: Option<String>,
    },
    /// `rounding 14 half_even`: more decimal places than amounts keep.
    #[error("cannot round to {places} decimal places")]
    TooManyPlaces { places: u32, span: Span },
    /// `input active: bool, at least 1`: only numbers have a smallest value.
    #[error("`at least` needs a number for the {} input `{input}`", .ty.describe())]
    MinimumNotNumber { input: String, ty: Ty, span: Span },
    /// `input rate: percent, default 150%` (a percentage lies from 0% to 100%
    /// unless the input says `at least` or `at most`).
    #[error("the default `{default}` of the input `{input}` is outside the values it allows")]
    DefaultOutOfRange {
        input: String,
        default: String,
        span: Span,
    },
    /// `input active: bool, at most 1`: only numbers have a largest value.
    #[error("`at most` needs a number for the {} input `{input}`", .ty.describe())]
    MaximumNotNumber { input: String, ty: Ty, span: Span },
    /// More ranks than a rank value can number.
    #[error("rank `{rank}` is one too many: a plan has at most {limit} ranks")]
    TooManyRanks {
        rank: String,
        limit: usize,
        span: Span,
    },
    /// An expression deeper than the checker follows (the parser refuses
    /// these first; a host building its own syntax tree can meet it).
    #[error("expression nested too deeply")]
    TooDeep { limit: usize, span: Span },
    /// `limit payout to 10% of cv`: a member's own value, not the network's.
    #[error("the payout limit must be the same for the whole network")]
    LimitNotGlobal { span: Span },
    /// `within up`.
    #[error("`within {side}`: expected `left` or `right`")]
    UnknownSide { side: String, span: Span },
    /// `within left` outside the filter of an aggregate over `children`.
    #[error("`within {side}` is only meaningful over `children`")]
    WithinOutsideChildren { side: String, span: Span },
    /// `rank` read in a plan without ranks.
    #[error("this plan declares no ranks")]
    NoRanks { span: Span },
    /// `by rank { ... }` in a plan without ranks.
    #[error("`by rank` needs ranks, and this plan declares none")]
    TableWithoutRanks { span: Span },
    /// `by rank { }`.
    #[error("the `by rank` table is empty")]
    EmptyTable { span: Span },
    /// `children` used where a value is expected.
    #[error("`{name}` is a relation, not a value")]
    RelationAsValue { name: String, span: Span },
    /// `left`, `right` or `within` in a plan without `uses placement tree`.
    #[error("`{feature}` needs the placement tree")]
    NeedsPlacement { feature: String, span: Span },
    /// `active > qualified`: true/false values have no order.
    #[error("cannot order true/false values with `{}`", .op.symbol())]
    OrderedBools { op: BinaryOp, span: Span },
    /// `money(a, b)`: a function called with the wrong number of arguments.
    #[error(
        "`{function}` takes {expected}{} argument{}, found {found}",
        if .most > .expected { format!(" or {most}") } else { String::new() },
        if *.expected == 1 && .most <= .expected { "" } else { "s" }
    )]
    ArgumentCount {
        function: String,
        expected: usize,
        /// More arguments the function also takes (`round`: 3), or `expected`.
        most: usize,
        found: usize,
        span: Span,
    },
    /// `min(gv)`: one value and no relation.
    #[error("`{function}` needs two values, or one value `over` a relation")]
    TooFewValues { function: String, span: Span },
    /// `sum(pv)`: an aggregate without `over`.
    #[error("`{function}` needs a relation")]
    MissingRelation { function: String, span: Span },
    /// `differential(cv, rate)` where `rate` is not a table of fixed rates.
    #[error("the percentage of `differential` must come from a table of fixed rates")]
    DifferentialRates { span: Span },
    /// `pv div cv`, `cv div 20%`, `pv mod cv`: units `div` or `mod` cannot combine.
    #[error("cannot apply `{}` to {left} and {right}", .op.symbol())]
    WholeUnits {
        op: BinaryOp,
        left: String,
        right: String,
        span: Span,
    },
    /// `round(cv, places)`, `round(cv, 13)`, `round(cv, 1.5)`.
    #[error("the decimal places of `round` must be a whole number from 0 to 12, found `{found}`")]
    RoundPlaces { found: String, span: Span },
    /// `differential(cv, pct, from level 65)`.
    #[error("`from level` must be a whole number from 0 to 64, found `{found}`")]
    DifferentialLevel { found: String, span: Span },
    /// `from level 1` anywhere but as `differential`'s last argument.
    #[error("`from level` is only meaningful as the last argument of `differential`")]
    FromLevelOutsideDifferential { span: Span },
    /// `pool(...)` outside a bonus's amount.
    #[error("`pool` is only meaningful as a bonus's amount")]
    PoolOutsideBonus { span: Span },
    /// `levels 0..3`: the first level is not a whole number from 1 to 64.
    #[error("the first {what} must be a whole number from 1 to 64")]
    FirstLevel { what: LevelKind, span: Span },
    /// `levels 1..100`, `levels 1..2.5`.
    #[error("the last {what} must be a whole number of at most 64")]
    LastLevel { what: LevelKind, span: Span },
    /// `levels 1..depth` where `depth` has no maximum known before a network.
    #[error("the last {what} must have a known maximum")]
    UnboundedLevels { what: LevelKind, span: Span },
    /// `levels 3..1`.
    #[error("{what}s {from}..{to} are empty")]
    EmptyLevels {
        what: LevelKind,
        from: usize,
        to: usize,
        span: Span,
    },
    /// `max(pv over levels 1..3)`.
    #[error("`{function}` does not work over levels")]
    NotOverLevels { function: String, span: Span },
    /// `sum(cv over downline at 5%)`.
    #[error("rates with `at` need levels or generations")]
    RatesWithoutLevels { span: Span },
    /// `count(levels 1..2 at 5%, 3%)`.
    #[error("rates with `at` only work with `sum`, not `{function}`")]
    RatesNeedSum { function: String, span: Span },
    /// `at first_rate, 5%`: a rate that is not written as a number.
    #[error("rate `{text}` is not a fixed percentage")]
    RateNotFixed { text: String, span: Span },
    /// `levels 1..3 at 5%, 3%`: not one rate per level.
    #[error("{}, found {found}", rates_needed(*.what, *.from, *.to))]
    RateCount {
        what: LevelKind,
        from: usize,
        to: usize,
        found: usize,
        span: Span,
    },
    /// `let mine = my pct`: `my` outside an aggregate's value or `where`.
    #[error("`my {name}` is outside an aggregate")]
    MyOutsideAggregate { name: String, span: Span },
    /// `sum(cv over children where my children)`.
    #[error("`my {name}` does not read a member's value: `{name}` is {what}")]
    MyNotMemberValue {
        name: String,
        what: String,
        span: Span,
    },
    /// `sum(cv over group where pct < my pct)`: each earner would visit its
    /// whole downline.
    #[error("`my {name}` cannot be read over `{relation}`")]
    MyUnbounded {
        name: String,
        relation: String,
        span: Span,
    },
    /// More combinations of the earner's values than copies allowed.
    #[error("the values read with `my` over `{relation}` take more than {limit} combinations")]
    MyTooManyCopies {
        relation: String,
        limit: usize,
        span: Span,
    },
}

/// The unit of a levelled relation: `levels a..b` or `generations a..b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelKind {
    Level,
    Generation,
}

impl std::fmt::Display for LevelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LevelKind::Level => "level",
            LevelKind::Generation => "generation",
        })
    }
}

/// How a cycle of definitions fails to be well founded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleKind {
    /// At the same member, with no relation in between.
    Local,
    /// Through the tree, both down (the downline) and up (the upline).
    UpAndDown,
    /// Through a network total or the placement tree, which cannot recurse.
    Global,
    /// Through an aggregate that reads the earning member's values with
    /// `my`, which must be known before the aggregate is.
    Earner,
    /// Through matrix levels, whose values are computed before the aggregate.
    Matrix,
}

/// "levels 1..3 need 3 rates", "level 2 needs 1 rate".
fn rates_needed(what: LevelKind, from: usize, to: usize) -> String {
    if from == to {
        format!("{what} {from} needs 1 rate")
    } else {
        let wanted = (to + 1).saturating_sub(from);
        format!("{what}s {from}..{to} need {wanted} rates")
    }
}

/// How to call a built-in function that takes a fixed number of arguments.
fn usage(function: &str) -> &'static str {
    match function {
        "money" => "money(paired)",
        "total" => "total(cv)",
        "differential" => "differential(cv, percentage)",
        "floor" => "floor(paired / 300)",
        "ceil" => "ceil(paired / 300)",
        "round" => "round(amount, 2)`, or `round(amount, 2, half_up)",
        _ => "pool(2% of total(cv), shares)",
    }
}

const DECLARE_RANKS: &str = "declare ranks with `rank bronze when ...`";

impl CheckError {
    pub fn span(&self) -> Span {
        use CheckError::*;
        match self {
            UnknownName { span, .. }
            | UnknownFunction { span, .. }
            | UnknownRelation { span, .. }
            | UnknownType { span, .. }
            | UnknownRounding { span, .. }
            | Duplicate { span, .. }
            | Reserved { span, .. }
            | RepeatedStatement { span, .. }
            | TypeMismatch { span, .. }
            | Units { span, .. }
            | Cycle { span, .. }
            | UnknownRank { span, .. }
            | MissingStatement { span, .. }
            | DuplicateExport { span, .. }
            | DuplicateEntry { span, .. }
            | TooManyPlaces { span, .. }
            | MinimumNotNumber { span, .. }
            | MaximumNotNumber { span, .. }
            | DefaultOutOfRange { span, .. }
            | TooManyRanks { span, .. }
            | TooDeep { span, .. }
            | LimitNotGlobal { span }
            | UnknownSide { span, .. }
            | WithinOutsideChildren { span, .. }
            | NoRanks { span }
            | TableWithoutRanks { span }
            | EmptyTable { span }
            | RelationAsValue { span, .. }
            | NeedsPlacement { span, .. }
            | OrderedBools { span, .. }
            | ArgumentCount { span, .. }
            | TooFewValues { span, .. }
            | MissingRelation { span, .. }
            | DifferentialRates { span }
            | WholeUnits { span, .. }
            | RoundPlaces { span, .. }
            | DifferentialLevel { span, .. }
            | FromLevelOutsideDifferential { span }
            | PoolOutsideBonus { span }
            | FirstLevel { span, .. }
            | LastLevel { span, .. }
            | UnboundedLevels { span, .. }
            | EmptyLevels { span, .. }
            | NotOverLevels { span, .. }
            | RatesWithoutLevels { span }
            | RatesNeedSum { span, .. }
            | RateNotFixed { span, .. }
            | RateCount { span, .. }
            | MyOutsideAggregate { span, .. }
            | MyNotMemberValue { span, .. }
            | MyUnbounded { span, .. }
            | MyTooManyCopies { span, .. }
            | MatrixWidth { span, .. }
            | NeedsMatrix { span, .. }
            | FullNotMatrix { span, .. }
            | FullLevelsNotFixed { span }
            | MatrixColumn { span, .. } => *span,
        }
    }

    /// What to do about it, in a line.
    pub fn help(&self) -> Option<String> {
        self.help_for_names()
            .or_else(|| self.help_for_structure())
            .or_else(|| self.help_for_expressions())
    }

    /// Help for a name that is unknown, taken or repeated.
    fn help_for_names(&self) -> Option<String> {
        use CheckError::*;
        let did_you_mean = |s: &Option<String>| s.as_ref().map(|s| format!("did you mean `{s}`?"));
        Some(match self {
            UnknownName { suggestion, .. } => did_you_mean(suggestion)
                .unwrap_or_else(|| "declare it with `input` or `let`, or check its spelling".into()),
            UnknownFunction { suggestion, .. } => did_you_mean(suggestion).unwrap_or_else(|| {
                "functions are sum, count, min, max, any, all, total, money, differential, pool, floor, ceil and round".into()
            }),
            UnknownRelation { suggestion, .. } => did_you_mean(suggestion).unwrap_or_else(|| {
                "relations are children, legs, downline, group, upline, left, right, levels and generations".into()
            }),
            UnknownType { suggestion, .. } => did_you_mean(suggestion)
                .unwrap_or_else(|| "input types are volume, money, percent, count and bool".into()),
            UnknownRounding { suggestion, .. } => format!(
                "{}rounding modes are half_even (banker's rounding), half_up, half_down, down and up",
                did_you_mean(suggestion).map(|d| format!("{d} ")).unwrap_or_default()
            ),
            UnknownRank { suggestion, .. } => return did_you_mean(suggestion),
            Duplicate { .. } => "give each input, definition, rank and bonus its own name".into(),
            Reserved { meaning, .. } => format!("{meaning}; choose another name"),
            DuplicateExport { .. } => "export each column once".into(),
            DuplicateEntry { .. } => "give each rank one value".into(),
            RelationAsValue { name, .. } => format!("aggregate over it, as in `sum(pv over {name})`"),
            _ => return None,
        })
    }

    /// Help for the plan's statements and their shape.
    fn help_for_structure(&self) -> Option<String> {
        use CheckError::*;
        Some(match self {
            MissingStatement { example, .. } => format!("add `{example}`"),
            RepeatedStatement { .. } => "keep one of them".into(),
            TooManyPlaces { .. } => "round to at most 12 places, usually 2".into(),
            MinimumNotNumber { .. } => "only number inputs have a smallest value".into(),
            MaximumNotNumber { .. } => "only number inputs have a largest value".into(),
            DefaultOutOfRange { .. } => "choose a default within `at least` and `at most`; a percent input allows 0% to 100% unless it says otherwise".into(),
            TooManyRanks { .. } => "remove this rank and the ones after it".into(),
            TooDeep { limit, .. } => format!(
                "expressions nest at most {limit} deep; name a part with `let` and use the name"
            ),
            LimitNotGlobal { .. } => "write it from network totals, such as `45% of total(cv)`".into(),
            NoRanks { .. } | TableWithoutRanks { .. } => DECLARE_RANKS.into(),
            EmptyTable { .. } => {
                "give a value for each rank, as in `by rank { bronze: 2, silver: 4 }`".into()
            }
            NeedsPlacement { .. } => "add `uses placement tree` to the plan and give the network `placement` and `leg` columns".into(),
            Cycle { path, kind, .. } => cycle_help(path, *kind),
            MatrixWidth { .. } => {
                "give each member 2 to 16 positions, as in `uses matrix 3 wide`".into()
            }
            NeedsMatrix { .. } => {
                "add `uses matrix 3 wide` to the plan and give the network a `joined` column".into()
            }
            MatrixColumn { reason, .. } => format!("{reason}; name another column"),
            _ => return None,
        })
    }

    /// Help for an expression that does not fit its place.
    fn help_for_expressions(&self) -> Option<String> {
        use CheckError::*;
        Some(match self {
            TypeMismatch { help, .. } | Units { help, .. } => return help.clone(),
            UnknownSide { .. } => "write `within left` or `within right`".into(),
            MyOutsideAggregate { name, .. } => format!(
                "`my` reads the earning member's value inside an aggregate's value or `where`, as in `count(children where rank >= my rank)`; here write `{name}`"
            ),
            MyNotMemberValue { .. } => {
                "`my` takes an input or a definition, as in `my pct`".into()
            }
            MyUnbounded { name, relation, .. } => format!(
                "over `{relation}` a `my` value must be true/false, a rank or a `by rank` table of fixed values; read `{name}` over `children` or `levels 1..N`, or define it as a `by rank` table"
            ),
            MyTooManyCopies { limit, .. } => format!(
                "such an aggregate is computed once per combination, at most {limit}; read fewer `my` values, or aggregate over `children` or `levels 1..N`"
            ),
            WithinOutsideChildren { side, .. } => format!(
                "it asks whether a child lies in its sponsor's {side} placement subtree, as in `count(children where active and within {side})`"
            ),
            OrderedBools { .. } => {
                "compare numbers or ranks; combine conditions with `and` and `or`".into()
            }
            ArgumentCount { function, .. } => format!("write `{}`", usage(function)),
            TooFewValues { function, .. } => {
                format!("write `{function}(gv, 500)` or `{function}(pv over children)`")
            }
            MissingRelation { function, .. } => format!(
                "write `{function}(... over children)`, or `total(...)` for the whole network"
            ),
            DifferentialRates { .. } => {
                "write a `by rank { associate: 5%, senior: 10% }` table, or the name of one".into()
            }
            WholeUnits { op: BinaryOp::Mod, .. } => {
                "`mod` needs two values of one unit, as in `pv mod 300`".into()
            }
            WholeUnits { .. } => "`div` divides two values of one unit (giving a count), or a value by a count or a plain number, as in `paired div 300`".into(),
            RoundPlaces { .. } => "write the places as a number, as in `round(amount, 2)`".into(),
            DifferentialLevel { .. } => {
                "write the level as a number, as in `differential(cv, percentage, from level 1)`".into()
            }
            FromLevelOutsideDifferential { .. } => {
                "write `differential(cv, percentage, from level 1)`".into()
            }
            PoolOutsideBonus { .. } => {
                "write `bonus pool when ... pays pool(2% of total(cv), shares)`".into()
            }
            FirstLevel { what, .. } => format!("write `{what}s 1..5`"),
            LastLevel { what, .. } => format!("reach at most 64 {what}s down, as in `{what}s 1..10`"),
            UnboundedLevels { .. } => "write a number, or a `by rank { bronze: 2, silver: 4 }` table of numbers, or the name of one".into(),
            EmptyLevels { what, .. } => format!("the last {what} must not be below the first"),
            NotOverLevels { .. } => {
                "over levels and generations, use `sum`, `count`, `any` or `all`".into()
            }
            RatesWithoutLevels { .. } | RatesNeedSum { .. } => {
                "write `sum(cv over levels 1..3 at 5%, 3%, 2%)`".into()
            }
            RateNotFixed { .. } => "write each level's rate as a percentage, such as `5%`".into(),
            RateCount { what, .. } => format!("give one rate per {what}, in order: `at 10%, 5%, 3%`"),
            FullNotMatrix { .. } => "write `full(matrix levels 1..3)` or `full(matrix level 2)`".into(),
            FullLevelsNotFixed { .. } => {
                "write the levels as numbers, as in `full(matrix levels 1..3)`".into()
            }
            _ => return None,
        })
    }
}

/// The chain of a cycle, and why it cannot be evaluated.
fn cycle_help(path: &[(String, Span)], kind: CycleKind) -> String {
    let chain = path
        .iter()
        .map(|(n, _)| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" -> ");
    match kind {
        CycleKind::Local => format!(
            "{chain}; a definition may read its own value only at other members, through a relation such as `children` or `downline`"
        ),
        CycleKind::UpAndDown => format!(
            "{chain}; a cycle may run down the tree (through the downline) or up it (through the upline), not both"
        ),
        CycleKind::Global => format!(
            "{chain}; a network total or a placement subtree cannot depend on the value it feeds"
        ),
        CycleKind::Earner => format!(
            "{chain}; an aggregate that reads `my` values is computed after them and after every value it reads at its sources, so none of them may depend on it"
        ),
        CycleKind::Matrix => format!(
            "{chain}; an aggregate over matrix levels cannot depend on the value it feeds"
        ),
    }
}

impl ToDiagnostic for CheckError {
    fn to_diagnostic(&self) -> Diagnostic {
        use CheckError::*;
        let d = Diagnostic::error(self.to_string(), self.span()).with_help(self.help());
        match self {
            Duplicate { first, .. } | RepeatedStatement { first, .. } => d
                .with_label("defined again here")
                .with_secondary(*first, "first defined here"),
            DuplicateExport { first, .. } => d
                .with_label("exported again here")
                .with_secondary(*first, "first exported here"),
            DuplicateEntry { first, .. } => d
                .with_label("given again here")
                .with_secondary(*first, "first entry here"),
            MissingStatement { statement, .. } => {
                d.with_label(format!("this plan has no `{statement}`"))
            }
            UnknownName { .. } => d.with_label("not defined"),
            UnknownFunction { .. } => d.with_label("not a function"),
            UnknownRelation { .. } => d.with_label("not a relation"),
            UnknownType { .. } => d.with_label("not a type"),
            UnknownRounding { .. } => d.with_label("not a rounding mode"),
            UnknownRank { .. } => d.with_label("not a rank"),
            Cycle { path, .. } => {
                let mut d = d.with_label("defined here");
                for (name, span) in path.iter().skip(1) {
                    if *span != self.span() {
                        d = d.with_secondary(*span, format!("through `{name}`"));
                    }
                }
                d
            }
            TypeMismatch { expected, .. } => d.with_label(format!("expected {expected}")),
            _ => d,
        }
    }
}
