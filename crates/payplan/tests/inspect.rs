#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! What tools and hosts read from a plan and a run without its checked
//! form: the plan's parts, settled amounts, named values, ranks, relaxed
//! runs, and explanations of any run.

use payplan::{Basis, Decimal, EvalOptions, ExplainOptions, Network, Plan, Relax, RunError, Shown};

const PLAN: &str = r#"
plan "Ranked retail"
currency EUR
rounding 2 half_up
input pv: volume
input cv: money
let active = pv >= 100
let team = sum(cv over downline)
rank star when pv >= 100 and team >= 100
bonus retail pays 20% of cv
bonus team_bonus when active pays 10% of team cap 15
bonus pool pays 1% of total(cv)
limit payout to 200
"#;

/// a <- b <- c, with `a` a star.
const NETWORK: &str = "id,sponsor,pv,cv\na,,100,10\nb,a,100,100\nc,b,0,1000\n";

fn plan(text: &str) -> Plan {
    Plan::compile(text, "p.plan").unwrap_or_else(|e| panic!("{e:?}"))
}

fn network(plan: &Plan) -> Network {
    Network::from_csv_reader(NETWORK.as_bytes(), plan.schema()).unwrap()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn a_plan_shows_its_parts() {
    let p = plan(PLAN);
    assert_eq!((p.currency(), p.places()), ("EUR", 2));
    assert_eq!(p.round(d("1.005")), d("1.01"));
    assert_eq!(p.ranks(), ["star"]);
    assert!(p.has_limit());
    assert_eq!(p.exports().count(), 0);
    let bonuses: Vec<(&str, Basis, bool, bool)> = p
        .bonus_info()
        .map(|b| (b.name, b.basis, b.qualified, b.capped))
        .collect();
    assert_eq!(
        bonuses,
        [
            ("retail", Basis::Personal, false, false),
            ("team_bonus", Basis::Downline, true, true),
            ("pool", Basis::Network, false, false),
        ]
    );
    for name in ["retail", "rank", "pv", "active", "team"] {
        assert!(p.has_value(name), "{name}");
    }
    assert!(!p.has_value("qualification"));
    assert!(!p.has_value("limit"));
    assert!(p.keeps_by_default("retail"));
    assert!(!p.keeps_by_default("rank"));
    assert!(plan(&format!("{PLAN}export rank\n")).keeps_by_default("rank"));
}

#[test]
fn a_run_gives_settled_amounts_the_limit_and_kept_values() {
    let p = plan(PLAN);
    let net = network(&p);
    let run = p.evaluate(&net).unwrap();
    assert!(!run.keeps_every_value());
    assert_eq!(run.plan().name(), "Ranked retail");
    assert_eq!(run.network().len(), 3);
    let a = net.index_of("a").unwrap();
    // retail 222, team 10% of 1100 and of 1000 capped at 15 each, pool 1%
    // of 1110 to each of 3 members.
    assert_eq!(run.capped_amounts()[1].get(a), Decimal::from(15));
    assert_eq!(run.before_limit(), d("285.30"));
    assert_eq!(run.limit(), Some(Decimal::from(200)));
    assert!(run.limit_applied());
    // Scaled by 200 / 285.3, then rounded.
    assert_eq!(run.paid_at(0, a), Some(d("1.40")));
    assert_eq!(run.paid_at(3, a), None);

    assert_eq!(run.value_at("retail", a).unwrap(), Shown::Number(d("2.0")));
    assert!(run.keeps("retail").unwrap());
    assert!(!run.keeps("team").unwrap());
    assert_eq!(
        run.value_at("team", a),
        Err(RunError::NotKept {
            name: "team".into()
        })
    );
    // A value nothing reads after its pass may outlive the run: the run
    // says which it kept.
    assert_eq!(run.rank_at(a).is_ok(), run.keeps("rank").unwrap());
    assert!(matches!(
        run.value_at("nothing", a),
        Err(RunError::UnknownName { .. })
    ));
    assert!(matches!(
        run.value_at("retail", 3),
        Err(RunError::NoMember { index: 3, .. })
    ));
    let error = run.value_at("team", a).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the run did not keep the values of `team`"
    );
    assert!(error.help().is_some());

    let keep = EvalOptions {
        keep_every_value: true,
    };
    let run = p.evaluate_with(&net, keep).unwrap();
    assert!(run.keeps("team").unwrap());
    assert_eq!(run.value_at("team", a).unwrap(), Shown::Number(d("1100")));
    assert_eq!(run.value_at("active", a).unwrap(), Shown::Bool(true));
    let rank = run.rank_at(a).unwrap().unwrap();
    assert_eq!((rank.index, rank.name), (0, "star"));
    assert_eq!(run.rank_at(net.index_of("c").unwrap()).unwrap(), None);
    assert_eq!(
        run.value_at("rank", a).unwrap(),
        Shown::Rank(Some("star".into()))
    );
}

