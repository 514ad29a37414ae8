//! The passes: every node's value at every member, in the stages' order.

use payplan_check::{AggOp, Direction, NodeId, NodeKind, Stage, TRelation, TypedPlan, Val};
use payplan_network::{Column, MemberIx, Network, Side, NONE};
use rayon::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::compile::{
    add, cmp, kind_of_ty, mul, Arith, BoolFn, Compiled, Compiler, Cur, DecFn, Env, Kind, Store, R,
};
use crate::error::EvalError;

/// Every node's values on one network.
#[derive(Debug, Clone)]
pub struct Evaluation {
    store: Vec<Store>,
}

impl Evaluation {
    /// The value of `node` at `member` (for a network total, the total).
    pub fn value(&self, node: NodeId, member: MemberIx) -> Option<Val> {
        let m = member as usize;
        match self.store.get(node)? {
            Store::Pending => None,
            Store::Dec(v) => v.get(m).map(|d| Val::Dec(*d)),
            Store::Bool(v) => v.get(m).map(|b| Val::Bool(*b)),
            Store::Rank(v) => v.get(m).map(|r| Val::Rank(*r)),
            Store::Global(v) => Some(*v),
        }
    }

    /// The value of a network-wide node.
    pub fn global(&self, node: NodeId) -> Option<Val> {
        match self.store.get(node)? {
            Store::Global(v) => Some(*v),
            _ => None,
        }
    }

    /// Moves `node`'s column of numbers out, leaving the node without
    /// values: settlement keeps the bonus amounts without a copy.
    pub fn take_numbers(&mut self, node: NodeId) -> Option<Vec<Decimal>> {
        match self.store.get_mut(node)? {
            Store::Dec(v) => Some(std::mem::take(v)),
            _ => None,
        }
    }
}

/// A node compiled for evaluation.
enum Program {
    /// Filled from the network before any pass.
    Input,
    Expr(Compiled),
    Rank(Vec<BoolFn>),
    Bonus {
        qualification: Option<BoolFn>,
        amount: DecFn,
        cap: Option<DecFn>,
    },
    Aggregate(Aggregate),
    Differential {
        value: DecFn,
        percent: DecFn,
        buckets: Vec<Decimal>,
    },
    Total(DecFn),
}

struct Aggregate {
    op: AggOp,
    /// The value at a related member: a number, or a condition for `any`/`all`.
    value: Compiled,
    filter: Option<BoolFn>,
    relation: Relation,
}

enum Relation {
    Children,
    Downline,
    Group,
    Upline,
    Placement(Side),
    Levels {
        from: usize,
        width: usize,
        to: DecFn,
        compressed_by: Option<BoolFn>,
        rates: Option<Vec<Decimal>>,
    },
    Generations {
        from: usize,
        width: usize,
        to: DecFn,
        counting: BoolFn,
        rates: Option<Vec<Decimal>>,
    },
}

/// Running state of an aggregate at one member.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Acc {
    /// Sum, count, or the count of members that make `any` true / `all` false.
    Total(Decimal),
    /// Min or max so far; `None` when no member was seen.
    Extreme(Option<Decimal>),
}

/// Per-node state carried between members during a pass.
enum State {
    None,
    /// One accumulator per member (downline, group, upline).
    Acc(Vec<Acc>),
    /// `width` numbers per member: per-level sums, or differential buckets.
    Wide(Vec<Decimal>),
}

/// What every lane of a pass shares: the plan, the network, the compiled
/// nodes and the columns of earlier stages.
struct Ctx<'a> {
    plan: &'a TypedPlan,
    net: &'a Network,
    programs: &'a [Program],
    store: &'a [Store],
    /// Each member's depth in the sponsor tree (roots are 0).
    depth: &'a [u32],
    /// Nodes that live in registers only, without a column.
    register_only: &'a [bool],
}

impl<'a> Ctx<'a> {
    /// What compiled expressions read at a member of a lane: earlier
    /// stages, the lane's columns (`own`, from member `base`) and registers.
    fn env<'e>(&'e self, own: &'e [Store], base: MemberIx, cur: &'e Cur) -> Env<'e> {
        Env {
            store: self.store,
            own,
            base,
            inputs: self.net.columns(),
            cur,
            placement: self.net.placement(),
        }
    }
}

/// A lane's window on a column of the running stage.
enum Out<'o> {
    Dec(&'o mut [Decimal]),
    Bool(&'o mut [bool]),
    Rank(&'o mut [u16]),
}

/// One thread's share of a pass: the members `base..base + len`, their
/// columns of the running stage, and the state carried between them.
struct Lane<'c, 'a, 'o> {
    ctx: &'c Ctx<'a>,
    /// Columns of the running stage's nodes, indexed by `member - base`.
    own: Vec<Store>,
    /// Windows on another lane's columns, per node, written instead of `own`.
    out: Vec<Option<Out<'o>>>,
    base: MemberIx,
    len: usize,
    /// The current member's value of every node, in a bottom-up sweep.
    cur: Cur,
    states: Vec<State>,
    /// The depth of state slot 0: member `m`'s slot is `depth(m) - top`.
    top: u32,
    /// Number of state slots (one per depth the lane reaches).
    slots: usize,
    /// Per node, whether `write` has a column or window to fill besides
    /// the register (set by `start`).
    has_column: Vec<bool>,
}

/// What an evaluation keeps once its passes are done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// Keep every node's column, for tools that explain values; by default
    /// only bonuses, exports and the limit outlive the passes that read them.
    pub keep_every_value: bool,
}

