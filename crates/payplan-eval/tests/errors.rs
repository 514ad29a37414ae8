//! The evaluator's errors are typed and placed: an inexact amount names the
//! member and the plan's span, and a broken invariant (a plan tampered with
//! after checking) is an error naming what is missing, never a zero.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use payplan_check::{NodeKind, Stage, TExpr, TypedPlan};
use payplan_eval::{evaluate, settle, EvalError, Missing};
use payplan_network::{ColumnKind, ColumnSpec, Network, Schema};

fn compile(source: &str) -> TypedPlan {
    let ast = payplan_syntax::parse(source).unwrap();
    payplan_check::check(&ast, source).unwrap().plan
}

fn network(plan: &TypedPlan, csv: &str) -> Network {
    Network::from_csv_reader(csv.as_bytes(), &plan.schema).unwrap()
}

/// The id of the node the plan names `label`.
fn node(plan: &TypedPlan, label: &str) -> usize {
    plan.nodes.iter().position(|n| n.label == label).unwrap()
}

const PLAN: &str = "plan \"Errors\"
currency USD
rounding 2 half_even

input cv: money

let active = cv > 0
let gv = sum(cv over group)
bonus b pays 8% of cv
bonus u pays sum(cv over levels 1..2 at 5%, 3%)
";

const NET: &str = "id,sponsor,cv\nA,,100\nB,A,50\nC,B,25\n";

#[test]
fn an_inexact_amount_names_the_member_and_the_span() {
    let plan = compile(PLAN);
    let net = network(
        &plan,
        "id,sponsor,cv\nA,,100\nB,A,9999999999999999999999999999\n",
    );
    let e = evaluate(&plan, &net).unwrap_err();
    let EvalError::Inexact { member, what, span } = &e else {
        panic!("{e:?}");
    };
    assert_eq!((member.as_str(), what.as_str()), ("B", "b"));
    assert_eq!(&PLAN[span.start..span.end], "b");
    assert_eq!(span.line_col(PLAN), (9, 7));
    assert_eq!(e.span(), Some(*span));
    assert_eq!(e.member(), Some("B"));
}

#[test]
fn the_plan_runs_as_checked() {
    let plan = compile(PLAN);
    let net = network(&plan, NET);
    let mut eval = evaluate(&plan, &net).unwrap();
    let settlement = settle(&plan, &net, &mut eval).unwrap();
    // u at A: 5% of B's 50 and 3% of C's 25.
    assert_eq!(settlement.paid(1, 0).to_string(), "3.25");
}

#[test]
fn a_number_read_from_a_condition_is_an_invariant_error() {
    let mut plan = compile(PLAN);
    let (b, active) = (node(&plan, "b"), node(&plan, "active"));
    if let NodeKind::Bonus { amount, .. } = &mut plan.nodes[b].kind {
        *amount = TExpr::Slot(active);
    }
    let e = evaluate(&plan, &network(&plan, NET)).unwrap_err();
    let EvalError::Invariant {
        member,
        what,
        missing,
        ..
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!((what.as_str(), missing), ("b", &Missing::Type));
    assert!(["A", "B", "C"].contains(&member.as_str()), "{member}");
    assert!(e.help().unwrap().contains("bug in payplan"));
}

#[test]
fn a_value_never_computed_is_an_invariant_error() {
    let mut plan = compile(PLAN);
    let (b, gv) = (node(&plan, "b"), node(&plan, "gv"));
    // `b` reads `gv`, whose pass no longer runs.
    if let NodeKind::Bonus { amount, .. } = &mut plan.nodes[b].kind {
        *amount = TExpr::Slot(gv);
    }
    for stage in &mut plan.stages {
        if let Stage::Recursive { nodes, .. } = stage {
            nodes.retain(|&n| n != gv);
        }
    }
    plan.stages
        .retain(|s| !matches!(s, Stage::Single(n) if *n == gv));
    let e = evaluate(&plan, &network(&plan, NET)).unwrap_err();
    assert!(
        matches!(
            &e,
            EvalError::Invariant { what, missing: Missing::Value(read), .. }
                if what == "b" && read == "gv"
        ),
        "{e:?}"
    );
}

#[test]
fn a_missing_rate_is_an_invariant_error_not_zero() {
    let mut plan = compile(PLAN);
    for n in &mut plan.nodes {
        if let NodeKind::Aggregate(agg) = &mut n.kind {
            if let Some(rates) = &mut agg.rates {
                rates.pop();
            }
        }
    }
    let e = evaluate(&plan, &network(&plan, NET)).unwrap_err();
    assert!(
        matches!(
            &e,
            EvalError::Invariant { member, missing: Missing::Rate(2), .. } if member == "C"
        ),
        "{e:?}"
    );
}

#[test]
fn a_column_of_the_wrong_kind_is_refused_before_the_passes() {
    let plan = compile(PLAN);
    let schema = Schema {
        columns: vec![ColumnSpec::bool("cv")],
        placement: false,
        matrix: None,
    };
    let net = Network::from_csv_reader("id,sponsor,cv\nA,,true\n".as_bytes(), &schema).unwrap();
    let e = evaluate(&plan, &net).unwrap_err();
    assert_eq!(
        e,
        EvalError::ColumnKind {
            column: "cv".into(),
            expected: ColumnKind::Decimal,
            found: ColumnKind::Bool,
        }
    );
    assert_eq!(
        e.to_string(),
        "the plan reads the input `cv` as numbers, but the network holds true/false values in it"
    );
}
