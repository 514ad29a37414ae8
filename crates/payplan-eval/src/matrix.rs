//! Aggregates over matrix levels (`sum(cv over matrix levels 1..7 at ...)`)
//! and the members' places in the forced matrix.
//!
//! The matrix is a tree of its own, unrelated to the sponsor tree's order,
//! so a matrix aggregate is a stage of its own, run once everything it
//! reads is known at every member. It moves one level at a time: level `k`
//! of a member is the sum of level `k - 1` of its matrix children, so each
//! level is one loop over the members' matrix parents. The cost is the
//! number of members times the deepest level, with three columns of memory.

use payplan_check::{MatrixValue, NodeId, Val};
use payplan_network::{MemberIx, NONE};
use rust_decimal::Decimal;

use crate::acc::{add_to, finish, Acc, NO_STATE};
use crate::arith::{mul, Arith, Miss, R};
use crate::env::missing;
use crate::error::EvalError;
use crate::lane::Lane;
use crate::member::{element_or_zero, last_level};
use crate::program::{Program, Relation};

impl Lane<'_, '_, '_> {
    /// A matrix-levels aggregate at every member.
    pub(crate) fn matrix_levels(&mut self, node: NodeId) -> Result<(), EvalError> {
        let Some(Program::Aggregate(agg)) = self.ctx.programs.get(node) else {
            return Err(self.error(missing(node), NONE, node));
        };
        let Relation::MatrixLevels {
            from,
            width,
            to,
            rates,
        } = &agg.relation
        else {
            return Err(self.error(NO_STATE, NONE, node));
        };
        let Some(matrix) = self.ctx.net.matrix() else {
            return Err(EvalError::MissingMatrix);
        };
        let (op, mode, from) = (agg.op, agg.mode, *from);
        let env = self.env();
        let n = self.n() as MemberIx;
        let at = |e: Arith, m: MemberIx| self.error(e, m, node);
        // Level 0: each member's own value; the last level each member reads.
        let mut level = Vec::with_capacity(self.n());
        let mut last = Vec::with_capacity(self.n());
        for m in 0..n {
            level.push(element_or_zero(&env, agg, m).map_err(|e| at(e, m))?);
            let l = last_level(to(&env, m, NONE).map_err(|e| at(e, m))?);
            if l >= *width && l >= from {
                return Err(at(NO_STATE, m));
            }
            last.push(l);
        }
        let mut total = vec![Decimal::ZERO; self.n()];
        let parents = matrix.parents();
        for k in 1..*width {
            let mut next = vec![Decimal::ZERO; self.n()];
            for (x, (&p, v)) in (0..n).zip(parents.iter().zip(&level)) {
                if p != NONE {
                    let slot = next.get_mut(p as usize).ok_or_else(|| at(NO_STATE, x))?;
                    add_to(slot, *v, mode).map_err(|e| at(e, p))?;
                }
            }
            level = next;
            if k < from {
                continue;
            }
            let rate = match rates {
                Some(rates) => Some(
                    *rates
                        .get(k - from)
                        .ok_or_else(|| at(Arith::Invariant(Miss::Rate(k as u32)), NONE))?,
                ),
                None => None,
            };
            for (m, ((t, v), &l)) in (0..n).zip(total.iter_mut().zip(&level).zip(&last)) {
                if k > l {
                    continue;
                }
                add_level(t, *v, rate, mode).map_err(|e| at(e, m))?;
            }
        }
        for (m, t) in (0..n).zip(total) {
            let v = finish(op, Acc::Total(t));
            self.write(node, m, v).map_err(|e| self.error(e, m, node))?;
        }
        Ok(())
    }

    /// Every member's place in the matrix: its parent's row in the network
    /// file counted from 1, or its position; 0 for a matrix root.
    pub(crate) fn matrix_place(
        &mut self,
        node: NodeId,
        what: MatrixValue,
    ) -> Result<(), EvalError> {
        let Some(matrix) = self.ctx.net.matrix() else {
            return Err(EvalError::MissingMatrix);
        };
        let net = self.ctx.net;
        for m in 0..self.n() as MemberIx {
            let v = match what {
                MatrixValue::Parent => match matrix.parent(m) {
                    NONE => Decimal::ZERO,
                    p => Decimal::from(net.file_row(p)) + Decimal::ONE,
                },
                MatrixValue::Position => Decimal::from(matrix.position(m).unwrap_or(0)),
            };
            self.write(node, m, Val::Dec(v))
                .map_err(|e| self.error(e, m, node))?;
        }
        Ok(())
    }
}

/// Adds one level's sum to a member's total, times the level's rate: as
/// levels of the sponsor tree do, a zero level adds a plain zero.
#[inline(always)]
fn add_level(
    total: &mut Decimal,
    v: Decimal,
    rate: Option<Decimal>,
    mode: crate::arith::Mode,
) -> R<()> {
    match rate {
        Some(rate) => {
            if !v.is_zero() {
                add_to(total, mul(v, rate, mode)?, mode)?;
            } else if total.is_zero() {
                *total = Decimal::ZERO;
            }
            Ok(())
        }
        None => add_to(total, v, mode),
    }
}
