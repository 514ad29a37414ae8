//! What a change of plan does: two versions of a plan on one network, member
//! by member, bonus by bonus, with exact decimals.
//!
//! ```
//! use payplan::{Network, Plan};
//! use payplan_tools::diff;
//!
//! let old = Plan::compile("plan \"Old\"\ncurrency USD\nrounding 2 half_even\n\
//!     input cv: money\nbonus retail pays 10% of cv\n", "old.plan")?;
//! let new = Plan::compile("plan \"New\"\ncurrency USD\nrounding 2 half_even\n\
//!     input cv: money\nbonus retail pays 12% of cv\n", "new.plan")?;
//! let schema = diff::union_schema(old.schema(), new.schema()).ok_or("columns disagree")?;
//! let network = Network::from_csv_reader("id,sponsor,cv\nA,,100\nB,A,0\n".as_bytes(), &schema)?;
//! let d = diff::diff(&old, &new, &network)?;
//! assert_eq!(d.total.change.to_string(), "2.00");
//! assert_eq!((d.winners, d.losers, d.unchanged), (1, 0, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cmp::Reverse;

use payplan::{Decimal, EvalOptions, Exact, MemberIx, Network, Plan, Run, RunError, Schema};
use serde::{Deserialize, Serialize};

/// The guide to `payplan diff` (docs/diff.md): its example compiled and run.
#[doc = include_str!("../../../docs/diff.md")]
#[cfg(doctest)]
pub struct GuideDoctests;

/// The difference between what two plans pay on one network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDiff {
    pub old: PlanSummary,
    pub new: PlanSummary,
    /// The number of members compared.
    pub members: usize,
    /// Per bonus, the bonuses of the old plan then the new plan's others.
    pub bonuses: Vec<BonusTotal>,
    /// Everything paid, old and new.
    pub total: Change,
    /// Members paid more in total.
    pub winners: usize,
    /// Members paid less in total.
    pub losers: usize,
    /// Members paid the same in total (some of them with other bonuses).
    pub unchanged: usize,
    /// Members with the same total whose amounts moved between bonuses.
    pub reallocated: usize,
    /// Every member whose pay changes in total or in any bonus: largest
    /// change (in absolute value) first, then network-file order.
    pub changed: Vec<MemberChange>,
    /// Members whose rank changes, in network-file order.
    pub rank_changes: Vec<RankChange>,
}

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    /// The plan's name, from its `plan` statement.
    pub plan: String,
    pub currency: String,
    /// Decimal places of amounts, from the plan's rounding.
    pub places: u32,
    /// The bonus names, in declaration order.
    pub bonuses: Vec<String>,
    /// The rank names, ascending (empty for a plan without ranks).
    pub ranks: Vec<String>,
    /// The sum of all final amounts.
    pub paid: Decimal,
    /// The sum of all amounts after per-member caps, before the limit.
    pub before_limit: Decimal,
    /// The global payout limit, when the plan has one.
    pub limit: Option<Decimal>,
    /// Whether the limit scaled every amount down.
    pub limit_applied: bool,
}

/// An old and a new amount, and `new - old`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub old: Decimal,
    pub new: Decimal,
    pub change: Decimal,
}

/// One bonus's total in each plan; `None` where the plan has no such bonus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusTotal {
    pub bonus: String,
    pub old: Option<Decimal>,
    pub new: Option<Decimal>,
    /// `new - old`, a missing bonus counting as zero.
    pub change: Decimal,
}

/// A member whose pay changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberChange {
    pub member: String,
    /// Total pay under the old plan.
    pub old: Decimal,
    /// Total pay under the new plan.
    pub new: Decimal,
    pub change: Decimal,
    /// Every bonus paid to the member under either plan (zero amounts of
    /// both left out), in the order of [`PlanDiff::bonuses`].
    pub bonuses: Vec<MemberBonus>,
}

/// One bonus of one member, old and new (zero where a plan has no such bonus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberBonus {
    pub bonus: String,
    pub old: Decimal,
    pub new: Decimal,
    pub change: Decimal,
}

