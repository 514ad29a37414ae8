//! payplan's explanations: for one member, every amount with its
//! derivation in the plan's own terms — the rank and which requirement held
//! or failed, each source member with its level and rate, the qualification,
//! the cap, the global limit's factor and the rounding — as serializable
//! data, with a text form for people.
//!
//! An explanation is built from a finished evaluation that kept every
//! node's values ([`payplan_eval::EvalOptions::keep_every_value`]); a value
//! the run did not keep is an error ([`ExplainError::ValuesNotKept`]), never
//! read as zero. The aggregates are taken apart by walking the relation
//! down from the member, independently of the evaluator's passes, and the
//! amounts are then rebuilt from the parts, so an explanation that adds up
//! checks the run.
//!
//! It evaluates exactly what the run evaluates, in the same order: ranks
//! from the highest down, `and`s from the left, a bonus's formula and cap
//! only where it qualifies. What the run skips is shown as not checked
//! ([`Check::NotChecked`]), never evaluated: it may not even be computable.

mod conditions;
mod earner;
mod interp;
mod sources;
mod text;

use payplan_check::{Node, NodeId, NodeKind, TExpr, Ty, TypedPlan, Val};
use payplan_eval::{Evaluation, Settlement};
use payplan_network::{MemberIx, Network, NONE};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use conditions::{rank_explanation, verdict};
use interp::{dec, truth, Arith, Values};

/// Why an explanation could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("no member `{id}` in the network")]
    UnknownMember { id: String },
    #[error("cannot explain `{what}` at member `{member}`: {reason}")]
    Arithmetic {
        member: String,
        what: String,
        reason: String,
    },
    /// The run let go of values the explanation reads: explain a run that
    /// kept every value.
    #[error(
        "cannot explain `{what}` at member `{member}`: the run did not keep the values of `{name}`"
    )]
    ValuesNotKept {
        member: String,
        what: String,
        /// The plan's name for the value, or its source text.
        name: String,
    },
    /// A broken invariant between the checked plan and the run: a mistake
    /// in payplan, never in the plan or the network.
    #[error("internal error explaining `{what}` at member `{member}`: {fault}")]
    Internal {
        member: String,
        what: String,
        fault: ExplainFault,
    },
}

/// A broken invariant an explanation ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ExplainFault {
    #[error("the plan reads a part it does not have")]
    MissingNode,
    #[error("a value of another kind than its type")]
    WrongKind,
    #[error("a rank beyond the plan's ranks")]
    RankOutOfRange,
    #[error("a rank table without an entry for the rank")]
    MissingRankEntry,
    #[error("a level without a rate")]
    MissingRate,
    #[error("the walk down the sponsor tree lost its place")]
    LostPlace,
    #[error("the plan uses the forced matrix, which the network does not have")]
    MissingMatrix,
    #[error("the requirements that hold give another rank than the run's")]
    RankDisagrees,
    #[error("the qualification's parts disagree with the run's qualification")]
    QualificationDisagrees,
    #[error("the amount worked out differs from the run's")]
    AmountDisagrees,
}

/// How much an explanation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainOptions {
    /// The most source members listed per aggregate; the rest are counted
    /// and summed in [`Omitted`], so the amounts still add up.
    pub max_sources: usize,
}

impl Default for ExplainOptions {
    fn default() -> Self {
        ExplainOptions { max_sources: 1000 }
    }
}

/// Every amount of one member, with its derivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub member: String,
    /// The member's sponsor; `None` for a root.
    pub sponsor: Option<String>,
    pub plan: String,
    pub currency: String,
    /// Decimal places of final amounts.
    pub places: u32,
    /// `None` when the plan has no ranks.
    pub rank: Option<RankExplanation>,
    pub bonuses: Vec<BonusExplanation>,
    pub limit: LimitExplanation,
    /// The sum of the member's final amounts; `None` when it is too large
    /// to add up exactly (amounts near the largest decimal): the run pays
    /// each amount, and never adds up one member's.
    pub total_paid: Option<Decimal>,
}

/// A value as a plan author reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Shown {
    Number(Decimal),
    Bool(bool),
    /// A percentage, held as a fraction (`0.2`), written as the plan writes
    /// it (`20%`), in text and in JSON.
    Percent(#[serde(with = "percent_serde")] Decimal),
    /// A rank's name; `None` for no rank.
    Rank(Option<String>),
}

/// A named value that a condition or an amount reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quantity {
    /// The plan's name for it, or its source text.
    pub name: String,
    pub value: Shown,
}

