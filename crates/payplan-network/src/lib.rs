//! payplan's member network: the schema a plan reads, CSV loading and
//! validation, and the flattened sponsor and placement trees the evaluator
//! walks.
//!
//! Members are stored in sponsor-tree preorder, so that every subtree is a
//! contiguous range of indices and every member comes after its sponsor.
//! Input values are kept as columns (structure of arrays) in that order.

use std::io::Read;
use std::path::Path;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

mod build;
mod builder;
mod csv_load;
#[cfg(test)]
mod csv_oracle;
mod csv_split;
mod decimal;
mod error;
mod ids;
mod matrix;
mod partition;

pub use builder::{MatrixCells, MemberRecord, NetworkBuilder};
pub use error::{Location, NetworkError, PercentBound};
pub use matrix::{JoinedProblem, Matrix, MatrixSource, MatrixSpec, JOINED, MATRIX_WIDTHS};

use ids::{IdTable, StrArena};

/// Index of a member in preorder (0-based).
pub type MemberIx = u32;

/// Marks "no member" in index arrays (a root's sponsor, a missing placement child).
pub const NONE: MemberIx = MemberIx::MAX;

/// What a plan reads from the network besides `id` and `sponsor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Schema {
    /// The per-member input columns, in the plan's order.
    pub columns: Vec<ColumnSpec>,
    /// Whether the plan uses the binary placement tree (`placement`, `leg`).
    pub placement: bool,
    /// The forced matrix the plan uses (`uses matrix 3 wide`), if any.
    #[serde(default)]
    pub matrix: Option<MatrixSpec>,
}

impl Schema {
    /// The names of the columns the matrix reads (`joined`, or the parent
    /// and position columns), which no input column may take.
    pub fn matrix_columns(&self) -> Vec<&str> {
        match &self.matrix {
            None => Vec::new(),
            Some(MatrixSpec {
                source: MatrixSource::Joined,
                ..
            }) => vec![JOINED],
            Some(MatrixSpec {
                source: MatrixSource::Columns { parent, position },
                ..
            }) => vec![parent.as_str(), position.as_str()],
        }
    }
}

/// One per-member input column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// The column's name in the CSV header (case-sensitive).
    pub name: String,
    /// The type of the column's cells.
    pub kind: ColumnKind,
    /// Value for an empty cell or a missing column; `None` makes the column required.
    pub default: Option<Value>,
    /// Smallest allowed value of a decimal column (e.g. 0 for a carry-in).
    pub min: Option<Decimal>,
    /// Largest allowed value of a decimal column (a percentage's 100%).
    pub max: Option<Decimal>,
}

/// The type of an input column's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    /// `12`, `-3.25`, `0.0001`: optional minus sign, digits, optional fraction.
    Decimal,
    /// `true` or `false`.
    Bool,
    /// `27%`: a number followed by `%`, held as the fraction `0.27`. A cell
    /// without `%` is refused; so is a value outside the column's range.
    Percent,
}

impl ColumnKind {
    /// Whether a column of this kind holds `value`.
    pub fn holds(self, value: Value) -> bool {
        matches!(
            (self, value),
            (ColumnKind::Decimal | ColumnKind::Percent, Value::Decimal(_))
                | (ColumnKind::Bool, Value::Bool(_))
        )
    }
}

/// A cell's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Value {
    /// A decimal number.
    Decimal(Decimal),
    /// `true` or `false`.
    Bool(bool),
}

/// One column's values, indexed by [`MemberIx`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// Values of a decimal column.
    Decimal(Vec<Decimal>),
    /// Values of a true/false column.
    Bool(Vec<bool>),
}

/// Side of a placement parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// Side `L`.
    Left,
    /// Side `R`.
    Right,
}

impl ColumnSpec {
    /// A required decimal column (no default, no minimum).
    pub fn decimal(name: impl Into<String>) -> Self {
        ColumnSpec {
            name: name.into(),
            kind: ColumnKind::Decimal,
            default: None,
            min: None,
            max: None,
        }
    }

