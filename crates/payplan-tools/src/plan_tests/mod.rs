//! Plan tests: small networks with the amounts a plan must pay on them,
//! written by plan authors in `.tests` files beside their plans.
//!
//! ```
//! use payplan::Plan;
//! use payplan_tools::plan_tests;
//!
//! let plan = Plan::compile(r#"
//!     plan "Retail"
//!     currency USD
//!     rounding 2 half_even
//!     input pv: volume
//!     input cv: money
//!     bonus retail pays 20% of cv
//! "#, "retail.plan")?;
//!
//! let source = r#"
//! test "every member earns 20% of its own sales"
//!   network
//!     id   sponsor  pv   cv
//!     ann  -        100  50
//!     bob  ann      20   12.5
//!   expect
//!     ann  retail  10
//!     bob  retail  2.50
//! "#;
//! let file = plan_tests::parse(source).map_err(|e| format!("{e:?}"))?;
//! let report = file.run(&plan, "retail.tests", "retail.plan", source, std::path::Path::new("."));
//! assert_eq!(report.counts(), (1, 0, 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod parse;
mod run;

pub use error::PlanTestError;
pub use parse::{
    parse, Check, Expectation, Located, PlanTest, Subject, TableRow, TestFile, TestNetwork,
};
pub use run::{run_test, CheckResult, TestReport, TestResult, TestStatus};

use std::path::{Component, Path, PathBuf};

/// The file extension of test files: `ranked.tests` beside `ranked.plan`.
pub const EXTENSION: &str = "tests";

impl TestFile {
    /// The plan a test file runs: the file its `plan "..."` line names
    /// (relative to the test file), or the `.plan` file with the same stem
    /// in the same folder.
    pub fn plan_path(&self, test_file: &Path) -> PathBuf {
        match &self.plan {
            Some(named) => tidy(
                &test_file
                    .parent()
                    .unwrap_or_else(|| Path::new(""))
                    .join(&named.text),
            ),
            None => test_file.with_extension("plan"),
        }
    }
}

