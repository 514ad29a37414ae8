//! Running parsed tests on a compiled plan: build each test's network, run
//! the plan, compare every expectation.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use payplan::{
    Decimal, Diagnostic, ExportValue, Network, NetworkError, Outcome, Plan, Side, Span,
    ToDiagnostic,
};
use serde::{Deserialize, Serialize};

use super::error::{suggest, PlanTestError};
use super::parse::{parse_amount, Check, Located, PlanTest, Subject, TestFile, TestNetwork};

/// The results of one test file's tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestReport {
    /// The test file, as named by the caller.
    pub file: String,
    /// The plan file the tests ran, as named by the caller.
    pub plan: String,
    pub tests: Vec<TestResult>,
}

impl TestReport {
    /// How many tests passed, failed, and could not run.
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s: TestStatus| self.tests.iter().filter(|t| t.status == s).count();
        (
            count(TestStatus::Passed),
            count(TestStatus::Failed),
            count(TestStatus::Error),
        )
    }
}

/// Whether a test passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestStatus {
    /// Every expectation holds.
    Passed,
    /// The plan pays something other than expected.
    Failed,
    /// The test could not run: a refused network, an unknown member or bonus.
    Error,
}

/// One test's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    pub name: String,
    /// The line of `test "..."` (1-based).
    pub line: usize,
    pub status: TestStatus,
    /// Every expectation, passed or not (and, under `expect only`, each
    /// payout that no expectation names).
    pub checks: Vec<CheckResult>,
    /// Why the test could not run, placed in the test file.
    pub errors: Vec<Diagnostic>,
}

/// One expectation compared with the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Where the expectation is written (1-based).
    pub line: usize,
    pub column: usize,
    /// The expectation as written.
    pub expectation: String,
    /// The member, or `None` for a plan total.
    pub member: Option<String>,
    /// The bonus or export, `total` or `nothing`.
    pub item: String,
    pub expected: String,
    pub actual: String,
    pub passed: bool,
    /// Why the member got the actual amount, for a failed check.
    pub explanation: Option<String>,
}

impl TestFile {
    /// Runs every test on `plan`; `source` is the test file's text (for
    /// line numbers) and `base` the folder its `network "..."` files are in.
    pub fn run(
        &self,
        plan: &Plan,
        file: &str,
        plan_name: &str,
        source: &str,
        base: &Path,
    ) -> TestReport {
        TestReport {
            file: file.to_owned(),
            plan: plan_name.to_owned(),
            tests: self
                .tests
                .iter()
                .map(|t| run_test(t, plan, source, base))
                .collect(),
        }
    }
}

/// Runs one test.
pub fn run_test(test: &PlanTest, plan: &Plan, source: &str, base: &Path) -> TestResult {
    let line = test.span.line_col(source).0;
    let result = |status, checks, errors: Vec<PlanTestError>| TestResult {
        name: test.name.clone(),
        line,
        status,
        checks,
        errors: errors.iter().map(ToDiagnostic::to_diagnostic).collect(),
    };
    let network = match build_network(&test.network, plan, base) {
        Ok(network) => network,
        Err(e) => return result(TestStatus::Error, Vec::new(), vec![e]),
    };
    let outcome = match plan.run(&network) {
        Ok(outcome) => outcome,
        Err(e) => {
            let error = PlanTestError::Eval {
                span: test.span,
                message: e.to_string(),
                help: e.help(),
            };
            return result(TestStatus::Error, Vec::new(), vec![error]);
        }
    };
    let run = Actual::new(plan, &outcome);
    let mut checks = Vec::new();
    let mut errors = Vec::new();
    for expectation in &test.expectations {
        match run.check(&expectation.subject, &expectation.check) {
            Ok(found) => {
                let (line, column) = expectation.span.line_col(source);
                checks.push(CheckResult {
                    line,
                    column,
                    expectation: expectation.text.clone(),
                    member: found.member,
                    item: found.item,
                    expected: found.expected,
                    actual: found.actual,
                    passed: found.passed,
                    explanation: None,
                });
            }
            Err(e) => errors.push(e),
        }
    }
    if test.only && errors.is_empty() {
        let (line, column) = test.expect_span.line_col(source);
        let covered = covered(test);
        for p in &outcome.payouts {
            if !covered.contains(&(p.member.as_str(), Some(&*p.bonus)))
                && !covered.contains(&(p.member.as_str(), None))
            {
                checks.push(CheckResult {
                    line,
                    column,
                    expectation: "expect only".into(),
                    member: Some(p.member.clone()),
                    item: p.bonus.to_string(),
                    expected: "nothing".into(),
                    actual: run.amount(p.amount),
                    passed: false,
                    explanation: None,
                });
            }
        }
    }
    for check in checks.iter_mut().filter(|c| !c.passed) {
        if let Some(member) = &check.member {
            check.explanation = explain(plan, &network, member, &check.item);
        }
    }
    let status = if !errors.is_empty() {
        TestStatus::Error
    } else if checks.iter().all(|c| c.passed) {
        TestStatus::Passed
    } else {
        TestStatus::Failed
    };
    result(status, checks, errors)
}

