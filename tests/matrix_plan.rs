//! R9, the forced matrix (`plans/matrix.plan`): every case of
//! tests/conformance-v2/matrix through the binary and through the library,
//! payouts and members tables compared byte for byte, and every bad network
//! of tests/conformance-v2/bad-networks refused with exit status 2 on the
//! line `matrix-expected.csv` gives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};

use common::binary::payplan;
use common::cases::{diff, normalize, plan_path, root};

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// Every case folder of tests/conformance-v2/matrix, sorted.
fn matrix_cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/conformance-v2/matrix"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("network.csv").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 8, "found only {} matrix cases", dirs.len());
    dirs
}

fn expected(dir: &Path, file: &str) -> String {
    normalize(&std::fs::read_to_string(dir.join(file)).unwrap())
}

#[test]
fn every_matrix_case_through_the_binary() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, dir) in matrix_cases().iter().enumerate() {
        let members = tmp.path().join(format!("members-{i}.csv"));
        let out = payplan(&[
            "run".to_string(),
            s(&plan_path("matrix")),
            "--network".into(),
            s(&dir.join("network.csv")),
            "--members".into(),
            s(&members),
        ]);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if out.code != 0 {
            failures.push(format!("{name}: exit status {}\n{}", out.code, out.stderr));
            continue;
        }
        let (want, got) = (expected(dir, "payouts.csv"), normalize(&out.stdout));
        if want != got {
            failures.push(format!("{name}: payouts differ\n{}", diff(&want, &got)));
        }
        let got = normalize(&std::fs::read_to_string(&members).unwrap());
        let want = expected(dir, "members.csv");
        if want != got {
            failures.push(format!("{name}: members differ\n{}", diff(&want, &got)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_matrix_case_through_the_library() {
    let plan = common::cases::plan("matrix");
    let mut failures = Vec::new();
    for dir in matrix_cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let network = plan.load_network(&dir.join("network.csv")).unwrap();
        let outcome = plan.run(&network).unwrap();
        let (want, got) = (
            expected(&dir, "payouts.csv"),
            normalize(&outcome.payouts_csv()),
        );
        if want != got {
            failures.push(format!("{name}: payouts differ\n{}", diff(&want, &got)));
        }
        let (want, got) = (
            expected(&dir, "members.csv"),
            normalize(&outcome.members_csv()),
        );
        if want != got {
            failures.push(format!("{name}: members differ\n{}", diff(&want, &got)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_bad_matrix_network_is_refused_on_its_line() {
    let dir = root().join("tests/conformance-v2/bad-networks");
    let mut reader = csv::Reader::from_path(dir.join("matrix-expected.csv")).unwrap();
    let mut failures = Vec::new();
    let mut seen = 0;
    for row in reader.records() {
        let row = row.unwrap();
        assert_eq!(&row[2], "matrix");
        let line: u64 = row[1].parse().unwrap();
        let out = payplan(&[
            "run".to_string(),
            s(&plan_path("matrix")),
            "--network".into(),
            s(&dir.join(&row[0])),
        ]);
        let what = &row[0];
        if out.code != 2 {
            failures.push(format!("{what}: exit status {}", out.code));
        }
        if !out.stdout.is_empty() {
            failures.push(format!("{what}: stdout not empty"));
        }
        if !out.stderr.contains(&format!("line {line}:")) {
            failures.push(format!(
                "{what}: stderr does not name line {line}:\n{}",
                out.stderr
            ));
        }
        seen += 1;
    }
    assert_eq!(seen, 10);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every file of the shared bad-networks folder lacks `joined`: R9 refuses
/// each at line 1.
#[test]
fn a_network_without_joined_is_refused_at_the_header() {
    let out = payplan(&[
        "run".to_string(),
        s(&plan_path("matrix")),
        "--network".into(),
        s(&root().join("tests/conformance/unilevel/levels-and-threshold/network.csv")),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("line 1:"), "{}", out.stderr);
    assert!(out.stderr.contains("`joined`"), "{}", out.stderr);
}

/// A random network with `joined`: sponsors drawn from the members before
/// (often the same few, so that levels fill and spill over), `joined` a few
/// days after the sponsor's (ties among recruits), rows shuffled.
fn random_network(seed: u64, n: usize) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move |below: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % below.max(1)
    };
    let mut joined = vec![0u64; n];
    let mut rows = Vec::with_capacity(n);
    for i in 0..n {
        let sponsor = match (i, next(10)) {
            (0, _) | (_, 0) => None,
            (_, 1..=5) => Some(next(i.min(4) as u64) as usize),
            _ => Some(next(i as u64) as usize),
        };
        joined[i] = match sponsor {
            None => 1 + next(3),
            Some(s) => joined[s] + 1 + next(3),
        };
        let pv = if next(3) == 0 {
            100 + next(100)
        } else {
            next(100)
        };
        let cv = format!("{}.{:02}", next(3000) as i64 - 200, next(100));
        let sponsor = sponsor.map(|s| format!("m{s}")).unwrap_or_default();
        rows.push(format!("m{i},{sponsor},{pv},{cv},{}", joined[i]));
    }
    for i in (1..n).rev() {
        let j = next(i as u64 + 1) as usize;
        rows.swap(i, j);
    }
    format!("id,sponsor,pv,cv,joined\n{}\n", rows.join("\n"))
}

/// The engine agrees with the brute-force oracle (tests/common/oracle.rs,
/// which rescans the sponsor's subtree for every recruit) on random networks.
#[test]
fn the_engine_agrees_with_the_oracle_on_random_networks() {
    let plan = common::cases::plan("matrix");
    for seed in 0..40u64 {
        let n = 1 + (seed as usize * 37) % 400;
        let text = random_network(seed, n);
        let expected = common::oracle::run("matrix", &text);
        let network = payplan::Network::from_csv_reader(text.as_bytes(), plan.schema()).unwrap();
        let outcome = plan.run(&network).unwrap();
        assert_eq!(
            normalize(&outcome.payouts_csv()),
            normalize(&expected.payouts_csv),
            "seed {seed}: payouts\n{}",
            diff(&expected.payouts_csv, &outcome.payouts_csv())
        );
        assert_eq!(
            normalize(&outcome.members_csv()),
            normalize(expected.members_csv.as_deref().unwrap()),
            "seed {seed}: members"
        );
    }
}

/// `payplan gen --joined` networks of every shape run on the matrix plan
/// and agree with the oracle (a star spills over through many levels, a
/// chain makes a matrix as deep as the network).
#[test]
fn generated_networks_with_joined_agree_with_the_oracle() {
    let plan = common::cases::plan("matrix");
    for shape in payplan_gen::Shape::ALL {
        let options = payplan_gen::GenOptions {
            members: 1500,
            seed: 11,
            shape,
            placement: false,
            new: false,
            joined: true,
        };
        let mut bytes = Vec::new();
        payplan_gen::generate(&options, &mut bytes, &mut |_| {}).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let expected = common::oracle::run("matrix", &text);
        let network = payplan::Network::from_csv_reader(text.as_bytes(), plan.schema()).unwrap();
        let outcome = plan.run(&network).unwrap();
        assert_eq!(
            normalize(&outcome.payouts_csv()),
            normalize(&expected.payouts_csv),
            "{shape:?}"
        );
        assert_eq!(
            normalize(&outcome.members_csv()),
            normalize(expected.members_csv.as_deref().unwrap()),
            "{shape:?}"
        );
    }
}

/// `matrix children`, `matrix level k`, `matrix levels a..b` (with `any`)
/// and `full(...)` on every conformance network, against the matrix the
/// case's members table gives, counted by brute force.
#[test]
fn matrix_relations_match_the_members_table() {
    let source = "plan \"relations\"\ncurrency USD\nrounding 2 half_even\nuses matrix 3 wide\n\
        input pv: volume\ninput cv: money\n\
        bonus none pays 0\n\
        export kids = count(matrix children)\n\
        export second = sum(cv over matrix level 2)\n\
        export deep = count(matrix levels 2..4 where pv >= 100)\n\
        export any_active = any(pv >= 100 over matrix levels 1..2)\n\
        export first_full = full(matrix level 1)\n\
        export two_full = full(matrix levels 1..2)\n";
    let plan = payplan::Plan::compile(source, "relations.plan").unwrap();
    for dir in matrix_cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (_, members) =
            common::cases::read_table(&std::fs::read_to_string(dir.join("members.csv")).unwrap());
        let (header, rows) =
            common::cases::read_table(&std::fs::read_to_string(dir.join("network.csv")).unwrap());
        let col = |c: &str| header.iter().position(|h| h == c).unwrap();
        let value = |id: &str, c: &str| -> rust_decimal::Decimal {
            let row = rows.iter().find(|r| r[col("id")] == id).unwrap();
            row[col(c)].parse().unwrap()
        };
        let parent: std::collections::HashMap<&str, &str> = members
            .iter()
            .map(|r| (r[0].as_str(), r[1].as_str()))
            .collect();
        // The matrix ancestors of `d`, nearest first.
        let ancestors = |d: &str| {
            let mut out = Vec::new();
            let mut cur = parent[d];
            while !cur.is_empty() {
                out.push(cur);
                cur = parent[cur];
            }
            out
        };
        let mut at_level: std::collections::HashMap<(&str, usize), Vec<&str>> = Default::default();
        for d in parent.keys() {
            for (k, a) in ancestors(d).into_iter().enumerate() {
                at_level.entry((a, k + 1)).or_default().push(d);
            }
        }
        let level = |m: &str, k: usize| at_level.get(&(m, k)).cloned().unwrap_or_default();
        let network = plan.load_network(&dir.join("network.csv")).unwrap();
        let outcome = plan.run(&network).unwrap();
        for row in &outcome.members {
            let m = row.member.as_str();
            let active = |d: &&str| value(d, "pv") >= rust_decimal::Decimal::from(100);
            let kids = level(m, 1).len();
            let second: rust_decimal::Decimal = level(m, 2).iter().map(|d| value(d, "cv")).sum();
            let deep = (2..=4).flat_map(|k| level(m, k)).filter(active).count();
            let any_active = (1..=2).flat_map(|k| level(m, k)).any(|d| active(&d));
            let expected = [
                payplan::ExportValue::Number(kids.into()),
                payplan::ExportValue::Number(second.round_dp(2)),
                payplan::ExportValue::Number(deep.into()),
                payplan::ExportValue::Bool(any_active),
                payplan::ExportValue::Bool(kids == 3),
                payplan::ExportValue::Bool(kids == 3 && level(m, 2).len() == 9),
            ];
            assert_eq!(row.values, expected, "{name}: {m}");
        }
    }
}
