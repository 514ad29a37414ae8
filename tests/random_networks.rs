//! The engine against an independent, naive implementation of the spec
//! (tests/common/oracle.rs) on networks neither has seen: every reference
//! plan, every tree shape, many seeds.

mod common;

use common::cases::{compare_members, diff, plan};
use common::netgen::{generate, GenOptions, Shape};
use common::oracle;

fn check_plan(name: &str, binary: bool, with_new: bool) {
    let compiled = plan(name);
    let mut failures = Vec::new();
    let mut runs = 0;
    for shape in [
        Shape::Random,
        Shape::Chain,
        Shape::Star,
        Shape::Broom,
        Shape::Forest,
    ] {
        for seed in 0..13u64 {
            let members = if seed == 12 {
                2000
            } else {
                [5usize, 17, 60, 250][(seed % 4) as usize]
            };
            let opts = GenOptions {
                members,
                seed: seed * 7919 + 1,
                shape,
                binary,
                with_new,
            };
            let csv = generate(&opts);
            let network = match payplan::Network::from_csv_reader(csv.as_bytes(), compiled.schema())
            {
                Ok(n) => n,
                Err(e) => panic!("{name} {opts:?}: generated network refused: {e}\n{csv}"),
            };
            let outcome = compiled
                .run(&network)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let expected = oracle::run(name, &csv);
            runs += 1;
            if outcome.payouts_csv() != expected.payouts_csv {
                failures.push(format!(
                    "{name} {shape:?} seed {} ({members} members): payouts differ\n{}",
                    opts.seed,
                    diff(&expected.payouts_csv, &outcome.payouts_csv())
                ));
            }
            if let Some(members_csv) = &expected.members_csv {
                if let Err(e) = compare_members(members_csv, &outcome.members_csv()) {
                    failures.push(format!(
                        "{name} {shape:?} seed {}: members differ: {e}",
                        opts.seed
                    ));
                }
            }
        }
    }
    assert!(runs >= 60);
    assert!(
        failures.is_empty(),
        "{} of {runs} runs differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn unilevel_agrees_with_the_oracle() {
    check_plan("unilevel", false, false);
}

#[test]
fn unilevel_compressed_agrees_with_the_oracle() {
    check_plan("unilevel_compressed", false, false);
}

#[test]
fn ranked_agrees_with_the_oracle() {
    check_plan("ranked", false, false);
}

#[test]
fn breakaway_agrees_with_the_oracle() {
    check_plan("breakaway", false, false);
}

#[test]
fn binary_agrees_with_the_oracle() {
    check_plan("binary", true, false);
}

#[test]
fn hybrid_agrees_with_the_oracle() {
    check_plan("hybrid", false, true);
}