/// What the run found of a condition: it held, it failed, or the run did
/// not evaluate it (and neither does the explanation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Check {
    Holds,
    Fails,
    NotChecked { why: Skipped },
}

impl Check {
    /// Whether the condition was evaluated and held.
    pub fn holds(self) -> bool {
        self == Check::Holds
    }

    /// Whether the condition was evaluated and failed.
    pub fn fails(self) -> bool {
        self == Check::Fails
    }
}

/// Why the run did not evaluate a part of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skipped {
    /// Ranks are tried from the highest down: one above holds.
    HigherRankHolds,
    /// An `and` stops at its first part that fails.
    EarlierConditionFails,
    /// A bonus's formula and cap are worked out only where it qualifies.
    NotQualified,
}

/// One condition of a requirement, as the run found it, with the values it
/// read (none when it was not checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseCheck {
    pub text: String,
    #[serde(flatten)]
    pub check: Check,
    pub values: Vec<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankExplanation {
    /// The member's rank: the highest whose requirement holds.
    pub rank: Option<String>,
    /// Every rank, lowest first; as in the run, those below the member's
    /// rank are not checked.
    pub ranks: Vec<RankCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankCheck {
    pub rank: String,
    /// The whole requirement: it holds when every clause holds.
    #[serde(flatten)]
    pub check: Check,
    pub clauses: Vec<ClauseCheck>,
}

/// One bonus at the member, from its formula to the amount paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusExplanation {
    pub bonus: String,
    /// The `when` condition's parts; empty when the bonus has none.
    pub qualification: Vec<ClauseCheck>,
    pub qualified: bool,
    /// The text after `pays`.
    pub formula: String,
    /// The plain values the formula reads (`let`s, inputs, totals); empty
    /// when the bonus does not qualify.
    pub values: Vec<Quantity>,
    /// The aggregates the formula reads, taken apart into their sources;
    /// empty when the bonus does not qualify.
    pub parts: Vec<PartExplanation>,
    /// The formula's value; `None` when the bonus does not qualify: the
    /// run does not work the formula out there.
    pub amount: Option<Decimal>,
    pub cap: Option<CapExplanation>,
    /// After qualification and cap: what the bonus adds before the limit.
    pub before_limit: Decimal,
    /// After the global limit's pro rata factor, before rounding.
    pub after_limit: Decimal,
    /// The final amount, rounded as the plan says.
    pub paid: Decimal,
    /// Why the member earns nothing here, when it does.
    pub why_nothing: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapExplanation {
    pub text: String,
    /// The cap's value; `None` when the bonus does not qualify: the run
    /// does not work the cap out there.
    pub value: Option<Decimal>,
    /// Whether the cap lowered the amount.
    pub bit: bool,
}

/// An aggregate at the member, and the members it is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartExplanation {
    /// The aggregate's source text.
    pub text: String,
    /// `sum`, `count`, `min`, `max`, `any`, `all` or `differential`.
    pub function: String,
    pub value: Shown,
    /// The values that bound the relation at the member (`unilevel_depth = 4`)
    /// and the levels they allow.
    pub with: Vec<Quantity>,
    pub levels: Option<String>,
    pub sources: Vec<Source>,
    /// Sources beyond [`ExplainOptions::max_sources`].
    pub omitted: Option<Omitted>,
}

/// One member an aggregate reads, and what it adds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub member: String,
    /// The level the relation counts (compressed levels, generations).
    pub level: Option<u32>,
    /// The plain number of sponsor steps below the member.
    pub plain_level: Option<u32>,
    /// The value taken at the source.
    pub value: Shown,
    /// The rate its level pays, for rated levels and differentials.
    pub rate: Option<Decimal>,
    /// What it adds to a sum (value times rate); 1 or 0 for conditions.
    pub contribution: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Omitted {
    pub count: u64,
    /// The sum of their contributions.
    pub total: Decimal,
}

/// The global payout limit, the same for every member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitExplanation {
    /// The limit, when the plan has one.
    pub limit: Option<Decimal>,
    /// Every amount after caps, before the limit.
    pub total_before_limit: Decimal,
    /// Whether every amount was scaled by `limit / total_before_limit`.
    pub applied: bool,
    pub rounding: String,
}