/// Runs every pass of `plan` over `net`.
pub fn evaluate(plan: &TypedPlan, net: &Network) -> Result<Evaluation, EvalError> {
    evaluate_with(plan, net, EvalOptions::default())
}

/// Runs every pass of `plan` over `net`, keeping what `options` asks for.
pub fn evaluate_with(
    plan: &TypedPlan,
    net: &Network,
    options: EvalOptions,
) -> Result<Evaluation, EvalError> {
    if plan.schema.placement && net.placement().is_none() {
        return Err(EvalError::MissingPlacement);
    }
    let stage_of = stage_of(plan);
    let sweeps = sweeps(plan);
    let last_use = if options.keep_every_value {
        vec![None; plan.nodes.len()]
    } else {
        last_uses(plan)
    };
    // Inputs not kept past evaluation are read in place from the network.
    let inputs = (0..plan.nodes.len())
        .map(|id| match plan.nodes.get(id).map(|x| &x.kind) {
            Some(NodeKind::Input { column }) if last_use.get(id).copied().flatten().is_some() => {
                let name = plan.schema.columns.get(*column).map(|c| c.name.as_str());
                net.schema()
                    .columns
                    .iter()
                    .position(|c| Some(c.name.as_str()) == name)
            }
            _ => None,
        })
        .collect::<Vec<Option<usize>>>();
    let programs = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(id, node)| {
            let stage = stage_of.get(id).copied().unwrap_or(0);
            let compiler = Compiler {
                plan,
                stage_of: &stage_of,
                stage,
                inputs: &inputs,
                registers: sweeps.get(stage).copied().unwrap_or(false),
            };
            compile_node(&compiler, &node.kind)
        })
        .collect::<Vec<Program>>();
    let register_only = (0..plan.nodes.len())
        .map(|id| {
            let stage = stage_of.get(id).copied();
            sweeps
                .get(stage.unwrap_or(usize::MAX))
                .copied()
                .unwrap_or(false)
                && last_use.get(id).copied().flatten() == stage
        })
        .collect::<Vec<bool>>();
    let mut store = vec![Store::Pending; plan.nodes.len()];
    load_inputs(plan, net, &mut store, &inputs)?;
    let depth = depths(net);
    for (i, stage) in plan.stages.iter().enumerate() {
        let ctx = Ctx {
            plan,
            net,
            programs: &programs,
            store: &store,
            depth: &depth,
            register_only: &register_only,
        };
        let sweep = sweeps.get(i).copied().unwrap_or(false);
        let (nodes, mut own) = match stage {
            Stage::Single(node) => {
                let mut lane = Lane::new(&ctx, 0, net.len(), 0, max_slots(&depth));
                lane.single(*node)?;
                (std::slice::from_ref(node), lane.own)
            }
            Stage::Recursive { direction, nodes } => {
                let own = if sweep {
                    parallel_sweep(&ctx, nodes)?
                } else {
                    let mut lane = Lane::new(&ctx, 0, net.len(), 0, max_slots(&depth));
                    lane.recursive(*direction, nodes)?;
                    lane.own
                };
                (nodes.as_slice(), own)
            }
        };
        // The stage's columns join the others; a column is not needed after
        // the last pass that reads it.
        for &node in nodes {
            if let (Some(slot), Some(column)) = (store.get_mut(node), own.get_mut(node)) {
                if !matches!(column, Store::Pending) {
                    *slot = std::mem::replace(column, Store::Pending);
                }
            }
        }
        for (node, last) in last_use.iter().enumerate() {
            if *last == Some(i) {
                if let Some(slot) = store.get_mut(node) {
                    *slot = Store::Pending;
                }
            }
        }
    }
    Ok(Evaluation { store })
}

/// Below this many members a sweep runs on one thread.
const PARALLEL_MIN: usize = 1 << 16;

/// Runs a bottom-up sweep: ranges of whole sibling subtrees on the rayon
/// threads, then the members above them on this one, each range joining
/// its sponsor's state when the sweep reaches it. Returns the columns.
fn parallel_sweep(ctx: &Ctx<'_>, nodes: &[NodeId]) -> Result<Vec<Store>, EvalError> {
    let n = ctx.net.len();
    let threads = rayon::current_num_threads();
    let chunks = if n >= PARALLEL_MIN && threads > 1 {
        chunks(ctx.net, (n / (threads * 8)).max(4096))
    } else {
        Vec::new()
    };
    let mut main = Lane::new(ctx, 0, n, 0, max_slots(ctx.depth));
    for &node in nodes {
        main.start(node);
    }
    let pushing: Vec<NodeId> = nodes.iter().copied().filter(|&x| main.pushes(x)).collect();
    // Each range's lane writes its members' values straight into its
    // window of the columns; what it keeps is what it hands its sponsor.
    let tops: Vec<Result<Vec<State>, EvalError>> = match windows(&mut main.own, &chunks) {
        Some(windows) => chunks
            .par_iter()
            .zip(windows.into_par_iter())
            .map(|(&(a, b), out)| {
                let depths = ctx.depth.get(a as usize..b as usize).unwrap_or_default();
                let top = depths.first().copied().unwrap_or(0).saturating_sub(1);
                let deepest = depths.iter().copied().max().unwrap_or(0);
                let slots = (deepest - top.min(deepest)) as usize + 1;
                let mut lane = Lane::new(ctx, a, (b - a) as usize, top, slots);
                lane.out = out;
                lane.sweep(nodes, a, b)?;
                lane.keep_top_slot();
                Ok(lane.states)
            })
            .collect(),
        None => Vec::new(),
    };
    let chunks = if tops.len() == chunks.len() {
        chunks
    } else {
        Vec::new()
    };
    let mut m = MemberIx::try_from(n).unwrap_or(NONE);
    let mut next = chunks.len();
    let mut tops = tops;
    while m > 0 {
        if let Some(&(a, b)) = next.checked_sub(1).and_then(|i| chunks.get(i)) {
            if b == m {
                next -= 1;
                if let Some(top) = tops.pop() {
                    main.absorb(a, &top?, &pushing)?;
                }
                m = a;
                continue;
            }
        }
        m -= 1;
        main.member(nodes, &pushing, m)?;
    }
    Ok(main.own)
}

