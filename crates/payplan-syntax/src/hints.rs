//! Known mistakes behind a syntax error: those that get an error of their
//! own (a non-ASCII letter, an exponent, a second `pays`) and the help lines
//! of the others.

use rust_decimal::Decimal;

use crate::error::SyntaxError;
use crate::keywords::{self, Role};
use crate::lookalike::non_ascii;
use crate::parse_error::{quoted_keyword, statement_text, Token};
use crate::span::Span;
use crate::suggest::suggest;

/// The error of its own for a known mistake at `token`, if it is one.
pub(crate) fn special(source: &str, token: &Token<'_>, expected: &[&str]) -> Option<SyntaxError> {
    if let Some(text) = token.text {
        if let Some(error) = non_ascii(text, token.span.start) {
            return Some(error);
        }
    }
    if let Some(error) = exponent(source, token.span.start) {
        return Some(error);
    }
    if token.word() == "pays" && !expected.contains(&"`pays`") {
        if let Some(first) = bonus_pays(source, token.span.start) {
            return Some(SyntaxError::SecondPays {
                span: token.span,
                first,
            });
        }
    }
    None
}

/// The help line for an error at `token` in `source`; `before` is the
/// source before it.
pub(crate) fn help(
    source: &str,
    token: &Token<'_>,
    expected: &[&str],
    before: &str,
    starts_statement: bool,
) -> Option<String> {
    let word = token.word();
    if word == "," {
        if let Some(digits) = grouped_number(source, token.span.start) {
            return Some(format!(
                "numbers are written without thousands separators: write `{digits}`"
            ));
        }
    }
    if keywords::is_reserved(word) && expected.contains(&"a name") {
        return Some(format!(
            "`{word}` is a reserved word of the plan language; choose another name"
        ));
    }
    if before.ends_with(',') && (starts_statement || word == ")") {
        return Some("remove the `,` after the last item of the list".to_string());
    }
    if let Some(keyword) = misspelled_keyword(word, expected) {
        return Some(format!("did you mean `{keyword}`?"));
    }
    if expected.contains(&"`pays`") {
        return Some("a bonus is written `bonus NAME when CONDITION pays AMOUNT`".to_string());
    }
    if expected.contains(&"`:`") && word == "=" {
        return Some("table entries are written `bronze: 2`".to_string());
    }
    if token.text.is_none() && expected.contains(&"`else`") {
        return Some("an `if` needs both branches: `if CONDITION then A else B`".to_string());
    }
    quote_help(word, expected).or_else(|| token_help(word))
}

/// Help for a quote: strings are a plan's name, and nothing else.
fn quote_help(word: &str, expected: &[&str]) -> Option<String> {
    let plan_name = expected.contains(&"a quoted name");
    Some(match word {
        "\"" if plan_name => "a plan's name is closed with `\"` on the same line".to_string(),
        "'" if plan_name => "a plan's name is written in double quotes".to_string(),
        "\"" | "'" => {
            "only a plan's name is written in quotes (`plan \"Name\"`); remove the quotes"
                .to_string()
        }
        w if plan_name && is_word(w) => {
            format!("write the plan's name in double quotes: `plan \"{w}\"`")
        }
        _ => return None,
    })
}

/// Help for a token written as in another language.
fn token_help(word: &str) -> Option<String> {
    Some(match word {
        "==" => "compare with a single `=`".to_string(),
        "&&" => "write `and`".to_string(),
        "||" => "write `or`".to_string(),
        "!" => "write `not`, or `!=` for \"not equal\"".to_string(),
        ";" => "statements end at the line's end; remove the `;`".to_string(),
        w if w.ends_with('.') && w.starts_with(|c: char| c.is_ascii_digit()) => {
            "write numbers with digits and an optional fraction, such as `12.5`".to_string()
        }
        w if w.chars().all(char::is_control) && !w.is_empty() => {
            "remove this control character, which most editors do not show".to_string()
        }
        _ => return None,
    })
}

