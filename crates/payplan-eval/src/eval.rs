//! The passes: every node's value at every member, in the stages' order.

use payplan_check::{NodeId, NodeKind, Stage, TypedPlan, Val};
use payplan_network::{Column, MemberIx, Network};
use rust_decimal::Decimal;

use crate::compile::Compiler;
use crate::env::{Cur, Env, Store};
use crate::error::EvalError;
use crate::lane::Lane;
use crate::parallel::parallel_sweep;
use crate::program::{compile_node, Program};
use crate::schedule::{depths, last_uses, max_slots, stage_of, sweeps};

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

/// Copies the network's input columns into the store, but for those read
/// in place (`inputs`).
pub(crate) fn load_inputs(
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
