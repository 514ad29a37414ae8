#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[test]
fn every_plan_in_plans_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../plans");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "plan") {
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(e) = payplan_syntax::parse(&text) {
                panic!("{}: {e} at {:?}", path.display(), e.span().line_col(&text));
            }
            n += 1;
        }
    }
    assert!(n >= 6);
}
