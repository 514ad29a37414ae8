//! `payplan review`: snapshots of the text review of every plan in plans/ on
//! the example network and of `--help`, the JSON shape, the properties every
//! review must have (on the example and on generated networks), the basis
//! rule, and refusals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::binary::{assert_refused, payplan};
use common::cases::{example_network_path, plan, root, PLANS};
use payplan::{Decimal, Network, Plan};
use payplan_gen::{generate, GenOptions, Shape};
use payplan_tools::review::{self, Basis, Review};

/// Every `.plan` file in plans/, by file stem.
fn plan_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("plans"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "plan"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= PLANS.len());
    names
}

/// A path under the package root as the binary is given it (relative).
fn relative(path: &std::path::Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}

fn example_network(plan: &Plan, name: &str) -> Network {
    plan.load_network(&example_network_path(name)).unwrap()
}

#[test]
fn text_review_of_every_plan_on_the_example_network() {
    for name in plan_names() {
        let path = format!("plans/{name}.plan");
        let network = relative(&example_network_path(&name));
        let out = payplan(&["review", &path, "--network", &network]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{name}: {}", out.stderr);
        insta::assert_snapshot!(format!("review_text_{name}"), out.stdout);
    }
}

#[test]
fn review_help() {
    let out = payplan(&["review", "--help"]);
    assert_eq!(out.code, 0);
    insta::assert_snapshot!("review_help", out.stdout);
    let top = payplan(&["--help"]);
    assert!(top.stdout.contains("review"), "{}", top.stdout);
}

#[test]
fn json_review_is_the_library_value() {
    for name in plan_names() {
        let path = format!("plans/{name}.plan");
        let network = relative(&example_network_path(&name));
        let out = payplan(&["review", &path, "--network", &network, "--format", "json"]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let parsed: Review = serde_json::from_str(&out.stdout).unwrap();
        let compiled = plan(&name);
        let expected = review::review(&compiled, &example_network(&compiled, &name)).unwrap();
        assert_eq!(parsed, expected, "{name}");
        // The shape hosts and tools rely on.
        let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        for key in [
            "plan",
            "currency",
            "places",
            "members",
            "total_cv",
            "paid",
            "payout_ratio",
            "before_limit",
            "limit",
            "limit_applied",
            "bonuses",
            "breakage",
            "ranks",
            "income",
            "basis",
        ] {
            assert!(value.get(key).is_some(), "{name}: no `{key}`");
        }
        for key in [
            "members",
            "earning_nothing",
            "earning_nothing_share",
            "stats",
            "percentiles",
            "top_1_percent",
            "top_10_percent",
            "histogram",
        ] {
            assert!(
                value["income"].get(key).is_some(),
                "{name}: no `income.{key}`"
            );
        }
        // Money is a string, so that no JSON reader turns it into a float.
        assert!(value["paid"].is_string(), "{name}");
    }
    let out = payplan(&[
        "review",
        "plans/ranked.plan",
        "--network",
        "examples/network.csv",
        "--format",
        "json",
    ]);
    insta::assert_snapshot!("review_json_ranked", out.stdout);
}

/// Every property a review must have, on any network.
fn check_properties(review: &Review, plan: &Plan, network: &Network, what: &str) {
    let zero = Decimal::ZERO;
    let outcome = plan.run(network).unwrap();
    // Totals equal the run's.
    assert_eq!(review.paid, outcome.totals.paid, "{what}: paid");
    assert_eq!(review.members, outcome.totals.members, "{what}");
    assert_eq!(review.before_limit, outcome.totals.before_limit, "{what}");
    assert_eq!(review.limit, outcome.totals.limit, "{what}");
    assert_eq!(review.limit_applied, outcome.totals.limit_applied, "{what}");
    let per_bonus: Vec<(String, Decimal)> = review
        .bonuses
        .iter()
        .map(|b| (b.name.clone(), b.paid))
        .collect();
    assert_eq!(per_bonus, outcome.totals.per_bonus, "{what}: per bonus");
    for b in &review.bonuses {
        let paid = outcome
            .payouts
            .iter()
            .filter(|p| *p.bonus == *b.name)
            .count();
        assert_eq!(b.members_paid, paid, "{what}: members paid of {}", b.name);
    }

    // Breakage: the parts add up, per bonus and in all; the limit never adds.
    let mut sums = [zero; 5];
    for b in review.bonuses.iter().map(|b| &b.breakage) {
        assert_eq!(b.total, b.potential - b.paid, "{what}");
        assert_eq!(b.total, b.limit + b.caps + b.qualifications, "{what}");
        for (s, x) in sums
            .iter_mut()
            .zip([b.potential, b.paid, b.limit, b.caps, b.qualifications])
        {
            *s += x;
        }
    }
    let t = &review.breakage;
    assert_eq!(
        sums,
        [t.potential, t.paid, t.limit, t.caps, t.qualifications],
        "{what}: breakage per bonus sums to the total"
    );
    assert_eq!(t.paid, review.paid, "{what}");
    assert!(t.limit >= zero, "{what}: the limit pays more? {t:?}");
    if !review.limit_applied {
        assert_eq!(t.limit, zero, "{what}");
    }

    // Income disclosure.
    let income = &review.income;
    assert_eq!(income.members, review.members, "{what}");
    let earnings: Vec<Decimal> = {
        let mut by_member = std::collections::HashMap::<&str, Decimal>::new();
        for p in &outcome.payouts {
            *by_member.entry(p.member.as_str()).or_default() += p.amount;
        }
        let mut all: Vec<Decimal> = outcome
            .members
            .iter()
            .map(|m| {
                by_member
                    .get(m.member.as_str())
                    .copied()
                    .unwrap_or_default()
            })
            .collect();
        all.sort();
        all
    };
    let nothing = earnings.iter().filter(|e| **e <= zero).count();
    assert_eq!(income.earning_nothing, nothing, "{what}");
    let pcts: Vec<Decimal> = income.percentiles.iter().map(|p| p.earnings).collect();
    assert_eq!(pcts.len(), 6, "{what}");
    assert!(
        pcts.windows(2).all(|w| w[0] <= w[1]),
        "{what}: percentiles not monotone: {pcts:?}"
    );
    for p in &income.percentiles {
        // Nearest rank: at least p% of members earn at most it, and it is an earning.
        let at_most = earnings.iter().filter(|e| **e <= p.earnings).count();
        assert!(
            at_most * 100 >= p.percent as usize * earnings.len(),
            "{what}"
        );
        assert!(earnings.contains(&p.earnings), "{what}");
    }
    let stats = income.stats.as_ref().unwrap();
    assert_eq!(stats.low, earnings[0], "{what}");
    assert_eq!(stats.high, *earnings.last().unwrap(), "{what}");
    assert!(
        stats.low <= stats.median && stats.median <= stats.high,
        "{what}"
    );
    assert!(
        stats.low <= stats.mean && stats.mean <= stats.high,
        "{what}"
    );
    let histogram: usize = income.histogram.iter().map(|b| b.members).sum();
    assert_eq!(histogram + nothing, review.members, "{what}: histogram");
    for pair in income.histogram.windows(2) {
        assert_eq!(pair[0].up_to, pair[1].above, "{what}: bins touch");
    }
    if let Some(last) = income.histogram.last() {
        assert!(last.up_to >= stats.high, "{what}");
    }
    let (t1, t10) = (&income.top_1_percent, &income.top_10_percent);
    assert!(t1.members >= 1 && t1.members <= t10.members, "{what}");
    assert_eq!(
        t10.paid,
        earnings
            .iter()
            .rev()
            .take(t10.members)
            .copied()
            .sum::<Decimal>(),
        "{what}"
    );
    if review.paid > zero {
        assert!(t1.share.unwrap() <= t10.share.unwrap(), "{what}");
        if earnings[0] >= zero {
            assert!(t10.share.unwrap() <= Decimal::ONE, "{what}");
        }
    }

    // Ranks: members and pay add up.
    if !review.ranks.is_empty() {
        assert_eq!(review.ranks.len(), plan.ranks().len() + 1, "{what}");
        assert_eq!(review.ranks[0].rank, None, "{what}");
        let members: usize = review.ranks.iter().map(|r| r.members).sum();
        assert_eq!(members, review.members, "{what}: members per rank");
        let paid: Decimal = review.ranks.iter().map(|r| r.paid).sum();
        assert_eq!(paid, review.paid, "{what}: pay per rank");
        let nothing_by_rank: usize = review.ranks.iter().map(|r| r.earning_nothing).sum();
        assert_eq!(nothing_by_rank, nothing, "{what}");
        if outcome.export_columns.iter().any(|c| c == "rank") {
            // The exported rank agrees with the members per rank.
            for r in &review.ranks {
                let exported = outcome
                    .members
                    .iter()
                    .filter(|m| {
                        m.values.iter().any(|v| {
                            *v == payplan::ExportValue::Rank(r.rank.as_deref().map(Into::into))
                        })
                    })
                    .count();
                assert_eq!(exported, r.members, "{what}: members of {:?}", r.rank);
            }
        }
    }

    // Basis: every bonus once, pay adds up, shares sum to one.
    assert_eq!(review.basis.len(), 3, "{what}");
    let named: usize = review.basis.iter().map(|b| b.bonuses.len()).sum();
    assert_eq!(named, review.bonuses.len(), "{what}");
    let paid: Decimal = review.basis.iter().map(|b| b.paid).sum();
    assert_eq!(paid, review.paid, "{what}: pay per basis");
    if review.paid > zero {
        let shares: Decimal = review.basis.iter().map(|b| b.share.unwrap()).sum();
        assert!(
            (shares - Decimal::ONE).abs() < Decimal::new(1, 20),
            "{what}: shares sum to {shares}"
        );
    }

    // Payout ratio.
    match (review.total_cv, review.payout_ratio) {
        (Some(cv), Some(ratio)) if cv > zero => {
            assert!(
                (ratio * cv - review.paid).abs() < Decimal::new(1, 15),
                "{what}"
            );
        }
        (Some(cv), None) => assert!(cv <= zero, "{what}"),
        (None, ratio) => assert_eq!(ratio, None, "{what}"),
        (Some(_), Some(_)) => panic!("{what}: a ratio of a non-positive cv"),
    }
}

#[test]
fn every_plan_on_the_example_network_has_the_properties() {
    for name in plan_names() {
        let compiled = plan(&name);
        let network = example_network(&compiled, &name);
        let review = review::review(&compiled, &network).unwrap();
        check_properties(&review, &compiled, &network, &name);
        // The example network has no refunds: nothing can be held back less
        // than nothing by caps or qualifications.
        for b in &review.bonuses {
            assert!(b.breakage.caps >= Decimal::ZERO, "{name}: {b:?}");
            assert!(b.breakage.qualifications >= Decimal::ZERO, "{name}: {b:?}");
        }
        assert_eq!(review.total_cv, Some(Decimal::from(9840)), "{name}");
    }
}

#[test]
fn every_reference_plan_on_generated_networks_has_the_properties() {
    for name in PLANS {
        let compiled = plan(name);
        for (shape, seed, members) in [
            (Shape::Mlm, 1, 3000),
            (Shape::Pref, 2, 500),
            (Shape::Chain, 3, 40),
            (Shape::Star, 4, 60),
            (Shape::Mlm, 5, 1),
        ] {
            let options = GenOptions {
                members,
                seed,
                shape,
                placement: name == "binary",
                new: name == "hybrid",
                joined: false,
            };
            let mut csv = Vec::new();
            generate(&options, &mut csv, &mut |_| {}).unwrap();
            let network = Network::from_csv_reader(csv.as_slice(), compiled.schema()).unwrap();
            let review = review::review(&compiled, &network).unwrap();
            check_properties(
                &review,
                &compiled,
                &network,
                &format!("{name} {shape:?} seed {seed}"),
            );
        }
    }
}

#[test]
fn the_reference_plans_hold_back_what_their_rules_say() {
    let breakage = |name: &str| {
        let compiled = plan(name);
        review::review(&compiled, &example_network(&compiled, name)).unwrap()
    };
    // No `when`, no cap, no limit: nothing held back.
    let breakaway = breakage("breakaway");
    assert_eq!(breakaway.bonuses[0].breakage.total, Decimal::ZERO);
    // Qualifications hold back in the unilevel (inactive members).
    let unilevel = breakage("unilevel");
    assert!(unilevel.breakage.qualifications > Decimal::ZERO);
    assert_eq!(unilevel.breakage.caps, Decimal::ZERO);
    assert_eq!(unilevel.breakage.limit, Decimal::ZERO);
    // The hybrid's limit binds on the example network.
    let hybrid = breakage("hybrid");
    assert_eq!(hybrid.limit_applied, hybrid.breakage.limit > Decimal::ZERO);
}

fn basis(source: &str) -> Vec<Basis> {
    let plan = Plan::compile(source, "basis.plan").unwrap_or_else(|e| panic!("{e:?}"));
    let csv = "id,sponsor,pv,cv\nA,,100,50\nB,A,20,12.5\n";
    let network = Network::from_csv_reader(csv.as_bytes(), plan.schema()).unwrap();
    let review = review::review(&plan, &network).unwrap();
    review.bonuses.iter().map(|b| b.basis).collect()
}

#[test]
fn the_basis_rule() {
    let head =
        "plan \"b\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\ninput cv: money\n";
    use Basis::{Downline, Network as Net, Personal};
    // Own values, a flat amount, and a qualification on the downline.
    assert_eq!(
        basis(&format!(
            "{head}let gv = sum(pv over group)\n\
             bonus retail pays 20% of cv\n\
             bonus flat when gv >= 1000 pays 50\n\
             bonus step pays if sum(pv over children) > 0 then 10% of cv else 0\n"
        )),
        [Personal, Personal, Personal]
    );
    // Other members' values, directly, through a `let` or another bonus.
    assert_eq!(
        basis(&format!(
            "{head}let gv = sum(pv over group)\n\
             let team_cv = cv + sum(cv over children)\n\
             bonus unilevel pays sum(cv over levels 1..2 at 10%, 5%)\n\
             bonus team pays 1% of team_cv\n\
             bonus group pays money(1% of gv)\n\
             bonus matching pays sum(unilevel over children) * 10%\n\
             bonus echo pays 10% of matching\n"
        )),
        [Downline, Downline, Downline, Downline, Downline]
    );
    // A network total: a pool, whatever its shares count.
    assert_eq!(
        basis(&format!(
            "{head}let shares = 1 + count(children where pv >= 100)\n\
             bonus pool when pv >= 100 pays pool(2% of total(cv), shares)\n\
             bonus company pays 1% of total(cv) + sum(cv over children)\n"
        )),
        [Net, Net]
    );
    // The reference plans.
    let of = |name: &str| {
        let compiled = plan(name);
        review::review(&compiled, &example_network(&compiled, name))
            .unwrap()
            .bonuses
            .iter()
            .map(|b| (b.name.clone(), b.basis))
            .collect::<Vec<_>>()
    };
    let names = |v: &[(&str, Basis)]| {
        v.iter()
            .map(|(n, b)| (n.to_string(), *b))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of("hybrid"),
        names(&[
            ("retail", Personal),
            ("fast_start", Downline),
            ("unilevel", Downline),
            ("pool", Net)
        ])
    );
    assert_eq!(of("binary"), names(&[("binary", Downline)]));
}

#[test]
fn html_is_written_atomically_and_escapes_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let plan_path = tmp.path().join("odd.plan");
    std::fs::write(
        &plan_path,
        "plan \"<script>alert('x')</script> & co\"\ncurrency USD\nrounding 2 half_even\n\
         input pv: volume\ninput cv: money\nbonus retail pays 20% of cv\n",
    )
    .unwrap();
    let html = tmp.path().join("review.html");
    let out = payplan(&[
        "review",
        plan_path.to_str().unwrap(),
        "--network",
        "examples/network.csv",
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("review of"), "{}", out.stdout);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
    assert!(!page.contains("<script"), "the page has no scripts");
    assert!(page.matches("<svg").count() >= 3, "three charts");
    let without_namespace = page.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_namespace.contains("http:") && !without_namespace.contains("https:"),
        "nothing to fetch"
    );
    // No temporary file is left beside it.
    let files: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(files.len(), 2);
}

#[test]
fn refusals_exit_2_and_name_the_file() {
    let out = payplan(&[
        "review",
        "plans/missing.plan",
        "--network",
        "examples/network.csv",
    ]);
    assert_refused(&out, "missing plan", &["plans/missing.plan"]);
    let out = payplan(&["review", "plans/ranked.plan", "--network", "nowhere.csv"]);
    assert_refused(&out, "missing network", &["nowhere.csv"]);
    let out = payplan(&["review", "plans/ranked.plan"]);
    assert_refused(&out, "no network", &["--network"]);
    let out = payplan(&[
        "review",
        "plans/ranked.plan",
        "--network",
        "examples/network.csv",
        "--format",
        "xml",
    ]);
    assert_refused(&out, "bad format", &["xml"]);

    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.plan");
    std::fs::write(&broken, "plan \"x\"\ncurrency USD\nbonus b pays\n").unwrap();
    let out = payplan(&[
        "review",
        broken.to_str().unwrap(),
        "--network",
        "examples/network.csv",
    ]);
    assert_refused(&out, "broken plan", &["broken.plan"]);

    let bad_net = tmp.path().join("bad.csv");
    std::fs::write(&bad_net, "id,sponsor,pv,cv\nA,,x,1\n").unwrap();
    let out = payplan(&[
        "review",
        "plans/unilevel.plan",
        "--network",
        bad_net.to_str().unwrap(),
    ]);
    assert_refused(&out, "bad network", &["bad.csv", "line 2"]);

    // The HTML path is a folder: refused, nothing on stdout.
    let out = payplan(&[
        "review",
        "plans/unilevel.plan",
        "--network",
        "examples/network.csv",
        "--html",
        tmp.path().to_str().unwrap(),
    ]);
    assert_refused(&out, "html into a folder", &["cannot write", "directory"]);

    // `--html -` would send the page to standard output beside the review.
    let out = payplan(&[
        "review",
        "plans/unilevel.plan",
        "--network",
        "examples/network.csv",
        "--html",
        "-",
    ]);
    assert_refused(
        &out,
        "html to standard output",
        &["cannot both go to standard output", "--html review.html"],
    );

    // A binary plan on a network without placement.
    let no_placement = tmp.path().join("flat.csv");
    std::fs::write(&no_placement, "id,sponsor,pv,cv\nA,,100,50\n").unwrap();
    let out = payplan(&[
        "review",
        "plans/binary.plan",
        "--network",
        no_placement.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[test]
fn a_network_with_refunds_still_reviews() {
    // The hybrid's limit is zero on a negative total cv: nobody is paid.
    let compiled = plan("hybrid");
    let csv = "id,sponsor,pv,cv,new\nA,,100,-500,false\nB,A,200,300,true\nC,B,0,0,false\n";
    let network = Network::from_csv_reader(csv.as_bytes(), compiled.schema()).unwrap();
    let review = review::review(&compiled, &network).unwrap();
    check_properties(&review, &compiled, &network, "hybrid with refunds");
    assert!(review.limit_applied);
    assert_eq!(review.paid, Decimal::ZERO);
    assert!(review.breakage.limit > Decimal::ZERO);
    assert_eq!(review.income.top_10_percent.share, None);
    // A refund below an active member: negative earnings count as nothing.
    let compiled = plan("unilevel");
    let csv = "id,sponsor,pv,cv\nA,,100,50\nB,A,200,-300\nC,B,0,40\n";
    let network = Network::from_csv_reader(csv.as_bytes(), compiled.schema()).unwrap();
    let review = review::review(&compiled, &network).unwrap();
    check_properties(&review, &compiled, &network, "unilevel with refunds");
    assert_eq!(
        review.income.stats.as_ref().unwrap().low,
        Decimal::new(-2800, 2)
    );
    assert_eq!(review.income.earning_nothing, 2);
}

#[test]
fn ranks_are_counted_whether_exported_or_not() {
    let path = root().join("plans/ranked.plan");
    let source = std::fs::read_to_string(&path).unwrap();
    let unexported = source.replace("export rank", "");
    assert_ne!(source, unexported);
    let exported = plan("ranked");
    let hidden = Plan::compile(&unexported, "ranked.plan").unwrap();
    let network = example_network(&exported, "ranked");
    let a = review::review(&exported, &network).unwrap();
    let b = review::review(&hidden, &network).unwrap();
    assert_eq!(a.ranks, b.ranks);
    assert!(a.ranks.iter().skip(1).any(|r| r.members > 0));
}
