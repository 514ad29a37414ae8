//! The forced matrix (spec R9): a forest in which every member has at most
//! `width` matrix children, each in its own position `1..=width`.
//!
//! The matrix is computed from sponsors and the `joined` column (R9.1): in
//! increasing `joined` (ties in row order), each recruit takes the first
//! open position of its sponsor's matrix subtree in breadth-first order.
//! [`place`] does this in O(n log n) with one breadth-first queue per
//! sponsor that still has recruits to place (R9.4); nothing recurses.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::error::{Location, NetworkError};
use crate::{MemberIx, NONE};

/// The narrowest and widest matrix a plan may ask for.
pub const MATRIX_WIDTHS: std::ops::RangeInclusive<u8> = 2..=16;

/// What a plan's `uses matrix` asks of the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixSpec {
    /// Positions under each member (2..=16).
    pub width: u8,
    /// Where the placement comes from.
    pub source: MatrixSource,
}

/// Where a matrix placement comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatrixSource {
    /// Computed from `sponsor` and the `joined` column (R9.1).
    Joined,
    /// Read from the file: the parent's id and the position under it.
    Columns {
        /// The column holding the matrix parent's id (empty for a root).
        parent: String,
        /// The column holding the position `1..=width` (empty for a root).
        position: String,
    },
}

/// The name of the column R9 reads the join order from.
pub const JOINED: &str = "joined";

/// Why a `joined` cell is refused (R9.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinedProblem {
    /// Not one or more ASCII digits: a sign, a point, a separator, a letter.
    NotDigits,
    /// All zeros.
    Zero,
    /// Above 2^63 - 1.
    TooLarge,
}

impl JoinedProblem {
    /// What the cell is not, for a message.
    pub fn text(self) -> &'static str {
        match self {
            JoinedProblem::NotDigits => "is not a whole number written with digits only",
            JoinedProblem::Zero => "is not a positive number",
            JoinedProblem::TooLarge => "is above the largest allowed value 9223372036854775807",
        }
    }
}

/// Reads a non-empty `joined` cell: ASCII digits only, 1 to 2^63 - 1,
/// leading zeros allowed.
pub(crate) fn parse_joined(cell: &[u8]) -> Result<u64, JoinedProblem> {
    if cell.is_empty() || !cell.iter().all(u8::is_ascii_digit) {
        return Err(JoinedProblem::NotDigits);
    }
    let mut value: u64 = 0;
    for &b in cell {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .filter(|&v| v <= i64::MAX as u64)
            .ok_or(JoinedProblem::TooLarge)?;
    }
    if value == 0 {
        return Err(JoinedProblem::Zero);
    }
    Ok(value)
}

/// The matrix, indexed by sponsor-preorder [`MemberIx`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    width: u8,
    parent: Vec<MemberIx>,
    /// 1..=width; 0 for a root.
    position: Vec<u8>,
    first_child: Vec<MemberIx>,
    next_sibling: Vec<MemberIx>,
    /// Members in matrix preorder (roots in input order, children by position).
    order: Vec<MemberIx>,
}

impl Matrix {
    /// Positions under each member.
    pub fn width(&self) -> u8 {
        self.width
    }

    /// The matrix parent of `ix`; `NONE` for a matrix root.
    pub fn parent(&self, ix: MemberIx) -> MemberIx {
        self.parent.get(ix as usize).copied().unwrap_or(NONE)
    }

    /// The matrix parent of every member, indexed by member.
    pub fn parents(&self) -> &[MemberIx] {
        &self.parent
    }

    /// The position of `ix` under its parent (1..=width); `None` for a root.
    pub fn position(&self, ix: MemberIx) -> Option<u8> {
        self.position.get(ix as usize).copied().filter(|&p| p != 0)
    }

