//! The corpus of broken plans in `tests/diagnostics/`: each file is a small,
//! realistic plan with one kind of mistake (a few with several, to show that
//! every error is reported in one run). The diagnostics are rendered the way
//! `payplan check` prints them and kept as insta snapshots
//! (`tests/snapshots/diagnostics__<file stem>.snap`).
//!
//! A file named `NN-warning-*.plan` must compile, with at least one warning;
//! every other file must fail to compile, with at least one error.
//!
//! Review changes with `cargo insta review`, or accept them all with
//! `INSTA_UPDATE=always cargo test --test diagnostics`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use payplan::{Plan, Severity};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "plan"))
        .collect();
    files.sort();
    files
}

/// Compiles one corpus file; the rendered diagnostics, or why the outcome
/// is not the one the file's name promises.
fn render(path: &Path) -> Result<String, String> {
    let file = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{}: file name is not UTF-8", path.display()))?;
    let file_name = format!("tests/diagnostics/{file}");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{file_name}: {e}"))?;
    let expect_warnings = file.contains("-warning-");
    match Plan::compile(&text, &file_name) {
        Ok(plan) if expect_warnings => {
            if plan.warnings().is_empty() {
                return Err(format!("{file_name}: compiles without any warning"));
            }
            Ok(payplan_cli::render_diagnostics(
                &file_name,
                &text,
                plan.warnings(),
                false,
            ))
        }
        Ok(_) => Err(format!("{file_name}: compiles, but should be refused")),
        Err(e) if expect_warnings => Err(format!(
            "{file_name}: should compile with warnings, but is refused:\n{}",
            payplan_cli::render_diagnostics(&file_name, &text, &e.diagnostics, false)
        )),
        Err(e) => {
            if !e.diagnostics.iter().any(|d| d.severity == Severity::Error) {
                return Err(format!("{file_name}: refused without any error"));
            }
            Ok(payplan_cli::render_diagnostics(
                &file_name,
                &text,
                &e.diagnostics,
                false,
            ))
        }
    }
}

#[test]
fn broken_plans_have_the_expected_diagnostics() {
    let files = corpus();
    assert!(
        files.len() >= 35,
        "the corpus has only {} plans",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let rendered = match render(path) {
            Ok(rendered) => rendered,
            Err(why) => {
                failures.push(why);
                continue;
            }
        };
        // Check every file, then report every mismatch at once.
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            insta::assert_snapshot!(name.as_str(), rendered);
        }));
        if outcome.is_err() {
            failures.push(format!("{name}: the diagnostics differ from the snapshot"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus plans failed:\n  {}",
        failures.len(),
        files.len(),
        failures.join("\n  ")
    );
}
