//! pest to AST: the only module that sees pest.

use std::str::FromStr;
use std::sync::OnceLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use rust_decimal::Decimal;

use crate::ast::*;
use crate::error::SyntaxError;
use crate::span::{Ident, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/plan.pest"]
struct PlanParser;

/// How deeply brackets and `if`s may nest in one statement; deeper input is
/// refused before pest sees it, so that no stage recurses without bound.
pub const MAX_NESTING: usize = 48;

/// How many operators (and list commas) one statement may chain.
pub const MAX_OPERATORS: usize = 400;

/// Upper bound on pest's rule calls, against pathological backtracking.
const CALL_LIMIT: usize = 50_000_000;

/// Parses a plan's source text into its AST.
pub fn parse(source: &str) -> Result<PlanAst, SyntaxError> {
    check_nesting(source)?;
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let mut pairs =
        PlanParser::parse(Rule::plan_file, source).map_err(|e| convert_error(source, &e))?;
    let file = pairs.next().ok_or_else(|| SyntaxError::Unexpected {
        span: Span::new(0, 0),
        found: "the end of the file".into(),
        expected: "a statement".into(),
        help: None,
        note: None,
    })?;
    let mut statements = Vec::new();
    for pair in file.into_inner() {
        if pair.as_rule() == Rule::EOI {
            break;
        }
        statements.push(statement(pair)?);
    }
    Ok(PlanAst { statements })
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

fn ident(pair: Pair<'_, Rule>) -> Ident {
    Ident {
        name: pair.as_str().to_string(),
        span: span_of(&pair),
    }
}

/// Skips keyword tokens, which carry no information once matched.
fn meaningful<'a>(pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
    pair.into_inner().filter(|p| !is_keyword_rule(p.as_rule()))
}

fn is_keyword_rule(rule: Rule) -> bool {
    keyword_text(rule).is_some()
}

fn statement(pair: Pair<'_, Rule>) -> Result<Statement, SyntaxError> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut inner = meaningful(pair).collect::<Vec<_>>().into_iter();
    let mut take = || inner.next().ok_or(SyntaxError::Internal { span });
    Ok(match rule {
        Rule::plan_decl => {
            let s = take()?;
            let text = s.as_str();
            let name = text
                .get(1..text.len().saturating_sub(1))
                .unwrap_or("")
                .to_string();
            Statement::Plan { name, span }
        }
        Rule::currency_decl => Statement::Currency {
            code: ident(take()?),
            span,
        },
        Rule::rounding_decl => {
            let places_pair = take()?;
            let places_span = span_of(&places_pair);
            let places =
                places_pair
                    .as_str()
                    .parse::<u32>()
                    .map_err(|_| SyntaxError::BadNumber {
                        span: places_span,
                        text: places_pair.as_str().to_string(),
                    })?;
            Statement::Rounding {
                places,
                places_span,
                mode: ident(take()?),
                span,
            }
        }
        Rule::uses_decl => Statement::UsesPlacement { span },
        Rule::input_decl => {
            let name = ident(take()?);
            let ty = ident(take()?);
            let mut default = None;
            let mut minimum = None;
            for option in inner.by_ref() {
                let option_span = span_of(&option);
                let lit = meaningful(option.clone())
                    .next()
                    .ok_or(SyntaxError::Internal { span: option_span })?;
                let lit = literal(lit)?;
                match option.as_rule() {
                    Rule::default_option => default = Some(lit),
                    _ => minimum = Some(lit),
                }
            }
            Statement::Input(InputDecl {
                name,
                ty,
                default,
                minimum,
                span,
            })
        }
        Rule::let_decl => Statement::Let(LetDecl {
            name: ident(take()?),
            expr: expr(take()?)?,
            span,
        }),
        Rule::rank_decl => Statement::Rank(RankDecl {
            name: ident(take()?),
            requirement: expr(take()?)?,
            span,
        }),
        Rule::bonus_decl => {
            let name = ident(take()?);
            let mut qualification = None;
            let mut amount = None;
            let mut cap = None;
            for clause in inner.by_ref() {
                let clause_span = span_of(&clause);
                let rule = clause.as_rule();
                let e = meaningful(clause)
                    .next()
                    .ok_or(SyntaxError::Internal { span: clause_span })?;
                let e = expr(e)?;
                match rule {
                    Rule::when_clause => qualification = Some(e),
                    Rule::pays_clause => amount = Some(e),
                    _ => cap = Some(e),
                }
            }
            let amount = amount.ok_or(SyntaxError::Internal { span })?;
            Statement::Bonus(BonusDecl {
                name,
                qualification,
                amount,
                cap,
                span,
            })
        }
        Rule::limit_decl => Statement::Limit {
            expr: expr(take()?)?,
            span,
        },
        Rule::export_decl => {
            let name = ident(take()?);
            let e = match inner.next() {
                Some(p) => Some(expr(p)?),
                None => None,
            };
            Statement::Export(ExportDecl {
                name,
                expr: e,
                span,
            })
        }
        _ => return Err(SyntaxError::Internal { span }),
    })
}

fn literal(pair: Pair<'_, Rule>) -> Result<Literal, SyntaxError> {
    let span = span_of(&pair);
    let mut negative = false;
    let mut value = None;
    for p in pair.into_inner() {
        match p.as_rule() {
            Rule::neg_sign => negative = true,
            Rule::number => value = Some(LiteralValue::Number(decimal(&p)?)),
            Rule::percent => value = Some(LiteralValue::Percent(percent(&p)?)),
            Rule::boolean => value = Some(LiteralValue::Bool(p.as_str() == "true")),
            _ => {}
        }
    }
    let value = match value.ok_or(SyntaxError::Internal { span })? {
        LiteralValue::Number(d) if negative => LiteralValue::Number(-d),
        LiteralValue::Percent(d) if negative => LiteralValue::Percent(-d),
        v => v,
    };
    Ok(Literal { value, span })
}

fn decimal(pair: &Pair<'_, Rule>) -> Result<Decimal, SyntaxError> {
    let text = pair.as_str();
    Decimal::from_str_exact(text).map_err(|_| SyntaxError::BadNumber {
        span: span_of(pair),
        text: text.to_string(),
    })
}

fn percent(pair: &Pair<'_, Rule>) -> Result<Decimal, SyntaxError> {
    let text = pair.as_str();
    let digits = text.trim_end_matches('%');
    let bad = || SyntaxError::BadNumber {
        span: span_of(pair),
        text: text.to_string(),
    };
    let d = Decimal::from_str_exact(digits).map_err(|_| bad())?;
    d.checked_div(Decimal::ONE_HUNDRED).ok_or_else(bad)
}

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            .op(Op::prefix(Rule::op_not))
            .op(Op::infix(Rule::op_eq, Assoc::Left)
                | Op::infix(Rule::op_ne, Assoc::Left)
                | Op::infix(Rule::op_lt, Assoc::Left)
                | Op::infix(Rule::op_le, Assoc::Left)
                | Op::infix(Rule::op_gt, Assoc::Left)
                | Op::infix(Rule::op_ge, Assoc::Left))
            .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
            .op(Op::infix(Rule::op_mul, Assoc::Left)
                | Op::infix(Rule::op_div, Assoc::Left)
                | Op::infix(Rule::op_of, Assoc::Left))
            .op(Op::prefix(Rule::op_neg))
    })
}

