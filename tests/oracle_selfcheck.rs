//! Checks the test oracle (`tests/common/oracle.rs`) against every
//! conformance case, and the network generator (`tests/common/netgen.rs`)
//! for determinism and validity (every plan's oracle runs on its output).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::fs;

use common::cases::{cases, compare_members, diff, normalize, read_table, PLANS};
use common::netgen::{generate, GenOptions, Shape};
use common::oracle;

#[test]
fn oracle_matches_every_conformance_case() {
    let all = cases();
    let mut failures = Vec::new();
    for case in &all {
        let network = fs::read_to_string(case.dir.join("network.csv")).unwrap();
        let out = oracle::run(&case.plan, &network);
        let expected = normalize(&fs::read_to_string(case.dir.join("payouts.csv")).unwrap());
        if normalize(&out.payouts_csv) != expected {
            failures.push(format!(
                "{}: payouts:\n{}",
                case.name,
                diff(&expected, &out.payouts_csv)
            ));
        }
        assert!(out.payouts_csv.ends_with('\n') && !out.payouts_csv.contains('\r'));
        if let Ok(expected) = fs::read_to_string(case.dir.join("members.csv")) {
            match &out.members_csv {
                None => failures.push(format!("{}: no members table", case.name)),
                Some(actual) => {
                    if let Err(e) = compare_members(&expected, actual) {
                        failures.push(format!("{}: members: {e}", case.name));
                    }
                }
            }
        }
    }
    assert!(all.len() >= 30, "only {} cases found", all.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn generator_is_deterministic_and_valid_for_every_plan() {
    for shape in Shape::ALL {
        for seed in 0..6u64 {
            let binary = seed % 2 == 0;
            let with_new = seed % 3 != 0;
            let opts = GenOptions {
                members: 5 + (seed as usize) * 37,
                seed,
                shape,
                binary,
                with_new,
            };
            let a = generate(&opts);
            let b = generate(&opts);
            assert_eq!(a, b, "{shape:?} seed {seed} not deterministic");
            let other = generate(&GenOptions {
                seed: seed + 100,
                ..opts.clone()
            });
            assert_ne!(
                a,
                other,
                "{shape:?}: seeds {seed} and {} give the same network",
                seed + 100
            );

            // Same row count as requested (blank lines aside).
            let rows = a
                .lines()
                .filter(|l| !l.trim_start_matches('\u{feff}').is_empty())
                .count();
            assert!(rows > opts.members, "{shape:?} seed {seed}: {rows} lines");

            for plan in PLANS {
                if plan == "binary" && !binary {
                    continue;
                }
                let out = oracle::run(plan, &a);
                assert!(out.payouts_csv.starts_with("member,bonus,amount\n"));
                let has_members = matches!(plan, "ranked" | "breakaway" | "binary");
                assert_eq!(out.members_csv.is_some(), has_members, "{plan}");
                if let Some(m) = &out.members_csv {
                    // One row per member (ids may contain quoted line-free text).
                    let (_, mrows) = read_table(m);
                    assert_eq!(mrows.len(), opts.members, "{plan} {shape:?} seed {seed}");
                }
            }
        }
    }
}

#[test]
fn generator_hits_thresholds_and_shapes() {
    // Chain: one root, every other member sponsored by exactly one member
    // that nobody else is sponsored by.
    let net = generate(&GenOptions {
        members: 50,
        seed: 7,
        shape: Shape::Chain,
        binary: true,
        with_new: true,
    });
    let (h, rows) = read_table(&net);
    let col = |n: &str| h.iter().position(|c| c == n).unwrap();
    let (ssp, spv) = (col("sponsor"), col("pv"));
    let roots = rows.iter().filter(|r| r[ssp].is_empty()).count();
    assert_eq!(roots, 1);
    let mut sponsors: Vec<&str> = rows
        .iter()
        .map(|r| r[ssp].as_str())
        .filter(|s| !s.is_empty())
        .collect();
    sponsors.sort_unstable();
    sponsors.dedup();
    assert_eq!(sponsors.len(), 49);
    let pv_on_threshold = rows
        .iter()
        .filter(|r| ["100", "100.00", "100.0"].contains(&r[spv].as_str()))
        .count();
    assert!(pv_on_threshold > 0);

    let net = generate(&GenOptions {
        members: 40,
        seed: 3,
        shape: Shape::Forest,
        binary: false,
        with_new: false,
    });
    let (h, rows) = read_table(&net);
    let ssp = h.iter().position(|c| c == "sponsor").unwrap();
    assert!(rows.iter().filter(|r| r[ssp].is_empty()).count() >= 2);

    let net = generate(&GenOptions {
        members: 40,
        seed: 3,
        shape: Shape::Star,
        binary: false,
        with_new: false,
    });
    let (h, rows) = read_table(&net);
    let ssp = h.iter().position(|c| c == "sponsor").unwrap();
    let mut sponsors: Vec<&str> = rows
        .iter()
        .map(|r| r[ssp].as_str())
        .filter(|s| !s.is_empty())
        .collect();
    sponsors.dedup();
    assert_eq!(sponsors.len(), 1);
}
