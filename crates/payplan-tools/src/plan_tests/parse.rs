//! The test file format, read line by line: every line starts with a word
//! that says what it is, so a mistake is reported on its own line.
//!
//! ```text
//! plan "ranked.plan"            # optional: the plan the tests run
//! test "a name"                 # starts a test
//!   network                     # an inline table: a header, then one row per member
//!     id   sponsor  pv   cv
//!     ann  -        120  80
//!   network "net.csv"           # or a CSV file, relative to the test file
//!   expect                      # or `expect only`
//!     ann  unilevel  12.50      # member, bonus or export, value
//!     ann  total     40         # the member's total
//!     bob  nothing              # no payout at all
//!     plan unilevel  100        # the plan's total of a bonus (`plan total`: of all)
//! ```

use std::str::FromStr;

use payplan::Decimal;
use payplan::Span;
use serde::{Deserialize, Serialize};

use super::error::PlanTestError;

/// A parsed test file: the plan it names (if it names one) and its tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestFile {
    /// The plan's path as written in `plan "..."`, relative to the test file.
    pub plan: Option<Located>,
    pub tests: Vec<PlanTest>,
}

/// A piece of the test file's text with its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Located {
    pub text: String,
    pub span: Span,
}

/// One named test: a network and what the plan must pay on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTest {
    pub name: String,
    /// The `test "..."` line.
    pub span: Span,
    pub network: TestNetwork,
    /// `expect only`: every non-zero payout must be expected.
    pub only: bool,
    /// The `expect` line.
    pub expect_span: Span,
    pub expectations: Vec<Expectation>,
}

/// Where a test's members come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TestNetwork {
    /// A table written in the test: a header row, then one row per member.
    Inline {
        header: Vec<Located>,
        rows: Vec<TableRow>,
        /// The `network` line.
        span: Span,
    },
    /// `network "file.csv"`, relative to the test file.
    File(Located),
}

/// One member's row of an inline network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRow {
    /// Cells in header order; `-` is already an empty cell.
    pub cells: Vec<String>,
    /// The whole row.
    pub span: Span,
}

/// Who an expectation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    Member(Located),
    /// `plan ...`: the whole run.
    Plan,
}

/// What an expectation checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Check {
    /// `ann unilevel 12.50`, `ann rank gold`: a bonus or an export, resolved
    /// against the plan when the test runs.
    Named { name: Located, value: Located },
    /// `ann total 40`: the sum of the member's (or the plan's) payouts.
    Total { amount: Decimal },
    /// `ann nothing`: no payout at all.
    Nothing,
}

/// One expectation line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    pub subject: Subject,
    pub check: Check,
    /// The whole line.
    pub span: Span,
    /// The line as written, without the comment.
    pub text: String,
}

/// A word of a line: bare, or in double quotes (which may hold spaces).
#[derive(Debug, Clone)]
struct Word {
    text: String,
    quoted: bool,
    span: Span,
}

impl Word {
    /// True for the bare keyword `kw` (a quoted word is never a keyword).
    fn is(&self, kw: &str) -> bool {
        !self.quoted && self.text == kw
    }

    fn located(&self) -> Located {
        Located {
            text: self.text.clone(),
            span: self.span,
        }
    }
}

/// Splits one line (starting at byte `offset` of the file) into words; `#`
/// outside quotes starts a comment.
fn words(line: &str, offset: usize) -> Result<Vec<Word>, PlanTestError> {
    let mut out = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '#' {
            break;
        } else if c == '"' {
            chars.next();
            let mut end = None;
            for (j, d) in chars.by_ref() {
                if d == '"' {
                    end = Some(j);
                    break;
                }
            }
            let Some(j) = end else {
                return Err(PlanTestError::UnclosedQuote {
                    span: Span::new(offset + i, offset + line.len()),
                });
            };
            out.push(Word {
                text: line.get(i + 1..j).unwrap_or_default().to_owned(),
                quoted: true,
                span: Span::new(offset + i, offset + j + 1),
            });
        } else {
            let mut end = line.len();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_whitespace() || d == '#' || d == '"' {
                    end = j;
                    break;
                }
                chars.next();
            }
            out.push(Word {
                text: line.get(i..end).unwrap_or_default().to_owned(),
                quoted: false,
                span: Span::new(offset + i, offset + end),
            });
        }
    }
    Ok(out)
}

