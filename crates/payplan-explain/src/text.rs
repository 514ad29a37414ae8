//! The text form of an explanation, as `payplan explain` prints it.

use std::fmt::{self, Display, Formatter, Write as _};

use rust_decimal::Decimal;

use crate::{
    BonusExplanation, Check, ClauseCheck, Explanation, PartExplanation, Quantity, Shown, Skipped,
};

/// A number as the plan writes it: no trailing zeros.
fn number(d: Decimal) -> String {
    d.normalize().to_string()
}

/// An amount with the plan's decimal places.
fn amount(d: Decimal, places: u32) -> String {
    payplan_check::amount_text(d, places)
}

/// A fraction as a percentage: `0.2` is `20%`.
pub(crate) fn percent(d: Decimal) -> String {
    match d.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", number(p)),
        None => format!("{} (as a fraction)", number(d)),
    }
}

impl Display for Shown {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Number(d) => f.write_str(&number(*d)),
            Shown::Bool(b) => write!(f, "{b}"),
            Shown::Percent(p) => f.write_str(&percent(*p)),
            Shown::Rank(Some(r)) => f.write_str(r),
            Shown::Rank(None) => f.write_str("no rank"),
        }
    }
}

fn quantities(values: &[Quantity]) -> String {
    values
        .iter()
        .map(|q| format!("{} = {}", q.name, q.value))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Display for Skipped {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Skipped::HigherRankHolds => "a higher rank holds",
            Skipped::EarlierConditionFails => "an earlier condition fails",
            Skipped::NotQualified => "the bonus does not qualify",
        })
    }
}

fn clause_line(out: &mut String, indent: &str, c: &ClauseCheck) {
    let _ = write!(out, "{indent}`{}` ", c.text);
    match c.check {
        Check::Holds => out.push_str("holds"),
        Check::Fails => out.push_str("fails"),
        Check::NotChecked { why } => {
            let _ = write!(out, "not checked: {why}");
        }
    }
    if !c.values.is_empty() {
        let _ = write!(out, " ({})", quantities(&c.values));
    }
    out.push('\n');
}

