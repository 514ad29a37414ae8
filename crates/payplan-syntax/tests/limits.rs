#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! Pathological input is refused with an error, never a stack overflow.

use payplan_syntax::{parse, SyntaxError};

const HEADER: &str = "plan \"x\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\n";

fn plan_with(expr: &str) -> String {
    format!("{HEADER}let x = {expr}\nbonus b pays x\n")
}

#[test]
fn deep_brackets_are_refused() {
    let e = parse(&plan_with(&format!(
        "{}1{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    )))
    .unwrap_err();
    assert!(matches!(e, SyntaxError::TooDeep { .. }), "{e:?}");
}

#[test]
fn long_prefix_runs_are_refused() {
    let e = parse(&plan_with(&format!("{}true", "not ".repeat(100_000)))).unwrap_err();
    assert!(matches!(e, SyntaxError::TooDeep { .. }), "{e:?}");
    let e = parse(&plan_with(&format!("{}1", "-".repeat(100_000)))).unwrap_err();
    assert!(matches!(e, SyntaxError::TooDeep { .. }), "{e:?}");
}

#[test]
fn long_operator_chains_are_refused() {
    let e = parse(&plan_with(&vec!["pv"; 100_000].join(" + "))).unwrap_err();
    assert!(matches!(e, SyntaxError::TooLong { .. }), "{e:?}");
}

#[test]
fn nested_ifs_are_refused() {
    let e = parse(&plan_with(&format!(
        "{}1{}",
        "if true then 1 else ".repeat(10_000),
        ""
    )))
    .unwrap_err();
    assert!(matches!(e, SyntaxError::TooDeep { .. }), "{e:?}");
}

#[test]
fn nesting_within_the_limits_parses() {
    let depth = payplan_syntax::MAX_NESTING - 1;
    parse(&plan_with(&format!(
        "{}1{}",
        "(".repeat(depth),
        ")".repeat(depth)
    )))
    .unwrap();
    parse(&plan_with(&vec!["pv"; 300].join(" + "))).unwrap();
}

#[test]
fn many_statements_parse() {
    let mut text = HEADER.to_string();
    for i in 0..20_000 {
        text.push_str(&format!("let x{i} = pv + {i}\n"));
    }
    text.push_str("bonus b pays 1\n");
    assert_eq!(parse(&text).unwrap().statements.len(), 20_005);
}
