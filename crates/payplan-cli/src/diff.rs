//! `payplan diff`: compare what two versions of a plan pay on one network.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use payplan::{BonusExplanation, Decimal, Explanation, Network, Plan};
use payplan_tools::diff::{DiffError, MemberChange, PlanDiff};
use serde::Serialize;

use crate::{args::ReportFormat, compile, load_network, network_message, Streams, EXIT_REFUSED};

const ABOUT: &str = "Compare what two versions of a plan pay on one network";

const LONG_ABOUT: &str = "\
Compare what two versions of a plan pay on one network.

Both plans run on the network; standard output gets the totals per bonus, old
and new, the number of members paid more (winners), less (losers) and the
same, the members whose pay changes (largest changes first), the members
whose rank changes and whether the payout limit applied in each plan. With
`--member ID` it also gets that member's explanation under each plan, side
by side. With `--format json` it gets all of it as JSON, every changed member
included.

The network is read once, with the columns of both plans; when the plans read
a column in different ways it is read once per plan and members are matched
by id. A difference is not a failure: the exit status is 0 whenever both plans
run, and 2 on any error (a file that cannot be read, a plan that does not
compile, a refused network, an unknown member).

Example:
  payplan diff plans/unilevel.plan plans/unilevel_compressed.plan \\
      --network network.csv --member fay";

/// `payplan diff OLD.plan NEW.plan --network NET.csv [--member ID] [--top N] [--format FORMAT]`
#[derive(Debug, Args)]
#[command(about = ABOUT, long_about = LONG_ABOUT)]
pub(crate) struct DiffArgs {
    /// The plan as it is
    #[arg(value_name = "OLD.plan")]
    old: PathBuf,

    /// The plan as it would be
    #[arg(value_name = "NEW.plan")]
    new: PathBuf,

    /// The network: a CSV file with one row per member
    #[arg(long, value_name = "NET.csv")]
    network: PathBuf,

    /// Also explain this member's pay under both plans
    #[arg(long, value_name = "ID")]
    member: Option<String>,

    /// How many changed members the text lists (JSON lists them all)
    #[arg(long, value_name = "N", default_value_t = 20)]
    top: usize,

    /// The format of standard output
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Text)]
    format: ReportFormat,
}

/// The JSON document of `payplan diff --format json`.
#[derive(Serialize)]
struct Report<'a> {
    old_file: String,
    new_file: String,
    network_file: String,
    /// `once` with the columns of both plans, or `per_plan` (members matched by id).
    network_read: &'static str,
    #[serde(flatten)]
    diff: &'a PlanDiff,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<MemberReport>,
}

/// One member's explanations under both plans.
#[derive(Serialize)]
struct MemberReport {
    id: String,
    old: serde_json::Value,
    new: serde_json::Value,
}

/// The network as each plan reads it: one copy when a schema serves both.
struct Networks {
    old: Network,
    /// The new plan's copy, when it reads the file on its own.
    new: Option<Network>,
}

impl Networks {
    fn for_old(&self) -> &Network {
        &self.old
    }

    fn for_new(&self) -> &Network {
        self.new.as_ref().unwrap_or(&self.old)
    }

    fn shared(&self) -> bool {
        self.new.is_none()
    }
}