    /// The matrix children of `ix`, by position.
    pub fn children(&self, ix: MemberIx) -> impl Iterator<Item = MemberIx> + '_ {
        let first = self.first_child.get(ix as usize).copied().unwrap_or(NONE);
        std::iter::successors(Some(first), move |&c| {
            Some(self.next_sibling.get(c as usize).copied().unwrap_or(NONE))
        })
        .take_while(|&c| c != NONE)
    }

    /// Members in matrix preorder: a parent before its children, children by position.
    pub fn order(&self) -> &[MemberIx] {
        &self.order
    }

    /// The same matrix with members renumbered: `to_ix[row]` is the new
    /// number of `row`, and `order[ix]` the row of `ix`.
    pub(crate) fn renumbered(self, order: &[u32], to_ix: &[MemberIx]) -> Matrix {
        let map = |row: u32| to_ix.get(row as usize).copied().unwrap_or(NONE);
        let gather = |values: &[u32]| -> Vec<MemberIx> {
            order
                .iter()
                .map(|&row| values.get(row as usize).copied().map_or(NONE, map))
                .collect()
        };
        Matrix {
            width: self.width,
            parent: gather(&self.parent),
            position: order
                .iter()
                .map(|&row| self.position.get(row as usize).copied().unwrap_or(0))
                .collect(),
            first_child: gather(&self.first_child),
            next_sibling: gather(&self.next_sibling),
            order: self.order.iter().map(|&row| map(row)).collect(),
        }
    }
}

/// A matrix in row numbers while it is built.
struct Builder {
    width: u8,
    parent: Vec<u32>,
    position: Vec<u8>,
    count: Vec<u8>,
    first_child: Vec<u32>,
    last_child: Vec<u32>,
    next_sibling: Vec<u32>,
}

impl Builder {
    fn new(n: usize, width: u8) -> Self {
        Builder {
            width,
            parent: vec![NONE; n],
            position: vec![0; n],
            count: vec![0; n],
            first_child: vec![NONE; n],
            last_child: vec![NONE; n],
            next_sibling: vec![NONE; n],
        }
    }

    /// Hangs `child` under `parent` in the next position.
    #[expect(
        clippy::indexing_slicing,
        reason = "callers pass rows below n, and every vector has n entries"
    )]
    fn attach(&mut self, parent: u32, child: u32, position: u8) {
        let (p, c) = (parent as usize, child as usize);
        self.parent[c] = parent;
        self.position[c] = position;
        self.count[p] += 1;
        match self.last_child[p] {
            NONE => self.first_child[p] = child,
            last => self.next_sibling[last as usize] = child,
        }
        self.last_child[p] = child;
    }

    fn full(&self, row: u32) -> bool {
        self.count.get(row as usize).copied().unwrap_or(0) >= self.width
    }

    /// Puts the children of every member in position order (the file
    /// variant may give them in any order; `in_order` when they were
    /// attached so) and lists members in matrix preorder.
    fn finish(mut self, in_order: bool) -> Matrix {
        let n = self.parent.len();
        let mut kids: Vec<u32> = Vec::new();
        for row in (0..n).filter(|_| !in_order) {
            kids.clear();
            let mut c = self.first_child.get(row).copied().unwrap_or(NONE);
            while c != NONE {
                kids.push(c);
                c = self.next_sibling.get(c as usize).copied().unwrap_or(NONE);
            }
            if kids.is_sorted_by_key(|&c| self.pos(c)) {
                continue;
            }
            kids.sort_by_key(|&c| self.pos(c));
            self.relink(row, &kids);
        }
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<u32> = Vec::new();
        for root in (0..n as u32).filter(|&r| self.parent.get(r as usize) == Some(&NONE)) {
            stack.push(root);
            while let Some(x) = stack.pop() {
                order.push(x);
                let start = stack.len();
                let mut c = self.first_child.get(x as usize).copied().unwrap_or(NONE);
                while c != NONE {
                    stack.push(c);
                    c = self.next_sibling.get(c as usize).copied().unwrap_or(NONE);
                }
                if let Some(pushed) = stack.get_mut(start..) {
                    pushed.reverse();
                }
            }
        }
        Matrix {
            width: self.width,
            parent: self.parent,
            position: self.position,
            first_child: self.first_child,
            next_sibling: self.next_sibling,
            order,
        }
    }

    fn pos(&self, row: u32) -> u8 {
        self.position.get(row as usize).copied().unwrap_or(0)
    }

    fn relink(&mut self, row: usize, kids: &[u32]) {
        let mut prev = NONE;
        for &c in kids.iter().rev() {
            if let Some(slot) = self.next_sibling.get_mut(c as usize) {
                *slot = prev;
            }
            prev = c;
        }
        if let Some(slot) = self.first_child.get_mut(row) {
            *slot = prev;
        }
    }
}

