//! Read access to a finished run for the tools inside this crate (the
//! review): the settled amounts and single node values, without copying.

use payplan_check::{NodeId, Val};
use payplan_eval::Settlement;
use payplan_network::{MemberIx, Network};

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
        self.eval.value(node, m)
    }
}
