//! `payplan test`: run the plan tests written beside plans.

use std::path::{Path, PathBuf};

use clap::Args;
use payplan::{Diagnostic, Plan, Span, ToDiagnostic};
use payplan_tools::plan_tests::{self, TestReport, TestStatus};

use crate::{read_text, render_diagnostics, Streams, EXIT_OK, EXIT_REFUSED};

const ABOUT: &str = "Run the plan tests written beside plans";

const LONG_ABOUT: &str = "\
Run the plan tests written beside plans.

A test file (`ranked.tests` beside `ranked.plan`) holds named tests: each a
small network, written as a table or read from a CSV file, and the amounts,
ranks or exported values the plan must give its members. Every `.tests` file
in the folders given (searched recursively; the current folder by default)
and every file given is run.

Standard output gets one line per test (`ok` or `FAILED`), then each failure
with the expected and the actual value and why the member got the actual
one, then a summary. The exit status is 0 when every test passes, 1 when one
fails, and 2 when a test file cannot be read or has a mistake, a plan does
not compile or a test's network is refused (the message goes to standard
error, with the line of the test file).

Example:
  payplan test plans/
  payplan test plans/ranked.tests --format json

A test file:
  test \"a bronze is paid two levels\"
    network
      id   sponsor  pv   cv
      ann  -        100  0
      bob  ann      100  200
    expect
      ann  unilevel  16.00
      ann  rank      bronze
      bob  nothing";

#[derive(Debug, Args)]
#[command(about = ABOUT, long_about = LONG_ABOUT)]
pub(crate) struct TestArgs {
    /// Test files, or folders to search for `*.tests` files (default: the
    /// current folder)
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// The format of standard output
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = TestFormat::Text)]
    format: TestFormat,
}

/// What `payplan test` writes to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TestFormat {
    /// A line per test, the failures explained, a summary
    Text,
    /// Every test file's report: each test's status, each expectation's
    /// expected and actual value
    Json,
}

pub(crate) fn run(args: &TestArgs, streams: &mut Streams<'_>) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut files = Vec::new();
    for path in &paths {
        match find(path) {
            Ok(found) if found.is_empty() => {
                return streams.refuse(
                    &format!("no plan tests in `{}`", path.display()),
                    Some("test files end in `.tests`, such as `ranked.tests` beside `ranked.plan`"),
                )
            }
            Ok(found) => files.extend(found),
            Err(message) => return streams.refuse(&message, None),
        }
    }
    let mut reports = Vec::new();
    let mut unread = 0;
    for file in &files {
        match run_file(file, streams) {
            Ok(report) => reports.push(report),
            Err(()) => unread += 1,
        }
    }
    let text = match args.format {
        TestFormat::Text => report_text(&reports, unread),
        TestFormat::Json => match serde_json::to_string_pretty(&reports) {
            Ok(json) => json + "\n",
            Err(e) => return streams.refuse(&format!("cannot write the report: {e}"), None),
        },
    };
    let status = streams.output(&text);
    if status != EXIT_OK {
        status
    } else if unread > 0 || reports.iter().any(|r| r.counts().2 > 0) {
        EXIT_REFUSED
    } else if reports.iter().any(|r| r.counts().1 > 0) {
        crate::EXIT_TEST_FAILED
    } else {
        EXIT_OK
    }
}