/// The explanation of a member's actual value, for a failure report: the
/// part of `payplan explain` about the checked bonus (or the rank), or the
/// whole explanation for a total, `nothing` or another export.
fn explain(plan: &Plan, network: &Network, member: &str, item: &str) -> Option<String> {
    let text = plan.explain(network, member).ok()?.to_string();
    let head = format!("{item}: ");
    let part = text
        .split("\n\n")
        .find(|block| block.starts_with(&head))
        .filter(|_| item != "total" && item != "nothing");
    Some(part.unwrap_or(&text).trim_end().to_owned())
}

/// The (member, bonus) pairs a test's expectations name; `None` as the
/// bonus covers all of a member's bonuses (`total`, `nothing`).
fn covered(test: &PlanTest) -> HashSet<(&str, Option<&str>)> {
    test.expectations
        .iter()
        .filter_map(|e| match (&e.subject, &e.check) {
            (Subject::Member(m), Check::Named { name, .. }) => {
                Some((m.text.as_str(), Some(name.text.as_str())))
            }
            (Subject::Member(m), Check::Total { .. } | Check::Nothing) => {
                Some((m.text.as_str(), None))
            }
            (Subject::Plan, _) => None,
        })
        .collect()
}

/// The network of a test, with the plan's schema; a refusal is placed on
/// the row (inline) or the file name.
fn build_network(
    network: &TestNetwork,
    plan: &Plan,
    base: &Path,
) -> Result<Network, PlanTestError> {
    match network {
        TestNetwork::File(file) => {
            let path = base.join(&file.text);
            plan.load_network(&path).map_err(|e| {
                let message = match &e {
                    NetworkError::FileNotFound { .. }
                    | NetworkError::NotAFile { .. }
                    | NetworkError::Io { path: Some(_), .. } => e.to_string(),
                    _ => format!("network `{}` is refused: {e}", file.text),
                };
                PlanTestError::NetworkRefused {
                    span: file.span,
                    message,
                    help: e.help().or_else(|| {
                        Some("the network file's path is relative to the test file".into())
                    }),
                    note: None,
                }
            })
        }
        TestNetwork::Inline { header, rows, span } => {
            let schema = plan.schema();
            let mut known: Vec<String> = vec!["id".into(), "sponsor".into()];
            if schema.placement {
                known.extend(["placement".into(), "leg".into()]);
            }
            known.extend(schema.matrix_columns().into_iter().map(String::from));
            known.extend(schema.columns.iter().map(|c| c.name.clone()));
            if let Some(column) = header.iter().find(|c| !known.contains(&c.text)) {
                return Err(PlanTestError::UnknownColumn {
                    span: column.span,
                    column: column.text.clone(),
                    columns: known,
                });
            }
            let mut csv_text = Vec::new();
            {
                let mut w = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::Any(b'\n'))
                    .from_writer(&mut csv_text);
                let written =
                    std::iter::once(header.iter().map(|c| c.text.as_str()).collect::<Vec<_>>())
                        .chain(
                            rows.iter()
                                .map(|r| r.cells.iter().map(String::as_str).collect()),
                        )
                        .try_for_each(|record| w.write_record(record));
                if written
                    .and_then(|()| w.flush().map_err(csv::Error::from))
                    .is_err()
                {
                    return Err(PlanTestError::NetworkRefused {
                        span: *span,
                        message: "the network table cannot be read".into(),
                        help: None,
                        note: None,
                    });
                }
            }
            // Line 1 of the CSV text is the header, line n + 1 the n-th row.
            let line_span = |n: u64| -> Span {
                match n {
                    0 | 1 => header.first().map_or(*span, |h| {
                        h.span.to(header.last().map_or(h.span, |l| l.span))
                    }),
                    n => usize::try_from(n - 2)
                        .ok()
                        .and_then(|i| rows.get(i))
                        .map_or(*span, |r| r.span),
                }
            };
            Network::from_csv_reader(csv_text.as_slice(), schema)
                .map_err(|e| inline_refusal(&e, &line_span))
        }
    }
}