/// The keyword that `word` misspells, among those the grammar expected
/// (every statement keyword where a statement may start).
fn misspelled_keyword(word: &str, expected: &[&str]) -> Option<String> {
    if word.len() < 3 || !is_word(word) || keywords::keyword(word).is_some() {
        return None;
    }
    let mut candidates: Vec<&str> = expected
        .iter()
        .filter_map(|w| quoted_keyword(w).map(|k| k.word))
        .collect();
    if expected.contains(&statement_text()) {
        candidates.extend(keywords::statement_words());
    }
    suggest(word, candidates)
}

/// The number written in full when the comma at `pos` groups the digits
/// of one, as brochures print amounts: `8,016`, `1,60,016`, `12,500.50`
/// (a first group of 1 to 3 digits, then groups of 2 or 3, the last of 3).
fn grouped_number(source: &str, pos: usize) -> Option<String> {
    let head = source.get(..pos)?;
    let start = head
        .rfind(|c: char| !(c.is_ascii_digit() || c == ','))
        .map_or(0, |i| i + 1);
    let name_before = head
        .get(..start)
        .and_then(|b| b.chars().last())
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let tail = source.get(pos..)?;
    let end = pos
        + tail
            .find(|c: char| !(c.is_ascii_digit() || c == ','))
            .unwrap_or(tail.len());
    let text = source.get(start..end)?;
    let groups: Vec<&str> = text.split(',').collect();
    let (first, rest) = groups.split_first()?;
    let last = rest.last()?;
    let fits = !name_before
        && (1..=3).contains(&first.len())
        && rest.iter().all(|g| (2..=3).contains(&g.len()))
        && last.len() == 3;
    if !fits {
        return None;
    }
    let fraction = source
        .get(end..)
        .and_then(|r| r.strip_prefix('.'))
        .map(|r| {
            let digits = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            r.get(..digits).unwrap_or("")
        })
        .filter(|d| !d.is_empty())
        .map(|d| format!(".{d}"))
        .unwrap_or_default();
    Some(format!("{}{fraction}", groups.concat()))
}

/// Whether `text` is a name as the grammar reads one.
fn is_word(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A number with an exponent (`1e5`, `2.5E-3`) whose exponent starts at `pos`.
fn exponent(source: &str, pos: usize) -> Option<SyntaxError> {
    let head = source.get(..pos)?;
    let start = head
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    let mantissa = head.get(start..)?;
    let name_before = head
        .get(..start)
        .and_then(|b| b.chars().last())
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let well_formed = mantissa.starts_with(|c: char| c.is_ascii_digit())
        && !mantissa.ends_with('.')
        && mantissa.matches('.').count() <= 1;
    if !well_formed || name_before {
        return None;
    }
    let rest = source.get(pos..)?;
    let tail = rest.strip_prefix(['e', 'E'])?;
    let unsigned = tail.strip_prefix(['+', '-']).unwrap_or(tail);
    let digits = unsigned
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(unsigned.len());
    let after = unsigned.get(digits..).and_then(|r| r.chars().next());
    if digits == 0 || after.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let end = pos + (rest.len() - unsigned.len()) + digits;
    let exponent = source.get(pos + 1..end)?;
    Some(SyntaxError::Exponent {
        span: Span::new(start, end),
        text: source.get(start..end)?.to_string(),
        in_full: in_full(mantissa, exponent),
    })
}

/// `mantissa` times ten to `exponent`, in digits, when a plan can hold it.
fn in_full(mantissa: &str, exponent: &str) -> Option<String> {
    let exponent: i64 = exponent.trim_start_matches('+').parse().ok()?;
    if exponent.abs() > 40 {
        return None;
    }
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{int}{frac}");
    let point = i64::try_from(int.len()).ok()? + exponent;
    let len = i64::try_from(digits.len()).ok()?;
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(usize::try_from(-point).ok()?))
    } else if point >= len {
        format!("{digits}{}", "0".repeat(usize::try_from(point - len).ok()?))
    } else {
        let (a, b) = digits.split_at(usize::try_from(point).ok()?);
        format!("{a}.{b}")
    };
    let text = text.trim_start_matches('0');
    let text = if text.starts_with('.') || text.is_empty() {
        format!("0{text}")
    } else {
        text.to_string()
    };
    Decimal::from_str_exact(&text).ok().map(|_| text)
}

