#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[test]
fn every_plan_in_plans_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../plans");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "plan") {
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(e) = payplan_syntax::parse(&text) {
                panic!("{}: {e} at {:?}", path.display(), e.span().line_col(&text));
            }
            n += 1;
        }
    }
    assert!(n >= 6);
}

/// A bonus amount ending in a bracket spans the bracket: explanations and
/// diagnostics quote the amount's text whole, `peers * (2% of cv)`.
#[test]
fn a_bracketed_expression_spans_its_brackets() {
    let text = "bonus b pays peers * (2% of cv)\n";
    let plan = payplan_syntax::parse(text).unwrap();
    let Some(payplan_syntax::ast::Statement::Bonus(bonus)) = plan.statements.first() else {
        panic!("expected a bonus, got {:?}", plan.statements);
    };
    let span = bonus.amount.span;
    assert_eq!(&text[span.start..span.end], "peers * (2% of cv)");
}
