//! Reading a finished run: every bonus's settled amounts per member, the
//! limit and whether it applied, and any named value at a member when the
//! run kept it. Tools (reviews, diffs) are built on these.

use payplan_check::{Ty, TypedPlan, Val};
use payplan_eval::{Amounts, EvalError, EvalOptions, Settlement};
use payplan_explain::Shown;
use payplan_network::{MemberIx, Network};
use rust_decimal::Decimal;

use crate::names::{kept_by_default, node_named, rank_node};
use crate::{Plan, Run, RunError};

/// One of the plan's ranks, as a member holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rank<'a> {
    /// Its place in [`Plan::ranks`]: 0 is the lowest rank.
    pub index: usize,
    pub name: &'a str,
}

impl<'a> Run<'a> {
    /// Evaluates and settles `plan` on `net`, then checks that the run holds
    /// what it always keeps, so that reading it needs no fallback.
    pub(crate) fn new(
        plan: &'a Plan,
        net: &'a Network,
        options: EvalOptions,
    ) -> Result<Run<'a>, RunError> {
        let mut eval = payplan_eval::evaluate_with(&plan.typed, net, options)?;
        let settlement = payplan_eval::settle(&plan.typed, net, &mut eval)?;
        let (paid_per_bonus, paid) = paid_totals(&settlement)?;
        let run = Run {
            plan,
            net,
            eval,
            settlement,
            every_value: options.keep_every_value,
            paid_per_bonus,
            paid,
        };
        run.check_kept()?;
        Ok(run)
    }

    pub(crate) fn typed(&self) -> &'a TypedPlan {
        &self.plan.typed
    }

    /// Every bonus has its amounts, every export its values at every member
    /// (a column is kept whole or not at all: the first and the last member
    /// tell), and every rank an export shows is one of the plan's.
    fn check_kept(&self) -> Result<(), RunError> {
        let typed = self.typed();
        for (b, spec) in typed.bonuses.iter().enumerate() {
            if self.settlement.paid_amounts().get(b).is_none()
                || self.settlement.capped_amounts().get(b).is_none()
            {
                return Err(RunError::Lost {
                    name: spec.name.clone(),
                });
            }
        }
        let Some(last) = self.net.len().checked_sub(1) else {
            return Ok(());
        };
        let last = MemberIx::try_from(last).map_err(|_| RunError::NoMember {
            index: MemberIx::MAX,
            members: self.net.len(),
        })?;
        for e in &typed.exports {
            let value = |m| self.settlement.value(typed, &self.eval, e.node, m);
            if value(0).is_none() || value(last).is_none() {
                return Err(RunError::Lost {
                    name: e.name.clone(),
                });
            }
            if e.ty == Ty::Rank {
                for m in 0..=last {
                    self.rank_name(&e.name, value(m))?;
                }
            }
        }
        Ok(())
    }

    /// The plan the run evaluated.
    pub fn plan(&self) -> &'a Plan {
        self.plan
    }

    /// The network the run evaluated.
    pub fn network(&self) -> &'a Network {
        self.net
    }

    /// Whether the run kept every value
    /// ([`EvalOptions::keep_every_value`]); by default it keeps the
    /// bonuses, the exports and the limit.
    pub fn keeps_every_value(&self) -> bool {
        self.every_value
    }

    /// Whether [`Run::value_at`] can read `name` (a bonus, an export,
    /// `rank`, an input or a `let`) on this run.
    pub fn keeps(&self, name: &str) -> Result<bool, RunError> {
        let typed = self.typed();
        let node = node_named(typed, name).ok_or_else(|| RunError::UnknownName {
            name: name.to_string(),
        })?;
        Ok(self.every_value
            || kept_by_default(typed, node)
            || (!self.net.is_empty()
                && self.settlement.value(typed, &self.eval, node, 0).is_some()))
    }

    /// Per bonus in declaration order, the final amounts (after caps, the
    /// limit and rounding). Members without a kept amount were paid a plain
    /// zero.
    pub fn paid_amounts(&self) -> &[Amounts] {
        self.settlement.paid_amounts()
    }

    /// Per bonus in declaration order, the amounts after each member's cap,
    /// before the limit and rounding.
    pub fn capped_amounts(&self) -> &[Amounts] {
        self.settlement.capped_amounts()
    }

    /// Bonus `bonus`'s (declaration order) final amount at member `m`;
    /// `None` when the plan has no such bonus.
    pub fn paid_at(&self, bonus: usize, m: MemberIx) -> Option<Decimal> {
        self.paid_amounts().get(bonus).map(|a| a.get(m))
    }

    /// The sum of all amounts after per-member caps, before the limit.
    pub fn before_limit(&self) -> Decimal {
        self.settlement.total
    }

    /// The global payout limit (`max(limit, 0)`), when the plan has one.
    pub fn limit(&self) -> Option<Decimal> {
        self.settlement.limit
    }

    /// Whether the limit scaled every amount down.
    pub fn limit_applied(&self) -> bool {
        self.settlement.scaled
    }

    /// The value named `name` (a bonus before the limit, an export, `rank`,
    /// an input or a `let`) at member `m`; a run keeps the values of inputs
    /// and `let`s only with [`EvalOptions::keep_every_value`].
    pub fn value_at(&self, name: &str, m: MemberIx) -> Result<Shown, RunError> {
        let typed = self.typed();
        let node = node_named(typed, name).ok_or_else(|| RunError::UnknownName {
            name: name.to_string(),
        })?;
        Ok(match self.kept_value(name, node, m)? {
            Val::Dec(d) => Shown::Number(d),
            Val::Bool(b) => Shown::Bool(b),
            r @ Val::Rank(_) => Shown::Rank(self.rank_name(name, Some(r))?.map(str::to_string)),
        })
    }

    /// Member `m`'s rank, `None` for no rank (every member of a plan
    /// without ranks has none). A run keeps the ranks when the plan exports
    /// them ([`Plan::keeps_by_default`]) or it keeps every value.
    pub fn rank_at(&self, m: MemberIx) -> Result<Option<Rank<'a>>, RunError> {
        let Some(node) = rank_node(self.typed()) else {
            return Ok(None);
        };
        let v = self.kept_value("rank", node, m)?;
        let name = self.rank_name("rank", Some(v))?;
        Ok(match (v, name) {
            (Val::Rank(r), Some(name)) => Some(Rank {
                index: usize::from(r) - 1,
                name,
            }),
            _ => None,
        })
    }

    /// `node`'s value at `m`, an error when `m` is out of range or the run
    /// did not keep it.
    fn kept_value(&self, name: &str, node: usize, m: MemberIx) -> Result<Val, RunError> {
        if m as usize >= self.net.len() {
            return Err(RunError::NoMember {
                index: m,
                members: self.net.len(),
            });
        }
        self.settlement
            .value(self.typed(), &self.eval, node, m)
            .ok_or_else(|| RunError::NotKept {
                name: name.to_string(),
            })
    }

    /// The name of rank value `v` of `name`: `None` for rank 0 (no rank).
    fn rank_name(&self, name: &str, v: Option<Val>) -> Result<Option<&'a str>, RunError> {
        let ranks = &self.typed().ranks;
        match v {
            Some(Val::Rank(0)) => Ok(None),
            Some(Val::Rank(r)) => ranks
                .get(usize::from(r) - 1)
                .map(|s| Some(s.as_str()))
                .ok_or_else(|| RunError::RankOutOfRange {
                    name: name.to_string(),
                    rank: r,
                    ranks: ranks.len(),
                }),
            Some(_) => Err(RunError::WrongKind {
                name: name.to_string(),
            }),
            None => Err(RunError::Lost {
                name: name.to_string(),
            }),
        }
    }
}

/// Each bonus's total final amount and their sum, exactly: a total beyond
/// what a decimal holds is refused, never capped.
fn paid_totals(settlement: &Settlement) -> Result<(Vec<Decimal>, Decimal), EvalError> {
    let mut per_bonus = Vec::with_capacity(settlement.paid_amounts().len());
    let mut paid = Decimal::ZERO;
    for amounts in settlement.paid_amounts() {
        let mut total = Decimal::ZERO;
        for (_, amount) in amounts.iter() {
            total = total.checked_add(amount).ok_or(EvalError::TotalOverflow)?;
        }
        paid = paid.checked_add(total).ok_or(EvalError::TotalOverflow)?;
        per_bonus.push(total);
    }
    Ok((per_bonus, paid))
}
