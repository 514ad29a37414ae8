//! A plan's review: what it pays, to whom, and what it holds back — the
//! report a reviewer signs off, as a serializable value (`payplan review`
//! prints it; hosts snapshot it).
//!
//! Definitions (docs/review.md gives them at length):
//!
//! - *earnings*: a member's total final pay over every bonus (after caps,
//!   the limit and rounding);
//! - *payout ratio*: total paid / the sum of the `cv` column, when the plan
//!   reads a `cv` column and its sum is positive;
//! - *breakage*: the potential (what the plan pays with every bonus's `when`
//!   dropped, every `cap` dropped and the `limit` dropped) less what it pays,
//!   split by successive runs into what the limit, the caps and the
//!   qualifications hold back;
//! - *percentiles*: nearest rank over the members' earnings sorted
//!   ascending (the `p`-th percentile is the `ceil(p * n / 100)`-th value);
//!   the *median* is the middle value (the mean of the two middle ones for an
//!   even count);
//! - *basis*: each bonus is classified whole by what its amount reads in
//!   value positions (conditions and rank selections aside): a network total
//!   makes it `network`, else a value of other members makes it `downline`,
//!   else it is `personal`.
//!
//! Amounts are exact decimals; shares and ratios are exact quotients
//! (28 significant digits), rounded only when displayed.

use payplan::{
    Amounts, BonusInfo, Column, Decimal, EvalOptions, Exact, MemberIx, Network, Plan, Rank, Relax,
    RunError,
};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

/// What a bonus's amount rests on (the library's classification).
pub use payplan::Basis;

/// The percentiles of the income disclosure.
pub const PERCENTILES: [u32; 6] = [10, 25, 50, 75, 90, 99];

/// The most bins of the earnings histogram.
const MAX_BINS: u32 = 10;

/// What a plan pays on one network, as a reviewer reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub plan: String,
    pub currency: String,
    /// Decimal places of amounts, from the plan's rounding.
    pub places: u32,
    pub members: usize,
    /// The sum of the `cv` column, when the plan reads one.
    pub total_cv: Option<Decimal>,
    /// The sum of every final amount (equal to the run's `totals.paid`).
    pub paid: Decimal,
    /// `paid / total_cv`, when there is a `cv` column with a positive sum.
    pub payout_ratio: Option<Decimal>,
    /// The sum of the amounts after caps, before the limit and rounding.
    pub before_limit: Decimal,
    /// The global limit, when the plan has one.
    pub limit: Option<Decimal>,
    /// Whether the limit scaled every amount down.
    pub limit_applied: bool,
    /// One entry per bonus, in declaration order.
    pub bonuses: Vec<BonusReview>,
    /// What the plan's rates would pay, less what it pays.
    pub breakage: Breakage,
    /// Members and income per rank, "no rank" first, then ascending; empty
    /// when the plan has no ranks.
    pub ranks: Vec<RankReview>,
    pub income: IncomeDisclosure,
    /// Pay by what it rests on: personal, downline and network volume.
    pub basis: Vec<BasisShare>,
}

/// One bonus's line of the review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BonusReview {
    pub name: String,
    pub basis: Basis,
    /// The sum of the bonus's final amounts.
    pub paid: Decimal,
    /// `paid / total_cv`.
    pub payout_ratio: Option<Decimal>,
    /// Members with a final amount that is not zero.
    pub members_paid: usize,
    pub breakage: Breakage,
}

/// Potential pay and what holds it back. Each part is a difference of two
/// successive runs' rounded totals, so `limit + caps + qualifications =
/// total = potential - paid` exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breakage {
    /// What the plan pays with no `when`, no `cap` and no `limit`.
    pub potential: Decimal,
    pub paid: Decimal,
    /// `potential - paid`.
    pub total: Decimal,
    /// Paid without the limit, less paid.
    pub limit: Decimal,
    /// Paid without the limit and the caps, less paid without the limit.
    pub caps: Decimal,
    /// The potential, less paid without the limit and the caps.
    pub qualifications: Decimal,
}

/// The pay of the bonuses of one basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasisShare {
    pub basis: Basis,
    /// The bonuses of this basis, in declaration order.
    pub bonuses: Vec<String>,
    pub paid: Decimal,
    /// `paid` over all pay; `None` when nothing is paid in all.
    pub share: Option<Decimal>,
}

