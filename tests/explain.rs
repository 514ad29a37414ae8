//! `explain` accounts for every cent: on every member of every conformance
//! network, each bonus's explained amount is the engine's payout, every
//! aggregate's sources (walked down the tree independently of the engine's
//! passes) add up to the value the engine computed, and the rank is the
//! highest one whose requirements the explanation shows held.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::HashMap;

use common::cases::{cases, plan};
use payplan::{
    Check, ClauseCheck, EvalOptions, ExplainOptions, Explanation, PartExplanation, Shown, Skipped,
};
use rust_decimal::Decimal;

fn number(s: &Shown) -> Decimal {
    match s {
        Shown::Number(d) | Shown::Percent(d) => *d,
        Shown::Bool(b) => Decimal::from(u8::from(*b)),
        Shown::Rank(_) => panic!("a rank where a number was expected"),
    }
}

/// What the part's listed sources make, by its function.
fn check_part(p: &PartExplanation, what: &str) {
    let contributions: Vec<Decimal> = p.sources.iter().map(|s| s.contribution).collect();
    let omitted = p.omitted.as_ref().map_or(Decimal::ZERO, |o| o.total);
    let sum = contributions.iter().copied().sum::<Decimal>() + omitted;
    match p.function.as_str() {
        "sum" | "count" | "differential" => {
            assert_eq!(sum, number(&p.value), "{what}: sources of `{}`", p.text)
        }
        "min" | "max" => {
            let values = p.sources.iter().map(|s| number(&s.value));
            let extreme = if p.function == "min" {
                values.min()
            } else {
                values.max()
            };
            assert_eq!(
                extreme.unwrap_or(Decimal::ZERO),
                number(&p.value),
                "{what}: `{}`",
                p.text
            );
        }
        "any" => assert_eq!(
            Shown::Bool(sum > Decimal::ZERO),
            p.value,
            "{what}: `{}`",
            p.text
        ),
        "all" => assert_eq!(
            Shown::Bool(contributions.iter().all(|c| *c == Decimal::ONE)),
            p.value,
            "{what}: `{}`",
            p.text
        ),
        other => panic!("{what}: unknown function `{other}`"),
    }
}

fn check_member(e: &Explanation, paid: &HashMap<(String, String), Decimal>, what: &str) {
    let mut total = Decimal::ZERO;
    for b in &e.bonuses {
        let expected = paid
            .get(&(e.member.clone(), b.bonus.clone()))
            .copied()
            .unwrap_or(Decimal::ZERO);
        assert_eq!(b.paid, expected, "{what}: {} {}", e.member, b.bonus);
        total += b.paid;
        for p in &b.parts {
            check_part(p, &format!("{what}: {} {}", e.member, b.bonus));
        }
        // The chain from formula to payout; the formula and the cap are
        // worked out only where the bonus qualifies, as in the run.
        let before = match (b.qualified, b.amount) {
            (true, Some(amount)) => match &b.cap {
                Some(c) => amount.min(c.value.expect("a qualified bonus's cap")),
                None => amount,
            },
            (false, None) => {
                assert!(b.cap.as_ref().is_none_or(|c| c.value.is_none()));
                assert!(b.parts.is_empty() && b.values.is_empty());
                Decimal::ZERO
            }
            _ => panic!("{what}: {} {}: a formula worked out where the bonus does not qualify, or not where it does", e.member, b.bonus),
        };
        assert_eq!(b.before_limit, before, "{what}: {} {}", e.member, b.bonus);
        assert_eq!(b.qualified, check_conjunction(&b.qualification).holds());
        assert_eq!(b.paid.is_zero(), b.why_nothing.is_some());
    }
    assert_eq!(e.total_paid, Some(total), "{what}: {}", e.member);
    if let Some(r) = &e.rank {
        let highest = r
            .ranks
            .iter()
            .rev()
            .find(|c| c.check.holds())
            .map(|c| c.rank.clone());
        assert_eq!(r.rank, highest, "{what}: rank of {}", e.member);
        // From the highest rank down to the first that holds, each is
        // checked; below it, none is.
        let mut higher_holds = false;
        for check in r.ranks.iter().rev() {
            if higher_holds {
                let skipped = Check::NotChecked {
                    why: Skipped::HigherRankHolds,
                };
                assert_eq!(check.check, skipped, "{what}: {}", e.member);
                assert!(check.clauses.iter().all(|c| c.check == skipped));
            } else {
                assert_eq!(check.check, check_conjunction(&check.clauses));
                higher_holds = check.check.holds();
            }
        }
    }
}

