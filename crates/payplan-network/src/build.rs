//! Validation and flattening shared by the CSV loader and the builder.
//!
//! Rows are collected in input order ([`Rows`]), with the checks that need
//! only the row itself done on the way in. [`Rows::finish`] then joins
//! sponsors and placements, finds cycles and renumbers members in
//! sponsor-tree preorder.

use rayon::prelude::*;

use crate::error::NetworkError;
use crate::ids::{IdTable, StrArena};
use crate::matrix::{self, parse_joined, Matrix, MatrixSource, MATRIX_WIDTHS};
use crate::partition::{by_part, split, split_mut};
use crate::{
    Column, ColumnKind, Location, MemberIx, Network, PlacementTree, Schema, Side, Value, NONE,
};

/// Time spent in each phase of loading, for measurements.
pub(crate) struct Phases {
    last: std::time::Instant,
    pub(crate) spent: Vec<(&'static str, std::time::Duration)>,
}

impl Phases {
    pub(crate) fn new() -> Self {
        Phases {
            last: std::time::Instant::now(),
            spent: Vec::new(),
        }
    }

    /// Records the time since the previous mark as spent in `phase`.
    pub(crate) fn mark(&mut self, phase: &'static str) {
        let now = std::time::Instant::now();
        self.spent.push((phase, now - self.last));
        self.last = now;
    }
}

/// Where each row came from: entries of the builder, or lines of a CSV file.
pub(crate) enum Locator {
    /// Row `r` is entry `r + 1`.
    Entries,
    /// Lines of CSV rows.
    Lines(LineIndex),
}

impl Locator {
    pub(crate) fn location(&self, row: usize) -> Location {
        match self {
            Locator::Entries => Location::Entry(row as u64 + 1),
            Locator::Lines(lines) => Location::Line(lines.line(row as u64)),
        }
    }
}

/// The line of every row, kept as marks: the row after a mark is on the next
/// line, unless it has a mark of its own (after blank lines or a multi-line row).
#[derive(Debug, Default)]
pub(crate) struct LineIndex {
    /// `(row, line)`, by row.
    marks: Vec<(u64, u64)>,
}

impl LineIndex {
    /// Records that `row` (after every row marked so far) is on `line`.
    pub(crate) fn mark(&mut self, row: u64, line: u64) {
        if let Some(&(last_row, last_line)) = self.marks.last() {
            if line.checked_sub(last_line) == row.checked_sub(last_row) {
                return;
            }
        }
        self.marks.push((row, line));
    }

    /// Adds another index whose rows come after these ones.
    pub(crate) fn append(&mut self, other: LineIndex) {
        for (row, line) in other.marks {
            self.mark(row, line);
        }
    }

    /// The same lines for rows numbered from `first` on.
    pub(crate) fn shifted(mut self, first: u64) -> Self {
        for (row, _) in &mut self.marks {
            *row += first;
        }
        self
    }

