#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The messages of syntax errors for mistakes that testers made: what they
//! say, where they point, and that they echo the author's text safely.

use payplan_syntax::{parse, SyntaxError, ToDiagnostic};

const HEADER: &str = "plan \"x\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\n";

fn error(body: &str) -> SyntaxError {
    parse(&format!("{HEADER}{body}")).unwrap_err()
}

/// The message and the help line.
fn texts(body: &str) -> (String, String) {
    let d = error(body).to_diagnostic();
    (d.message, d.help.unwrap_or_default())
}

#[test]
fn misspelled_keywords_get_a_suggestion() {
    for (body, word) in [
        ("bonuss b pays 1\n", "bonus"),
        ("lets a = 1\n", "let"),
        ("inptu cv: money\n", "input"),
        ("roundin 2 half_up\n", "rounding"),
        ("bonus b when pv > 1 pay 1\n", "pays"),
    ] {
        let (_, help) = texts(body);
        assert_eq!(help, format!("did you mean `{word}`?"), "{body}");
    }
}

#[test]
fn every_statement_keyword_is_listed_where_a_statement_may_start() {
    let (message, _) = texts("let a = 1;\n");
    for word in payplan_syntax::keywords::statement_words() {
        assert!(message.contains(&format!("`{word}`")), "{message}");
    }
    assert!(
        message.contains("`currency`, `rounding`, `uses`"),
        "{message}"
    );
}

#[test]
fn exponents_are_refused_with_the_number_in_full() {
    for (number, full) in [
        ("1e5", Some("100000")),
        ("1.5e3", Some("1500")),
        ("2E-3", Some("0.002")),
        ("7e+2", Some("700")),
        ("1e400", None),
    ] {
        let e = error(&format!("let a = pv * {number}\nbonus b pays 1\n"));
        match e {
            SyntaxError::Exponent {
                text,
                in_full,
                span,
                ..
            } => {
                assert_eq!(text, number);
                assert_eq!(in_full.as_deref(), full);
                assert_eq!(span.end - span.start, number.len());
            }
            other => panic!("{number}: {other:?}"),
        }
    }
    // A name that holds an `e` is no exponent.
    assert!(!matches!(
        error("let a = 5 each\n"),
        SyntaxError::Exponent { .. }
    ));
}

#[test]
fn a_second_pays_points_at_the_first() {
    for body in [
        "bonus b\n  pays 1\n  cap 5\n  pays 2\n",
        "bonus b when by rank { } > 0 pays 1 pays 2\n",
    ] {
        match error(body) {
            SyntaxError::SecondPays { span, first } => {
                let source = format!("{HEADER}{body}");
                assert_eq!(&source[span.start..span.end], "pays");
                assert_eq!(first.start, source.find("pays 1").unwrap());
            }
            other => panic!("{body}: {other:?}"),
        }
    }
    // A `pays` after another statement is not a second one.
    assert!(matches!(
        error("let a = 1 pays 2\n"),
        SyntaxError::Unexpected { .. }
    ));
}

#[test]
fn non_ascii_letters_are_named_with_their_code_point() {
    for (body, shown, code, ascii) in [
        ("let аctive = 1\n", "а", "U+0430", Some("a")),
        ("let actіve = 1\n", "і", "U+0456", Some("i")),
        ("let x = 1\nbonus b pays x ≥ 1\n", "≥", "U+2265", Some(">=")),
        ("let naïve = 1\n", "ï", "U+00EF", None),
    ] {
        let e = error(body);
        let message = e.to_string();
        assert!(
            message.contains(&format!("`{shown}` ({code})")),
            "{message}"
        );
        match (&e, ascii) {
            (SyntaxError::NonAscii { look_alike, .. }, Some(ascii)) => {
                assert_eq!(look_alike.map(|l| l.ascii), Some(ascii), "{body}");
            }
            (SyntaxError::NonAscii { look_alike, .. }, None) => assert!(look_alike.is_none()),
            _ => panic!("{body}: {e:?}"),
        }
    }
}

#[test]
fn quote_help_fits_the_place() {
    assert_eq!(
        texts("plan \"x\n").1,
        "a plan's name is closed with `\"` on the same line"
    );
    let source = "plan \"x\"\ncurrency \"USD\"\n";
    let help = parse(source).unwrap_err().to_diagnostic().help.unwrap();
    assert!(
        help.contains("only a plan's name is written in quotes"),
        "{help}"
    );
    let (_, help) = texts("let a = \"b\n");
    assert!(
        help.contains("only a plan's name is written in quotes"),
        "{help}"
    );
    let help = parse("plan Retail\n")
        .unwrap_err()
        .to_diagnostic()
        .help
        .unwrap();
    assert_eq!(
        help,
        "write the plan's name in double quotes: `plan \"Retail\"`"
    );
}

#[test]
fn echoed_text_is_short_and_escaped() {
    let long = "y".repeat(1 << 20);
    let message = error(&format!("let a = pv {long}\n")).to_string();
    assert!(message.len() < 400, "{} bytes", message.len());
    assert!(
        message.ends_with(&format!("`{}…`", "y".repeat(40))),
        "{message}"
    );

    let e = error("let a = pv\0\n");
    let message = e.to_string();
    assert!(message.ends_with("found `\\0`"), "{message}");
    assert!(!message.contains('\0'));
    let help = e.help().unwrap();
    assert!(help.contains("control character"), "{help}");

    let digits = "9".repeat(100_000);
    let message = error(&format!("let a = {digits}\n")).to_string();
    assert!(message.len() < 200, "{message}");
}
