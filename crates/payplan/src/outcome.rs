//! What a run returns to hosts: payouts, exported values and totals.

use payplan_check::{amount_text, write_amount, MatrixValue, NodeKind, Ty, TypedPlan, Val};
use payplan_eval::{Amounts, Evaluation, Settlement};
use payplan_explain::{ExplainError, ExplainOptions, Explanation};
use payplan_network::{MemberIx, Network};
use rust_decimal::Decimal;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Error, Plan};

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
    /// Text: a member's place in the forced matrix (`matrix_parent`, the
    /// parent's id; `matrix_position`, one digit), empty for a matrix root.
    /// In JSON it is `{"text": ...}`, so that it never reads back as a
    /// rank's name or a number.
    Text(ExportText),
}

/// The text of an [`ExportValue::Text`], kept apart from a rank's name in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportText {
    pub text: String,
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
    pub(crate) plan: &'a Plan,
    pub(crate) net: &'a Network,
    pub(crate) eval: Evaluation,
    pub(crate) settlement: Settlement,
    /// Whether the evaluation kept every node's values.
    pub(crate) every_value: bool,
    /// Each bonus's total final amount, in declaration order, summed exactly
    /// when the run was made.
    pub(crate) paid_per_bonus: Vec<Decimal>,
    /// The sum of `paid_per_bonus`.
    pub(crate) paid: Decimal,
}

/// A payout found in the kept amounts: its bonus and its place among the
/// bonus's kept amounts.
type Found = (u32, u32);

impl Run<'_> {
    /// Explains member `id`: the rank, each bonus's qualification, sources,
    /// cap, limit and rounding. A run that did not keep every value
    /// ([`crate::EvalOptions::keep_every_value`]) evaluates the plan again,
    /// keeping them, for each call: to explain many members, evaluate once
    /// with every value kept.
    pub fn explain(&self, id: &str, options: ExplainOptions) -> Result<Explanation, Error> {
        if self.net.index_of(id).is_none() {
            return Err(ExplainError::UnknownMember { id: id.to_string() }.into());
        }
        if !self.every_value {
            let keep = crate::EvalOptions {
                keep_every_value: true,
            };
            return Run::new(self.plan, self.net, keep)?.explain(id, options);
        }
        Ok(payplan_explain::explain(
            self.typed(),
            self.net,
            &self.eval,
            &self.settlement,
            id,
            options,
        )?)
    }

    /// Non-zero final amounts as (member's id, bonus name, amount), in
    /// network file order, then bonus declaration order.
    fn payout_rows(&self) -> impl Iterator<Item = (&str, &str, Decimal)> + '_ {
        // The kept amounts are scanned in member order and only the non-zero
        // ones sorted into file order, each with its place among its bonus's
        // amounts: no search per row.
        // Each row is one `u64`, the file row above the row's place in
        // `found`, which is bonus-major: sorting the numbers sorts the rows by
        // file row, then bonus.
        // `Run::new` checked that every bonus has its amounts.
        let columns: Vec<(&str, &Amounts)> = self
            .typed()
            .bonuses
            .iter()
            .map(|b| b.name.as_str())
            .zip(self.settlement.paid_amounts())
            .collect();
        let mut found: Vec<Found> = Vec::new();
        let mut keys: Vec<u64> = Vec::new();
        for (b, (_, column)) in (0..).zip(&columns) {
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
            let (name, amount) = found_payout(&columns, &found, key);
            (self.net.row_id((key >> 32) as usize), name, amount)
        })
    }

    /// Every member's id and exported values, in network file order. The
    /// values are gathered a block of members at a time in a tight loop, so
    /// that the cache misses of reading them out of member order overlap.
    fn member_rows(&self) -> impl Iterator<Item = (&str, Vec<ExportValue>)> + '_ {
        const BLOCK: usize = 4096;
        let typed = self.typed();
        let ranks = rank_names(typed);
        let exports = &typed.exports;
        let matrix: Vec<Option<MatrixValue>> = exports
            .iter()
            .map(|e| match typed.nodes.get(e.node).map(|n| &n.kind) {
                Some(NodeKind::Matrix(what)) => Some(*what),
                _ => None,
            })
            .collect();
        (0..)
            .step_by(BLOCK)
            .zip(self.net.file_order().chunks(BLOCK))
            .flat_map(move |(start, block)| {
                let gathered: Vec<Vec<Val>> = exports
                    .iter()
                    .map(|e| block.iter().map(|&m| self.export_at(e.node, m)).collect())
                    .collect();
                let ranks = ranks.clone();
                let matrix = matrix.clone();
                (0..block.len()).map(move |i| {
                    let values = exports
                        .iter()
                        .zip(&gathered)
                        .zip(&matrix)
                        .map(|((e, g), place)| match place {
                            Some(what) => self.matrix_text(*what, block.get(i).copied()),
                            None => export_value(typed, e.ty, gathered_at(g, i), &ranks),
                        })
                        .collect();
                    (self.net.row_id(start + i), values)
                })
            })
    }

    /// `matrix_parent` or `matrix_position` at member `m`: the parent's id
    /// or the position's digit, empty for a matrix root.
    fn matrix_text(&self, what: MatrixValue, m: Option<MemberIx>) -> ExportValue {
        let place = self.net.matrix().zip(m);
        let text = match (what, place) {
            (MatrixValue::Parent, Some((matrix, m))) => match matrix.parent(m) {
                payplan_network::NONE => String::new(),
                p => self.net.id(p).to_owned(),
            },
            (MatrixValue::Position, Some((matrix, m))) => matrix
                .position(m)
                .map(|k| k.to_string())
                .unwrap_or_default(),
            (_, None) => String::new(),
        };
        ExportValue::Text(ExportText { text })
    }

    /// An export's value at a member of the network.
    #[expect(
        clippy::expect_used,
        reason = "Run::new checked that every export's column is kept, and `m` comes from the network"
    )]
    fn export_at(&self, node: usize, m: MemberIx) -> Val {
        self.settlement
            .value(self.typed(), &self.eval, node, m)
            .expect("an export's value at a member")
    }

    /// Every non-zero final amount, in network file order, then bonus
    /// declaration order: the rows of [`Outcome::payouts`], streamed from
    /// the run (a host of millions of members keeps no copy).
    pub fn payouts(&self) -> impl Iterator<Item = PayoutRow<'_>> + '_ {
        self.payout_rows().map(|(member, bonus, amount)| PayoutRow {
            member,
            bonus,
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
        let places = self.typed().rounding.places;
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(out);
        w.write_record(["member", "bonus", "amount"])?;
        let mut text = String::new();
        for (id, bonus, amount) in self.payout_rows() {
            write_amount(&mut text, amount, places);
            w.write_record([id, bonus, &text])?;
        }
        w.flush()
    }

    /// Writes the members table of `payplan run --members`: `member` and the exports.
    pub fn write_members_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let typed = self.typed();
        let places = typed.rounding.places;
        let header: Vec<&str> = std::iter::once("member")
            .chain(typed.exports.iter().map(|e| e.name.as_str()))
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
        let (plan, net, settlement) = (self.typed(), self.net, &self.settlement);
        let bonus_names: Vec<(&str, Arc<str>)> = plan
            .bonuses
            .iter()
            .map(|b| (b.name.as_str(), Arc::from(b.name.as_str())))
            .collect();
        let payouts = self
            .payout_rows()
            .map(|(id, bonus, amount)| Payout {
                member: id.to_string(),
                bonus: shared_name(&bonus_names, bonus),
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
            .zip(&self.paid_per_bonus)
            .map(|(b, paid)| (b.name.clone(), *paid))
            .collect();
        let paid = self.paid;
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

/// The bonus name and amount of the payout `key` points at.
#[expect(
    clippy::indexing_slicing,
    clippy::expect_used,
    reason = "the keys' low halves index `found`, whose entries index `columns` and their kept amounts, all built together in `payout_rows`"
)]
fn found_payout<'a>(
    columns: &[(&'a str, &Amounts)],
    found: &[Found],
    key: u64,
) -> (&'a str, Decimal) {
    let (b, i) = found[(key & u64::from(u32::MAX)) as usize];
    let (name, column) = columns[b as usize];
    let (_, amount) = column.entry(i as usize).expect("a kept amount");
    (name, amount)
}

/// The `i`-th gathered value of a block.
#[expect(
    clippy::indexing_slicing,
    reason = "every export's gathered values cover the whole block"
)]
fn gathered_at(values: &[Val], i: usize) -> Val {
    values[i]
}

/// The shared name of bonus `name`, one `Arc` per bonus.
#[expect(
    clippy::expect_used,
    reason = "payout rows name the plan's own bonuses"
)]
fn shared_name(names: &[(&str, Arc<str>)], name: &str) -> Arc<str> {
    names
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, shared)| Arc::clone(shared))
        .expect("a bonus of the plan")
}

