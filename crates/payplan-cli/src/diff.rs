//! `payplan diff`: compare what two versions of a plan pay on one network.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use payplan::diff::{DiffError, MemberChange, PlanDiff};
use payplan::{Decimal, Network, Plan};
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
    let diff =
        match payplan::diff::diff_networks(&old, networks.for_old(), &new, networks.for_new()) {
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
    match payplan::diff::union_schema(old.schema(), new.schema()) {
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
        data,
    })
}

/// An amount with exactly `places` decimals.
fn money(d: Decimal, places: u32) -> String {
    let d = if d.is_zero() { Decimal::ZERO } else { d };
    format!("{:.*}", places as usize, d)
}

/// A change with its sign (`+12.50`, `-3.00`, `0.00`).
fn signed(d: Decimal, places: u32) -> String {
    if d.is_sign_positive() && !d.is_zero() {
        format!("+{}", money(d, places))
    } else {
        money(d, places)
    }
}

/// A table with aligned columns: the first left-aligned, the others right.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
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
            if i == 0 {
                let _ = write!(line, "{cell:<w$}");
            } else {
                let _ = write!(line, "  {cell:>w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
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
    let limit = |s: &payplan::diff::PlanSummary| match s.limit {
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
        let _ = writeln!(out, "member `{id}`:");
        out.push_str(&side_by_side(
            &format!("old: {}", args.old.display()),
            &old.text,
            &format!("new: {}", args.new.display()),
            &new.text,
        ));
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

/// A table with every column left-aligned.
fn left_table(header: &[&str], rows: &[Vec<String>]) -> String {
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
        for (cell, w) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:<w$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The widest two explanations shown side by side; wider ones come one
/// after the other.
const SIDE_BY_SIDE_WIDTH: usize = 120;

/// Two texts in two columns, each under its title, or one after the other
/// when together they are wider than [`SIDE_BY_SIDE_WIDTH`].
fn side_by_side(left_title: &str, left: &str, right_title: &str, right: &str) -> String {
    let left_lines: Vec<&str> = std::iter::once(left_title).chain(left.lines()).collect();
    let right_lines: Vec<&str> = std::iter::once(right_title).chain(right.lines()).collect();
    let width = |lines: &[&str]| lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let (lw, rw) = (width(&left_lines), width(&right_lines));
    let mut out = String::new();
    if lw + 3 + rw > SIDE_BY_SIDE_WIDTH {
        for (title, text) in [(left_title, left), (right_title, right)] {
            let _ = writeln!(out, "{title}");
            out.push_str(text);
            if !text.ends_with('\n') {
                out.push('\n');
            }
            out.push('\n');
        }
        // One blank line between the two, none after.
        out.pop();
        return out;
    }
    for i in 0..left_lines.len().max(right_lines.len()) {
        let l = left_lines.get(i).copied().unwrap_or("");
        let r = right_lines.get(i).copied().unwrap_or("");
        let line = format!("{l:<lw$} | {r}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn side_by_side_falls_back_to_one_after_the_other() {
        let narrow = side_by_side("old", "a\nbb\n", "new", "c\n");
        assert_eq!(narrow, "old | new\na   | c\nbb  |\n");
        let wide_line = "x".repeat(100);
        let wide = side_by_side("old", &wide_line, "new", &wide_line);
        assert_eq!(wide, format!("old\n{wide_line}\n\nnew\n{wide_line}\n"));
    }

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed(Decimal::new(125, 1), 2), "+12.50");
        assert_eq!(signed(Decimal::new(-3, 0), 2), "-3.00");
        assert_eq!(signed(Decimal::new(0, 0), 2), "0.00");
        assert_eq!(signed(Decimal::new(-0, 2), 2), "0.00");
    }
}
