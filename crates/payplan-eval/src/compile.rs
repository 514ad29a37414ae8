//! Expressions compiled to typed closures: each reads the node columns it
//! needs directly, so evaluation does no matching on expression trees or on
//! value tags per member.

use payplan_check::{BinOp, NodeId, TExpr, Ty, TypedPlan, Val};
use payplan_network::{Column, MemberIx, PlacementTree, Side, NONE};
use rust_decimal::Decimal;
use std::cmp::Ordering;

/// Arithmetic that cannot be done exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Overflow,
    DivisionByZero,
    NotInTable(Decimal),
}

pub(crate) type R<T> = Result<T, Arith>;

/// One node's values: a column per member, or one value for the network.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    Pending,
    Dec(Vec<Decimal>),
    Bool(Vec<bool>),
    Rank(Vec<u16>),
    Global(Val),
}

/// The values of the current member in a bottom-up sweep, one register per
/// node: nodes of the sweep read each other here, not from columns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cur {
    pub dec: Vec<Decimal>,
    pub boolean: Vec<bool>,
    pub rank: Vec<u16>,
}

impl Cur {
    /// Registers for `nodes` nodes, all zero.
    pub fn new(nodes: usize) -> Cur {
        Cur {
            dec: vec![Decimal::ZERO; nodes],
            boolean: vec![false; nodes],
            rank: vec![0; nodes],
        }
    }

    #[inline]
    fn dec(&self, n: NodeId) -> Decimal {
        self.dec.get(n).copied().unwrap_or_default()
    }

    #[inline]
    fn boolean(&self, n: NodeId) -> bool {
        self.boolean.get(n).copied().unwrap_or(false)
    }

    #[inline]
    fn rank(&self, n: NodeId) -> u16 {
        self.rank.get(n).copied().unwrap_or(0)
    }

    /// Sets node `n`'s register.
    #[inline]
    pub fn set(&mut self, n: NodeId, v: Val) {
        match v {
            Val::Dec(d) => {
                if let Some(x) = self.dec.get_mut(n) {
                    *x = d;
                }
            }
            Val::Bool(b) => {
                if let Some(x) = self.boolean.get_mut(n) {
                    *x = b;
                }
            }
            Val::Rank(r) => {
                if let Some(x) = self.rank.get_mut(n) {
                    *x = r;
                }
            }
        }
    }
}

/// Where a compiled expression reads a node: a column of an earlier stage,
/// a column of the running stage, or the current member's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Src {
    Earlier,
    Own,
    Register,
    /// The network's input column with this index, read in place.
    Input(usize),
}

/// What compiled expressions read: the node columns, the current member's
/// registers and the trees.
pub(crate) struct Env<'a> {
    /// Columns of earlier stages, and network-wide values.
    pub store: &'a [Store],
    /// Columns of the running stage, holding members from `base` on.
    pub own: &'a [Store],
    pub base: MemberIx,
    /// The network's input columns.
    pub inputs: &'a [Column],
    pub cur: &'a Cur,
    pub placement: Option<&'a PlacementTree>,
}

