//! The binary placement tree, by spillover: every recruit goes into its
//! sponsor's placement subtree, at the first free slot down the outer edge
//! of one side, in amortized near-constant time per member.

use crate::rng::Rng;
use crate::NONE;

/// The bit of a packed placement that says the member is on the right.
pub(crate) const RIGHT: u32 = 1 << 31;

/// The chance (per million) that a recruit spills below the sponsor's
/// previous recruit rather than below the sponsor itself.
const BELOW_LAST_PER_MILLION: u64 = 250_000;

/// Places every member whose sponsor is not `NONE`, in member order (a
/// sponsor is placed before its recruits). Returns, per member, the
/// placement parent with [`RIGHT`] set for the right side, or `NONE` for a
/// root of the placement tree (exactly the roots of the sponsor tree).
///
/// A member's `end` on a side points to a member further down its outer edge
/// on that side, or to itself exactly when it has no child on that side;
/// finding the free slot follows these pointers and then shortens them (path
/// compression, as in union-find).
pub(crate) fn build(sponsors: &[u32], seed: u64, tick: &mut dyn FnMut(u32)) -> Vec<u32> {
    let n = sponsors.len();
    let mut placements = vec![NONE; n];
    // Per member, together so that one cache line serves a sponsor: the end
    // pointers of the left and right outer edges, and the last recruit.
    let mut nodes: Vec<Node> = (0..n as u32)
        .map(|m| Node {
            end: [m, m],
            last_recruit: NONE,
        })
        .collect();
    // One bit per member: flips with each recruit, so sides alternate.
    let mut parity = vec![0u64; n.div_ceil(64)];
    let side_key = crate::rng::key(seed, 3);
    let mut rng = Rng::new(seed, 2);
    for (i, (&sponsor, placement)) in sponsors.iter().zip(placements.iter_mut()).enumerate() {
        let i = i as u32;
        if i & 0xffff == 0xffff {
            tick(i + 1);
        }
        let Some(sponsor_node) = nodes.get_mut(sponsor as usize) else {
            continue; // a root (`NONE`)
        };
        let last = std::mem::replace(&mut sponsor_node.last_recruit, i);
        let flip = toggle(&mut parity, sponsor);
        let first_side = Rng::for_member(side_key, sponsor).bit();
        let side = usize::from(flip ^ first_side);
        let start = if last != NONE && rng.chance(BELOW_LAST_PER_MILLION) {
            last
        } else {
            sponsor
        };
        let parent = find(&mut nodes, side, start);
        if let Some(node) = nodes.get_mut(parent as usize) {
            if let Some(end) = node.end.get_mut(side) {
                *end = i;
            }
        }
        *placement = if side == 1 { parent | RIGHT } else { parent };
    }
    placements
}

/// What the placement keeps per member.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Per side (left, right): a member further down the outer edge, or
    /// this member itself exactly when it has no child on that side.
    end: [u32; 2],
    /// The member's latest recruit, `NONE` before the first.
    last_recruit: u32,
}

/// Flips member `m`'s bit and returns its old value.
fn toggle(bits: &mut [u64], m: u32) -> bool {
    let mask = 1u64 << (m % 64);
    match bits.get_mut((m / 64) as usize) {
        Some(word) => {
            let old = *word & mask != 0;
            *word ^= mask;
            old
        }
        None => false,
    }
}

/// The last member down the outer edge on `side` from `x` (the one with a
/// free slot), shortening every pointer on the way to point at it.
fn find(nodes: &mut [Node], side: usize, x: u32) -> u32 {
    let end = |nodes: &[Node], m: u32| {
        nodes
            .get(m as usize)
            .and_then(|node| node.end.get(side).copied())
    };
    let mut root = x;
    while let Some(next) = end(nodes, root) {
        if next == root {
            break;
        }
        root = next;
    }
    let mut y = x;
    while y != root {
        let Some(slot) = nodes
            .get_mut(y as usize)
            .and_then(|node| node.end.get_mut(side))
        else {
            break;
        };
        y = std::mem::replace(slot, root);
    }
    root
}