/// A member whose rank changes; `None` is no rank (or a plan without ranks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankChange {
    pub member: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Why two plans could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    #[error("the old plan cannot run: {0}")]
    Old(RunError),
    #[error("the new plan cannot run: {0}")]
    New(RunError),
    #[error("member `{member}`: the change of pay is too large to compute exactly")]
    Overflow { member: String },
    #[error("the total change of pay is too large to compute exactly")]
    TotalOverflow,
}

impl DiffError {
    /// A suggestion for people, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            DiffError::Old(e) | DiffError::New(e) => e.help(),
            DiffError::Overflow { .. } | DiffError::TotalOverflow => Some(
                "amounts hold 28 significant digits; check the network's values for typing errors"
                    .into(),
            ),
        }
    }
}

/// The schema that reads every column either plan reads, so that one network
/// serves both; `None` when the plans read a column differently (as another
/// type, or with other defaults). A column one plan requires is required; the
/// larger of two minimums holds (a value either plan refuses is refused).
pub fn union_schema(old: &Schema, new: &Schema) -> Option<Schema> {
    let mut columns = old.columns.clone();
    for spec in &new.columns {
        match columns.iter_mut().find(|c| c.name == spec.name) {
            None => columns.push(spec.clone()),
            Some(mine) => {
                if mine.kind != spec.kind {
                    return None;
                }
                mine.default = match (mine.default, spec.default) {
                    (Some(a), Some(b)) if a != b => return None,
                    (Some(a), Some(_)) => Some(a),
                    _ => None,
                };
                mine.min = match (mine.min, spec.min) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
            }
        }
    }
    // Two different matrices cannot be read from one network.
    let matrix = match (&old.matrix, &new.matrix) {
        (Some(a), Some(b)) if a != b => return None,
        (a, b) => a.clone().or_else(|| b.clone()),
    };
    Some(Schema {
        columns,
        placement: old.placement || new.placement,
        matrix,
    })
}

/// Runs both plans on `network` (loaded with [`union_schema`]) and compares
/// what they pay.
pub fn diff(old: &Plan, new: &Plan, network: &Network) -> Result<PlanDiff, DiffError> {
    diff_networks(old, network, new, network)
}

/// Like [`diff`], with each plan on its own copy of the network (the same
/// file loaded with each plan's schema, when no union schema exists):
/// members are matched by id, and one missing from a network is paid nothing
/// there.
pub fn diff_networks(
    old: &Plan,
    old_network: &Network,
    new: &Plan,
    new_network: &Network,
) -> Result<PlanDiff, DiffError> {
    let keep = EvalOptions {
        keep_every_value: true,
    };
    let old_run = old
        .evaluate_with(old_network, keep)
        .map_err(DiffError::Old)?;
    let new_run = new
        .evaluate_with(new_network, keep)
        .map_err(DiffError::New)?;
    compare(&old_run, &new_run)
}

/// Zero without a sign (`-0.00` is `0.00`), as the outcome writes it.
fn clean(d: Decimal) -> Decimal {
    if d.is_zero() {
        Decimal::ZERO.round_dp(d.scale())
    } else {
        d
    }
}

/// A member of either network: its id and its index in each.
struct Pair<'a> {
    id: &'a str,
    old: Option<MemberIx>,
    new: Option<MemberIx>,
}

/// The members of both runs: the old network's in file order, then the new
/// network's others in file order.
fn pairs<'a>(old: &'a Network, new: &'a Network) -> Vec<Pair<'a>> {
    let same = std::ptr::eq(old, new);
    let mut out: Vec<Pair<'a>> = old
        .file_order()
        .iter()
        .map(|&m| {
            let id = old.id(m);
            let other = if same { Some(m) } else { new.index_of(id) };
            Pair {
                id,
                old: Some(m),
                new: other,
            }
        })
        .collect();
    if !same {
        out.extend(
            new.file_order()
                .iter()
                .filter(|&&m| old.index_of(new.id(m)).is_none())
                .map(|&m| Pair {
                    id: new.id(m),
                    old: None,
                    new: Some(m),
                }),
        );
    }
    out
}