impl Env<'_> {
    /// Node `node`'s store in `src` and the index of member `m` in it.
    #[inline]
    fn at(&self, node: NodeId, m: MemberIx, src: Src) -> (Option<&Store>, usize) {
        match src {
            Src::Own => (self.own.get(node), m.wrapping_sub(self.base) as usize),
            _ => (self.store.get(node), m as usize),
        }
    }

    #[inline]
    fn dec(&self, node: NodeId, m: MemberIx, src: Src) -> Decimal {
        match src {
            Src::Register => return self.cur.dec(node),
            Src::Input(c) => {
                return match self.inputs.get(c) {
                    Some(Column::Decimal(v)) => v.get(m as usize).copied().unwrap_or_default(),
                    Some(Column::Bool(v)) => {
                        Decimal::from(u8::from(v.get(m as usize).copied().unwrap_or(false)))
                    }
                    None => Decimal::ZERO,
                }
            }
            _ => {}
        }
        let (store, i) = self.at(node, m, src);
        match store {
            Some(Store::Dec(v)) => v.get(i).copied().unwrap_or_default(),
            Some(Store::Global(v)) => val_dec(*v),
            Some(Store::Bool(v)) => Decimal::from(u8::from(v.get(i).copied().unwrap_or(false))),
            Some(Store::Rank(v)) => Decimal::from(v.get(i).copied().unwrap_or(0)),
            _ => Decimal::ZERO,
        }
    }

    #[inline]
    fn boolean(&self, node: NodeId, m: MemberIx, src: Src) -> bool {
        if let Src::Input(c) = src {
            return match self.inputs.get(c) {
                Some(Column::Decimal(v)) => {
                    !v.get(m as usize).copied().unwrap_or_default().is_zero()
                }
                Some(Column::Bool(v)) => v.get(m as usize).copied().unwrap_or(false),
                None => false,
            };
        }
        let (store, i) = self.at(node, m, src);
        match store {
            Some(Store::Bool(v)) => v.get(i).copied().unwrap_or(false),
            Some(Store::Global(v)) => val_bool(*v),
            Some(Store::Dec(v)) => !v.get(i).copied().unwrap_or_default().is_zero(),
            _ => false,
        }
    }

    #[inline]
    fn rank(&self, node: NodeId, m: MemberIx, src: Src) -> u16 {
        if src == Src::Register {
            return self.cur.rank(node);
        }
        let (store, i) = self.at(node, m, src);
        match store {
            Some(Store::Rank(v)) => v.get(i).copied().unwrap_or(0),
            Some(Store::Global(Val::Rank(r))) => *r,
            _ => 0,
        }
    }

    /// Whether `m` lies in `outer`'s placement subtree on `side`.
    fn within(&self, side: Side, m: MemberIx, outer: MemberIx) -> bool {
        let Some(tree) = self.placement else {
            return false;
        };
        if outer == NONE {
            return false;
        }
        let head = tree.child(outer, side);
        if head == NONE {
            return false;
        }
        let p = tree.pos(m);
        tree.pos(head) <= p && p < tree.end(head)
    }
}

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

pub(crate) fn val_dec(v: Val) -> Decimal {
    match v {
        Val::Dec(d) => d,
        Val::Bool(b) => Decimal::from(u8::from(b)),
        Val::Rank(r) => Decimal::from(r),
    }
}

pub(crate) fn val_bool(v: Val) -> bool {
    match v {
        Val::Bool(b) => b,
        Val::Dec(d) => !d.is_zero(),
        Val::Rank(r) => r > 0,
    }
}

/// `a` against `b`: one integer comparison when both have the same scale
/// (the common case: values of one column), else the general comparison.
#[inline]
pub(crate) fn cmp(a: Decimal, b: Decimal) -> Ordering {
    if a.scale() == b.scale() {
        a.mantissa().cmp(&b.mantissa())
    } else {
        a.cmp(&b)
    }
}

/// A constant prepared for comparisons: its mantissa rescaled to every
/// scale from its own up to the largest, so that comparing a value of such
/// a scale with it is one exact integer comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConstCmp {
    c: Decimal,
    /// The constant's mantissa at scale `s`, where it fits an `i128`.
    scaled: [Option<i128>; 29],
}

impl ConstCmp {
    pub fn new(c: Decimal) -> ConstCmp {
        // From the smallest scale that holds the value (`500.0` as `500`),
        // so values of a smaller scale still compare as integers.
        let n = c.normalize();
        let mut scaled = [None; 29];
        let mut m = Some(n.mantissa());
        for (s, slot) in scaled.iter_mut().enumerate() {
            if s as u32 >= n.scale() {
                *slot = m;
                m = m.and_then(|x| x.checked_mul(10));
            }
        }
        ConstCmp { c, scaled }
    }

    /// `a` against the constant, exactly.
    #[inline]
    pub fn cmp(&self, a: Decimal) -> Ordering {
        match self.scaled.get(a.scale() as usize) {
            Some(Some(c)) => a.mantissa().cmp(c),
            _ => a.cmp(&self.c),
        }
    }

    /// The smaller of `a` and the constant, as `Decimal::min` picks it.
    #[inline]
    pub fn min(&self, a: Decimal) -> Decimal {
        if self.cmp(a) == Ordering::Greater {
            self.c
        } else {
            a
        }
    }

    /// The larger of `a` and the constant, as `Decimal::max` picks it.
    #[inline]
    pub fn max(&self, a: Decimal) -> Decimal {
        if self.cmp(a) == Ordering::Less {
            self.c
        } else {
            a
        }
    }
}

