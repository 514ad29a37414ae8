//! The built-in functions that are not aggregates: `min` and `max` of
//! values, `money`, `total`, `differential`, `pool`, `floor`, `ceil` and
//! `round`.

use payplan_syntax::ast::{Expr, ExprKind};
use payplan_syntax::{Ident, Span};
use rust_decimal::Decimal;

use crate::error::CheckError;
use crate::lower::{poison, Ctx, Lowerer};
use crate::suggest::{suggest, FUNCTIONS};
use crate::typed::{BinOp, Node, NodeKind, RoundOp, RoundingMode, TExpr, Ty, Val};

/// The most decimal places `round` keeps, as the `rounding` header.
const MAX_ROUND_PLACES: u32 = 12;

/// The deepest level `differential(..., from level K)` starts at.
pub const MAX_FROM_LEVEL: usize = 64;

impl Lowerer<'_, '_> {
    pub(crate) fn lower_call(
        &mut self,
        function: &Ident,
        args: &[Expr],
        span: Span,
        ctx: Ctx,
    ) -> (TExpr, Ty) {
        let name = function.name.as_str();
        match name {
            "min" | "max" => self.lower_extreme(name, args, span, ctx),
            "money" => match self.arguments::<1>(name, args, span) {
                Some([a]) => self.lower_money(a, ctx),
                None => poison(),
            },
            "total" => match self.arguments::<1>(name, args, span) {
                Some([a]) => self.lower_total(a, span),
                None => poison(),
            },
            "differential" => match args {
                [v, p] => self.lower_differential(v, p, None, span),
                [v, p, k] => self.lower_differential(v, p, Some(k), span),
                _ => self.two_or_three_arguments(name, args, span),
            },
            "floor" | "ceil" => match self.arguments::<1>(name, args, span) {
                Some([a]) => {
                    let op = if name == "floor" {
                        RoundOp::Floor
                    } else {
                        RoundOp::Ceil
                    };
                    self.lower_round(name, a, 0, op, ctx)
                }
                None => poison(),
            },
            "round" => match args {
                [a, places] | [a, places, _] => {
                    let places = self.round_places(places);
                    let mode = match args.get(2) {
                        Some(m) => self.round_mode(m),
                        None => self.decls.rounding_mode(),
                    };
                    self.lower_round(name, a, places, RoundOp::Mode(mode), ctx)
                }
                _ => self.two_or_three_arguments(name, args, span),
            },
            "pool" => match self.arguments::<2>(name, args, span) {
                Some([a, s]) => self.lower_pool(a, s, span, ctx),
                None => poison(),
            },
            "sum" | "any" | "all" | "count" => {
                self.errors.push(CheckError::MissingRelation {
                    function: name.to_string(),
                    span,
                });
                poison()
            }
            other => {
                self.errors.push(CheckError::UnknownFunction {
                    name: other.to_string(),
                    span: function.span,
                    suggestion: suggest(other, FUNCTIONS.iter().copied()),
                });
                poison()
            }
        }
    }

    /// The error for a call of a function that takes 2 or 3 arguments
    /// (`round`, `differential`) with another number.
    fn two_or_three_arguments(&mut self, function: &str, args: &[Expr], span: Span) -> (TExpr, Ty) {
        self.errors.push(CheckError::ArgumentCount {
            function: function.to_string(),
            expected: 2,
            most: 3,
            found: args.len(),
            span,
        });
        poison()
    }

