//! The earner's own values inside an aggregate (`my`): the plans of
//! `tests/plan_tests/earner/` pass their hand-worked tests, agree with a
//! brute-force evaluation (tests/common/oracle.rs, `run_earner`) on random
//! networks of every shape, from a few members to past the size where
//! earners are walked on the rayon threads, and their explanations (taken
//! apart by the explainer's own interpreter) add up to the payouts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::HashMap;

use common::cases::{diff, root};
use common::netgen::{generate, GenOptions, Shape};
use common::oracle;
use payplan::{EvalOptions, ExplainOptions, Shown};
use rust_decimal::Decimal;

/// Each plan, and which of the two evaluations of `my` it uses.
const PLANS: [&str; 5] = [
    "stairstep",  // a percentage over children: each earner walks its children
    "leaders",    // a rank over levels 1..3: each earner walks three levels
    "rated",      // a volume over levels 1..3 with rates per level
    "lower_plan", // a table by rank over the downline: one copy per rank
    "peers",      // a true/false over the group: one copy per value
];

fn compile(name: &str) -> payplan::Plan {
    let path = root().join(format!("tests/plan_tests/earner/{name}.plan"));
    let text = std::fs::read_to_string(&path).unwrap();
    payplan::Plan::compile(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e:?}"))
}

fn network(plan: &payplan::Plan, csv: &str) -> payplan::Network {
    payplan::Network::from_csv_reader(csv.as_bytes(), plan.schema()).unwrap()
}

