//! A bottom-up sweep run on the rayon threads: whole sibling subtrees per
//! lane, each writing its window of the columns.

use payplan_check::NodeId;
use payplan_network::{MemberIx, Network, NONE};
use rayon::prelude::*;

use crate::acc::State;
use crate::arith::{Arith, Miss};
use crate::env::Store;
use crate::error::{at_member, EvalError};
use crate::eval::Ctx;
use crate::lane::{Lane, Out};
use crate::schedule::max_slots;

/// Below this many members a sweep runs on one thread.
pub(crate) const PARALLEL_MIN: usize = 1 << 16;

/// Runs a bottom-up sweep: ranges of whole sibling subtrees on the rayon
/// threads, then the members above them on this one, each range joining
/// its sponsor's state when the sweep reaches it. Returns the columns.
pub(crate) fn parallel_sweep(ctx: &Ctx<'_>, nodes: &[NodeId]) -> Result<Vec<Store>, EvalError> {
    let n = ctx.net.len();
    let threads = rayon::current_num_threads();
    let chunks = if n >= PARALLEL_MIN && threads > 1 {
        chunks(ctx.net, (n / (threads * 8)).max(4096))
    } else {
        Vec::new()
    };
    let mut main = Lane::new(ctx, 0, n, 0, max_slots(ctx.depth));
    for &node in nodes {
        main.start(node)?;
    }
    let pushing: Vec<NodeId> = nodes.iter().copied().filter(|&x| main.pushes(x)).collect();
    // Each range's lane writes its members' values straight into its
    // window of the columns; what it keeps is what it hands its sponsor.
    let tops: Vec<Result<Vec<State>, EvalError>> = match windows(&mut main.own, &chunks) {
        Some(windows) => chunks
            .par_iter()
            .zip(windows.into_par_iter())
            .map(|(&(a, b), out)| {
                let Some((top, slots)) = depth_range(ctx.depth, a, b) else {
                    return Err(broken(ctx, nodes, a));
                };
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
    let Ok(mut m) = MemberIx::try_from(n) else {
        return Err(broken(ctx, nodes, NONE));
    };
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
pub(crate) fn windows<'o>(
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
            *lane.get_mut(node)? = Some(part);
        }
    }
    Some(out)
}

/// The parts of `column` for the disjoint, ordered member ranges `chunks`.
pub(crate) fn split<'o, T>(
    column: &'o mut [T],
    chunks: &[(MemberIx, MemberIx)],
) -> Option<Vec<&'o mut [T]>> {
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
pub(crate) fn chunks(net: &Network, size: usize) -> Vec<(MemberIx, MemberIx)> {
    let Ok(n) = MemberIx::try_from(net.len()) else {
        return Vec::new();
    };
    // A size past what a member index counts puts no limit on a range.
    let size = match MemberIx::try_from(size) {
        Ok(size) => size,
        Err(_) => NONE,
    };
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

/// The state slots a lane over members `a..b` needs: the depth of its slot
/// 0 (one above its shallowest, first member's) and how many there are.
fn depth_range(depth: &[u32], a: MemberIx, b: MemberIx) -> Option<(u32, usize)> {
    let depths = depth.get(a as usize..b as usize)?;
    // Top members (depth 0) hand nothing on: their slot 0 is their own.
    let top = depths.first()?.saturating_sub(1);
    let deepest = depths.iter().copied().max()?;
    Some((top, (deepest.checked_sub(top)?) as usize + 1))
}

/// The error of a sweep whose members or depths are not as the network
/// promised: a broken invariant, met at member `m` (or the network).
#[cold]
fn broken(ctx: &Ctx<'_>, nodes: &[NodeId], m: MemberIx) -> EvalError {
    let node = nodes.first().map_or(0, |&n| n);
    at_member(
        Arith::Invariant(Miss::State),
        ctx.plan,
        ctx.net,
        m,
        node,
        None,
    )
}
