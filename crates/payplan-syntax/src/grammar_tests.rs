//! The grammar (`grammar/plan.pest`) and the keyword list
//! ([`crate::keywords`]) say the same: the `keyword` rule lists exactly the
//! reserved words, there is a `kw_` rule for every other keyword, and the
//! words do in the grammar what their roles say.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use pest::Parser as _;

use crate::keywords::{Role, KEYWORDS};
use crate::parser::{rule_keyword, PlanParser, Rule};

const GRAMMAR: &str = include_str!("../../../grammar/plan.pest");

/// The text of the grammar's rule `name`, up to the next rule.
fn rule_text(name: &str) -> &'static str {
    let start = GRAMMAR
        .lines()
        .position(|l| l.split_whitespace().next() == Some(name) && l.contains('='))
        .unwrap_or_else(|| panic!("the grammar has no rule `{name}`"));
    let mut end = GRAMMAR.len();
    let mut offset = 0;
    for (i, line) in GRAMMAR.lines().enumerate() {
        if i > start && line.contains(" = ") && !line.starts_with(' ') {
            end = offset;
            break;
        }
        offset += line.len() + 1;
    }
    let begin: usize = GRAMMAR.lines().take(start).map(|l| l.len() + 1).sum();
    &GRAMMAR[begin..end]
}

/// The quoted words of a rule's text.
fn quoted_words(text: &str) -> BTreeSet<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()) && !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn words(filter: impl Fn(&crate::keywords::Keyword) -> bool) -> BTreeSet<String> {
    KEYWORDS
        .iter()
        .filter(|k| filter(k))
        .map(|k| k.word.to_string())
        .collect()
}

#[test]
fn the_keyword_rule_lists_exactly_the_reserved_words() {
    assert_eq!(quoted_words(rule_text("keyword")), words(|k| k.reserved));
}

#[test]
fn every_keyword_but_the_literals_has_a_kw_rule() {
    let kw_rules: BTreeSet<String> = GRAMMAR
        .lines()
        .filter_map(|l| l.strip_prefix("kw_"))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert_eq!(kw_rules, words(|k| k.role != Role::Literal));
    assert_eq!(
        quoted_words(rule_text("boolean")),
        words(|k| k.role == Role::Literal)
    );
    let mapped = Rule::all_rules()
        .iter()
        .filter(|r| format!("{r:?}").starts_with("kw_"))
        .filter(|&&r| rule_keyword(r).is_some())
        .count();
    assert_eq!(mapped, kw_rules.len());
}

/// Whether the grammar reads all of `text` as a name.
fn is_name(text: &str) -> bool {
    PlanParser::parse(Rule::name, text)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .is_some_and(|pair| pair.as_str() == text)
}

#[test]
fn reserved_words_are_refused_as_names_and_others_accepted() {
    for k in KEYWORDS {
        assert_eq!(is_name(k.word), !k.reserved, "`{}`", k.word);
    }
    for word in [
        "andy", "level2", "pays_out", "_if", "notable", "x", "bonuses", "counts", "at_", "active",
    ] {
        assert!(is_name(word), "`{word}`");
    }
}

/// Where a plan made of `text` alone fails to parse.
fn failure_at(text: &str) -> usize {
    match PlanParser::parse(Rule::plan_file, text) {
        Ok(_) => usize::MAX,
        Err(e) => match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        },
    }
}

#[test]
fn statement_keywords_and_only_they_start_a_statement() {
    for k in KEYWORDS {
        let starts = failure_at(&format!("{} ", k.word)) > 0;
        assert_eq!(starts, k.role == Role::Statement, "`{}`", k.word);
    }
}

/// The words that became contextual in language v2 name inputs and
/// definitions, and still do their work where the grammar expects them.
#[test]
fn contextual_words_name_values_and_keep_their_role() {
    let words = [
        "level",
        "levels",
        "generations",
        "compressed",
        "counting",
        "over",
        "where",
        "at",
        "div",
        "mod",
        "from",
        "most",
    ];
    for word in words {
        assert!(!crate::keywords::is_reserved(word), "`{word}`");
        let text = format!(
            "input {word}: count\n\
             let x = {word} + 1\n\
             let y = sum({word} over levels 1..2 compressed by {word} > 0 where {word} > 1 at 5%, 3%)\n\
             let z = sum({word} over generations 1..{word} counting {word} > 0)\n\
             let w = count(level 2 where {word} > 0)\n\
             let v = {word} div {word} mod {word}\n\
             bonus b pays differential({word}, {word}, from level 1)\n"
        );
        let plan = crate::parse(&text);
        assert!(plan.is_ok(), "`{word}`: {plan:?}");
        // `div` and `mod` stay operators between names, of `*`'s precedence,
        // grouping from the left.
        use crate::ast::{BinaryOp, ExprKind, Statement};
        let v = plan.ok().and_then(|p| {
            p.statements.into_iter().find_map(|s| match s {
                Statement::Let(d) if d.name.name == "v" => Some(d.expr),
                _ => None,
            })
        });
        let ExprKind::Binary(BinaryOp::Mod, left, _) = v.map(|e| e.kind).unwrap() else {
            panic!("`{word}`: not a `mod`");
        };
        assert!(
            matches!(left.kind, ExprKind::Binary(BinaryOp::WholeDiv, ..)),
            "`{word}`"
        );
    }
}
