//! A pest error as a [`SyntaxError`] in the plan author's words: what was
//! expected, what was found, and a help line where the mistake is a known one.

use std::sync::OnceLock;

use pest::error::{ErrorVariant, InputLocation};

use crate::echo::code;
use crate::error::SyntaxError;
use crate::hints;
use crate::keywords::{self, Keyword, Role, KEYWORDS};
use crate::parser::{rule_keyword, Rule};
use crate::span::Span;

/// The token an error is at, as the author wrote it.
pub(crate) struct Token<'s> {
    /// `None` at the end of the file.
    pub(crate) text: Option<&'s str>,
    pub(crate) span: Span,
}

impl Token<'_> {
    /// The token for "found ..." messages.
    fn found(&self) -> String {
        match self.text {
            Some(text) => code(text),
            None => "the end of the file".to_string(),
        }
    }

    pub(crate) fn word(&self) -> &str {
        self.text.unwrap_or("")
    }
}

pub(crate) fn convert_error(source: &str, error: &pest::error::Error<Rule>) -> SyntaxError {
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { message } => {
            return SyntaxError::TooComplex {
                span: Span::new(pos, pos),
                detail: message.clone(),
            };
        }
    };
    let expected = expected(positives);
    let token = token_at(source, pos);
    if let Some(special) = hints::special(source, &token, &expected) {
        return special;
    }
    let before = source.get(..token.span.start).unwrap_or("").trim_end();
    let starts_statement = token.text.is_none() || is_statement_keyword(token.word());
    let mut note = None;
    if expected.iter().any(|w| *w == "`)`" || *w == "`}`") {
        if let Some(open) = unclosed_bracket(source, token.span.start) {
            note = Some(Box::new((open, "this bracket is not closed".to_string())));
        }
    }
    if note.is_none() && starts_statement && expected.contains(&"an expression") {
        if let Some(last) = before.char_indices().last() {
            let at = Span::new(last.0, last.0 + last.1.len_utf8());
            note = Some(Box::new((at, "a value is missing after this".to_string())));
        }
    }
    SyntaxError::Unexpected {
        span: token.span,
        found: token.found(),
        expected: join_or(&expected),
        help: hints::help(source, &token, &expected, before, starts_statement),
        note,
    }
}

/// What the grammar expected, in the author's words, without repeats or
/// noise, punctuation first.
fn expected(positives: &[Rule]) -> Vec<&'static str> {
    let mut expected: Vec<&'static str> = Vec::new();
    for &rule in positives {
        if let Some(word) = describe_rule(rule) {
            if !expected.contains(&word) {
                expected.push(word);
            }
        }
    }
    // Where an operator may follow, the keywords that continue an
    // expression or an aggregate are noise.
    if expected.len() > 1 && expected.contains(&"an operator") {
        expected.retain(|w| !quoted_has_role(w, &[Role::Infix, Role::Prefix, Role::Tail]));
    }
    // Whatever can start an expression is covered by "an expression"; a `(`
    // after a name (a call) by "an operator".
    if expected.contains(&"an expression") {
        expected.retain(|w| {
            !matches!(*w, "`(`" | "a number" | "`true` or `false`" | "a name")
                && !quoted_has_role(w, &[Role::ExprStart, Role::Prefix])
        });
    }
    if expected.contains(&"an operator") {
        expected.retain(|w| *w != "`(`");
    }
    // Any statement keyword means "a new statement may start here"; so may
    // the end of the file.
    let statement = statement_text();
    if expected
        .iter()
        .any(|w| is_statement_keyword(w) || *w == statement)
    {
        expected.retain(|w| !is_statement_keyword(w) && *w != "the end of the file");
        if !expected.contains(&statement) {
            expected.push(statement);
        }
    }
    expected.sort_by_key(|w| usize::from(!(w.len() <= 4 && w.starts_with('`'))));
    expected
}

/// "a statement (`plan`, `currency`, ...)", from the keyword list.
pub(crate) fn statement_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let words: Vec<String> = keywords::statement_words()
            .map(|w| format!("`{w}`"))
            .collect();
        format!("a statement ({})", words.join(", "))
    })
}

/// A keyword in backticks, as expectation lists show it.
fn quoted(keyword: &Keyword) -> &'static str {
    static QUOTED: OnceLock<Vec<String>> = OnceLock::new();
    let all = QUOTED.get_or_init(|| KEYWORDS.iter().map(|k| format!("`{}`", k.word)).collect());
    KEYWORDS
        .iter()
        .position(|k| k.word == keyword.word)
        .and_then(|i| all.get(i))
        .map_or("a keyword", String::as_str)
}

/// The keyword a `` `word` `` of an expectation list names.
pub(crate) fn quoted_keyword(text: &str) -> Option<&'static Keyword> {
    let word = text.strip_prefix('`')?.strip_suffix('`')?;
    keywords::keyword(word)
}