    /// The `N` arguments of a call, or an error when there are not `N`.
    fn arguments<'e, const N: usize>(
        &mut self,
        function: &str,
        args: &'e [Expr],
        span: Span,
    ) -> Option<&'e [Expr; N]> {
        let fixed = <&[Expr; N]>::try_from(args).ok();
        if fixed.is_none() {
            self.errors.push(CheckError::ArgumentCount {
                function: function.to_string(),
                expected: N,
                most: N,
                found: args.len(),
                span,
            });
        }
        fixed
    }

    /// `min(a, b, ...)`, `max(a, b, ...)`.
    fn lower_extreme(&mut self, name: &str, args: &[Expr], span: Span, ctx: Ctx) -> (TExpr, Ty) {
        let (Some(first), true) = (args.first(), args.len() >= 2) else {
            self.errors.push(CheckError::TooFewValues {
                function: name.to_string(),
                span,
            });
            return poison();
        };
        let o = if name == "min" {
            BinOp::Min
        } else {
            BinOp::Max
        };
        let (mut acc, mut ty) = self.lower(first, ctx);
        let mut acc_span = first.span;
        for a in args.iter().skip(1) {
            let (t, aty) = self.lower(a, ctx);
            for (x, s) in [(ty, acc_span), (aty, a.span)] {
                if !x.is_numeric() {
                    self.mismatch(format!("numbers for `{name}`"), x, s, None);
                }
            }
            ty = self.unify(ty, aty, acc_span, a.span, "compare");
            acc = TExpr::Binary(o, Box::new(acc), Box::new(t));
            acc_span = acc_span.to(a.span);
        }
        (acc, ty)
    }

    /// `floor(x)`, `ceil(x)`, `round(x, places, mode)`: `x` rounded,
    /// keeping its unit.
    fn lower_round(
        &mut self,
        name: &str,
        a: &Expr,
        places: u32,
        op: RoundOp,
        ctx: Ctx,
    ) -> (TExpr, Ty) {
        let (t, ty) = self.lower(a, ctx);
        let ty = self.numeric_or(ty, a.span, &format!("`{name}`"));
        let t = TExpr::Round {
            value: Box::new(t),
            places,
            op,
        };
        (t, ty)
    }

    /// The places of `round(x, places)`: a whole number from 0 to 12,
    /// written as a number.
    fn round_places(&mut self, e: &Expr) -> u32 {
        let places = match &e.kind {
            ExprKind::Number(d) if d.fract().is_zero() => {
                u32::try_from(d.trunc().normalize().mantissa()).ok()
            }
            _ => None,
        };
        match places.filter(|p| *p <= MAX_ROUND_PLACES) {
            Some(p) => p,
            None => {
                self.errors.push(CheckError::RoundPlaces {
                    found: self.source.quote(e.span),
                    span: e.span,
                });
                0
            }
        }
    }

    /// The mode of `round(x, places, mode)`: a name of the `rounding`
    /// header's modes.
    fn round_mode(&mut self, e: &Expr) -> RoundingMode {
        let name = match &e.kind {
            ExprKind::Name(id) => id.name.clone(),
            _ => self.source.quote(e.span),
        };
        match RoundingMode::from_name(&name) {
            Some(mode) => mode,
            None => {
                self.errors.push(CheckError::UnknownRounding {
                    suggestion: suggest(&name, RoundingMode::NAMES),
                    name,
                    span: e.span,
                });
                RoundingMode::HalfEven
            }
        }
    }

    /// `money(x)`: volume counted as money, point for point.
    fn lower_money(&mut self, a: &Expr, ctx: Ctx) -> (TExpr, Ty) {
        let (t, ty) = self.lower(a, ctx);
        if !matches!(ty, Ty::Volume | Ty::Number | Ty::Money | Ty::Unknown) {
            self.mismatch("volume to convert to money".into(), ty, a.span, None);
        }
        (t, Ty::Money)
    }

    /// `total(x)`: the sum over the whole network, a node of its own.
    fn lower_total(&mut self, a: &Expr, span: Span) -> (TExpr, Ty) {
        let (t, ty) = self.lower(a, Ctx::default());
        let ty = self.numeric_or(ty, a.span, "`total`");
        let t = self.push_node(Node {
            label: self.source.full(span),
            span,
            ty,
            kind: NodeKind::Total { value: t },
            global: true,
        });
        (t, ty)
    }

    /// `differential(cv, rate)`: the breakaway differential, whose rate must
    /// take its values from a table of fixed rates.
    fn lower_differential(
        &mut self,
        v: &Expr,
        p: &Expr,
        k: Option<&Expr>,
        span: Span,
    ) -> (TExpr, Ty) {
        let from_level = k.map_or(0, |k| self.starting_level(k));
        let (value, vty) = self.lower(v, Ctx::default());
        let vty = self.numeric_or(vty, v.span, "`differential`");
        let (percent, pty) = self.lower(p, Ctx::default());
        self.expect_ty(pty, Ty::Percent, p.span, "the percentage of `differential`");
        let Some(buckets) = self.table_constants(&percent) else {
            self.errors
                .push(CheckError::DifferentialRates { span: p.span });
            return (TExpr::Const(Val::Dec(Decimal::ZERO)), vty);
        };
        let t = self.push_node(Node {
            label: self.source.full(span),
            span,
            ty: vty,
            kind: NodeKind::Differential {
                value,
                percent,
                buckets,
                from_level,
            },
            global: false,
        });
        (t, vty)
    }

    /// The `K` of `differential(v, p, from level K)`: a whole number from 0
    /// to 64, written as a number.
    fn starting_level(&mut self, k: &Expr) -> usize {
        let level = match &k.kind {
            ExprKind::FromLevel(inner) => match &inner.kind {
                ExprKind::Number(d) if d.fract().is_zero() => {
                    usize::try_from(d.trunc().normalize().mantissa()).ok()
                }
                _ => None,
            },
            _ => None,
        };
        match level.filter(|l| *l <= MAX_FROM_LEVEL) {
            Some(l) => l,
            None => {
                let shown = match &k.kind {
                    ExprKind::FromLevel(inner) => inner.span,
                    _ => k.span,
                };
                self.errors.push(CheckError::DifferentialLevel {
                    found: self.source.quote(shown),
                    span: shown,
                });
                0
            }
        }
    }

    /// `pool(amount, shares)`: the amount shared among the members that
    /// qualify, in proportion to their shares.
    fn lower_pool(&mut self, a: &Expr, s: &Expr, span: Span, ctx: Ctx) -> (TExpr, Ty) {
        let Some(qualification) = ctx.pool else {
            self.errors.push(CheckError::PoolOutsideBonus { span });
            return (TExpr::Const(Val::Dec(Decimal::ZERO)), Ty::Money);
        };
        let (amount, aty) = self.lower(a, ctx);
        self.expect_money(aty, a.span, "a pool");
        let (shares, sty) = self.lower(s, ctx);
        if !matches!(sty, Ty::Count | Ty::Number | Ty::Unknown) {
            self.mismatch("a number of shares".into(), sty, s.span, None);
        }
        let held = match qualification {
            Some(q) => TExpr::If(
                Box::new(TExpr::Slot(q)),
                Box::new(shares.clone()),
                Box::new(TExpr::Const(Val::Dec(Decimal::ZERO))),
            ),
            None => shares.clone(),
        };
        let total = self.push_node(Node {
            label: format!("total shares of `{}`", self.source.quote(s.span)),
            span: s.span,
            ty: Ty::Number,
            kind: NodeKind::Total { value: held },
            global: true,
        });
        let product = TExpr::Binary(BinOp::Mul, Box::new(amount), Box::new(shares));
        (
            TExpr::ShareOf(Box::new(product), Box::new(total)),
            Ty::Money,
        )
    }

    /// Follows a chain of definitions to the expression they name; each
    /// step reads a node made earlier, so the chain is finite.
    pub(crate) fn defined<'t>(&'t self, t: &'t TExpr) -> Option<&'t TExpr> {
        let mut t = t;
        for _ in 0..=self.nodes.len() {
            match t {
                TExpr::Slot(n) => match &self.nodes.get(*n)?.kind {
                    NodeKind::Expr(inner) => t = inner,
                    _ => return None,
                },
                _ => return Some(t),
            }
        }
        None
    }

    /// The fixed values a rank table (or a definition holding one) takes,
    /// zero (for members without a rank) included.
    fn table_constants(&self, t: &TExpr) -> Option<Vec<Decimal>> {
        let TExpr::RankTable { entries, .. } = self.defined(t)? else {
            return None;
        };
        let mut values = vec![Decimal::ZERO];
        for e in entries {
            match e {
                TExpr::Const(Val::Dec(d)) => values.push(*d),
                _ => return None,
            }
        }
        values.sort();
        values.dedup();
        Some(values)
    }
}
