//! The example plans of `plans/examples/`, modeled on compensation plans
//! that companies publish: each passes the plan tests beside it (worked by
//! hand from the published rules), and its payouts on a small bundled
//! network are kept as a snapshot a reviewer reads.
//!
//! A plan listed in `PENDING` (tests/common/examples.rs) is written in a
//! language feature not merged yet: it must still fail to check, at the
//! line that uses the feature. When the feature lands, the test below
//! fails and says to move the plan out of `PENDING`.
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

use common::examples::{dir, names, pending, PENDING};
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
fn the_pending_list_names_example_plans() {
    let names = names();
    for p in PENDING {
        assert!(
            names.iter().any(|n| n == p.plan),
            "PENDING names `{}`, which is not in plans/examples/",
            p.plan
        );
    }
}

#[test]
fn every_example_passes_its_own_tests() {
    let mut ran = 0;
    for name in names().iter().filter(|n| pending(n).is_none()) {
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
    assert!(ran >= 4, "only {ran} examples ran");
}

#[test]
fn every_pending_example_still_fails_to_check_where_it_uses_the_feature() {
    for p in PENDING {
        let name = p.plan;
        // Its tests are ready to run the day the plan compiles.
        let tests = plan_tests::parse(&read(name, "tests"))
            .unwrap_or_else(|e| panic!("plans/examples/{name}.tests: {e:?}"));
        assert!(!tests.tests.is_empty(), "{name}.tests has no tests");
        let text = read(name, "plan");
        let Err(error) = Plan::compile(&text, name) else {
            panic!(
                "plans/examples/{name}.plan now compiles: the feature it waits for has \
                 landed ({}). Remove `{name}` from PENDING in tests/common/examples.rs; \
                 then it must pass `payplan test plans/examples/{name}.tests`, and its \
                 payout snapshot (tests/snapshots/example_plans__{name}.snap) must be \
                 read and accepted",
                p.feature
            );
        };
        let first = &error.diagnostics[0];
        let line_start = text[..first.span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[first.span.start..]
            .find('\n')
            .map_or(text.len(), |i| first.span.start + i);
        let line = &text[line_start..line_end];
        assert!(
            line.contains(p.fails_at),
            "plans/examples/{name}.plan fails to check, but not where it uses {} \
             (`{}`): {} at\n{line}",
            p.feature,
            p.fails_at,
            first.message
        );
    }
}

#[test]
fn payouts_of_every_example_on_its_bundled_network() {
    for name in names().iter().filter(|n| pending(n).is_none()) {
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
