//! `payplan review`: report what a plan pays: totals, breakage, income disclosure.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use payplan::Decimal;
use payplan_tools::review::{BasisShare, Breakage, RankReview, Review, Stats, TopShare};
use rust_decimal::RoundingStrategy;

use crate::Streams;

const ABOUT: &str = "Report what a plan pays: totals, breakage, income disclosure";

const LONG_ABOUT: &str = "\
Report what a plan pays: totals, breakage, income disclosure.

Runs the plan on the network and prints the report a reviewer signs off:
- pay by bonus: the total paid and the payout ratio (of the sum of the `cv`
  column, when the plan reads one), and the members paid;
- breakage: what the plan would pay with no `when`, no `cap` and no `limit`,
  less what it pays, split into what the limit, the caps and the
  qualifications hold back (successive runs);
- members and income by rank;
- the income disclosure: the share of members earning nothing, the mean,
  the median and the nearest-rank percentiles 10, 25, 50, 75, 90 and 99 of
  the members' earnings (total pay over every bonus), the share of all pay
  that goes to the top 1% and the top 10%, and a histogram;
- pay by basis: the share of pay whose amount rests on the member's own
  (personal) values, on other members' (downline) values, or on a
  network-wide total (a pool).

Amounts are exact; shares are rounded for display only. docs/review.md
defines every figure. With `--format json` standard output gets the same
review as JSON. With `--html` the review is also written as one
self-contained HTML page with charts (no scripts, nothing fetched to view it),
only when the whole review succeeds.

A plan that does not compile, a refused network or a file that cannot be read
writes a message to standard error, nothing to standard output, and exits
with status 2.

Example:
  payplan review plans/ranked.plan --network network.csv --html review.html";

/// The format of standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReviewFormat {
    /// Aligned tables for people
    Text,
    /// The whole review as JSON, for tools
    Json,
}

#[derive(Debug, Args)]
#[command(about = ABOUT, long_about = LONG_ABOUT)]
pub(crate) struct ReviewArgs {
    /// The plan file
    #[arg(value_name = "PLAN")]
    plan: PathBuf,

    /// The network: a CSV file with one row per member
    #[arg(long, value_name = "NET.csv")]
    network: PathBuf,

    /// Also write the review as a self-contained HTML page with charts (to
    /// a file: `-`, standard output, already gets the review)
    #[arg(long, value_name = "OUT.html")]
    html: Option<PathBuf>,

    /// The format of standard output
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReviewFormat::Text)]
    format: ReviewFormat,
}

pub(crate) fn run(args: &ReviewArgs, streams: &mut Streams<'_>) -> i32 {
    if args.html.as_deref() == Some(Path::new("-")) {
        return streams.refuse(
            "the review and its HTML page cannot both go to standard output",
            Some("write the page to a file: `--html review.html`"),
        );
    }
    let Ok(plan) = crate::compile(&args.plan, streams) else {
        return crate::EXIT_REFUSED;
    };
    let Ok(network) = crate::load_network(&plan, &args.network, streams) else {
        return crate::EXIT_REFUSED;
    };
    let review = match payplan_tools::review::review(&plan, &network) {
        Ok(review) => review,
        Err(e) => {
            return streams.refuse(
                &format!("cannot review `{}`: {e}", args.plan.display()),
                e.help().as_deref(),
            )
        }
    };
    let output = match args.format {
        ReviewFormat::Text => text(&review, &args.network),
        ReviewFormat::Json => match serde_json::to_string_pretty(&review) {
            Ok(json) => json + "\n",
            Err(e) => return streams.refuse(&format!("cannot write the review: {e}"), None),
        },
    };
    if let Some(path) = &args.html {
        let page = crate::review_html::page(&review, &args.network);
        if let Err(message) = crate::write_atomically(path, &page) {
            return streams.refuse(&message, None);
        }
    }
    streams.output(&output)
}

/// An amount with the plan's decimal places (half to even past them).
pub(crate) fn money(d: Decimal, places: u32) -> String {
    let d = d.round_dp_with_strategy(places, RoundingStrategy::MidpointNearestEven);
    payplan::amount_text(d, places)
}

/// A share as a percentage with one decimal (`37.5%`), or `-` when undefined.
pub(crate) fn percent(share: Option<Decimal>) -> String {
    match share.and_then(|s| s.checked_mul(Decimal::ONE_HUNDRED)) {
        Some(p) => {
            let p = p.round_dp_with_strategy(1, RoundingStrategy::MidpointNearestEven);
            let p = if p.is_zero() { Decimal::ZERO } else { p };
            format!("{p:.1}%")
        }
        None => "-".to_owned(),
    }
}