/// Explains member `id` of a run that kept every value.
pub fn explain(
    plan: &TypedPlan,
    net: &Network,
    eval: &Evaluation,
    settlement: &Settlement,
    id: &str,
    options: ExplainOptions,
) -> Result<Explanation, ExplainError> {
    let m = net
        .index_of(id)
        .ok_or_else(|| ExplainError::UnknownMember { id: id.to_string() })?;
    let v = Values {
        plan,
        net,
        eval,
        settlement,
    };
    let fail = |what: &str, e: Arith| {
        let (member, what) = (id.to_string(), what.to_string());
        let arithmetic = |reason: &str| ExplainError::Arithmetic {
            member: member.clone(),
            what: what.clone(),
            reason: reason.to_string(),
        };
        match e {
            Arith::Overflow => arithmetic("a number is too large"),
            Arith::DivisionByZero => arithmetic("division by zero"),
            Arith::NotKept(n) => match plan.nodes.get(n) {
                Some(node) => ExplainError::ValuesNotKept {
                    member,
                    what,
                    name: node.label.clone(),
                },
                None => ExplainError::Internal {
                    member,
                    what,
                    fault: ExplainFault::MissingNode,
                },
            },
            Arith::Broken(fault) => ExplainError::Internal {
                member,
                what,
                fault,
            },
        }
    };
    let rank = rank_explanation(&v, m).map_err(|e| fail("rank", e))?;
    let limit = LimitExplanation {
        limit: settlement.limit,
        total_before_limit: settlement.total,
        applied: settlement.scaled,
        rounding: format!(
            "{} places, {}",
            plan.rounding.places,
            rounding_name(plan.rounding.mode)
        ),
    };
    let mut bonuses = Vec::new();
    for spec in &plan.bonuses {
        let b =
            bonus_explanation(&v, settlement, spec, m, options).map_err(|e| fail(&spec.name, e))?;
        bonuses.push(b);
    }
    let total_paid = bonuses
        .iter()
        .try_fold(Decimal::ZERO, |a, b| a.checked_add(b.paid));
    let sponsor = net.sponsor(m);
    Ok(Explanation {
        member: id.to_string(),
        sponsor: (sponsor != NONE).then(|| net.id(sponsor).to_string()),
        plan: plan.name.clone(),
        currency: plan.currency.clone(),
        places: plan.rounding.places,
        rank,
        bonuses,
        limit,
        total_paid,
    })
}

fn rounding_name(mode: payplan_check::RoundingMode) -> &'static str {
    use payplan_check::RoundingMode::*;
    match mode {
        HalfEven => "half_even",
        HalfUp => "half_up",
        HalfDown => "half_down",
        Down => "down",
        Up => "up",
    }
}

impl Values<'_> {
    /// A value of type `ty`: a percentage as `20%`.
    fn shown_typed(&self, v: Val, ty: Ty) -> Result<Shown, Arith> {
        match (v, ty) {
            (Val::Dec(d), Ty::Percent) => Ok(Shown::Percent(d.normalize())),
            _ => self.shown(v),
        }
    }

    fn shown(&self, v: Val) -> Result<Shown, Arith> {
        Ok(match v {
            Val::Dec(d) => Shown::Number(d.normalize()),
            Val::Bool(b) => Shown::Bool(b),
            Val::Rank(r) => Shown::Rank(self.rank_name(r)?),
        })
    }

    /// Rank `r`'s name; `None` for rank 0, no rank.
    pub(crate) fn rank_name(&self, r: u16) -> Result<Option<String>, Arith> {
        match usize::from(r).checked_sub(1) {
            None => Ok(None),
            Some(i) => match self.plan.ranks.get(i) {
                Some(name) => Ok(Some(name.clone())),
                None => Err(ExplainFault::RankOutOfRange.into()),
            },
        }
    }

    fn node(&self, n: NodeId) -> Result<&Node, Arith> {
        Ok(self.plan.nodes.get(n).ok_or(ExplainFault::MissingNode)?)
    }

    /// Node `n`'s value at `m`, named as the plan names it.
    fn quantity(&self, n: NodeId, m: MemberIx) -> Result<Quantity, Arith> {
        Ok(Quantity {
            name: self.node(n)?.label.clone(),
            value: self.shown_typed(self.slot(n, m)?, self.node(n)?.ty)?,
        })
    }

    /// `nodes` in the order the plan's text defines them.
    fn in_text_order(&self, nodes: &mut [NodeId]) -> Result<(), Arith> {
        let mut starts = Vec::with_capacity(nodes.len());
        for &n in nodes.iter() {
            starts.push((self.node(n)?.span.start, n));
        }
        starts.sort_by_key(|&(start, _)| start);
        for (slot, (_, n)) in nodes.iter_mut().zip(starts) {
            *slot = n;
        }
        Ok(())
    }

    /// The values `t` reads directly, each once, in reading order.
    pub(crate) fn quantities(&self, t: &TExpr, m: MemberIx) -> Result<Vec<Quantity>, Arith> {
        let mut seen = Vec::new();
        t.for_each_slot(&mut |n| {
            if !seen.contains(&n) {
                seen.push(n);
            }
        });
        self.in_text_order(&mut seen)?;
        seen.iter().map(|&n| self.quantity(n, m)).collect()
    }
}