    /// A required percent column, from 0% to 100% (cells such as `27%`).
    pub fn percent(name: impl Into<String>) -> Self {
        ColumnSpec {
            name: name.into(),
            kind: ColumnKind::Percent,
            default: None,
            min: Some(Decimal::ZERO),
            max: Some(Decimal::ONE),
        }
    }

    /// A required true/false column.
    pub fn bool(name: impl Into<String>) -> Self {
        ColumnSpec {
            name: name.into(),
            kind: ColumnKind::Bool,
            default: None,
            min: None,
            max: None,
        }
    }

    /// The same column with a default, which makes it optional.
    pub fn with_default(mut self, default: Value) -> Self {
        self.default = Some(default);
        self
    }

    /// The same column with a smallest allowed value.
    pub fn with_min(mut self, min: Decimal) -> Self {
        self.min = Some(min);
        self
    }

    /// The same column with a largest allowed value.
    pub fn with_max(mut self, max: Decimal) -> Self {
        self.max = Some(max);
        self
    }

    /// Whether `number` lies in the column's range: the loaders' check of
    /// every cell, inlined so that a column without bounds costs nothing.
    #[inline]
    pub(crate) fn in_range(&self, number: Decimal) -> bool {
        self.min.is_none_or(|min| number >= min) && self.max.is_none_or(|max| number <= max)
    }

    /// The problem with `number` in this column, if it lies outside the
    /// column's range: the error made of the cell's place.
    #[cold]
    pub(crate) fn out_of_range(
        &self,
        number: Decimal,
        at: Location,
        id: &str,
    ) -> Option<NetworkError> {
        let below = self.min.is_some_and(|min| number < min);
        let above = self.max.is_some_and(|max| number > max);
        if !below && !above {
            return None;
        }
        Some(match self.kind {
            ColumnKind::Percent => NetworkError::PercentOutOfRange {
                at,
                id: id.to_owned(),
                column: self.name.clone(),
                value: number,
                bound: match self.min.filter(|_| below) {
                    Some(min) => PercentBound::AtLeast(min),
                    None => PercentBound::AtMost(self.max.unwrap_or_default()),
                },
            },
            _ if below => NetworkError::BelowMinimum {
                at,
                id: id.to_owned(),
                column: self.name.clone(),
                text: number.to_string(),
                min: self.min.unwrap_or_default(),
            },
            _ => NetworkError::AboveMaximum {
                at,
                id: id.to_owned(),
                column: self.name.clone(),
                text: number.to_string(),
                max: self.max.unwrap_or_default(),
            },
        })
    }
}

impl Value {
    /// The kind of column this value belongs in.
    pub fn kind(self) -> ColumnKind {
        match self {
            Value::Decimal(_) => ColumnKind::Decimal,
            Value::Bool(_) => ColumnKind::Bool,
        }
    }
}

impl Column {
    /// The kind of the column's values.
    pub fn kind(&self) -> ColumnKind {
        match self {
            Column::Decimal(_) => ColumnKind::Decimal,
            Column::Bool(_) => ColumnKind::Bool,
        }
    }

    /// Number of values (one per member).
    pub fn len(&self) -> usize {
        match self {
            Column::Decimal(values) => values.len(),
            Column::Bool(values) => values.len(),
        }
    }

    /// Whether the column has no values (an empty network).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, if this is a decimal column.
    pub fn as_decimals(&self) -> Option<&[Decimal]> {
        match self {
            Column::Decimal(values) => Some(values),
            Column::Bool(_) => None,
        }
    }

    /// The values, if this is a true/false column.
    pub fn as_bools(&self) -> Option<&[bool]> {
        match self {
            Column::Bool(values) => Some(values),
            Column::Decimal(_) => None,
        }
    }

    /// The value of member `ix`, if in range.
    pub fn get(&self, ix: MemberIx) -> Option<Value> {
        match self {
            Column::Decimal(values) => values.get(ix as usize).copied().map(Value::Decimal),
            Column::Bool(values) => values.get(ix as usize).copied().map(Value::Bool),
        }
    }
}

