//! Nodes compiled for evaluation: each node kind's closures and relation.

use payplan_check::{AggNode, AggOp, MatrixValue, NodeKind, TRelation};
use payplan_network::Side;
use rust_decimal::Decimal;

use crate::arith::Mode;
use crate::compile::{BoolFn, Compiled, Compiler, DecFn};

/// A node compiled for evaluation.
pub(crate) enum Program {
    /// Filled from the network before any pass.
    Input,
    Expr(Compiled),
    Rank(Vec<BoolFn>),
    Bonus {
        qualification: Option<BoolFn>,
        amount: DecFn,
        cap: Option<DecFn>,
    },
    Aggregate(Aggregate),
    Differential {
        value: DecFn,
        percent: DecFn,
        buckets: Vec<Decimal>,
        /// `from level K`: a source's value joins the walk `K` levels up.
        /// A member's state then holds, after the buckets, the values of
        /// the sources `0..K` levels below it still on their way.
        from_level: usize,
        /// How the values moved up and their earnings are added.
        mode: Mode,
    },
    /// A network total, added up in `mode`.
    Total(DecFn, Mode),
    /// A member's place in the forced matrix, read from the network.
    Matrix(MatrixValue),
}

pub(crate) struct Aggregate {
    pub(crate) op: AggOp,
    /// What each related member adds.
    pub(crate) value: AggValue,
    pub(crate) filter: Option<BoolFn>,
    pub(crate) relation: Relation,
    /// How the values are added up (and multiplied by the levels' rates).
    pub(crate) mode: Mode,
    /// The value or filter reads the earner's values (`my`): each earner
    /// walks its sources ([`crate::earner`]) instead of sources pushing up.
    pub(crate) earner: bool,
}

/// What a related member adds to an aggregate, for each kind of aggregate.
pub(crate) enum AggValue {
    /// `count`: one.
    Count,
    /// `sum`, `min`, `max`: its value.
    Number(DecFn),
    /// `any`: one where the condition holds.
    Any(BoolFn),
    /// `all`: one where the condition fails.
    All(BoolFn),
}

pub(crate) enum Relation {
    Children,
    Downline,
    Group,
    Upline,
    Placement(Side),
    /// Levels `from..=to` of the forced matrix, `width` = the deepest + 1.
    MatrixLevels {
        from: usize,
        width: usize,
        to: DecFn,
        rates: Option<Vec<Decimal>>,
    },
    Levels {
        from: usize,
        width: usize,
        to: DecFn,
        compressed_by: Option<BoolFn>,
        rates: Option<Vec<Decimal>>,
    },
    Generations {
        from: usize,
        width: usize,
        to: DecFn,
        counting: BoolFn,
        rates: Option<Vec<Decimal>>,
    },
}

pub(crate) fn compile_node(c: &Compiler<'_>, kind: &NodeKind) -> Program {
    match kind {
        NodeKind::Input { .. } => Program::Input,
        NodeKind::Expr(t) => Program::Expr(c.compile(t)),
        NodeKind::Rank { requirements } => {
            Program::Rank(requirements.iter().map(|t| c.boolean(t)).collect())
        }
        NodeKind::Bonus {
            qualification,
            amount,
            cap,
        } => Program::Bonus {
            qualification: qualification.as_ref().map(|t| c.boolean(t)),
            amount: c.dec(amount),
            cap: cap.as_ref().map(|t| c.dec(t)),
        },
        NodeKind::Differential {
            value,
            percent,
            buckets,
            from_level,
        } => Program::Differential {
            value: c.dec(value),
            percent: c.dec(percent),
            buckets: buckets.clone(),
            from_level: *from_level,
            mode: c.mode(&[value, percent]),
        },
        NodeKind::Total { value } => Program::Total(c.dec(value), c.mode(&[value])),
        NodeKind::Aggregate(agg) => Program::Aggregate(compile_aggregate(c, agg)),
        NodeKind::Matrix(what) => Program::Matrix(*what),
    }
}

/// An aggregate node: what each related member adds, the relation, and
/// how the values are added up.
fn compile_aggregate(c: &Compiler<'_>, agg: &AggNode) -> Aggregate {
    let value = match agg.op {
        AggOp::Count => AggValue::Count,
        AggOp::Sum | AggOp::Min | AggOp::Max => AggValue::Number(c.dec(&agg.value)),
        AggOp::Any => AggValue::Any(c.boolean(&agg.value)),
        AggOp::All => AggValue::All(c.boolean(&agg.value)),
    };
    let relation = match &agg.relation {
        TRelation::Children => Relation::Children,
        TRelation::Downline => Relation::Downline,
        TRelation::Group => Relation::Group,
        TRelation::Upline => Relation::Upline,
        TRelation::Placement(side) => Relation::Placement(*side),
        TRelation::MatrixLevels { from, max, to } => Relation::MatrixLevels {
            from: *from,
            width: max + 1,
            to: c.dec(to),
            rates: agg.rates.clone(),
        },
        TRelation::Levels {
            from,
            max,
            to,
            compressed_by,
        } => Relation::Levels {
            from: *from,
            width: max + 1,
            to: c.dec(to),
            compressed_by: compressed_by.as_ref().map(|t| c.boolean(t)),
            rates: agg.rates.clone(),
        },
        TRelation::Generations {
            from,
            max,
            to,
            counting,
        } => Relation::Generations {
            from: *from,
            width: max + 1,
            to: c.dec(to),
            counting: c.boolean(counting),
            rates: agg.rates.clone(),
        },
    };
    Aggregate {
        op: agg.op,
        value,
        filter: agg.filter.as_ref().map(|t| c.boolean(t)),
        relation,
        mode: c.mode(&[&agg.value]),
        earner: agg.reads_earner(),
    }
}
