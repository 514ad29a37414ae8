//! `payplan diff`: the library's comparison agrees with two separate runs,
//! member by member; the command's text (snapshots), JSON, help and refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::binary::{assert_ok, assert_refused, payplan};
use common::cases::{plan, plan_path, root};
use payplan::{Network, Plan};
use payplan_tools::diff::PlanDiff;
use rust_decimal::Decimal;

const FIXTURE: &str = "tests/diff/ranked_raised.plan";

fn compile_file(path: &Path) -> Plan {
    let text = std::fs::read_to_string(path).unwrap();
    Plan::compile(&text, &path.display().to_string()).unwrap()
}

// --- the library against two separate runs -----------------------------------

/// Each member's amount per bonus, from a run of `plan` alone.
fn separate_run(plan: &Plan, network: &Path) -> HashMap<(String, String), Decimal> {
    let net = plan.load_network(network).unwrap();
    let outcome = plan.run(&net).unwrap();
    outcome
        .payouts
        .iter()
        .map(|p| ((p.member.clone(), p.bonus.to_string()), p.amount))
        .collect()
}

/// The diff of `old` and `new` on `network` says, for every member and
/// bonus, what the two separate runs pay.
fn assert_agrees_with_separate_runs(old: &Plan, new: &Plan, network: &Path) -> PlanDiff {
    let schema = payplan_tools::diff::union_schema(old.schema(), new.schema()).unwrap();
    let net = Network::from_csv_path(network, &schema).unwrap();
    let d = payplan_tools::diff::diff(old, new, &net).unwrap();
    let old_pay = separate_run(old, network);
    let new_pay = separate_run(new, network);
    let amount = |pay: &HashMap<(String, String), Decimal>, m: &str, b: &str| {
        pay.get(&(m.to_string(), b.to_string()))
            .copied()
            .unwrap_or_default()
    };
    let bonuses: Vec<String> = d.bonuses.iter().map(|b| b.bonus.clone()).collect();
    let changed: HashMap<&str, &payplan_tools::diff::MemberChange> =
        d.changed.iter().map(|c| (c.member.as_str(), c)).collect();
    let (mut winners, mut losers, mut unchanged) = (0, 0, 0);
    let mut old_totals = vec![Decimal::ZERO; bonuses.len()];
    let mut new_totals = vec![Decimal::ZERO; bonuses.len()];
    assert_eq!(d.members, net.len());
    for &m in net.file_order() {
        let id = net.id(m);
        let mut old_total = Decimal::ZERO;
        let mut new_total = Decimal::ZERO;
        for (k, b) in bonuses.iter().enumerate() {
            let (o, n) = (amount(&old_pay, id, b), amount(&new_pay, id, b));
            old_total += o;
            new_total += n;
            old_totals[k] += o;
            new_totals[k] += n;
            match changed.get(id) {
                Some(c) => {
                    let row = c.bonuses.iter().find(|x| &x.bonus == b);
                    let (ro, rn) = row.map_or((Decimal::ZERO, Decimal::ZERO), |r| (r.old, r.new));
                    assert_eq!((ro, rn), (o, n), "member `{id}`, bonus `{b}`");
                    if let Some(r) = row {
                        assert_eq!(r.change, n - o, "member `{id}`, bonus `{b}`");
                    }
                }
                None => assert_eq!(o, n, "member `{id}` is not listed, but `{b}` changes"),
            }
        }
        if let Some(c) = changed.get(id) {
            assert_eq!((c.old, c.new), (old_total, new_total), "member `{id}`");
            assert_eq!(c.change, new_total - old_total, "member `{id}`");
        }
        match new_total.cmp(&old_total) {
            std::cmp::Ordering::Greater => winners += 1,
            std::cmp::Ordering::Less => losers += 1,
            std::cmp::Ordering::Equal => unchanged += 1,
        }
    }
    assert_eq!(
        (d.winners, d.losers, d.unchanged),
        (winners, losers, unchanged)
    );
    for (k, b) in d.bonuses.iter().enumerate() {
        assert_eq!(
            b.old.unwrap_or_default(),
            old_totals[k],
            "bonus `{}`",
            b.bonus
        );
        assert_eq!(
            b.new.unwrap_or_default(),
            new_totals[k],
            "bonus `{}`",
            b.bonus
        );
    }
    assert_eq!(d.total.old, old_totals.iter().sum::<Decimal>());
    assert_eq!(d.total.new, new_totals.iter().sum::<Decimal>());
    // Largest change first, ties in file order.
    for pair in d.changed.windows(2) {
        let (a, b) = (pair[0].change.abs(), pair[1].change.abs());
        assert!(
            a > b
                || (a == b
                    && net.index_of(&pair[0].member).map(|m| net.file_row(m))
                        < net.index_of(&pair[1].member).map(|m| net.file_row(m)))
        );
    }
    d
}

