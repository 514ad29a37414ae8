//! Which rank can never be held: a cheap test, sound where it answers yes,
//! that one rank's requirement implies a higher rank's, made to answer for
//! every rank of a plan at once without comparing every pair.
//!
//! A requirement implies another when each conjunct of the other is implied
//! by one of its own: the same text, or the same `x >= c` (or `x > c`) with
//! a threshold at least as high.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use payplan_syntax::ast::{BinaryOp, Expr, ExprKind};
use rust_decimal::Decimal;

use crate::source::Source;

/// A threshold `x >= c` as `(c, false)`, `x > c` as `(c, true)`: of two
/// thresholds on the same `x`, the greater implies the smaller.
type Bound = (Decimal, bool);

/// What of a requirement the test looks at.
#[derive(Default)]
struct Summary {
    /// The texts of the conjuncts that are not thresholds.
    plain: BTreeSet<String>,
    /// For each thresholded text `x`, the highest threshold on it.
    bounds: BTreeMap<String, Bound>,
}

/// A name for one conjunct's subject, to index requirements by.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Key {
    Plain(String),
    Bounded(String),
}

/// Requirements with the same plain conjuncts and thresholded subjects, in
/// rank order, with a tree of their lowest bounds to search.
struct Group {
    plain: Vec<String>,
    subjects: Vec<String>,
    /// The ranks of the group, ascending.
    ranks: Vec<usize>,
    /// A complete binary tree over `ranks` (leaves from `leaves` on, padded
    /// with bounds no query reaches): node `k` holds, per subject, the lowest
    /// bound below it, at `mins[k * subjects.len()..]`.
    mins: Vec<Bound>,
    leaves: usize,
}

/// For each requirement, the first later one it implies: the higher rank
/// that every member meeting this rank also meets.
pub(crate) fn first_implied(requirements: &[&Expr], source: Source<'_>) -> Vec<Option<usize>> {
    let summaries: Vec<Summary> = requirements.iter().map(|e| summary(e, source)).collect();
    let groups = groups(&summaries);
    let mut anchored: HashMap<Key, Vec<usize>> = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        let anchor = group
            .plain
            .first()
            .map(|p| Key::Plain(p.clone()))
            .or_else(|| group.subjects.first().map(|s| Key::Bounded(s.clone())));
        if let Some(anchor) = anchor {
            anchored.entry(anchor).or_default().push(g);
        }
    }
    summaries
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let keys = s
                .plain
                .iter()
                .map(|p| Key::Plain(p.clone()))
                .chain(s.bounds.keys().map(|x| Key::Bounded(x.clone())));
            keys.flat_map(|k| anchored.get(&k).into_iter().flatten())
                .filter_map(|&g| groups.get(g))
                .filter_map(|group| group.first_implied_by(i, s))
                .min()
        })
        .collect()
}

/// A requirement's plain conjuncts and thresholded subjects, sorted.
type Signature = (Vec<String>, Vec<String>);

/// A rank and its bounds, in the order of its group's subjects.
type Member = (usize, Vec<Bound>);

/// The requirements grouped by their plain conjuncts and subjects.
fn groups(summaries: &[Summary]) -> Vec<Group> {
    let mut index: HashMap<Signature, usize> = HashMap::new();
    let mut members: Vec<(Signature, Vec<Member>)> = Vec::new();
    for (rank, s) in summaries.iter().enumerate() {
        let signature: Signature = (
            s.plain.iter().cloned().collect(),
            s.bounds.keys().cloned().collect(),
        );
        let bounds: Vec<Bound> = s.bounds.values().copied().collect();
        let g = *index.entry(signature.clone()).or_insert_with(|| {
            members.push((signature, Vec::new()));
            members.len() - 1
        });
        if let Some((_, m)) = members.get_mut(g) {
            m.push((rank, bounds));
        }
    }
    members
        .into_iter()
        .map(|((plain, subjects), m)| Group::new(plain, subjects, m))
        .collect()
}

/// Whether every bound of `lower` is at most the one of `upper` beside it.
fn within(lower: &[Bound], upper: &[Bound]) -> bool {
    lower.iter().zip(upper).all(|(l, u)| l <= u)
}

impl Group {
    fn new(plain: Vec<String>, subjects: Vec<String>, members: Vec<Member>) -> Group {
        let d = subjects.len();
        let leaves = members.len().next_power_of_two();
        let never = (Decimal::MAX, true);
        let mut mins = vec![never; 2 * leaves * d];
        for (k, (_, bounds)) in members.iter().enumerate() {
            if let Some(slot) = mins.get_mut((leaves + k) * d..(leaves + k + 1) * d) {
                slot.copy_from_slice(bounds);
            }
        }
        for k in (1..leaves).rev() {
            for x in 0..d {
                let left = mins.get((2 * k) * d + x).copied().unwrap_or(never);
                let right = mins.get((2 * k + 1) * d + x).copied().unwrap_or(never);
                if let Some(m) = mins.get_mut(k * d + x) {
                    *m = left.min(right);
                }
            }
        }
        Group {
            plain,
            subjects,
            ranks: members.into_iter().map(|(rank, _)| rank).collect(),
            mins,
            leaves,
        }
    }