/// The first `pays` of the bonus that `pos` is in, if that bonus has one.
///
/// A statement starts at a reserved statement keyword, or at a contextual
/// one (`rank`, `currency`, `rounding`) that is the first word of its line.
fn bonus_pays(source: &str, pos: usize) -> Option<Span> {
    let mut in_bonus = false;
    let mut pays = None;
    for (start, word, first_on_line) in words(source.get(..pos)?) {
        let keyword = keywords::keyword(word);
        let starts =
            keyword.is_some_and(|k| k.role == Role::Statement && (k.reserved || first_on_line));
        if starts {
            in_bonus = word == "bonus";
            pays = None;
        } else if in_bonus && word == "pays" && pays.is_none() {
            pays = Some(Span::new(start, start + word.len()));
        }
    }
    pays.filter(|_| in_bonus)
}

/// The words of `source` outside comments and strings: where each starts,
/// the word, and whether it is the first of its line.
fn words(source: &str) -> impl Iterator<Item = (usize, &str, bool)> {
    let bytes = source.as_bytes();
    let mut i = 0;
    let mut line_has_word = false;
    std::iter::from_fn(move || {
        while let Some(&b) = bytes.get(i) {
            match b {
                b'\n' => line_has_word = false,
                b'#' | b'"' => {
                    let end = if b == b'#' { b"\n" as &[u8] } else { b"\"\n" };
                    i += 1;
                    while bytes.get(i).is_some_and(|c| !end.contains(c)) {
                        i += 1;
                    }
                    if bytes.get(i) == Some(&b'"') {
                        i += 1;
                    }
                    continue;
                }
                b if b.is_ascii_alphanumeric() || b == b'_' => {
                    let start = i;
                    while bytes
                        .get(i)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    {
                        i += 1;
                    }
                    let first = !line_has_word;
                    line_has_word = true;
                    return Some((start, source.get(start..i).unwrap_or(""), first));
                }
                _ => {}
            }
            i += 1;
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_full() {
        assert_eq!(in_full("1", "5").as_deref(), Some("100000"));
        assert_eq!(in_full("1.5", "3").as_deref(), Some("1500"));
        assert_eq!(in_full("2.5", "-3").as_deref(), Some("0.0025"));
        assert_eq!(in_full("12.25", "1").as_deref(), Some("122.5"));
        assert_eq!(in_full("1", "+2").as_deref(), Some("100"));
        assert_eq!(in_full("1", "400"), None);
        assert_eq!(in_full("1", "30"), None);
    }

    #[test]
    fn numbers_grouped_with_commas() {
        let at = |s: &str| grouped_number(s, s.find(',').unwrap_or(0));
        assert_eq!(at("gv >= 1,60,016").as_deref(), Some("160016"));
        assert_eq!(at("gv >= 8,016\n").as_deref(), Some("8016"));
        assert_eq!(at("cap 12,500.50 x").as_deref(), Some("12500.50"));
        assert_eq!(at("pv >= 1,5"), None);
        assert_eq!(at("min(a, 100)"), None);
        assert_eq!(at("x1,000"), None);
        assert_eq!(at("1.5,000"), None);
        assert_eq!(at("1,00"), None);
    }

    #[test]
    fn words_skip_comments_and_strings() {
        let text = "plan \"a pays\" # pays\nbonus b pays 1";
        let found: Vec<(usize, &str, bool)> = words(text).collect();
        assert_eq!(
            found,
            vec![
                (0, "plan", true),
                (21, "bonus", true),
                (27, "b", false),
                (29, "pays", false),
                (34, "1", false)
            ]
        );
    }
}
