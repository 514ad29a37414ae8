//! No input makes the library panic: mangled plans must compile or be
//! refused, mangled networks must load or be refused, and whatever compiles
//! and loads must run (and explain its members) or return an error.

mod common;

use common::netgen::Rng;

const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    ",",
    ":",
    "=",
    "..",
    "+",
    "-",
    "*",
    "/",
    "%",
    "of",
    "and",
    "or",
    "not",
    "if",
    "then",
    "else",
    "sum(",
    "count(",
    "over",
    "where",
    "at",
    "levels",
    "1..3",
    "by rank",
    "children",
    "downline",
    "group",
    "upline",
    "legs",
    "left",
    "within left",
    "rank",
    "bronze",
    "pv",
    "cv",
    "100",
    "5%",
    "0",
    "bonus x pays",
    "let y =",
    "cap",
    "limit payout to",
    "total(cv)",
    "\n",
    "\"",
    "#",
];

fn mangle(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if !chars.is_empty() => {
                let end = (at + 1 + rng.below(12)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => {
                let token = *rng.pick(TOKENS);
                for (k, c) in format!(" {token} ").chars().enumerate() {
                    chars.insert((at + k).min(chars.len()), c);
                }
            }
            _ => {
                let end = (at + 1 + rng.below(20)).min(chars.len());
                let piece: Vec<char> = chars[at.min(end)..end].to_vec();
                let to = rng.below(chars.len() + 1);
                for (k, c) in piece.into_iter().enumerate() {
                    chars.insert((to + k).min(chars.len()), c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mangled_plans_never_panic() {
    let network_csv =
        std::fs::read_to_string(common::cases::root().join("examples/network.csv")).unwrap();
    let mut rng = Rng::new(7);
    let mut compiled = 0;
    for plan in common::cases::PLANS {
        let text = std::fs::read_to_string(common::cases::plan_path(plan)).unwrap();
        for _ in 0..400 {
            let mangled = mangle(&mut rng, &text);
            let result = std::panic::catch_unwind(|| {
                let Ok(plan) = payplan::Plan::compile(&mangled, "mangled.plan") else {
                    return false;
                };
                if let Ok(network) =
                    payplan::Network::from_csv_reader(network_csv.as_bytes(), plan.schema())
                {
                    let _ = plan.run(&network);
                    // Explanations read every value of whatever ran.
                    let keep = payplan::EvalOptions {
                        keep_every_value: true,
                    };
                    if let Ok(run) = plan.evaluate_with(&network, keep) {
                        for id in ["ana", "jan", "pia"] {
                            let _ = run.explain(id, payplan::ExplainOptions::default());
                        }
                    }
                }
                true
            });
            match result {
                Ok(true) => compiled += 1,
                Ok(false) => {}
                Err(_) => panic!("panicked on this plan:\n{mangled}"),
            }
        }
    }
    // Some mangled plans still compile (and then run): the test exercises both paths.
    assert!(compiled > 50, "only {compiled} mangled plans compiled");
}

#[test]
fn mangled_networks_never_panic() {
    let plan = common::cases::plan("binary");
    let text = std::fs::read_to_string(common::cases::root().join("examples/network.csv")).unwrap();
    let mut rng = Rng::new(11);
    let mut loaded = 0;
    for _ in 0..3000 {
        let mangled = mangle(&mut rng, &text);
        let result = std::panic::catch_unwind(|| {
            match payplan::Network::from_csv_reader(mangled.as_bytes(), plan.schema()) {
                Ok(network) => {
                    let _ = plan.run(&network);
                    true
                }
                Err(e) => {
                    assert!(!e.to_string().is_empty());
                    false
                }
            }
        });
        match result {
            Ok(true) => loaded += 1,
            Ok(false) => {}
            Err(_) => panic!("panicked on this network:\n{mangled}"),
        }
    }
    assert!(loaded > 50, "only {loaded} mangled networks loaded");
}
