//! What compiled expressions read: node columns, registers, input columns
//! read in place, and the placement tree.

use payplan_check::{NodeId, Val};
use payplan_network::{Column, MemberIx, PlacementTree, Side, NONE};
use rust_decimal::Decimal;

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
    pub(crate) fn new(nodes: usize) -> Cur {
        Cur {
            dec: vec![Decimal::ZERO; nodes],
            boolean: vec![false; nodes],
            rank: vec![0; nodes],
        }
    }

    #[inline]
    pub(crate) fn dec(&self, n: NodeId) -> Decimal {
        self.dec.get(n).copied().unwrap_or_default()
    }

    #[inline]
    pub(crate) fn boolean(&self, n: NodeId) -> bool {
        self.boolean.get(n).copied().unwrap_or(false)
    }

    #[inline]
    pub(crate) fn rank(&self, n: NodeId) -> u16 {
        self.rank.get(n).copied().unwrap_or(0)
    }

    /// Sets node `n`'s register.
    #[inline]
    pub(crate) fn set(&mut self, n: NodeId, v: Val) {
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
    pub(crate) fn at(&self, node: NodeId, m: MemberIx, src: Src) -> (Option<&Store>, usize) {
        match src {
            Src::Own => (self.own.get(node), m.wrapping_sub(self.base) as usize),
            _ => (self.store.get(node), m as usize),
        }
    }

    #[inline]
    pub(crate) fn dec(&self, node: NodeId, m: MemberIx, src: Src) -> Decimal {
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
    pub(crate) fn boolean(&self, node: NodeId, m: MemberIx, src: Src) -> bool {
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
    pub(crate) fn rank(&self, node: NodeId, m: MemberIx, src: Src) -> u16 {
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
    pub(crate) fn within(&self, side: Side, m: MemberIx, outer: MemberIx) -> bool {
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
    pub(crate) fn read(self, e: &Env<'_>, m: MemberIx) -> Decimal {
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
