//! What a compiled plan declares, for hosts and tools that look inside it
//! without its checked form: currency, rounding, ranks, exports, each
//! bonus's parts and basis, and the plan with parts left out.

use std::sync::Arc;

use payplan_check::{BinOp, NodeKind, TExpr, TypedPlan};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::names::{kept_by_default, node_named};
use crate::Plan;

/// What a bonus's amount rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// Only the member's own values (retail margin, personal volume).
    Personal,
    /// Values of other members in the sponsor or placement tree.
    Downline,
    /// A network-wide total (a pool on company volume).
    Network,
}

impl Basis {
    pub const ALL: [Basis; 3] = [Basis::Personal, Basis::Downline, Basis::Network];

    pub fn name(self) -> &'static str {
        match self {
            Basis::Personal => "personal",
            Basis::Downline => "downline",
            Basis::Network => "network",
        }
    }
}

/// One bonus as the plan declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BonusInfo<'a> {
    pub name: &'a str,
    /// What the amount after `pays` rests on.
    pub basis: Basis,
    /// Whether the bonus has a `when`.
    pub qualified: bool,
    /// Whether the bonus has a `cap`.
    pub capped: bool,
}

/// The parts of a plan a relaxed run leaves out ([`Plan::relaxed`]): what
/// the plan would pay without them (a review's potential pay).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relax {
    /// Drop every bonus's `when`: every member qualifies.
    pub qualifications: bool,
    /// Drop every bonus's `cap`.
    pub caps: bool,
    /// Drop the global payout `limit`.
    pub limit: bool,
}

impl Plan {
    /// The currency, from the plan's `currency` statement.
    pub fn currency(&self) -> &str {
        &self.typed.currency
    }

    /// Decimal places of final amounts, from the plan's `rounding`.
    pub fn places(&self) -> u32 {
        self.typed.rounding.places
    }

    /// `amount` rounded as the plan's `rounding` says (places and mode).
    pub fn round(&self, amount: Decimal) -> Decimal {
        self.typed.rounding.apply(amount)
    }

    /// The rank names, lowest first (empty for a plan without ranks).
    pub fn ranks(&self) -> &[String] {
        &self.typed.ranks
    }

    /// The names of the exported values, in declaration order.
    pub fn exports(&self) -> impl Iterator<Item = &str> {
        self.typed.exports.iter().map(|e| e.name.as_str())
    }

    /// Whether the plan has a global payout `limit`.
    pub fn has_limit(&self) -> bool {
        self.typed.limit.is_some()
    }

    /// Every bonus, in declaration order, with its basis and parts.
    pub fn bonus_info(&self) -> impl Iterator<Item = BonusInfo<'_>> {
        self.typed.bonuses.iter().map(|b| BonusInfo {
            name: &b.name,
            basis: basis_of(&self.typed, &TExpr::Slot(b.node)),
            qualified: !b.qualification.is_empty(),
            capped: b.cap_text.is_some(),
        })
    }

    /// Whether `name` (a bonus, an export, `rank`, an input or a `let`)
    /// is a value of the plan that [`crate::Run::value_at`] can read.
    pub fn has_value(&self, name: &str) -> bool {
        node_named(&self.typed, name).is_some()
    }

    /// Whether a run keeps `name`'s values without
    /// [`crate::EvalOptions::keep_every_value`]: true for the bonuses, the
    /// exports and what an export shows (`export rank` keeps the rank).
    pub fn keeps_by_default(&self, name: &str) -> bool {
        node_named(&self.typed, name).is_some_and(|n| kept_by_default(&self.typed, n))
    }

    /// The plan with the parts `relax` names left out; the same plan when
    /// it names none.
    pub fn relaxed(&self, relax: Relax) -> Plan {
        let mut typed = TypedPlan::clone(&self.typed);
        if relax.limit {
            typed.limit = None;
        }
        for node in &mut typed.nodes {
            if let NodeKind::Bonus {
                qualification, cap, ..
            } = &mut node.kind
            {
                if relax.caps {
                    *cap = None;
                }
                if relax.qualifications {
                    *qualification = None;
                }
            }
        }
        for bonus in &mut typed.bonuses {
            if relax.caps {
                bonus.cap_text = None;
            }
            if relax.qualifications {
                bonus.qualification.clear();
            }
        }
        Plan {
            typed: Arc::new(typed),
            warnings: self.warnings.clone(),
        }
    }
}

/// What an amount rests on: the strongest of what it reads in value
/// positions, directly or through `let`s and other bonuses. Conditions (an
/// `if`'s test, comparisons), rank selections and a pool's divisor are not
/// value positions: they decide who is paid, not on what volume.
fn basis_of(typed: &TypedPlan, amount: &TExpr) -> Basis {
    let mut seen = vec![false; typed.nodes.len()];
    let mut stack = vec![amount];
    let (mut downline, mut network) = (false, false);
    while let Some(e) = stack.pop() {
        match e {
            TExpr::Const(_) | TExpr::Within(_) | TExpr::Not(_) => {}
            TExpr::Neg(a) | TExpr::ShareOf(a, _) | TExpr::Round { value: a, .. } => stack.push(a),
            TExpr::Binary(op, a, b) => {
                if matches!(
                    op,
                    BinOp::Add
                        | BinOp::Sub
                        | BinOp::Mul
                        | BinOp::Div
                        | BinOp::Min
                        | BinOp::Max
                        | BinOp::WholeDiv
                        | BinOp::Mod
                ) {
                    stack.push(a);
                    stack.push(b);
                }
            }
            TExpr::If(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            TExpr::RankTable { entries, .. } => stack.extend(entries),
            TExpr::Slot(node) | TExpr::My(node) => {
                match seen.get_mut(*node) {
                    Some(s) if !*s => *s = true,
                    _ => continue,
                }
                match typed.nodes.get(*node).map(|n| &n.kind) {
                    Some(NodeKind::Expr(x)) => stack.push(x),
                    Some(NodeKind::Bonus { amount, .. }) => stack.push(amount),
                    Some(NodeKind::Aggregate(_) | NodeKind::Differential { .. }) => {
                        downline = true;
                    }
                    Some(NodeKind::Total { .. }) => network = true,
                    // A node id out of range cannot be read (the checker
                    // made every slot): it rests on nothing.
                    Some(NodeKind::Input { .. } | NodeKind::Rank { .. } | NodeKind::Matrix(_))
                    | None => {}
                }
            }
        }
    }
    if network {
        Basis::Network
    } else if downline {
        Basis::Downline
    } else {
        Basis::Personal
    }
}