/// The test files at `path`: the file itself, or every `*.tests` file below
/// the folder, sorted (hidden folders and `target` are skipped).
fn find(path: &Path) -> Result<Vec<PathBuf>, String> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| format!("cannot read `{}`: {}", path.display(), crate::io_reason(&e)))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut folders = vec![path.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| {
            format!(
                "cannot read `{}`: {}",
                folder.display(),
                crate::io_reason(&e)
            )
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if p.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    folders.push(p);
                }
            } else if p.extension().is_some_and(|x| x == plan_tests::EXTENSION) {
                found.push(p);
            }
        }
    }
    // `plans/x.tests`, not `./plans/x.tests`, when searching the current folder.
    let mut found: Vec<PathBuf> = found
        .into_iter()
        .map(|p| match p.strip_prefix(".") {
            Ok(rest) if path == Path::new(".") => rest.to_path_buf(),
            _ => p,
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Reads, parses and runs one test file; its mistakes, its plan's
/// diagnostics and the errors of tests that cannot run go to standard error.
fn run_file(path: &Path, streams: &mut Streams<'_>) -> Result<TestReport, ()> {
    let name = path.display().to_string();
    let source = read_text(path).map_err(|message| {
        streams.refuse(&message, None);
    })?;
    let file = plan_tests::parse(&source).map_err(|errors| {
        let diagnostics: Vec<Diagnostic> = errors.iter().map(ToDiagnostic::to_diagnostic).collect();
        streams.note(&render_diagnostics(
            &name,
            &source,
            &diagnostics,
            streams.color,
        ));
    })?;
    let plan_path = file.plan_path(path);
    let plan_name = plan_path.display().to_string();
    let plan = compile_plan(&plan_path, &file, &name, &source, streams)?;
    let base = path.parent().unwrap_or_else(|| Path::new(""));
    let report = file.run(&plan, &name, &plan_name, &source, base);
    for test in &report.tests {
        if !test.errors.is_empty() {
            streams.note(&render_diagnostics(
                &name,
                &source,
                &test.errors,
                streams.color,
            ));
        }
    }
    Ok(report)
}

/// Reads and compiles the plan of a test file; a missing plan is reported
/// on the test file's `plan` line (or its first line).
fn compile_plan(
    plan_path: &Path,
    file: &plan_tests::TestFile,
    test_name: &str,
    test_source: &str,
    streams: &mut Streams<'_>,
) -> Result<Plan, ()> {
    let plan_source = match read_text(plan_path) {
        Ok(text) => text,
        Err(message) => {
            let (span, help) = match &file.plan {
                Some(named) => (
                    named.span,
                    "the plan's path is relative to the test file".to_owned(),
                ),
                None => (
                    Span::new(0, 0),
                    format!(
                        "name the plan at the top of the test file: `plan \"{}\"`, or put the tests beside it with the same name",
                        "file.plan"
                    ),
                ),
            };
            let d = Diagnostic::error(format!("no plan for these tests: {message}"), span)
                .with_help(Some(help));
            streams.note(&render_diagnostics(
                test_name,
                test_source,
                &[d],
                streams.color,
            ));
            return Err(());
        }
    };
    let plan_name = plan_path.display().to_string();
    match Plan::compile(&plan_source, &plan_name) {
        Ok(plan) => Ok(plan),
        Err(e) => {
            let text =
                render_diagnostics(&e.file_name, &e.source_text, &e.diagnostics, streams.color);
            streams.note(&text);
            streams.refuse(
                &format!(
                    "`{plan_name}` does not compile, so the tests in `{test_name}` cannot run"
                ),
                Some("`payplan check` reports every error of a plan"),
            );
            Err(())
        }
    }
}

/// The text of standard output: a line per test, the failures, a summary
/// (`unread`: the files that could not be read, parsed or compiled).
fn report_text(reports: &[TestReport], unread: usize) -> String {
    let mut out = String::new();
    for report in reports {
        for test in &report.tests {
            let word = match test.status {
                TestStatus::Passed => "ok",
                TestStatus::Failed => "FAILED",
                TestStatus::Error => "ERROR",
            };
            out.push_str(&format!("{word:<7} {}: {}\n", report.file, test.name));
        }
    }
    let failed: Vec<_> = reports
        .iter()
        .flat_map(|r| r.tests.iter().map(move |t| (r, t)))
        .filter(|(_, t)| t.status == TestStatus::Failed)
        .collect();
    if !failed.is_empty() {
        out.push_str("\nfailures:\n");
        for (report, test) in &failed {
            out.push_str(&format!(
                "\n{}:{}: {} (plan `{}`)\n",
                report.file, test.line, test.name, report.plan
            ));
            for check in test.checks.iter().filter(|c| !c.passed) {
                let unexpected = match &check.member {
                    Some(m) if check.expectation == "expect only" => {
                        format!(": `{m}` is paid `{}`, which no line expects", check.item)
                    }
                    _ => String::new(),
                };
                out.push_str(&format!(
                    "  {}:{}:{}: `{}`{unexpected}\n",
                    report.file, check.line, check.column, check.expectation
                ));
                out.push_str(&format!("    expected  {}\n", check.expected));
                out.push_str(&format!("    actual    {}\n", check.actual));
                if let Some(explanation) = &check.explanation {
                    out.push_str("    why:\n");
                    for line in explanation.lines() {
                        if line.trim().is_empty() {
                            out.push('\n');
                        } else {
                            out.push_str(&format!("      {line}\n"));
                        }
                    }
                }
            }
        }
    }
    let (mut passed, mut failed_n, mut errors) = (0, 0, 0);
    for r in reports {
        let (p, f, e) = r.counts();
        passed += p;
        failed_n += f;
        errors += e;
    }
    let total = passed + failed_n + errors;
    let files = reports.len() + unread;
    if !out.is_empty() {
        out.push('\n');
    }
    let mut summary = format!(
        "{} in {}: {passed} passed, {failed_n} failed",
        plural(total, "test", "tests"),
        plural(files, "file", "files"),
    );
    if errors > 0 {
        summary.push_str(&format!(", {errors} could not run"));
    }
    if unread > 0 {
        summary.push_str(&format!(", {} refused", plural(unread, "file", "files")));
    }
    out.push_str(&summary);
    out.push('\n');
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
