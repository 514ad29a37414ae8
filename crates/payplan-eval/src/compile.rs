//! Expressions compiled to typed closures: each reads the node columns it
//! needs directly, so evaluation does no matching on expression trees or on
//! value tags per member. A value missing or of another type than the
//! checker gave it is an error ([`Miss`]), never a zero.

use payplan_check::{BinOp, NodeId, TExpr, Ty, TypedPlan, Val};
use payplan_network::{MemberIx, NONE};
use rust_decimal::Decimal;
use std::cmp::Ordering;

use crate::arith::{add, cmp, div, mul, sub, whole_div, Arith, ConstCmp, Miss, Mode, R};
use crate::env::{column_dec, input_dec, missing, Cur, Env, Leaf, Src};
use crate::quotient::divides;

/// Whether `t` is made of decimal constants and arithmetic only.
fn constant(t: &TExpr) -> bool {
    match t {
        TExpr::Const(Val::Dec(_)) => true,
        TExpr::Binary(op, a, b) => {
            matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Min | BinOp::Max
            ) && constant(a)
                && constant(b)
        }
        TExpr::Neg(a) => constant(a),
        _ => false,
    }
}

/// A compiled expression: evaluated at a member, with the aggregating
/// member as `outer` (for `within`), or [`NONE`].
pub(crate) type Fun<T> = Box<dyn Fn(&Env<'_>, MemberIx, MemberIx) -> R<T> + Send + Sync>;
pub(crate) type DecFn = Fun<Decimal>;
pub(crate) type BoolFn = Fun<bool>;
pub(crate) type RankFn = Fun<u16>;

/// A compiled expression of any type.
pub(crate) enum Compiled {
    Dec(DecFn),
    Bool(BoolFn),
    Rank(RankFn),
}

/// What an expression computes, from its shape and the types of its slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Dec,
    Bool,
    Rank,
}

pub(crate) fn kind_of_ty(ty: Ty) -> Kind {
    match ty {
        Ty::Bool => Kind::Bool,
        Ty::Rank => Kind::Rank,
        _ => Kind::Dec,
    }
}

/// An expression whose type is not the one asked for: the checker never
/// lets one through, so meeting it is a broken invariant.
fn wrong_type<T: 'static>() -> Fun<T> {
    Box::new(|_, _, _| Err(Arith::Invariant(Miss::Type)))
}

/// `entries[r]` for the member's rank `r`, read from node `rank`.
fn table<T: 'static>(rank: NodeId, src: Src, entries: Vec<Fun<T>>) -> Fun<T> {
    Box::new(move |e, m, o| {
        let r = e.rank(rank, m, src)?;
        match entries.get(usize::from(r)) {
            Some(f) => f(e, m, o),
            None => Err(Arith::Invariant(Miss::Entry(r))),
        }
    })
}

pub(crate) struct Compiler<'p> {
    pub plan: &'p TypedPlan,
    /// The stage of every node.
    pub stage_of: &'p [usize],
    /// The stage of the node being compiled.
    pub stage: usize,
    /// Input nodes read in place from the network: the column's index.
    pub inputs: &'p [Option<usize>],
    /// Whether that stage is a bottom-up sweep whose nodes read each other
    /// from the registers ([`Cur`]) rather than columns.
    pub registers: bool,
    /// Per node, whether its value may be a quotient ([`crate::quotient`]).
    pub quotients: &'p [bool],
}