/// An operand read without a call of its own: a constant, a register, an
/// input column read in place, or a column of an earlier stage.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Leaf {
    Const(Decimal),
    Register(NodeId),
    Input(NodeId, usize),
    Column(NodeId),
}

impl Leaf {
    /// The operand's value at member `m`.
    #[inline(always)]
    fn read(self, e: &Env<'_>, m: MemberIx) -> Decimal {
        match self {
            Leaf::Const(c) => c,
            Leaf::Register(n) => e.cur.dec(n),
            Leaf::Input(n, c) => match e.inputs.get(c) {
                Some(Column::Decimal(v)) => v.get(m as usize).copied().unwrap_or_default(),
                _ => e.dec(n, m, Src::Input(c)),
            },
            Leaf::Column(n) => match e.store.get(n) {
                Some(Store::Dec(v)) => v.get(m as usize).copied().unwrap_or_default(),
                _ => e.dec(n, m, Src::Earlier),
            },
        }
    }
}

#[inline]
pub(crate) fn add(a: Decimal, b: Decimal) -> R<Decimal> {
    a.checked_add(b).ok_or(Arith::Overflow)
}

#[inline]
pub(crate) fn mul(a: Decimal, b: Decimal) -> R<Decimal> {
    a.checked_mul(b).ok_or(Arith::Overflow)
}

