//! Read access to a finished run for the tools inside this crate (review,
//! diff): settled amounts, ranks and single node values, without copying
//! every row into an outcome.

use payplan_check::{NodeId, NodeKind, Val};
use payplan_eval::Settlement;
use payplan_network::{MemberIx, Network};
use rust_decimal::Decimal;

use crate::Run;

impl Run<'_> {
    /// The network the run evaluated.
    pub(crate) fn network(&self) -> &Network {
        self.net
    }

    /// Every bonus's amounts, capped and final.
    pub(crate) fn settlement(&self) -> &Settlement {
        &self.settlement
    }

    /// `node`'s value at member `m`, when the run kept that node's column.
    pub(crate) fn node_value(&self, node: NodeId, m: MemberIx) -> Option<Val> {
        self.settlement.value(self.plan, &self.eval, node, m)
    }

    /// Bonus `bonus`'s final (rounded) amount at member `m`; zero when out of range.
    pub(crate) fn paid_at(&self, bonus: usize, m: MemberIx) -> Decimal {
        self.settlement.paid(bonus, m)
    }

    /// Whether the plan has ranks (a rank node).
    pub(crate) fn has_ranks(&self) -> bool {
        self.rank_node().is_some()
    }

    /// Member `m`'s rank name, read from the rank node; `None` for no rank,
    /// or when the run did not keep the rank's column (`keep_every_value`).
    pub(crate) fn rank_at(&self, m: MemberIx) -> Option<&str> {
        let node = self.rank_node()?;
        match self.node_value(node, m)? {
            Val::Rank(r) => self
                .plan
                .ranks
                .get(usize::from(r).checked_sub(1)?)
                .map(String::as_str),
            _ => None,
        }
    }

    fn rank_node(&self) -> Option<usize> {
        self.plan
            .nodes
            .iter()
            .position(|n| matches!(n.kind, NodeKind::Rank { .. }))
    }

    /// The sum of all amounts after per-member caps, before the limit.
    pub(crate) fn before_limit(&self) -> Decimal {
        self.settlement.total
    }

    /// The global limit, when the plan has one.
    pub(crate) fn limit(&self) -> Option<Decimal> {
        self.settlement.limit
    }

    /// Whether the limit scaled every amount down.
    pub(crate) fn limit_applied(&self) -> bool {
        self.settlement.scaled
    }
}
