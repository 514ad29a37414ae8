//! Validation and flattening shared by the CSV loader and the builder.
//!
//! Rows are collected in input order ([`Rows`]), with the checks that need
//! only the row itself done on the way in. [`Rows::finish`] then joins
//! sponsors and placements, finds cycles and renumbers members in
//! sponsor-tree preorder.

use crate::error::NetworkError;
use crate::ids::{IdTable, StrArena};
use crate::{
    Column, ColumnKind, Location, MemberIx, Network, PlacementTree, Schema, Side, Value, NONE,
};

/// The members read so far, in input order.
pub(crate) struct Rows {
    schema: Schema,
    ids: StrArena,
    table: IdTable,
    /// Sponsor id per row; empty for a root.
    sponsors: StrArena,
    /// Placement parent id per row (empty for a root); only with a placement schema.
    placements: StrArena,
    sides: Vec<Option<Side>>,
    /// Values per schema column, in input order.
    columns: Vec<Column>,
    /// Line of each row (CSV input); `None` for the builder, whose rows are entries.
    lines: Option<Vec<u64>>,
}

/// Names no schema column may use, since the network file gives them other meanings.
const RESERVED: [&str; 4] = ["id", "sponsor", "placement", "leg"];

/// Checks that the schema is usable: unique, unreserved names and fitting defaults.
pub(crate) fn check_schema(schema: &Schema) -> Result<(), NetworkError> {
    for (i, spec) in schema.columns.iter().enumerate() {
        let bad = |problem| NetworkError::BadSchema {
            column: spec.name.clone(),
            problem,
        };
        if RESERVED.contains(&spec.name.as_str()) {
            return Err(bad("uses a name the network file reserves"));
        }
        if schema
            .columns
            .iter()
            .take(i)
            .any(|other| other.name == spec.name)
        {
            return Err(bad("is declared twice"));
        }
        if spec.min.is_some() && spec.kind != ColumnKind::Decimal {
            return Err(bad("has a minimum but is not a decimal column"));
        }
        match (spec.default, spec.min) {
            (Some(default), _) if default.kind() != spec.kind => {
                return Err(bad("has a default of the wrong kind"));
            }
            (Some(Value::Decimal(default)), Some(min)) if default < min => {
                return Err(bad("has a default below its minimum"));
            }
            _ => {}
        }
    }
    Ok(())
}

impl Rows {
    /// Starts collecting rows; `csv` says whether rows are named by line (else by entry).
    pub(crate) fn new(schema: &Schema, csv: bool) -> Result<Self, NetworkError> {
        check_schema(schema)?;
        Ok(Rows {
            schema: schema.clone(),
            ids: StrArena::default(),
            table: IdTable::default(),
            sponsors: StrArena::default(),
            placements: StrArena::default(),
            sides: Vec::new(),
            columns: schema
                .columns
                .iter()
                .map(|spec| match spec.kind {
                    ColumnKind::Decimal => Column::Decimal(Vec::new()),
                    ColumnKind::Bool => Column::Bool(Vec::new()),
                })
                .collect(),
            lines: csv.then(Vec::new),
        })
    }

    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// Where row `row` came from.
    fn location(&self, row: usize) -> Location {
        match &self.lines {
            Some(lines) => Location::Line(lines.get(row).copied().unwrap_or(0)),
            None => Location::Entry(row as u64 + 1),
        }
    }

    /// The id of the row being added (the last one).
    fn current_id(&self) -> String {
        self.ids.text(self.ids.len().wrapping_sub(1)).to_owned()
    }

    /// Starts a row at `at` (its line for CSV input, else its entry): checks
    /// the id (non-empty, unique) and records the sponsor (empty for a root).
    pub(crate) fn push_member(
        &mut self,
        at: Location,
        id: &str,
        sponsor: &str,
    ) -> Result<(), NetworkError> {
        let row = u32::try_from(self.ids.len())
            .ok()
            .filter(|&row| row < NONE)
            .ok_or(NetworkError::TooManyMembers { at })?;
        if id.is_empty() {
            return Err(NetworkError::EmptyId { at });
        }
        self.ids.push(id);
        if let Err(first) = self.table.insert(&self.ids, id, row) {
            return Err(NetworkError::DuplicateId {
                at,
                id: id.to_owned(),
                first: self.location(first as usize),
            });
        }
        if let Some(lines) = &mut self.lines {
            lines.push(at.number());
        }
        self.sponsors.push(sponsor);
        Ok(())
    }

