//! R2 (`unilevel_compressed`) and R3 (`ranked`) written by hand in plain Rust:
//! the baseline the engine is measured against in the benches and `examples/scale.rs`.
//!
//! Each plan is one pass over the network's preorder arrays, from the last
//! member to the first, so that every member is finished after all its
//! descendants. What a member hands up to its sponsor (per-level volumes,
//! group volume, leg counts) waits on a stack that only ever holds the open
//! ancestors of the current member: memory is the output columns plus the
//! depth of the tree. Arithmetic is exact `rust_decimal`, rounded half to
//! even to the cent at the end, and the payout rows are the engine's
//! (file order, then bonus order, zero amounts left out).

#![allow(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::needless_range_loop
)]

use payplan::{Decimal, Network, Payout};
use rust_decimal::RoundingStrategy;

/// A root's sponsor in [`Network::sponsors`].
const NO_SPONSOR: u32 = u32::MAX;

/// `num / 10^scale`, as a constant (`Decimal::new` is not `const`).
const fn dec(num: u32, scale: u32) -> Decimal {
    Decimal::from_parts(num, 0, 0, false, scale)
}

const ACTIVE_PV: Decimal = dec(100, 0);

/// The network's decimal input column `name`, indexed by member.
fn decimals<'a>(network: &'a Network, name: &str) -> &'a [Decimal] {
    network
        .column_by_name(name)
        .and_then(|c| c.as_decimals())
        .expect("the network was loaded with a pv,cv schema")
}

/// Takes the accumulator that `m`'s children left on top of the stack, if any.
fn take_pending<T>(stack: &mut Vec<(u32, T)>, m: u32) -> Option<T> {
    match stack.last() {
        Some(&(top, _)) if top == m => stack.pop().map(|(_, acc)| acc),
        _ => None,
    }
}

/// The accumulator of `sponsor` on top of the stack, opened if needed. The
/// open accumulators are the ancestors of the current member, deepest on
/// top, so the sponsor's is on top or not there yet.
fn pending_of<T: Default>(stack: &mut Vec<(u32, T)>, sponsor: u32) -> &mut T {
    if stack.last().map(|&(top, _)| top) != Some(sponsor) {
        stack.push((sponsor, T::default()));
    }
    &mut stack.last_mut().expect("just pushed").1
}

/// Hands a member's compressed levels up to its sponsor: its own `cv` is at
/// level 1 of the sponsor; its levels move one down below an active member
/// and stay where they are below an inactive one (compression).
fn shift_levels<const L: usize>(
    up: &mut [Decimal; L],
    own: &[Decimal; L],
    cv: Decimal,
    active: bool,
) {
    up[0] += cv;
    if active {
        for k in 1..L {
            up[k] += own[k - 1];
        }
    } else {
        for k in 0..L {
            up[k] += own[k];
        }
    }
}

/// Rounds half to even to the cent, as both plans say.
fn round(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// The payout rows: members in file order, then the bonuses in order, final
/// amounts (after the optional global limit `(limit, total)` and rounding)
/// that are not zero. The members with an amount are found in preorder and
/// sorted by file row, rather than visiting every member in file order
/// (random reads all over the amount columns).
fn payout_rows(
    network: &Network,
    bonuses: &[(&str, &[Decimal])],
    scale: Option<(Decimal, Decimal)>,
) -> Vec<Payout> {
    let mut paid: Vec<(usize, u32)> = (0..network.len())
        .filter(|&m| bonuses.iter().any(|(_, amounts)| !amounts[m].is_zero()))
        .map(|m| (network.file_row(m as u32), m as u32))
        .collect();
    paid.sort_unstable();
    let mut rows = Vec::with_capacity(paid.len() * bonuses.len());
    for (_, m) in paid {
        for &(bonus, amounts) in bonuses {
            let raw = amounts[m as usize];
            let amount = round(match scale {
                Some((limit, total)) => raw * limit / total,
                None => raw,
            });
            if !amount.is_zero() {
                rows.push(Payout {
                    member: network.id(m).to_string(),
                    bonus: bonus.into(),
                    amount,
                });
            }
        }
    }
    rows
}

/// R2 rates by compressed level.
const R2_RATES: [Decimal; 5] = [dec(10, 2), dec(5, 2), dec(5, 2), dec(3, 2), dec(2, 2)];

/// R2 `unilevel_compressed`: an active member earns the rates on the `cv`
/// of its compressed levels 1..5. No caps, no limit.
pub fn r2(network: &Network) -> Vec<Payout> {
    let pv = decimals(network, "pv");
    let cv = decimals(network, "cv");
    let sponsors = network.sponsors();
    let mut unilevel = vec![Decimal::ZERO; network.len()];
    let mut stack: Vec<(u32, [Decimal; 5])> = Vec::new();
    for m in (0..network.len()).rev() {
        let active = pv[m] >= ACTIVE_PV;
        // A leaf has nothing below it: it earns nothing and hands up only its cv.
        let levels = take_pending(&mut stack, m as u32);
        if let (true, Some(levels)) = (active, &levels) {
            unilevel[m] = levels.iter().zip(&R2_RATES).map(|(v, r)| v * r).sum();
        }
        let sponsor = sponsors[m];
        if sponsor != NO_SPONSOR {
            let up = pending_of(&mut stack, sponsor);
            match &levels {
                Some(levels) => shift_levels(up, levels, cv[m], active),
                None => up[0] += cv[m],
            }
        }
    }
    payout_rows(network, &[("unilevel", &unilevel)], None)
}

/// R3 ranks, ascending; `None` is below bronze.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    None,
    Bronze,
    Silver,
    Gold,
    Diamond,
}