fn expr(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    pratt()
        .map_primary(primary)
        .map_prefix(|op, rhs| {
            let rhs = rhs?;
            let span = span_of(&op).to(rhs.span);
            let op = if op.as_rule() == Rule::op_not {
                UnaryOp::Not
            } else {
                UnaryOp::Neg
            };
            Ok(Expr {
                kind: ExprKind::Unary(op, Box::new(rhs)),
                span,
            })
        })
        .map_infix(|lhs, op, rhs| {
            let (lhs, rhs) = (lhs?, rhs?);
            let span = lhs.span.to(rhs.span);
            let op = match op.as_rule() {
                Rule::op_or => BinaryOp::Or,
                Rule::op_and => BinaryOp::And,
                Rule::op_eq => BinaryOp::Eq,
                Rule::op_ne => BinaryOp::Ne,
                Rule::op_lt => BinaryOp::Lt,
                Rule::op_le => BinaryOp::Le,
                Rule::op_gt => BinaryOp::Gt,
                Rule::op_ge => BinaryOp::Ge,
                Rule::op_add => BinaryOp::Add,
                Rule::op_sub => BinaryOp::Sub,
                Rule::op_mul => BinaryOp::Mul,
                Rule::op_div => BinaryOp::Div,
                _ => BinaryOp::Of,
            };
            Ok(Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            })
        })
        .parse(pair.into_inner())
}