    /// Records the current row's placement parent (empty for a root) and side;
    /// a side goes with a parent and a parent with a side.
    pub(crate) fn push_placement(
        &mut self,
        at: Location,
        placement: &str,
        side: Option<Side>,
    ) -> Result<(), NetworkError> {
        match (placement.is_empty(), side) {
            (true, Some(leg)) => Err(NetworkError::LegWithoutPlacement {
                at,
                id: self.current_id(),
                leg,
            }),
            (false, None) => Err(NetworkError::PlacementWithoutLeg {
                at,
                id: self.current_id(),
                placement: placement.to_owned(),
            }),
            _ => {
                self.placements.push(placement);
                self.sides.push(side);
                Ok(())
            }
        }
    }

    /// Records the current row's value of schema column `col`; `None` takes the default.
    pub(crate) fn push_value(
        &mut self,
        at: Location,
        col: usize,
        value: Option<Value>,
    ) -> Result<(), NetworkError> {
        let Some(spec) = self.schema.columns.get(col) else {
            return Ok(());
        };
        let value = match value.or(spec.default) {
            Some(value) => value,
            None => {
                return Err(NetworkError::MissingValue {
                    at,
                    id: self.current_id(),
                    column: spec.name.clone(),
                })
            }
        };
        if value.kind() != spec.kind {
            return Err(NetworkError::WrongKind {
                at,
                id: self.current_id(),
                column: spec.name.clone(),
                expected: spec.kind,
            });
        }
        if let (Value::Decimal(number), Some(min)) = (value, spec.min) {
            if number < min {
                return Err(NetworkError::BelowMinimum {
                    at,
                    id: self.current_id(),
                    column: spec.name.clone(),
                    text: number.to_string(),
                    min,
                });
            }
        }
        match (self.columns.get_mut(col), value) {
            (Some(Column::Decimal(values)), Value::Decimal(number)) => values.push(number),
            (Some(Column::Bool(values)), Value::Bool(flag)) => values.push(flag),
            _ => {}
        }
        Ok(())
    }

    /// Joins sponsors and placements, checks the trees and renumbers members.
    pub(crate) fn finish(self) -> Result<Network, NetworkError> {
        let n = self.ids.len();
        let (parent, placement) = self.resolve()?;
        let order = sponsor_preorder(&parent);
        if order.len() < n {
            return Err(self.cycle_error(&parent, &order, false));
        }
        let placement_order = match &placement {
            Some((pparent, pchild)) => {
                let porder = placement_preorder(pparent, pchild);
                if porder.len() < n {
                    return Err(self.cycle_error(pparent, &porder, true));
                }
                Some(porder)
            }
            None => None,
        };
        Ok(self.flatten(&parent, order, placement.zip(placement_order)))
    }

