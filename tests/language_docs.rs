//! Every ```plan example of docs/language.md compiles, and every example
//! marked `# refused` is refused: the reference cannot drift from the language.

mod common;

/// Completes a fragment into a plan: a header, the usual inputs and a bonus
/// where the example leaves them out.
fn complete(block: &str) -> String {
    let has = |needle: &str| block.lines().any(|l| l.trim_start().starts_with(needle));
    let mut text = String::new();
    if !block.contains("plan \"") {
        text.push_str("plan \"doc\"\ncurrency USD\nrounding 2 half_even\n");
    }
    if !has("input pv") {
        text.push_str("input pv: volume\n");
    }
    if !has("input cv") {
        text.push_str("input cv: money\n");
    }
    let words_new = block
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|w| w == "new");
    if words_new && !has("input new") {
        text.push_str("input new: bool, default false\n");
    }
    text.push_str(block);
    if !has("bonus ") {
        text.push_str("\nbonus doc_example pays 0\n");
    }
    text
}

#[test]
fn every_example_in_the_language_reference_behaves_as_it_says() {
    let doc = std::fs::read_to_string(common::cases::root().join("docs/language.md")).unwrap();
    let mut blocks = Vec::new();
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```plan\n") {
        let body = &rest[start + "```plan\n".len()..];
        let end = body.find("```").unwrap();
        blocks.push(&body[..end]);
        rest = &body[end + 3..];
    }
    assert!(blocks.len() >= 30, "found {} examples", blocks.len());
    let mut wrong = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let refused = block.starts_with("# refused");
        let result = payplan::Plan::compile(&complete(block), "example.plan");
        if result.is_ok() == refused {
            wrong.push(format!(
                "example {} ({}): {:?}",
                i + 1,
                block.lines().next().unwrap_or(""),
                result.err()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
