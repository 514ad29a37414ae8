//! Refusing statements too deeply nested or too long, before pest sees them.

use crate::error::SyntaxError;
use crate::keywords::{has_role, is_reserved, Role};
use crate::span::Span;

/// How deeply brackets and `if`s may nest in one statement; deeper input is
/// refused before pest sees it, so that no stage recurses without bound.
pub const MAX_NESTING: usize = 48;

/// How many operators (and list commas) one statement may chain.
pub const MAX_OPERATORS: usize = 400;

/// Refuses statements whose expressions would nest deeper than
/// [`MAX_NESTING`] (brackets, `if`s and runs of `not`/`-`) or chain more than
/// [`MAX_OPERATORS`] operators, before pest sees them: no later stage then
/// recurses without bound.
pub(crate) fn check_nesting(source: &str) -> Result<(), SyntaxError> {
    let mut depth: usize = 0;
    let mut ifs: usize = 0;
    let mut prefix_run: usize = 0;
    let mut operators: usize = 0;
    let mut in_comment = false;
    let mut in_string = false;
    let bytes = source.as_bytes();
    let mut word_start: Option<usize> = None;
    let too_deep = |start: usize, end: usize| SyntaxError::TooDeep {
        span: Span::new(start, end),
        limit: MAX_NESTING,
    };
    for (i, &b) in bytes.iter().enumerate() {
        if in_comment {
            in_comment = b != b'\n';
            continue;
        }
        if in_string {
            in_string = b != b'"' && b != b'\n';
            continue;
        }
        let is_word = b.is_ascii_alphanumeric() || b == b'_';
        if is_word {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            let word = source.get(start..i).unwrap_or("");
            match word {
                "if" => {
                    ifs += 1;
                    prefix_run = 0;
                }
                w if has_role(w, Role::Prefix) => prefix_run += 1,
                w if has_role(w, Role::Infix) => {
                    operators += 1;
                    prefix_run = 0;
                }
                // A new statement starts the counts again.
                w if starts_statement(source, w, i) => {
                    ifs = 0;
                    operators = 0;
                    prefix_run = 0;
                }
                _ => prefix_run = 0,
            }
            if depth + ifs + prefix_run > MAX_NESTING {
                return Err(too_deep(start, i));
            }
        }
        match b {
            b'#' => in_comment = true,
            b'"' => in_string = true,
            b'(' | b'{' => {
                depth += 1;
                prefix_run = 0;
            }
            b')' | b'}' => depth = depth.saturating_sub(1),
            b'-' => {
                prefix_run += 1;
                operators += 1;
            }
            b'+' | b'*' | b'/' | b'<' | b'>' | b'=' | b',' => {
                operators += 1;
                prefix_run = 0;
            }
            _ => {}
        }
        if depth + ifs + prefix_run > MAX_NESTING {
            return Err(too_deep(i, i + 1));
        }
        if operators > MAX_OPERATORS {
            return Err(SyntaxError::TooLong {
                span: Span::new(i, i + 1),
                limit: MAX_OPERATORS,
            });
        }
    }
    Ok(())
}

/// Whether `word`, ending at byte `end`, is where pest starts a new
/// statement or stops: only there may the counts start again, or an
/// expression could nest past the limit. A reserved statement keyword
/// (`let`, `bonus`...) is never part of an expression. A contextual one
/// (`rank`, `currency`, `rounding`) also names things in expressions
/// (`rank >= silver`, `by rank`); it ends the statement before it only when
/// a name or a number follows it, since in an expression none follows a
/// value directly (line breaks are white space: the line does not matter).
fn starts_statement(source: &str, word: &str, end: usize) -> bool {
    if !has_role(word, Role::Statement) {
        return false;
    }
    if is_reserved(word) {
        return true;
    }
    let next = next_word(source, end);
    !next.is_empty() && !is_reserved(next)
}

/// The word (name or number) that starts the next token after byte `at`,
/// past white space and comments; empty when the next token is not one.
fn next_word(source: &str, at: usize) -> &str {
    let rest = source.get(at..).unwrap_or("");
    let mut bytes = rest.bytes().enumerate();
    while let Some((i, b)) = bytes.next() {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => {}
            // A comment runs to the end of its line.
            b'#' => {
                for (_, c) in bytes.by_ref() {
                    if c == b'\n' {
                        break;
                    }
                }
            }
            _ => {
                let len = rest
                    .get(i..)
                    .unwrap_or("")
                    .bytes()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    .count();
                return rest.get(i..i + len).unwrap_or("");
            }
        }
    }
    ""
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::error::SyntaxError;
    use crate::parser::parse;

    const HEADER: &str = "plan \"x\"\ncurrency USD\nrounding 2 half_even\ninput pv: volume\n\
                          rank bronze when pv >= 100\n";

    /// `parse` on a thread with a small stack: the nesting guard must stop
    /// deep input before pest or the AST builder recurse into it.
    fn parse_on_small_stack(text: String) -> Result<usize, SyntaxError> {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || parse(&text).map(|ast| ast.statements.len()))
            .expect("a thread starts")
            .join()
            .expect("parsing does not panic")
    }

    fn plan_with(expr: &str) -> String {
        format!("{HEADER}let x = {expr}\nbonus b pays x\n")
    }

    /// `rank`, `currency` and `rounding` also name things in expressions:
    /// there they do not start a statement, nor the counts again.
    #[test]
    fn statement_words_inside_an_expression_do_not_reset_its_depth() {
        for opening in [
            "if rank >= bronze then ",
            "if currency > 0 then ",
            "if rounding > 0 then ",
            "if by rank { none: true, bronze: rank >= bronze } then ",
            "if rank\n>= bronze then ",
            "if rank # a comment\n >= bronze then ",
        ] {
            let expr = format!("{}1{}", opening.repeat(10_000), " else 0".repeat(10_000));
            let e = parse_on_small_stack(plan_with(&expr)).unwrap_err();
            assert!(matches!(e, SyntaxError::TooDeep { .. }), "{opening}: {e:?}");
        }
    }

    #[test]
    fn statement_words_inside_an_operator_chain_do_not_reset_its_length() {
        let expr = format!("{}true", "rank >= bronze and ".repeat(100_000));
        let e = parse_on_small_stack(plan_with(&expr)).unwrap_err();
        assert!(matches!(e, SyntaxError::TooLong { .. }), "{e:?}");
    }

    /// Every statement starts the counts again, however its keyword is
    /// spelled out: many statements of a few `if`s each parse.
    #[test]
    fn each_statement_counts_afresh() {
        let mut text = HEADER.to_string();
        let nested = "if pv > 1 then if pv > 2 then 1 else 2 else 3";
        for i in 0..200 {
            text.push_str(&format!("let l{i} = {nested}\n"));
            text.push_str(&format!("rank r{i} when {nested} > 1\n"));
            text.push_str(&format!("rank # a comment\n  s{i} when {nested} > 1\n"));
            text.push_str(&format!("currency c{i}\nrounding 2 half_even\n"));
        }
        text.push_str("rank rank when rank >= bronze and pv > 0\nbonus b pays 1\n");
        assert_eq!(parse_on_small_stack(text).unwrap(), 5 + 200 * 5 + 2);
    }
}