/// Members and income of one rank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankReview {
    /// `None` for the members with no rank.
    pub rank: Option<String>,
    pub members: usize,
    /// Of all members.
    pub members_share: Option<Decimal>,
    /// Members whose earnings are zero or less.
    pub earning_nothing: usize,
    pub paid: Decimal,
    /// Of all pay; `None` when nothing is paid in all.
    pub pay_share: Option<Decimal>,
    pub stats: Option<Stats>,
}

/// Summary statistics of a group of members' earnings (at least one member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub mean: Decimal,
    pub median: Decimal,
    pub low: Decimal,
    pub high: Decimal,
}

/// The income disclosure: how earnings spread over the members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomeDisclosure {
    pub members: usize,
    /// Members whose earnings are zero or less (a refund can make them negative).
    pub earning_nothing: usize,
    pub earning_nothing_share: Option<Decimal>,
    /// `None` for a network without members.
    pub stats: Option<Stats>,
    /// Nearest-rank percentiles of earnings, for [`PERCENTILES`].
    pub percentiles: Vec<Percentile>,
    /// The top 1% of earners (at least one member).
    pub top_1_percent: TopShare,
    /// The top 10% of earners (at least one member).
    pub top_10_percent: TopShare,
    /// Earnings above zero in equal bins: `(above, up_to]`.
    pub histogram: Vec<Bin>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentile {
    pub percent: u32,
    pub earnings: Decimal,
}

/// What the best-paid members receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopShare {
    /// `ceil(percent * members / 100)`.
    pub members: usize,
    pub paid: Decimal,
    /// Of all pay; `None` when nothing (or less) is paid in all.
    pub share: Option<Decimal>,
}

/// One bar of the earnings histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    /// Exclusive.
    pub above: Decimal,
    /// Inclusive.
    pub up_to: Decimal,
    pub members: usize,
}

/// Why a plan could not be reviewed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// The plan, or one of its relaxed forms, could not run on the network.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A sum of the review does not fit 28 significant digits.
    #[error("the total payout is too large to compute exactly")]
    TotalOverflow,
}

impl ReviewError {
    /// A suggestion for people, when there is one.
    pub fn help(&self) -> Option<String> {
        match self {
            ReviewError::Run(e) => e.help(),
            ReviewError::TotalOverflow => Some(
                "amounts hold 28 significant digits; check the network's values for typing errors"
                    .into(),
            ),
        }
    }
}

