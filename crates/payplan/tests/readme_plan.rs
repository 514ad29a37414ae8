#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The plan shown at the top of the README compiles without warnings.

#[test]
fn the_readme_plan_compiles() {
    let readme = include_str!("../../../README.md");
    let start = readme.find("```text\n").unwrap() + "```text\n".len();
    let text = &readme[start..start + readme[start..].find("```").unwrap()];
    let plan = payplan::Plan::compile(text, "README.md").unwrap_or_else(|e| panic!("{e:?}"));
    assert!(plan.warnings().is_empty(), "{:?}", plan.warnings());
    assert_eq!(plan.bonuses().collect::<Vec<_>>(), ["unilevel"]);
}
