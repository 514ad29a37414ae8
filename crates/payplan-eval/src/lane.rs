//! A lane: one thread's share of a pass, its columns, registers and the
//! aggregate state carried between its members; how each kind of stage
//! drives it (the step at one member is in [`crate::member`]).

use payplan_check::{Direction, NodeId, Val};
use payplan_network::{MemberIx, NONE};
use rust_decimal::Decimal;

use crate::acc::{add_row, identity, merge, State, NO_STATE};
use crate::arith::{add, Arith, Mode, R};
use crate::compile::{kind_of_ty, Compiled, Kind};
use crate::env::{missing, Cur, Env, Store};
use crate::error::{at_member, EvalError};
use crate::eval::Ctx;
use crate::program::{Aggregate, Program, Relation};

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

    /// The error `e` met at `member` (or [`NONE`]) in node `node`.
    #[cold]
    #[inline(never)]
    pub(crate) fn error(&self, e: Arith, member: MemberIx, node: NodeId) -> EvalError {
        let rate = match e {
            Arith::NotInTable => self.rate_at(node, member),
            _ => None,
        };
        at_member(e, self.ctx.plan, self.ctx.net, member, node, rate)
    }

    /// Member `m`'s state slot: its depth, counted from the lane's top.
    #[inline]
    pub(crate) fn depth_at(&self, m: MemberIx) -> R<MemberIx> {
        let depth = self.ctx.depth.get(m as usize).ok_or(NO_STATE)?;
        depth.checked_sub(self.top).ok_or(NO_STATE)
    }

    /// A bottom-up sweep over members `a..b` (whole sibling subtrees).
    pub(crate) fn sweep(
        &mut self,
        nodes: &[NodeId],
        a: MemberIx,
        b: MemberIx,
    ) -> Result<(), EvalError> {
        for &node in nodes {
            self.start(node)?;
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
        for &node in pushing {
            self.absorb_node(node, p, top)
                .map_err(|e| self.error(e, p, node))?;
        }
        Ok(())
    }

    /// Merges what a finished lane hands sponsor `p` for `node` into `p`'s slot.
    fn absorb_node(&mut self, node: NodeId, p: MemberIx, top: &[State]) -> R<()> {
        let dp = self.depth_at(p)? as usize;
        let (agg, mode) = match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) => (Some(agg), agg.mode),
            Some(Program::Differential { mode, .. }) => (None, *mode),
            _ => return Err(missing(node)),
        };
        match (self.states.get_mut(node), top.get(node)) {
            (Some(to), Some(from)) => merge_slot(agg, mode, to, from, dp, self.slots),
            _ => Err(NO_STATE),
        }
    }

    pub(crate) fn single(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(spec) = self.ctx.plan.nodes.get(node) else {
            return Err(self.error(missing(node), NONE, node));
        };
        if spec.global {
            return self.global(node);
        }
        let n = self.n() as MemberIx;
        match self.ctx.programs.get(node) {
            Some(Program::Input) => return Ok(()),
            // Column at a time: the node does not read itself.
            Some(Program::Expr(_)) => return self.column(node),
            _ => {}
        }
        self.start(node)?;
        match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) if matches!(agg.relation, Relation::Upline) => {
                for m in 0..n {
                    self.eval_at(node, m)?;
                }
            }
            Some(Program::Aggregate(agg)) if matches!(agg.relation, Relation::Placement(_)) => {
                self.placement(node)?;
            }
            Some(Program::Aggregate(agg)) if agg.earner => self.earner_walk(node)?,
            Some(Program::Aggregate(agg))
                if matches!(agg.relation, Relation::MatrixLevels { .. }) =>
            {
                self.matrix_levels(node)?;
            }
            Some(Program::Matrix(what)) => {
                let what = *what;
                self.matrix_place(node, what)?;
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

    /// A network-wide node's one value: a total over every member, or an
    /// expression of totals and constants.
    fn global(&mut self, node: NodeId) -> Result<(), EvalError> {
        let env = self.env();
        let v = match self.ctx.programs.get(node) {
            Some(Program::Total(f, mode)) => {
                let mut total = Decimal::ZERO;
                for m in 0..self.n() as MemberIx {
                    let x = f(&env, m, NONE).map_err(|e| self.error(e, m, node))?;
                    total = add(total, x, *mode).map_err(|e| self.error(e, m, node))?;
                }
                Val::Dec(total)
            }
            Some(Program::Expr(c)) => {
                let r = match c {
                    Compiled::Dec(f) => f(&env, NONE, NONE).map(Val::Dec),
                    Compiled::Bool(f) => f(&env, NONE, NONE).map(Val::Bool),
                    Compiled::Rank(f) => f(&env, NONE, NONE).map(Val::Rank),
                };
                r.map_err(|e| self.error(e, NONE, node))?
            }
            _ => return Err(self.error(missing(node), NONE, node)),
        };
        match self.own.get_mut(node) {
            Some(slot) => *slot = Store::Global(v),
            None => return Err(self.error(missing(node), NONE, node)),
        }
        Ok(())
    }

    /// Evaluates an expression node over every member in one loop.
    pub(crate) fn column(&mut self, node: NodeId) -> Result<(), EvalError> {
        let n = self.n() as MemberIx;
        let Some(Program::Expr(c)) = self.ctx.programs.get(node) else {
            return Err(self.error(missing(node), NONE, node));
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
        match self.own.get_mut(node) {
            Some(slot) => *slot = store,
            None => return Err(self.error(missing(node), NONE, node)),
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
                    self.start(node)?;
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
    pub(crate) fn start(&mut self, node: NodeId) -> Result<(), EvalError> {
        self.start_node(node).map_err(|e| self.error(e, NONE, node))
    }

    fn start_node(&mut self, node: NodeId) -> R<()> {
        let n = self.len;
        // Carried state lives only along the current path from a root: one
        // slot per depth, not one per member.
        let slots = self.slots;
        let spec = self.ctx.plan.nodes.get(node).ok_or(missing(node))?;
        let windowed = matches!(self.out.get(node), Some(Some(_)));
        let store = match kind_of_ty(spec.ty) {
            _ if windowed || matches!(self.ctx.register_only.get(node), Some(true)) => {
                Store::Pending
            }
            Kind::Dec => Store::Dec(vec![Decimal::ZERO; n]),
            Kind::Bool => Store::Bool(vec![false; n]),
            Kind::Rank => Store::Rank(vec![0; n]),
        };
        *self.has_column.get_mut(node).ok_or(missing(node))? =
            windowed || !matches!(store, Store::Pending);
        *self.own.get_mut(node).ok_or(missing(node))? = store;
        let state = match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) => match &agg.relation {
                Relation::Children | Relation::Downline | Relation::Group | Relation::Upline => {
                    State::Acc(vec![identity(agg.op); slots])
                }
                Relation::Levels { width, .. } | Relation::Generations { width, .. } => {
                    State::Wide(vec![
                        Decimal::ZERO;
                        slots.checked_mul(*width).ok_or(NO_STATE)?
                    ])
                }
                Relation::Placement(_) | Relation::MatrixLevels { .. } => State::None,
            },
            Some(Program::Differential {
                buckets,
                from_level,
                ..
            }) => {
                let len = slots
                    .checked_mul(buckets.len() + from_level)
                    .ok_or(NO_STATE)?;
                State::Wide(vec![Decimal::ZERO; len])
            }
            _ => State::None,
        };
        *self.states.get_mut(node).ok_or(missing(node))? = state;
        Ok(())
    }

    /// Whether a node's pass pushes state from members to their sponsors.
    pub(crate) fn pushes(&self, node: NodeId) -> bool {
        match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) => !matches!(
                agg.relation,
                Relation::Upline | Relation::Placement(_) | Relation::MatrixLevels { .. }
            ),
            Some(Program::Differential { .. }) => true,
            _ => false,
        }
    }
}

/// Merges `from`'s slot 0 into `to`'s slot `d` (of `slots`).
pub(crate) fn merge_slot(
    agg: Option<&Aggregate>,
    mode: Mode,
    to: &mut State,
    from: &State,
    d: usize,
    slots: usize,
) -> R<()> {
    match (to, from, agg) {
        (State::Acc(to), State::Acc(from), Some(agg)) => {
            let to = to.get_mut(d).ok_or(NO_STATE)?;
            *to = merge(agg.op, *to, *from.first().ok_or(NO_STATE)?, mode)?;
        }
        (State::Wide(to), State::Wide(from), _) => {
            let width = to.len().checked_div(slots).ok_or(NO_STATE)?;
            let row = d.checked_mul(width).map(|start| start..start + width);
            let row = row.and_then(|r| to.get_mut(r)).ok_or(NO_STATE)?;
            add_row(row, from, mode)?;
        }
        _ => return Err(NO_STATE),
    }
    Ok(())
}