/// The parts of an `and` hold up to the first that fails, and the rest
/// are not checked; the verdict of the whole.
fn check_conjunction(clauses: &[ClauseCheck]) -> Check {
    let checked = clauses
        .iter()
        .position(|c| c.check.fails())
        .map_or(clauses.len(), |i| i + 1);
    let (head, tail) = clauses.split_at(checked);
    for (i, c) in head.iter().enumerate() {
        let last = i + 1 == checked;
        assert!(c.check.holds() || (last && c.check.fails()), "{c:?}");
    }
    for c in tail {
        assert_eq!(
            c.check,
            Check::NotChecked {
                why: Skipped::EarlierConditionFails
            }
        );
        assert!(c.values.is_empty());
    }
    if head.last().is_some_and(|c| c.check.fails()) {
        Check::Fails
    } else {
        Check::Holds
    }
}

#[test]
fn explanations_add_up_to_the_payouts_on_every_conformance_member() {
    let mut members = 0;
    for case in cases() {
        let compiled = plan(&case.plan);
        let network = compiled
            .load_network(&case.dir.join("network.csv"))
            .unwrap();
        let run = compiled
            .evaluate_with(
                &network,
                EvalOptions {
                    keep_every_value: true,
                },
            )
            .unwrap();
        let outcome = run.outcome();
        let paid: HashMap<(String, String), Decimal> = outcome
            .payouts
            .iter()
            .map(|p| ((p.member.clone(), p.bonus.to_string()), p.amount))
            .collect();
        // Few sources listed: the omitted ones must still be counted.
        let options = ExplainOptions { max_sources: 3 };
        for row in &outcome.members {
            let e = run.explain(&row.member, options).unwrap();
            check_member(&e, &paid, &case.name);
            members += 1;
        }
    }
    assert!(members > 1000, "only {members} members explained");
}

#[test]
fn an_unknown_member_is_named() {
    let compiled = plan("ranked");
    let network = compiled
        .load_network(&common::cases::root().join("examples/network.csv"))
        .unwrap();
    let err = compiled.explain(&network, "nobody").unwrap_err();
    assert_eq!(err.to_string(), "no member `nobody` in the network");
}

/// Runs the binary without colors: exit status, stdout, stderr.
fn payplan(args: &[&str]) -> (i32, String, String) {
    let out = common::binary::payplan(args);
    (out.code, out.stdout, out.stderr)
}

/// The text a reviewer reads, for a member of every plan with something to
/// explain: ranks, compression, matching, the binary legs, the breakaway
/// differential, a member paid nothing.
#[test]
fn explain_text_of_every_plan() {
    for (plan, member) in [
        ("unilevel", "ana"),
        ("unilevel_compressed", "ana"),
        ("ranked", "ben"),
        ("ranked", "jan"),
        ("breakaway", "ana"),
        ("binary", "ben"),
        ("hybrid", "ana"),
    ] {
        let path = format!("plans/{plan}.plan");
        let (code, stdout, stderr) = payplan(&[
            "explain",
            &path,
            "--network",
            "examples/network.csv",
            "--member",
            member,
        ]);
        assert_eq!(code, 0, "{plan} {member}: {stderr}");
        insta::assert_snapshot!(format!("explain_{plan}_{member}"), stdout);
    }
}

