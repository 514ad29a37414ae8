//! Every conformance case through the library: payouts byte for byte,
//! members columns by name.

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
