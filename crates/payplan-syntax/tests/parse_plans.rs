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

/// `my` is contextual: a definition named `my` may be followed by a
/// contextual word (`my div 2`, `my over children`) and is then a name.
#[test]
fn a_name_my_before_a_contextual_word_is_a_name() {
    use payplan_syntax::ast::{BinaryOp, ExprKind, Statement};
    let text = "let a = my div 2\nlet b = sum(my over children)\nlet c = sum(pv over children where my pv > 1)\n";
    let plan = payplan_syntax::parse(text).unwrap();
    let exprs: Vec<&ExprKind> = plan
        .statements
        .iter()
        .map(|s| match s {
            Statement::Let(l) => &l.expr.kind,
            other => panic!("expected a let, got {other:?}"),
        })
        .collect();
    assert!(
        matches!(exprs[0], ExprKind::Binary(BinaryOp::WholeDiv, a, _) if matches!(&a.kind, ExprKind::Name(n) if n.name == "my")),
        "{:?}",
        exprs[0]
    );
    let debug = format!("{:?}", exprs[1]);
    assert!(
        debug.contains("\"my\"") && !debug.contains("My("),
        "{debug}"
    );
    let debug = format!("{:?}", exprs[2]);
    assert!(debug.contains("My("), "{debug}");
}
