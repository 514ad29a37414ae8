//! The hand-written R2 and R3 of the benches pay exactly what the engine
//! pays (the same payout table, byte for byte) on every conformance network
//! of those plans and on generated networks, so that the engine/hand-written
//! timings compare equal work.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/handwritten/mod.rs"]
mod handwritten;

use std::path::{Path, PathBuf};

use payplan::{Network, Payout, Plan};
use payplan_gen::{generate, GenOptions, Shape};

/// The payout table as `payplan run` prints it: `member,bonus,amount`.
fn payouts_csv(payouts: &[Payout]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(["member", "bonus", "amount"]).unwrap();
    for p in payouts {
        w.write_record([p.member.as_str(), &*p.bonus, &format!("{:.2}", p.amount)])
            .unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn plan(name: &str) -> Plan {
    let path = root().join("plans").join(format!("{name}.plan"));
    Plan::compile(
        &std::fs::read_to_string(&path).unwrap(),
        &path.display().to_string(),
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

/// LF line endings and a final newline.
fn normalize(text: &str) -> String {
    let mut text = text.replace("\r\n", "\n");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The first differing line of two tables, for the failure message.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut actual_lines = actual.lines();
    for (i, e) in expected.lines().enumerate() {
        let a = actual_lines.next();
        if a != Some(e) {
            return format!("line {}: expected {e:?}, got {a:?}", i + 1);
        }
    }
    match actual_lines.next() {
        Some(extra) => format!("extra line {extra:?}"),
        None => "no difference".to_string(),
    }
}

/// The engine's and the hand-written table on `network`, which must be equal.
fn assert_same(
    plan: &Plan,
    hand: fn(&Network) -> Vec<Payout>,
    network: &Network,
    what: &str,
) -> String {
    let engine = plan.run(network).unwrap().payouts_csv();
    let hand = payouts_csv(&hand(network));
    assert!(
        engine == hand,
        "{what}: hand-written differs from the engine: {}",
        first_difference(&engine, &hand)
    );
    engine
}

/// The case folders of one plan in tests/conformance.
fn case_dirs(plan: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/conformance").join(plan))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("network.csv").exists())
        .collect();
    dirs.sort();
    dirs
}

fn check_conformance(plan_name: &str, hand: fn(&Network) -> Vec<Payout>) {
    let plan = plan(plan_name);
    let dirs = case_dirs(plan_name);
    assert!(dirs.len() >= 3, "{plan_name}: only {} cases", dirs.len());
    for dir in dirs {
        let network = plan.load_network(&dir.join("network.csv")).unwrap();
        let what = dir.display().to_string();
        let table = assert_same(&plan, hand, &network, &what);
        let expected = std::fs::read_to_string(dir.join("payouts.csv")).unwrap();
        assert!(
            normalize(&expected) == table,
            "{what}: differs from the conformance: {}",
            first_difference(&normalize(&expected), &table)
        );
    }
}

fn check_generated(plan_name: &str, hand: fn(&Network) -> Vec<Payout>) {
    let plan = plan(plan_name);
    for shape in [Shape::Mlm, Shape::Pref, Shape::Chain] {
        for seed in 1..=4 {
            let options = GenOptions {
                members: 5_000,
                seed,
                shape,
                placement: false,
                new: false,
                joined: false,
            };
            let mut csv = Vec::new();
            generate(&options, &mut csv, &mut |_| {}).unwrap();
            let network = Network::from_csv_reader(csv.as_slice(), plan.schema()).unwrap();
            let table = assert_same(&plan, hand, &network, &format!("{shape:?} seed {seed}"));
            assert!(
                table.lines().count() > 1,
                "{shape:?} seed {seed}: nobody is paid"
            );
        }
    }
}

#[test]
fn r2_by_hand_matches_the_conformance_cases() {
    check_conformance("unilevel_compressed", handwritten::r2);
}

#[test]
fn r3_by_hand_matches_the_conformance_cases() {
    check_conformance("ranked", handwritten::r3);
}

#[test]
fn r2_by_hand_matches_the_engine_on_generated_networks() {
    check_generated("unilevel_compressed", handwritten::r2);
}

#[test]
fn r3_by_hand_matches_the_engine_on_generated_networks() {
    check_generated("ranked", handwritten::r3);
}