pub(crate) fn run(args: &DiffArgs, streams: &mut Streams<'_>) -> i32 {
    // Both plans are compiled (and their errors shown) before either refuses.
    let old = compile(&args.old, streams);
    let new = compile(&args.new, streams);
    let (old, new) = match (old, new) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(()), Err(())) => {
            return streams.refuse(
                &format!(
                    "neither `{}` nor `{}` compiles",
                    args.old.display(),
                    args.new.display()
                ),
                None,
            )
        }
        (Err(()), _) => {
            return streams.refuse(&format!("`{}` does not compile", args.old.display()), None)
        }
        (_, Err(())) => {
            return streams.refuse(&format!("`{}` does not compile", args.new.display()), None)
        }
    };
    let Ok(networks) = load(&old, &new, &args.network, streams) else {
        return EXIT_REFUSED;
    };
    if let Some(id) = &args.member {
        if networks.for_old().index_of(id).is_none() || networks.for_new().index_of(id).is_none() {
            return streams.refuse(
                &format!("`{}` has no member `{id}`", args.network.display()),
                Some("give the member's id as in the network's `id` column"),
            );
        }
    }
    let diff = match payplan_tools::diff::diff_networks(
        &old,
        networks.for_old(),
        &new,
        networks.for_new(),
    ) {
        Ok(diff) => diff,
        Err(e) => {
            let message = match &e {
                DiffError::Old(inner) => {
                    format!("cannot run `{}`: {inner}", args.old.display())
                }
                DiffError::New(inner) => {
                    format!("cannot run `{}`: {inner}", args.new.display())
                }
                other => format!("cannot compare the plans: {other}"),
            };
            return streams.refuse(&message, e.help().as_deref());
        }
    };
    let explained = match &args.member {
        None => None,
        Some(id) => {
            let old_side = explain(&old, &args.old, networks.for_old(), id);
            let new_side = explain(&new, &args.new, networks.for_new(), id);
            match (old_side, new_side) {
                (Ok(o), Ok(n)) => Some((id.clone(), o, n)),
                (Err(message), _) | (_, Err(message)) => return streams.refuse(&message, None),
            }
        }
    };
    let text = match args.format {
        ReportFormat::Text => render_text(args, &networks, &diff, explained.as_ref()),
        ReportFormat::Json => {
            let report = Report {
                old_file: args.old.display().to_string(),
                new_file: args.new.display().to_string(),
                network_file: args.network.display().to_string(),
                network_read: if networks.shared() {
                    "once"
                } else {
                    "per_plan"
                },
                diff: &diff,
                member: explained.map(|(id, o, n)| MemberReport {
                    id,
                    old: o.data,
                    new: n.data,
                }),
            };
            match serde_json::to_string_pretty(&report) {
                Ok(mut json) => {
                    json.push('\n');
                    json
                }
                Err(e) => return streams.refuse(&format!("cannot write the diff: {e}"), None),
            }
        }
    };
    streams.output(&text)
}

/// Reads the network once with the columns of both plans, or once per plan
/// when they read a column differently.
fn load(old: &Plan, new: &Plan, path: &Path, streams: &mut Streams<'_>) -> Result<Networks, ()> {
    match payplan_tools::diff::union_schema(old.schema(), new.schema()) {
        Some(schema) => Network::from_csv_path(path, &schema)
            .map(|old| Networks { old, new: None })
            .map_err(|e| {
                let message = network_message(path, &e);
                streams.refuse(&message, e.help().as_deref());
            }),
        None => {
            let o = load_network(old, path, streams)?;
            let n = load_network(new, path, streams)?;
            Ok(Networks {
                old: o,
                new: Some(n),
            })
        }
    }
}

/// A member's explanation under one plan: text for people, data for JSON.
struct Explained {
    explanation: payplan::Explanation,
    text: String,
    data: serde_json::Value,
}

/// The most source members an explanation lists per aggregate, as
/// `payplan explain` does by default.
const MAX_SOURCES: usize = 50;

/// The explanation of `member` under `plan` (the text and data of
/// `payplan explain`): the one place that builds it.
fn explain(plan: &Plan, path: &Path, network: &Network, member: &str) -> Result<Explained, String> {
    let options = payplan::ExplainOptions {
        max_sources: MAX_SOURCES,
    };
    let explanation = plan
        .explain_with(network, member, options)
        .map_err(|e| format!("cannot explain `{member}` under `{}`: {e}", path.display()))?;
    let data = serde_json::to_value(&explanation)
        .map_err(|e| format!("cannot write the explanation: {e}"))?;
    Ok(Explained {
        text: explanation.to_string(),
        explanation,
        data,
    })
}

/// An amount with exactly `places` decimals.
fn money(d: Decimal, places: u32) -> String {
    payplan::amount_text(d, places)
}

/// A change with its sign (`+12.50`, `-3.00`, `0.00`).
fn signed(d: Decimal, places: u32) -> String {
    if d.is_sign_positive() && !d.is_zero() {
        format!("+{}", money(d, places))
    } else {
        money(d, places)
    }
}