/// Rank `r`'s name for exports: `None` is no rank (0), `Some` rank `r`.
fn rank_names(plan: &TypedPlan) -> Vec<Option<Arc<str>>> {
    std::iter::once(None)
        .chain(plan.ranks.iter().map(|r| Some(Arc::from(r.as_str()))))
        .collect()
}

/// An exported value as hosts see it: numbers rounded as the plan says.
#[expect(
    clippy::indexing_slicing,
    reason = "Run::new checked every rank an export holds against the plan's ranks"
)]
fn export_value(plan: &TypedPlan, ty: Ty, v: Val, rank_names: &[Option<Arc<str>>]) -> ExportValue {
    match (ty, v) {
        (_, Val::Rank(r)) => ExportValue::Rank(rank_names[usize::from(r)].clone()),
        (_, Val::Bool(b)) => ExportValue::Bool(b),
        (Ty::Bool, Val::Dec(d)) => ExportValue::Bool(!d.is_zero()),
        (_, Val::Dec(d)) => ExportValue::Number(clean(plan.rounding.apply(d))),
    }
}

/// How an exported value is written in the members table: a member with no
/// rank has an empty cell.
fn cell_text(v: &ExportValue, places: u32) -> String {
    match v {
        ExportValue::Number(d) => amount_text(*d, places),
        ExportValue::Bool(b) => b.to_string(),
        ExportValue::Rank(r) => r.as_deref().unwrap_or_default().to_string(),
        ExportValue::Text(t) => t.text.clone(),
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

/// A CSV table as text.
#[expect(
    clippy::expect_used,
    reason = "writing a table of UTF-8 cells into memory cannot fail"
)]
fn table_text<R, C>(header: &[&str], rows: impl Iterator<Item = R>) -> String
where
    R: IntoIterator<Item = C>,
    C: AsRef<[u8]>,
{
    let mut out = Vec::new();
    write_table(&mut out, header, rows).expect("a table written into memory");
    String::from_utf8(out).expect("a table of UTF-8 cells")
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
        table_text(&["member", "bonus", "amount"], rows)
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
        table_text(&header, rows)
    }
}