fn quoted_has_role(text: &str, roles: &[Role]) -> bool {
    quoted_keyword(text).is_some_and(|k| roles.contains(&k.role))
}

/// Whether `word` (bare or in backticks) starts a statement.
pub(crate) fn is_statement_keyword(word: &str) -> bool {
    let bare = word.trim_matches('`');
    keywords::has_role(bare, Role::Statement)
}

/// The words a plan author knows for what the grammar expected.
fn describe_rule(rule: Rule) -> Option<&'static str> {
    if let Some(k) = rule_keyword(rule) {
        return Some(quoted(k));
    }
    Some(match rule {
        Rule::EOI => "the end of the file",
        Rule::name => "a name",
        Rule::type_name => "a type (`volume`, `money`, `percent`, `count` or `bool`)",
        Rule::string => "a quoted name",
        Rule::integer => "a whole number",
        Rule::number | Rule::percent | Rule::literal | Rule::neg_sign => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::expr
        | Rule::if_expr
        | Rule::rank_table
        | Rule::count_call
        | Rule::call
        | Rule::within_expr
        | Rule::my_expr
        | Rule::op_not
        | Rule::op_neg => "an expression",
        Rule::op_or
        | Rule::op_and
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_lt
        | Rule::op_le
        | Rule::op_gt
        | Rule::op_ge
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div
        | Rule::op_of => "an operator",
        Rule::relation | Rule::levels_rel | Rule::generations_rel => {
            "a relation such as `children` or `downline`"
        }
        Rule::bound => "a level number",
        Rule::table_entry => "a rank name",
        Rule::plan_decl
        | Rule::currency_decl
        | Rule::rounding_decl
        | Rule::uses_decl
        | Rule::input_decl
        | Rule::let_decl
        | Rule::rank_decl
        | Rule::bonus_decl
        | Rule::limit_decl
        | Rule::export_decl => statement_text(),
        Rule::where_clause => first_word(Rule::kw_where),
        Rule::at_clause => first_word(Rule::kw_at),
        Rule::compressed => first_word(Rule::kw_compressed),
        Rule::default_option => first_word(Rule::kw_default),
        Rule::when_clause => first_word(Rule::kw_when),
        Rule::pays_clause => first_word(Rule::kw_pays),
        Rule::cap_clause => first_word(Rule::kw_cap),
        Rule::minimum_option => "`at least`",
        Rule::maximum_option => "`at most`",
        Rule::from_level => "`from level`",
        _ => return punctuation(rule),
    })
}

/// A clause by the keyword it starts with.
fn first_word(keyword_rule: Rule) -> &'static str {
    rule_keyword(keyword_rule).map_or("a keyword", quoted)
}

/// A punctuation rule's token, in backticks.
pub(crate) fn punctuation(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::open_paren => "`(`",
        Rule::close_paren => "`)`",
        Rule::open_brace => "`{`",
        Rule::close_brace => "`}`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::assign => "`=`",
        Rule::dots => "`..`",
        _ => return None,
    })
}

/// The token at `pos` as the author wrote it, for "found ..." messages.
fn token_at(source: &str, pos: usize) -> Token<'_> {
    let rest = source.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        // Point at the end of the last line with text, not past the file.
        let end = source.trim_end().len();
        return Token {
            text: None,
            span: Span::new(end, end),
        };
    };
    let prev = source.get(..pos).and_then(|b| b.chars().last());
    let slice = |start: usize, end: usize| Token {
        text: source.get(start..end),
        span: Span::new(start, end),
    };
    // `a == b` fails at the second `=`; `5.` fails at the point.
    if first == '=' && prev == Some('=') {
        return slice(pos - 1, pos + 1);
    }
    if first == '.' && prev.is_some_and(|c| c.is_ascii_digit()) {
        let start = source
            .get(..pos)
            .and_then(|b| b.rfind(|c: char| !c.is_ascii_digit()).map(|i| i + 1))
            .unwrap_or(0);
        return slice(start, pos + 1);
    }
    let len = if first.is_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else {
        let two = rest.get(..2).unwrap_or("");
        if ["==", "&&", "||", "<=", ">=", "!=", ".."].contains(&two) {
            2
        } else {
            first.len_utf8()
        }
    };
    slice(pos, pos + len)
}

/// The innermost bracket opened before `pos` and not closed by then.
fn unclosed_bracket(source: &str, pos: usize) -> Option<Span> {
    let mut open: Vec<usize> = Vec::new();
    let (mut in_comment, mut in_string) = (false, false);
    for (i, b) in source.bytes().enumerate().take(pos) {
        if in_comment {
            in_comment = b != b'\n';
        } else if in_string {
            in_string = b != b'"' && b != b'\n';
        } else {
            match b {
                b'#' => in_comment = true,
                b'"' => in_string = true,
                b'(' | b'{' => open.push(i),
                b')' | b'}' => {
                    open.pop();
                }
                _ => {}
            }
        }
    }
    open.last().map(|&i| Span::new(i, i + 1))
}

fn join_or(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}