/// R3 unilevel rates by compressed level.
const R3_RATES: [Decimal; 7] = [
    dec(8, 2),
    dec(6, 2),
    dec(5, 2),
    dec(4, 2),
    dec(3, 2),
    dec(2, 2),
    dec(2, 2),
];
/// The most a leg adds to the qualifying group volume of silver, gold, diamond
/// (the maximum-leg rule: 50% of 1000, 50% of 5000, 40% of 20000).
const LEG_CAPS: [Decimal; 3] = [dec(500, 0), dec(2500, 0), dec(8000, 0)];

/// What a member's children have handed up so far.
#[derive(Debug, Default, Clone, Copy)]
struct R3Pending {
    /// `cv` at compressed levels 1..7 below the member.
    levels: [Decimal; 7],
    /// The downline's `pv`.
    downline_pv: Decimal,
    /// Per rank silver, gold, diamond: the sum over legs of min(GV(leg), leg cap).
    capped_legs: [Decimal; 3],
    /// Legs holding a silver-or-higher member.
    silver_legs: u32,
    /// Legs holding a gold-or-higher member.
    gold_legs: u32,
    /// The children's capped `unilevel` amounts.
    children_unilevel: Decimal,
    /// The grandchildren's capped `unilevel` amounts.
    grandchildren_unilevel: Decimal,
}

/// R3 `ranked`: ranks from group volume under the maximum-leg rule and
/// silver/gold legs, a compressed unilevel as deep as the rank (cap 2500), a
/// matching bonus on the children's (gold) and grandchildren's (diamond)
/// unilevel (cap 1000), and a global limit of 45% of the total `cv`.
pub fn r3(network: &Network) -> Vec<Payout> {
    let pv = decimals(network, "pv");
    let cv = decimals(network, "cv");
    let sponsors = network.sponsors();
    let n = network.len();
    let mut unilevel = vec![Decimal::ZERO; n];
    let mut matching = vec![Decimal::ZERO; n];
    let mut total_cv = Decimal::ZERO;
    let mut total_paid = Decimal::ZERO;
    let mut stack: Vec<(u32, R3Pending)> = Vec::new();
    for m in (0..n).rev() {
        // A leaf (nothing handed up) skips the level arithmetic on zeros.
        let pending = take_pending(&mut stack, m as u32);
        let leaf = pending.is_none();
        let below = pending.unwrap_or_default();
        let pv_m = pv[m];
        let rank = if pv_m >= dec(200, 0)
            && pv_m + below.capped_legs[2] >= dec(20000, 0)
            && below.gold_legs >= 3
        {
            Rank::Diamond
        } else if pv_m >= ACTIVE_PV
            && pv_m + below.capped_legs[1] >= dec(5000, 0)
            && below.silver_legs >= 2
        {
            Rank::Gold
        } else if pv_m >= ACTIVE_PV && pv_m + below.capped_legs[0] >= dec(1000, 0) {
            Rank::Silver
        } else if pv_m >= ACTIVE_PV {
            Rank::Bronze
        } else {
            Rank::None
        };
        let depth = match rank {
            Rank::None => 0,
            Rank::Bronze => 2,
            Rank::Silver => 4,
            Rank::Gold => 6,
            Rank::Diamond => 7,
        };
        let mut uni = Decimal::ZERO;
        if !leaf {
            for k in 0..depth {
                uni += below.levels[k] * R3_RATES[k];
            }
            uni = uni.min(dec(2500, 0));
        }
        let mat = match rank {
            Rank::Gold => (below.children_unilevel * dec(20, 2)).min(dec(1000, 0)),
            Rank::Diamond => (below.children_unilevel * dec(20, 2)
                + below.grandchildren_unilevel * dec(10, 2))
            .min(dec(1000, 0)),
            _ => Decimal::ZERO,
        };
        if !leaf {
            unilevel[m] = uni;
            matching[m] = mat;
            total_paid += uni + mat;
        }
        total_cv += cv[m];

        let sponsor = sponsors[m];
        if sponsor != NO_SPONSOR {
            let gv = pv_m + below.downline_pv;
            let up = pending_of(&mut stack, sponsor);
            if leaf {
                up.levels[0] += cv[m];
            } else {
                shift_levels(&mut up.levels, &below.levels, cv[m], pv_m >= ACTIVE_PV);
                up.children_unilevel += uni;
                up.grandchildren_unilevel += below.children_unilevel;
            }
            up.downline_pv += gv;
            for (sum, cap) in up.capped_legs.iter_mut().zip(&LEG_CAPS) {
                *sum += gv.min(*cap);
            }
            up.silver_legs += u32::from(rank >= Rank::Silver || below.silver_legs > 0);
            up.gold_legs += u32::from(rank >= Rank::Gold || below.gold_legs > 0);
        }
    }
    let limit = (total_cv * dec(45, 2)).max(Decimal::ZERO);
    let scale = (total_paid > limit && total_paid > Decimal::ZERO).then_some((limit, total_paid));
    payout_rows(
        network,
        &[("unilevel", &unilevel), ("matching", &matching)],
        scale,
    )
}