/// Runs `plan` on `network` (and, for breakage, up to twice more with parts
/// of the plan dropped) and sums up what it pays.
pub fn review(plan: &Plan, network: &Network) -> Result<Review, ReviewError> {
    let has_ranks = !plan.ranks().is_empty();
    // The rank outlives the run only when it is exported; otherwise the run
    // keeps every value.
    let run = plan.evaluate_with(
        network,
        EvalOptions {
            keep_every_value: has_ranks && !plan.keeps_by_default("rank"),
        },
    )?;
    let n = network.len();
    let info: Vec<BonusInfo<'_>> = plan.bonus_info().collect();

    // Per-bonus totals of the successive runs.
    let paid_by_bonus = column_sums(run.paid_amounts())?;
    // A plain zero rounds to itself, so only the kept amounts count.
    let without_limit = run
        .capped_amounts()
        .iter()
        .map(|c| sum(c.iter().map(|(_, a)| plan.round(a))))
        .collect::<Result<Vec<_>, _>>()?;
    let without_caps = if info.iter().any(|b| b.capped) {
        relaxed_totals(plan, network, false)?
    } else {
        without_limit.clone()
    };
    let potential = if info.iter().any(|b| b.qualified) {
        relaxed_totals(plan, network, true)?
    } else {
        without_caps.clone()
    };

    let total_cv = total_cv(plan, network)?;
    let paid = sum(paid_by_bonus.iter().copied())?;
    let ratio = |x: Decimal| {
        total_cv
            .filter(|cv| *cv > Decimal::ZERO)
            .and_then(|cv| x.checked_div(cv))
    };

    let mut bonuses = Vec::with_capacity(info.len());
    // Every list is per bonus, in declaration order.
    let totals = paid_by_bonus
        .iter()
        .zip(&potential)
        .zip(&without_caps)
        .zip(&without_limit)
        .zip(run.paid_amounts());
    for (spec, ((((&bonus_paid, &potential), &without_caps), &without_limit), amounts)) in
        info.iter().zip(totals)
    {
        bonuses.push(BonusReview {
            name: spec.name.to_string(),
            basis: spec.basis,
            paid: bonus_paid,
            payout_ratio: ratio(bonus_paid),
            members_paid: amounts.iter().filter(|(_, a)| !a.is_zero()).count(),
            breakage: breakage(potential, without_caps, without_limit, bonus_paid)?,
        });
    }
    let breakage = breakage(
        sum(potential.iter().copied())?,
        sum(without_caps.iter().copied())?,
        sum(without_limit.iter().copied())?,
        paid,
    )?;

    // Earnings by member (preorder index).
    let mut earnings = vec![Decimal::ZERO; n];
    for column in run.paid_amounts() {
        for (m, a) in column.iter() {
            if let Some(e) = earnings.get_mut(m as usize) {
                *e = e.exact_add(a).ok_or(ReviewError::TotalOverflow)?;
            }
        }
    }

    let ranks = if has_ranks {
        rank_reviews(plan, &earnings, paid, |m| run.rank_at(m))?
    } else {
        Vec::new()
    };

    let basis = Basis::ALL
        .iter()
        .map(|&basis| {
            let of: Vec<&BonusReview> = bonuses.iter().filter(|b| b.basis == basis).collect();
            let basis_paid = sum(of.iter().map(|b| b.paid))?;
            Ok(BasisShare {
                basis,
                bonuses: of.iter().map(|b| b.name.clone()).collect(),
                paid: basis_paid,
                share: share(basis_paid, paid),
            })
        })
        .collect::<Result<Vec<_>, ReviewError>>()?;

    Ok(Review {
        plan: plan.name().to_string(),
        currency: plan.currency().to_string(),
        places: plan.places(),
        members: n,
        total_cv,
        paid,
        payout_ratio: ratio(paid),
        before_limit: run.before_limit(),
        limit: run.limit(),
        limit_applied: run.limit_applied(),
        bonuses,
        breakage,
        ranks,
        income: disclosure(&earnings, paid, plan.places())?,
        basis,
    })
}

/// Per-bonus rounded totals of the plan run without its limit and caps, and
/// without its qualifications too when `drop_when`.
fn relaxed_totals(
    plan: &Plan,
    net: &Network,
    drop_when: bool,
) -> Result<Vec<Decimal>, ReviewError> {
    let relaxed = plan.relaxed(Relax {
        qualifications: drop_when,
        caps: true,
        limit: true,
    });
    let run = relaxed.evaluate(net)?;
    column_sums(run.paid_amounts())
}

fn breakage(
    potential: Decimal,
    without_caps: Decimal,
    without_limit: Decimal,
    paid: Decimal,
) -> Result<Breakage, ReviewError> {
    let sub = |a: Decimal, b: Decimal| a.exact_sub(b).ok_or(ReviewError::TotalOverflow);
    Ok(Breakage {
        potential,
        paid,
        total: sub(potential, paid)?,
        limit: sub(without_limit, paid)?,
        caps: sub(without_caps, without_limit)?,
        qualifications: sub(potential, without_caps)?,
    })
}

fn sum(values: impl IntoIterator<Item = Decimal>) -> Result<Decimal, ReviewError> {
    values.into_iter().try_fold(Decimal::ZERO, |a, x| {
        a.exact_add(x).ok_or(ReviewError::TotalOverflow)
    })
}

/// Each bonus's sum (the members without a kept amount add a plain zero).
fn column_sums(columns: &[Amounts]) -> Result<Vec<Decimal>, ReviewError> {
    columns
        .iter()
        .map(|c| sum(c.iter().map(|(_, a)| a)))
        .collect()
}

/// `part / whole`, when `whole` is positive.
fn share(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole > Decimal::ZERO {
        part.checked_div(whole)
    } else {
        None
    }
}

/// The sum of the `cv` column, when the plan reads a decimal `cv` column.
fn total_cv(plan: &Plan, net: &Network) -> Result<Option<Decimal>, ReviewError> {
    if !plan.schema().columns.iter().any(|c| c.name == "cv") {
        return Ok(None);
    }
    match net.column_by_name("cv") {
        Some(Column::Decimal(values)) => sum(values.iter().copied()).map(Some),
        _ => Ok(None),
    }
}