#[test]
fn unilevel_against_compressed_agrees_with_two_runs_member_by_member() {
    let old = plan("unilevel");
    let new = plan("unilevel_compressed");
    for case in ["unilevel/mlm-3000", "unilevel_compressed/mlm-3000-refunds"] {
        let network = root()
            .join("tests/conformance")
            .join(case)
            .join("network.csv");
        let d = assert_agrees_with_separate_runs(&old, &new, &network);
        assert!(
            !d.changed.is_empty(),
            "{case}: compression changes some pay"
        );
        assert!(d.rank_changes.is_empty());
    }
}

#[test]
fn ranked_against_a_raised_rate_agrees_with_two_runs_and_lists_rank_changes() {
    let old = plan("ranked");
    let new = compile_file(&root().join(FIXTURE));
    let network = root().join("tests/conformance/ranked");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&network)
        .unwrap()
        .map(|e| e.unwrap().path().join("network.csv"))
        .filter(|p| p.exists())
        .collect();
    cases.sort();
    let mut rank_changes = 0;
    for case in &cases {
        let d = assert_agrees_with_separate_runs(&old, &new, case);
        rank_changes += d.rank_changes.len();
        // A lower silver threshold only ever raises ranks.
        let level = |r: &Option<String>| {
            r.as_ref()
                .map(|name| 1 + d.old.ranks.iter().position(|x| x == name).unwrap())
        };
        for r in &d.rank_changes {
            assert!(level(&r.old) < level(&r.new), "{r:?}");
        }
    }
    assert!(rank_changes > 0, "some rank changes");
}

// --- the command -------------------------------------------------------------

#[test]
fn text_of_unilevel_against_compressed() {
    let out = payplan(&[
        "diff",
        "plans/unilevel.plan",
        "plans/unilevel_compressed.plan",
        "--network",
        "examples/network.csv",
    ]);
    assert_ok(&out, "diff");
    insta::assert_snapshot!("unilevel_against_compressed", out.stdout);
}

#[test]
fn text_of_ranked_against_a_raised_rate() {
    let out = payplan(&[
        "diff",
        "plans/ranked.plan",
        FIXTURE,
        "--network",
        "examples/network.csv",
    ]);
    assert_ok(&out, "diff");
    insta::assert_snapshot!("ranked_against_raised", out.stdout);
}

#[test]
fn text_with_a_member_and_a_short_list() {
    let out = payplan(&[
        "diff",
        "plans/ranked.plan",
        FIXTURE,
        "--network",
        "examples/network.csv",
        "--top",
        "3",
        "--member",
        "ben",
    ]);
    assert_ok(&out, "diff --member");
    assert!(out.stdout.contains("\nand "), "{}", out.stdout);
    insta::assert_snapshot!("ranked_against_raised_member", out.stdout);
}

#[test]
fn json_parses_and_matches_the_library() {
    let old = plan("ranked");
    let new = compile_file(&root().join(FIXTURE));
    let network = root().join("examples/network.csv");
    let schema = payplan_tools::diff::union_schema(old.schema(), new.schema()).unwrap();
    let net = Network::from_csv_path(&network, &schema).unwrap();
    let expected = payplan_tools::diff::diff(&old, &new, &net).unwrap();

    let out = payplan(&[
        "diff",
        "plans/ranked.plan",
        FIXTURE,
        "--network",
        "examples/network.csv",
        "--format",
        "json",
        "--top",
        "1",
        "--member",
        "ana",
    ]);
    assert_ok(&out, "diff --format json");
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["old_file"], "plans/ranked.plan");
    assert_eq!(value["new_file"], FIXTURE);
    assert_eq!(value["network_read"], "once");
    assert_eq!(value["member"]["id"], "ana");
    assert!(value["member"]["old"].is_object());
    assert!(value["member"]["new"].is_object());
    let parsed: PlanDiff = serde_json::from_value(value).unwrap();
    // `--top` shortens the text only.
    assert_eq!(parsed, expected);
}

#[test]
fn help_text() {
    let out = payplan(&["diff", "--help"]);
    assert_ok(&out, "diff --help");
    insta::assert_snapshot!("diff_help", out.stdout);
}

#[test]
fn refusals_exit_2_and_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.plan");
    std::fs::write(&broken, "plan \"Broken\"\ncurrency USD\nrounding 2 half_even\ninput cv: money\nbonus b pays 10% of nope\n").unwrap();
    let bad_net = tmp.path().join("bad.csv");
    std::fs::write(&bad_net, "id,sponsor,pv,cv\nA,,100,x\n").unwrap();
    let old = plan_path("unilevel").display().to_string();
    let new = plan_path("unilevel_compressed").display().to_string();
    let net = root().join("examples/network.csv").display().to_string();
    let missing = tmp.path().join("missing.plan").display().to_string();
    let broken = broken.display().to_string();
    let bad_net = bad_net.display().to_string();

    let out = payplan(&["diff", &missing, &new, "--network", &net]);
    assert_refused(&out, "missing plan", &["cannot read", "missing.plan"]);
    let out = payplan(&["diff", &old, &broken, "--network", &net]);
    assert_refused(
        &out,
        "broken plan",
        &["nope", "broken.plan` does not compile"],
    );
    let out = payplan(&["diff", &broken, &broken, "--network", &net]);
    assert_refused(&out, "two broken plans", &["neither"]);
    let out = payplan(&["diff", &old, &new, "--network", &bad_net]);
    assert_refused(&out, "bad network", &["bad.csv", "line 2"]);
    let out = payplan(&["diff", &old, &new, "--network", &net, "--member", "zed"]);
    assert_refused(&out, "unknown member", &["has no member `zed`"]);
    let out = payplan(&["diff", &old, &new]);
    assert_refused(&out, "no network", &["--network"]);
}

