//! Aggregate state carried between members: accumulators and per-level
//! rows, and the arithmetic that combines them.

use payplan_check::{AggOp, NodeId, Val};
use payplan_network::MemberIx;
use rust_decimal::Decimal;

use crate::arith::{add, Arith, Miss, Mode, R};

/// Running state of an aggregate at one member.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Acc {
    /// Sum, count, or the count of members that make `any` true / `all` false.
    Total(Decimal),
    /// Min or max so far; `None` when no member was seen.
    Extreme(Option<Decimal>),
}

/// Per-node state carried between members during a pass.
pub(crate) enum State {
    None,
    /// One accumulator per member (downline, group, upline).
    Acc(Vec<Acc>),
    /// `width` numbers per member: per-level sums, or differential buckets.
    Wide(Vec<Decimal>),
}

/// The error of a state slot that is not there.
pub(crate) const NO_STATE: Arith = Arith::Invariant(Miss::State);

/// The accumulator of `node` at slot `m`.
#[inline(always)]
pub(crate) fn acc_at(states: &[State], node: NodeId, m: MemberIx) -> R<Acc> {
    match states.get(node) {
        Some(State::Acc(v)) => v.get(m as usize).copied(),
        _ => None,
    }
    .ok_or(NO_STATE)
}

/// The accumulator of `node` at slot `m`, to update in place (one lookup
/// instead of a read and a write).
#[inline(always)]
pub(crate) fn acc_mut(states: &mut [State], node: NodeId, m: MemberIx) -> R<&mut Acc> {
    match states.get_mut(node) {
        Some(State::Acc(v)) => v.get_mut(m as usize),
        _ => None,
    }
    .ok_or(NO_STATE)
}

/// The positions of slot `m`'s row of `width` numbers.
#[inline]
fn row_range(m: MemberIx, width: usize) -> R<std::ops::Range<usize>> {
    let start = (m as usize).checked_mul(width).ok_or(NO_STATE)?;
    Ok(start..start.checked_add(width).ok_or(NO_STATE)?)
}

/// Slot `m`'s row of `width` numbers in `node`'s state.
#[inline]
pub(crate) fn wide_row(states: &[State], node: NodeId, m: MemberIx, width: usize) -> R<&[Decimal]> {
    match states.get(node) {
        Some(State::Wide(data)) => data.get(row_range(m, width)?).ok_or(NO_STATE),
        _ => Err(NO_STATE),
    }
}

/// Slot `m`'s row of `width` numbers in `node`'s state, to update.
pub(crate) fn wide_row_mut(
    states: &mut [State],
    node: NodeId,
    m: MemberIx,
    width: usize,
) -> R<&mut [Decimal]> {
    match states.get_mut(node) {
        Some(State::Wide(data)) => data.get_mut(row_range(m, width)?).ok_or(NO_STATE),
        _ => Err(NO_STATE),
    }
}

/// `*r = r + x`, without the addition when `x` is zero: rust_decimal
/// returns `r + 0` as `r` and `0 + 0` as the right zero, bit for bit.
#[inline(always)]
pub(crate) fn add_to(r: &mut Decimal, x: Decimal, mode: Mode) -> R<()> {
    if !x.is_zero() {
        *r = add(*r, x, mode)?;
    } else if r.is_zero() {
        *r = x;
    }
    Ok(())
}

/// Adds `from` into `to` element by element, skipping zeros as [`add_to`]
/// does (most rows are mostly zero). Up to the shorter length: a row
/// shifted one level down loses its last level, beyond the deepest.
#[inline]
pub(crate) fn add_row(to: &mut [Decimal], from: &[Decimal], mode: Mode) -> R<()> {
    for (r, x) in to.iter_mut().zip(from) {
        add_to(r, *x, mode)?;
    }
    Ok(())
}

/// The rows of sponsor `p` (to add to) and member `m` (to read); `p < m`
/// in preorder, so the two never overlap.
#[inline]
pub(crate) fn rows(
    states: &mut [State],
    node: NodeId,
    p: MemberIx,
    m: MemberIx,
    width: usize,
) -> R<(&mut [Decimal], &[Decimal])> {
    let Some(State::Wide(data)) = states.get_mut(node) else {
        return Err(NO_STATE);
    };
    let child = row_range(m, width)?;
    let (low, high) = data.split_at_mut_checked(child.start).ok_or(NO_STATE)?;
    let parent = low.get_mut(row_range(p, width)?).ok_or(NO_STATE)?;
    let child = high.get(..width).ok_or(NO_STATE)?;
    Ok((parent, child))
}

#[inline(always)]
pub(crate) fn identity(op: AggOp) -> Acc {
    match op {
        AggOp::Min | AggOp::Max => Acc::Extreme(None),
        _ => Acc::Total(Decimal::ZERO),
    }
}

/// Adds one member's contribution.
#[inline(always)]
pub(crate) fn combine(op: AggOp, acc: Acc, x: Option<Decimal>, mode: Mode) -> R<Acc> {
    let Some(x) = x else { return Ok(acc) };
    Ok(match (acc, op) {
        (Acc::Total(t), _) => Acc::Total(add(t, x, mode)?),
        (Acc::Extreme(None), _) => Acc::Extreme(Some(x)),
        (Acc::Extreme(Some(e)), AggOp::Min) => Acc::Extreme(Some(e.min(x))),
        (Acc::Extreme(Some(e)), _) => Acc::Extreme(Some(e.max(x))),
    })
}

/// Combines two partial aggregates of the same kind.
#[inline(always)]
pub(crate) fn merge(op: AggOp, a: Acc, b: Acc, mode: Mode) -> R<Acc> {
    Ok(match (a, b) {
        (Acc::Total(x), Acc::Total(y)) => Acc::Total(add(x, y, mode)?),
        (Acc::Extreme(x), Acc::Extreme(y)) => Acc::Extreme(match (x, y) {
            (None, other) | (other, None) => other,
            (Some(x), Some(y)) => Some(if op == AggOp::Min { x.min(y) } else { x.max(y) }),
        }),
        (Acc::Total(_), Acc::Extreme(_)) | (Acc::Extreme(_), Acc::Total(_)) => {
            return Err(NO_STATE)
        }
    })
}

#[inline(always)]
pub(crate) fn finish(op: AggOp, acc: Acc) -> Val {
    match (op, acc) {
        (AggOp::Any, Acc::Total(t)) => Val::Bool(!t.is_zero() && t.is_sign_positive()),
        (AggOp::All, Acc::Total(t)) => Val::Bool(t.is_zero()),
        (_, Acc::Total(t)) => Val::Dec(t),
        (_, Acc::Extreme(Some(e))) => Val::Dec(e),
        // `min` and `max` over no members give 0 (docs/language.md, aggregates).
        (_, Acc::Extreme(None)) => Val::Dec(Decimal::ZERO),
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
                let want = add(a, b, Mode::Exact);
                match add_to(&mut r, b, Mode::Exact) {
                    Ok(()) => assert_eq!(Ok(r.serialize()), want.map(|w| w.serialize())),
                    Err(e) => assert_eq!(Err(e), want.map(|w| w.serialize())),
                }
            }
        }
        Ok(())
    }
}
