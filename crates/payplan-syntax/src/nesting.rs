//! Refusing statements too deeply nested or too long, before pest sees them.

use crate::error::SyntaxError;
use crate::keywords::{has_role, Role};
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
                w if has_role(w, Role::Statement) => {
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