/// Rows aligned in columns, two spaces apart.
fn table(out: &mut String, indent: &str, rows: &[Vec<String>]) {
    // Each column as wide as its widest cell: as many widths as the longest row.
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let n = cell.chars().count();
            match widths.get_mut(i) {
                Some(w) => *w = (*w).max(n),
                None => widths.push(n),
            }
        }
    }
    for row in rows {
        let mut line = String::from(indent);
        for (i, (cell, &width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn part(out: &mut String, p: &PartExplanation) {
    let _ = write!(out, "    {} = {}", p.text, p.value);
    match (&p.levels, p.with.is_empty()) {
        (Some(levels), false) => {
            let _ = write!(out, " ({levels}: {})", quantities(&p.with));
        }
        (Some(levels), true) => {
            let _ = write!(out, " ({levels})");
        }
        (None, false) => {
            let _ = write!(out, " ({})", quantities(&p.with));
        }
        (None, true) => {}
    }
    out.push('\n');
    if p.sources.is_empty() && p.omitted.is_none() {
        let _ = writeln!(out, "      no member counts here");
        return;
    }
    let levels = p.sources.iter().any(|s| s.level.is_some());
    let rates = p.sources.iter().any(|s| s.rate.is_some());
    let plain = p.sources.iter().any(|s| s.plain_level.is_some());
    let mut header = vec!["member".to_string()];
    if levels {
        header.push("level".into());
    }
    if plain {
        header.push("plain level".into());
    }
    header.push("value".into());
    if rates {
        header.push("rate".into());
    }
    header.push("adds".into());
    let mut rows = vec![header];
    // A source without a level or a rate has an empty cell there.
    for s in &p.sources {
        let mut row = vec![s.member.clone()];
        if levels {
            row.push(s.level.map(|l| l.to_string()).unwrap_or_default());
        }
        if plain {
            row.push(s.plain_level.map(|l| l.to_string()).unwrap_or_default());
        }
        row.push(s.value.to_string());
        if rates {
            row.push(s.rate.map(percent).unwrap_or_default());
        }
        row.push(number(s.contribution));
        rows.push(row);
    }
    table(out, "      ", &rows);
    if let Some(o) = &p.omitted {
        let _ = writeln!(
            out,
            "      and {} more members adding {}",
            o.count,
            number(o.total)
        );
    }
}

/// `pays` with the formula's value, or why the run did not work it out.
fn formula_line(out: &mut String, indent: &str, b: &BonusExplanation) {
    let _ = match b.amount {
        Some(a) => writeln!(out, "{indent}pays `{}` = {}", b.formula, number(a)),
        None => writeln!(
            out,
            "{indent}pays `{}`: not checked: {}",
            b.formula,
            Skipped::NotQualified
        ),
    };
}

fn bonus(out: &mut String, b: &BonusExplanation, e: &Explanation) {
    let places = e.places;
    let _ = writeln!(
        out,
        "{}: {} {}",
        b.bonus,
        amount(b.paid, places),
        e.currency
    );
    if !b.qualification.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            if b.qualified {
                "qualified:"
            } else {
                "not qualified:"
            }
        );
        for c in &b.qualification {
            clause_line(out, "    ", c);
        }
    }
    formula_line(out, "  ", b);
    if !b.values.is_empty() {
        let _ = writeln!(out, "    with {}", quantities(&b.values));
    }
    for p in &b.parts {
        part(out, p);
    }
    if !b.qualified {
        if let Some(why) = &b.why_nothing {
            let _ = writeln!(out, "  nothing paid: {why}");
        }
        return;
    }
    if let Some(c) = &b.cap {
        match (b.amount, c.value) {
            (Some(amount), Some(value)) if c.bit => {
                let (amount, value) = (number(amount), number(value));
                let _ = writeln!(
                    out,
                    "  cap `{}` = {value}: it bit: {amount} becomes {value}",
                    c.text
                );
            }
            (_, Some(value)) => {
                let _ = writeln!(out, "  cap `{}` = {}: not reached", c.text, number(value));
            }
            (_, None) => {
                let why = Skipped::NotQualified;
                let _ = writeln!(out, "  cap `{}`: not checked: {why}", c.text);
            }
        }
    }
    if e.limit.applied {
        let _ = writeln!(
            out,
            "  the payout limit scales {} to {}",
            number(b.before_limit),
            number(b.after_limit)
        );
    }
    let _ = writeln!(
        out,
        "  paid {} ({} rounded to {})",
        amount(b.paid, places),
        number(b.after_limit),
        e.limit.rounding
    );
    if let Some(why) = &b.why_nothing {
        let _ = writeln!(out, "  nothing paid: {why}");
    }
}

impl Display for Explanation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let _ = write!(out, "member {} of plan \"{}\"", self.member, self.plan);
        match &self.sponsor {
            Some(s) => {
                let _ = writeln!(out, ", sponsored by {s}");
            }
            None => out.push_str(", a root\n"),
        }
        if let Some(r) = &self.rank {
            let name = r.rank.as_deref().unwrap_or("no rank");
            let _ = writeln!(out, "\nrank: {name}");
            for check in &r.ranks {
                let verdict = match check.check {
                    Check::Holds => "held".to_string(),
                    Check::Fails => "not held".to_string(),
                    Check::NotChecked { why } => format!("not checked: {why}"),
                };
                let _ = writeln!(out, "  {}: {verdict}", check.rank);
                // A rank not checked has no clause checked: one line says it.
                if matches!(check.check, Check::NotChecked { .. }) {
                    continue;
                }
                for c in &check.clauses {
                    clause_line(&mut out, "    ", c);
                }
            }
        }
        for b in &self.bonuses {
            out.push('\n');
            bonus(&mut out, b, self);
        }
        out.push('\n');
        match self.limit.limit {
            Some(limit) if self.limit.applied => {
                let _ = writeln!(
                    out,
                    "payout limit {} < total {}: every amount is scaled by {} / {}",
                    number(limit),
                    number(self.limit.total_before_limit),
                    number(limit),
                    number(self.limit.total_before_limit)
                );
            }
            Some(limit) => {
                let _ = writeln!(
                    out,
                    "payout limit {} not reached (total {})",
                    number(limit),
                    number(self.limit.total_before_limit)
                );
            }
            None => {}
        }
        let _ = match self.total_paid {
            Some(total) => writeln!(
                out,
                "total paid: {} {}",
                amount(total, self.places),
                self.currency
            ),
            None => writeln!(out, "total paid: too large to add up exactly"),
        };
        f.write_str(&out)
    }
}

impl Display for BonusExplanation {
    /// The bonus part alone, without the plan's currency and places.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let _ = writeln!(out, "{}: {}", self.bonus, number(self.paid));
        for c in &self.qualification {
            clause_line(&mut out, "  ", c);
        }
        formula_line(&mut out, "  ", self);
        for p in &self.parts {
            part(&mut out, p);
        }
        if let Some(why) = &self.why_nothing {
            let _ = writeln!(out, "  nothing paid: {why}");
        }
        f.write_str(&out)
    }
}
