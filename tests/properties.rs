//! Properties of random plans on random networks (the generator is
//! tests/common/planfuzz/, shared with the `compile_eval` fuzz target):
//! nothing panics from compile to explain, and where the run succeeds, every
//! member's explanation pays exactly what the run pays it.
//!
//! The cases are lists of choices that proptest shrinks, so a failure is
//! reported as a short plan on a small network. `PROPTEST_CASES=100000 cargo
//! test --release --test properties` searches longer.

#[path = "common/planfuzz/mod.rs"]
mod planfuzz;

use planfuzz::{case, case_apart, exercise, Reached, Seeded, Words};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

/// Members in a generated network: enough for trees several levels deep,
/// few enough to explain every member.
const MEMBERS: u32 = 14;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4096,
        // Failures are kept in tests/properties.proptest-regressions and
        // tried first on the next run: commit that file.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn explanations_pay_what_the_run_pays(
        plan in prop::collection::vec(any::<u32>(), 0..400),
        network in prop::collection::vec(any::<u32>(), 0..300),
    ) {
        let case = case_apart(&mut Words::new(&plan), &mut Words::new(&network), MEMBERS);
        if let Err(disagreement) = exercise(&case, true) {
            prop_assert!(false, "{disagreement}\n{case:?}");
        }
    }
}

/// The property above means something only if most random plans compile and
/// a good share run: the generator must keep to the language. (About a
/// fifth fail to evaluate on purpose: 28-digit values make products that
/// cannot be computed exactly, which the engine refuses.)
#[test]
fn most_generated_plans_compile_and_run() {
    let mut reached = [0usize; 4];
    let samples = 400;
    for seed in 0..samples {
        let case = case(&mut Seeded(seed), MEMBERS, 3);
        let outcome = exercise(&case, false).unwrap_or_else(|e| panic!("{e}\n{case:?}"));
        let slot = match outcome {
            Reached::Refused => 0,
            Reached::Compiled => 1,
            Reached::Loaded => 2,
            Reached::Evaluated => 3,
        };
        reached[slot] += 1;
    }
    let [refused, compiled, loaded, evaluated] = reached;
    let summary = format!(
        "of {samples} plans: {refused} refused, {compiled} with the network refused, \
         {loaded} failed to evaluate, {evaluated} evaluated"
    );
    println!("{summary}");
    assert!(refused * 3 < samples as usize, "{summary}");
    assert!(evaluated * 5 > samples as usize * 2, "{summary}");
}
