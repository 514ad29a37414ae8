//! A 1,000,000-member chain and a 1,000,000-member star run through the
//! `ranked` plan, and are explained: nothing recurses on the depth of the
//! network.

mod common;

use payplan::{Decimal, MemberRecord, NetworkBuilder, Value};

const N: usize = 1_000_000;

fn member(i: usize, sponsor: Option<usize>) -> MemberRecord {
    let mut m = MemberRecord::new(format!("m{i}"), sponsor.map(|s| format!("m{s}")).as_deref());
    m.values = vec![
        Some(Value::Decimal(Decimal::from(100))),
        Some(Value::Decimal(Decimal::from(10))),
    ];
    m
}

fn run(sponsor_of: impl Fn(usize) -> Option<usize>) -> payplan::Outcome {
    let plan = common::cases::plan("ranked");
    assert_eq!(plan.schema().columns.len(), 2, "ranked reads pv and cv");
    let mut builder = NetworkBuilder::new(plan.schema().clone());
    for i in 0..N {
        builder.add(member(i, sponsor_of(i)));
    }
    let network = builder.build().unwrap();
    plan.run(&network).unwrap()
}

/// Every member has pv 100 and cv 10. In a chain each member is bronze
/// (its qualifying volume is 100 + min(gv, 500) < 1000) and earns 8% and 6%
/// of the two members below it; the last two earn less.
#[test]
fn a_million_member_chain_evaluates() {
    let outcome = run(|i| i.checked_sub(1));
    let two_levels =
        Decimal::new(8, 2) * Decimal::from(10) + Decimal::new(6, 2) * Decimal::from(10);
    assert_eq!(outcome.payouts.len(), N - 1);
    assert!(outcome.payouts[..N - 2]
        .iter()
        .all(|p| &*p.bonus == "unilevel" && p.amount == two_levels));
    assert_eq!(
        outcome.payouts[N - 2].amount,
        Decimal::new(8, 2) * Decimal::from(10)
    );
    assert!(outcome
        .members
        .iter()
        .all(|m| m.values == vec![payplan::ExportValue::Rank(Some("bronze".into()))]));
    assert!(!outcome.totals.limit_applied);
}

/// In a star the root's unilevel (8% of every child's cv) hits its 2500 cap;
/// the root is silver (gold needs silver legs), the children bronze.
#[test]
fn a_million_member_star_evaluates() {
    let outcome = run(|i| if i == 0 { None } else { Some(0) });
    assert_eq!(outcome.payouts.len(), 1);
    assert_eq!(outcome.payouts[0].member, "m0");
    assert_eq!(outcome.payouts[0].amount, Decimal::from(2500));
    assert_eq!(
        outcome.members[0].values,
        vec![payplan::ExportValue::Rank(Some("silver".into()))]
    );
    assert!(outcome.members[1..]
        .iter()
        .all(|m| m.values == vec![payplan::ExportValue::Rank(Some("bronze".into()))]));
}

/// Explaining the head of a million-deep chain walks its downline without
/// recursion: its unilevel comes from the two members below it.
#[test]
fn the_head_of_a_million_member_chain_is_explained() {
    let plan = common::cases::plan("ranked");
    let mut builder = NetworkBuilder::new(plan.schema().clone());
    for i in 0..N {
        builder.add(member(i, i.checked_sub(1)));
    }
    let network = builder.build().unwrap();
    let e = plan.explain(&network, "m0").unwrap();
    let unilevel = e.bonus("unilevel").unwrap();
    let sources: Vec<&str> = unilevel.parts[0]
        .sources
        .iter()
        .map(|s| s.member.as_str())
        .collect();
    assert_eq!(sources, ["m1", "m2"]);
    assert_eq!(unilevel.paid, Decimal::new(140, 2));
}