/// The nodes a formula reads, through `let`s (plain expressions) but not
/// into aggregates: the aggregates, and the plain values.
/// Of an aggregate copied for `my`, only the copy `m` reads.
fn reads(v: &Values<'_>, t: &TExpr, m: MemberIx) -> Result<(Vec<NodeId>, Vec<NodeId>), Arith> {
    let plan = v.plan;
    let (mut parts, mut plain) = (Vec::new(), Vec::new());
    let mut stack = earner::chosen_slots(v, t, m)?;
    stack.reverse();
    let mut seen = Vec::new();
    while let Some(n) = stack.pop() {
        if seen.contains(&n) {
            continue;
        }
        seen.push(n);
        match plan.nodes.get(n).map(|x| &x.kind) {
            Some(k) if sources::has_sources(k) => parts.push(n),
            Some(NodeKind::Expr(e)) if !plan.nodes.get(n).is_some_and(|x| x.global) => {
                plain.push(n);
                let inner = earner::chosen_slots(v, e, m)?;
                stack.extend(inner.into_iter().rev());
            }
            _ => plain.push(n),
        }
    }
    Ok((parts, plain))
}

fn bonus_explanation(
    v: &Values<'_>,
    settlement: &Settlement,
    spec: &payplan_check::BonusSpec,
    m: MemberIx,
    options: ExplainOptions,
) -> Result<BonusExplanation, Arith> {
    let NodeKind::Bonus {
        qualification: run_qualification,
        amount,
        cap,
    } = &v.node(spec.node)?.kind
    else {
        return Err(ExplainFault::WrongKind.into());
    };
    let qualification = v.conjunction(&spec.qualification, m)?;
    let qualified = verdict(&qualification).holds();
    if let Some(q) = run_qualification {
        if truth(v.value(q, m, NONE)?) != qualified {
            return Err(ExplainFault::QualificationDisagrees.into());
        }
    }
    let mut b = BonusExplanation {
        bonus: spec.name.clone(),
        qualification,
        qualified,
        formula: spec.amount_text.clone(),
        values: Vec::new(),
        parts: Vec::new(),
        amount: None,
        cap: match (cap, &spec.cap_text) {
            (Some(_), Some(text)) => Some(CapExplanation {
                text: text.clone(),
                value: None,
                bit: false,
            }),
            _ => None,
        },
        before_limit: Decimal::ZERO,
        after_limit: Decimal::ZERO,
        paid: Decimal::ZERO,
        why_nothing: None,
    };
    // As in the run: the formula and the cap only where the bonus qualifies.
    if qualified {
        work_out(v, &mut b, amount, cap.as_ref(), m, options)?;
    }
    if dec(v.slot(spec.node, m)?) != b.before_limit {
        return Err(ExplainFault::AmountDisagrees.into());
    }
    b.after_limit = match settlement.limit {
        Some(limit) if settlement.scaled => {
            payplan_eval::scale(b.before_limit, limit, settlement.total)
                .map_err(|_| Arith::Overflow)?
        }
        _ => b.before_limit,
    };
    b.paid = v.plan.rounding.apply(b.after_limit);
    b.why_nothing = b.paid.is_zero().then(|| why_nothing(&b, settlement.scaled));
    Ok(b)
}

/// A qualified bonus's formula with what it reads, its cap, and the amount
/// before the limit.
fn work_out(
    v: &Values<'_>,
    b: &mut BonusExplanation,
    amount: &TExpr,
    cap: Option<&TExpr>,
    m: MemberIx,
    options: ExplainOptions,
) -> Result<(), Arith> {
    let (part_nodes, mut plain) = reads(v, amount, m)?;
    v.in_text_order(&mut plain)?;
    for n in part_nodes {
        b.parts.push(part(v, n, m, options)?);
    }
    b.values = plain
        .iter()
        .map(|&n| v.quantity(n, m))
        .collect::<Result<Vec<_>, _>>()?;
    let formula = dec(v.value(amount, m, NONE)?);
    b.amount = Some(formula);
    b.before_limit = formula;
    if let Some(c) = cap {
        let value = dec(v.value(c, m, NONE)?);
        b.before_limit = formula.min(value);
        if let Some(shown) = b.cap.as_mut() {
            shown.value = Some(value);
            shown.bit = formula > value;
        }
    }
    Ok(())
}

