//! The example plans of `plans/examples/`, modeled on compensation plans
//! that companies publish: each passes the plan tests beside it (worked by
//! hand from the published rules), and its payouts on a small bundled
//! network are kept as a snapshot a reviewer reads.
//!
//! Review snapshot changes with `cargo insta review`, or accept them all
//! with `INSTA_UPDATE=always cargo test --test example_plans`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::examples::{dir, names};
use payplan::Plan;
use payplan_tools::plan_tests;

fn read(name: &str, extension: &str) -> String {
    let path = dir().join(format!("{name}.{extension}"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The comment lines a file starts with.
fn leading_comment(text: &str) -> String {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn at_least_eight_examples_each_with_its_source_tests_and_network() {
    let names = names();
    assert!(names.len() >= 8, "only {} examples: {names:?}", names.len());
    for name in &names {
        let plan = leading_comment(&read(name, "plan"));
        assert!(
            plan.contains("Source") && plan.contains("http"),
            "{name}.plan: the comment at the top must cite its source:\n{plan}"
        );
        let tests = leading_comment(&read(name, "tests"));
        assert!(
            tests.contains("http"),
            "{name}.tests: the comment at the top must cite its source:\n{tests}"
        );
        let network = dir().join(format!("networks/{name}.csv"));
        assert!(network.exists(), "no bundled network {}", network.display());
    }
}

#[test]
fn every_example_passes_its_own_tests() {
    let mut ran = 0;
    for name in names().iter() {
        let plan_file = format!("plans/examples/{name}.plan");
        let plan = Plan::compile(&read(name, "plan"), &plan_file)
            .unwrap_or_else(|e| panic!("{plan_file} does not compile: {e}"));
        let source = read(name, "tests");
        let file = plan_tests::parse(&source)
            .unwrap_or_else(|e| panic!("plans/examples/{name}.tests: {e:?}"));
        let test_file = format!("plans/examples/{name}.tests");
        let report = file.run(&plan, &test_file, &plan_file, &source, &dir());
        let (passed, failed, errors) = report.counts();
        assert!(
            failed == 0 && errors == 0 && passed == file.tests.len() && passed > 0,
            "{test_file}: {passed} passed, {failed} failed, {errors} could not run \
             (see `payplan test {test_file}`):\n{report:#?}"
        );
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} examples ran");
}

#[test]
fn payouts_of_every_example_on_its_bundled_network() {
    for name in names().iter() {
        let plan_file = format!("plans/examples/{name}.plan");
        let plan = Plan::compile(&read(name, "plan"), &plan_file).unwrap();
        let network = plan
            .load_network(&dir().join(format!("networks/{name}.csv")))
            .unwrap();
        let outcome = plan.run(&network).unwrap();
        let totals: Vec<String> = outcome
            .totals
            .per_bonus
            .iter()
            .map(|(b, t)| format!("{b}: {t:.2}"))
            .collect();
        let review = format!(
            "# {} ({})\n\n## payouts\n{}\n## members\n{}\n## totals\n{}\npaid: {:.2}\n",
            outcome.plan,
            outcome.currency,
            outcome.payouts_csv(),
            outcome.members_csv(),
            totals.join("\n"),
            outcome.totals.paid,
        );
        insta::assert_snapshot!(name.as_str(), review);
    }
}