/// A compiled expression: evaluated at a member, with the aggregating
/// member as `outer` (for `within`), or [`NONE`].
pub(crate) type DecFn = Box<dyn Fn(&Env<'_>, MemberIx, MemberIx) -> R<Decimal> + Send + Sync>;
pub(crate) type BoolFn = Box<dyn Fn(&Env<'_>, MemberIx, MemberIx) -> R<bool> + Send + Sync>;
pub(crate) type RankFn = Box<dyn Fn(&Env<'_>, MemberIx, MemberIx) -> R<u16> + Send + Sync>;

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

    /// Whether node `n` is read from the current member's registers.
    fn local(&self, n: NodeId) -> bool {
        self.src(n) == Src::Register
    }

    fn node_kind(&self, n: NodeId) -> Kind {
        self.plan
            .nodes
            .get(n)
            .map_or(Kind::Dec, |node| kind_of_ty(node.ty))
    }

    pub fn kind(&self, t: &TExpr) -> Kind {
        // Iterative: walk down the branch that decides the kind.
        let mut t = t;
        loop {
            return match t {
                TExpr::Const(Val::Dec(_)) | TExpr::Neg(_) | TExpr::ShareOf(..) => Kind::Dec,
                TExpr::Const(Val::Bool(_)) | TExpr::Not(_) | TExpr::Within(_) => Kind::Bool,
                TExpr::Const(Val::Rank(_)) => Kind::Rank,
                TExpr::Slot(n) => self.node_kind(*n),
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

    /// `t` as a [`Leaf`], when it is a constant or a decimal slot read directly.
    fn leaf(&self, t: &TExpr) -> Option<Leaf> {
        match t {
            TExpr::Const(v) => Some(Leaf::Const(val_dec(*v))),
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
    fn leaf_binary(&self, op: BinOp, a: Leaf, b: Leaf) -> Option<DecFn> {
        if let (Leaf::Const(c), BinOp::Min | BinOp::Max) = (b, op) {
            let c = ConstCmp::new(c);
            return Some(if op == BinOp::Min {
                Box::new(move |e, m, _| Ok(c.min(a.read(e, m))))
            } else {
                Box::new(move |e, m, _| Ok(c.max(a.read(e, m))))
            });
        }
        Some(match op {
            BinOp::Add => Box::new(move |e, m, _| add(a.read(e, m), b.read(e, m))),
            BinOp::Sub => Box::new(move |e, m, _| {
                a.read(e, m)
                    .checked_sub(b.read(e, m))
                    .ok_or(Arith::Overflow)
            }),
            BinOp::Mul => Box::new(move |e, m, _| mul(a.read(e, m), b.read(e, m))),
            BinOp::Min => Box::new(move |e, m, _| {
                let (x, y) = (a.read(e, m), b.read(e, m));
                Ok(if cmp(x, y) == Ordering::Greater { y } else { x })
            }),
            BinOp::Max => Box::new(move |e, m, _| {
                let (x, y) = (a.read(e, m), b.read(e, m));
                Ok(if cmp(x, y) == Ordering::Less { y } else { x })
            }),
            _ => return None,
        })
    }

    pub fn dec(&self, t: &TExpr) -> DecFn {
        match t {
            TExpr::Const(v) => {
                let d = val_dec(*v);
                Box::new(move |_, _, _| Ok(d))
            }
            TExpr::Slot(n) if self.local(*n) => {
                let n = *n;
                match self.node_kind(n) {
                    Kind::Dec => Box::new(move |e, _, _| Ok(e.cur.dec(n))),
                    Kind::Bool => {
                        Box::new(move |e, _, _| Ok(Decimal::from(u8::from(e.cur.boolean(n)))))
                    }
                    Kind::Rank => Box::new(move |e, _, _| Ok(Decimal::from(e.cur.rank(n)))),
                }
            }
            TExpr::Slot(n) => {
                let (n, src) = (*n, self.src(*n));
                match self.node_kind(n) {
                    Kind::Dec if matches!(src, Src::Input(_)) => {
                        let c = match src {
                            Src::Input(c) => c,
                            _ => usize::MAX,
                        };
                        Box::new(move |e, m, _| {
                            Ok(match e.inputs.get(c) {
                                Some(Column::Decimal(v)) => {
                                    v.get(m as usize).copied().unwrap_or_default()
                                }
                                _ => e.dec(n, m, src),
                            })
                        })
                    }
                    Kind::Dec if !self.is_global(n) && src == Src::Earlier => {
                        Box::new(move |e, m, _| {
                            Ok(match e.store.get(n) {
                                Some(Store::Dec(v)) => {
                                    v.get(m as usize).copied().unwrap_or_default()
                                }
                                _ => e.dec(n, m, src),
                            })
                        })
                    }
                    _ => Box::new(move |e, m, _| Ok(e.dec(n, m, src))),
                }
            }
            TExpr::Neg(a) => {
                let a = self.dec(a);
                Box::new(move |e, m, o| Ok(-a(e, m, o)?))
            }
            TExpr::If(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.dec(a), self.dec(b));
                Box::new(move |e, m, o| if c(e, m, o)? { a(e, m, o) } else { b(e, m, o) })
            }
            TExpr::RankTable { rank, entries } => {
                let (rank, src) = (*rank, self.src(*rank));
                let entries: Vec<DecFn> = entries.iter().map(|x| self.dec(x)).collect();
                Box::new(
                    move |e, m, o| match entries.get(usize::from(e.rank(rank, m, src))) {
                        Some(f) => f(e, m, o),
                        None => Ok(Decimal::ZERO),
                    },
                )
            }
            TExpr::ShareOf(a, b) => {
                let (a, b) = (self.dec(a), self.dec(b));
                Box::new(move |e, m, o| {
                    let den = b(e, m, o)?;
                    if den.is_zero() {
                        Ok(Decimal::ZERO)
                    } else {
                        a(e, m, o)?.checked_div(den).ok_or(Arith::Overflow)
                    }
                })
            }
            TExpr::Binary(op, a, b) => self.dec_binary(*op, a, b),
            TExpr::Not(_) | TExpr::Within(_) => {
                let f = self.boolean(t);
                Box::new(move |e, m, o| Ok(Decimal::from(u8::from(f(e, m, o)?))))
            }
        }
    }

    fn dec_binary(&self, op: BinOp, a: &TExpr, b: &TExpr) -> DecFn {
        if let (Some(la), Some(lb)) = (self.leaf(a), self.leaf(b)) {
            if let Some(f) = self.leaf_binary(op, la, lb) {
                return f;
            }
        }
        // The commonest shapes, `8% * cv` and `pv - 100`, without a call for the constant.
        if let (TExpr::Const(c), BinOp::Mul) = (a, op) {
            let (c, b) = (val_dec(*c), self.dec(b));
            return Box::new(move |e, m, o| mul(c, b(e, m, o)?));
        }
        if let TExpr::Const(c) = b {
            let (c, a) = (val_dec(*c), self.dec(a));
            match op {
                BinOp::Mul => return Box::new(move |e, m, o| mul(a(e, m, o)?, c)),
                BinOp::Add => return Box::new(move |e, m, o| add(a(e, m, o)?, c)),
                BinOp::Sub => {
                    return Box::new(move |e, m, o| {
                        a(e, m, o)?.checked_sub(c).ok_or(Arith::Overflow)
                    });
                }
                BinOp::Min => {
                    let c = ConstCmp::new(c);
                    return Box::new(move |e, m, o| Ok(c.min(a(e, m, o)?)));
                }
                BinOp::Max => {
                    let c = ConstCmp::new(c);
                    return Box::new(move |e, m, o| Ok(c.max(a(e, m, o)?)));
                }
                _ => {}
            }
        }
        let (fa, fb) = (self.dec(a), self.dec(b));
        match op {
            BinOp::Add => Box::new(move |e, m, o| add(fa(e, m, o)?, fb(e, m, o)?)),
            BinOp::Sub => Box::new(move |e, m, o| {
                fa(e, m, o)?
                    .checked_sub(fb(e, m, o)?)
                    .ok_or(Arith::Overflow)
            }),
            BinOp::Mul => Box::new(move |e, m, o| mul(fa(e, m, o)?, fb(e, m, o)?)),
            BinOp::Div => Box::new(move |e, m, o| {
                let x = fa(e, m, o)?;
                let d = fb(e, m, o)?;
                if d.is_zero() {
                    return Err(Arith::DivisionByZero);
                }
                x.checked_div(d).ok_or(Arith::Overflow)
            }),
            BinOp::Min => Box::new(move |e, m, o| {
                let (x, y) = (fa(e, m, o)?, fb(e, m, o)?);
                Ok(if cmp(x, y) == Ordering::Greater { y } else { x })
            }),
            BinOp::Max => Box::new(move |e, m, o| {
                let (x, y) = (fa(e, m, o)?, fb(e, m, o)?);
                Ok(if cmp(x, y) == Ordering::Less { y } else { x })
            }),
            _ => {
                let f = self.boolean(&TExpr::Binary(op, Box::new(a.clone()), Box::new(b.clone())));
                Box::new(move |e, m, o| Ok(Decimal::from(u8::from(f(e, m, o)?))))
            }
        }
    }

    pub fn boolean(&self, t: &TExpr) -> BoolFn {
        match t {
            TExpr::Const(v) => {
                let b = val_bool(*v);
                Box::new(move |_, _, _| Ok(b))
            }
            TExpr::Slot(n) if self.local(*n) => {
                let n = *n;
                match self.node_kind(n) {
                    Kind::Bool => Box::new(move |e, _, _| Ok(e.cur.boolean(n))),
                    Kind::Dec => Box::new(move |e, _, _| Ok(!e.cur.dec(n).is_zero())),
                    Kind::Rank => Box::new(|_, _, _| Ok(false)),
                }
            }
            TExpr::Slot(n) => {
                let (n, src) = (*n, self.src(*n));
                Box::new(move |e, m, _| Ok(e.boolean(n, m, src)))
            }
            TExpr::Not(a) => {
                let a = self.boolean(a);
                Box::new(move |e, m, o| Ok(!a(e, m, o)?))
            }
            TExpr::Within(side) => {
                let side = *side;
                Box::new(move |e, m, o| Ok(e.within(side, m, o)))
            }
            TExpr::If(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.boolean(a), self.boolean(b));
                Box::new(move |e, m, o| if c(e, m, o)? { a(e, m, o) } else { b(e, m, o) })
            }
            TExpr::RankTable { rank, entries } => {
                let (rank, src) = (*rank, self.src(*rank));
                let entries: Vec<BoolFn> = entries.iter().map(|x| self.boolean(x)).collect();
                Box::new(
                    move |e, m, o| match entries.get(usize::from(e.rank(rank, m, src))) {
                        Some(f) => f(e, m, o),
                        None => Ok(false),
                    },
                )
            }
            TExpr::Binary(op, a, b) => self.bool_binary(*op, a, b),
            TExpr::Neg(_) | TExpr::ShareOf(..) => {
                let f = self.dec(t);
                Box::new(move |e, m, o| Ok(!f(e, m, o)?.is_zero()))
            }
        }
    }

    fn bool_binary(&self, op: BinOp, a: &TExpr, b: &TExpr) -> BoolFn {
        let test = move |ord: Ordering| match op {
            BinOp::Eq => ord == Ordering::Equal,
            BinOp::Ne => ord != Ordering::Equal,
            BinOp::Lt => ord == Ordering::Less,
            BinOp::Le => ord != Ordering::Greater,
            BinOp::Gt => ord == Ordering::Greater,
            _ => ord != Ordering::Less,
        };
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
                match self.kind(a) {
                    Kind::Rank => {
                        // `rank >= silver` at the current member: one register read.
                        if let (TExpr::Slot(n), TExpr::Const(Val::Rank(r))) = (a, b) {
                            if self.local(*n) && self.node_kind(*n) == Kind::Rank {
                                let (n, r) = (*n, *r);
                                return Box::new(move |e, _, _| Ok(test(e.cur.rank(n).cmp(&r))));
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
                                return Box::new(move |e, m, _| Ok(test(c.cmp(la.read(e, m)))));
                            }
                            (Some(la), Some(lb)) => {
                                return Box::new(move |e, m, _| {
                                    Ok(test(cmp(la.read(e, m), lb.read(e, m))))
                                });
                            }
                            _ => {}
                        }
                        if let TExpr::Const(c) = b {
                            let (c, a) = (ConstCmp::new(val_dec(*c)), self.dec(a));
                            return Box::new(move |e, m, o| Ok(test(c.cmp(a(e, m, o)?))));
                        }
                        let (a, b) = (self.dec(a), self.dec(b));
                        Box::new(move |e, m, o| Ok(test(cmp(a(e, m, o)?, b(e, m, o)?))))
                    }
                }
            }
            _ => {
                let f = self.dec_binary(op, a, b);
                Box::new(move |e, m, o| Ok(!f(e, m, o)?.is_zero()))
            }
        }
    }

    pub fn rank(&self, t: &TExpr) -> RankFn {
        match t {
            TExpr::Const(Val::Rank(r)) => {
                let r = *r;
                Box::new(move |_, _, _| Ok(r))
            }
            TExpr::Slot(n) if self.local(*n) => {
                let n = *n;
                match self.node_kind(n) {
                    Kind::Rank => Box::new(move |e, _, _| Ok(e.cur.rank(n))),
                    _ => Box::new(|_, _, _| Ok(0)),
                }
            }
            TExpr::Slot(n) => {
                let (n, src) = (*n, self.src(*n));
                Box::new(move |e, m, _| Ok(e.rank(n, m, src)))
            }
            TExpr::If(c, a, b) => {
                let (c, a, b) = (self.boolean(c), self.rank(a), self.rank(b));
                Box::new(move |e, m, o| if c(e, m, o)? { a(e, m, o) } else { b(e, m, o) })
            }
            TExpr::RankTable { rank, entries } => {
                let (rank, src) = (*rank, self.src(*rank));
                let entries: Vec<RankFn> = entries.iter().map(|x| self.rank(x)).collect();
                Box::new(
                    move |e, m, o| match entries.get(usize::from(e.rank(rank, m, src))) {
                        Some(f) => f(e, m, o),
                        None => Ok(0),
                    },
                )
            }
            _ => Box::new(|_, _, _| Ok(0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{cmp, ConstCmp};
    use rust_decimal::Decimal;

    /// The fast comparisons agree with `Decimal`'s own, across scales and signs.
    #[test]
    fn fast_comparisons_agree() {
        let texts = [
            "0",
            "-0",
            "0.00",
            "1",
            "1.0",
            "0.999",
            "100",
            "100.00",
            "99.99",
            "-100",
            "-99.5",
            "500",
            "500.000001",
            "0.5",
            "-0.5",
            "1e-28",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "12345.6789",
        ];
        let values: Vec<Decimal> = texts
            .iter()
            .filter_map(|t| {
                Decimal::from_str_exact(t)
                    .ok()
                    .or_else(|| Decimal::from_scientific(t).ok())
            })
            .collect();
        assert_eq!(values.len(), texts.len());
        for &c in &values {
            let k = ConstCmp::new(c);
            for &a in &values {
                assert_eq!(k.cmp(a), a.cmp(&c), "{a} against {c}");
                assert_eq!(cmp(a, c), a.cmp(&c), "{a} against {c}");
                assert_eq!(k.min(a).to_string(), a.min(c).to_string());
                assert_eq!(k.max(a).to_string(), a.max(c).to_string());
            }
        }
    }
}