/// Places every row (R9.1): `sponsor[row]` is a row or `NONE`, and
/// `joined[row] > joined[sponsor[row]]` (checked before). Rows are taken in
/// increasing `joined`, ties in row order.
pub(crate) fn place(sponsor: &[u32], joined: &[u64], width: u8) -> Matrix {
    let n = sponsor.len();
    let mut b = Builder::new(n, width);
    let mut by_join: Vec<u32> = (0..n as u32).collect();
    // Files are often in join order already: then row order is the order.
    if !joined.is_sorted() {
        by_join.sort_by_key(|&row| (joined.get(row as usize).copied().unwrap_or(0), row));
    }
    // Recruits still to place, per sponsor: its queue is dropped after the last.
    let mut waiting = vec![0u32; n];
    for &s in sponsor {
        if let Some(w) = waiting.get_mut(s as usize) {
            *w += 1;
        }
    }
    // Breadth-first queue of a sponsor's matrix subtree, from its first open node.
    let mut queue_of = vec![NONE; n];
    let mut queues: Vec<VecDeque<u32>> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    for row in by_join {
        let s = sponsor.get(row as usize).copied().unwrap_or(NONE);
        if s == NONE {
            continue;
        }
        let qi = match queue_of.get(s as usize).copied() {
            Some(NONE) | None => {
                let qi = free.pop().unwrap_or_else(|| {
                    queues.push(VecDeque::new());
                    (queues.len() - 1) as u32
                });
                if let Some(q) = queues.get_mut(qi as usize) {
                    q.clear();
                    q.push_back(s);
                }
                if let Some(slot) = queue_of.get_mut(s as usize) {
                    *slot = qi;
                }
                qi
            }
            Some(qi) => qi,
        };
        let Some(q) = queues.get_mut(qi as usize) else {
            continue;
        };
        // Full nodes never change: pop them, queueing their children.
        while let Some(&front) = q.front() {
            if !b.full(front) {
                break;
            }
            q.pop_front();
            let mut c = b.first_child.get(front as usize).copied().unwrap_or(NONE);
            while c != NONE {
                q.push_back(c);
                c = b.next_sibling.get(c as usize).copied().unwrap_or(NONE);
            }
        }
        // The queue holds the sponsor's subtree breadth-first and only full
        // nodes were popped, so a node with an open position is at the front.
        let Some(&parent) = q.front() else { continue };
        let position = b.count.get(parent as usize).copied().unwrap_or(0) + 1;
        b.attach(parent, row, position);
        if let Some(w) = waiting.get_mut(s as usize) {
            *w -= 1;
            if *w == 0 {
                if let Some(slot) = queue_of.get_mut(s as usize) {
                    *slot = NONE;
                }
                if let Some(q) = queues.get_mut(qi as usize) {
                    // Kept for the next sponsor, unless it grew large.
                    q.clear();
                    q.shrink_to(64);
                }
                free.push(qi);
            }
        }
    }
    // Each node's children were attached in positions 1, 2, 3.
    b.finish(true)
}

/// The first row (in row order) whose `joined` is not above its sponsor's:
/// `(row, sponsor row)`.
pub(crate) fn joined_before_sponsor(sponsor: &[u32], joined: &[u64]) -> Option<(usize, usize)> {
    sponsor.iter().enumerate().find_map(|(row, &s)| {
        if s == NONE {
            return None;
        }
        let (mine, theirs) = (joined.get(row)?, joined.get(s as usize)?);
        (mine <= theirs).then_some((row, s as usize))
    })
}

/// The error for a member that joined no later than its sponsor.
pub(crate) fn joined_error(
    (row, s): (usize, usize),
    joined: &[u64],
    id: impl Fn(usize) -> String,
    at: impl Fn(usize) -> Location,
) -> NetworkError {
    NetworkError::JoinedNotAfterSponsor {
        at: at(row),
        id: id(row),
        joined: joined.get(row).copied().unwrap_or(0),
        sponsor: id(s),
        sponsor_joined: joined.get(s).copied().unwrap_or(0),
        sponsor_at: at(s),
    }
}

