#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! An explanation reads every value it shows from the run: a run that let
//! values go is refused, never explained with zeros.

use payplan_check::TypedPlan;
use payplan_eval::EvalOptions;
use payplan_explain::{explain, ExplainError, ExplainOptions, Shown};
use payplan_network::Network;

const PLAN: &str = r#"
plan "Unilevel"
currency USD
rounding 2 half_even
input pv: volume
input cv: money
let active = pv >= 100
bonus unilevel when active pays sum(cv over levels 1..2 at 10%, 5%)
"#;

fn setup() -> (TypedPlan, Network) {
    let ast = payplan_syntax::parse(PLAN).unwrap();
    let plan = payplan_check::check(&ast, PLAN)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .plan;
    let csv = "id,sponsor,pv,cv\na,,100,10\nb,a,0,100\nc,b,0,1000\n";
    let net = Network::from_csv_reader(csv.as_bytes(), &plan.schema).unwrap();
    (plan, net)
}

fn explain_a(keep_every_value: bool) -> Result<payplan_explain::Explanation, ExplainError> {
    let (plan, net) = setup();
    let mut eval =
        payplan_eval::evaluate_with(&plan, &net, EvalOptions { keep_every_value }).unwrap();
    let settlement = payplan_eval::settle(&plan, &net, &mut eval).unwrap();
    explain(
        &plan,
        &net,
        &eval,
        &settlement,
        "a",
        ExplainOptions::default(),
    )
}

#[test]
fn a_run_that_let_values_go_is_refused() {
    let error = explain_a(false).unwrap_err();
    assert!(
        matches!(&error, ExplainError::ValuesNotKept { member, .. } if member == "a"),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .contains("the run did not keep the values of `"));
}

#[test]
fn a_run_that_kept_every_value_is_explained() {
    let e = explain_a(true).unwrap();
    let unilevel = e.bonus("unilevel").unwrap();
    // 10% of 100 and 5% of 1000, from two sources.
    assert_eq!(unilevel.parts[0].sources.len(), 2);
    assert_eq!(unilevel.parts[0].value, Shown::Number(60.into()));
    assert_eq!(unilevel.paid, rust_decimal::Decimal::new(6000, 2));
}