/// A table with aligned columns: the first left-aligned, the others right
/// (numbers) or, with `left`, left-aligned too.
fn aligned_table(header: &[&str], rows: &[Vec<String>], left: bool) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| (*h).to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            match (i, left) {
                (0, _) => {
                    let _ = write!(line, "{cell:<w$}");
                }
                (_, true) => {
                    let _ = write!(line, "  {cell:<w$}");
                }
                (_, false) => {
                    let _ = write!(line, "  {cell:>w$}");
                }
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A table of numbers: the first column left-aligned, the others right.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    aligned_table(header, rows, false)
}

/// A table with every column left-aligned.
fn left_table(header: &[&str], rows: &[Vec<String>]) -> String {
    aligned_table(header, rows, true)
}

/// The text of `payplan diff`.
fn render_text(
    args: &DiffArgs,
    networks: &Networks,
    diff: &PlanDiff,
    explained: Option<&(String, Explained, Explained)>,
) -> String {
    let places = diff.old.places.max(diff.new.places);
    let amount = |d: Option<Decimal>| d.map_or_else(|| "-".to_string(), |d| money(d, places));
    let mut out = String::new();
    let _ = writeln!(out, "old: {} ({})", args.old.display(), diff.old.plan);
    let _ = writeln!(out, "new: {} ({})", args.new.display(), diff.new.plan);
    let read = if networks.shared() {
        ""
    } else {
        ", read once per plan"
    };
    let _ = writeln!(
        out,
        "network: {}, {} members{read}",
        args.network.display(),
        diff.members
    );
    if diff.old.currency == diff.new.currency {
        let _ = writeln!(out, "amounts in {}", diff.old.currency);
    } else {
        let _ = writeln!(
            out,
            "amounts in {} (old) and {} (new)",
            diff.old.currency, diff.new.currency
        );
    }

    out.push('\n');
    let mut rows: Vec<Vec<String>> = diff
        .bonuses
        .iter()
        .map(|b| {
            vec![
                b.bonus.clone(),
                amount(b.old),
                amount(b.new),
                signed(b.change, places),
            ]
        })
        .collect();
    rows.push(vec![
        "total".to_string(),
        money(diff.total.old, places),
        money(diff.total.new, places),
        signed(diff.total.change, places),
    ]);
    out.push_str(&table(&["bonus", "old", "new", "change"], &rows));

    out.push('\n');
    let limit = |s: &payplan_tools::diff::PlanSummary| match s.limit {
        None => "none".to_string(),
        Some(l) if s.limit_applied => format!(
            "{} (applied: {} before the limit)",
            money(l, places),
            money(s.before_limit, places)
        ),
        Some(l) => format!("{} (not reached)", money(l, places)),
    };
    let _ = writeln!(out, "payout limit, old: {}", limit(&diff.old));
    let _ = writeln!(out, "payout limit, new: {}", limit(&diff.new));

    out.push('\n');
    let _ = write!(
        out,
        "{} (paid more), {} (paid less), {} unchanged",
        count(diff.winners, "winner", "winners"),
        count(diff.losers, "loser", "losers"),
        diff.unchanged,
    );
    if diff.reallocated > 0 {
        let _ = write!(out, ", {} of them from other bonuses", diff.reallocated);
    }
    out.push('\n');

    if !diff.changed.is_empty() {
        out.push('\n');
        out.push_str("members whose pay changes, largest changes first:\n");
        let detail = diff.bonuses.len() > 1;
        let shown: Vec<&MemberChange> = diff.changed.iter().take(args.top).collect();
        let mut rows = Vec::new();
        for c in &shown {
            rows.push(vec![
                c.member.clone(),
                money(c.old, places),
                money(c.new, places),
                signed(c.change, places),
            ]);
            if detail {
                for b in &c.bonuses {
                    rows.push(vec![
                        format!("  {}", b.bonus),
                        money(b.old, places),
                        money(b.new, places),
                        signed(b.change, places),
                    ]);
                }
            }
        }
        if !shown.is_empty() {
            out.push_str(&table(&["member", "old", "new", "change"], &rows));
        }
        let more = diff.changed.len().saturating_sub(shown.len());
        if more > 0 {
            let _ = writeln!(out, "and {more} more");
        }
    }

    out.push('\n');
    if diff.old.ranks.is_empty() && diff.new.ranks.is_empty() {
        out.push_str("ranks: neither plan has ranks\n");
    } else if diff.rank_changes.is_empty() {
        out.push_str("ranks: no member's rank changes\n");
    } else {
        let _ = writeln!(
            out,
            "ranks: {}",
            count(
                diff.rank_changes.len(),
                "member changes rank",
                "members change rank"
            )
        );
        let rows: Vec<Vec<String>> = diff
            .rank_changes
            .iter()
            .map(|r| {
                vec![
                    r.member.clone(),
                    r.old.clone().unwrap_or_else(|| "none".into()),
                    r.new.clone().unwrap_or_else(|| "none".into()),
                ]
            })
            .collect();
        out.push_str(&left_table(&["member", "old", "new"], &rows));
    }

    if let Some((id, old, new)) = explained {
        out.push('\n');
        let _ = writeln!(out, "member `{id}`, old and new side by side:");
        out.push_str(&compare(&old.explanation, &new.explanation));
        for (title, text) in [
            (format!("old: {}", args.old.display()), &old.text),
            (format!("new: {}", args.new.display()), &new.text),
        ] {
            let _ = writeln!(out, "\n{title}");
            out.push_str(text);
        }
    }
    out
}