/// `1 member`, `3 members`.
pub(crate) fn members(n: usize) -> String {
    if n == 1 {
        "1 member".to_owned()
    } else {
        format!("{n} members")
    }
}

/// A rank's name, or `no rank`.
pub(crate) fn rank_name(rank: Option<&str>) -> &str {
    rank.unwrap_or("no rank")
}

/// The `(above, up_to]` label of a histogram bin.
pub(crate) fn bin_label(above: Decimal, up_to: Decimal, places: u32) -> String {
    format!("over {} to {}", money(above, places), money(up_to, places))
}

/// A table of text cells: the first column and those marked with
/// [`Table::left`] left-aligned, the others (numbers) right-aligned.
struct Table {
    rows: Vec<Vec<String>>,
    left: Vec<usize>,
}

impl Table {
    fn new(header: &[&str]) -> Self {
        Table {
            rows: vec![header.iter().map(|h| (*h).to_owned()).collect()],
            left: vec![0],
        }
    }

    fn left(mut self, columns: &[usize]) -> Self {
        self.left.extend_from_slice(columns);
        self
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String) {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &self.rows {
            let mut line = String::new();
            for (c, (cell, width)) in row.iter().zip(&widths).enumerate() {
                line.push_str("  ");
                let pad = " ".repeat(width.saturating_sub(cell.chars().count()));
                if self.left.contains(&c) {
                    line.push_str(cell);
                    line.push_str(&pad);
                } else {
                    line.push_str(&pad);
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
}

/// The columns of the breakage table, in text and HTML.
pub(crate) const BREAKAGE_HEADER: [&str; 7] = [
    "bonus",
    "potential",
    "paid",
    "breakage",
    "qualifications",
    "caps",
    "limit",
];

/// The columns of the table of members and income by rank.
pub(crate) const RANK_HEADER: [&str; 10] = [
    "rank",
    "members",
    "of members",
    "earning nothing",
    "paid",
    "of pay",
    "mean",
    "median",
    "low",
    "high",
];

/// One row of the table of members and income by rank.
pub(crate) fn rank_cells(r: &RankReview, places: u32) -> Vec<String> {
    let mut cells = vec![
        rank_name(r.rank.as_deref()).to_owned(),
        r.members.to_string(),
        percent(r.members_share),
        r.earning_nothing.to_string(),
        money(r.paid, places),
        percent(r.pay_share),
    ];
    cells.extend(stats_cells(r.stats.as_ref(), places));
    cells
}

/// What the best-paid members receive: `2 members receive 70.1% of all pay (1109.30)`.
pub(crate) fn top_share(top: &TopShare, places: u32) -> String {
    format!(
        "{} {} {} of all pay ({})",
        members(top.members),
        if top.members == 1 {
            "receives"
        } else {
            "receive"
        },
        percent(top.share),
        money(top.paid, places)
    )
}

/// One row of the pay-by-basis table.
pub(crate) fn basis_cells(b: &BasisShare, places: u32) -> Vec<String> {
    vec![
        b.basis.name().to_owned(),
        money(b.paid, places),
        percent(b.share),
        if b.bonuses.is_empty() {
            "-".to_owned()
        } else {
            b.bonuses.join(", ")
        },
    ]
}

/// One row of the breakage table.
pub(crate) fn breakage_cells(name: &str, b: &Breakage, places: u32) -> Vec<String> {
    vec![
        name.to_owned(),
        money(b.potential, places),
        money(b.paid, places),
        money(b.total, places),
        money(b.qualifications, places),
        money(b.caps, places),
        money(b.limit, places),
    ]
}

pub(crate) fn stats_cells(stats: Option<&Stats>, places: u32) -> Vec<String> {
    match stats {
        Some(s) => [s.mean, s.median, s.low, s.high]
            .iter()
            .map(|d| money(*d, places))
            .collect(),
        None => vec!["-".to_owned(); 4],
    }
}

/// The text report.
pub(crate) fn text(review: &Review, network: &Path) -> String {
    let places = review.places;
    let m = |d: Decimal| money(d, places);
    let mut out = String::new();
    out.push_str(&format!(
        "review of `{}` on `{}`: {}, amounts in {}\n",
        review.plan,
        network.display(),
        members(review.members),
        review.currency
    ));

    out.push_str("\npay by bonus\n");
    let mut table = Table::new(&["bonus", "basis", "members paid", "paid", "of cv"]).left(&[1]);
    for b in &review.bonuses {
        table.row(vec![
            b.name.clone(),
            b.basis.name().to_owned(),
            b.members_paid.to_string(),
            m(b.paid),
            percent(b.payout_ratio),
        ]);
    }
    table.row(vec![
        "total".to_owned(),
        String::new(),
        String::new(),
        m(review.paid),
        percent(review.payout_ratio),
    ]);
    table.render(&mut out);
    match review.total_cv {
        Some(cv) => out.push_str(&format!("  total cv: {}\n", m(cv))),
        None => out.push_str("  the plan reads no `cv` column: no payout ratio\n"),
    }
    match review.limit {
        Some(limit) if review.limit_applied => out.push_str(&format!(
            "  limit: {}, applied: {} after caps scaled down to it\n",
            m(limit),
            m(review.before_limit)
        )),
        Some(limit) => out.push_str(&format!(
            "  limit: {}, not reached ({} after caps)\n",
            m(limit),
            m(review.before_limit)
        )),
        None => out.push_str("  no limit\n"),
    }

    out.push_str(
        "\nbreakage: what the plan pays with no `when`, no `cap` and no `limit`, less what it pays\n",
    );
    let mut table = Table::new(&BREAKAGE_HEADER);
    for b in &review.bonuses {
        table.row(breakage_cells(&b.name, &b.breakage, places));
    }
    table.row(breakage_cells("total", &review.breakage, places));
    table.render(&mut out);
    out.push_str(&format!(
        "  breakage is {} of the potential\n",
        percent(share(review.breakage.total, review.breakage.potential))
    ));

    out.push_str("\nmembers and income by rank\n");
    if review.ranks.is_empty() {
        out.push_str("  the plan has no ranks\n");
    } else {
        let mut table = Table::new(&RANK_HEADER);
        for r in &review.ranks {
            table.row(rank_cells(r, places));
        }
        table.render(&mut out);
    }

    let income = &review.income;
    out.push_str("\nincome disclosure (earnings: a member's total pay over every bonus)\n");
    let mut table = Table::new(&[]).left(&[1]);
    table.rows.clear();
    table.row(vec![
        "earning nothing".to_owned(),
        format!(
            "{} of {} ({})",
            income.earning_nothing,
            income.members,
            percent(income.earning_nothing_share)
        ),
    ]);
    let stats = stats_cells(income.stats.as_ref(), places);
    for (name, value) in ["mean", "median", "lowest", "highest"].iter().zip(stats) {
        table.row(vec![(*name).to_owned(), value]);
    }
    for (name, top) in [
        ("top 1%", &income.top_1_percent),
        ("top 10%", &income.top_10_percent),
    ] {
        table.row(vec![format!("{name} of earners"), top_share(top, places)]);
    }
    table.render(&mut out);
    let mut header = vec!["percentile".to_owned()];
    let mut values = vec!["earnings".to_owned()];
    for p in &income.percentiles {
        header.push(format!("{}th", p.percent));
        values.push(m(p.earnings));
    }
    let mut table = Table {
        rows: vec![header],
        left: vec![0],
    };
    table.row(values);
    table.render(&mut out);

    out.push_str("\nearnings histogram\n");
    let mut table = Table::new(&["earnings", "members", ""]).left(&[2]);
    let widest = income
        .histogram
        .iter()
        .map(|b| b.members)
        .chain(std::iter::once(income.earning_nothing))
        .max()
        .unwrap_or(0)
        .max(1);
    let bar = |n: usize| "#".repeat((n * 40).div_ceil(widest));
    table.row(vec![
        "nothing or less".to_owned(),
        income.earning_nothing.to_string(),
        bar(income.earning_nothing),
    ]);
    for b in &income.histogram {
        table.row(vec![
            bin_label(b.above, b.up_to, places),
            b.members.to_string(),
            bar(b.members),
        ]);
    }
    table.render(&mut out);

    out.push_str("\npay by basis: what each bonus's amount rests on\n");
    let mut table = Table::new(&["basis", "paid", "of pay", "bonuses"]).left(&[3]);
    for b in &review.basis {
        table.row(basis_cells(b, places));
    }
    table.render(&mut out);
    out
}

/// `part / whole` when `whole` is positive.
pub(crate) fn share(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole > Decimal::ZERO {
        part.checked_div(whole)
    } else {
        None
    }
}
