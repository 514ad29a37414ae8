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
use std::path::{Path, PathBuf};

use common::netgen::{generate, GenOptions, Shape};
use common::oracle;

const PLANS: [&str; 6] = [
    "unilevel",
    "unilevel_compressed",
    "ranked",
    "breakaway",
    "binary",
    "hybrid",
];

fn conformance_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("conformance")
}

/// CRLF -> LF, and exactly one final newline.
fn normalize(text: &str) -> String {
    let mut t = text.replace("\r\n", "\n");
    while t.ends_with('\n') {
        t.pop();
    }
    t.push('\n');
    t
}

fn read_table(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

/// The conformance rule for members files: same rows (column `member`) in the
/// same order; every column of `expected` present in `actual` with identical
/// text. Returns a description of the first difference.
fn compare_members(expected: &str, actual: &str) -> Result<(), String> {
    let (eh, erows) = read_table(expected);
    let (ah, arows) = read_table(actual);
    if erows.len() != arows.len() {
        return Err(format!(
            "{} rows expected, {} found",
            erows.len(),
            arows.len()
        ));
    }
    for (ei, name) in eh.iter().enumerate() {
        let ai = ah
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("column {name} missing"))?;
        for (k, (er, ar)) in erows.iter().zip(&arows).enumerate() {
            if er[ei] != ar[ai] {
                return Err(format!(
                    "row {} column {name}: expected {:?}, found {:?}",
                    k + 2,
                    er[ei],
                    ar[ai]
                ));
            }
        }
    }
    Ok(())
}

fn first_diff(expected: &str, actual: &str) -> String {
    for (k, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}: expected {e:?}, found {a:?}", k + 1);
        }
    }
    format!(
        "{} lines expected, {} found",
        expected.lines().count(),
        actual.lines().count()
    )
}

#[test]
fn oracle_matches_every_conformance_case() {
    let root = conformance_dir();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut plan_dirs: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    plan_dirs.sort();
    for plan_dir in plan_dirs {
        let plan = plan_dir.file_name().unwrap().to_str().unwrap().to_string();
        if !PLANS.contains(&plan.as_str()) {
            continue; // bad-networks
        }
        let mut cases: Vec<PathBuf> = fs::read_dir(&plan_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("network.csv").is_file())
            .collect();
        cases.sort();
        assert!(!cases.is_empty(), "no cases for {plan}");
        for case in cases {
            let name = format!("{plan}/{}", case.file_name().unwrap().to_str().unwrap());
            let network = fs::read_to_string(case.join("network.csv")).unwrap();
            let out = oracle::run(&plan, &network);
            let expected = normalize(&fs::read_to_string(case.join("payouts.csv")).unwrap());
            if normalize(&out.payouts_csv) != expected {
                failures.push(format!(
                    "{name}: payouts: {}",
                    first_diff(&expected, &normalize(&out.payouts_csv))
                ));
            }
            assert!(out.payouts_csv.ends_with('\n') && !out.payouts_csv.contains('\r'));
            let members_path = case.join("members.csv");
            if members_path.is_file() {
                let expected = fs::read_to_string(&members_path).unwrap();
                match &out.members_csv {
                    None => failures.push(format!("{name}: no members table")),
                    Some(actual) => {
                        if let Err(e) = compare_members(&expected, actual) {
                            failures.push(format!("{name}: members: {e}"));
                        }
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 30, "only {checked} cases found");
    eprintln!("oracle agrees with all {checked} conformance cases");
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
