//! Snapshot-tested plan reviews: the pattern docs/review.md gives for a
//! plan's own repository. Every plan in `plans/` is run on every fixture
//! network in `FIXTURES`; its review (JSON) and its payouts (CSV) are insta
//! snapshots, so that a change to a plan — a rate, a cap, a rank rule —
//! shows up in code review as a diff of what it pays, to whom, and what it
//! holds back. Accept an intended change with `cargo insta review`.
//!
//! It reads nothing of this repository but `plans/` and the fixtures, and
//! uses only the `payplan` library, `insta` and `serde_json`: copy it as it
//! is into a plan repository's `tests/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// The fixture networks, relative to the package root. A plan that reads
/// columns they lack has its own fixture, `examples/<plan>-network.csv`
/// (the matrix's `joined`), read in place of `examples/network.csv`.
const FIXTURES: &[&str] = &["examples/network.csv"];

/// The fixture `plan` reads in place of `fixture`.
fn fixture_for(plan: &str, fixture: &str) -> String {
    let own = format!("examples/{plan}-network.csv");
    if fixture == "examples/network.csv" && package_root().join(&own).exists() {
        own
    } else {
        fixture.to_owned()
    }
}

fn package_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `.plan` files of `plans/`, sorted.
fn plans() -> Vec<PathBuf> {
    let mut plans: Vec<PathBuf> = std::fs::read_dir(package_root().join("plans"))
        .expect("a plans/ folder")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "plan"))
        .collect();
    plans.sort();
    assert!(!plans.is_empty(), "no plans in plans/");
    plans
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

fn compile(path: &Path) -> payplan::Plan {
    let source = std::fs::read_to_string(path).unwrap();
    payplan::Plan::compile(&source, &path.display().to_string())
        .unwrap_or_else(|e| panic!("{} does not compile: {e}", path.display()))
}

#[test]
fn reviews_and_payouts_of_every_plan_on_every_fixture() {
    for plan_path in plans() {
        let plan = compile(&plan_path);
        for fixture in FIXTURES {
            let fixture = &fixture_for(&stem(&plan_path), fixture);
            let network = plan
                .load_network(&package_root().join(fixture))
                .unwrap_or_else(|e| panic!("{fixture}: {e}"));
            let name = format!("{}@{}", stem(&plan_path), stem(Path::new(fixture)));
            let run = plan.evaluate(&network).unwrap();
            let review = payplan_tools::review::review(&plan, &network).unwrap();
            // The review: totals, breakage, ranks, income disclosure, basis.
            insta::assert_json_snapshot!(format!("{name}.review"), review);
            // The payouts: who is paid what, line by line.
            insta::assert_snapshot!(format!("{name}.payouts"), run.outcome().payouts_csv());
        }
    }
}
