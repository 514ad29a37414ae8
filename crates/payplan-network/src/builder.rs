//! Building a network in memory, with the same checks as the CSV loader.

use crate::build::Rows;
use crate::error::NetworkError;
use crate::{Location, MatrixSource, Network, Schema, Side, Value};

/// One member given to [`NetworkBuilder::add`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberRecord {
    /// The member's id: non-empty, unique.
    pub id: String,
    /// The sponsor's id; `None` (or an empty id, as in the CSV file) for a root.
    pub sponsor: Option<String>,
    /// The placement parent's id and side; `None` for a root of the placement
    /// tree. Ignored when the schema has no placement tree.
    pub placement: Option<(String, Side)>,
    /// One value per schema column, in schema order; `None` takes the column's default.
    pub values: Vec<Option<Value>>,
    /// The matrix columns, as the file writes them: `joined` (R9.0) when the
    /// schema computes the matrix, or the matrix parent's id and the
    /// position when it reads it. Ignored when the schema has no matrix.
    pub matrix: MatrixCells,
}

/// A member's matrix cells, as text as in a network file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatrixCells {
    /// `joined`: digits, 1 to 2^63 - 1.
    pub joined: String,
    /// The matrix parent's id; empty for a root.
    pub parent: String,
    /// The position under the parent; empty for a root.
    pub position: String,
}

impl MemberRecord {
    /// A member with the given id and sponsor, no placement and no values yet.
    pub fn new(id: impl Into<String>, sponsor: Option<&str>) -> Self {
        MemberRecord {
            id: id.into(),
            sponsor: sponsor.map(str::to_owned),
            placement: None,
            values: Vec::new(),
            matrix: MatrixCells::default(),
        }
    }

    /// The same member with `joined` (as the file writes it).
    pub fn with_joined(mut self, joined: impl Into<String>) -> Self {
        self.matrix.joined = joined.into();
        self
    }
}

/// Collects members for hosts that have them in memory rather than in a file.
///
/// Checks happen as members are added and in [`NetworkBuilder::build`]; errors
/// name the entry (1-based position of the `add` call) and the member id. After
/// the first error, further members are ignored.
pub struct NetworkBuilder {
    rows: Result<Rows, NetworkError>,
}

impl NetworkBuilder {
    /// Starts an empty network for `schema`.
    pub fn new(schema: Schema) -> Self {
        NetworkBuilder {
            rows: Rows::new(&schema),
        }
    }

    /// Adds one member; problems are reported by [`NetworkBuilder::build`].
    pub fn add(&mut self, member: MemberRecord) {
        if let Ok(rows) = &mut self.rows {
            if let Err(err) = add_to(rows, &member) {
                self.rows = Err(err);
            }
        }
    }

    /// Checks the whole network and flattens it.
    pub fn build(self) -> Result<Network, NetworkError> {
        self.rows?.finish()
    }
}

fn add_to(rows: &mut Rows, member: &MemberRecord) -> Result<(), NetworkError> {
    let at = Location::Entry(rows.len() as u64 + 1);
    rows.push_member(at, &member.id, member.sponsor.as_deref().unwrap_or(""))?;
    if rows.schema().placement {
        match &member.placement {
            Some((parent, side)) => rows.push_placement(at, parent, Some(*side))?,
            None => rows.push_placement(at, "", None)?,
        }
    }
    match rows.schema().matrix.as_ref().map(|m| &m.source) {
        Some(MatrixSource::Joined) => rows.push_joined(at, &member.matrix.joined)?,
        Some(MatrixSource::Columns { .. }) => {
            rows.push_matrix_place(at, &member.matrix.parent, &member.matrix.position)?
        }
        None => {}
    }
    let expected = rows.schema().columns.len();
    if member.values.len() != expected {
        return Err(NetworkError::ValueCount {
            at,
            id: member.id.clone(),
            expected,
            found: member.values.len(),
        });
    }
    for (col, value) in member.values.iter().enumerate() {
        rows.push_value(at, col, *value)?;
    }
    Ok(())
}
