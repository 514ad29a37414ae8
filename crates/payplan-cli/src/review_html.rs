//! `payplan review --html`: the review as one self-contained page: inline
//! CSS and inline SVG charts drawn here, no scripts, nothing to fetch.

use std::fmt::Write as _;
use std::path::Path;

use payplan::Decimal;
use payplan_tools::review::Review;
use rust_decimal::prelude::ToPrimitive;

use crate::review::{
    basis_cells, breakage_cells, members, money, percent, rank_cells, rank_name, share, top_share,
    BREAKAGE_HEADER, RANK_HEADER,
};

const STYLE: &str = "
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #1d2733; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 2px solid #d5dde6; }
p.lead { color: #4a5866; margin-top: 0; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { padding: .25em .8em; border-bottom: 1px solid #e3e8ee; }
th { text-align: left; background: #f1f4f8; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 600; border-top: 2px solid #b8c4d0; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: .3em; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2733; }
.note { color: #4a5866; font-size: .9em; }
";

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One bar of a chart: its label, its height and the text above it.
struct Bar {
    label: String,
    value: f64,
    text: String,
}

/// A vertical bar chart as inline SVG (geometry only is in floating point).
fn bar_chart(caption: &str, bars: &[Bar], color: &str) -> String {
    const WIDTH: f64 = 500.0;
    const HEIGHT: f64 = 320.0;
    const TOP: f64 = 24.0;
    const BOTTOM: f64 = 96.0;
    const LEFT: f64 = 40.0;
    let plot = HEIGHT - TOP - BOTTOM;
    let high = bars
        .iter()
        .map(|b| b.value)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let slot = (WIDTH - 2.0 * LEFT) / bars.len().max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<figure><figcaption>{}</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"{}\"><rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"#fafbfd\"/>",
        escape(caption),
        escape(caption)
    );
    let base = TOP + plot;
    let _ = write!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#8896a5\"/>",
        WIDTH - LEFT
    );
    for (i, bar) in bars.iter().enumerate() {
        let h = if bar.value > 0.0 {
            (bar.value / high * plot).max(1.0)
        } else {
            0.0
        };
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let w = slot * 0.7;
        let cx = x + w / 2.0;
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{color}\"><title>{}: {}</title></rect>\
             <text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text transform=\"translate({cx:.1},{:.1}) rotate(-35)\" text-anchor=\"end\">{}</text>",
            base - h,
            escape(&bar.label),
            escape(&bar.text),
            base - h - 5.0,
            escape(&bar.text),
            base + 14.0,
            escape(&bar.label),
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A table row: the first cell and the `left` columns are text, the others
/// numbers (right-aligned).
fn row(out: &mut String, class: &str, left: &[usize], cells: &[String]) {
    let _ = write!(out, "<tr class=\"{class}\">");
    for (i, cell) in cells.iter().enumerate() {
        let class = if i == 0 || left.contains(&i) {
            ""
        } else {
            " class=\"n\""
        };
        let _ = write!(out, "<td{class}>{}</td>", escape(cell));
    }
    out.push_str("</tr>");
}

/// Opens a table with its header row, aligned as [`row`] aligns cells.
fn head(out: &mut String, left: &[usize], cells: &[&str]) {
    out.push_str("<table><tr>");
    for (i, cell) in cells.iter().enumerate() {
        let class = if i == 0 || left.contains(&i) {
            ""
        } else {
            " class=\"n\""
        };
        let _ = write!(out, "<th{class}>{}</th>", escape(cell));
    }
    out.push_str("</tr>");
}

/// The whole page.
pub(crate) fn page(review: &Review, network: &Path) -> String {
    let places = review.places;
    let m = |d: Decimal| money(d, places);
    let income = &review.income;
    let mut out = String::new();
    let title = format!("Review of {}", review.plan);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <h1>{}</h1><p class=\"lead\">on <code>{}</code>: {}, amounts in {}</p>",
        escape(&title),
        escape(&title),
        escape(&network.display().to_string()),
        escape(&members(review.members)),
        escape(&review.currency),
    );

    // Charts first: the distribution at a glance.
    out.push_str("<div class=\"charts\">");
    let mut bars = vec![Bar {
        label: "nothing".to_owned(),
        value: income.earning_nothing as f64,
        text: income.earning_nothing.to_string(),
    }];
    bars.extend(income.histogram.iter().map(|b| Bar {
        label: format!("{}\u{2013}{}", m(b.above), m(b.up_to)),
        value: b.members as f64,
        text: b.members.to_string(),
    }));
    out.push_str(&bar_chart("Members by earnings", &bars, "#3f7cc4"));
    if review.ranks.is_empty() {
        let bars: Vec<Bar> = review
            .bonuses
            .iter()
            .map(|b| Bar {
                label: b.name.clone(),
                value: f(b.paid),
                text: m(b.paid),
            })
            .collect();
        out.push_str(&bar_chart("Pay by bonus", &bars, "#d0813b"));
    } else {
        let bars: Vec<Bar> = review
            .ranks
            .iter()
            .map(|r| Bar {
                label: rank_name(r.rank.as_deref()).to_owned(),
                value: f(r.paid),
                text: m(r.paid),
            })
            .collect();
        out.push_str(&bar_chart("Pay by rank", &bars, "#d0813b"));
    }
    let bars: Vec<Bar> = review
        .basis
        .iter()
        .map(|b| Bar {
            label: b.basis.name().to_owned(),
            value: f(b.paid),
            text: percent(b.share),
        })
        .collect();
    out.push_str(&bar_chart("Pay by basis", &bars, "#4c9a6a"));
    out.push_str("</div>");

    out.push_str("<h2>Pay by bonus</h2>");
    head(
        &mut out,
        &[1],
        &["bonus", "basis", "members paid", "paid", "of cv"],
    );
    for b in &review.bonuses {
        row(
            &mut out,
            "",
            &[1],
            &[
                b.name.clone(),
                b.basis.name().to_owned(),
                b.members_paid.to_string(),
                m(b.paid),
                percent(b.payout_ratio),
            ],
        );
    }
    row(
        &mut out,
        "total",
        &[1],
        &[
            "total".to_owned(),
            String::new(),
            String::new(),
            m(review.paid),
            percent(review.payout_ratio),
        ],
    );
    out.push_str("</table><p class=\"note\">");
    match review.total_cv {
        Some(cv) => {
            let _ = write!(out, "Total cv: {}. ", escape(&m(cv)));
        }
        None => out.push_str("The plan reads no cv column: no payout ratio. "),
    }
    match review.limit {
        Some(limit) => {
            let _ = write!(
                out,
                "Limit: {}; {} after caps{}.",
                escape(&m(limit)),
                escape(&m(review.before_limit)),
                if review.limit_applied {
                    ", scaled down to it"
                } else {
                    ", not reached"
                }
            );
        }
        None => out.push_str("No limit."),
    }
    out.push_str("</p>");

    out.push_str(
        "<h2>Breakage</h2><p class=\"note\">What the plan pays with no <code>when</code>, \
         no <code>cap</code> and no <code>limit</code>, less what it pays.</p>",
    );
    head(&mut out, &[], &BREAKAGE_HEADER);
    for b in &review.bonuses {
        row(
            &mut out,
            "",
            &[],
            &breakage_cells(&b.name, &b.breakage, places),
        );
    }
    row(
        &mut out,
        "total",
        &[],
        &breakage_cells("total", &review.breakage, places),
    );
    let _ = write!(
        out,
        "</table><p class=\"note\">Breakage is {} of the potential.</p>",
        escape(&percent(share(
            review.breakage.total,
            review.breakage.potential
        )))
    );

    out.push_str("<h2>Members and income by rank</h2>");
    if review.ranks.is_empty() {
        out.push_str("<p>The plan has no ranks.</p>");
    } else {
        head(&mut out, &[], &RANK_HEADER);
        for r in &review.ranks {
            row(&mut out, "", &[], &rank_cells(r, places));
        }
        out.push_str("</table>");
    }

    out.push_str(
        "<h2>Income disclosure</h2><p class=\"note\">Earnings: a member's total pay over \
         every bonus. Percentiles are nearest-rank.</p>",
    );
    head(&mut out, &[1], &["", ""]);
    let mut line = |name: &str, value: String| row(&mut out, "", &[1], &[name.to_owned(), value]);
    line(
        "earning nothing",
        format!(
            "{} of {} ({})",
            income.earning_nothing,
            income.members,
            percent(income.earning_nothing_share)
        ),
    );
    if let Some(s) = &income.stats {
        line("mean", m(s.mean));
        line("median", m(s.median));
        line("lowest", m(s.low));
        line("highest", m(s.high));
    }
    for (name, top) in [
        ("top 1% of earners", &income.top_1_percent),
        ("top 10% of earners", &income.top_10_percent),
    ] {
        line(name, top_share(top, places));
    }
    out.push_str("</table>");
    let header: Vec<String> = std::iter::once("percentile".to_owned())
        .chain(
            income
                .percentiles
                .iter()
                .map(|p| format!("{}th", p.percent)),
        )
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    head(&mut out, &[], &header);
    let values: Vec<String> = std::iter::once("earnings".to_owned())
        .chain(income.percentiles.iter().map(|p| m(p.earnings)))
        .collect();
    row(&mut out, "", &[], &values);
    out.push_str("</table>");

    out.push_str("<h2>Pay by basis</h2><p class=\"note\">What each bonus's amount rests on: the member's own values (personal), other members' (downline), or a network-wide total (network).</p>");
    head(&mut out, &[3], &["basis", "paid", "of pay", "bonuses"]);
    for b in &review.basis {
        row(&mut out, "", &[3], &basis_cells(b, places));
    }
    out.push_str("</table></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn charts_escape_labels_and_survive_no_bars() {
        let svg = bar_chart("<t>", &[], "#000");
        assert!(svg.contains("&lt;t&gt;") && !svg.contains("<t>"));
        let bars = [Bar {
            label: "<b>".to_owned(),
            value: 0.0,
            text: "0".to_owned(),
        }];
        assert!(!bar_chart("x", &bars, "#000").contains("<b>"));
    }
}
