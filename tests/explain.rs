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
use payplan::{EvalOptions, ExplainOptions, Explanation, PartExplanation, Shown};
use rust_decimal::Decimal;

fn number(s: &Shown) -> Decimal {
    match s {
        Shown::Number(d) => *d,
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
        // The chain from formula to payout.
        let capped = match &b.cap {
            Some(c) => b.amount.min(c.value),
            None => b.amount,
        };
        let before = if b.qualified { capped } else { Decimal::ZERO };
        assert_eq!(b.before_limit, before, "{what}: {} {}", e.member, b.bonus);
        assert_eq!(b.qualified, b.qualification.iter().all(|c| c.held));
        assert_eq!(b.paid.is_zero(), b.why_nothing.is_some());
    }
    assert_eq!(e.total_paid, total, "{what}: {}", e.member);
    if let Some(r) = &e.rank {
        let highest = r
            .ranks
            .iter()
            .rev()
            .find(|c| c.held)
            .map(|c| c.rank.clone());
        assert_eq!(r.rank, highest, "{what}: rank of {}", e.member);
        for check in &r.ranks {
            assert_eq!(check.held, check.clauses.iter().all(|c| c.held));
        }
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