/// What the lines after the current one are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Before the first test, or in a test before its network or `expect`.
    Top,
    /// In an inline network, before its header.
    Header,
    /// In an inline network, after its header.
    Rows,
    /// After `expect`.
    Expect,
}

/// A test being read.
struct Draft {
    name: String,
    span: Span,
    network: Option<TestNetwork>,
    only: bool,
    expect_span: Option<Span>,
    expectations: Vec<Expectation>,
    /// Rows of the inline table, including those refused.
    rows_seen: usize,
    /// Expectation lines, including those refused.
    expectations_seen: usize,
}

/// Reads a test file; every mistake is reported, each on its line.
pub fn parse(source: &str) -> Result<TestFile, Vec<PlanTestError>> {
    let mut errors = Vec::new();
    let mut plan: Option<Located> = None;
    let mut tests: Vec<PlanTest> = Vec::new();
    let mut draft: Option<Draft> = None;
    let mut mode = Mode::Top;
    let mut offset = 0;
    for raw in source.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let ws = match words(line, line_start) {
            Ok(ws) => ws,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let [first, rest @ ..] = ws.as_slice() else {
            continue;
        };
        let line_span = Span::new(
            first.span.start,
            ws.last().map_or(first.span.end, |w| w.span.end),
        );
        let text = source
            .get(line_span.start..line_span.end)
            .unwrap_or_default()
            .to_owned();

        if first.is("test") {
            if let Some(d) = draft.take() {
                finish(d, &mut tests, &mut errors);
            }
            mode = Mode::Top;
            match rest {
                [name] if name.quoted => {
                    draft = Some(Draft {
                        name: name.text.clone(),
                        span: line_span,
                        network: None,
                        only: false,
                        expect_span: None,
                        expectations: Vec::new(),
                        rows_seen: 0,
                        expectations_seen: 0,
                    });
                }
                [] => errors.push(PlanTestError::Missing {
                    span: end_of(first.span),
                    after: "test".into(),
                    expected: "the test's name in double quotes",
                    help: Some("write `test \"a bronze earns two levels\"`".into()),
                }),
                [first, extra, ..] if first.quoted => errors.push(extra_word(extra)),
                [name, ..] => errors.push(PlanTestError::Unexpected {
                    span: name.span,
                    found: name.text.clone(),
                    expected: "the test's name in double quotes",
                    help: Some(format!("write `test \"{}\"`", rest_text(rest))),
                }),
            }
            continue;
        }

        if first.is("plan") && draft.is_none() {
            match rest {
                [path] if path.quoted => {
                    if plan.is_some() || !tests.is_empty() {
                        errors.push(PlanTestError::PlanPlacement { span: line_span });
                    } else {
                        plan = Some(path.located());
                    }
                }
                [] => errors.push(PlanTestError::Missing {
                    span: end_of(first.span),
                    after: "plan".into(),
                    expected: "the plan file's name in double quotes",
                    help: Some("write `plan \"ranked.plan\"` (relative to this file)".into()),
                }),
                [first, extra, ..] if first.quoted => errors.push(extra_word(extra)),
                [path, ..] => errors.push(PlanTestError::Unexpected {
                    span: path.span,
                    found: path.text.clone(),
                    expected: "the plan file's name in double quotes",
                    help: Some(format!("write `plan \"{}\"`", rest_text(rest))),
                }),
            }
            continue;
        }

        let Some(d) = draft.as_mut() else {
            errors.push(PlanTestError::Unexpected {
                span: first.span,
                found: first.text.clone(),
                expected: "`test \"...\"` or `plan \"...\"`",
                help: Some(
                    "a test file is a list of tests, each started by `test \"its name\"`".into(),
                ),
            });
            continue;
        };

        if first.is("network") {
            if let Some(existing) = &d.network {
                errors.push(PlanTestError::SecondNetwork {
                    span: line_span,
                    name: d.name.clone(),
                    first: network_span(existing),
                });
                mode = Mode::Top;
                continue;
            }
            if d.expect_span.is_some() {
                errors.push(PlanTestError::Unexpected {
                    span: first.span,
                    found: first.text.clone(),
                    expected: "an expectation",
                    help: Some("write the test's network before its `expect` lines".into()),
                });
                continue;
            }
            match rest {
                [] => {
                    d.network = Some(TestNetwork::Inline {
                        header: Vec::new(),
                        rows: Vec::new(),
                        span: line_span,
                    });
                    mode = Mode::Header;
                }
                [file] if file.quoted => {
                    d.network = Some(TestNetwork::File(file.located()));
                    mode = Mode::Top;
                }
                [first, extra, ..] if first.quoted => errors.push(extra_word(extra)),
                [file, ..] => errors.push(PlanTestError::Unexpected {
                    span: file.span,
                    found: file.text.clone(),
                    expected: "a file name in double quotes, or the end of the line",
                    help: Some(
                        "write `network \"net.csv\"`, or `network` alone with the table on the next lines"
                            .into(),
                    ),
                }),
            }
            continue;
        }

        if first.is("expect") {
            if let Some(previous) = d.expect_span {
                errors.push(PlanTestError::Unexpected {
                    span: first.span,
                    found: first.text.clone(),
                    expected: "an expectation",
                    help: Some(format!(
                        "test `{}` already has its `expect` on line {}; list every expectation under it",
                        d.name,
                        previous.line_col(source).0
                    )),
                });
                continue;
            }
            d.expect_span = Some(line_span);
            mode = Mode::Expect;
            match rest {
                [] => {}
                [only] if only.is("only") => d.only = true,
                [only, extra, ..] if only.is("only") => errors.push(extra_word(extra)),
                [other, ..] => errors.push(PlanTestError::Unexpected {
                    span: other.span,
                    found: other.text.clone(),
                    expected: "`only` or the end of the line",
                    help: Some(
                        "write the expectations on the lines under `expect`, one a line".into(),
                    ),
                }),
            }
            continue;
        }

        match mode {
            Mode::Top => errors.push(PlanTestError::Unexpected {
                span: first.span,
                found: first.text.clone(),
                expected: "`network` or `expect`",
                help: Some(
                    "a test has a `network` (a table of members, or a CSV file) and then `expect` lines"
                        .into(),
                ),
            }),
            Mode::Header => {
                if let Some(TestNetwork::Inline { header, .. }) = &mut d.network {
                    *header = ws.iter().map(Word::located).collect();
                }
                mode = Mode::Rows;
            }
            Mode::Rows => {
                d.rows_seen += 1;
                if let Some(TestNetwork::Inline { header, rows, .. }) = &mut d.network {
                    if ws.len() != header.len() {
                        errors.push(PlanTestError::CellCount {
                            span: line_span,
                            found: ws.len(),
                            expected: header.len(),
                        });
                    } else {
                        let cells = ws
                            .iter()
                            .map(|w| {
                                if w.is("-") {
                                    String::new()
                                } else {
                                    w.text.clone()
                                }
                            })
                            .collect();
                        rows.push(TableRow {
                            cells,
                            span: line_span,
                        });
                    }
                }
            }
            Mode::Expect => {
                d.expectations_seen += 1;
                match expectation(&ws, line_span, text) {
                    Ok(e) => d.expectations.push(e),
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    if let Some(d) = draft.take() {
        finish(d, &mut tests, &mut errors);
    }
    if tests.is_empty() && errors.is_empty() {
        errors.push(PlanTestError::NoTests {
            span: Span::new(0, 0),
        });
    }
    if errors.is_empty() {
        Ok(TestFile { plan, tests })
    } else {
        errors.sort_by_key(|e| e.span().start);
        Err(errors)
    }
}

/// Checks a finished test and adds it.
fn finish(d: Draft, tests: &mut Vec<PlanTest>, errors: &mut Vec<PlanTestError>) {
    let before = errors.len();
    if let Some(first) = tests.iter().find(|t| t.name == d.name) {
        errors.push(PlanTestError::DuplicateTest {
            span: d.span,
            name: d.name.clone(),
            first: first.span,
        });
    }
    match &d.network {
        None => errors.push(PlanTestError::NoNetwork {
            span: d.span,
            name: d.name.clone(),
        }),
        Some(TestNetwork::Inline { header, rows, span }) => {
            if header.is_empty() {
                errors.push(PlanTestError::EmptyTable {
                    span: *span,
                    what: "header",
                });
            } else if rows.is_empty() && d.rows_seen == 0 {
                errors.push(PlanTestError::EmptyTable {
                    span: *span,
                    what: "members",
                });
            }
            for (i, column) in header.iter().enumerate() {
                if header.iter().take(i).any(|c| c.text == column.text) {
                    errors.push(PlanTestError::DuplicateColumn {
                        span: column.span,
                        column: column.text.clone(),
                    });
                }
            }
        }
        Some(TestNetwork::File(_)) => {}
    }
    let expect_span = match d.expect_span {
        Some(span) if d.expectations_seen > 0 => span,
        _ => {
            errors.push(PlanTestError::NoExpectations {
                span: d.expect_span.unwrap_or(d.span),
                name: d.name.clone(),
            });
            d.span
        }
    };
    if errors.len() > before {
        return;
    }
    if let Some(network) = d.network {
        tests.push(PlanTest {
            name: d.name,
            span: d.span,
            network,
            only: d.only,
            expect_span,
            expectations: d.expectations,
        });
    }
}

/// One line under `expect`.
fn expectation(ws: &[Word], span: Span, text: String) -> Result<Expectation, PlanTestError> {
    let [who, rest @ ..] = ws else {
        return Err(PlanTestError::EmptyTable {
            span,
            what: "expectation",
        });
    };
    let subject = if who.is("plan") {
        Subject::Plan
    } else {
        Subject::Member(who.located())
    };
    let whom = if who.is("plan") { "plan" } else { "a member" };
    let check = match rest {
        [] => {
            return Err(PlanTestError::Missing {
                span: end_of(who.span),
                after: who.text.clone(),
                expected: "a bonus, an export, `total` or `nothing`",
                help: Some(format!(
                "write `{} unilevel 12.50` (a bonus and its amount), `{} total 40` or `{} nothing`",
                who.text, who.text, who.text
            )),
            })
        }
        [what] if what.is("nothing") => Check::Nothing,
        [what] => {
            return Err(PlanTestError::Missing {
                span: end_of(what.span),
                after: format!("{} {}", who.text, what.text),
                expected: if what.is("total") {
                    "an amount"
                } else {
                    "the expected value"
                },
                help: Some(format!(
                    "write the value {whom} must get: `{} {} 12.50`",
                    who.text, what.text
                )),
            })
        }
        [what, value] if what.is("total") => Check::Total {
            amount: amount(value)?,
        },
        [what, value] => {
            // A rank's or export's word starts with a letter: anything that
            // starts like a number must be a whole amount.
            if value
                .text
                .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.' || c == '+')
            {
                amount(value)?;
            }
            Check::Named {
                name: what.located(),
                value: value.located(),
            }
        }
        [_, _, extra, ..] => return Err(extra_word(extra)),
    };
    Ok(Expectation {
        subject,
        check,
        span,
        text,
    })
}

/// An amount: `12.50`, `-3`, or `nothing` for zero.
fn amount(w: &Word) -> Result<Decimal, PlanTestError> {
    parse_amount(&w.text, w.span)
}

/// A decimal written as in the network file (`-?digits(.digits)?`), or
/// `nothing` for zero.
pub(crate) fn parse_amount(text: &str, span: Span) -> Result<Decimal, PlanTestError> {
    if text == "nothing" {
        return Ok(Decimal::ZERO);
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
        return Err(PlanTestError::BadAmount {
            span,
            text: text.to_owned(),
        });
    }
    Decimal::from_str(text).map_err(|_| PlanTestError::WrongValue {
        span,
        text: text.to_owned(),
        expected: "an amount this plan can hold".into(),
        help: Some("amounts hold at most 28 significant digits".into()),
    })
}

fn extra_word(w: &Word) -> PlanTestError {
    PlanTestError::Extra {
        span: w.span,
        found: w.text.clone(),
    }
}

/// The empty span just after `span`, where something is missing.
fn end_of(span: Span) -> Span {
    Span::new(span.end, span.end)
}

/// The words as one text, for a suggestion.
fn rest_text(ws: &[Word]) -> String {
    ws.iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn network_span(n: &TestNetwork) -> Span {
    match n {
        TestNetwork::Inline { span, .. } => *span,
        TestNetwork::File(f) => f.span,
    }
}