impl Compiler<'_> {
    /// Where the compiled node reads node `n`.
    fn src(&self, n: NodeId) -> Src {
        if let Some(Some(c)) = self.inputs.get(n) {
            return Src::Input(*c);
        }
        match self.stage_of.get(n) {
            Some(s) if *s == self.stage && self.registers => Src::Register,
            Some(s) if *s == self.stage => Src::Own,
            _ => Src::Earlier,
        }
    }

    /// Where a `my` read finds node `n` at the earner: an input in place or
    /// a column of an earlier stage (the checker gives an aggregate with
    /// `my` a stage of its own); never a register, which holds the member
    /// the expression is evaluated at.
    fn earner_src(&self, n: NodeId) -> Src {
        match self.src(n) {
            Src::Input(c) => Src::Input(c),
            _ => Src::Earlier,
        }
    }

    /// Whether node `n` is read from the current member's registers.
    fn local(&self, n: NodeId) -> bool {
        self.src(n) == Src::Register
    }

    /// The kind of node `n`'s values; a node the plan lacks is read as a
    /// number, and its read then fails.
    fn node_kind(&self, n: NodeId) -> Kind {
        match self.plan.nodes.get(n) {
            Some(node) => kind_of_ty(node.ty),
            None => Kind::Dec,
        }
    }

    pub fn kind(&self, t: &TExpr) -> Kind {
        // Iterative: walk down the branch that decides the kind.
        let mut t = t;
        loop {
            return match t {
                TExpr::Const(Val::Dec(_))
                | TExpr::Neg(_)
                | TExpr::ShareOf(..)
                | TExpr::Round { .. } => Kind::Dec,
                TExpr::Const(Val::Bool(_)) | TExpr::Not(_) | TExpr::Within(_) => Kind::Bool,
                TExpr::Const(Val::Rank(_)) => Kind::Rank,
                TExpr::Slot(n) | TExpr::My(n) => self.node_kind(*n),
                TExpr::Binary(op, a, _) => match op {
                    BinOp::Or
                    | BinOp::And
                    | BinOp::Eq
                    | BinOp::Ne
                    | BinOp::Lt
                    | BinOp::Le
                    | BinOp::Gt
                    | BinOp::Ge => Kind::Bool,
                    BinOp::Min | BinOp::Max => {
                        t = a;
                        continue;
                    }
                    _ => Kind::Dec,
                },
                TExpr::If(_, a, _) => {
                    t = a;
                    continue;
                }
                TExpr::RankTable { entries, .. } => match entries.first() {
                    Some(e) => {
                        t = e;
                        continue;
                    }
                    None => Kind::Dec,
                },
            };
        }
    }

    pub fn compile(&self, t: &TExpr) -> Compiled {
        match self.kind(t) {
            Kind::Dec => Compiled::Dec(self.dec(t)),
            Kind::Bool => Compiled::Bool(self.boolean(t)),
            Kind::Rank => Compiled::Rank(self.rank(t)),
        }
    }

    fn is_global(&self, n: NodeId) -> bool {
        self.plan.nodes.get(n).is_some_and(|x| x.global)
    }

    /// Whether arithmetic on `parts` must be exact, or may keep 28 digits
    /// because a part may be a quotient.
    pub fn mode(&self, parts: &[&TExpr]) -> Mode {
        if parts.iter().any(|t| divides(t, self.quotients)) {
            Mode::Quotient
        } else {
            Mode::Exact
        }
    }

    /// `t` as a [`Leaf`], when it is a constant or a decimal slot read directly.
    fn leaf(&self, t: &TExpr) -> Option<Leaf> {
        match t {
            TExpr::Const(Val::Dec(d)) => Some(Leaf::Const(*d)),
            TExpr::Binary(..) | TExpr::Neg(_) | TExpr::ShareOf(..) => self.fold(t).map(Leaf::Const),
            TExpr::Slot(n) if self.node_kind(*n) == Kind::Dec => match self.src(*n) {
                Src::Register => Some(Leaf::Register(*n)),
                Src::Input(c) => Some(Leaf::Input(*n, c)),
                Src::Earlier if !self.is_global(*n) => Some(Leaf::Column(*n)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The value of a decimal expression made of constants only (`50% of
    /// 1000`), computed once here with the same checked arithmetic; `None`
    /// if it reads anything or fails (the failure is then met per member).
    fn fold(&self, t: &TExpr) -> Option<Decimal> {
        if !constant(t) || self.kind(t) != Kind::Dec {
            return None;
        }
        let cur = Cur::default();
        let env = Env {
            store: &[],
            own: &[],
            base: 0,
            inputs: &[],
            cur: &cur,
            placement: None,
        };
        self.dec(t)(&env, NONE, NONE).ok()
    }

    /// Arithmetic on two leaves in one closure, for the shapes the passes
    /// meet most (`pv + x`, `8% * cv`, `min(gv, 500)`).
    fn leaf_binary(&self, op: BinOp, a: Leaf, b: Leaf, mode: Mode) -> Option<DecFn> {
        if let (Leaf::Const(c), BinOp::Min | BinOp::Max) = (b, op) {
            let c = ConstCmp::new(c);
            return Some(if op == BinOp::Min {
                Box::new(move |e, m, _| Ok(c.min(a.read(e, m)?)))
            } else {
                Box::new(move |e, m, _| Ok(c.max(a.read(e, m)?)))
            });
        }
        Some(match op {
            BinOp::Add => Box::new(move |e, m, _| add(a.read(e, m)?, b.read(e, m)?, mode)),
            BinOp::Sub => Box::new(move |e, m, _| sub(a.read(e, m)?, b.read(e, m)?, mode)),
            BinOp::Mul => Box::new(move |e, m, _| mul(a.read(e, m)?, b.read(e, m)?, mode)),
            BinOp::Min => Box::new(move |e, m, _| {
                let (x, y) = (a.read(e, m)?, b.read(e, m)?);
                Ok(if cmp(x, y) == Ordering::Greater { y } else { x })
            }),
            BinOp::Max => Box::new(move |e, m, _| {
                let (x, y) = (a.read(e, m)?, b.read(e, m)?);
                Ok(if cmp(x, y) == Ordering::Less { y } else { x })
            }),
            _ => return None,
        })
    }

    pub fn dec(&self, t: &TExpr) -> DecFn {
        match t {
            TExpr::Const(Val::Dec(d)) => {
                let d = *d;
                Box::new(move |_, _, _| Ok(d))
            }
            TExpr::Slot(n) => self.dec_slot(*n),
            TExpr::My(n) if self.node_kind(*n) == Kind::Dec => {
                let (n, src) = (*n, self.earner_src(*n));
                Box::new(move |e, _, o| e.dec(n, o, src))
            }
            TExpr::My(_) => wrong_type(),
            TExpr::Neg(a) => {
                let a = self.dec(a);
                Box::new(move |e, m, o| Ok(-a(e, m, o)?))
            }
            TExpr::If(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.dec(a), self.dec(b));
                Box::new(move |e, m, o| if c(e, m, o)? { a(e, m, o) } else { b(e, m, o) })
            }
            TExpr::RankTable { rank, entries } => {
                let entries = entries.iter().map(|x| self.dec(x)).collect();
                table(*rank, self.src(*rank), entries)
            }
            TExpr::ShareOf(a, b) => {
                let (a, b) = (self.dec(a), self.dec(b));
                // A pool nobody qualifies for pays nothing (docs/language.md, pools).
                Box::new(move |e, m, o| {
                    let den = b(e, m, o)?;
                    if den.is_zero() {
                        Ok(Decimal::ZERO)
                    } else {
                        div(a(e, m, o)?, den)
                    }
                })
            }
            TExpr::Binary(op, a, b) => self.dec_binary(*op, a, b),
            TExpr::Round { value, places, op } => {
                let (a, places, op) = (self.dec(value), *places, *op);
                Box::new(move |e, m, o| Ok(op.apply(a(e, m, o)?, places)))
            }
            TExpr::Const(_) | TExpr::Not(_) | TExpr::Within(_) => wrong_type(),
        }
    }

    /// Node `n`'s number, read where it lives.
    fn dec_slot(&self, n: NodeId) -> DecFn {
        if self.node_kind(n) != Kind::Dec {
            return wrong_type();
        }
        match self.src(n) {
            Src::Register => Box::new(move |e, _, _| e.cur.dec(n)),
            Src::Input(c) => Box::new(move |e, m, _| input_dec(e.inputs, c, m).ok_or(missing(n))),
            Src::Earlier if !self.is_global(n) => {
                Box::new(move |e, m, _| column_dec(e.store, n, m))
            }
            src => Box::new(move |e, m, _| e.dec(n, m, src)),
        }
    }

    fn dec_binary(&self, op: BinOp, a: &TExpr, b: &TExpr) -> DecFn {
        let mode = self.mode(&[a, b]);
        if let (Some(la), Some(lb)) = (self.leaf(a), self.leaf(b)) {
            if let Some(f) = self.leaf_binary(op, la, lb, mode) {
                return f;
            }
        }
        // The commonest shapes, `8% * cv` and `pv - 100`, without a call for the constant.
        if let (TExpr::Const(Val::Dec(c)), BinOp::Mul) = (a, op) {
            let (c, b) = (*c, self.dec(b));
            return Box::new(move |e, m, o| mul(c, b(e, m, o)?, mode));
        }
        if let TExpr::Const(Val::Dec(c)) = b {
            if let Some(f) = self.dec_const(op, a, *c, mode) {
                return f;
            }
        }
        let (fa, fb) = (self.dec(a), self.dec(b));
        match op {
            BinOp::Add => Box::new(move |e, m, o| add(fa(e, m, o)?, fb(e, m, o)?, mode)),
            BinOp::Sub => Box::new(move |e, m, o| sub(fa(e, m, o)?, fb(e, m, o)?, mode)),
            BinOp::Mul => Box::new(move |e, m, o| mul(fa(e, m, o)?, fb(e, m, o)?, mode)),
            BinOp::Div => Box::new(move |e, m, o| div(fa(e, m, o)?, fb(e, m, o)?)),
            BinOp::WholeDiv => {
                Box::new(move |e, m, o| Ok(whole_div(fa(e, m, o)?, fb(e, m, o)?)?.0))
            }
            BinOp::Mod => Box::new(move |e, m, o| Ok(whole_div(fa(e, m, o)?, fb(e, m, o)?)?.1)),
            BinOp::Min => Box::new(move |e, m, o| {
                let (x, y) = (fa(e, m, o)?, fb(e, m, o)?);
                Ok(if cmp(x, y) == Ordering::Greater { y } else { x })
            }),
            BinOp::Max => Box::new(move |e, m, o| {
                let (x, y) = (fa(e, m, o)?, fb(e, m, o)?);
                Ok(if cmp(x, y) == Ordering::Less { y } else { x })
            }),
            BinOp::Or
            | BinOp::And
            | BinOp::Eq
            | BinOp::Ne
            | BinOp::Lt
            | BinOp::Le
            | BinOp::Gt
            | BinOp::Ge => wrong_type(),
        }
    }

    /// `a op c` for a constant `c`, without a call for the constant.
    fn dec_const(&self, op: BinOp, a: &TExpr, c: Decimal, mode: Mode) -> Option<DecFn> {
        let a = self.dec(a);
        Some(match op {
            BinOp::Mul => Box::new(move |e, m, o| mul(a(e, m, o)?, c, mode)),
            BinOp::Add => Box::new(move |e, m, o| add(a(e, m, o)?, c, mode)),
            BinOp::Sub => Box::new(move |e, m, o| sub(a(e, m, o)?, c, mode)),
            BinOp::Min => {
                let c = ConstCmp::new(c);
                Box::new(move |e, m, o| Ok(c.min(a(e, m, o)?)))
            }
            BinOp::Max => {
                let c = ConstCmp::new(c);
                Box::new(move |e, m, o| Ok(c.max(a(e, m, o)?)))
            }
            _ => return None,
        })
    }

    pub fn boolean(&self, t: &TExpr) -> BoolFn {
        match t {
            TExpr::Const(Val::Bool(b)) => {
                let b = *b;
                Box::new(move |_, _, _| Ok(b))
            }
            TExpr::Slot(n) if self.node_kind(*n) != Kind::Bool => wrong_type(),
            TExpr::Slot(n) if self.local(*n) => {
                let n = *n;
                Box::new(move |e, _, _| e.cur.boolean(n))
            }
            TExpr::Slot(n) => {
                let (n, src) = (*n, self.src(*n));
                Box::new(move |e, m, _| e.boolean(n, m, src))
            }
            TExpr::My(n) if self.node_kind(*n) == Kind::Bool => {
                let (n, src) = (*n, self.earner_src(*n));
                Box::new(move |e, _, o| e.boolean(n, o, src))
            }
            TExpr::My(_) => wrong_type(),
            TExpr::Not(a) => {
                let a = self.boolean(a);
                Box::new(move |e, m, o| Ok(!a(e, m, o)?))
            }
            TExpr::Within(side) => {
                let side = *side;
                Box::new(move |e, m, o| e.within(side, m, o))
            }
            TExpr::If(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.boolean(a), self.boolean(b));
                Box::new(move |e, m, o| if c(e, m, o)? { a(e, m, o) } else { b(e, m, o) })
            }
            TExpr::RankTable { rank, entries } => {
                let entries = entries.iter().map(|x| self.boolean(x)).collect();
                table(*rank, self.src(*rank), entries)
            }
            TExpr::Binary(op, a, b) => self.bool_binary(*op, a, b),
            TExpr::Const(_) | TExpr::Neg(_) | TExpr::ShareOf(..) | TExpr::Round { .. } => {
                wrong_type()
            }
        }
    }

    fn bool_binary(&self, op: BinOp, a: &TExpr, b: &TExpr) -> BoolFn {
        match op {
            BinOp::And => {
                let (a, b) = (self.boolean(a), self.boolean(b));
                Box::new(move |e, m, o| Ok(a(e, m, o)? && b(e, m, o)?))
            }
            BinOp::Or => {
                let (a, b) = (self.boolean(a), self.boolean(b));
                Box::new(move |e, m, o| Ok(a(e, m, o)? || b(e, m, o)?))
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                self.compare(op, a, b)
            }
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::Min
            | BinOp::Max
            | BinOp::WholeDiv
            | BinOp::Mod => wrong_type(),
        }
    }

    /// `a op b` for a comparison `op`, on values of `a`'s kind.
    fn compare(&self, op: BinOp, a: &TExpr, b: &TExpr) -> BoolFn {
        let test = move |ord: Ordering| match op {
            BinOp::Eq => ord == Ordering::Equal,
            BinOp::Ne => ord != Ordering::Equal,
            BinOp::Lt => ord == Ordering::Less,
            BinOp::Le => ord != Ordering::Greater,
            BinOp::Gt => ord == Ordering::Greater,
            _ => ord != Ordering::Less,
        };
        match self.kind(a) {
            Kind::Rank => {
                // `rank >= silver` at the current member: one register read.
                if let (TExpr::Slot(n), TExpr::Const(Val::Rank(r))) = (a, b) {
                    if self.local(*n) && self.node_kind(*n) == Kind::Rank {
                        let (n, r) = (*n, *r);
                        return Box::new(move |e, _, _| Ok(test(e.cur.rank(n)?.cmp(&r))));
                    }
                }
                let (a, b) = (self.rank(a), self.rank(b));
                Box::new(move |e, m, o| Ok(test(a(e, m, o)?.cmp(&b(e, m, o)?))))
            }
            Kind::Bool => {
                let (a, b) = (self.boolean(a), self.boolean(b));
                Box::new(move |e, m, o| Ok(test(a(e, m, o)?.cmp(&b(e, m, o)?))))
            }
            Kind::Dec => {
                match (self.leaf(a), self.leaf(b)) {
                    (Some(la), Some(Leaf::Const(c))) => {
                        let c = ConstCmp::new(c);
                        return Box::new(move |e, m, _| Ok(test(c.cmp(la.read(e, m)?))));
                    }
                    (Some(la), Some(lb)) => {
                        return Box::new(move |e, m, _| {
                            Ok(test(cmp(la.read(e, m)?, lb.read(e, m)?)))
                        });
                    }
                    _ => {}
                }
                if let TExpr::Const(Val::Dec(c)) = b {
                    let (c, a) = (ConstCmp::new(*c), self.dec(a));
                    return Box::new(move |e, m, o| Ok(test(c.cmp(a(e, m, o)?))));
                }
                let (a, b) = (self.dec(a), self.dec(b));
                Box::new(move |e, m, o| Ok(test(cmp(a(e, m, o)?, b(e, m, o)?))))
            }
        }
    }

    pub fn rank(&self, t: &TExpr) -> RankFn {
        match t {
            TExpr::Const(Val::Rank(r)) => {
                let r = *r;
                Box::new(move |_, _, _| Ok(r))
            }
            TExpr::Slot(n) if self.node_kind(*n) != Kind::Rank => wrong_type(),
            TExpr::Slot(n) if self.local(*n) => {
                let n = *n;
                Box::new(move |e, _, _| e.cur.rank(n))
            }
            TExpr::Slot(n) => {
                let (n, src) = (*n, self.src(*n));
                Box::new(move |e, m, _| e.rank(n, m, src))
            }
            TExpr::My(n) if self.node_kind(*n) == Kind::Rank => {
                let (n, src) = (*n, self.earner_src(*n));
                Box::new(move |e, _, o| e.rank(n, o, src))
            }
            TExpr::If(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.rank(a), self.rank(b));
                Box::new(move |e, m, o| if c(e, m, o)? { a(e, m, o) } else { b(e, m, o) })
            }
            TExpr::RankTable { rank, entries } => {
                let entries = entries.iter().map(|x| self.rank(x)).collect();
                table(*rank, self.src(*rank), entries)
            }
            _ => wrong_type(),
        }
    }
}