/// Every range's windows on the columns in `own`, indexed by node; `None`
/// if a range does not fit the columns.
fn windows<'o>(
    own: &'o mut [Store],
    chunks: &[(MemberIx, MemberIx)],
) -> Option<Vec<Vec<Option<Out<'o>>>>> {
    let mut out: Vec<Vec<Option<Out<'o>>>> = chunks
        .iter()
        .map(|_| (0..own.len()).map(|_| None).collect())
        .collect();
    for (node, column) in own.iter_mut().enumerate() {
        let parts: Vec<Out<'o>> = match column {
            Store::Dec(v) => split(v, chunks)?.into_iter().map(Out::Dec).collect(),
            Store::Bool(v) => split(v, chunks)?.into_iter().map(Out::Bool).collect(),
            Store::Rank(v) => split(v, chunks)?.into_iter().map(Out::Rank).collect(),
            Store::Pending | Store::Global(_) => continue,
        };
        for (lane, part) in out.iter_mut().zip(parts) {
            if let Some(slot) = lane.get_mut(node) {
                *slot = Some(part);
            }
        }
    }
    Some(out)
}

/// The parts of `column` for the disjoint, ordered member ranges `chunks`.
fn split<'o, T>(column: &'o mut [T], chunks: &[(MemberIx, MemberIx)]) -> Option<Vec<&'o mut [T]>> {
    let mut parts = Vec::with_capacity(chunks.len());
    let mut rest = column;
    let mut at = 0usize;
    for &(a, b) in chunks {
        let (_, tail) = rest.split_at_mut_checked((a as usize).checked_sub(at)?)?;
        let (part, tail) = tail.split_at_mut_checked(b.checked_sub(a)? as usize)?;
        parts.push(part);
        rest = tail;
        at = b as usize;
    }
    Some(parts)
}

/// Disjoint ranges of at most about `size` members, in order, each made of
/// whole consecutive sibling subtrees under one sponsor.
fn chunks(net: &Network, size: usize) -> Vec<(MemberIx, MemberIx)> {
    let n = MemberIx::try_from(net.len()).unwrap_or(NONE);
    let size = MemberIx::try_from(size).unwrap_or(NONE);
    let mut out = Vec::new();
    let mut m = 0;
    while m < n {
        let end = net.subtree_end(m);
        if end.saturating_sub(m) > size {
            // Too big: its children are tried next, `m` stays with the caller.
            m += 1;
            continue;
        }
        let p = net.sponsor(m);
        let mut end = end;
        while end < n && net.sponsor(end) == p && net.subtree_end(end).saturating_sub(m) <= size {
            end = net.subtree_end(end);
        }
        out.push((m, end.max(m + 1)));
        m = end.max(m + 1);
    }
    out
}

/// One state slot per depth of the network.
fn max_slots(depth: &[u32]) -> usize {
    depth.iter().copied().max().unwrap_or(0) as usize + 1
}

/// Depths in the sponsor tree, in one preorder pass.
fn depths(net: &Network) -> Vec<u32> {
    let n = net.len();
    let mut depth = vec![0u32; n];
    for (m, &p) in net.sponsors().iter().enumerate() {
        if p != NONE {
            let d = depth
                .get(p as usize)
                .copied()
                .unwrap_or(0)
                .saturating_add(1);
            if let Some(x) = depth.get_mut(m) {
                *x = d;
            }
        }
    }
    depth
}

/// Copies the network's input columns into the store, but for those read
/// in place (`inputs`).
fn load_inputs(
    plan: &TypedPlan,
    net: &Network,
    store: &mut [Store],
    inputs: &[Option<usize>],
) -> Result<(), EvalError> {
    for (id, node) in plan.nodes.iter().enumerate() {
        let NodeKind::Input { column } = node.kind else {
            continue;
        };
        let name = plan
            .schema
            .columns
            .get(column)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let col = net
            .column_by_name(&name)
            .ok_or(EvalError::MissingColumn { column: name })?;
        if inputs.get(id).copied().flatten().is_some() {
            continue;
        }
        let values = match col {
            Column::Decimal(v) => Store::Dec(v.clone()),
            Column::Bool(v) => Store::Bool(v.clone()),
        };
        if let Some(slot) = store.get_mut(id) {
            *slot = values;
        }
    }
    Ok(())
}