impl Side {
    /// 0 for left, 1 for right: the position in `[left, right]` arrays.
    pub fn index(self) -> usize {
        match self {
            Side::Left => 0,
            Side::Right => 1,
        }
    }

    /// `L` or `R`, as in the `leg` column.
    pub fn letter(self) -> &'static str {
        match self {
            Side::Left => "L",
            Side::Right => "R",
        }
    }
}

/// The flattened network: members in sponsor-tree preorder, so that every
/// subtree is the contiguous range `ix..subtree_end(ix)` and every member
/// comes after its sponsor. Per-member data is kept as arrays (structure of arrays).
///
/// Accessors taking a [`MemberIx`] give `NONE`, `""` or `None` for an index
/// out of range rather than panicking.
#[derive(Debug, Clone)]
pub struct Network {
    schema: Schema,
    /// Ids in input order.
    ids: StrArena,
    /// Id -> input row.
    table: IdTable,
    /// Member -> input row.
    row_of: Vec<u32>,
    /// Input row -> member.
    ix_of_row: Vec<MemberIx>,
    sponsor: Vec<MemberIx>,
    subtree_end: Vec<MemberIx>,
    /// Per schema column, indexed by member.
    columns: Vec<Column>,
    placement: Option<PlacementTree>,
    matrix: Option<Matrix>,
}

impl Network {
    /// Loads and checks a network file given as CSV data.
    ///
    /// The data is read whole into memory, then its rows are read in
    /// parallel; problems are reported as if rows were read one by one (the
    /// first in input order wins).
    pub fn from_csv_reader(reader: impl Read, schema: &Schema) -> Result<Network, NetworkError> {
        csv_load::load(reader, schema)
    }

    /// Loads and checks a network file; errors opening it name the path.
    pub fn from_csv_path(path: &Path, schema: &Schema) -> Result<Network, NetworkError> {
        csv_load::load_path(path, schema)
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.row_of.len()
    }

    /// Whether the network has no members.
    pub fn is_empty(&self) -> bool {
        self.row_of.is_empty()
    }

    /// The schema the network was read with.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The id of member `ix` (`""` if out of range).
    pub fn id(&self, ix: MemberIx) -> &str {
        self.row_of
            .get(ix as usize)
            .map_or("", |&row| self.ids.text(row as usize))
    }

    /// The member with id `id`.
    pub fn index_of(&self, id: &str) -> Option<MemberIx> {
        let row = self.table.find(&self.ids, id)?;
        self.ix_of_row.get(row as usize).copied()
    }

    /// The sponsor of member `ix`; `NONE` for a root (or out of range).
    pub fn sponsor(&self, ix: MemberIx) -> MemberIx {
        self.sponsor.get(ix as usize).copied().unwrap_or(NONE)
    }

    /// The sponsor of every member, indexed by member.
    pub fn sponsors(&self) -> &[MemberIx] {
        &self.sponsor
    }

    /// End (exclusive) of the subtree of `ix`: its descendants are `ix + 1..subtree_end(ix)`.
    /// `NONE` if out of range.
    pub fn subtree_end(&self, ix: MemberIx) -> MemberIx {
        self.subtree_end.get(ix as usize).copied().unwrap_or(NONE)
    }

    /// [`Network::subtree_end`] of every member, indexed by member.
    pub fn subtree_ends(&self) -> &[MemberIx] {
        &self.subtree_end
    }