fn primary(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::number => ExprKind::Number(decimal(&pair)?),
        Rule::percent => ExprKind::Percent(percent(&pair)?),
        Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
        Rule::name => ExprKind::Name(ident(pair)),
        Rule::expr => return expr(pair),
        Rule::paren => {
            return expr(
                meaningful(pair)
                    .next()
                    .ok_or(SyntaxError::Internal { span })?,
            );
        }
        Rule::if_expr => {
            let mut inner = meaningful(pair);
            let condition = expr(inner.next().ok_or(SyntaxError::Internal { span })?)?;
            let then = expr(inner.next().ok_or(SyntaxError::Internal { span })?)?;
            let otherwise = expr(inner.next().ok_or(SyntaxError::Internal { span })?)?;
            ExprKind::If {
                condition: Box::new(condition),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            }
        }
        Rule::rank_table => ExprKind::RankTable(rank_table(pair)?),
        Rule::within_expr => ExprKind::Within(ident(
            meaningful(pair)
                .next()
                .ok_or(SyntaxError::Internal { span })?,
        )),
        Rule::count_call => {
            let mut inner = meaningful(pair);
            let function = Ident {
                name: "count".into(),
                span: Span::new(span.start, span.start + 5),
            };
            let relation = relation(inner.next().ok_or(SyntaxError::Internal { span })?)?;
            let filter = match inner.next() {
                Some(w) => Some(where_clause(w)?),
                None => None,
            };
            ExprKind::Aggregate(Box::new(Aggregate {
                function,
                value: None,
                relation,
                filter,
                rates: None,
            }))
        }
        Rule::call => call(pair)?,
        _ => return Err(SyntaxError::Internal { span }),
    };
    Ok(Expr { kind, span })
}

fn rank_table(pair: Pair<'_, Rule>) -> Result<Vec<(Ident, Expr)>, SyntaxError> {
    let mut entries = Vec::new();
    for entry in meaningful(pair) {
        let span = span_of(&entry);
        let mut inner = meaningful(entry);
        let key = ident(inner.next().ok_or(SyntaxError::Internal { span })?);
        let value = expr(inner.next().ok_or(SyntaxError::Internal { span })?)?;
        entries.push((key, value));
    }
    Ok(entries)
}

fn where_clause(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = span_of(&pair);
    expr(
        meaningful(pair)
            .next()
            .ok_or(SyntaxError::Internal { span })?,
    )
}

fn call(pair: Pair<'_, Rule>) -> Result<ExprKind, SyntaxError> {
    let span = span_of(&pair);
    let mut inner = meaningful(pair);
    let function = ident(inner.next().ok_or(SyntaxError::Internal { span })?);
    let first = expr(inner.next().ok_or(SyntaxError::Internal { span })?)?;
    let rest: Vec<Pair<'_, Rule>> = inner.collect();
    if rest.first().map(Pair::as_rule) == Some(Rule::relation) {
        let mut rest = rest.into_iter();
        let relation = relation(rest.next().ok_or(SyntaxError::Internal { span })?)?;
        let mut filter = None;
        let mut rates = None;
        for clause in rest {
            match clause.as_rule() {
                Rule::where_clause => filter = Some(where_clause(clause)?),
                _ => {
                    rates = Some(
                        meaningful(clause)
                            .map(expr)
                            .collect::<Result<Vec<_>, _>>()?,
                    )
                }
            }
        }
        return Ok(ExprKind::Aggregate(Box::new(Aggregate {
            function,
            value: Some(first),
            relation,
            filter,
            rates,
        })));
    }
    let mut args = vec![first];
    for p in rest {
        args.push(expr(p)?);
    }
    Ok(ExprKind::Call { function, args })
}