/// The stage of every node (0 for a node in none).
fn stage_of(plan: &TypedPlan) -> Vec<usize> {
    let mut stage_of = vec![0usize; plan.nodes.len()];
    for (i, stage) in plan.stages.iter().enumerate() {
        let nodes = match stage {
            Stage::Single(n) => std::slice::from_ref(n),
            Stage::Recursive { nodes, .. } => nodes.as_slice(),
        };
        for n in nodes {
            if let Some(s) = stage_of.get_mut(*n) {
                *s = i;
            }
        }
    }
    stage_of
}

/// Per stage, whether it is a bottom-up sweep whose nodes read each other
/// only at the current member (directly, or through an aggregate when the
/// member pushes to its sponsor), so they can read registers, not columns.
fn sweeps(plan: &TypedPlan) -> Vec<bool> {
    plan.stages
        .iter()
        .map(|stage| match stage {
            Stage::Recursive {
                direction: Direction::BottomUp,
                nodes,
            } => nodes
                .iter()
                .all(|n| match plan.nodes.get(*n).map(|x| &x.kind) {
                    Some(NodeKind::Aggregate(agg)) => {
                        !matches!(agg.relation, TRelation::Upline | TRelation::Placement(_))
                    }
                    Some(NodeKind::Total { .. }) | None => false,
                    Some(_) => plan.nodes.get(*n).is_some_and(|x| !x.global),
                }),
            _ => false,
        })
        .collect()
}

/// For each node, the index of the last stage that reads it, or `None` for
/// nodes whose values outlive evaluation (bonuses, exports, the limit) or
/// that nothing reads.
fn last_uses(plan: &TypedPlan) -> Vec<Option<usize>> {
    let stage_of = stage_of(plan);
    let mut last: Vec<Option<usize>> = vec![None; plan.nodes.len()];
    for (reader, node) in plan.nodes.iter().enumerate() {
        let at = stage_of.get(reader).copied().unwrap_or(0);
        let mut note = |n: NodeId| {
            if let Some(l) = last.get_mut(n) {
                *l = Some(l.map_or(at, |x| x.max(at)));
            }
        };
        for_each_read(&node.kind, &mut note);
    }
    let kept = plan
        .bonuses
        .iter()
        .map(|b| b.node)
        .chain(plan.exports.iter().map(|e| e.node))
        .chain(plan.limit);
    for n in kept {
        if let Some(l) = last.get_mut(n) {
            *l = None;
        }
    }
    last
}

/// Calls `f` on every node a node's definition reads.
fn for_each_read(kind: &NodeKind, f: &mut impl FnMut(NodeId)) {
    match kind {
        NodeKind::Input { .. } => {}
        NodeKind::Expr(t) | NodeKind::Total { value: t } => t.for_each_slot(f),
        NodeKind::Rank { requirements } => requirements.iter().for_each(|t| t.for_each_slot(f)),
        NodeKind::Bonus {
            qualification,
            amount,
            cap,
        } => {
            qualification
                .iter()
                .chain(cap.iter())
                .for_each(|t| t.for_each_slot(f));
            amount.for_each_slot(f);
        }
        NodeKind::Differential { value, percent, .. } => {
            value.for_each_slot(f);
            percent.for_each_slot(f);
        }
        NodeKind::Aggregate(agg) => {
            agg.value.for_each_slot(f);
            agg.filter.iter().for_each(|t| t.for_each_slot(f));
            match &agg.relation {
                TRelation::Levels {
                    to, compressed_by, ..
                } => {
                    to.for_each_slot(f);
                    compressed_by.iter().for_each(|t| t.for_each_slot(f));
                }
                TRelation::Generations { to, counting, .. } => {
                    to.for_each_slot(f);
                    counting.for_each_slot(f);
                }
                _ => {}
            }
        }
    }
}

fn compile_node(c: &Compiler<'_>, kind: &NodeKind) -> Program {
    match kind {
        NodeKind::Input { .. } => Program::Input,
        NodeKind::Expr(t) => Program::Expr(c.compile(t)),
        NodeKind::Rank { requirements } => {
            Program::Rank(requirements.iter().map(|t| c.boolean(t)).collect())
        }
        NodeKind::Bonus {
            qualification,
            amount,
            cap,
        } => Program::Bonus {
            qualification: qualification.as_ref().map(|t| c.boolean(t)),
            amount: c.dec(amount),
            cap: cap.as_ref().map(|t| c.dec(t)),
        },
        NodeKind::Differential {
            value,
            percent,
            buckets,
        } => Program::Differential {
            value: c.dec(value),
            percent: c.dec(percent),
            buckets: buckets.clone(),
        },
        NodeKind::Total { value } => Program::Total(c.dec(value)),
        NodeKind::Aggregate(agg) => {
            let value = match agg.op {
                AggOp::Any | AggOp::All => Compiled::Bool(c.boolean(&agg.value)),
                _ => Compiled::Dec(c.dec(&agg.value)),
            };
            let relation = match &agg.relation {
                TRelation::Children => Relation::Children,
                TRelation::Downline => Relation::Downline,
                TRelation::Group => Relation::Group,
                TRelation::Upline => Relation::Upline,
                TRelation::Placement(side) => Relation::Placement(*side),
                TRelation::Levels {
                    from,
                    max,
                    to,
                    compressed_by,
                } => Relation::Levels {
                    from: *from,
                    width: max + 1,
                    to: c.dec(to),
                    compressed_by: compressed_by.as_ref().map(|t| c.boolean(t)),
                    rates: agg.rates.clone(),
                },
                TRelation::Generations {
                    from,
                    max,
                    to,
                    counting,
                } => Relation::Generations {
                    from: *from,
                    width: max + 1,
                    to: c.dec(to),
                    counting: c.boolean(counting),
                    rates: agg.rates.clone(),
                },
            };
            Program::Aggregate(Aggregate {
                op: agg.op,
                value,
                filter: agg.filter.as_ref().map(|t| c.boolean(t)),
                relation,
            })
        }
    }
}