    /// The roots (members without a sponsor), in input order.
    pub fn roots(&self) -> impl Iterator<Item = MemberIx> + '_ {
        self.siblings_in(0, self.len_ix())
    }

    /// The sponsor-tree children of `ix`, in input order.
    pub fn children(&self, ix: MemberIx) -> impl Iterator<Item = MemberIx> + '_ {
        let end = if (ix as usize) < self.len() {
            self.subtree_end(ix)
        } else {
            0
        };
        self.siblings_in(ix.saturating_add(1), end)
    }

    /// Members in input order: `file_order()[row]` is the member of input row `row`.
    pub fn file_order(&self) -> &[MemberIx] {
        &self.ix_of_row
    }

    /// The id on input row `row` (`""` if out of range): with
    /// [`Network::file_order`], ids in file order without a lookup per member.
    pub fn row_id(&self, row: usize) -> &str {
        if row < self.len() {
            self.ids.text(row)
        } else {
            ""
        }
    }

    /// The 0-based position of member `ix` among the input rows (`usize::MAX` if out of range).
    pub fn file_row(&self, ix: MemberIx) -> usize {
        self.row_of
            .get(ix as usize)
            .map_or(usize::MAX, |&row| row as usize)
    }

    /// Column `i` of the schema, indexed by member.
    pub fn column(&self, i: usize) -> Option<&Column> {
        self.columns.get(i)
    }

    /// Every column of the schema, in its order, indexed by member.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column named `name` in the schema, indexed by member.
    pub fn column_by_name(&self, name: &str) -> Option<&Column> {
        let i = self
            .schema
            .columns
            .iter()
            .position(|spec| spec.name == name)?;
        self.columns.get(i)
    }

    /// The placement tree; present exactly when the schema has one.
    pub fn placement(&self) -> Option<&PlacementTree> {
        self.placement.as_ref()
    }

    /// The forced matrix; present exactly when the schema has one.
    pub fn matrix(&self) -> Option<&Matrix> {
        self.matrix.as_ref()
    }

    fn len_ix(&self) -> MemberIx {
        // At most NONE - 1 members are accepted, so this never saturates.
        MemberIx::try_from(self.len()).unwrap_or(NONE)
    }

    /// Members in `from..end` whose subtrees tile that range, one after another.
    fn siblings_in(&self, from: MemberIx, end: MemberIx) -> impl Iterator<Item = MemberIx> + '_ {
        std::iter::successors(Some(from), move |&ix| Some(self.subtree_end(ix)))
            .take_while(move |&ix| ix < end)
    }
}

/// The binary placement tree, indexed by sponsor-preorder [`MemberIx`], with
/// its own preorder (roots in input order, left before right) in which every
/// placement subtree is the contiguous range `pos(ix)..end(ix)` of [`PlacementTree::order`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementTree {
    parent: Vec<MemberIx>,
    side: Vec<Option<Side>>,
    child: Vec<[MemberIx; 2]>,
    pos: Vec<u32>,
    end: Vec<u32>,
    order: Vec<MemberIx>,
}

impl PlacementTree {
    /// The placement parent of `ix`; `NONE` for a root of the placement tree.
    pub fn parent(&self, ix: MemberIx) -> MemberIx {
        self.parent.get(ix as usize).copied().unwrap_or(NONE)
    }

    /// The side of its parent that `ix` is placed on; `None` for a root.
    pub fn side(&self, ix: MemberIx) -> Option<Side> {
        self.side.get(ix as usize).copied().flatten()
    }

    /// The child of `ix` on `side`; `NONE` if there is none.
    pub fn child(&self, ix: MemberIx, side: Side) -> MemberIx {
        self.child
            .get(ix as usize)
            .and_then(|pair| pair.get(side.index()))
            .copied()
            .unwrap_or(NONE)
    }

    /// Position of `ix` in placement preorder ([`PlacementTree::order`]); `NONE` if out of range.
    pub fn pos(&self, ix: MemberIx) -> u32 {
        self.pos.get(ix as usize).copied().unwrap_or(NONE)
    }

    /// End (exclusive) of the placement subtree of `ix` in placement preorder; `NONE` if out of range.
    pub fn end(&self, ix: MemberIx) -> u32 {
        self.end.get(ix as usize).copied().unwrap_or(NONE)
    }

    /// Members in placement preorder.
    pub fn order(&self) -> &[MemberIx] {
        &self.order
    }

    /// The members of the placement subtree of `ix` (itself included), in placement preorder.
    pub fn subtree(&self, ix: MemberIx) -> &[MemberIx] {
        self.order
            .get(self.pos(ix) as usize..self.end(ix) as usize)
            .unwrap_or_default()
    }
}