/// Why a bonus pays nothing: the first reason that holds.
fn why_nothing(b: &BonusExplanation, scaled: bool) -> String {
    if !b.qualified {
        let failed: Vec<String> = b
            .qualification
            .iter()
            .filter(|c| c.check.fails())
            .map(|c| format!("`{}`", c.text))
            .collect();
        return format!("not qualified: {} does not hold", failed.join(" and "));
    }
    if b.amount.is_some_and(|a| a.is_zero()) {
        return "the formula comes to zero: nothing to pay on".to_string();
    }
    if b.before_limit <= Decimal::ZERO {
        return "the cap leaves nothing".to_string();
    }
    if scaled && !b.after_limit.is_zero() {
        return "the payout limit scaled it below the smallest amount paid".to_string();
    }
    "it rounds to zero".to_string()
}

fn part(
    v: &Values<'_>,
    n: NodeId,
    m: MemberIx,
    options: ExplainOptions,
) -> Result<PartExplanation, Arith> {
    let mut list = Vec::new();
    let mut omitted = Omitted {
        count: 0,
        total: Decimal::ZERO,
    };
    let mut take = |t: sources::Taken| -> Result<(), Arith> {
        if list.len() < options.max_sources {
            list.push(Source {
                member: v.net.id(t.found.member).to_string(),
                level: t.found.level,
                plain_level: t.found.plain_level,
                value: v.shown(t.value)?,
                rate: t.found.rate,
                contribution: t.contribution,
            });
        } else {
            omitted.count += 1;
            omitted.total = omitted
                .total
                .checked_add(t.contribution)
                .ok_or(Arith::Overflow)?;
        }
        Ok(())
    };
    let mut with: Vec<Quantity>;
    let mut levels = None;
    let node = v.node(n)?;
    let function = match &node.kind {
        NodeKind::Aggregate(agg) => {
            sources::sources(v, agg, m, &mut take)?;
            with = earner::my_values(v, agg, m)?;
            if let Some(sources::LevelRange { from, to, bound }) = sources::level_range(v, agg, m)?
            {
                with.extend(v.quantities(bound, m)?);
                let word = match agg.relation {
                    payplan_check::TRelation::Generations { .. } => "generation",
                    _ => "level",
                };
                levels = Some(match to {
                    Some(to) if to as usize > from => format!("{word}s {from} to {to}"),
                    Some(to) if to as usize == from => format!("{word} {to}"),
                    _ => format!("no {word}"),
                });
            }
            agg_name(agg.op)
        }
        NodeKind::Differential {
            value,
            percent,
            from_level,
            ..
        } => {
            sources::differential(v, value, percent, *from_level, m, &mut take)?;
            with = v.quantities(percent, m)?;
            "differential"
        }
        // Only aggregates and differentials are taken apart (`reads`).
        _ => return Err(ExplainFault::WrongKind.into()),
    };
    // Level by level, in network order within a level.
    list.sort_by_key(|s| s.level.or(s.plain_level));
    Ok(PartExplanation {
        text: node.label.clone(),
        function: function.to_string(),
        value: v.shown(v.slot(n, m)?)?,
        with,
        levels,
        sources: list,
        omitted: (omitted.count > 0).then_some(omitted),
    })
}

fn agg_name(op: payplan_check::AggOp) -> &'static str {
    use payplan_check::AggOp::*;
    match op {
        Sum => "sum",
        Count => "count",
        Min => "min",
        Max => "max",
        Any => "any",
        All => "all",
    }
}

impl Explanation {
    /// The part of the explanation about one bonus.
    pub fn bonus(&self, name: &str) -> Option<&BonusExplanation> {
        self.bonuses.iter().find(|b| b.bonus == name)
    }
}

/// [`Shown::Percent`] in JSON: the text the plan writes, `"20%"`.
mod percent_serde {
    use rust_decimal::Decimal;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(fraction: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::text::percent(*fraction))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        let number = text
            .strip_suffix('%')
            .ok_or_else(|| D::Error::custom("a percentage ends in `%`"))?;
        let mut fraction: Decimal = number.parse().map_err(D::Error::custom)?;
        fraction
            .set_scale(fraction.scale() + 2)
            .map_err(D::Error::custom)?;
        Ok(fraction)
    }
}