fn relation(pair: Pair<'_, Rule>) -> Result<Relation, SyntaxError> {
    let span = span_of(&pair);
    let inner = pair
        .into_inner()
        .next()
        .ok_or(SyntaxError::Internal { span })?;
    let kind = match inner.as_rule() {
        Rule::name => RelationKind::Named(ident(inner)),
        Rule::levels_rel => {
            let single =
                inner.clone().into_inner().next().map(|p| p.as_rule()) == Some(Rule::kw_level);
            let parts: Vec<Pair<'_, Rule>> = meaningful(inner).collect();
            let mut parts = parts.into_iter();
            let from = bound(parts.next().ok_or(SyntaxError::Internal { span })?)?;
            let to = if single {
                from.clone()
            } else {
                bound(parts.next().ok_or(SyntaxError::Internal { span })?)?
            };
            let compressed_by = match parts.next() {
                Some(c) => {
                    let cspan = span_of(&c);
                    Some(Box::new(expr(
                        meaningful(c)
                            .next()
                            .ok_or(SyntaxError::Internal { span: cspan })?,
                    )?))
                }
                None => None,
            };
            RelationKind::Levels {
                from: Box::new(from),
                to: Box::new(to),
                compressed_by,
            }
        }
        Rule::generations_rel => {
            let mut parts = meaningful(inner);
            let from = bound(parts.next().ok_or(SyntaxError::Internal { span })?)?;
            let to = bound(parts.next().ok_or(SyntaxError::Internal { span })?)?;
            let counting = expr(parts.next().ok_or(SyntaxError::Internal { span })?)?;
            RelationKind::Generations {
                from: Box::new(from),
                to: Box::new(to),
                counting: Box::new(counting),
            }
        }
        _ => return Err(SyntaxError::Internal { span }),
    };
    Ok(Relation { kind, span })
}

fn bound(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = span_of(&pair);
    let inner = pair
        .into_inner()
        .next()
        .ok_or(SyntaxError::Internal { span })?;
    match inner.as_rule() {
        Rule::integer => Ok(Expr {
            kind: ExprKind::Number(decimal(&inner)?),
            span,
        }),
        Rule::rank_table => Ok(Expr {
            kind: ExprKind::RankTable(rank_table(inner)?),
            span,
        }),
        Rule::name => Ok(Expr {
            kind: ExprKind::Name(ident(inner)),
            span,
        }),
        Rule::paren => expr(
            meaningful(inner)
                .next()
                .ok_or(SyntaxError::Internal { span })?,
        ),
        _ => expr(inner),
    }
}

