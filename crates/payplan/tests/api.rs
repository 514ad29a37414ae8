#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! What hosts rely on: a reusable, thread-safe plan; typed errors with
//! places; serializable results.

use payplan::{Decimal, Error, MemberRecord, NetworkBuilder, Plan, Severity, Value};

const PLAN: &str = "plan \"p\"\ncurrency EUR\nrounding 2 half_up\ninput pv: volume\ninput cv: money\n\
                    bonus retail pays 20% of cv\nbonus team when pv >= 100 pays sum(5% of cv over downline)\n";

fn network(plan: &Plan, rows: &[(&str, Option<&str>, i64, i64)]) -> payplan::Network {
    let mut b = NetworkBuilder::new(plan.schema().clone());
    for (id, sponsor, pv, cv) in rows {
        let mut m = MemberRecord::new(*id, *sponsor);
        m.values = vec![
            Some(Value::Decimal(Decimal::from(*pv))),
            Some(Value::Decimal(Decimal::from(*cv))),
        ];
        b.add(m);
    }
    b.build().unwrap()
}

#[test]
fn a_plan_is_send_sync_and_reusable_across_threads() {
    fn assert_send_sync<T: Send + Sync>(_: &T) {}
    let plan = Plan::compile(PLAN, "p.plan").unwrap();
    assert_send_sync(&plan);
    let net = network(&plan, &[("a", None, 100, 10), ("b", Some("a"), 0, 1000)]);
    let results: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| plan.run(&net).unwrap().payouts_csv()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(results.windows(2).all(|w| w[0] == w[1]));
    // 20% of 10 = 2; 5% of 1000 = 50; b: 20% of 1000 = 200; half_up rounding.
    assert_eq!(
        results[0],
        "member,bonus,amount\na,retail,2.00\na,team,50.00\nb,retail,200.00\n"
    );
}

#[test]
fn compile_errors_carry_spans_and_every_error() {
    let err = Plan::compile(
        "plan \"p\"\ncurrency EUR\nrounding 2 half_even\nbonus b pays cv + pv\n",
        "p.plan",
    )
    .unwrap_err();
    let errors: Vec<_> = err
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let first = &err.source_text[errors[0].span.start..errors[0].span.end];
    assert_eq!(first, "cv");
    assert!(errors[0].message.contains("`cv`"));
    assert_eq!(err.file_name, "p.plan");
}

#[test]
fn network_errors_are_typed_and_name_the_member() {
    let plan = Plan::compile(PLAN, "p.plan").unwrap();
    let mut b = NetworkBuilder::new(plan.schema().clone());
    let mut m = MemberRecord::new("a", Some("nobody"));
    m.values = vec![
        Some(Value::Decimal(Decimal::ONE)),
        Some(Value::Decimal(Decimal::ONE)),
    ];
    b.add(m);
    let err: Error = b.build().unwrap_err().into();
    let text = err.to_string();
    assert!(text.contains("nobody") && text.contains('1'), "{text}");
    assert!(matches!(err, Error::Network(_)));
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let plan = Plan::compile(
        "plan \"p\"\ncurrency EUR\nrounding 2 half_even\ninput pv: count\ninput cv: money\n\
         bonus b pays cv * pv * pv * pv\n",
        "p.plan",
    )
    .unwrap();
    let big = Decimal::from_str_exact("10000000000000000").unwrap();
    let mut b = NetworkBuilder::new(plan.schema().clone());
    let mut m = MemberRecord::new("a", None);
    m.values = vec![Some(Value::Decimal(big)), Some(Value::Decimal(big))];
    b.add(m);
    let err = plan.run(&b.build().unwrap()).unwrap_err();
    assert!(err.to_string().contains("`a`"), "{err}");
}

#[test]
fn outcomes_serialize() {
    let plan = Plan::compile(PLAN, "p.plan").unwrap();
    let net = network(&plan, &[("a", None, 100, 10), ("b", Some("a"), 0, 1000)]);
    let outcome = plan.run(&net).unwrap();
    let json = serde_json::to_string(&outcome).unwrap();
    let back: payplan::Outcome = serde_json::from_str(&json).unwrap();
    assert_eq!(back, outcome);
    assert!(json.contains("\"amount\":\"50"), "{json}");
}

#[test]
fn an_exported_bonus_reads_its_amount_after_settlement() {
    // Settlement takes the bonus columns out of the evaluation; an export
    // of a bonus still reads its amount after the cap.
    let text = format!("{PLAN}export team\n");
    let plan = Plan::compile(&text, "p.plan").unwrap();
    let net = network(&plan, &[("a", None, 100, 10), ("b", Some("a"), 0, 1000)]);
    let outcome = plan.run(&net).unwrap();
    assert_eq!(outcome.members_csv(), "member,team\na,50.00\nb,0.00\n");
    let run = plan.evaluate(&net).unwrap();
    let mut csv = Vec::new();
    run.write_members_csv(&mut csv).unwrap();
    assert_eq!(String::from_utf8(csv).unwrap(), outcome.members_csv());
}

#[test]
fn settled_amounts_serialize_sparsely_and_reject_unordered_members() {
    let plan = Plan::compile(PLAN, "p.plan").unwrap();
    let net = network(&plan, &[("a", None, 100, 10), ("b", Some("a"), 0, 1000)]);
    let run = plan.evaluate(&net).unwrap();
    // retail at a and b, team at a only (b does not qualify).
    let kept: Vec<usize> = run.paid_amounts().iter().map(|a| a.len()).collect();
    assert_eq!(kept, [2, 1]);
    assert_eq!(run.paid_at(1, 1), Some(Decimal::ZERO));
    assert_eq!(run.paid_at(2, 1), None);
    let retail = &run.paid_amounts()[0];
    let json = serde_json::to_string(retail).unwrap();
    let back: payplan::Amounts = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, retail);
    let unordered = json.replacen("\"members\":[0,1]", "\"members\":[1,0]", 1);
    assert_ne!(unordered, json);
    assert!(serde_json::from_str::<payplan::Amounts>(&unordered).is_err());
}

/// A forced matrix's text exports (a parent's id, a position) read back
/// from JSON as text, never as a rank's name or a number.
#[test]
fn matrix_exports_round_trip_through_json() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let text = std::fs::read_to_string(format!("{root}/plans/matrix.plan")).unwrap();
    let plan = Plan::compile(&text, "matrix.plan").unwrap();
    let dir = format!("{root}/tests/conformance-v2/matrix/spillover-order");
    let net = plan
        .load_network(std::path::Path::new(&format!("{dir}/network.csv")))
        .unwrap();
    let outcome = plan.run(&net).unwrap();
    let texts = outcome
        .members
        .iter()
        .flat_map(|m| &m.values)
        .filter(|v| matches!(v, payplan::ExportValue::Text(_)))
        .count();
    assert!(texts > 0, "no text exports in {:?}", outcome.members);
    let json = serde_json::to_string(&outcome).unwrap();
    let back: payplan::Outcome = serde_json::from_str(&json).unwrap();
    assert_eq!(back, outcome);
}
