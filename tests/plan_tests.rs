//! `payplan test`: the reference plans' own tests pass, a failing test is
//! reported with the expected and actual value and the explanation, and
//! every mistake in a test file is refused with its file, line and a hint.
//! The fixtures are in `tests/plan_tests/` (named `.fixture`, so that
//! `payplan test` run from the project's root finds only real tests).
//!
//! Review changes with `cargo insta review`, or accept them all with
//! `INSTA_UPDATE=always cargo test --test plan_tests`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::binary::{payplan, payplan_in, Output};
use common::cases::root;

/// Both streams, for one snapshot.
fn both(out: &Output) -> String {
    format!(
        "exit status {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    )
}

/// The reference plans' test files (R1-R6 and R9), named one by one: `plans/examples/`
/// holds more plans with tests of their own (tests/example_plans.rs).
const REFERENCE_TESTS: [&str; 7] = [
    "plans/binary.tests",
    "plans/breakaway.tests",
    "plans/hybrid.tests",
    "plans/matrix.tests",
    "plans/ranked.tests",
    "plans/unilevel.tests",
    "plans/unilevel_compressed.tests",
];

#[test]
fn the_reference_plans_pass_their_own_tests() {
    let mut args = vec!["test"];
    args.extend(REFERENCE_TESTS);
    let out = payplan(&args);
    assert_eq!(out.code, 0, "{}", both(&out));
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    for plan in [
        "unilevel",
        "unilevel_compressed",
        "ranked",
        "breakaway",
        "binary",
        "hybrid",
        "matrix",
    ] {
        assert!(
            out.stdout.contains(&format!("plans/{plan}.tests: ")),
            "no tests of {plan}:\n{}",
            out.stdout
        );
    }
    insta::assert_snapshot!("reference_plans", out.stdout);
}

#[test]
fn a_failing_test_shows_expected_actual_and_the_explanation() {
    let out = payplan(&["test", "tests/plan_tests/failing.fixture"]);
    assert_eq!(out.code, 1, "{}", both(&out));
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    for word in [
        "ok      tests/plan_tests/failing.fixture: a bronze is paid two levels",
        "FAILED  tests/plan_tests/failing.fixture: wrong amounts",
        "tests/plan_tests/failing.fixture:20:5: `ann  unilevel  16.00`",
        "expected  16.00",
        "actual    34.00",
        "why:",
        "bob     1      1            200    8%    16",
        "`bob` is paid `unilevel`, which no line expects",
        "1 passed, 1 failed",
    ] {
        assert!(
            out.stdout.contains(word),
            "{word:?} missing:\n{}",
            out.stdout
        );
    }
    insta::assert_snapshot!("failing", out.stdout);
}

#[test]
fn a_network_from_a_csv_file_beside_the_tests() {
    let out = payplan(&["test", "tests/plan_tests/csv-network.fixture"]);
    assert_eq!(out.code, 0, "{}", both(&out));
    assert!(out.stdout.contains("1 passed, 0 failed"), "{}", out.stdout);
}

#[test]
fn every_mistake_is_refused_with_its_place() {
    for (fixture, places) in [
        (
            "syntax-errors",
            &["syntax-errors.fixture:2:6", "syntax-errors.fixture:20:10"][..],
        ),
        ("no-tests", &["no-tests.fixture:1:1"]),
        ("broken-plan", &["tests/diagnostics/01-missing-pays.plan:"]),
        (
            "missing-plan",
            &["missing-plan.fixture:1:6", "no-such.plan"],
        ),
        (
            "no-plan-beside",
            &["no-plan-beside.fixture:1:1", "no-plan-beside.plan"],
        ),
        ("bad-network", &["bad-network.fixture:7:5", "`anne`"]),
        ("missing-csv", &["missing-csv.fixture:4:11", "no-such.csv"]),
        ("unknown-column", &["unknown-column.fixture:5:29", "`nwe`"]),
        (
            "percent-without-sign",
            &[
                "percent-without-sign.fixture:6:5",
                "write percentages with `%`: `25%` for `0.25`",
                "percent-without-sign.fixture:13:5",
                "above the largest percentage allowed, `150%`",
                "with `at most 151%`",
            ],
        ),
        (
            "unknown-names",
            &[
                "unknown-names.fixture:9:5",
                "unknown-names.fixture:10:10",
                "did you mean `unilevel`?",
                "did you mean `silver`?",
            ],
        ),
    ] {
        let path = format!("tests/plan_tests/{fixture}.fixture");
        let out = payplan(&["test", &path]);
        assert_eq!(out.code, 2, "{fixture}: {}", both(&out));
        assert!(
            out.stderr.starts_with("error: "),
            "{fixture}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("= help: "), "{fixture}: {}", out.stderr);
        for place in places {
            assert!(
                out.stderr.contains(place),
                "{fixture}: {place:?} missing:\n{}",
                out.stderr
            );
        }
        insta::assert_snapshot!(fixture, both(&out));
    }
}

#[test]
fn folders_are_searched_for_test_files() {
    let tmp = tempfile::tempdir().unwrap();
    let plans = tmp.path().join("plans");
    let nested = tmp.path().join("more/deeper");
    std::fs::create_dir_all(&plans).unwrap();
    std::fs::create_dir_all(&nested).unwrap();
    for name in ["unilevel.plan", "unilevel.tests"] {
        std::fs::copy(root().join("plans").join(name), plans.join(name)).unwrap();
    }
    let failing = "plan \"../../plans/unilevel.plan\"\n\
                   test \"a wrong amount\"\n\
                   network\n  id sponsor pv cv\n  ann - 100 0\n  bob ann 0 200\n\
                   expect\n  ann unilevel 21\n";
    std::fs::write(nested.join("failing.tests"), failing).unwrap();
    // Not a test file: another extension.
    std::fs::write(nested.join("notes.txt"), "test \"x\"").unwrap();

    let out = payplan_in(tmp.path(), &["test"]);
    assert_eq!(out.code, 1, "{}", both(&out));
    assert!(
        out.stdout.contains("FAILED  more/deeper/failing.tests"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("ok      plans/unilevel.tests"),
        "{}",
        out.stdout
    );

    let out = payplan_in(tmp.path(), &["test", "plans"]);
    assert_eq!(out.code, 0, "{}", both(&out));

    let out = payplan_in(tmp.path(), &["test", "more/deeper/notes.txt"]);
    assert_eq!(out.code, 2, "{}", both(&out));

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = payplan_in(tmp.path(), &["test", "empty"]);
    assert_eq!(out.code, 2, "{}", both(&out));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("no plan tests in `empty`"),
        "{}",
        out.stderr
    );

    let out = payplan_in(tmp.path(), &["test", "missing"]);
    assert_eq!(out.code, 2, "{}", both(&out));
    assert!(
        out.stderr
            .contains("cannot read `missing`: no such file or directory"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_refused_file_does_not_hide_the_other_results() {
    let out = payplan(&[
        "test",
        "tests/plan_tests/bad-network.fixture",
        "tests/plan_tests/failing.fixture",
    ]);
    assert_eq!(out.code, 2, "{}", both(&out));
    assert!(out
        .stdout
        .contains("FAILED  tests/plan_tests/failing.fixture"));
    assert!(out.stdout.contains("2 could not run"), "{}", out.stdout);
}

#[test]
fn help_text() {
    let out = payplan(&["test", "--help"]);
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("test_help", out.stdout);
}

/// Mangled test files are refused or run, never a panic.
#[test]
fn mangled_test_files_never_panic() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    const PIECES: &[&str] = &[
        "test",
        "network",
        "expect",
        "only",
        "plan",
        "\"",
        "-",
        "nothing",
        "total",
        "#",
        "\n",
        "  ",
        "rank",
        "1,5",
        "99999999999999999999999999999999",
        "é",
        "\r\n",
    ];
    let mut ran = 0;
    for stem in ["unilevel", "ranked", "binary", "hybrid"] {
        let plan_text = std::fs::read_to_string(root().join(format!("plans/{stem}.plan"))).unwrap();
        let plan = payplan::Plan::compile(&plan_text, "x.plan").unwrap();
        let text = std::fs::read_to_string(root().join(format!("plans/{stem}.tests"))).unwrap();
        for _ in 0..300 {
            let mut chars: Vec<char> = text.chars().collect();
            for _ in 0..1 + next(4) {
                let at = next(chars.len() + 1);
                if next(2) == 0 {
                    let end = (at + 1 + next(15)).min(chars.len());
                    chars.drain(at.min(end)..end);
                } else {
                    let piece = PIECES[next(PIECES.len())];
                    for (k, c) in format!(" {piece} ").chars().enumerate() {
                        chars.insert((at + k).min(chars.len()), c);
                    }
                }
            }
            let mangled: String = chars.into_iter().collect();
            let result = std::panic::catch_unwind(|| {
                if let Ok(file) = payplan_tools::plan_tests::parse(&mangled) {
                    let report = file.run(&plan, "m.tests", "x.plan", &mangled, &root());
                    for test in &report.tests {
                        for e in &test.errors {
                            assert!(!e.message.is_empty());
                        }
                    }
                    return true;
                }
                false
            });
            match result {
                Ok(true) => ran += 1,
                Ok(false) => {}
                Err(_) => panic!("panicked on this test file:\n{mangled}"),
            }
        }
    }
    assert!(ran > 50, "only {ran} mangled test files parsed");
}

/// The complete test files of `docs/plan-tests.md` (a code block with a
/// `test` and its `expect`) pass on the ranked plan.
#[test]
fn the_guide_examples_pass() {
    let guide = std::fs::read_to_string(root().join("docs/plan-tests.md")).unwrap();
    let plan_text = std::fs::read_to_string(root().join("plans/ranked.plan")).unwrap();
    let plan = payplan::Plan::compile(&plan_text, "ranked.plan").unwrap();
    let mut ran = 0;
    for block in guide.split("```text\n").skip(1) {
        let block = block.split("```").next().unwrap();
        let is_file = block
            .lines()
            .next()
            .is_some_and(|l| l.starts_with("test \"") || l.starts_with('#'));
        if !is_file || !block.contains("expect") {
            continue;
        }
        let file =
            payplan_tools::plan_tests::parse(block).unwrap_or_else(|e| panic!("{e:?}\n{block}"));
        let report = file.run(&plan, "guide", "ranked.plan", block, &root());
        assert_eq!(
            report.counts(),
            (file.tests.len(), 0, 0),
            "{report:#?}\n{block}"
        );
        ran += 1;
    }
    assert!(ran >= 2, "only {ran} examples");
}

#[test]
fn the_json_report_has_every_expectation() {
    let out = payplan(&[
        "test",
        "tests/plan_tests/failing.fixture",
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", both(&out));
    let reports: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let tests = &reports[0]["tests"];
    assert_eq!(tests[0]["status"], "passed");
    assert_eq!(tests[1]["status"], "failed");
    let check = &tests[1]["checks"][0];
    assert_eq!(check["expected"], "16.00");
    assert_eq!(check["actual"], "34.00");
    assert_eq!(check["passed"], false);
    assert!(check["explanation"]
        .as_str()
        .unwrap()
        .starts_with("unilevel: 34.00"));
}
