//! A lane: one thread's share of a pass, its columns, registers and the
//! aggregate state carried between its members.

use payplan_check::{AggOp, Direction, NodeId, Val};
use payplan_network::{MemberIx, NONE};
use rust_decimal::Decimal;

use crate::acc::{identity, Acc, State};
use crate::arith::{add, Arith, R};
use crate::compile::{kind_of_ty, Compiled, Kind};
use crate::env::{Cur, Env, Store};
use crate::error::EvalError;
use crate::eval::Ctx;
use crate::program::{Program, Relation};
use crate::relation::{bonus, merge_slot, push};

/// A lane's window on a column of the running stage.
pub(crate) enum Out<'o> {
    Dec(&'o mut [Decimal]),
    Bool(&'o mut [bool]),
    Rank(&'o mut [u16]),
}

/// One thread's share of a pass: the members `base..base + len`, their
/// columns of the running stage, and the state carried between them.
pub(crate) struct Lane<'c, 'a, 'o> {
    pub(crate) ctx: &'c Ctx<'a>,
    /// Columns of the running stage's nodes, indexed by `member - base`.
    pub(crate) own: Vec<Store>,
    /// Windows on another lane's columns, per node, written instead of `own`.
    pub(crate) out: Vec<Option<Out<'o>>>,
    pub(crate) base: MemberIx,
    pub(crate) len: usize,
    /// The current member's value of every node, in a bottom-up sweep.
    pub(crate) cur: Cur,
    pub(crate) states: Vec<State>,
    /// The depth of state slot 0: member `m`'s slot is `depth(m) - top`.
    pub(crate) top: u32,
    /// Number of state slots (one per depth the lane reaches).
    pub(crate) slots: usize,
    /// Per node, whether `write` has a column or window to fill besides
    /// the register (set by `start`).
    pub(crate) has_column: Vec<bool>,
}

impl<'c, 'a, 'o> Lane<'c, 'a, 'o> {
    /// A lane over members `base..base + len` with `slots` state slots from depth `top`.
    pub(crate) fn new(
        ctx: &'c Ctx<'a>,
        base: MemberIx,
        len: usize,
        top: u32,
        slots: usize,
    ) -> Self {
        let nodes = ctx.plan.nodes.len();
        Lane {
            ctx,
            own: vec![Store::Pending; nodes],
            out: Vec::new(),
            base,
            len,
            cur: Cur::new(nodes),
            states: (0..nodes).map(|_| State::None).collect(),
            top,
            slots,
            has_column: vec![false; nodes],
        }
    }

    pub(crate) fn n(&self) -> usize {
        self.ctx.net.len()
    }

    pub(crate) fn env(&self) -> Env<'_> {
        self.ctx.env(&self.own, self.base, &self.cur)
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn error(&self, e: Arith, member: MemberIx, node: NodeId) -> EvalError {
        let member = if member == NONE {
            String::from("(network)")
        } else {
            self.ctx.net.id(member).to_string()
        };
        let what = self
            .ctx
            .plan
            .nodes
            .get(node)
            .map(|n| n.label.clone())
            .unwrap_or_default();
        match e {
            Arith::Overflow => EvalError::Overflow { member, what },
            Arith::DivisionByZero => EvalError::DivisionByZero { member, what },
            Arith::NotInTable(v) => EvalError::RateNotInTable {
                member,
                what,
                value: v.normalize().to_string(),
            },
        }
    }

    /// Member `m`'s state slot: its depth, counted from the lane's top.
    pub(crate) fn depth_at(&self, m: MemberIx) -> MemberIx {
        self.ctx
            .depth
            .get(m as usize)
            .copied()
            .unwrap_or(0)
            .saturating_sub(self.top)
    }

    /// Empties state slot `d` once its member has handed its state to its
    /// sponsor, for the next member at the same depth.
    pub(crate) fn clear_slot(&mut self, node: NodeId, d: MemberIx) {
        let d = d as usize;
        match self.states.get_mut(node) {
            Some(State::Acc(v)) => {
                if let Some(slot) = v.get_mut(d) {
                    *slot = match *slot {
                        Acc::Total(_) => Acc::Total(Decimal::ZERO),
                        Acc::Extreme(_) => Acc::Extreme(None),
                    };
                }
            }
            Some(State::Wide(data)) => {
                let width = data.len() / self.slots.max(1);
                if let Some(row) = data.get_mut(d * width..(d + 1) * width) {
                    row.fill(Decimal::ZERO);
                }
            }
            _ => {}
        }
    }

    /// Evaluates every node of a bottom-up sweep at `m`, then hands `m`'s
    /// state to its sponsor.
    pub(crate) fn member(
        &mut self,
        nodes: &[NodeId],
        pushing: &[NodeId],
        m: MemberIx,
    ) -> Result<(), EvalError> {
        for &node in nodes {
            if let Err(e) = self.value_at(node, m) {
                return Err(self.error(e, m, node));
            }
        }
        let p = self.ctx.net.sponsor(m);
        let dm = self.depth_at(m);
        if p != NONE {
            // One view of the registers and columns for every node's push.
            let env = self.ctx.env(&self.own, self.base, &self.cur);
            for &node in pushing {
                if let Err(e) = push(&env, self.ctx.programs, &mut self.states, node, m, p, dm) {
                    return Err(self.error(e, m, node));
                }
            }
        }
        for &node in pushing {
            self.clear_slot(node, dm);
        }
        Ok(())
    }

    /// A bottom-up sweep over members `a..b` (whole sibling subtrees).
    pub(crate) fn sweep(
        &mut self,
        nodes: &[NodeId],
        a: MemberIx,
        b: MemberIx,
    ) -> Result<(), EvalError> {
        for &node in nodes {
            self.start(node);
        }
        let pushing: Vec<NodeId> = nodes.iter().copied().filter(|&x| self.pushes(x)).collect();
        for m in (a..b).rev() {
            self.member(nodes, &pushing, m)?;
        }
        Ok(())
    }

    /// Keeps only state slot 0, what the lane's subtrees hand their sponsor.
    pub(crate) fn keep_top_slot(&mut self) {
        let slots = self.slots.max(1);
        for state in &mut self.states {
            match state {
                State::Acc(v) => v.truncate(1),
                State::Wide(data) => {
                    let width = data.len() / slots;
                    data.truncate(width);
                }
                State::None => {}
            }
        }
        self.slots = 1;
    }

    /// Takes in what the subtrees of a finished lane starting at `base`
    /// hand their common sponsor (the lane's `top` slot states), merged into
    /// the sponsor's state.
    pub(crate) fn absorb(
        &mut self,
        base: MemberIx,
        top: &[State],
        pushing: &[NodeId],
    ) -> Result<(), EvalError> {
        let p = self.ctx.net.sponsor(base);
        if p == NONE {
            return Ok(());
        }
        let dp = self.depth_at(p) as usize;
        let slots = self.slots.max(1);
        for &node in pushing {
            let op = match self.ctx.programs.get(node) {
                Some(Program::Aggregate(agg)) => agg.op,
                _ => AggOp::Sum,
            };
            let merged = match (self.states.get_mut(node), top.get(node)) {
                (Some(to), Some(from)) => merge_slot(op, to, from, dp, slots),
                _ => Ok(()),
            };
            merged.map_err(|e| self.error(e, p, node))?;
        }
        Ok(())
    }

    pub(crate) fn single(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(spec) = self.ctx.plan.nodes.get(node) else {
            return Ok(());
        };
        let n = self.n() as MemberIx;
        if spec.global {
            let v = match self.ctx.programs.get(node) {
                Some(Program::Total(f)) => {
                    let env = self.env();
                    let mut total = Decimal::ZERO;
                    for m in 0..n {
                        let x = f(&env, m, NONE).map_err(|e| self.error(e, m, node))?;
                        total = add(total, x).map_err(|e| self.error(e, m, node))?;
                    }
                    Val::Dec(total)
                }
                Some(Program::Expr(c)) => {
                    let env = self.env();
                    let r = match c {
                        Compiled::Dec(f) => f(&env, NONE, NONE).map(Val::Dec),
                        Compiled::Bool(f) => f(&env, NONE, NONE).map(Val::Bool),
                        Compiled::Rank(f) => f(&env, NONE, NONE).map(Val::Rank),
                    };
                    r.map_err(|e| self.error(e, NONE, node))?
                }
                _ => Val::Dec(Decimal::ZERO),
            };
            if let Some(slot) = self.own.get_mut(node) {
                *slot = Store::Global(v);
            }
            return Ok(());
        }
        match self.ctx.programs.get(node) {
            Some(Program::Input) => return Ok(()),
            // Column at a time: the node does not read itself.
            Some(Program::Expr(_)) => return self.column(node),
            _ => {}
        }
        self.start(node);
        match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) if matches!(agg.relation, Relation::Upline) => {
                for m in 0..n {
                    self.eval_at(node, m)?;
                }
            }
            Some(Program::Aggregate(agg)) if matches!(agg.relation, Relation::Placement(_)) => {
                self.placement(node)?;
            }
            _ => {
                let pushing: &[NodeId] = if self.pushes(node) {
                    std::slice::from_ref(&node)
                } else {
                    &[]
                };
                for m in (0..n).rev() {
                    self.member(std::slice::from_ref(&node), pushing, m)?;
                }
            }
        }
        Ok(())
    }

    /// Evaluates an expression node over every member in one loop.
    pub(crate) fn column(&mut self, node: NodeId) -> Result<(), EvalError> {
        let n = self.n() as MemberIx;
        let Some(Program::Expr(c)) = self.ctx.programs.get(node) else {
            return Ok(());
        };
        let env = self.env();
        let result = match c {
            Compiled::Dec(f) => (0..n)
                .map(|m| f(&env, m, NONE).map_err(|e| (e, m)))
                .collect::<Result<_, _>>()
                .map(Store::Dec),
            Compiled::Bool(f) => (0..n)
                .map(|m| f(&env, m, NONE).map_err(|e| (e, m)))
                .collect::<Result<_, _>>()
                .map(Store::Bool),
            Compiled::Rank(f) => (0..n)
                .map(|m| f(&env, m, NONE).map_err(|e| (e, m)))
                .collect::<Result<_, _>>()
                .map(Store::Rank),
        };
        let store = result.map_err(|(e, m)| self.error(e, m, node))?;
        if let Some(slot) = self.own.get_mut(node) {
            *slot = store;
        }
        Ok(())
    }

    pub(crate) fn recursive(
        &mut self,
        direction: Direction,
        nodes: &[NodeId],
    ) -> Result<(), EvalError> {
        let n = self.n() as MemberIx;
        match direction {
            Direction::BottomUp => self.sweep(nodes, 0, n)?,
            Direction::TopDown => {
                for &node in nodes {
                    self.start(node);
                }
                for m in 0..n {
                    for &node in nodes {
                        self.eval_at(node, m)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Allocates a node's column and state before its pass.
    pub(crate) fn start(&mut self, node: NodeId) {
        let n = self.len;
        // Carried state lives only along the current path from a root: one
        // slot per depth, not one per member.
        let slots = self.slots;
        let Some(spec) = self.ctx.plan.nodes.get(node) else {
            return;
        };
        let windowed = matches!(self.out.get(node), Some(Some(_)));
        let store = match kind_of_ty(spec.ty) {
            _ if windowed || self.ctx.register_only.get(node).copied().unwrap_or(false) => {
                Store::Pending
            }
            Kind::Dec => Store::Dec(vec![Decimal::ZERO; n]),
            Kind::Bool => Store::Bool(vec![false; n]),
            Kind::Rank => Store::Rank(vec![0; n]),
        };
        if let Some(slot) = self.has_column.get_mut(node) {
            *slot = windowed || !matches!(store, Store::Pending);
        }
        if let Some(slot) = self.own.get_mut(node) {
            *slot = store;
        }
        let state = match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) => match &agg.relation {
                Relation::Children | Relation::Downline | Relation::Group | Relation::Upline => {
                    State::Acc(vec![identity(agg.op); slots])
                }
                Relation::Levels { width, .. } | Relation::Generations { width, .. } => {
                    State::Wide(vec![Decimal::ZERO; slots.saturating_mul(*width)])
                }
                Relation::Placement(_) => State::None,
            },
            Some(Program::Differential { buckets, .. }) => {
                State::Wide(vec![Decimal::ZERO; slots.saturating_mul(buckets.len())])
            }
            _ => State::None,
        };
        if let Some(slot) = self.states.get_mut(node) {
            *slot = state;
        }
    }

    /// Sets node `node`'s register at `m`, and its column if it has one.
    #[inline]
    pub(crate) fn write(&mut self, node: NodeId, m: MemberIx, v: Val) {
        self.cur.set(node, v);
        if self.has_column.get(node).copied().unwrap_or(true) {
            self.write_column(node, m, v);
        }
    }

    /// Writes `v` into node `node`'s column (or window) at `m`.
    pub(crate) fn write_column(&mut self, node: NodeId, m: MemberIx, v: Val) {
        let i = m.wrapping_sub(self.base) as usize;
        if let Some(Some(out)) = self.out.get_mut(node) {
            match (out, v) {
                (Out::Dec(col), Val::Dec(d)) => {
                    if let Some(x) = col.get_mut(i) {
                        *x = d;
                    }
                }
                (Out::Bool(col), Val::Bool(b)) => {
                    if let Some(x) = col.get_mut(i) {
                        *x = b;
                    }
                }
                (Out::Rank(col), Val::Rank(r)) => {
                    if let Some(x) = col.get_mut(i) {
                        *x = r;
                    }
                }
                _ => {}
            }
            return;
        }
        match (self.own.get_mut(node), v) {
            (Some(Store::Dec(col)), Val::Dec(d)) => {
                if let Some(x) = col.get_mut(i) {
                    *x = d;
                }
            }
            (Some(Store::Bool(col)), Val::Bool(b)) => {
                if let Some(x) = col.get_mut(i) {
                    *x = b;
                }
            }
            (Some(Store::Rank(col)), Val::Rank(r)) => {
                if let Some(x) = col.get_mut(i) {
                    *x = r;
                }
            }
            _ => {}
        }
    }

    pub(crate) fn eval_at(&mut self, node: NodeId, m: MemberIx) -> Result<(), EvalError> {
        self.value_at(node, m).map_err(|e| self.error(e, m, node))
    }

    /// Node `node`'s value at `m`, into its register and column; the error
    /// stays a small [`Arith`] here so the per-member path carries no
    /// [`EvalError`]. Each kind of node writes its typed register directly.
    #[inline]
    pub(crate) fn value_at(&mut self, node: NodeId, m: MemberIx) -> R<()> {
        match self.ctx.programs.get(node) {
            None | Some(Program::Input) | Some(Program::Total(_)) => {}
            Some(Program::Expr(Compiled::Dec(f))) => {
                let d = f(&self.env(), m, NONE)?;
                self.write_dec(node, m, d);
            }
            Some(Program::Expr(Compiled::Bool(f))) => {
                let b = f(&self.env(), m, NONE)?;
                self.write(node, m, Val::Bool(b));
            }
            Some(Program::Expr(Compiled::Rank(f))) => {
                let r = f(&self.env(), m, NONE)?;
                self.write(node, m, Val::Rank(r));
            }
            Some(Program::Rank(requirements)) => {
                let env = self.env();
                let mut rank = 0u16;
                for (i, req) in requirements.iter().enumerate().rev() {
                    if req(&env, m, NONE)? {
                        rank = u16::try_from(i + 1).unwrap_or(u16::MAX);
                        break;
                    }
                }
                self.write(node, m, Val::Rank(rank));
            }
            Some(Program::Bonus {
                qualification,
                amount,
                cap,
            }) => {
                let d = bonus(&self.env(), qualification.as_ref(), amount, cap.as_ref(), m)?;
                self.write_dec(node, m, d);
            }
            Some(Program::Aggregate(_)) => {
                let v = self.aggregate(node, m)?;
                self.write(node, m, v);
            }
            Some(Program::Differential { .. }) => {
                let d = self.differential(node, m)?;
                self.write_dec(node, m, d);
            }
        }
        Ok(())
    }

    /// [`Lane::write`] for a decimal, without going through [`Val`].
    #[inline(always)]
    pub(crate) fn write_dec(&mut self, node: NodeId, m: MemberIx, d: Decimal) {
        if let Some(x) = self.cur.dec.get_mut(node) {
            *x = d;
        }
        if self.has_column.get(node).copied().unwrap_or(true) {
            self.write_column(node, m, Val::Dec(d));
        }
    }

    /// Whether a node's pass pushes state from members to their sponsors.
    pub(crate) fn pushes(&self, node: NodeId) -> bool {
        match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) => {
                !matches!(agg.relation, Relation::Upline | Relation::Placement(_))
            }
            Some(Program::Differential { .. }) => true,
            _ => false,
        }
    }
}