#[test]
fn an_exported_rank_is_kept_and_a_plan_without_ranks_has_none() {
    let p = plan(&format!("{PLAN}export rank\n"));
    let net = network(&p);
    let run = p.evaluate(&net).unwrap();
    let a = net.index_of("a").unwrap();
    assert_eq!(run.rank_at(a).unwrap().map(|r| r.name), Some("star"));

    let plain = plan("plan \"p\"\ncurrency EUR\nrounding 2 half_up\ninput pv: volume\ninput cv: money\nbonus retail pays 20% of cv\n");
    let net = network(&plain);
    let run = plain.evaluate(&net).unwrap();
    assert_eq!(run.rank_at(0).unwrap(), None);
}

#[test]
fn a_relaxed_plan_pays_without_the_parts_it_leaves_out() {
    let p = plan(PLAN);
    let net = network(&p);
    let totals = |plan: &Plan| -> Vec<Decimal> {
        let run = plan.evaluate(&net).unwrap();
        run.paid_amounts()
            .iter()
            .map(|a| a.iter().map(|(_, x)| x).sum())
            .collect()
    };
    let same = p.relaxed(Relax::default());
    assert_eq!(totals(&same), totals(&p));
    // No limit: retail 222, team 15 twice (capped), pool 11.10 thrice.
    let no_limit = p.relaxed(Relax {
        limit: true,
        ..Relax::default()
    });
    assert!(!no_limit.has_limit());
    assert_eq!(totals(&no_limit), [d("222"), d("30"), d("33.30")]);
    // No cap either: team pays a 110 and b 100.
    let no_caps = p.relaxed(Relax {
        limit: true,
        caps: true,
        ..Relax::default()
    });
    assert_eq!(totals(&no_caps), [d("222"), d("210"), d("33.30")]);
    // No `when` either: c (inactive, no downline) adds nothing more.
    let potential = p.relaxed(Relax {
        qualifications: true,
        caps: true,
        limit: true,
    });
    assert!(potential.bonus_info().all(|b| !b.qualified && !b.capped));
    assert_eq!(totals(&potential), [d("222"), d("210"), d("33.30")]);
}

#[test]
fn any_run_explains_its_members_in_full() {
    // A run that kept only the bonuses evaluates again for an explanation:
    // the same explanation as a run that kept every value, no part read as zero.
    let p = plan(PLAN);
    let net = network(&p);
    let lean = p.evaluate(&net).unwrap();
    let keep = EvalOptions {
        keep_every_value: true,
    };
    let full = p.evaluate_with(&net, keep).unwrap();
    let options = ExplainOptions::default();
    for id in ["a", "b", "c"] {
        let e = lean.explain(id, options).unwrap();
        assert_eq!(e, full.explain(id, options).unwrap(), "{id}");
        assert_eq!(e, p.explain(&net, id).unwrap(), "{id}");
    }
    let a = lean.explain("a", options).unwrap();
    let team = a.bonus("team_bonus").unwrap();
    assert_eq!(team.parts[0].value, Shown::Number(d("1100")));
    assert_eq!(team.parts[0].sources.len(), 2);
    assert!(matches!(
        lean.explain("zed", options),
        Err(payplan::Error::Explain(
            payplan::ExplainError::UnknownMember { .. }
        ))
    ));
}