    /// Resolves sponsor and placement ids to rows, in input order; checks
    /// that two members are not on one side of a placement parent.
    #[expect(
        clippy::indexing_slicing,
        reason = "rows come from `0..n` and parents from the id table, all below n = the length of every per-row vector"
    )]
    fn resolve(&self) -> Result<(Vec<u32>, Option<Placement>), NetworkError> {
        let n = self.ids.len();
        let mut parent = vec![NONE; n];
        let mut placement = self
            .schema
            .placement
            .then(|| (vec![NONE; n], vec![[NONE; 2]; n]));
        for row in 0..n {
            let sponsor = self.sponsors.text(row);
            if !sponsor.is_empty() {
                parent[row] = self.table.find(&self.ids, sponsor).ok_or_else(|| {
                    NetworkError::UnknownSponsor {
                        at: self.location(row),
                        id: self.ids.text(row).to_owned(),
                        sponsor: sponsor.to_owned(),
                    }
                })?;
            }
            let Some((pparent, pchild)) = &mut placement else {
                continue;
            };
            let up = self.placements.text(row);
            let Some(side) = self.sides.get(row).copied().flatten() else {
                continue;
            };
            let p =
                self.table
                    .find(&self.ids, up)
                    .ok_or_else(|| NetworkError::UnknownPlacement {
                        at: self.location(row),
                        id: self.ids.text(row).to_owned(),
                        placement: up.to_owned(),
                    })?;
            let slot = &mut pchild[p as usize][side.index()];
            if *slot != NONE {
                return Err(NetworkError::SameSide {
                    at: self.location(row),
                    id: self.ids.text(row).to_owned(),
                    placement: up.to_owned(),
                    side,
                    other: self.ids.text(*slot as usize).to_owned(),
                    other_at: self.location(*slot as usize),
                });
            }
            *slot = row as u32;
            pparent[row] = p;
        }
        Ok((parent, placement))
    }

    /// The error for a sponsor (or placement) relation with a cycle: names the
    /// member on a cycle that comes first in the input.
    fn cycle_error(&self, parent: &[u32], reached: &[u32], placement: bool) -> NetworkError {
        let cycle = find_cycle(parent, reached);
        let first = cycle.first().map_or(0, |&row| row as usize);
        let at = self.location(first);
        let id = self.ids.text(first).to_owned();
        match (cycle.len(), placement) {
            (1, false) => NetworkError::SelfSponsor { at, id },
            (1, true) => NetworkError::SelfPlacement { at, id },
            _ => {
                let cycle = cycle
                    .iter()
                    .map(|&row| self.ids.text(row as usize).to_owned())
                    .collect();
                if placement {
                    NetworkError::PlacementCycle { at, id, cycle }
                } else {
                    NetworkError::SponsorCycle { at, id, cycle }
                }
            }
        }
    }

    /// Renumbers everything in sponsor preorder (`order[ix]` is the row of `ix`).
    #[expect(
        clippy::indexing_slicing,
        reason = "`order` and `placement_order` are permutations of 0..n and parents are rows or NONE (checked), so all indices are below n"
    )]
    fn flatten(
        mut self,
        parent: &[u32],
        order: Vec<u32>,
        placement: Option<(Placement, Vec<u32>)>,
    ) -> Network {
        let n = order.len();
        let mut ix_of_row = vec![NONE; n];
        for (ix, &row) in (0u32..).zip(&order) {
            ix_of_row[row as usize] = ix;
        }
        let to_ix = |row: u32| {
            if row == NONE {
                NONE
            } else {
                ix_of_row[row as usize]
            }
        };

        let sponsor: Vec<MemberIx> = order
            .iter()
            .map(|&row| to_ix(parent[row as usize]))
            .collect();
        let subtree_end = ends(&sponsor);

        let columns = std::mem::take(&mut self.columns)
            .into_iter()
            .map(|column| match column {
                Column::Decimal(values) => {
                    Column::Decimal(order.iter().map(|&row| values[row as usize]).collect())
                }
                Column::Bool(values) => {
                    Column::Bool(order.iter().map(|&row| values[row as usize]).collect())
                }
            })
            .collect();

        let placement = placement.map(|((pparent, pchild), porder)| {
            let parent: Vec<MemberIx> = order
                .iter()
                .map(|&row| to_ix(pparent[row as usize]))
                .collect();
            let side: Vec<Option<Side>> = order
                .iter()
                .map(|&row| self.sides.get(row as usize).copied().flatten())
                .collect();
            let child: Vec<[MemberIx; 2]> = order
                .iter()
                .map(|&row| pchild[row as usize].map(to_ix))
                .collect();
            let porder: Vec<MemberIx> = porder.iter().map(|&row| to_ix(row)).collect();
            let mut pos = vec![0u32; n];
            for (k, &ix) in (0u32..).zip(&porder) {
                pos[ix as usize] = k;
            }
            // Sizes accumulate in reverse placement preorder, where children come before parents.
            let mut size = vec![1u32; n];
            for &ix in porder.iter().rev() {
                let up = parent[ix as usize];
                if up != NONE {
                    size[up as usize] += size[ix as usize];
                }
            }
            let end = (0..n).map(|ix| pos[ix] + size[ix]).collect();
            PlacementTree {
                parent,
                side,
                child,
                pos,
                end,
                order: porder,
            }
        });

        let mut ids = self.ids;
        ids.shrink_to_fit();
        Network {
            schema: self.schema,
            ids,
            table: self.table,
            row_of: order,
            ix_of_row,
            sponsor,
            subtree_end,
            columns,
            placement,
        }
    }
}

/// Placement parent and `[left, right]` children per row.
type Placement = (Vec<u32>, Vec<[u32; 2]>);

