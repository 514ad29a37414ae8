//! What compiled expressions read: node columns, registers, input columns
//! read in place, and the placement tree.

use payplan_check::{NodeId, Val};
use payplan_network::{Column, MemberIx, PlacementTree, Side, NONE};
use rust_decimal::Decimal;

use crate::arith::{Arith, Miss, R};

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
    pub(crate) fn dec(&self, n: NodeId) -> R<Decimal> {
        self.dec.get(n).copied().ok_or(missing(n))
    }

    #[inline]
    pub(crate) fn boolean(&self, n: NodeId) -> R<bool> {
        self.boolean.get(n).copied().ok_or(missing(n))
    }

    #[inline]
    pub(crate) fn rank(&self, n: NodeId) -> R<u16> {
        self.rank.get(n).copied().ok_or(missing(n))
    }

    /// Sets node `n`'s register.
    #[inline(always)]
    pub(crate) fn set(&mut self, n: NodeId, v: Val) -> R<()> {
        match v {
            Val::Dec(d) => *self.dec.get_mut(n).ok_or(missing(n))? = d,
            Val::Bool(b) => *self.boolean.get_mut(n).ok_or(missing(n))? = b,
            Val::Rank(r) => *self.rank.get_mut(n).ok_or(missing(n))? = r,
        }
        Ok(())
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

    /// Node `node`'s number at `m`, read from `src`.
    #[inline]
    pub(crate) fn dec(&self, node: NodeId, m: MemberIx, src: Src) -> R<Decimal> {
        match src {
            Src::Register => return self.cur.dec(node),
            Src::Input(c) => return input_dec(self.inputs, c, m).ok_or(missing(node)),
            _ => {}
        }
        let (store, i) = self.at(node, m, src);
        match store {
            Some(Store::Dec(v)) => v.get(i).copied(),
            Some(Store::Global(Val::Dec(d))) => Some(*d),
            _ => None,
        }
        .ok_or(missing(node))
    }

    /// Node `node`'s condition at `m`, read from `src`.
    #[inline]
    pub(crate) fn boolean(&self, node: NodeId, m: MemberIx, src: Src) -> R<bool> {
        match src {
            Src::Register => return self.cur.boolean(node),
            Src::Input(c) => {
                return match self.inputs.get(c) {
                    Some(Column::Bool(v)) => v.get(m as usize).copied(),
                    _ => None,
                }
                .ok_or(missing(node))
            }
            _ => {}
        }
        let (store, i) = self.at(node, m, src);
        match store {
            Some(Store::Bool(v)) => v.get(i).copied(),
            Some(Store::Global(Val::Bool(b))) => Some(*b),
            _ => None,
        }
        .ok_or(missing(node))
    }

    /// Node `node`'s rank at `m`, read from `src`.
    #[inline]
    pub(crate) fn rank(&self, node: NodeId, m: MemberIx, src: Src) -> R<u16> {
        if src == Src::Register {
            return self.cur.rank(node);
        }
        let (store, i) = self.at(node, m, src);
        match store {
            Some(Store::Rank(v)) => v.get(i).copied(),
            Some(Store::Global(Val::Rank(r))) => Some(*r),
            _ => None,
        }
        .ok_or(missing(node))
    }

    /// Whether `m` lies in `outer`'s placement subtree on `side`. Only an
    /// aggregate over `children` asks, with the network's placement tree.
    pub(crate) fn within(&self, side: Side, m: MemberIx, outer: MemberIx) -> R<bool> {
        let Some(tree) = self.placement.filter(|_| outer != NONE) else {
            return Err(Arith::Invariant(Miss::Placement));
        };
        let head = tree.child(outer, side);
        if head == NONE {
            return Ok(false);
        }
        let p = tree.pos(m);
        Ok(tree.pos(head) <= p && p < tree.end(head))
    }
}

/// The error of a read of node `n` that finds no value of the right type.
#[inline(always)]
pub(crate) fn missing(n: NodeId) -> Arith {
    Arith::Invariant(Miss::Value(n as u32))
}

/// Member `m`'s value in the network's decimal column `c`.
#[inline(always)]
pub(crate) fn input_dec(inputs: &[Column], c: usize, m: MemberIx) -> Option<Decimal> {
    match inputs.get(c) {
        Some(Column::Decimal(v)) => v.get(m as usize).copied(),
        _ => None,
    }
}

/// Member `m`'s value in the decimal column `n` of an earlier stage.
#[inline(always)]
pub(crate) fn column_dec(store: &[Store], n: NodeId, m: MemberIx) -> R<Decimal> {
    match store.get(n) {
        Some(Store::Dec(v)) => v.get(m as usize).copied(),
        _ => None,
    }
    .ok_or(missing(n))
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
    pub(crate) fn read(self, e: &Env<'_>, m: MemberIx) -> R<Decimal> {
        match self {
            Leaf::Const(c) => Ok(c),
            Leaf::Register(n) => e.cur.dec(n),
            Leaf::Input(n, c) => input_dec(e.inputs, c, m).ok_or(missing(n)),
            Leaf::Column(n) => column_dec(e.store, n, m),
        }
    }
}