/// Statistics of a non-empty, ascending list of earnings.
fn stats(sorted: &[Decimal]) -> Result<Option<Stats>, ReviewError> {
    let (Some(&low), Some(&high)) = (sorted.first(), sorted.last()) else {
        return Ok(None);
    };
    let total = sum(sorted.iter().copied())?;
    let count = Decimal::from(sorted.len());
    let mean = total.checked_div(count).ok_or(ReviewError::TotalOverflow)?;
    let mid = sorted.len() / 2;
    let median = match (
        sorted.get(mid),
        mid.checked_sub(1).and_then(|i| sorted.get(i)),
    ) {
        (Some(&upper), Some(&lower)) if mid * 2 == sorted.len() => {
            let both = lower.exact_add(upper).ok_or(ReviewError::TotalOverflow)?;
            both / Decimal::TWO
        }
        (Some(&middle), _) => middle,
        (None, _) => low,
    };
    Ok(Some(Stats {
        mean,
        median,
        low,
        high,
    }))
}

/// The nearest-rank `percent`-th percentile of ascending `sorted`: the
/// `ceil(percent * n / 100)`-th value (the first for tiny percentages).
pub fn nearest_rank(sorted: &[Decimal], percent: u32) -> Option<Decimal> {
    let n = sorted.len();
    let rank = (u128::from(percent) * n as u128).div_ceil(100).max(1);
    let index = usize::try_from(rank).ok()?.checked_sub(1)?;
    sorted.get(index.min(n.checked_sub(1)?)).copied()
}

/// The `percent`% best-paid members' pay: `ceil(percent * n / 100)` of them.
fn top_share(descending: &[Decimal], percent: u32, paid: Decimal) -> Result<TopShare, ReviewError> {
    let n = descending.len();
    let count = usize::try_from((u128::from(percent) * n as u128).div_ceil(100))
        .unwrap_or(n)
        .min(n);
    let top = sum(descending.iter().take(count).copied())?;
    Ok(TopShare {
        members: count,
        paid: top,
        share: share(top, paid),
    })
}

/// The income disclosure of every member's earnings.
fn disclosure(
    earnings: &[Decimal],
    paid: Decimal,
    places: u32,
) -> Result<IncomeDisclosure, ReviewError> {
    let mut sorted = earnings.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let earning_nothing = sorted.iter().filter(|e| **e <= Decimal::ZERO).count();
    let percentiles = PERCENTILES
        .iter()
        .filter_map(|&p| {
            nearest_rank(&sorted, p).map(|earnings| Percentile {
                percent: p,
                earnings,
            })
        })
        .collect();
    let descending: Vec<Decimal> = sorted.iter().rev().copied().collect();
    Ok(IncomeDisclosure {
        members: n,
        earning_nothing,
        earning_nothing_share: share(Decimal::from(earning_nothing), Decimal::from(n)),
        stats: stats(&sorted)?,
        percentiles,
        top_1_percent: top_share(&descending, 1, paid)?,
        top_10_percent: top_share(&descending, 10, paid)?,
        histogram: histogram(&sorted, places),
    })
}

/// Earnings above zero in at most [`MAX_BINS`] bins of one width: the
/// highest earnings over the bin count, rounded up to 1, 2 or 5 times a
/// power of ten (at least one unit of the plan's places), so that the edges
/// read well.
fn histogram(sorted: &[Decimal], places: u32) -> Vec<Bin> {
    let Some(&high) = sorted.last() else {
        return Vec::new();
    };
    if high <= Decimal::ZERO {
        return Vec::new();
    }
    let step = high / Decimal::from(MAX_BINS);
    let mut magnitude = Decimal::new(1, places.min(28));
    while let Some(next) = magnitude.checked_mul(Decimal::TEN).filter(|m| *m <= step) {
        magnitude = next;
    }
    let width = [1, 2, 5, 10]
        .iter()
        .filter_map(|f| magnitude.checked_mul(Decimal::from(*f)))
        .find(|w| *w >= step)
        .unwrap_or(magnitude);
    let bins = (high / width)
        .ceil()
        .to_u32()
        .unwrap_or(MAX_BINS)
        .clamp(1, MAX_BINS);
    let edge = |i: u32| width.checked_mul(Decimal::from(i)).unwrap_or(Decimal::MAX);
    let mut out: Vec<Bin> = (0..bins)
        .map(|i| Bin {
            above: edge(i),
            up_to: edge(i + 1),
            members: 0,
        })
        .collect();
    for e in sorted.iter().filter(|e| **e > Decimal::ZERO) {
        let at = (*e / width)
            .ceil()
            .to_usize()
            .unwrap_or(0)
            .saturating_sub(1);
        let last = out.len().saturating_sub(1);
        if let Some(bin) = out.get_mut(at.min(last)) {
            bin.members += 1;
        }
    }
    out
}