/// Exclusive subtree ends in a preorder numbering: `parent[ix] < ix` for all
/// non-roots, so sizes accumulate in reverse order.
#[expect(
    clippy::indexing_slicing,
    reason = "in preorder every parent index is below its child's, and both are below n"
)]
fn ends(parent: &[MemberIx]) -> Vec<MemberIx> {
    let n = parent.len();
    let mut size = vec![1u32; n];
    for ix in (0..n).rev() {
        let up = parent[ix];
        if up != NONE {
            size[up as usize] += size[ix];
        }
    }
    (0u32..).zip(size).map(|(ix, size)| ix + size).collect()
}

/// Rows in sponsor preorder: roots in row order, children in row order.
/// Members on or below a cycle are left out.
#[expect(
    clippy::indexing_slicing,
    reason = "parents are rows below n or NONE (skipped); CSR offsets are built from the same counts"
)]
fn sponsor_preorder(parent: &[u32]) -> Vec<u32> {
    let n = parent.len();
    // Children in CSR form: those of row p are children[start[p]..start[p + 1]].
    let mut start = vec![0u32; n + 1];
    for &p in parent {
        if p != NONE {
            start[p as usize + 1] += 1;
        }
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut next = start[..n].to_vec();
    let mut children = vec![0u32; start[n] as usize];
    for (row, &p) in (0u32..).zip(parent) {
        if p != NONE {
            let slot = &mut next[p as usize];
            children[*slot as usize] = row;
            *slot += 1;
        }
    }
    drop(next);

    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<u32> = (0u32..)
        .zip(parent)
        .filter(|&(_, &p)| p == NONE)
        .map(|(row, _)| row)
        .collect();
    stack.reverse();
    while let Some(row) = stack.pop() {
        order.push(row);
        let row = row as usize;
        stack.extend(
            children[start[row] as usize..start[row + 1] as usize]
                .iter()
                .rev(),
        );
    }
    order
}

/// Rows in placement preorder: roots in row order, left child before right.
/// Members on or below a cycle are left out.
#[expect(
    clippy::indexing_slicing,
    reason = "children are rows below n or NONE (skipped)"
)]
fn placement_preorder(parent: &[u32], child: &[[u32; 2]]) -> Vec<u32> {
    let mut order = Vec::with_capacity(parent.len());
    let mut stack: Vec<u32> = (0u32..)
        .zip(parent)
        .filter(|&(_, &p)| p == NONE)
        .map(|(row, _)| row)
        .collect();
    stack.reverse();
    while let Some(row) = stack.pop() {
        order.push(row);
        let [left, right] = child[row as usize];
        stack.extend([right, left].into_iter().filter(|&c| c != NONE));
    }
    order
}

/// A cycle of `parent` among the rows not in `reached`, as rows following
/// parent pointers from its earliest row. Walks up from each unreached row
/// until a repeat, so members that only hang below a cycle are never named.
#[expect(
    clippy::indexing_slicing,
    reason = "rows not reached from a root have a parent below n, and all rows are below n"
)]
fn find_cycle(parent: &[u32], reached: &[u32]) -> Vec<u32> {
    const REACHED: u32 = u32::MAX;
    let n = parent.len();
    let mut mark = vec![0u32; n];
    for &row in reached {
        mark[row as usize] = REACHED;
    }
    let mut best: Option<u32> = None;
    let mut walk = 0u32;
    for start in 0..n {
        if mark[start] != 0 {
            continue;
        }
        walk += 1;
        let mut cur = start as u32;
        while cur != NONE && mark[cur as usize] == 0 {
            mark[cur as usize] = walk;
            cur = parent[cur as usize];
        }
        if cur == NONE || mark[cur as usize] != walk {
            continue;
        }
        // `cur` is on a new cycle: find its earliest row.
        let mut earliest = cur;
        let mut x = parent[cur as usize];
        while x != cur {
            earliest = earliest.min(x);
            x = parent[x as usize];
        }
        best = Some(best.map_or(earliest, |b| b.min(earliest)));
    }
    let Some(first) = best else {
        return Vec::new();
    };
    let mut cycle = vec![first];
    let mut x = parent[first as usize];
    while x != first && cycle.len() < n {
        cycle.push(x);
        x = parent[x as usize];
    }
    cycle
}
