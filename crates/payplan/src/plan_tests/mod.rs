//! Plan tests: small networks with the amounts a plan must pay on them,
//! written by plan authors in `.tests` files beside their plans.
//!
//! ```
//! use payplan::{plan_tests, Plan};
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
