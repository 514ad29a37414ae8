//! pest to AST: the only module that sees pest.

use std::str::FromStr;
use std::sync::OnceLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use rust_decimal::Decimal;

use crate::ast::*;
use crate::error::SyntaxError;
use crate::keywords::{keyword, Keyword};
use crate::nesting::check_nesting;
use crate::parse_error::{convert_error, punctuation};
use crate::span::{Ident, Span};

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/plan.pest"]
pub(crate) struct PlanParser;

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

/// Skips keyword and punctuation tokens, which carry no information once matched.
fn meaningful<'a>(pair: Pair<'a, Rule>) -> impl Iterator<Item = Pair<'a, Rule>> {
    pair.into_inner().filter(|p| !is_fixed_token(p.as_rule()))
}

fn is_fixed_token(rule: Rule) -> bool {
    rule_keyword(rule).is_some() || punctuation(rule).is_some()
}

/// The keyword a `kw_` rule of the grammar matches.
pub(crate) fn rule_keyword(rule: Rule) -> Option<&'static Keyword> {
    static BY_RULE: OnceLock<Vec<Option<&'static Keyword>>> = OnceLock::new();
    let table = BY_RULE.get_or_init(|| {
        let size = Rule::all_rules().iter().map(|&r| r as usize + 1).max();
        let mut table = vec![None; size.unwrap_or(0)];
        for &r in Rule::all_rules() {
            let name = format!("{r:?}");
            if let Some(slot) = table.get_mut(r as usize) {
                *slot = name.strip_prefix("kw_").and_then(keyword);
            }
        }
        table
    });
    table.get(rule as usize).copied().flatten()
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
        Rule::matrix_decl => {
            let width_pair = take()?;
            let width_span = span_of(&width_pair);
            let width = width_pair.as_str().parse::<u64>().unwrap_or(u64::MAX);
            let columns = match take() {
                Ok(cols) => {
                    let mut names = meaningful(cols).map(ident);
                    match (names.next(), names.next()) {
                        (Some(parent), Some(position)) => Some((parent, position)),
                        _ => return Err(SyntaxError::Internal { span }),
                    }
                }
                Err(_) => None,
            };
            Statement::UsesMatrix {
                width,
                width_span,
                columns,
                span,
            }
        }
        Rule::input_decl => {
            let name = ident(take()?);
            let ty = ident(take()?);
            let mut default = None;
            let mut minimum = None;
            let mut maximum = None;
            for option in inner.by_ref() {
                let option_span = span_of(&option);
                let lit = meaningful(option.clone())
                    .next()
                    .ok_or(SyntaxError::Internal { span: option_span })?;
                let lit = literal(lit)?;
                match option.as_rule() {
                    Rule::default_option => default = Some(lit),
                    Rule::maximum_option => maximum = Some(lit),
                    _ => minimum = Some(lit),
                }
            }
            Statement::Input(InputDecl {
                name,
                ty,
                default,
                minimum,
                maximum,
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
                | Op::infix(Rule::op_of, Assoc::Left)
                | Op::infix(Rule::op_whole_div, Assoc::Left)
                | Op::infix(Rule::op_mod, Assoc::Left))
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
                Rule::op_whole_div => BinaryOp::WholeDiv,
                Rule::op_mod => BinaryOp::Mod,
                _ => BinaryOp::Of,
            };
            Ok(Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                span,
            })
        })
        .parse(pair.into_inner())
}

/// A bracketed expression spans its brackets, so that the text of an
/// expression ending in one (`peers * (2% of cv)`) is shown whole.
fn parenthesized(pair: Pair<'_, Rule>, span: Span) -> Result<Expr, SyntaxError> {
    let inner = meaningful(pair)
        .next()
        .ok_or(SyntaxError::Internal { span })?;
    Ok(Expr {
        span,
        ..expr(inner)?
    })
}

fn primary(pair: Pair<'_, Rule>) -> Result<Expr, SyntaxError> {
    let span = span_of(&pair);
    let kind = match pair.as_rule() {
        Rule::number => ExprKind::Number(decimal(&pair)?),
        Rule::percent => ExprKind::Percent(percent(&pair)?),
        Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
        Rule::name => ExprKind::Name(ident(pair)),
        Rule::expr => return expr(pair),
        Rule::paren => return parenthesized(pair, span),
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
        Rule::my_expr => ExprKind::My(ident(
            meaningful(pair)
                .next()
                .ok_or(SyntaxError::Internal { span })?,
        )),
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
        Rule::full_call => {
            let inner = meaningful(pair)
                .next()
                .ok_or(SyntaxError::Internal { span })?;
            ExprKind::Full(Box::new(relation(inner)?))
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
        if p.as_rule() == Rule::from_level {
            let arg_span = span_of(&p);
            let level = expr(
                meaningful(p)
                    .next()
                    .ok_or(SyntaxError::Internal { span: arg_span })?,
            )?;
            args.push(Expr {
                kind: ExprKind::FromLevel(Box::new(level)),
                span: arg_span,
            });
        } else {
            args.push(expr(p)?);
        }
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
        Rule::matrix_rel => {
            let words: Vec<Pair<'_, Rule>> = inner.clone().into_inner().collect();
            let second = words.get(1).map(|p| (p.as_rule(), span_of(p)));
            let parts: Vec<Pair<'_, Rule>> = meaningful(inner).collect();
            let mut parts = parts.into_iter();
            let (from, to) = match second {
                Some((Rule::kw_children, word)) => {
                    let one = Expr {
                        kind: ExprKind::Number(rust_decimal::Decimal::ONE),
                        span: word,
                    };
                    (one.clone(), one)
                }
                Some((Rule::kw_level, _)) => {
                    let k = bound(parts.next().ok_or(SyntaxError::Internal { span })?)?;
                    (k.clone(), k)
                }
                _ => {
                    let from = bound(parts.next().ok_or(SyntaxError::Internal { span })?)?;
                    let to = bound(parts.next().ok_or(SyntaxError::Internal { span })?)?;
                    (from, to)
                }
            };
            RelationKind::MatrixLevels {
                from: Box::new(from),
                to: Box::new(to),
            }
        }
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
        Rule::paren => parenthesized(inner, span),
        _ => expr(inner),
    }
}

impl FromStr for PlanAst {
    type Err = SyntaxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
