//! What a run returns to hosts: payouts, exported values and totals.

use payplan_check::{Ty, TypedPlan, Val};
use payplan_eval::{Evaluation, Settlement};
use payplan_network::Network;
use rust_decimal::Decimal;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// One member's final amount of one bonus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payout {
    pub member: String,
    /// Shared by every payout of the bonus.
    pub bonus: Arc<str>,
    /// Rounded as the plan says.
    pub amount: Decimal,
}

/// A per-member value the plan exports (`export rank`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ExportValue {
    Number(Decimal),
    Bool(bool),
    /// A rank's name; `None` for a member with no rank.
    Rank(Option<Arc<str>>),
}

/// One member's exported values, in the plan's export order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberValues {
    pub member: String,
    pub values: Vec<ExportValue>,
}

/// Sums over the whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub members: usize,
    /// Final (rounded) totals per bonus, in declaration order.
    pub per_bonus: Vec<(String, Decimal)>,
    /// The sum of all final amounts.
    pub paid: Decimal,
    /// The sum of all amounts after per-member caps, before the global limit.
    pub before_limit: Decimal,
    /// The global limit, when the plan has one.
    pub limit: Option<Decimal>,
    /// Whether the limit scaled every amount down.
    pub limit_applied: bool,
}

/// The result of running a plan on a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub plan: String,
    pub currency: String,
    /// Non-zero amounts, in network-file order, then bonus declaration order.
    pub payouts: Vec<Payout>,
    /// The names of the exported columns.
    pub export_columns: Vec<String>,
    /// Every member's exported values, in network-file order.
    pub members: Vec<MemberValues>,
    pub totals: Totals,
    /// Decimal places of amounts, from the plan's rounding.
    pub places: u32,
}

fn clean(d: Decimal) -> Decimal {
    if d.is_zero() {
        Decimal::ZERO
    } else {
        d
    }
}

pub(crate) fn build(
    plan: &TypedPlan,
    net: &Network,
    eval: &Evaluation,
    settlement: &Settlement,
) -> Outcome {
    let bonus_names: Vec<Arc<str>> = plan
        .bonuses
        .iter()
        .map(|b| Arc::from(b.name.as_str()))
        .collect();
    let rank_names: Vec<Arc<str>> = plan.ranks.iter().map(|r| Arc::from(r.as_str())).collect();
    let mut payouts = Vec::new();
    let mut members = Vec::with_capacity(net.len());
    for &m in net.file_order() {
        for (b, bonus) in plan.bonuses.iter().enumerate() {
            let amount = settlement
                .paid
                .get(b)
                .and_then(|c| c.get(m as usize))
                .copied()
                .unwrap_or_default();
            if !amount.is_zero() {
                payouts.push(Payout {
                    member: net.id(m).to_string(),
                    bonus: bonus_names
                        .get(b)
                        .cloned()
                        .unwrap_or_else(|| Arc::from(bonus.name.as_str())),
                    amount,
                });
            }
        }
        {
            let values = plan
                .exports
                .iter()
                .map(|e| match (e.ty, eval.value(e.node, m)) {
                    (_, Some(Val::Rank(r))) => {
                        ExportValue::Rank(rank_names.get(usize::from(r).wrapping_sub(1)).cloned())
                    }
                    (_, Some(Val::Bool(b))) => ExportValue::Bool(b),
                    (Ty::Bool, Some(Val::Dec(d))) => ExportValue::Bool(!d.is_zero()),
                    (_, Some(Val::Dec(d))) => ExportValue::Number(clean(plan.rounding.apply(d))),
                    (_, None) => ExportValue::Number(Decimal::ZERO),
                })
                .collect();
            members.push(MemberValues {
                member: net.id(m).to_string(),
                values,
            });
        }
    }
    let per_bonus: Vec<(String, Decimal)> = plan
        .bonuses
        .iter()
        .zip(&settlement.paid)
        .map(|(b, col)| {
            (
                b.name.clone(),
                col.iter().fold(Decimal::ZERO, |a, x| a.saturating_add(*x)),
            )
        })
        .collect();
    let paid = per_bonus
        .iter()
        .fold(Decimal::ZERO, |a, (_, x)| a.saturating_add(*x));
    Outcome {
        plan: plan.name.clone(),
        currency: plan.currency.clone(),
        payouts,
        export_columns: plan.exports.iter().map(|e| e.name.clone()).collect(),
        members,
        totals: Totals {
            members: net.len(),
            per_bonus,
            paid,
            before_limit: settlement.total,
            limit: settlement.limit,
            limit_applied: settlement.scaled,
        },
        places: plan.rounding.places,
    }
}

impl Outcome {
    fn amount_text(&self, d: Decimal) -> String {
        format!("{:.*}", self.places as usize, clean(d))
    }

    /// The payout table of `payplan run`: `member,bonus,amount`.
    pub fn payouts_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let _ = w.write_record(["member", "bonus", "amount"]);
        for p in &self.payouts {
            let _ = w.write_record([
                p.member.as_str(),
                &*p.bonus,
                self.amount_text(p.amount).as_str(),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// The members table of `payplan run --members`: `member` and the exports.
    pub fn members_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let header: Vec<&str> = std::iter::once("member")
            .chain(self.export_columns.iter().map(String::as_str))
            .collect();
        let _ = w.write_record(&header);
        for row in &self.members {
            let mut record = vec![row.member.clone()];
            for v in &row.values {
                record.push(match v {
                    ExportValue::Number(d) => self.amount_text(*d),
                    ExportValue::Bool(b) => b.to_string(),
                    ExportValue::Rank(r) => r.as_deref().unwrap_or_default().to_string(),
                });
            }
            let _ = w.write_record(&record);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