/// A refused inline network, placed on the row the loader names.
fn inline_refusal(e: &NetworkError, line_span: &dyn Fn(u64) -> Span) -> PlanTestError {
    let at = e.location().map_or(1, |l| l.number());
    let text = e.to_string();
    let prefix = format!("line {at}: ");
    let message = text.strip_prefix(&prefix).unwrap_or(&text).to_owned();
    // The first row of a duplicate id, or the member already on a side,
    // are named on their own lines: point at them with a note instead.
    let message = match e {
        NetworkError::DuplicateId { id, .. } => format!("duplicate id `{id}`"),
        NetworkError::SameSide {
            id,
            placement,
            side,
            other,
            ..
        } => format!(
            "member `{id}` is placed on the {} of `{placement}`, where member `{other}` already is",
            if *side == Side::Left { "left" } else { "right" }
        ),
        _ => message,
    };
    let help = match e {
        NetworkError::MissingColumn { column, .. } => Some(format!(
            "add a `{column}` column to the table's header; `-` in a row leaves a cell empty"
        )),
        NetworkError::DuplicateId { .. } => Some("every member needs its own id".into()),
        _ => e.help().or_else(|| {
            Some("a network table follows the rules of a network file (the language reference, section 3)".into())
        }),
    };
    let note = match e {
        NetworkError::DuplicateId { first, .. } => {
            Some((line_span(first.number()), "first used here".to_owned()))
        }
        NetworkError::SameSide { other_at, .. } => Some((
            line_span(other_at.number()),
            "already on that side".to_owned(),
        )),
        _ => None,
    };
    PlanTestError::NetworkRefused {
        span: line_span(at),
        message,
        help,
        note,
    }
}

/// What one expectation found.
struct Found {
    member: Option<String>,
    item: String,
    expected: String,
    actual: String,
    passed: bool,
}

/// A run's amounts and values, indexed for the expectations.
struct Actual<'a> {
    plan: &'a Plan,
    outcome: &'a Outcome,
    /// Member id -> its row in `outcome.members`.
    members: HashMap<&'a str, usize>,
    /// (member, bonus) -> final amount.
    payouts: HashMap<(&'a str, &'a str), Decimal>,
}