/// `tests/x/../../plans/a.plan` as `plans/a.plan`: a folder followed by
/// `..` is dropped, so messages name the plan the way a person would.
fn tidy(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match (c, out.last()) {
            (Component::CurDir, Some(_)) => {}
            (Component::ParentDir, Some(Component::Normal(_))) => {
                out.pop();
            }
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use payplan::Plan;

    const PLAN: &str = r#"
        plan "Retail and unilevel"
        currency USD
        rounding 2 half_even
        input pv: volume
        input cv: money
        input new: bool, default false
        let active = pv >= 100
        rank star when pv >= 500
        bonus retail pays 20% of cv
        bonus unilevel when active pays sum(cv over levels 1..2 at 10%, 5%)
        export rank
        export active
    "#;

    fn run(tests: &str) -> TestReport {
        let plan = Plan::compile(PLAN, "x.plan").unwrap();
        let file = parse(tests).unwrap_or_else(|e| panic!("{e:?}"));
        file.run(&plan, "x.tests", "x.plan", tests, Path::new("."))
    }

    const NETWORK: &str = r#"
test "t"
  network
    id          sponsor     pv   cv    new   # a comment
    "Ann Lee"   -           500  10    -
    bob         "Ann Lee"   100  200   true
    cy          bob         0    300   -
"#;

    #[test]
    fn amounts_compare_exactly_as_decimals() {
        let report = run(&format!(
            "{NETWORK}  expect only\n    \"Ann Lee\" unilevel 35.0\n    \"Ann Lee\" retail 2\n    bob total 70.000\n    cy retail 60\n    cy unilevel nothing\n    plan retail 102\n    plan total 167\n"
        ));
        let test = &report.tests[0];
        assert_eq!(test.status, TestStatus::Passed, "{test:#?}");
        assert_eq!(test.checks.len(), 7);
        assert_eq!(test.checks[0].expected, "35.00");
        assert_eq!(test.checks[0].actual, "35.00");

        let report = run(&format!("{NETWORK}  expect\n    bob unilevel 30.01\n"));
        let check = &report.tests[0].checks[0];
        assert!(!check.passed);
        assert_eq!(
            (check.expected.as_str(), check.actual.as_str()),
            ("30.01", "30.00")
        );
        assert_eq!((check.line, check.column), (9, 5));
        let why = check.explanation.as_deref().unwrap();
        assert!(why.starts_with("unilevel: 30.00"), "{why}");
    }

    #[test]
    fn exports_ranks_and_true_false() {
        let report = run(&format!(
            "{NETWORK}  expect\n    \"Ann Lee\" rank star\n    bob rank none\n    cy active false\n    bob active true\n"
        ));
        assert_eq!(report.tests[0].status, TestStatus::Passed, "{report:#?}");
        let report = run(&format!("{NETWORK}  expect\n    bob active 1\n"));
        assert_eq!(report.tests[0].status, TestStatus::Error);
        assert!(report.tests[0].errors[0].message.contains("`1` is not"));
    }

    #[test]
    fn only_reports_every_unexpected_payout() {
        let report = run(&format!("{NETWORK}  expect only\n    bob nothing\n"));
        let test = &report.tests[0];
        assert_eq!(test.status, TestStatus::Failed);
        let unexpected: Vec<(&str, &str)> = test
            .checks
            .iter()
            .filter(|c| c.expectation == "expect only")
            .map(|c| (c.member.as_deref().unwrap(), c.item.as_str()))
            .collect();
        assert_eq!(
            unexpected,
            [
                ("Ann Lee", "retail"),
                ("Ann Lee", "unilevel"),
                ("cy", "retail")
            ]
        );
        assert_eq!(
            test.checks[0].actual,
            "70.00 (retail 40.00, unilevel 30.00)"
        );
    }

    #[test]
    fn the_report_is_serde_data() {
        let report = run(&format!("{NETWORK}  expect\n    bob retail 40\n"));
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains(r#""status":"passed""#), "{json}");
        let back: TestReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn mistakes_are_placed_and_worded_for_authors() {
        let cases: &[(&str, &str, (usize, usize))] = &[
            (
                "test x\n",
                "expected the test's name in double quotes, found `x`",
                (1, 6),
            ),
            ("", "the file has no tests", (1, 1)),
            ("test \"a\n", "unclosed quote", (1, 6)),
            (
                "test \"a\"\n  expect\n    a nothing\n",
                "test `a` has no network",
                (1, 1),
            ),
            (
                "test \"a\"\n  network\n  expect\n    a nothing\n",
                "the network table has no header",
                (2, 3),
            ),
            (
                "test \"a\"\n  network\n    id sponsor\n    a - 1\n  expect\n    a nothing\n",
                "the row has 3 cells, but the header has 2",
                (4, 5),
            ),
            (
                "test \"a\"\n  network \"n.csv\"\n  expect\n",
                "test `a` expects nothing",
                (3, 3),
            ),
            (
                "test \"a\"\n  network \"n.csv\"\n  expect\n    a total 1e3\n",
                "`1e3` is not an amount",
                (4, 13),
            ),
            (
                "test \"a\"\n  network \"n.csv\"\n  expect\n    a\n",
                "expected a bonus, an export, `total` or `nothing` after `a`",
                (4, 6),
            ),
            (
                "test \"a\"\n  network \"n.csv\"\n  network \"m.csv\"\n  expect\n    a nothing\n",
                "test `a` has a second network",
                (3, 3),
            ),
            (
                "test \"a\"\n  network \"n.csv\"\n  expect only please\n    a nothing\n",
                "unexpected `please` at the end of the line",
                (3, 15),
            ),
        ];
        for (source, message, (line, column)) in cases {
            let errors = parse(source).unwrap_err();
            let first = &errors[0];
            assert_eq!(first.to_string(), *message, "{source:?}");
            assert_eq!(
                first.span().line_col(source),
                (*line, *column),
                "{source:?}"
            );
            assert!(first.help().is_some(), "{source:?}");
            assert!(!first.to_string().contains("rule"), "{source:?}");
        }
    }

    #[test]
    fn the_plan_is_beside_the_tests_or_named() {
        let file = parse("test \"a\"\n network \"n.csv\"\n expect\n  a nothing\n").unwrap();
        assert_eq!(
            file.plan_path(Path::new("plans/ranked.tests")),
            Path::new("plans/ranked.plan")
        );
        let file = parse(
            "plan \"../other/x.plan\"\ntest \"a\"\n network \"n.csv\"\n expect\n  a nothing\n",
        )
        .unwrap();
        assert_eq!(
            file.plan_path(Path::new("plans/ranked.tests")),
            Path::new("other/x.plan")
        );
    }
}