/// A matrix read from the file: `parent[row]` is a row or `NONE`,
/// `position[row]` its position (0 for a root). Checks positions unique per
/// parent and no cycle; names the first row (in row order) that breaks a rule.
pub(crate) fn from_columns(
    parent: &[u32],
    position: &[u8],
    width: u8,
    id: impl Fn(usize) -> String,
    at: impl Fn(usize) -> Location,
) -> Result<Matrix, NetworkError> {
    let n = parent.len();
    let mut b = Builder::new(n, width);
    // Which positions of each parent are taken: one bit per position.
    let mut taken = vec![0u16; n];
    for (row, (&p, &pos)) in parent.iter().zip(position).enumerate() {
        if p == NONE {
            continue;
        }
        let bit = 1u16 << (pos.saturating_sub(1) & 15);
        let Some(mask) = taken.get_mut(p as usize) else {
            continue;
        };
        if *mask & bit != 0 {
            let other = parent
                .iter()
                .zip(position)
                .position(|(&q, &k)| q == p && k == pos)
                .unwrap_or(row);
            return Err(NetworkError::MatrixPositionTaken {
                at: at(row),
                id: id(row),
                parent: id(p as usize),
                position: pos,
                other: id(other),
                other_at: at(other),
            });
        }
        *mask |= bit;
        b.attach(p, row as u32, pos);
    }
    let matrix = b.finish(false);
    if matrix.order.len() < n {
        let mut reached = vec![false; n];
        for &row in &matrix.order {
            if let Some(r) = reached.get_mut(row as usize) {
                *r = true;
            }
        }
        let first = reached.iter().position(|&r| !r).unwrap_or(0);
        return Err(NetworkError::MatrixCycle {
            at: at(first),
            id: id(first),
        });
    }
    Ok(matrix)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn joined_cells() {
        assert_eq!(parse_joined(b"005"), Ok(5));
        assert_eq!(parse_joined(b"9223372036854775807"), Ok(i64::MAX as u64));
        assert_eq!(
            parse_joined(b"9223372036854775808"),
            Err(JoinedProblem::TooLarge)
        );
        assert_eq!(
            parse_joined(b"99999999999999999999999"),
            Err(JoinedProblem::TooLarge)
        );
        assert_eq!(parse_joined(b"000"), Err(JoinedProblem::Zero));
        for bad in [
            &b"+3"[..],
            b"-3",
            b"3.0",
            b"1e3",
            b" 3",
            b"2024-01-05",
            b"1,000",
        ] {
            assert_eq!(parse_joined(bad), Err(JoinedProblem::NotDigits));
        }
    }

    /// Every recruit of one sponsor fills the levels breadth first.
    #[test]
    fn a_star_fills_level_by_level() {
        let n = 1 + 3 + 9 + 1;
        let mut sponsor = vec![0u32; n];
        sponsor[0] = NONE;
        let joined: Vec<u64> = (1..=n as u64).collect();
        let m = place(&sponsor, &joined, 3);
        assert_eq!(m.children(0).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(m.children(1).collect::<Vec<_>>(), [4, 5, 6]);
        assert_eq!(m.children(3).collect::<Vec<_>>(), [10, 11, 12]);
        assert_eq!((m.parent(13), m.position(13)), (4, Some(1)));
        assert_eq!(m.position(0), None);
        assert_eq!(m.order().len(), n);
    }

    /// A chain of a million places without recursion.
    #[test]
    fn a_long_chain_is_a_matrix_chain() {
        let n = 1_000_000u32;
        let sponsor: Vec<u32> = (0..n).map(|i| if i == 0 { NONE } else { i - 1 }).collect();
        let joined: Vec<u64> = (1..=u64::from(n)).collect();
        let m = place(&sponsor, &joined, 2);
        assert_eq!(m.parent(n - 1), n - 2);
        assert_eq!(m.order().len(), n as usize);
    }
}
