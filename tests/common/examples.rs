//! The example plans of `plans/examples/`, and those among them written in
//! language features not merged yet.

use std::path::PathBuf;

/// An example plan written in a language feature not merged yet.
pub struct Pending {
    /// The plan's file stem in `plans/examples/`.
    pub plan: &'static str,
    /// The feature it waits for, and the branch that builds it.
    pub feature: &'static str,
    /// Text of the plan line where checking stops today: the place that
    /// uses the feature.
    pub fails_at: &'static str,
}

/// Example plans that use a language feature still being built.
/// tests/example_plans.rs asks that each of them still FAILS to check, at
/// the line that uses the feature: when the feature lands, that test fails
/// and says to remove the plan from this list, after which the plan must
/// pass its own tests and gets a payout snapshot like the others.
pub const PENDING: &[Pending] = &[Pending {
    plan: "hbn_binary_cycles",
    feature: "`div` and `mod` (whole-number arithmetic, branch v2-whole)",
    fails_at: "weaker_leg div 200",
}];

/// `plans/examples/`.
pub fn dir() -> PathBuf {
    super::cases::root().join("plans/examples")
}

/// The stems of every `.plan` file in `plans/examples/`, sorted.
pub fn names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "plan"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}

/// The entry of `name` in [`PENDING`], or `None` when it must pass.
pub fn pending(name: &str) -> Option<&'static Pending> {
    PENDING.iter().find(|p| p.plan == name)
}