/// A matrix bonus taken apart by matrix level, and the completion bonus's
/// `full(...)` with the count it compares.
#[test]
fn explain_text_of_the_matrix_plan() {
    let (code, stdout, stderr) = payplan(&[
        "explain",
        "plans/matrix.plan",
        "--network",
        "examples/matrix-network.csv",
        "--member",
        "ben",
    ]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("explain_matrix_ben", stdout);
}

#[test]
fn explain_json_is_the_library_explanation() {
    let (code, stdout, _) = payplan(&[
        "explain",
        "plans/ranked.plan",
        "--network",
        "examples/network.csv",
        "--member",
        "ben",
        "--format",
        "json",
        "--max-sources",
        "1000",
    ]);
    assert_eq!(code, 0);
    let from_cli: Explanation = serde_json::from_str(&stdout).unwrap();
    let compiled = plan("ranked");
    let network = compiled
        .load_network(&common::cases::root().join("examples/network.csv"))
        .unwrap();
    assert_eq!(from_cli, compiled.explain(&network, "ben").unwrap());
}

#[test]
fn explain_one_bonus() {
    let (code, stdout, _) = payplan(&[
        "explain",
        "plans/ranked.plan",
        "--network",
        "examples/network.csv",
        "--member",
        "ben",
        "--bonus",
        "matching",
    ]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\nmatching: 78.40 USD"), "{stdout}");
    assert!(!stdout.contains("\nunilevel:"), "{stdout}");
}

#[test]
fn explain_refusals_name_what_is_wrong() {
    for (args, message) in [
        (
            vec!["--member", "nobody"],
            "error: `examples/network.csv` has no member `nobody`",
        ),
        (
            vec!["--member", "ben", "--bonus", "fast_start"],
            "error: `plans/ranked.plan` has no bonus `fast_start`",
        ),
    ] {
        let mut full = vec![
            "explain",
            "plans/ranked.plan",
            "--network",
            "examples/network.csv",
        ];
        full.extend(args);
        let (code, stdout, stderr) = payplan(&full);
        assert_eq!(code, 2, "{stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.starts_with(message), "{stderr}");
    }
    let (code, _, stderr) = payplan(&[
        "explain",
        "plans/ranked.plan",
        "--network",
        "missing.csv",
        "--member",
        "ben",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("missing.csv"), "{stderr}");
}

#[test]
fn explain_help() {
    let (code, stdout, _) = payplan(&["explain", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("explain_help", stdout);
}

/// The language reference and the explain guide show real output.
#[test]
fn the_guides_show_what_explain_prints() {
    let (_, matching, _) = payplan(&[
        "explain",
        "plans/ranked.plan",
        "--network",
        "examples/network.csv",
        "--member",
        "ben",
        "--bonus",
        "matching",
    ]);
    let part: String = matching
        .lines()
        .skip_while(|l| !l.starts_with("matching:"))
        .take_while(|l| !l.starts_with("  cap"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(part.lines().count() > 5, "{matching}");
    let reference =
        std::fs::read_to_string(common::cases::root().join("docs/language.md")).unwrap();
    assert!(
        reference.contains(&part),
        "docs/language.md should show:\n{part}"
    );
    let (_, whole, _) = payplan(&[
        "explain",
        "plans/ranked.plan",
        "--network",
        "examples/network.csv",
        "--member",
        "ben",
    ]);
    let guide = std::fs::read_to_string(common::cases::root().join("docs/explain.md")).unwrap();
    assert!(
        guide.contains(&whole),
        "docs/explain.md should show:\n{whole}"
    );
}

/// Issue 9: `explain` evaluates only what the run evaluates. Each plan has
/// a part the run never reaches at member `B` that would divide by zero.
const PLAN_HEAD: &str =
    "plan \"x\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\ninput cv: money\n";

/// `payplan run` and `payplan explain --member B` in a directory holding the
/// plan and the network: both succeed. The payouts and the explanation.
fn run_and_explain_b(statements: &str, network: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("x.plan"),
        format!("{PLAN_HEAD}{statements}"),
    )
    .unwrap();
    std::fs::write(dir.path().join("network.csv"), network).unwrap();
    let run =
        common::binary::payplan_in(dir.path(), &["run", "x.plan", "--network", "network.csv"]);
    common::binary::assert_ok(&run, "run");
    let explain = common::binary::payplan_in(
        dir.path(),
        &[
            "explain",
            "x.plan",
            "--network",
            "network.csv",
            "--member",
            "B",
        ],
    );
    common::binary::assert_ok(&explain, "explain");
    (run.stdout, explain.stdout)
}

/// The library's explanation of member `B`.
fn explain_b(statements: &str, network: &str) -> Explanation {
    let plan = payplan::Plan::compile(&format!("{PLAN_HEAD}{statements}"), "x.plan").unwrap();
    let network = payplan::Network::from_csv_reader(network.as_bytes(), plan.schema()).unwrap();
    plan.explain(&network, "B").unwrap()
}

#[test]
fn ranks_below_the_one_that_holds_are_not_checked() {
    let statements = "rank bronze when pv / count(children) > 1\n\
                      rank silver when pv >= 100\n\
                      bonus b when rank >= bronze pays cv\n";
    let network = "id,sponsor,pv,cv\nA,,100,10\nB,A,100,10\n";
    let (payouts, text) = run_and_explain_b(statements, network);
    assert_eq!(payouts, "member,bonus,amount\nA,b,10.00\nB,b,10.00\n");
    insta::assert_snapshot!("explain_lower_rank_not_checked", text);
    let rank = explain_b(statements, network).rank.unwrap();
    assert_eq!(rank.rank.as_deref(), Some("silver"));
    let skipped = Check::NotChecked {
        why: Skipped::HigherRankHolds,
    };
    assert_eq!(rank.ranks[0].check, skipped);
    assert_eq!(rank.ranks[0].clauses[0].check, skipped);
    assert!(rank.ranks[0].clauses[0].values.is_empty());
    assert_eq!(rank.ranks[1].check, Check::Holds);
}

#[test]
fn the_formula_of_a_bonus_that_does_not_qualify_is_not_worked_out() {
    let statements =
        "input recruits: count\nbonus b when pv >= 1000 pays cv / recruits cap cv / recruits\n";
    let network = "id,sponsor,pv,cv,recruits\nA,,100,10,0\nB,A,100,10,0\n";
    let (payouts, text) = run_and_explain_b(statements, network);
    assert_eq!(payouts, "member,bonus,amount\n");
    insta::assert_snapshot!("explain_unqualified_formula_not_checked", text);
    let e = explain_b(statements, network);
    let b = e.bonus("b").unwrap();
    assert!(!b.qualified);
    assert_eq!(b.amount, None);
    assert_eq!(b.cap.as_ref().map(|c| c.value), Some(None));
    assert_eq!(b.paid, Decimal::ZERO);
}

#[test]
fn the_parts_of_an_and_after_one_that_fails_are_not_checked() {
    let statements =
        "input recruits: count\nbonus b when pv >= 1000 and cv / recruits > 1 pays cv\n";
    let network = "id,sponsor,pv,cv,recruits\nA,,100,10,0\nB,A,100,10,0\n";
    let (payouts, text) = run_and_explain_b(statements, network);
    assert_eq!(payouts, "member,bonus,amount\n");
    insta::assert_snapshot!("explain_and_stops_at_a_failed_part", text);
    let e = explain_b(statements, network);
    let q = &e.bonus("b").unwrap().qualification;
    assert_eq!(q[0].check, Check::Fails);
    assert_eq!(
        q[1].check,
        Check::NotChecked {
            why: Skipped::EarlierConditionFails
        }
    );
}

/// The run pays each amount and never adds up one member's: where they are
/// too large to add up exactly, the explanation has no total either, and
/// still explains every amount.
#[test]
fn a_member_total_too_large_to_add_up_is_none() {
    let statements = "bonus a pays cv\nbonus b pays cv\n";
    let network = "id,sponsor,pv,cv\nA,,0,-50000000000000000000000000000\n\
                   B,A,0,50000000000000000000000000000\n";
    let (payouts, text) = run_and_explain_b(statements, network);
    assert!(
        payouts.contains("\nB,b,50000000000000000000000000000.00\n"),
        "{payouts}"
    );
    assert!(
        text.ends_with("\ntotal paid: too large to add up exactly\n"),
        "{text}"
    );
    let e = explain_b(statements, network);
    assert_eq!(e.total_paid, None);
    assert_eq!(
        e.bonus("b").unwrap().paid,
        "50000000000000000000000000000".parse().unwrap()
    );
}