#[test]
fn the_guide_shows_the_text_of_the_snapshot() {
    let out = payplan(&[
        "diff",
        "plans/ranked.plan",
        FIXTURE,
        "--network",
        "examples/network.csv",
    ]);
    assert_ok(&out, "diff");
    let guide = std::fs::read_to_string(root().join("docs/diff.md")).unwrap();
    assert!(
        guide.contains(&format!("```text\n{}```", out.stdout)),
        "docs/diff.md should show the text of `payplan diff`:\n{}",
        out.stdout
    );
    let out = payplan(&[
        "diff",
        "plans/ranked.plan",
        FIXTURE,
        "--network",
        "examples/network.csv",
        "--member",
        "ben",
    ]);
    assert_ok(&out, "diff --member");
    let start = out
        .stdout
        .find("member `ben`, old and new side by side:")
        .unwrap();
    let end = out.stdout.find("\nold: plans/ranked.plan").unwrap();
    let side_by_side = &out.stdout[start..end];
    assert!(
        guide.contains(side_by_side),
        "docs/diff.md should show the side-by-side comparison:\n{side_by_side}"
    );
}

const FAST_START: &str = "plan \"Fast start\"\ncurrency USD\nrounding 2 half_even\n\
    input cv: money\ninput new: bool, default DEFAULT\nbonus fast_start\n  when new\n  pays 10% of cv\n";

#[test]
fn plans_that_read_a_column_differently_read_the_network_once_each() {
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join("old.plan");
    let new = tmp.path().join("new.plan");
    std::fs::write(&old, FAST_START.replace("DEFAULT", "false")).unwrap();
    std::fs::write(&new, FAST_START.replace("DEFAULT", "true")).unwrap();
    let network = tmp.path().join("net.csv");
    std::fs::write(
        &network,
        "id,sponsor,cv,new\nA,,100,\nB,A,50,true\nC,A,20,false\n",
    )
    .unwrap();
    let (old_plan, new_plan) = (compile_file(&old), compile_file(&new));
    assert!(payplan_tools::diff::union_schema(old_plan.schema(), new_plan.schema()).is_none());

    let old_net = old_plan.load_network(&network).unwrap();
    let new_net = new_plan.load_network(&network).unwrap();
    let d = payplan_tools::diff::diff_networks(&old_plan, &old_net, &new_plan, &new_net).unwrap();
    assert_eq!((d.winners, d.losers, d.unchanged), (1, 0, 2));
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.changed[0].member, "A");
    assert_eq!(d.changed[0].change, Decimal::new(1000, 2));

    let args = [
        "diff".to_string(),
        old.display().to_string(),
        new.display().to_string(),
        "--network".to_string(),
        network.display().to_string(),
    ];
    let out = payplan(&args);
    assert_ok(&out, "diff of plans with other defaults");
    assert!(
        out.stdout.contains("3 members, read once per plan"),
        "{}",
        out.stdout
    );
    let mut json = args.to_vec();
    json.extend(["--format".to_string(), "json".to_string()]);
    let out = payplan(&json);
    assert_ok(&out, "diff --format json");
    let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(value["network_read"], "per_plan");
    assert_eq!(serde_json::from_value::<PlanDiff>(value).unwrap(), d);
}

#[test]
fn a_limit_that_applies_is_reported_and_agrees_with_two_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let tight = tmp.path().join("tight.plan");
    let ranked = std::fs::read_to_string(plan_path("ranked")).unwrap();
    assert!(ranked.contains("45% of total(cv)"));
    std::fs::write(
        &tight,
        ranked.replace("45% of total(cv)", "10% of total(cv)"),
    )
    .unwrap();
    let network = root().join("examples/network.csv");
    let d = assert_agrees_with_separate_runs(&plan("ranked"), &compile_file(&tight), &network);
    assert!(!d.old.limit_applied);
    assert!(d.new.limit_applied);
    // Scaled to the limit, then rounded member by member.
    assert!((d.total.new - Decimal::new(984, 0)).abs() < Decimal::new(d.members as i64, 2));
    assert_eq!(d.losers + d.unchanged, d.members);

    let out = payplan(&[
        "diff".to_string(),
        "plans/ranked.plan".to_string(),
        tight.display().to_string(),
        "--network".to_string(),
        "examples/network.csv".to_string(),
    ]);
    assert_ok(&out, "diff with a limit");
    assert!(
        out.stdout
            .contains("payout limit, new: 984.00 (applied: 1582.30 before the limit)"),
        "{}",
        out.stdout
    );
}