/// The position of each bonus of the union in the old and in the new plan.
fn bonus_union(old: &[String], new: &[String]) -> Vec<(String, Option<usize>, Option<usize>)> {
    let mut out: Vec<(String, Option<usize>, Option<usize>)> = old
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), Some(i), new.iter().position(|n| n == name)))
        .collect();
    for (j, name) in new.iter().enumerate() {
        if !old.contains(name) {
            out.push((name.clone(), None, Some(j)));
        }
    }
    out
}

fn compare(old_run: &Run<'_>, new_run: &Run<'_>) -> Result<PlanDiff, DiffError> {
    let names =
        |run: &Run<'_>| -> Vec<String> { run.plan().bonuses().map(str::to_string).collect() };
    let union = bonus_union(&names(old_run), &names(new_run));
    let members = pairs(old_run.network(), new_run.network());

    let overflow = |member: &str| DiffError::Overflow {
        member: member.to_string(),
    };
    let mut old_totals = vec![Decimal::ZERO; union.len()];
    let mut new_totals = vec![Decimal::ZERO; union.len()];
    let mut changed = Vec::new();
    let (mut winners, mut losers, mut unchanged, mut reallocated) = (0, 0, 0, 0);
    let mut rank_changes = Vec::new();
    let ranks = !old_run.plan().ranks().is_empty() || !new_run.plan().ranks().is_empty();

    for pair in &members {
        let mut old_total = Decimal::ZERO;
        let mut new_total = Decimal::ZERO;
        let mut detail = Vec::new();
        let mut split_moved = false;
        for (k, (name, ob, nb)) in union.iter().enumerate() {
            let o = paid(old_run, pair.old, *ob, name).map_err(DiffError::Old)?;
            let n = paid(new_run, pair.new, *nb, name).map_err(DiffError::New)?;
            old_total = old_total.exact_add(o).ok_or_else(|| overflow(pair.id))?;
            new_total = new_total.exact_add(n).ok_or_else(|| overflow(pair.id))?;
            if let Some(t) = old_totals.get_mut(k) {
                *t = t.exact_add(o).ok_or_else(|| overflow(pair.id))?;
            }
            if let Some(t) = new_totals.get_mut(k) {
                *t = t.exact_add(n).ok_or_else(|| overflow(pair.id))?;
            }
            split_moved |= o != n;
            if !o.is_zero() || !n.is_zero() {
                detail.push(MemberBonus {
                    bonus: name.clone(),
                    old: o,
                    new: n,
                    change: clean(n.exact_sub(o).ok_or_else(|| overflow(pair.id))?),
                });
            }
        }
        let change = clean(
            new_total
                .exact_sub(old_total)
                .ok_or_else(|| overflow(pair.id))?,
        );
        if change.is_sign_positive() && !change.is_zero() {
            winners += 1;
        } else if change.is_sign_negative() && !change.is_zero() {
            losers += 1;
        } else {
            unchanged += 1;
            reallocated += usize::from(split_moved);
        }
        if split_moved {
            changed.push(MemberChange {
                member: pair.id.to_string(),
                old: old_total,
                new: new_total,
                change,
                bonuses: detail,
            });
        }
        if ranks {
            let o = rank(old_run, pair.old).map_err(DiffError::Old)?;
            let n = rank(new_run, pair.new).map_err(DiffError::New)?;
            if o != n {
                rank_changes.push(RankChange {
                    member: pair.id.to_string(),
                    old: o.map(str::to_string),
                    new: n.map(str::to_string),
                });
            }
        }
    }
    // Stable: equal changes keep file order.
    changed.sort_by_key(|c| Reverse(c.change.abs()));

    let mut bonuses = Vec::with_capacity(union.len());
    for ((name, ob, nb), (o, n)) in union.iter().zip(old_totals.iter().zip(&new_totals)) {
        bonuses.push(BonusTotal {
            bonus: name.clone(),
            old: ob.map(|_| *o),
            new: nb.map(|_| *n),
            change: clean(n.exact_sub(*o).ok_or(DiffError::TotalOverflow)?),
        });
    }
    let sum = |totals: &[Decimal]| {
        totals
            .iter()
            .try_fold(Decimal::ZERO, |a, x| a.exact_add(*x))
            .ok_or(DiffError::TotalOverflow)
    };
    let old_paid = sum(&old_totals)?;
    let new_paid = sum(&new_totals)?;
    Ok(PlanDiff {
        old: summary_of(old_run, old_paid),
        new: summary_of(new_run, new_paid),
        members: members.len(),
        bonuses,
        total: Change {
            old: old_paid,
            new: new_paid,
            change: clean(
                new_paid
                    .exact_sub(old_paid)
                    .ok_or(DiffError::TotalOverflow)?,
            ),
        },
        winners,
        losers,
        unchanged,
        reallocated,
        changed,
        rank_changes,
    })
}

