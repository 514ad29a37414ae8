//! What a run returns to hosts: payouts, exported values and totals.

use payplan_check::{amount_text, write_amount, Ty, TypedPlan, Val};
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

/// One member's final amount of one bonus, borrowed from a [`Run`]: what
/// [`Run::payouts`] streams without building the owned [`Outcome`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PayoutRow<'a> {
    pub member: &'a str,
    pub bonus: &'a str,
    /// Rounded as the plan says.
    pub amount: Decimal,
}

/// One member's exported values, the id borrowed from a [`Run`]: what
/// [`Run::members`] streams.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberRow<'a> {
    pub member: &'a str,
    pub values: Vec<ExportValue>,
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

/// A finished run: every value and settled amount, before anything is
/// copied into owned rows. Tools that only write tables (the command line)
/// stream them from here; [`Run::outcome`] builds the owned [`Outcome`].
pub struct Run<'a> {
    pub(crate) plan: &'a TypedPlan,
    pub(crate) net: &'a Network,
    pub(crate) eval: Evaluation,
    pub(crate) settlement: Settlement,
}

impl Run<'_> {
    /// Explains member `id`; the run must have kept every value
    /// ([`crate::EvalOptions::keep_every_value`]), or the parts read as zero.
    pub fn explain(
        &self,
        id: &str,
        options: payplan_explain::ExplainOptions,
    ) -> Result<payplan_explain::Explanation, payplan_explain::ExplainError> {
        payplan_explain::explain(
            self.plan,
            self.net,
            &self.eval,
            &self.settlement,
            id,
            options,
        )
    }

    /// Non-zero final amounts as (member's id, bonus index, amount), in
    /// network file order, then bonus declaration order.
    fn payout_rows(&self) -> impl Iterator<Item = (&str, usize, Decimal)> + '_ {
        // The kept amounts are scanned in member order and only the non-zero
        // ones sorted into file order, each with its place among its bonus's
        // amounts: no search per row.
        // Each row is one `u64`, the file row above the row's place in
        // `found`, which is bonus-major: sorting the numbers sorts the rows by
        // file row, then bonus.
        let paid = self.settlement.paid_amounts();
        let mut found: Vec<(u32, u32)> = Vec::new();
        let mut keys: Vec<u64> = Vec::new();
        for (b, column) in paid.iter().enumerate() {
            let b = u32::try_from(b).unwrap_or(u32::MAX);
            for (i, (m, amount)) in (0..).zip(column.iter()) {
                if !amount.is_zero() {
                    let row = self.net.file_row(m) as u64;
                    keys.push(row << 32 | found.len() as u64);
                    found.push((b, i));
                }
            }
        }
        keys.sort_unstable();
        keys.into_iter().map(move |key| {
            let (b, i) = found
                .get((key & u64::from(u32::MAX)) as usize)
                .copied()
                .unwrap_or_default();
            let amount = paid
                .get(b as usize)
                .and_then(|c| c.entry(i as usize))
                .map(|(_, a)| a)
                .unwrap_or_default();
            (self.net.row_id((key >> 32) as usize), b as usize, amount)
        })
    }

    /// Every member's id and exported values, in network file order. The
    /// values are gathered a block of members at a time in a tight loop, so
    /// that the cache misses of reading them out of member order overlap.
    fn member_rows(&self) -> impl Iterator<Item = (&str, Vec<ExportValue>)> + '_ {
        const BLOCK: usize = 4096;
        let ranks = self.rank_names();
        let exports = &self.plan.exports;
        (0..)
            .step_by(BLOCK)
            .zip(self.net.file_order().chunks(BLOCK))
            .flat_map(move |(start, block)| {
                let gathered: Vec<Vec<Option<Val>>> = exports
                    .iter()
                    .map(|e| {
                        block
                            .iter()
                            .map(|&m| self.settlement.value(self.plan, &self.eval, e.node, m))
                            .collect()
                    })
                    .collect();
                let ranks = ranks.clone();
                (0..block.len()).map(move |i| {
                    let values = exports
                        .iter()
                        .zip(&gathered)
                        .map(|(e, g)| self.export_value(e.ty, g.get(i).copied().flatten(), &ranks))
                        .collect();
                    (self.net.row_id(start + i), values)
                })
            })
    }

    /// An exported value as hosts see it.
    fn export_value(&self, ty: Ty, v: Option<Val>, rank_names: &[Arc<str>]) -> ExportValue {
        match (ty, v) {
            (_, Some(Val::Rank(r))) => {
                ExportValue::Rank(rank_names.get(usize::from(r).wrapping_sub(1)).cloned())
            }
            (_, Some(Val::Bool(b))) => ExportValue::Bool(b),
            (Ty::Bool, Some(Val::Dec(d))) => ExportValue::Bool(!d.is_zero()),
            (_, Some(Val::Dec(d))) => ExportValue::Number(clean(self.plan.rounding.apply(d))),
            (_, None) => ExportValue::Number(Decimal::ZERO),
        }
    }

    fn rank_names(&self) -> Vec<Arc<str>> {
        self.plan
            .ranks
            .iter()
            .map(|r| Arc::from(r.as_str()))
            .collect()
    }

    /// Every non-zero final amount, in network file order, then bonus
    /// declaration order: the rows of [`Outcome::payouts`], streamed from
    /// the run (a host of millions of members keeps no copy).
    pub fn payouts(&self) -> impl Iterator<Item = PayoutRow<'_>> + '_ {
        self.payout_rows().map(|(member, b, amount)| PayoutRow {
            member,
            bonus: self.plan.bonuses.get(b).map_or("", |x| x.name.as_str()),
            amount,
        })
    }

    /// Every member's exported values, in network file order: the rows of
    /// [`Outcome::members`], streamed from the run.
    pub fn members(&self) -> impl Iterator<Item = MemberRow<'_>> + '_ {
        self.member_rows()
            .map(|(member, values)| MemberRow { member, values })
    }

    /// Writes the payout table of `payplan run` (`member,bonus,amount`).
    pub fn write_payouts_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let places = self.plan.rounding.places;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        w.write_record(["member", "bonus", "amount"])?;
        let mut text = String::new();
        for (id, b, amount) in self.payout_rows() {
            let bonus = self.plan.bonuses.get(b).map_or("", |x| x.name.as_str());
            write_amount(&mut text, amount, places);
            w.write_record([id, bonus, &text])?;
        }
        w.flush()
    }

    /// Writes the members table of `payplan run --members`: `member` and the exports.
    pub fn write_members_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let places = self.plan.rounding.places;
        let header: Vec<&str> = std::iter::once("member")
            .chain(self.plan.exports.iter().map(|e| e.name.as_str()))
            .collect();
        let rows = self.member_rows().map(|(id, values)| {
            std::iter::once(id.to_string())
                .chain(values.iter().map(|v| cell_text(v, places)))
                .collect::<Vec<String>>()
        });
        write_table(out, &header, rows)
    }

    /// The owned, serializable result.
    pub fn outcome(&self) -> Outcome {
        let (plan, net, settlement) = (self.plan, self.net, &self.settlement);
        let bonus_names: Vec<Arc<str>> = plan
            .bonuses
            .iter()
            .map(|b| Arc::from(b.name.as_str()))
            .collect();
        let payouts = self
            .payout_rows()
            .map(|(id, b, amount)| Payout {
                member: id.to_string(),
                bonus: bonus_names.get(b).cloned().unwrap_or_else(|| Arc::from("")),
                amount,
            })
            .collect();
        let mut members = Vec::with_capacity(net.len());
        members.extend(self.member_rows().map(|(id, values)| MemberValues {
            member: id.to_string(),
            values,
        }));
        let per_bonus: Vec<(String, Decimal)> = plan
            .bonuses
            .iter()
            .zip(settlement.paid_amounts())
            .map(|(b, col)| {
                (
                    b.name.clone(),
                    col.iter()
                        .fold(Decimal::ZERO, |a, (_, x)| a.saturating_add(x)),
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
}

/// How an exported value is written in the members table.
fn cell_text(v: &ExportValue, places: u32) -> String {
    match v {
        ExportValue::Number(d) => amount_text(*d, places),
        ExportValue::Bool(b) => b.to_string(),
        ExportValue::Rank(r) => r.as_deref().unwrap_or_default().to_string(),
    }
}

/// Writes a CSV table (RFC 4180 quoting where needed, LF line ends).
fn write_table<R, C>(
    out: &mut dyn std::io::Write,
    header: &[&str],
    rows: impl Iterator<Item = R>,
) -> std::io::Result<()>
where
    R: IntoIterator<Item = C>,
    C: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    w.write_record(header)?;
    for row in rows {
        w.write_record(row)?;
    }
    w.flush()
}

impl Outcome {
    /// The payout table of `payplan run`: `member,bonus,amount`.
    pub fn payouts_csv(&self) -> String {
        let rows = self.payouts.iter().map(|p| {
            [
                p.member.clone(),
                p.bonus.to_string(),
                amount_text(p.amount, self.places),
            ]
        });
        let mut out = Vec::new();
        let _ = write_table(&mut out, &["member", "bonus", "amount"], rows);
        String::from_utf8(out).unwrap_or_default()
    }

    /// The members table of `payplan run --members`: `member` and the exports.
    pub fn members_csv(&self) -> String {
        let header: Vec<&str> = std::iter::once("member")
            .chain(self.export_columns.iter().map(String::as_str))
            .collect();
        let rows = self.members.iter().map(|row| {
            std::iter::once(row.member.clone())
                .chain(row.values.iter().map(|v| cell_text(v, self.places)))
                .collect::<Vec<String>>()
        });
        let mut out = Vec::new();
        let _ = write_table(&mut out, &header, rows);
        String::from_utf8(out).unwrap_or_default()
    }
}
