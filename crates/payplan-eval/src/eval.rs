//! The passes: every node's value at every member, in the stages' order.

use payplan_check::{NodeId, NodeKind, Stage, Ty, TypedPlan, Val};
use payplan_network::{Column, ColumnKind, MemberIx, Network};
use rust_decimal::Decimal;

use crate::compile::Compiler;
use crate::env::{Cur, Env, Store};
use crate::error::EvalError;
use crate::lane::Lane;
use crate::parallel::parallel_sweep;
use crate::program::{compile_node, Program};
use crate::quotient::quotients;
use crate::schedule::{depths, max_slots, Schedule};

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

/// What every lane of a pass shares: the plan, the network, the compiled
/// nodes and the columns of earlier stages.
pub(crate) struct Ctx<'a> {
    pub(crate) plan: &'a TypedPlan,
    pub(crate) net: &'a Network,
    pub(crate) programs: &'a [Program],
    pub(crate) store: &'a [Store],
    /// Each member's depth in the sponsor tree (roots are 0).
    pub(crate) depth: &'a [u32],
    /// Nodes that live in registers only, without a column.
    pub(crate) register_only: &'a [bool],
}

impl<'a> Ctx<'a> {
    /// What compiled expressions read at a member of a lane: earlier
    /// stages, the lane's columns (`own`, from member `base`) and registers.
    pub(crate) fn env<'e>(&'e self, own: &'e [Store], base: MemberIx, cur: &'e Cur) -> Env<'e> {
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
    if plan.schema.matrix.is_some() && net.matrix().is_none() {
        return Err(EvalError::MissingMatrix);
    }
    let schedule = Schedule::new(plan, net, options.keep_every_value);
    let programs = compile_programs(plan, &schedule);
    let mut store = vec![Store::Pending; plan.nodes.len()];
    load_inputs(plan, net, &mut store, &schedule.inputs)?;
    let depth = depths(net)?;
    for (i, stage) in plan.stages.iter().enumerate() {
        let ctx = Ctx {
            plan,
            net,
            programs: &programs,
            store: &store,
            depth: &depth,
            register_only: &schedule.register_only,
        };
        let sweep = matches!(schedule.sweeps.get(i), Some(true));
        let (nodes, own) = run_stage(&ctx, stage, sweep)?;
        keep(&mut store, nodes, own, &schedule.last_use, i);
    }
    Ok(Evaluation { store })
}

/// Every node compiled, each for the stage it runs in.
fn compile_programs(plan: &TypedPlan, schedule: &Schedule) -> Vec<Program> {
    let quotients = quotients(plan);
    let compile = |(node, &stage): (&payplan_check::Node, &usize)| {
        let compiler = Compiler {
            plan,
            stage_of: &schedule.stage_of,
            stage,
            inputs: &schedule.inputs,
            registers: matches!(schedule.sweeps.get(stage), Some(true)),
            quotients: &quotients,
        };
        compile_node(&compiler, &node.kind)
    };
    plan.nodes
        .iter()
        .zip(&schedule.stage_of)
        .map(compile)
        .collect()
}

/// Runs one stage's pass: the stage's nodes and their columns.
fn run_stage<'s>(
    ctx: &Ctx<'_>,
    stage: &'s Stage,
    sweep: bool,
) -> Result<(&'s [NodeId], Vec<Store>), EvalError> {
    let n = ctx.net.len();
    Ok(match stage {
        Stage::Single(node) => {
            let mut lane = Lane::new(ctx, 0, n, 0, max_slots(ctx.depth));
            lane.single(*node)?;
            (std::slice::from_ref(node), lane.own)
        }
        Stage::Recursive { direction, nodes } => {
            let own = if sweep {
                parallel_sweep(ctx, nodes)?
            } else {
                let mut lane = Lane::new(ctx, 0, n, 0, max_slots(ctx.depth));
                lane.recursive(*direction, nodes)?;
                lane.own
            };
            (nodes.as_slice(), own)
        }
    })
}

/// The columns of stage `i`'s `nodes` join the others, and the columns no
/// later stage reads are released.
fn keep(
    store: &mut [Store],
    nodes: &[NodeId],
    mut own: Vec<Store>,
    last_use: &[Option<usize>],
    i: usize,
) {
    for &node in nodes {
        if let (Some(slot), Some(column)) = (store.get_mut(node), own.get_mut(node)) {
            if !matches!(column, Store::Pending) {
                *slot = std::mem::replace(column, Store::Pending);
            }
        }
    }
    for (slot, last) in store.iter_mut().zip(last_use) {
        if *last == Some(i) {
            *slot = Store::Pending;
        }
    }
}

/// Checks that the network has every input column the plan reads, of the
/// right kind and length, once before the passes; copies those not read in
/// place (`inputs`) into the store.
pub(crate) fn load_inputs(
    plan: &TypedPlan,
    net: &Network,
    store: &mut [Store],
    inputs: &[Option<usize>],
) -> Result<(), EvalError> {
    for ((node, slot), in_place) in plan.nodes.iter().zip(store.iter_mut()).zip(inputs) {
        let NodeKind::Input { column } = node.kind else {
            continue;
        };
        let name = match plan.schema.columns.get(column) {
            Some(spec) => spec.name.clone(),
            None => node.label.clone(),
        };
        let Some(col) = net.column_by_name(&name) else {
            return Err(EvalError::MissingColumn { column: name });
        };
        let expected = match node.ty {
            Ty::Bool => ColumnKind::Bool,
            _ => ColumnKind::Decimal,
        };
        if col.kind() != expected {
            return Err(EvalError::ColumnKind {
                column: name,
                expected,
                found: col.kind(),
            });
        }
        if col.len() != net.len() {
            return Err(EvalError::ColumnLength {
                column: name,
                len: col.len(),
                members: net.len(),
            });
        }
        if in_place.is_none() {
            *slot = match col {
                Column::Decimal(v) => Store::Dec(v.clone()),
                Column::Bool(v) => Store::Bool(v.clone()),
            };
        }
    }
    Ok(())
}