/// Member `m`'s final amount of bonus `b` in `run`; a member missing
/// from the run's network, or a bonus missing from its plan, is paid nothing.
fn paid(
    run: &Run<'_>,
    m: Option<MemberIx>,
    b: Option<usize>,
    name: &str,
) -> Result<Decimal, RunError> {
    match (m, b) {
        (Some(m), Some(b)) => run
            .paid_at(b, m)
            .map(clean)
            .ok_or_else(|| RunError::Lost { name: name.into() }),
        _ => Ok(Decimal::ZERO),
    }
}

/// Member `m`'s rank name in `run`; `None` for no rank, a plan without
/// ranks, or a member missing from the run's network.
fn rank<'a>(run: &Run<'a>, m: Option<MemberIx>) -> Result<Option<&'a str>, RunError> {
    match m {
        Some(m) => Ok(run.rank_at(m)?.map(|r| r.name)),
        None => Ok(None),
    }
}

fn summary_of(run: &Run<'_>, paid: Decimal) -> PlanSummary {
    let plan = run.plan();
    PlanSummary {
        plan: plan.name().to_string(),
        currency: plan.currency().to_string(),
        places: plan.places(),
        bonuses: plan.bonuses().map(str::to_string).collect(),
        ranks: plan.ranks().to_vec(),
        paid,
        before_limit: run.before_limit(),
        limit: run.limit(),
        limit_applied: run.limit_applied(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use payplan::{ColumnSpec, Value};

    fn schema(columns: Vec<ColumnSpec>, placement: bool) -> Schema {
        Schema {
            columns,
            placement,
            matrix: None,
        }
    }

    #[test]
    fn the_union_schema_reads_every_column_either_plan_reads() {
        let old = schema(
            vec![
                ColumnSpec::decimal("pv"),
                ColumnSpec::decimal("carry").with_default(Value::Decimal(Decimal::ZERO)),
            ],
            false,
        );
        let new = schema(
            vec![
                ColumnSpec::decimal("cv"),
                ColumnSpec::decimal("pv").with_default(Value::Decimal(Decimal::ZERO)),
                ColumnSpec::decimal("carry")
                    .with_default(Value::Decimal(Decimal::ZERO))
                    .with_min(Decimal::ONE),
            ],
            true,
        );
        let union = union_schema(&old, &new).unwrap();
        assert!(union.placement);
        let names: Vec<&str> = union.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["pv", "carry", "cv"]);
        // Required in one plan: required.
        assert_eq!(union.columns[0].default, None);
        assert_eq!(union.columns[1].min, Some(Decimal::ONE));
    }

    #[test]
    fn columns_read_differently_have_no_union() {
        let as_bool = schema(vec![ColumnSpec::bool("new")], false);
        let as_number = schema(vec![ColumnSpec::decimal("new")], false);
        assert_eq!(union_schema(&as_bool, &as_number), None);
        let no = schema(
            vec![ColumnSpec::bool("new").with_default(Value::Bool(false))],
            false,
        );
        let yes = schema(
            vec![ColumnSpec::bool("new").with_default(Value::Bool(true))],
            false,
        );
        assert_eq!(union_schema(&no, &yes), None);
        assert_eq!(union_schema(&no, &no), Some(no.clone()));
    }
}
