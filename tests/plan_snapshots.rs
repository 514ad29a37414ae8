//! What every plan in plans/ pays on the bundled example network, as a
//! reviewer reads it: a plan change shows up as a snapshot diff. A plan
//! that needs columns the example lacks reads `examples/<plan>-network.csv`,
//! the example with those columns added (the matrix's `joined`).

mod common;

#[test]
fn every_plan_on_the_example_network() {
    let root = common::cases::root();
    let mut plans: Vec<_> = std::fs::read_dir(root.join("plans"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "plan"))
        .collect();
    plans.sort();
    assert!(plans.len() >= 6);
    for path in plans {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let plan = common::cases::plan(&name);
        let network = plan
            .load_network(&common::cases::example_network_path(&name))
            .unwrap();
        let outcome = plan.run(&network).unwrap();
        let totals: Vec<String> = outcome
            .totals
            .per_bonus
            .iter()
            .map(|(b, t)| format!("{b}: {t:.2}"))
            .collect();
        let review = format!(
            "# {} ({})\n\n## payouts\n{}\n## members\n{}\n## totals\n{}\npaid: {:.2}\nbefore limit: {}\nlimit: {}\nlimit applied: {}\n",
            outcome.plan,
            outcome.currency,
            outcome.payouts_csv(),
            outcome.members_csv(),
            totals.join("\n"),
            outcome.totals.paid,
            outcome.totals.before_limit.normalize(),
            outcome.totals.limit.map_or("none".to_string(), |l| l.normalize().to_string()),
            outcome.totals.limit_applied,
        );
        insta::assert_snapshot!(name, review);
    }
}
