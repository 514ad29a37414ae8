//! Every conformance case through the library: payouts byte for byte,
//! members columns by name, and the rows a host streams from a run equal to
//! the owned outcome's.

mod common;

use common::cases::{cases, compare_members, normalize};

#[test]
fn every_case_matches_through_the_library() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 30, "found only {} cases", all.len());
    for case in &all {
        let plan = common::cases::plan(&case.plan);
        let network = match plan.load_network(&case.dir.join("network.csv")) {
            Ok(n) => n,
            Err(e) => {
                failures.push(format!("{}: network refused: {e}", case.name));
                continue;
            }
        };
        let outcome = match plan.run(&network) {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{}: run failed: {e}", case.name));
                continue;
            }
        };
        let expected = std::fs::read_to_string(case.dir.join("payouts.csv")).unwrap();
        if normalize(&outcome.payouts_csv()) != normalize(&expected) {
            failures.push(format!(
                "{}: payouts differ\n{}",
                case.name,
                common::cases::diff(&expected, &outcome.payouts_csv())
            ));
        }
        if let Ok(expected) = std::fs::read_to_string(case.dir.join("members.csv")) {
            if let Err(e) = compare_members(&expected, &outcome.members_csv()) {
                failures.push(format!("{}: members differ: {e}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// `Run::payouts` and `Run::members` stream exactly the rows of the owned
/// `Outcome`, in the same order.
#[test]
fn streamed_rows_are_the_outcomes() {
    for case in &cases() {
        let plan = common::cases::plan(&case.plan);
        let Ok(network) = plan.load_network(&case.dir.join("network.csv")) else {
            continue;
        };
        let run = plan.evaluate(&network).unwrap();
        let outcome = run.outcome();
        let streamed: Vec<(String, String, payplan::Decimal)> = run
            .payouts()
            .map(|p| (p.member.to_owned(), p.bonus.to_owned(), p.amount))
            .collect();
        let owned: Vec<(String, String, payplan::Decimal)> = outcome
            .payouts
            .iter()
            .map(|p| (p.member.clone(), p.bonus.to_string(), p.amount))
            .collect();
        assert_eq!(streamed, owned, "{}: payouts", case.name);
        let streamed: Vec<(String, Vec<payplan::ExportValue>)> = run
            .members()
            .map(|m| (m.member.to_owned(), m.values))
            .collect();
        let owned: Vec<(String, Vec<payplan::ExportValue>)> = outcome
            .members
            .iter()
            .map(|m| (m.member.clone(), m.values.clone()))
            .collect();
        assert_eq!(streamed, owned, "{}: members", case.name);
        assert_eq!(
            serde_json::to_value(run.payouts().collect::<Vec<_>>()).unwrap(),
            serde_json::to_value(&outcome.payouts).unwrap(),
            "{}: the JSON of a streamed row is the owned row's",
            case.name
        );
    }
}