#[test]
fn the_earner_plans_pass_their_hand_worked_tests() {
    let out = common::binary::payplan(&["test", "tests/plan_tests/earner/"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    for plan in ["stairstep", "leaders", "lower_plan"] {
        assert!(
            out.stdout
                .contains(&format!("ok      tests/plan_tests/earner/{plan}.tests: ")),
            "{plan}:\n{}",
            out.stdout
        );
    }
}

#[test]
fn the_earner_plans_agree_with_brute_force_on_random_networks() {
    let mut failures = Vec::new();
    let (mut runs, mut rows) = (0, 0);
    for name in PLANS {
        let compiled = compile(name);
        for shape in [
            Shape::Random,
            Shape::Chain,
            Shape::Star,
            Shape::Broom,
            Shape::Forest,
        ] {
            for seed in 0..6u64 {
                let members = [5usize, 17, 60, 250, 900, 2000][seed as usize];
                let opts = GenOptions {
                    members,
                    seed: seed * 7919 + 3,
                    shape,
                    binary: false,
                    with_new: false,
                };
                let csv = generate(&opts);
                let outcome = compiled.run(&network(&compiled, &csv)).unwrap();
                let expected = oracle::run_earner(name, &csv);
                runs += 1;
                rows += expected.payouts_csv.lines().count() - 1;
                if outcome.payouts_csv() != expected.payouts_csv {
                    failures.push(format!(
                        "{name} {shape:?} seed {} ({members} members):\n{}",
                        opts.seed,
                        diff(&expected.payouts_csv, &outcome.payouts_csv())
                    ));
                }
            }
        }
    }
    assert_eq!(runs, 150);
    // The comparison is about amounts that are paid, not empty tables.
    assert!(rows > 5000, "only {rows} payouts compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// From 65,536 members the earners are walked on the rayon threads.
#[test]
fn walked_on_threads_the_earners_agree_with_brute_force() {
    for name in ["stairstep", "rated"] {
        let compiled = compile(name);
        let opts = GenOptions {
            members: 70_000,
            seed: 11,
            shape: Shape::Random,
            binary: false,
            with_new: false,
        };
        let csv = generate(&opts);
        let outcome = compiled.run(&network(&compiled, &csv)).unwrap();
        let expected = oracle::run_earner(name, &csv);
        assert!(
            outcome.payouts_csv() == expected.payouts_csv,
            "{name}:\n{}",
            diff(&expected.payouts_csv, &outcome.payouts_csv())
        );
    }
}

fn number(s: &Shown) -> Decimal {
    match s {
        Shown::Number(d) | Shown::Percent(d) => *d,
        Shown::Bool(b) => Decimal::from(u8::from(*b)),
        Shown::Rank(_) => panic!("a rank where a number was expected"),
    }
}

/// The explainer reads `my` at the earner with its own interpreter: every
/// member's explained amounts are its payouts, and the sources it lists
/// add up to each aggregate's value.
#[test]
fn explanations_of_the_earner_plans_add_up_to_the_payouts() {
    let mut parts = 0;
    for name in PLANS {
        let compiled = compile(name);
        for shape in [Shape::Random, Shape::Broom] {
            let csv = generate(&GenOptions {
                members: 120,
                seed: 5,
                shape,
                binary: false,
                with_new: false,
            });
            let net = network(&compiled, &csv);
            let run = compiled
                .evaluate_with(
                    &net,
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
            for row in &outcome.members {
                let e = run
                    .explain(&row.member, ExplainOptions { max_sources: 2 })
                    .unwrap();
                for b in &e.bonuses {
                    let expected = paid
                        .get(&(e.member.clone(), b.bonus.clone()))
                        .copied()
                        .unwrap_or(Decimal::ZERO);
                    assert_eq!(b.paid, expected, "{name}: {} {}", e.member, b.bonus);
                    for p in &b.parts {
                        let listed: Decimal = p.sources.iter().map(|s| s.contribution).sum();
                        let omitted = p.omitted.as_ref().map_or(Decimal::ZERO, |o| o.total);
                        assert_eq!(
                            listed + omitted,
                            number(&p.value),
                            "{name}: {} `{}`",
                            e.member,
                            p.text
                        );
                        parts += 1;
                    }
                }
            }
        }
    }
    assert!(parts > 500, "only {parts} parts explained");
}

/// The text a reviewer reads: `my` values listed with the part, and of an
/// aggregate copied per value only the copy the member reads.
#[test]
fn explain_text_of_the_earner_plans() {
    for (plan, member) in [
        ("stairstep", "a"),
        ("leaders", "b"),
        ("rated", "a"),
        ("lower_plan", "a"),
        ("peers", "b"),
    ] {
        let path = format!("tests/plan_tests/earner/{plan}.plan");
        let out = common::binary::payplan(&[
            "explain",
            &path,
            "--network",
            "tests/plan_tests/earner/network.csv",
            "--member",
            member,
        ]);
        assert_eq!(out.code, 0, "{plan} {member}: {}", out.stderr);
        insta::assert_snapshot!(format!("explain_earner_{plan}_{member}"), out.stdout);
    }
}

/// The silent case warns only where a definition made of the source's own
/// values is compared with them; everyday definitions inside an aggregate
/// do not warn, and neither does the same plan written with `my`.
#[test]
fn only_a_copy_compared_with_itself_warns() {
    let header =
        "plan \"p\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\ninput cv: money\n\
                  rank silver when pv >= 100\nrank gold when pv >= 500\n";
    let warns = |body: &str| {
        let text = format!("{header}{body}\nexport total_paid = x\nbonus b pays 0\n");
        let plan = payplan::Plan::compile(&text, "p.plan").unwrap_or_else(|e| panic!("{e:?}"));
        plan.warnings().iter().any(|w| {
            w.help
                .as_deref()
                .is_some_and(|h| h.contains("to read the earning member's value"))
        })
    };
    assert!(warns(
        "let mine = pv\nlet x = count(children where pv < mine)"
    ));
    assert!(warns("let mine = pv\nlet x = sum(mine - pv over children)"));
    assert!(warns(
        "let r = rank\nlet x = count(levels 1..2 where rank >= r)"
    ));
    assert!(!warns(
        "let mine = pv\nlet x = count(children where pv < my mine)"
    ));
    assert!(!warns(
        "let active = pv >= 100\nlet x = count(children where active and pv >= 200)"
    ));
    assert!(!warns(
        "let plan_pct = by rank { silver: 5%, gold: 10% }\n\
         let x = sum(plan_pct of cv over downline where rank >= silver)"
    ));
}

/// `my` of a network total is the total: nothing to walk or copy, so it
/// is accepted over any relation.
#[test]
fn my_of_a_network_total_is_the_total() {
    let text =
        "plan \"p\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\ninput cv: money\n\
                let all_cv = total(cv)\n\
                bonus b pays sum(1% of cv over downline where cv * 100 >= my all_cv)\n";
    let plan = payplan::Plan::compile(text, "p.plan").unwrap_or_else(|e| panic!("{e:?}"));
    let csv = "id,sponsor,pv,cv\na,,0,0\nb,a,0,60\nc,b,0,40\n";
    let outcome = plan.run(&network(&plan, csv)).unwrap();
    // 1% of the total is 1: b's 60 and c's 40 both count for a, c's for b.
    assert_eq!(
        outcome.payouts_csv(),
        "member,bonus,amount\na,b,1.00\nb,b,0.40\n"
    );
}

/// Over `levels 1..depth` with a depth by rank, each earner walks as deep as
/// its own rank allows.
#[test]
fn an_earner_walks_as_deep_as_its_rank_allows() {
    let text =
        "plan \"p\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\ninput cv: money\n\
                rank silver when pv >= 100\nrank gold when pv >= 500\n\
                let depth = by rank { silver: 1, gold: 2 }\n\
                bonus b pays sum(10% of cv over levels 1..depth where pv <= my pv)\n";
    let plan = payplan::Plan::compile(text, "p.plan").unwrap_or_else(|e| panic!("{e:?}"));
    let csv = "id,sponsor,pv,cv\na,,500,0\nb,a,100,100\nc,b,50,200\nd,c,0,400\ne,a,900,1000\n";
    let outcome = plan.run(&network(&plan, csv)).unwrap();
    // a (gold, 2 levels): b 10, c 20; e's 900 is above a's 500, d is level 3.
    // b (silver, 1 level): c 20. c and d hold no rank: no levels.
    assert_eq!(
        outcome.payouts_csv(),
        "member,bonus,amount\na,b,30.00\nb,b,20.00\n"
    );
}