impl<'a> Actual<'a> {
    fn new(plan: &'a Plan, outcome: &'a Outcome) -> Self {
        Actual {
            plan,
            outcome,
            members: outcome
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| (m.member.as_str(), i))
                .collect(),
            payouts: outcome
                .payouts
                .iter()
                .map(|p| ((p.member.as_str(), &*p.bonus), p.amount))
                .collect(),
        }
    }

    /// An amount as the plan writes it (`12.50`).
    fn amount(&self, d: Decimal) -> String {
        payplan::amount_text(d, self.outcome.places)
    }

    /// A member's payouts, in bonus order: `unilevel 12.00, matching 2.40`.
    fn payouts_of(&self, member: &str) -> (Decimal, String) {
        let mut total = Decimal::ZERO;
        let mut parts = Vec::new();
        for bonus in self.plan.bonuses() {
            if let Some(a) = self.payouts.get(&(member, bonus)) {
                total = total.saturating_add(*a);
                parts.push(format!("{bonus} {}", self.amount(*a)));
            }
        }
        (total, parts.join(", "))
    }

    fn check(&self, subject: &Subject, check: &Check) -> Result<Found, PlanTestError> {
        match subject {
            Subject::Member(m) => self.check_member(m, check),
            Subject::Plan => self.check_plan(check),
        }
    }

    fn check_member(&self, m: &Located, check: &Check) -> Result<Found, PlanTestError> {
        let Some(&row) = self.members.get(m.text.as_str()) else {
            return Err(PlanTestError::UnknownMember {
                span: m.span,
                member: m.text.clone(),
                suggestion: suggest(&m.text, self.members.keys().copied()),
                members: if self.outcome.members.len() <= 12 {
                    self.outcome
                        .members
                        .iter()
                        .map(|r| r.member.clone())
                        .collect()
                } else {
                    Vec::new()
                },
            });
        };
        let member = Some(m.text.clone());
        let (total, parts) = self.payouts_of(&m.text);
        let found = |item: &str, expected: String, actual: String, passed| Found {
            member: member.clone(),
            item: item.to_owned(),
            expected,
            actual,
            passed,
        };
        match check {
            Check::Nothing => {
                let actual = if parts.is_empty() {
                    "nothing".to_owned()
                } else {
                    format!("{} ({parts})", self.amount(total))
                };
                Ok(found("nothing", "nothing".into(), actual, parts.is_empty()))
            }
            Check::Total { amount } => Ok(found(
                "total",
                self.amount_expected(*amount),
                self.amount(total),
                total == *amount,
            )),
            Check::Named { name, value } => {
                if self.plan.bonuses().any(|b| b == name.text) {
                    let expected = parse_amount(&value.text, value.span)?;
                    let actual = self
                        .payouts
                        .get(&(m.text.as_str(), name.text.as_str()))
                        .copied()
                        .unwrap_or_default();
                    return Ok(found(
                        &name.text,
                        self.amount_expected(expected),
                        self.amount(actual),
                        actual == expected,
                    ));
                }
                let Some(col) = self
                    .outcome
                    .export_columns
                    .iter()
                    .position(|c| *c == name.text)
                else {
                    let known: Vec<String> = self
                        .plan
                        .bonuses()
                        .map(str::to_owned)
                        .chain(self.outcome.export_columns.iter().cloned())
                        .collect();
                    return Err(PlanTestError::UnknownItem {
                        span: name.span,
                        name: name.text.clone(),
                        suggestion: suggest(&name.text, known.iter().map(String::as_str)),
                        known,
                    });
                };
                let actual = self
                    .outcome
                    .members
                    .get(row)
                    .and_then(|r| r.values.get(col))
                    .cloned()
                    .unwrap_or(ExportValue::Number(Decimal::ZERO));
                let (expected, actual, passed) = self.compare_export(&name.text, value, &actual)?;
                Ok(found(&name.text, expected, actual, passed))
            }
        }
    }

    /// An expected amount as written, with the plan's places when it has fewer.
    fn amount_expected(&self, d: Decimal) -> String {
        if d.scale() <= self.outcome.places {
            self.amount(d)
        } else {
            d.to_string()
        }
    }

    fn compare_export(
        &self,
        name: &str,
        value: &Located,
        actual: &ExportValue,
    ) -> Result<(String, String, bool), PlanTestError> {
        match actual {
            ExportValue::Number(a) => {
                let expected = parse_amount(&value.text, value.span).map_err(|_| {
                    PlanTestError::WrongValue {
                        span: value.span,
                        text: value.text.clone(),
                        expected: "a number".into(),
                        help: Some(format!("`{name}` is a number: write it as `12.50`")),
                    }
                })?;
                Ok((
                    self.amount_expected(expected),
                    self.amount(*a),
                    *a == expected,
                ))
            }
            ExportValue::Text(a) => {
                // An empty text (a matrix root's parent) is written `none`.
                let expected = if value.text == "none" {
                    String::new()
                } else {
                    value.text.clone()
                };
                let shown = |t: &str| {
                    if t.is_empty() {
                        "none".to_owned()
                    } else {
                        t.to_owned()
                    }
                };
                Ok((shown(&expected), shown(&a.text), a.text == expected))
            }
            ExportValue::Bool(a) => {
                let expected = match value.text.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(PlanTestError::WrongValue {
                            span: value.span,
                            text: value.text.clone(),
                            expected: "`true` or `false`".into(),
                            help: Some(format!("`{name}` is true or false")),
                        })
                    }
                };
                Ok((expected.to_string(), a.to_string(), *a == expected))
            }
            ExportValue::Rank(a) => {
                let ranks = self.plan.ranks();
                let expected = if ranks.contains(&value.text) {
                    Some(value.text.as_str())
                } else if value.text == "none" {
                    None
                } else {
                    let names: Vec<String> = ranks.to_vec();
                    return Err(PlanTestError::WrongValue {
                        span: value.span,
                        text: value.text.clone(),
                        expected: "a rank of the plan".into(),
                        help: Some(
                            match suggest(&value.text, names.iter().map(String::as_str)) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!(
                                    "the ranks are {}; `none` is no rank",
                                    super::error::list(&names)
                                ),
                            },
                        ),
                    });
                };
                let shown = |r: Option<&str>| r.unwrap_or("none").to_owned();
                Ok((
                    shown(expected),
                    shown(a.as_deref()),
                    a.as_deref() == expected,
                ))
            }
        }
    }

    fn check_plan(&self, check: &Check) -> Result<Found, PlanTestError> {
        let totals = &self.outcome.totals;
        let found = |item: &str, expected: String, actual: String, passed| Found {
            member: None,
            item: item.to_owned(),
            expected,
            actual,
            passed,
        };
        match check {
            Check::Nothing => Ok(found(
                "nothing",
                "nothing".into(),
                if totals.paid.is_zero() {
                    "nothing".into()
                } else {
                    self.amount(totals.paid)
                },
                totals.paid.is_zero(),
            )),
            Check::Total { amount } => Ok(found(
                "total",
                self.amount_expected(*amount),
                self.amount(totals.paid),
                totals.paid == *amount,
            )),
            Check::Named { name, value } => {
                let Some((_, actual)) = totals.per_bonus.iter().find(|(b, _)| *b == name.text)
                else {
                    let known: Vec<String> = self.plan.bonuses().map(str::to_owned).collect();
                    return Err(PlanTestError::UnknownBonus {
                        span: name.span,
                        name: name.text.clone(),
                        suggestion: suggest(&name.text, known.iter().map(String::as_str)),
                        known,
                    });
                };
                let expected = parse_amount(&value.text, value.span)?;
                Ok(found(
                    &name.text,
                    self.amount_expected(expected),
                    self.amount(*actual),
                    *actual == expected,
                ))
            }
        }
    }
}