/// Members and income per rank, "no rank" first, then the plan's ranks
/// lowest first.
fn rank_reviews<'p>(
    plan: &'p Plan,
    earnings: &[Decimal],
    paid: Decimal,
    rank_of: impl Fn(MemberIx) -> Result<Option<Rank<'p>>, RunError>,
) -> Result<Vec<RankReview>, ReviewError> {
    let names = plan.ranks();
    let mut groups: Vec<Vec<Decimal>> = vec![Vec::new(); names.len() + 1];
    for (m, e) in (0..).zip(earnings) {
        let group = rank_of(m)?.map_or(0, |r| r.index + 1);
        #[expect(
            clippy::indexing_slicing,
            reason = "a rank's index is below the plan's rank count, and there is one group more"
        )]
        groups[group].push(*e);
    }
    let n = Decimal::from(earnings.len());
    groups
        .into_iter()
        .enumerate()
        .map(|(r, mut group)| {
            group.sort_unstable();
            let group_paid = sum(group.iter().copied())?;
            Ok(RankReview {
                rank: r.checked_sub(1).and_then(|i| names.get(i)).cloned(),
                members: group.len(),
                members_share: share(Decimal::from(group.len()), n),
                earning_nothing: group.iter().filter(|e| **e <= Decimal::ZERO).count(),
                paid: group_paid,
                pay_share: share(group_paid, paid),
                stats: stats(&group)?,
            })
        })
        .collect()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn decimals(values: &[i64]) -> Vec<Decimal> {
        values.iter().map(|v| Decimal::from(*v)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let one_to_ten = decimals(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let at = |p| nearest_rank(&one_to_ten, p).unwrap();
        assert_eq!(at(10), Decimal::from(1));
        assert_eq!(at(25), Decimal::from(3));
        assert_eq!(at(50), Decimal::from(5));
        assert_eq!(at(99), Decimal::from(10));
        assert_eq!(at(0), Decimal::from(1));
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&decimals(&[7]), 99), Some(Decimal::from(7)));
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let odd = stats(&decimals(&[1, 2, 9])).unwrap().unwrap();
        assert_eq!(
            (odd.median, odd.low, odd.high),
            (2.into(), 1.into(), 9.into())
        );
        let even = stats(&decimals(&[1, 2, 4, 9])).unwrap().unwrap();
        assert_eq!(even.median, Decimal::from(3));
        assert_eq!(even.mean, Decimal::from(4));
        assert_eq!(stats(&[]).unwrap(), None);
    }

    #[test]
    fn histogram_bins_have_round_edges() {
        let bins = histogram(&decimals(&[-3, 0, 5, 100]), 2);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins.first().unwrap().up_to, Decimal::from(10));
        assert_eq!(bins.first().unwrap().members, 1);
        assert_eq!(bins.last().unwrap().members, 1);
        assert_eq!(bins.last().unwrap().up_to, Decimal::from(100));
        let bins = histogram(&decimals(&[0, 710]), 2);
        assert_eq!(bins.len(), 8);
        assert!(histogram(&decimals(&[-1, 0]), 2).is_empty());
        // Tiny earnings: one unit of the plan's places at least.
        let bins = histogram(&[Decimal::new(3, 2)], 2);
        assert_eq!(bins.len(), 3);
    }

    #[test]
    fn top_shares_take_at_least_one_member() {
        let top = top_share(&decimals(&[50, 30, 20]), 1, Decimal::from(100)).unwrap();
        assert_eq!((top.members, top.paid), (1, Decimal::from(50)));
        assert_eq!(top.share, Some(Decimal::new(5, 1)));
        let none = top_share(&decimals(&[0, 0]), 10, Decimal::ZERO).unwrap();
        assert_eq!(none.share, None);
    }
}

/// docs/review.md's examples, compiled and run as doc tests.
#[doc = include_str!("../../../docs/review.md")]
#[cfg(doctest)]
pub struct ReviewDocDoctests;
