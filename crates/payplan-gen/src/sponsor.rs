//! The sponsor trees of the shapes. Members are numbered in the order they
//! joined: a sponsor always has a smaller number than its recruits, so no
//! shape can make a cycle.

use std::collections::VecDeque;

use crate::rng::Rng;
use crate::{Shape, NONE};

/// How often a member starts a new organization (a root) in `mlm`: about one
/// per 100,000 members.
const MLM_ROOT_PER_MILLION: u64 = 10;
/// The share of `mlm` members who recruit at all (given enough time).
const MLM_RECRUITER_PER_MILLION: u64 = 330_000;
/// The tail of `mlm` recruiting drive: a recruiter's weight is in
/// `2^g..2^(g+1)` with probability about `q^g`, `q = 2^-1.5` (a Pareto tail
/// of index 1.5: a few recruit thousands).
const MLM_WEIGHT_Q_PER_MILLION: u64 = 353_553;
/// The largest level of that tail.
const MLM_WEIGHT_MAX_LEVEL: u32 = 14;
/// A new root's weight is at least this.
const MLM_ROOT_MIN_WEIGHT: u64 = 64;
/// Members recruit while they are among the latest this many to join: a
/// newcomer's sponsor joined at most this long ago, so that depth grows with
/// time (about 2 * members / window levels).
const MLM_WINDOW: u32 = 4096;

/// Fills `sponsors` (one entry per member, `NONE` for a root) for `shape`,
/// calling `tick` with the number of members done now and then.
pub(crate) fn build(shape: Shape, n: u32, seed: u64, tick: &mut dyn FnMut(u32)) -> Vec<u32> {
    let mut sponsors = Vec::with_capacity(n as usize);
    let mut rng = Rng::new(seed, 1);
    let mut pool = VecDeque::new();
    for i in 0..n {
        let sponsor = match shape {
            Shape::Chain => i.checked_sub(1).unwrap_or(NONE),
            Shape::Star => star(i, 0),
            Shape::Broom => {
                // The handle is the first half; its last member sponsors the rest.
                let handle = n.div_ceil(2);
                if i < handle {
                    i.checked_sub(1).unwrap_or(NONE)
                } else {
                    handle - 1
                }
            }
            Shape::Pref => pref(i, &sponsors, &mut rng),
            Shape::Mlm => mlm(i, &mut pool, &mut rng),
        };
        sponsors.push(sponsor);
        if i & 0xffff == 0xffff {
            tick(i + 1);
        }
    }
    sponsors
}

/// Everybody but `root` below `root`.
fn star(i: u32, root: u32) -> u32 {
    if i == root {
        NONE
    } else {
        root
    }
}

/// Preferential attachment: member `i` picks sponsor `j < i` with probability
/// proportional to `1 + recruits(j)`. The weights add up to `2i - 1` (one
/// root): draw below that; under `i` it is the "1" of member `r`, otherwise
/// it is one recruit edge, whose sponsor end is read from `sponsors`.
fn pref(i: u32, sponsors: &[u32], rng: &mut Rng) -> u32 {
    if i == 0 {
        return NONE;
    }
    let total = 2 * u64::from(i) - 1;
    let r = rng.below(total);
    if r < u64::from(i) {
        return r as u32;
    }
    let edge = (r - u64::from(i) + 1) as usize;
    sponsors.get(edge).copied().unwrap_or(0)
}

/// Realistic recruiting. Each member has a recruiting weight: most none, a
/// few very much (a Pareto-like tail), and recruits only while it is among
/// the latest [`MLM_WINDOW`] members to join. `pool` holds one entry per
/// unit of weight of those members, in joining order; a newcomer's sponsor
/// is a random entry (so chosen with probability proportional to weight).
/// Depth then grows with time, and the number of recruits follows the
/// weights. With no weight in the window the sponsor is a random earlier
/// member.
fn mlm(i: u32, pool: &mut VecDeque<u32>, rng: &mut Rng) -> u32 {
    while pool.front().is_some_and(|&m| m + MLM_WINDOW < i) {
        pool.pop_front();
    }
    let root = i == 0 || rng.chance(MLM_ROOT_PER_MILLION);
    let sponsor = if root {
        NONE
    } else if pool.is_empty() {
        rng.below(u64::from(i)) as u32
    } else {
        let at = rng.below(pool.len() as u64) as usize;
        pool.get(at).copied().unwrap_or(0)
    };
    let mut weight = if rng.chance(MLM_RECRUITER_PER_MILLION) {
        let level = rng.level(MLM_WEIGHT_Q_PER_MILLION, MLM_WEIGHT_MAX_LEVEL);
        (1u64 << level) + rng.below(1u64 << level)
    } else {
        0
    };
    if root {
        weight = weight.max(MLM_ROOT_MIN_WEIGHT);
    }
    pool.extend(std::iter::repeat_n(i, weight as usize));
    sponsor
}