/// `1 member`, `3 members`.
fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A member's total, or why there is none.
fn total_paid(e: &Explanation, places: u32) -> String {
    e.total_paid.map_or_else(
        || "too large to add up exactly".to_string(),
        |t| money(t, places),
    )
}

/// How one line of a bonus is shown in a comparison.
type Shown<'a> = dyn Fn(&BonusExplanation) -> String + 'a;

/// The most source members a side-by-side comparison lists per bonus.
const COMPARED_SOURCES: usize = 20;

/// One member's two explanations side by side: rank, and per bonus the
/// qualification, formula, cap, limit and amount, then the source members
/// whose contribution changes most.
fn compare(old: &Explanation, new: &Explanation) -> String {
    let places = new.places.max(old.places);
    let rank = |e: &Explanation| match &e.rank {
        Some(r) => r.rank.clone().unwrap_or_else(|| "no rank".into()),
        None => "-".into(),
    };
    let mut rows: Vec<Vec<String>> = vec![
        vec![String::new(), "old".into(), "new".into()],
        vec!["rank".into(), rank(old), rank(new)],
    ];
    let names = bonus_names(old, new);
    for name in &names {
        let (o, n) = (old.bonus(name), new.bonus(name));
        let cell = |b: Option<&BonusExplanation>, f: &Shown| b.map_or_else(|| "-".to_string(), f);
        rows.push(vec![
            name.clone(),
            cell(o, &|b| money(b.paid, places)),
            cell(n, &|b| money(b.paid, places)),
        ]);
        let lines: [(&str, &Shown<'_>); 5] = [
            ("qualified", &|b| {
                if b.qualified { "yes" } else { "no" }.into()
            }),
            ("formula", &|b| match b.amount {
                Some(a) => a.normalize().to_string(),
                None => "not checked".into(),
            }),
            ("levels", &|b| {
                b.parts
                    .iter()
                    .filter_map(|p| p.levels.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            ("cap", &|b| match &b.cap {
                Some(c) => match c.value {
                    Some(v) if c.bit => format!("{}, bit", v.normalize()),
                    Some(v) => v.normalize().to_string(),
                    None => "not checked".into(),
                },
                None => "-".into(),
            }),
            ("after the limit", &|b| {
                b.after_limit.normalize().to_string()
            }),
        ];
        for (label, f) in lines {
            let (a, b) = (cell(o, f), cell(n, f));
            if label == "levels" && a.is_empty() && b.is_empty() {
                continue;
            }
            rows.push(vec![format!("  {label}"), a, b]);
        }
    }
    rows.push(vec![
        "total paid".into(),
        total_paid(old, places),
        total_paid(new, places),
    ]);
    let mut out = indent(&left_table_rows(&rows));
    for name in &names {
        let sources = compared_sources(old.bonus(name), new.bonus(name));
        if sources.is_empty() {
            continue;
        }
        let mut table = vec![vec![
            format!("{name}, by source"),
            "old level".into(),
            "old rate".into(),
            "old adds".into(),
            "new level".into(),
            "new rate".into(),
            "new adds".into(),
            "change".into(),
        ]];
        let more = sources.len().saturating_sub(COMPARED_SOURCES);
        for row in sources.into_iter().take(COMPARED_SOURCES) {
            table.push(row);
        }
        out.push('\n');
        out.push_str(&indent(&left_table_rows(&table)));
        if more > 0 {
            let _ = writeln!(out, "  and {more} more sources");
        }
    }
    out
}

/// The bonuses of either explanation: the old one's, then the new ones.
fn bonus_names(old: &Explanation, new: &Explanation) -> Vec<String> {
    let mut names: Vec<String> = old.bonuses.iter().map(|b| b.bonus.clone()).collect();
    for b in &new.bonuses {
        if !names.contains(&b.bonus) {
            names.push(b.bonus.clone());
        }
    }
    names
}

/// What each source member adds to a bonus under each plan (over all the
/// aggregates of its formula), the largest changes first; unchanged
/// sources are left out.
fn compared_sources(
    old: Option<&BonusExplanation>,
    new: Option<&BonusExplanation>,
) -> Vec<Vec<String>> {
    #[derive(Default)]
    struct Side {
        level: Option<u32>,
        rate: Option<Decimal>,
        adds: Decimal,
    }
    let mut members: Vec<(String, Side, Side)> = Vec::new();
    for (is_new, bonus) in [(false, old), (true, new)] {
        for part in bonus.iter().flat_map(|b| &b.parts) {
            for s in &part.sources {
                let i = match members.iter().position(|(m, _, _)| *m == s.member) {
                    Some(i) => i,
                    None => {
                        members.push((s.member.clone(), Side::default(), Side::default()));
                        members.len() - 1
                    }
                };
                if let Some((_, o, n)) = members.get_mut(i) {
                    let side = if is_new { n } else { o };
                    side.level = side.level.or(s.level.or(s.plain_level));
                    side.rate = side.rate.or(s.rate);
                    side.adds += s.contribution;
                }
            }
        }
    }
    members.retain(|(_, o, n)| o.adds != n.adds || o.level != n.level || o.rate != n.rate);
    members.sort_by_key(|(_, o, n)| std::cmp::Reverse((n.adds - o.adds).abs()));
    let level = |l: Option<u32>| l.map_or_else(|| "-".to_string(), |l| l.to_string());
    let rate = |r: Option<Decimal>| {
        r.map_or_else(
            || "-".to_string(),
            |r| format!("{}%", (r * Decimal::ONE_HUNDRED).normalize()),
        )
    };
    members
        .into_iter()
        .map(|(m, o, n)| {
            let change = n.adds - o.adds;
            vec![
                m,
                level(o.level),
                rate(o.rate),
                o.adds.normalize().to_string(),
                level(n.level),
                rate(n.rate),
                n.adds.normalize().to_string(),
                if change.is_sign_positive() && !change.is_zero() {
                    format!("+{}", change.normalize())
                } else {
                    change.normalize().to_string()
                },
            ]
        })
        .collect()
}

/// A table whose first row is its header, every column left-aligned.
fn left_table_rows(rows: &[Vec<String>]) -> String {
    match rows.split_first() {
        Some((header, body)) => {
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            left_table(&header, body)
        }
        None => String::new(),
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(Decimal::new(125, 1), 2), "+12.50");
        assert_eq!(signed(Decimal::new(-3, 0), 2), "-3.00");
        assert_eq!(signed(Decimal::new(0, 0), 2), "0.00");
        assert_eq!(signed(Decimal::new(-0, 2), 2), "0.00");
    }
}
