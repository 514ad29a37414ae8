//! Nodes compiled for evaluation: each node kind's closures and relation.

use payplan_check::{AggOp, NodeKind, TRelation};
use payplan_network::Side;
use rust_decimal::Decimal;

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
    },
    Total(DecFn),
}

pub(crate) struct Aggregate {
    pub(crate) op: AggOp,
    /// The value at a related member: a number, or a condition for `any`/`all`.
    pub(crate) value: Compiled,
    pub(crate) filter: Option<BoolFn>,
    pub(crate) relation: Relation,
}

pub(crate) enum Relation {
    Children,
    Downline,
    Group,
    Upline,
    Placement(Side),
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
        } => Program::Differential {
            value: c.dec(value),
            percent: c.dec(percent),
            buckets: buckets.clone(),
        },
        NodeKind::Total { value } => Program::Total(c.dec(value)),
        NodeKind::Aggregate(agg) => {
            let value = match agg.op {
                AggOp::Any | AggOp::All => Compiled::Bool(c.boolean(&agg.value)),
                _ => Compiled::Dec(c.dec(&agg.value)),
            };
            let relation = match &agg.relation {
                TRelation::Children => Relation::Children,
                TRelation::Downline => Relation::Downline,
                TRelation::Group => Relation::Group,
                TRelation::Upline => Relation::Upline,
                TRelation::Placement(side) => Relation::Placement(*side),
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
            Program::Aggregate(Aggregate {
                op: agg.op,
                value,
                filter: agg.filter.as_ref().map(|t| c.boolean(t)),
                relation,
            })
        }
    }
}