/// Refuses statements whose expressions would nest deeper than
/// [`MAX_NESTING`] (brackets, `if`s and runs of `not`/`-`) or chain more than
/// [`MAX_OPERATORS`] operators, before pest sees them: no later stage then
/// recurses without bound.
fn check_nesting(source: &str) -> Result<(), SyntaxError> {
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
                "not" => prefix_run += 1,
                "and" | "or" | "of" => {
                    operators += 1;
                    prefix_run = 0;
                }
                // A new statement starts the counts again.
                "let" | "rank" | "bonus" | "export" | "limit" | "input" | "plan" => {
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

/// The words a plan author knows for what the grammar expected.
fn describe_rule(rule: Rule) -> Option<&'static str> {
    if let Some(k) = keyword_text(rule) {
        return Some(k);
    }
    Some(match rule {
        Rule::EOI => "the end of the file",
        Rule::name => "a name",
        Rule::type_name => "a type (`volume`, `money`, `percent`, `count` or `bool`)",
        Rule::string => "a quoted name",
        Rule::integer => "a whole number",
        Rule::number | Rule::percent | Rule::literal => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::expr
        | Rule::if_expr
        | Rule::rank_table
        | Rule::count_call
        | Rule::call
        | Rule::within_expr
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
        Rule::where_clause => "`where`",
        Rule::at_clause => "`at`",
        Rule::compressed => "`compressed`",
        Rule::default_option => "`default`",
        Rule::minimum_option => "`at least`",
        Rule::neg_sign => "a number",
        Rule::plan_decl
        | Rule::currency_decl
        | Rule::rounding_decl
        | Rule::uses_decl
        | Rule::input_decl
        | Rule::let_decl
        | Rule::rank_decl
        | Rule::bonus_decl
        | Rule::limit_decl
        | Rule::export_decl => {
            "a statement (`plan`, `input`, `let`, `rank`, `bonus`, `limit`, `export`)"
        }
        Rule::when_clause => "`when`",
        Rule::pays_clause => "`pays`",
        Rule::cap_clause => "`cap`",
        _ => return None,
    })
}

fn keyword_text(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::kw_plan => "`plan`",
        Rule::kw_currency => "`currency`",
        Rule::kw_rounding => "`rounding`",
        Rule::kw_uses => "`uses`",
        Rule::kw_placement => "`placement`",
        Rule::kw_tree => "`tree`",
        Rule::kw_input => "`input`",
        Rule::kw_default => "`default`",
        Rule::kw_least => "`least`",
        Rule::kw_let => "`let`",
        Rule::kw_rank => "`rank`",
        Rule::kw_bonus => "`bonus`",
        Rule::kw_when => "`when`",
        Rule::kw_pays => "`pays`",
        Rule::kw_cap => "`cap`",
        Rule::kw_limit => "`limit`",
        Rule::kw_payout => "`payout`",
        Rule::kw_to => "`to`",
        Rule::kw_export => "`export`",
        Rule::kw_not => "`not`",
        Rule::kw_or => "`or`",
        Rule::kw_and => "`and`",
        Rule::kw_of => "`of`",
        Rule::kw_if => "`if`",
        Rule::kw_then => "`then`",
        Rule::kw_else => "`else`",
        Rule::kw_by => "`by`",
        Rule::kw_count => "`count`",
        Rule::kw_over => "`over`",
        Rule::kw_where => "`where`",
        Rule::kw_at => "`at`",
        Rule::kw_levels => "`levels`",
        Rule::kw_level => "`level`",
        Rule::kw_compressed => "`compressed`",
        Rule::kw_generations => "`generations`",
        Rule::kw_counting => "`counting`",
        Rule::kw_within => "`within`",
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

const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "of",
    "if",
    "then",
    "else",
    "over",
    "where",
    "at",
    "by",
    "when",
    "pays",
    "cap",
    "true",
    "false",
    "let",
    "bonus",
    "input",
    "export",
    "limit",
    "plan",
    "uses",
    "count",
    "levels",
    "level",
    "generations",
    "counting",
    "compressed",
    "within",
];

/// The token at `pos` as the author wrote it, for "found ..." messages.
fn token_at(source: &str, pos: usize) -> (String, Span) {
    let rest = source.get(pos..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        // Point at the end of the last line with text, not past the file.
        let end = source.trim_end().len();
        return ("the end of the file".into(), Span::new(end, end));
    };
    let prev = source.get(..pos).and_then(|b| b.chars().last());
    // `a == b` fails at the second `=`; `5.` fails at the point.
    if first == '=' && prev == Some('=') {
        return ("`==`".into(), Span::new(pos - 1, pos + 1));
    }
    if first == '.' && prev.is_some_and(|c| c.is_ascii_digit()) {
        let start = source
            .get(..pos)
            .and_then(|b| b.rfind(|c: char| !c.is_ascii_digit()).map(|i| i + 1))
            .unwrap_or(0);
        let text = source.get(start..=pos).unwrap_or(".");
        return (format!("`{text}`"), Span::new(start, pos + 1));
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
    let text = rest.get(..len).unwrap_or("");
    (format!("`{text}`"), Span::new(pos, pos + len))
}

fn convert_error(source: &str, error: &pest::error::Error<Rule>) -> SyntaxError {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives: Vec<Rule> = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { message } => {
            return SyntaxError::TooComplex {
                span: Span::new(pos, pos),
                detail: message.clone(),
            };
        }
    };
    let mut expected: Vec<&'static str> = Vec::new();
    for rule in positives {
        if let Some(word) = describe_rule(rule) {
            if !expected.contains(&word) {
                expected.push(word);
            }
        }
    }
    // Where an operator may follow, the keywords that continue an
    // expression or an aggregate are noise.
    if expected.len() > 1 && expected.contains(&"an operator") {
        expected.retain(|w| {
            !matches!(
                *w,
                "`where`" | "`at`" | "`compressed`" | "`or`" | "`and`" | "`of`" | "`not`"
            )
        });
    }
    // Whatever can start an expression is covered by "an expression"; a `(`
    // after a name (a call) by "an operator".
    if expected.contains(&"an expression") {
        expected.retain(|w| {
            !matches!(
                *w,
                "`(`"
                    | "`if`"
                    | "`by`"
                    | "a number"
                    | "`true` or `false`"
                    | "a name"
                    | "`not`"
                    | "`count`"
                    | "`within`"
            )
        });
    }
    if expected.contains(&"an operator") {
        expected.retain(|w| *w != "`(`");
    }
    // Any statement keyword means "a new statement may start here"; so may
    // the end of the file.
    if expected
        .iter()
        .any(|w| is_statement_keyword(w) || *w == STATEMENT)
    {
        expected.retain(|w| !is_statement_keyword(w) && *w != "the end of the file");
        if !expected.contains(&STATEMENT) {
            expected.push(STATEMENT);
        }
    }
    // Punctuation first: it is what the author most likely forgot.
    expected.sort_by_key(|w| usize::from(!(w.len() <= 4 && w.starts_with('`'))));
    let expected_text = join_or(&expected);
    let (found, found_span) = token_at(source, pos);
    let word = found.trim_matches('`').to_string();
    let before = source.get(..found_span.start).unwrap_or("").trim_end();
    let starts_statement = found == "the end of the file" || is_statement_keyword(&found);

    let mut note = None;
    if expected.iter().any(|w| *w == "`)`" || *w == "`}`") {
        if let Some(open) = unclosed_bracket(source, found_span.start) {
            note = Some(Box::new((open, "this bracket is not closed".to_string())));
        }
    }
    if note.is_none() && starts_statement && expected.contains(&"an expression") {
        if let Some(last) = before.char_indices().last() {
            let at = Span::new(last.0, last.0 + last.1.len_utf8());
            note = Some(Box::new((at, "a value is missing after this".to_string())));
        }
    }
    let help = if RESERVED.contains(&word.as_str()) && expected.contains(&"a name") {
        Some(format!(
            "`{word}` is a reserved word of the plan language; choose another name"
        ))
    } else if before.ends_with(',') && (starts_statement || word == ")") {
        Some("remove the `,` after the last item of the list".to_string())
    } else if expected.contains(&"`pays`") {
        Some("a bonus is written `bonus NAME when CONDITION pays AMOUNT`".to_string())
    } else if expected.contains(&"`:`") && word == "=" {
        Some("table entries are written `bronze: 2`".to_string())
    } else if found.starts_with("the end") && expected.contains(&"`else`") {
        Some("an `if` needs both branches: `if CONDITION then A else B`".to_string())
    } else {
        match word.as_str() {
            "==" => Some("compare with a single `=`".to_string()),
            "&&" => Some("write `and`".to_string()),
            "||" => Some("write `or`".to_string()),
            "!" => Some("write `not`, or `!=` for \"not equal\"".to_string()),
            ";" => Some("statements end at the line's end; remove the `;`".to_string()),
            "'" => Some("a plan's name is written in double quotes".to_string()),
            "\"" => Some("a plan's name is closed with `\"` on the same line".to_string()),
            w if w.ends_with('.') && w.starts_with(|c: char| c.is_ascii_digit()) => Some(
                "write numbers with digits and an optional fraction, such as `12.5`".to_string(),
            ),
            _ => None,
        }
    };
    SyntaxError::Unexpected {
        span: found_span,
        found,
        expected: expected_text,
        help,
        note,
    }
}

const STATEMENT: &str = "a statement (`plan`, `input`, `let`, `rank`, `bonus`, `limit`, `export`)";

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

fn is_statement_keyword(word: &str) -> bool {
    matches!(
        word,
        "`plan`"
            | "`currency`"
            | "`rounding`"
            | "`uses`"
            | "`input`"
            | "`let`"
            | "`rank`"
            | "`bonus`"
            | "`limit`"
            | "`export`"
    )
}

fn join_or(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

impl FromStr for PlanAst {
    type Err = SyntaxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