    /// The first member after rank `i` that the requirement `s` implies.
    fn first_implied_by(&self, i: usize, s: &Summary) -> Option<usize> {
        if !self.plain.iter().all(|p| s.plain.contains(p)) {
            return None;
        }
        let query: Vec<Bound> = self
            .subjects
            .iter()
            .map(|x| s.bounds.get(x).copied())
            .collect::<Option<_>>()?;
        let start = self.ranks.partition_point(|&rank| rank <= i);
        let leaf = self.first_within(start, &query)?;
        self.ranks.get(leaf).copied()
    }

    /// The first member from position `start` on whose bounds are all
    /// within `query`: a walk down the tree, left to right, that skips
    /// every subtree whose lowest bounds are not.
    fn first_within(&self, start: usize, query: &[Bound]) -> Option<usize> {
        let d = self.subjects.len();
        // (node, first leaf below it, one past its last)
        let mut stack = vec![(1usize, 0usize, self.leaves)];
        while let Some((k, lo, hi)) = stack.pop() {
            let mins = self.mins.get(k * d..(k + 1) * d)?;
            if hi <= start || !within(mins, query) {
                continue;
            }
            if hi - lo == 1 {
                return (lo < self.ranks.len()).then_some(lo);
            }
            let mid = lo + (hi - lo) / 2;
            stack.push((2 * k + 1, mid, hi));
            stack.push((2 * k, lo, mid));
        }
        None
    }
}

fn summary(e: &Expr, source: Source<'_>) -> Summary {
    let mut s = Summary::default();
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Binary(BinaryOp::And, a, b) => {
                stack.push(b);
                stack.push(a);
            }
            _ => match threshold(e) {
                Some((x, bound)) => {
                    let slot = s.bounds.entry(source.full(x.span)).or_insert(bound);
                    *slot = (*slot).max(bound);
                }
                None => {
                    s.plain.insert(source.full(e.span));
                }
            },
        }
    }
    s
}

/// `x >= c` or `x > c` with a number `c`: `x` and the bound.
fn threshold(e: &Expr) -> Option<(&Expr, Bound)> {
    match &e.kind {
        ExprKind::Binary(op @ (BinaryOp::Ge | BinaryOp::Gt), x, c) => match c.kind {
            ExprKind::Number(d) | ExprKind::Percent(d) => Some((x, (d, *op == BinaryOp::Gt))),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use payplan_syntax::ast::Statement;

    /// The pairwise test the index stands for, as the checker once ran it
    /// on every pair of ranks.
    fn implies(lower: &Expr, higher: &Expr, source: &str) -> bool {
        let lower_parts = conjuncts(lower);
        conjuncts(higher)
            .iter()
            .all(|h| lower_parts.iter().any(|l| conjunct_implies(l, h, source)))
    }

    fn conjuncts(e: &Expr) -> Vec<&Expr> {
        let mut out = Vec::new();
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::Binary(BinaryOp::And, a, b) => {
                    stack.push(b);
                    stack.push(a);
                }
                _ => out.push(e),
            }
        }
        out
    }

    fn conjunct_implies(l: &Expr, h: &Expr, source: &str) -> bool {
        let text = |e: &Expr| Source(source).full(e.span);
        if text(l) == text(h) {
            return true;
        }
        match (threshold(l), threshold(h)) {
            (Some((lx, (lc, lstrict))), Some((hx, (hc, hstrict)))) => {
                text(lx) == text(hx) && (lc > hc || (lc == hc && (lstrict || !hstrict)))
            }
            _ => false,
        }
    }

    fn requirements(source: &str) -> Vec<Expr> {
        let ast = payplan_syntax::parse(source).unwrap_or_else(|e| panic!("{e}"));
        ast.statements
            .into_iter()
            .filter_map(|st| match st {
                Statement::Rank(d) => Some(d.requirement),
                _ => None,
            })
            .collect()
    }

    /// The index finds, for every rank, the first higher rank that the
    /// pairwise comparison finds, over ranks of many shapes.
    #[test]
    fn the_index_agrees_with_pairwise_comparison() {
        let shapes = [
            "pv >= {a}",
            "pv > {a}",
            "pv >= {a} and gv >= {b}",
            "gv >= {b} and pv > {a}",
            "active and pv >= {a}",
            "active",
            "pv >= {a} and pv >= {b}",
            "count(children where active) >= {b} and gv >= {a}",
            "pv >= {a}% and active",
            "pv >= {a}.0 and gv>={b}",
        ];
        let mut text = String::from("plan \"x\"\n");
        let mut seed = 7u64;
        for i in 0..300 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let shape = shapes[(seed >> 33) as usize % shapes.len()];
            let a = (seed >> 20) % 7;
            let b = (seed >> 40) % 5;
            let req = shape
                .replace("{a}", &a.to_string())
                .replace("{b}", &b.to_string());
            text.push_str(&format!("rank r{i} when {req}\n"));
        }
        let reqs = requirements(&text);
        let refs: Vec<&Expr> = reqs.iter().collect();
        let fast = first_implied(&refs, Source(&text));
        for (i, lower) in refs.iter().enumerate() {
            let slow = (i + 1..refs.len()).find(|&j| implies(lower, refs[j], &text));
            assert_eq!(fast[i], slow, "rank r{i}");
        }
        assert!(fast.iter().any(Option::is_some));
        assert!(fast.iter().any(Option::is_none));
    }
}
