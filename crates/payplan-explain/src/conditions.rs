//! Requirements and qualifications checked as the engine checks them: ranks
//! from the highest down to the first whose requirement holds, and the
//! parts of an `and` from the left to the first that fails. What the engine
//! does not evaluate is shown as not checked, never evaluated here: it may
//! divide by zero on a member the run settled.

use payplan_check::{Clause, NodeKind, Val};
use payplan_network::{MemberIx, NONE};

use crate::interp::{truth, Arith, Values};
use crate::{Check, ClauseCheck, ExplainFault, RankCheck, RankExplanation, Skipped};

impl Values<'_> {
    /// The parts of a condition split at its top-level `and`s, evaluated
    /// from the left as `and` evaluates them: after one fails, the rest are
    /// not checked.
    pub(crate) fn conjunction(
        &self,
        clauses: &[Clause],
        m: MemberIx,
    ) -> Result<Vec<ClauseCheck>, Arith> {
        let mut out = Vec::with_capacity(clauses.len());
        let mut failed = false;
        for c in clauses {
            if failed {
                out.push(not_checked(c, Skipped::EarlierConditionFails));
                continue;
            }
            let held = truth(self.value(&c.expr, m, NONE)?);
            failed = !held;
            out.push(ClauseCheck {
                text: c.text.clone(),
                check: if held { Check::Holds } else { Check::Fails },
                values: self.quantities(&c.expr, m)?,
            });
        }
        Ok(out)
    }
}

/// A clause the engine does not evaluate, for `why`: no values are read.
fn not_checked(c: &Clause, why: Skipped) -> ClauseCheck {
    ClauseCheck {
        text: c.text.clone(),
        check: Check::NotChecked { why },
        values: Vec::new(),
    }
}

/// Whether a condition checked by [`Values::conjunction`] holds.
pub(crate) fn verdict(clauses: &[ClauseCheck]) -> Check {
    if clauses.iter().any(|c| c.check.fails()) {
        Check::Fails
    } else {
        Check::Holds
    }
}

/// The member's rank and how it was found; `None` when the plan has no ranks.
pub(crate) fn rank_explanation(
    v: &Values<'_>,
    m: MemberIx,
) -> Result<Option<RankExplanation>, Arith> {
    let Some(rank_node) = v
        .plan
        .nodes
        .iter()
        .position(|n| matches!(n.kind, NodeKind::Rank { .. }))
    else {
        return Ok(None);
    };
    if v.plan.rank_clauses.len() != v.plan.ranks.len() {
        return Err(ExplainFault::RankOutOfRange.into());
    }
    // From the highest rank down, as the engine tries them.
    let mut ranks = Vec::with_capacity(v.plan.ranks.len());
    let mut found = 0;
    let requirements = v.plan.ranks.iter().zip(&v.plan.rank_clauses);
    for (i, (name, clauses)) in requirements.enumerate().rev() {
        let (check, clauses) = if found > 0 {
            let why = Skipped::HigherRankHolds;
            let clauses = clauses.iter().map(|c| not_checked(c, why)).collect();
            (Check::NotChecked { why }, clauses)
        } else {
            let clauses = v.conjunction(clauses, m)?;
            let check = verdict(&clauses);
            if check.holds() {
                found = i + 1;
            }
            (check, clauses)
        };
        ranks.push(RankCheck {
            rank: name.clone(),
            check,
            clauses,
        });
    }
    ranks.reverse();
    let r = match v.slot(rank_node, m)? {
        Val::Rank(r) => r,
        _ => return Err(ExplainFault::WrongKind.into()),
    };
    if usize::from(r) != found {
        return Err(ExplainFault::RankDisagrees.into());
    }
    Ok(Some(RankExplanation {
        rank: v.rank_name(r)?,
        ranks,
    }))
}