    /// The line of `row`.
    pub(crate) fn line(&self, row: u64) -> u64 {
        let after = self.marks.partition_point(|&(mark, _)| mark <= row);
        match after.checked_sub(1).and_then(|i| self.marks.get(i)) {
            Some(&(mark, line)) => line + (row - mark),
            None => 0,
        }
    }
}

/// Placement parents, children and sides, in input order.
pub(crate) struct PlacementRows {
    pub(crate) parent: Vec<u32>,
    pub(crate) child: Vec<[u32; 2]>,
    pub(crate) side: Vec<Option<Side>>,
}

/// Every row read and its parents joined, in input order: what is left is
/// to check for cycles and renumber in preorder ([`Joined::finish`]).
pub(crate) struct Joined {
    pub(crate) schema: Schema,
    pub(crate) ids: StrArena,
    pub(crate) table: IdTable,
    /// Sponsor row per row; `NONE` for a root.
    pub(crate) parent: Vec<u32>,
    pub(crate) placement: Option<PlacementRows>,
    /// What the matrix is made from, per row, when the schema has one.
    pub(crate) matrix: Option<MatrixRows>,
    /// Values per schema column, in input order.
    pub(crate) columns: Vec<Column>,
    pub(crate) locator: Locator,
}

/// The matrix columns of every row, in input order.
pub(crate) enum MatrixRows {
    /// `joined` per row (R9.1 computes the placement).
    Joined(Vec<u64>),
    /// Parent row (`NONE` for a root) and position (0 for a root) per row.
    Columns { parent: Vec<u32>, position: Vec<u8> },
}

/// Puts every placed row on its parent's side, in row order: `Err((row,
/// other))` names the first row whose side is taken, and by which row.
#[expect(
    clippy::indexing_slicing,
    reason = "parents are rows below n (or NONE, skipped) and `child` has n entries"
)]
pub(crate) fn place_children(
    parent: &[u32],
    side: &[Option<Side>],
    upto: usize,
) -> Result<Vec<[u32; 2]>, (usize, u32)> {
    let mut child = vec![[NONE; 2]; parent.len()];
    for (row, (&p, s)) in parent.iter().zip(side).enumerate().take(upto) {
        let Some(s) = s else { continue };
        if p == NONE {
            continue;
        }
        let slot = &mut child[p as usize][s.index()];
        if *slot != NONE {
            return Err((row, *slot));
        }
        *slot = row as u32;
    }
    Ok(child)
}

/// The members given to the builder so far, in input order.
pub(crate) struct Rows {
    schema: Schema,
    ids: StrArena,
    table: IdTable,
    /// Sponsor id per row; empty for a root.
    sponsors: StrArena,
    /// Placement parent id per row (empty for a root); only with a placement schema.
    placements: StrArena,
    sides: Vec<Option<Side>>,
    /// `joined` per row, with a matrix computed from it.
    joined: Vec<u64>,
    /// Matrix parent id per row (empty for a root), with a matrix read from columns.
    matrix_parents: StrArena,
    /// Matrix position per row (0 for a root), with a matrix read from columns.
    matrix_positions: Vec<u8>,
    /// Values per schema column, in input order.
    columns: Vec<Column>,
}

/// Names no schema column may use, since the network file gives them other meanings.
const RESERVED: [&str; 4] = ["id", "sponsor", "placement", "leg"];