impl<'c, 'a, 'o> Lane<'c, 'a, 'o> {
    /// A lane over members `base..base + len` with `slots` state slots from depth `top`.
    fn new(ctx: &'c Ctx<'a>, base: MemberIx, len: usize, top: u32, slots: usize) -> Self {
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

    fn n(&self) -> usize {
        self.ctx.net.len()
    }

    fn env(&self) -> Env<'_> {
        self.ctx.env(&self.own, self.base, &self.cur)
    }

    #[cold]
    #[inline(never)]
    fn error(&self, e: Arith, member: MemberIx, node: NodeId) -> EvalError {
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
    fn depth_at(&self, m: MemberIx) -> MemberIx {
        self.ctx
            .depth
            .get(m as usize)
            .copied()
            .unwrap_or(0)
            .saturating_sub(self.top)
    }

    /// Empties state slot `d` once its member has handed its state to its
    /// sponsor, for the next member at the same depth.
    fn clear_slot(&mut self, node: NodeId, d: MemberIx) {
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
    fn member(
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
    fn sweep(&mut self, nodes: &[NodeId], a: MemberIx, b: MemberIx) -> Result<(), EvalError> {
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
    fn keep_top_slot(&mut self) {
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
    fn absorb(
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

    fn single(&mut self, node: NodeId) -> Result<(), EvalError> {
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
    fn column(&mut self, node: NodeId) -> Result<(), EvalError> {
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

    fn recursive(&mut self, direction: Direction, nodes: &[NodeId]) -> Result<(), EvalError> {
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
    fn start(&mut self, node: NodeId) {
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
    fn write(&mut self, node: NodeId, m: MemberIx, v: Val) {
        self.cur.set(node, v);
        if self.has_column.get(node).copied().unwrap_or(true) {
            self.write_column(node, m, v);
        }
    }

    /// Writes `v` into node `node`'s column (or window) at `m`.
    fn write_column(&mut self, node: NodeId, m: MemberIx, v: Val) {
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

    fn eval_at(&mut self, node: NodeId, m: MemberIx) -> Result<(), EvalError> {
        self.value_at(node, m).map_err(|e| self.error(e, m, node))
    }

    /// Node `node`'s value at `m`, into its register and column; the error
    /// stays a small [`Arith`] here so the per-member path carries no
    /// [`EvalError`]. Each kind of node writes its typed register directly.
    #[inline]
    fn value_at(&mut self, node: NodeId, m: MemberIx) -> R<()> {
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
    fn write_dec(&mut self, node: NodeId, m: MemberIx, d: Decimal) {
        if let Some(x) = self.cur.dec.get_mut(node) {
            *x = d;
        }
        if self.has_column.get(node).copied().unwrap_or(true) {
            self.write_column(node, m, Val::Dec(d));
        }
    }

    /// An aggregate's value at `m`. Members below `m` have already pushed
    /// their contributions into `m`'s state (see [`push`]).
    fn aggregate(&mut self, node: NodeId, m: MemberIx) -> R<Val> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Ok(Val::Dec(Decimal::ZERO));
        };
        let op = agg.op;
        let dm = self.depth_at(m);
        let env = self.ctx.env(&self.own, self.base, &self.cur);
        match &agg.relation {
            Relation::Children | Relation::Downline => Ok(finish(
                op,
                acc_at(&self.states, node, dm).unwrap_or(identity(op)),
            )),
            Relation::Group => {
                let x = element(&env, agg, m, NONE)?;
                Ok(finish(
                    op,
                    match acc_mut(&mut self.states, node, dm) {
                        Some(acc) => {
                            *acc = combine(op, *acc, x)?;
                            *acc
                        }
                        None => combine(op, identity(op), x)?,
                    },
                ))
            }
            Relation::Upline => {
                let p = self.ctx.net.sponsor(m);
                let acc = if p == NONE {
                    identity(op)
                } else {
                    let above =
                        acc_at(&self.states, node, dm.saturating_sub(1)).unwrap_or(identity(op));
                    combine(op, above, element(&env, agg, p, NONE)?)?
                };
                set_acc(&mut self.states, node, dm, acc);
                Ok(finish(op, acc))
            }
            // Filled whole by `placement`.
            Relation::Placement(_) => Ok(finish(op, identity(op))),
            Relation::Levels {
                from,
                width,
                to,
                rates,
                ..
            }
            | Relation::Generations {
                from,
                width,
                to,
                rates,
                ..
            } => levelled(
                &env,
                op,
                rates.as_deref(),
                wide_row(&self.states, node, dm, *width),
                *from,
                to,
                m,
            ),
        }
    }

    /// Whether a node's pass pushes state from members to their sponsors.
    fn pushes(&self, node: NodeId) -> bool {
        match self.ctx.programs.get(node) {
            Some(Program::Aggregate(agg)) => {
                !matches!(agg.relation, Relation::Upline | Relation::Placement(_))
            }
            Some(Program::Differential { .. }) => true,
            _ => false,
        }
    }

    /// The breakaway differential at `m`. Bucket `b` of a member's state
    /// holds the value of the sources at or below it whose highest
    /// percentage paid so far is `buckets[b]`; the members below `m` have
    /// pushed theirs already.
    fn differential(&mut self, node: NodeId, m: MemberIx) -> R<Decimal> {
        let Some(Program::Differential {
            value,
            percent,
            buckets,
        }) = self.ctx.programs.get(node)
        else {
            return Ok(Decimal::ZERO);
        };
        let env = self.ctx.env(&self.own, self.base, &self.cur);
        let bucket_of = |p: Decimal| buckets.binary_search(&p).map_err(|_| Arith::NotInTable(p));
        let own = value(&env, m, NONE)?;
        let start = bucket_of(Decimal::ZERO)?;
        let p = percent(&env, m, NONE)?;
        let at = bucket_of(p)?;
        let dm = self.depth_at(m);
        let row = wide_row_mut(&mut self.states, node, dm, buckets.len());
        if let Some(r) = row.get_mut(start) {
            *r = add(*r, own)?;
        }
        let mut earned = Decimal::ZERO;
        let mut moved = Decimal::ZERO;
        // Sources whose highest percentage so far is below `p` move up to `p`.
        for (b, (w, paid)) in row.iter_mut().zip(buckets).enumerate() {
            if p > *paid {
                earned = add(earned, mul(*w, p - *paid)?)?;
            }
            if b < at {
                moved = add(moved, *w)?;
                *w = Decimal::ZERO;
            }
        }
        if let Some(r) = row.get_mut(at) {
            *r = add(*r, moved)?;
        }
        Ok(earned)
    }

    /// A placement-subtree aggregate: states in reverse placement preorder,
    /// then each member reads the state of its child on the side.
    fn placement(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Ok(());
        };
        let Relation::Placement(side) = agg.relation else {
            return Ok(());
        };
        let Some(tree) = self.ctx.net.placement() else {
            return Err(EvalError::MissingPlacement);
        };
        let op = agg.op;
        let env = self.env();
        let mut states = vec![identity(op); self.n()];
        for &x in tree.order().iter().rev() {
            let mut acc = element(&env, agg, x, NONE).and_then(|e| combine(op, identity(op), e));
            for s in [Side::Left, Side::Right] {
                let c = tree.child(x, s);
                if c != NONE {
                    let child = states.get(c as usize).copied().unwrap_or(identity(op));
                    acc = acc.and_then(|a| merge(op, a, child));
                }
            }
            let acc = acc.map_err(|e| self.error(e, x, node))?;
            if let Some(slot) = states.get_mut(x as usize) {
                *slot = acc;
            }
        }
        let n = self.n() as MemberIx;
        let values: Vec<Val> = (0..n)
            .map(|m| {
                let c = tree.child(m, side);
                finish(
                    op,
                    if c == NONE {
                        identity(op)
                    } else {
                        states.get(c as usize).copied().unwrap_or(identity(op))
                    },
                )
            })
            .collect();
        for (m, v) in (0..n).zip(values) {
            self.write(node, m, v);
        }
        Ok(())
    }
}

/// Adds member `m`'s contribution (at slot `dm`) to its sponsor's state
/// (slot `dm - 1`), once every node of the pass is known at `m`.
fn push(
    env: &Env<'_>,
    programs: &[Program],
    states: &mut [State],
    node: NodeId,
    m: MemberIx,
    p: MemberIx,
    dm: MemberIx,
) -> R<()> {
    let dp = dm.saturating_sub(1);
    match programs.get(node) {
        Some(Program::Aggregate(agg)) => {
            let op = agg.op;
            match &agg.relation {
                Relation::Children => {
                    let x = element(env, agg, m, p)?;
                    if let Some(acc) = acc_mut(states, node, dp) {
                        *acc = combine(op, *acc, x)?;
                    }
                }
                Relation::Downline => {
                    let x = element(env, agg, m, NONE)?;
                    let below = acc_at(states, node, dm).unwrap_or(identity(op));
                    let mine = combine(op, below, x)?;
                    if let Some(acc) = acc_mut(states, node, dp) {
                        *acc = merge(op, *acc, mine)?;
                    }
                }
                Relation::Group => {
                    let mine = acc_at(states, node, dm).unwrap_or(identity(op));
                    if let Some(acc) = acc_mut(states, node, dp) {
                        *acc = merge(op, *acc, mine)?;
                    }
                }
                Relation::Levels {
                    width,
                    compressed_by,
                    ..
                } => {
                    let own = element(env, agg, m, NONE)?.unwrap_or(Decimal::ZERO);
                    // Below a child that keeps its level, the child's levels move one down.
                    let keeps_level = match compressed_by {
                        Some(cond) => cond(env, m, NONE)?,
                        None => true,
                    };
                    let (parent, child) = rows(states, node, dp, dm, *width);
                    if let Some(r) = parent.get_mut(1) {
                        add_to(r, own)?;
                    }
                    let shift = usize::from(keeps_level);
                    add_row(
                        parent.get_mut(1 + shift..).unwrap_or_default(),
                        child.get(1..).unwrap_or_default(),
                    )?;
                }
                Relation::Generations {
                    width, counting, ..
                } => {
                    let own = element(env, agg, m, NONE)?.unwrap_or(Decimal::ZERO);
                    let counts = counting(env, m, NONE)?;
                    let (parent, child) = rows(states, node, dp, dm, *width);
                    if let Some(r) = parent.get_mut(usize::from(counts)) {
                        add_to(r, own)?;
                    }
                    // Below a counted child, its generations move one down.
                    let shift = usize::from(counts);
                    add_row(parent.get_mut(shift..).unwrap_or_default(), child)?;
                }
                Relation::Upline | Relation::Placement(_) => {}
            }
        }
        Some(Program::Differential { buckets, .. }) => {
            let (parent, child) = rows(states, node, dp, dm, buckets.len());
            add_row(parent, child)?;
        }
        _ => {}
    }
    Ok(())
}

/// Merges `from`'s slot 0 into `to`'s slot `d` (of `slots`).
fn merge_slot(op: AggOp, to: &mut State, from: &State, d: usize, slots: usize) -> R<()> {
    match (to, from) {
        (State::Acc(to), State::Acc(from)) => {
            if let (Some(to), Some(from)) = (to.get_mut(d), from.first()) {
                *to = merge(op, *to, *from)?;
            }
        }
        (State::Wide(to), State::Wide(from)) => {
            let width = to.len() / slots;
            let row = to.get_mut(d * width..(d + 1) * width).unwrap_or_default();
            add_row(row, from)?;
        }
        _ => {}
    }
    Ok(())
}

fn bonus(
    env: &Env<'_>,
    qualification: Option<&BoolFn>,
    amount: &DecFn,
    cap: Option<&DecFn>,
    m: MemberIx,
) -> R<Decimal> {
    if let Some(q) = qualification {
        if !q(env, m, NONE)? {
            return Ok(Decimal::ZERO);
        }
    }
    let a = amount(env, m, NONE)?;
    Ok(match cap {
        Some(c) => {
            let c = c(env, m, NONE)?;
            if cmp(a, c) == std::cmp::Ordering::Greater {
                c
            } else {
                a
            }
        }
        None => a,
    })
}

/// What member `x` adds to an aggregate, or `None` when filtered out.
#[inline(always)]
fn element(env: &Env<'_>, agg: &Aggregate, x: MemberIx, outer: MemberIx) -> R<Option<Decimal>> {
    if let Some(f) = &agg.filter {
        if !f(env, x, outer)? {
            return Ok(None);
        }
    }
    Ok(Some(match (&agg.value, agg.op) {
        (_, AggOp::Count) => Decimal::ONE,
        (Compiled::Bool(f), AggOp::Any) => Decimal::from(u8::from(f(env, x, outer)?)),
        (Compiled::Bool(f), AggOp::All) => Decimal::from(u8::from(!f(env, x, outer)?)),
        (Compiled::Dec(f), _) => f(env, x, outer)?,
        (Compiled::Bool(f), _) => Decimal::from(u8::from(f(env, x, outer)?)),
        (Compiled::Rank(f), _) => Decimal::from(f(env, x, outer)?),
    }))
}

#[inline(always)]
fn acc_at(states: &[State], node: NodeId, m: MemberIx) -> Option<Acc> {
    match states.get(node) {
        Some(State::Acc(v)) => v.get(m as usize).copied(),
        _ => None,
    }
}

/// The accumulator of `node` at slot `m`, to update in place (one lookup
/// instead of a read and a write).
#[inline(always)]
fn acc_mut(states: &mut [State], node: NodeId, m: MemberIx) -> Option<&mut Acc> {
    match states.get_mut(node) {
        Some(State::Acc(v)) => v.get_mut(m as usize),
        _ => None,
    }
}

#[inline]
fn set_acc(states: &mut [State], node: NodeId, m: MemberIx, acc: Acc) {
    if let Some(State::Acc(v)) = states.get_mut(node) {
        if let Some(slot) = v.get_mut(m as usize) {
            *slot = acc;
        }
    }
}

#[inline]
fn wide_row(states: &[State], node: NodeId, m: MemberIx, width: usize) -> &[Decimal] {
    match states.get(node) {
        Some(State::Wide(data)) => {
            let start = (m as usize).saturating_mul(width);
            data.get(start..start + width).unwrap_or_default()
        }
        _ => &[],
    }
}

fn wide_row_mut(states: &mut [State], node: NodeId, m: MemberIx, width: usize) -> &mut [Decimal] {
    match states.get_mut(node) {
        Some(State::Wide(data)) => {
            let start = (m as usize).saturating_mul(width);
            data.get_mut(start..start + width).unwrap_or_default()
        }
        _ => &mut [],
    }
}

/// `*r = r + x`, without the addition when `x` is zero: rust_decimal
/// returns `r + 0` as `r` and `0 + 0` as the right zero, bit for bit.
#[inline(always)]
fn add_to(r: &mut Decimal, x: Decimal) -> R<()> {
    if !x.is_zero() {
        *r = add(*r, x)?;
    } else if r.is_zero() {
        *r = x;
    }
    Ok(())
}

/// Adds `from` into `to` element by element (up to the shorter length),
/// skipping zeros as [`add_to`] does; most rows are mostly zero.
#[inline]
fn add_row(to: &mut [Decimal], from: &[Decimal]) -> R<()> {
    for (r, x) in to.iter_mut().zip(from) {
        add_to(r, *x)?;
    }
    Ok(())
}

/// The rows of sponsor `p` (to add to) and member `m` (to read); `p < m`
/// in preorder, so the two never overlap.
#[inline]
fn rows(
    states: &mut [State],
    node: NodeId,
    p: MemberIx,
    m: MemberIx,
    width: usize,
) -> (&mut [Decimal], &[Decimal]) {
    let Some(State::Wide(data)) = states.get_mut(node) else {
        return (&mut [], &[]);
    };
    let split = (m as usize).saturating_mul(width).min(data.len());
    let (low, high) = data.split_at_mut(split);
    let start = (p as usize).saturating_mul(width);
    let parent = low.get_mut(start..start + width).unwrap_or_default();
    let child = high.get(..width).unwrap_or_default();
    (parent, child)
}

/// The aggregate over levels `from..=to(m)` of a per-level row.
fn levelled(
    env: &Env<'_>,
    op: AggOp,
    rates: Option<&[Decimal]>,
    row: &[Decimal],
    from: usize,
    to: &DecFn,
    m: MemberIx,
) -> R<Val> {
    let last = last_level(to(env, m, NONE)?);
    let last = last.min(row.len().saturating_sub(1));
    let mut total = Decimal::ZERO;
    for level in from..=last {
        let v = row.get(level).copied().unwrap_or_default();
        let v = match rates {
            Some(rates) => mul(v, rates.get(level - from).copied().unwrap_or_default())?,
            None => v,
        };
        total = add(total, v)?;
    }
    Ok(finish(op, Acc::Total(total)))
}

/// The last level of `levels a..to`: `to` rounded down, 0 when negative.
/// A whole number of scale 0 (a depth from a rank table) is read directly.
#[inline]
fn last_level(to: Decimal) -> usize {
    if to.scale() == 0 {
        let m = to.mantissa();
        return if m < 0 {
            0
        } else {
            usize::try_from(m).unwrap_or(usize::MAX)
        };
    }
    let to = to.floor();
    if to < Decimal::ZERO {
        0
    } else {
        to.to_usize().unwrap_or(usize::MAX)
    }
}

#[inline(always)]
fn identity(op: AggOp) -> Acc {
    match op {
        AggOp::Min | AggOp::Max => Acc::Extreme(None),
        _ => Acc::Total(Decimal::ZERO),
    }
}

/// Adds one member's contribution.
#[inline(always)]
fn combine(op: AggOp, acc: Acc, x: Option<Decimal>) -> R<Acc> {
    let Some(x) = x else { return Ok(acc) };
    Ok(match (acc, op) {
        (Acc::Total(t), _) => Acc::Total(add(t, x)?),
        (Acc::Extreme(None), _) => Acc::Extreme(Some(x)),
        (Acc::Extreme(Some(e)), AggOp::Min) => Acc::Extreme(Some(e.min(x))),
        (Acc::Extreme(Some(e)), _) => Acc::Extreme(Some(e.max(x))),
    })
}

/// Combines two partial aggregates of the same kind.
#[inline(always)]
fn merge(op: AggOp, a: Acc, b: Acc) -> R<Acc> {
    Ok(match (a, b) {
        (Acc::Total(x), Acc::Total(y)) => Acc::Total(add(x, y)?),
        (Acc::Extreme(None), other) | (other, Acc::Extreme(None)) => other,
        (Acc::Extreme(Some(x)), Acc::Extreme(Some(y))) => {
            Acc::Extreme(Some(if op == AggOp::Min { x.min(y) } else { x.max(y) }))
        }
        (x, _) => x,
    })
}

#[inline(always)]
fn finish(op: AggOp, acc: Acc) -> Val {
    match (op, acc) {
        (AggOp::Any, Acc::Total(t)) => Val::Bool(!t.is_zero() && t.is_sign_positive()),
        (AggOp::All, Acc::Total(t)) => Val::Bool(t.is_zero()),
        (_, Acc::Total(t)) => Val::Dec(t),
        (_, Acc::Extreme(e)) => Val::Dec(e.unwrap_or(Decimal::ZERO)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `add_to` must give the very bits `add` gives, zeros of any scale included.
    #[test]
    fn add_to_matches_add_bit_for_bit() -> Result<(), Arith> {
        let xs = [
            Decimal::ZERO,
            Decimal::new(0, 2),
            -Decimal::new(0, 3),
            Decimal::new(5, 1),
            Decimal::new(-125, 2),
            Decimal::new(1 << 40, 4),
            Decimal::MAX,
            Decimal::new(0, 28),
        ];
        for a in xs {
            for b in xs {
                let mut r = a;
                let want = add(a, b);
                match add_to(&mut r, b) {
                    Ok(()) => assert_eq!(Ok(r.serialize()), want.map(|w| w.serialize())),
                    Err(e) => assert_eq!(Err(e), want.map(|w| w.serialize())),
                }
            }
        }
        Ok(())
    }

    /// The last level read from a whole number agrees with rounding down.
    #[test]
    fn last_level_rounds_down() {
        let cases = [
            (Decimal::new(7, 0), 7),
            (Decimal::new(70, 1), 7),
            (Decimal::new(79, 1), 7),
            (Decimal::ZERO, 0),
            (Decimal::new(-3, 0), 0),
            (Decimal::new(-25, 1), 0),
            (Decimal::MAX, usize::MAX),
        ];
        for (to, want) in cases {
            assert_eq!(last_level(to), want, "{to}");
        }
    }
}