/// Checks that the schema is usable: unique, unreserved names and fitting defaults.
pub(crate) fn check_schema(schema: &Schema) -> Result<(), NetworkError> {
    if let Some(spec) = &schema.matrix {
        if !MATRIX_WIDTHS.contains(&spec.width) {
            return Err(NetworkError::BadSchema {
                column: "matrix".to_owned(),
                problem: "has a width outside 2 to 16",
            });
        }
    }
    let matrix_columns = schema.matrix_columns();
    for (i, spec) in schema.columns.iter().enumerate() {
        let bad = |problem| NetworkError::BadSchema {
            column: spec.name.clone(),
            problem,
        };
        if RESERVED.contains(&spec.name.as_str()) || matrix_columns.contains(&spec.name.as_str()) {
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
        if (spec.min.is_some() || spec.max.is_some()) && spec.kind == ColumnKind::Bool {
            return Err(bad("has a minimum or maximum but is not a decimal column"));
        }
        match (spec.default, spec.min) {
            (Some(default), _) if !spec.kind.holds(default) => {
                return Err(bad("has a default of the wrong kind"));
            }
            (Some(Value::Decimal(default)), Some(min)) if default < min => {
                return Err(bad("has a default below its minimum"));
            }
            (Some(Value::Decimal(default)), _) if spec.max.is_some_and(|max| default > max) => {
                return Err(bad("has a default above its maximum"));
            }
            _ => {}
        }
    }
    Ok(())
}

impl Rows {
    /// Starts collecting rows, named by entry.
    pub(crate) fn new(schema: &Schema) -> Result<Self, NetworkError> {
        check_schema(schema)?;
        Ok(Rows {
            schema: schema.clone(),
            ids: StrArena::default(),
            table: IdTable::default(),
            sponsors: StrArena::default(),
            placements: StrArena::default(),
            sides: Vec::new(),
            joined: Vec::new(),
            matrix_parents: StrArena::default(),
            matrix_positions: Vec::new(),
            columns: schema
                .columns
                .iter()
                .map(|spec| match spec.kind {
                    ColumnKind::Decimal | ColumnKind::Percent => Column::Decimal(Vec::new()),
                    ColumnKind::Bool => Column::Bool(Vec::new()),
                })
                .collect(),
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
        Location::Entry(row as u64 + 1)
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

    /// Records the current row's `joined` (R9.0), given as text as in the file.
    pub(crate) fn push_joined(&mut self, at: Location, joined: &str) -> Result<(), NetworkError> {
        if joined.is_empty() {
            return Err(NetworkError::MissingValue {
                at,
                id: self.current_id(),
                column: matrix::JOINED.to_owned(),
            });
        }
        let value =
            parse_joined(joined.as_bytes()).map_err(|problem| NetworkError::MalformedJoined {
                at,
                id: self.current_id(),
                text: joined.to_owned(),
                problem,
            })?;
        self.joined.push(value);
        Ok(())
    }

    /// Records the current row's matrix parent id (empty for a root) and
    /// position, as a matrix read from columns has them.
    pub(crate) fn push_matrix_place(
        &mut self,
        at: Location,
        parent: &str,
        position: &str,
    ) -> Result<(), NetworkError> {
        let width = self.schema.matrix.as_ref().map_or(0, |m| m.width);
        let pos = matrix_position(parent, position, width).map_err(|()| {
            NetworkError::BadMatrixPosition {
                at,
                id: self.current_id(),
                text: position.to_owned(),
                width,
                has_parent: !parent.is_empty(),
            }
        })?;
        self.matrix_parents.push(parent);
        self.matrix_positions.push(pos);
        Ok(())
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
        if !spec.kind.holds(value) {
            return Err(NetworkError::WrongKind {
                at,
                id: self.current_id(),
                column: spec.name.clone(),
                expected: spec.kind,
            });
        }
        if let Value::Decimal(number) = value {
            if !spec.in_range(number) {
                if let Some(e) = spec.out_of_range(number, at, &self.current_id()) {
                    return Err(e);
                }
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
        self.resolve()?.finish(&mut Phases::new())
    }

    /// Resolves sponsor and placement ids to rows, in input order; checks
    /// that two members are not on one side of a placement parent.
    #[expect(
        clippy::indexing_slicing,
        reason = "rows come from `0..n` and parents from the id table, all below n = the length of every per-row vector"
    )]
    fn resolve(self) -> Result<Joined, NetworkError> {
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
        let matrix = self.matrix_rows()?;
        Ok(Joined {
            schema: self.schema,
            ids: self.ids,
            table: self.table,
            parent,
            placement: placement.map(|(parent, child)| PlacementRows {
                parent,
                child,
                side: self.sides,
            }),
            matrix,
            columns: self.columns,
            locator: Locator::Entries,
        })
    }

    /// The matrix columns of every row, with matrix parents resolved to rows.
    fn matrix_rows(&self) -> Result<Option<MatrixRows>, NetworkError> {
        let Some(spec) = &self.schema.matrix else {
            return Ok(None);
        };
        Ok(Some(match spec.source {
            MatrixSource::Joined => MatrixRows::Joined(self.joined.clone()),
            MatrixSource::Columns { .. } => {
                let mut parent = vec![NONE; self.ids.len()];
                for (row, slot) in parent.iter_mut().enumerate() {
                    let up = self.matrix_parents.text(row);
                    if up.is_empty() {
                        continue;
                    }
                    *slot = self.table.find(&self.ids, up).ok_or_else(|| {
                        NetworkError::UnknownMatrixParent {
                            at: self.location(row),
                            id: self.ids.text(row).to_owned(),
                            parent: up.to_owned(),
                        }
                    })?;
                }
                MatrixRows::Columns {
                    parent,
                    position: self.matrix_positions.clone(),
                }
            }
        }))
    }
}

impl Joined {
    /// Checks both trees for cycles and renumbers members in sponsor preorder.
    pub(crate) fn finish(self, phases: &mut Phases) -> Result<Network, NetworkError> {
        let n = self.ids.len();
        let walk = sponsor_preorder(&self.parent, phases);
        if walk.order.len() < n {
            return Err(self.cycle_error(&self.parent, &walk.order, false));
        }
        let placement_order = match &self.placement {
            Some(rows) => {
                let porder = placement_preorder(&rows.parent, &rows.child);
                if porder.len() < n {
                    return Err(self.cycle_error(&rows.parent, &porder, true));
                }
                Some(porder)
            }
            None => None,
        };
        let matrix = self.matrix_rows()?;
        phases.mark("preorder");
        let mut network = self.flatten(walk, placement_order, phases);
        network.matrix = matrix.map(|m| m.renumbered(&network.row_of, &network.ix_of_row));
        phases.mark("matrix");
        Ok(network)
    }

    /// The matrix in row numbers: placed from `joined` (after checking that
    /// every member joined after its sponsor), or checked as the file gives it.
    fn matrix_rows(&self) -> Result<Option<Matrix>, NetworkError> {
        let (Some(rows), Some(spec)) = (&self.matrix, &self.schema.matrix) else {
            return Ok(None);
        };
        let id = |row: usize| self.ids.text(row).to_owned();
        let at = |row: usize| self.locator.location(row);
        Ok(Some(match rows {
            MatrixRows::Joined(joined) => {
                if let Some(bad) = matrix::joined_before_sponsor(&self.parent, joined) {
                    return Err(matrix::joined_error(bad, joined, id, at));
                }
                matrix::place(&self.parent, joined, spec.width)
            }
            MatrixRows::Columns { parent, position } => {
                matrix::from_columns(parent, position, spec.width, id, at)?
            }
        }))
    }

    /// The error for a sponsor (or placement) relation with a cycle: names the
    /// member on a cycle that comes first in the input.
    fn cycle_error(&self, parent: &[u32], reached: &[u32], placement: bool) -> NetworkError {
        let cycle = find_cycle(parent, reached);
        let first = cycle.first().map_or(0, |&row| row as usize);
        let at = self.locator.location(first);
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
        self,
        walk: Preorder,
        placement_order: Option<Vec<u32>>,
        phases: &mut Phases,
    ) -> Network {
        const GRAIN: usize = 1 << 14;
        let Preorder {
            order,
            sponsor,
            ix_of_row,
        } = walk;
        let n = order.len();
        let to_ix = |row: u32| {
            if row == NONE {
                NONE
            } else {
                ix_of_row[row as usize]
            }
        };
        // Gathers a per-row vector into member order.
        fn gather<T: Copy + Send + Sync>(order: &[u32], values: &[T]) -> Vec<T> {
            let mut out = Vec::new();
            gather_into(order, values, &mut out);
            out
        }
        // The same into a vector whose allocation is reused.
        fn gather_into<T: Copy + Send + Sync>(order: &[u32], values: &[T], out: &mut Vec<T>) {
            order
                .par_iter()
                .with_min_len(GRAIN)
                .map(|&row| values[row as usize])
                .collect_into_vec(out);
        }

        let subtree_end = ends(&sponsor, self.parent);
        phases.mark("renumber");

        // Each column's input-order buffer takes the next column of its kind.
        let mut spare_decimals: Option<Vec<rust_decimal::Decimal>> = None;
        let mut spare_bools: Option<Vec<bool>> = None;
        let columns = self
            .columns
            .into_iter()
            .map(|column| match column {
                Column::Decimal(values) => {
                    let mut out = spare_decimals.take().unwrap_or_default();
                    gather_into(&order, &values, &mut out);
                    spare_decimals = Some(values);
                    Column::Decimal(out)
                }
                Column::Bool(values) => {
                    let mut out = spare_bools.take().unwrap_or_default();
                    gather_into(&order, &values, &mut out);
                    spare_bools = Some(values);
                    Column::Bool(out)
                }
            })
            .collect();
        phases.mark("columns");

        let placement = self.placement.zip(placement_order).map(|(rows, porder)| {
            let parent: Vec<MemberIx> = order
                .par_iter()
                .with_min_len(GRAIN)
                .map(|&row| to_ix(rows.parent[row as usize]))
                .collect();
            let side = gather(&order, &rows.side);
            let child: Vec<[MemberIx; 2]> = order
                .par_iter()
                .with_min_len(GRAIN)
                .map(|&row| rows.child[row as usize].map(to_ix))
                .collect();
            drop(rows);
            let porder: Vec<MemberIx> = porder
                .par_iter()
                .with_min_len(GRAIN)
                .map(|&row| to_ix(row))
                .collect();
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
            let end = pos
                .par_iter()
                .zip(&size)
                .with_min_len(GRAIN)
                .map(|(&pos, &size)| pos + size)
                .collect();
            PlacementTree {
                parent,
                side,
                child,
                pos,
                end,
                order: porder,
            }
        });

        phases.mark("placement");
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
            matrix: None,
        }
    }
}

/// A matrix position read from the file: empty with an empty parent (a
/// root, 0), else a whole number from 1 to `width` written with digits.
pub(crate) fn matrix_position(parent: &str, position: &str, width: u8) -> Result<u8, ()> {
    match (parent.is_empty(), position.is_empty()) {
        (true, true) => Ok(0),
        (false, false) => match parse_joined(position.as_bytes()) {
            Ok(k) if k <= u64::from(width) => u8::try_from(k).map_err(|_| ()),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

/// Exclusive subtree ends in a preorder numbering: `parent[ix] < ix` for all
/// non-roots, so sizes accumulate in reverse order. Reuses `buffer` (of n entries).
#[expect(
    clippy::indexing_slicing,
    reason = "in preorder every parent index is below its child's, and both are below n"
)]
fn ends(parent: &[MemberIx], mut size: Vec<u32>) -> Vec<MemberIx> {
    let n = parent.len();
    size.clear();
    size.resize(n, 1);
    for ix in (0..n).rev() {
        let up = parent[ix];
        if up != NONE {
            size[up as usize] += size[ix];
        }
    }
    for (ix, size) in (0u32..).zip(&mut size) {
        *size += ix;
    }
    size
}

/// The sponsor tree in preorder: `order[ix]` is the row of member `ix`,
/// `sponsor[ix]` its sponsor's index, `ix_of_row` the inverse of `order`.
pub(crate) struct Preorder {
    pub(crate) order: Vec<u32>,
    pub(crate) sponsor: Vec<MemberIx>,
    pub(crate) ix_of_row: Vec<MemberIx>,
}

/// A row with the range of its children in the children list.
#[derive(Clone, Copy, Default)]
struct Kid {
    row: u32,
    begin: u32,
    end: u32,
}

/// Members in sponsor preorder: roots in row order, children in row order,
/// numbered as they are reached. Members on or below a cycle are left out
/// (`order` is then shorter than `parent`).
///
/// Each child list entry carries the range of the child's own children, so
/// the walk reads one list per member with children and none per leaf; it
/// keeps one frame per level (not one entry per pending member), and sponsor
/// indices are known when a member is reached, so nothing is renumbered after.
#[expect(
    clippy::indexing_slicing,
    reason = "parents are rows below n or NONE (skipped); CSR offsets are built from the same counts, so every range lies within the list"
)]
fn sponsor_preorder(parent: &[u32], phases: &mut Phases) -> Preorder {
    const GRAIN: usize = 1 << 14;
    /// log2 of the parents per block when making the children lists.
    const SPAN_BITS: u32 = 14;
    let n = parent.len();
    // The results first, so that the temporaries after them are given back
    // to the system when freed rather than kept in the heap.
    let mut order = Vec::with_capacity(n);
    let mut sponsor = Vec::with_capacity(n);
    let mut ix_of_row = vec![NONE; n];
    // Children in CSR form, in row order: those of row p are
    // kids[start[p]..start[p + 1]]. Rows are sorted by the block of
    // parents their sponsor is in, then each block's counts and lists are
    // made while its part of `start` sits in the cache, the blocks in parallel.
    let blocks = (n >> SPAN_BITS) + 1;
    let (sorted, sizes) = by_part(n, blocks, |row| {
        let p = *parent.get(row)?;
        // Rows are below n, which fits u32.
        (p != NONE).then(|| ((p >> SPAN_BITS) as usize, u64::from(p) << 32 | row as u64))
    });
    let mut start = vec![0u32; n + 1];
    let mut kids = vec![Kid::default(); sorted.len()];
    let spans: Vec<usize> = (0..blocks)
        .map(|b| ((b + 1) << SPAN_BITS).min(n) - (b << SPAN_BITS).min(n))
        .collect();
    let mut bases = Vec::with_capacity(blocks);
    let mut base = 0u32;
    for &size in &sizes {
        bases.push(base);
        // At most n children in all, which fits u32.
        base += size as u32;
    }
    split_mut(&mut start, &spans)
        .into_par_iter()
        .zip(split_mut(&mut kids, &sizes))
        .zip(split(&sorted, &sizes))
        .zip(bases)
        .enumerate()
        .for_each(|(b, (((starts, kids), entries), base))| {
            let first = b << SPAN_BITS;
            for &entry in entries {
                starts[(entry >> 32) as usize - first] += 1;
            }
            let mut at = base;
            for slot in starts.iter_mut() {
                let count = *slot;
                *slot = at;
                at += count;
            }
            // Fill in row order, each parent's slot moving to the end of its list.
            let mut next = starts.to_vec();
            for &entry in entries {
                let cursor = &mut next[(entry >> 32) as usize - first];
                kids[(*cursor - base) as usize].row = entry as u32;
                *cursor += 1;
            }
        });
    drop(sorted);
    start[n] = base;
    let kid = |row: u32| Kid {
        row,
        begin: start[row as usize],
        end: start[row as usize + 1],
    };
    kids.par_iter_mut()
        .with_min_len(GRAIN)
        .for_each(|entry| *entry = kid(entry.row));
    let roots: Vec<Kid> = (0u32..)
        .zip(parent)
        .filter(|&(_, &p)| p == NONE)
        .map(|(row, _)| kid(row))
        .collect();
    drop(start);
    phases.mark("children");

    // Frames: the rest of a child list and the index of its parent.
    let mut frames: Vec<(usize, usize, MemberIx)> = vec![(0, roots.len(), NONE)];
    let mut touched = 0u32;
    while let Some(frame) = frames.last_mut() {
        let (at, end, up) = *frame;
        if at == end {
            frames.pop();
            continue;
        }
        frame.0 += 1;
        let Kid { row, begin, end } = if up == NONE { roots[at] } else { kids[at] };
        // Rows are below n, which fits u32.
        let ix = order.len() as u32;
        order.push(row);
        sponsor.push(up);
        ix_of_row[row as usize] = ix;
        if begin < end {
            let list = &kids[begin as usize..end as usize];
            // Read ahead the child lists the children will walk, in a loop
            // of independent loads whose cache misses overlap.
            for child in list.iter().filter(|child| child.begin < child.end) {
                touched ^= kids.get(child.begin as usize).map_or(0, |k| k.row);
            }
            frames.push((begin as usize, end as usize, ix));
        }
    }
    std::hint::black_box(touched);
    phases.mark("walk");
    Preorder {
        order,
        sponsor,
        ix_of_row,
    }
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
