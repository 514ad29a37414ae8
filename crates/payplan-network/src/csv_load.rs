//! Loading a network from CSV (spec section 1, "The network file").
//!
//! The whole input is read into memory once. The header is read first; the
//! rows are then split into chunks at line breaks outside quotes
//! ([`crate::csv_split`]) and read in parallel: each chunk checks its rows
//! as the rules come (field count, UTF-8, ids, legs, cells), keeps ids in
//! an arena of its own, sponsor and placement ids as ranges of the input,
//! and writes values into its part of the columns. Ids are then indexed,
//! sponsors and placements joined (in parallel again), and the first
//! problem in input order is reported, as if rows had been read one by one.

use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;
use rust_decimal::Decimal;

use crate::build::{
    check_schema, matrix_position, place_children, Joined, LineIndex, Locator, MatrixRows, Phases,
    PlacementRows,
};
use crate::csv_split::{plan_chunks, Chunk, Cursor, Field, OpenQuote};
use crate::decimal::{parse_decimal_fast, parse_percent, DecimalError, PercentError};
use crate::error::{io_reason, NetworkError};
use crate::ids::{IdTable, StrArena};
use crate::matrix::{parse_joined, MatrixSource, JOINED};
use crate::{Column, ColumnKind, Location, Network, Schema, Side, Value, NONE};

/// Bytes of rows read by one task (several per thread, to balance the work).
const CHUNK_BYTES: usize = 8 << 20;

/// Loads a CSV file; see [`load`].
pub(crate) fn load_path(path: &Path, schema: &Schema) -> Result<Network, NetworkError> {
    let io_error = |err: &io::Error| NetworkError::Io {
        path: Some(path.to_owned()),
        at: None,
        reason: io_reason(err),
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Err(NetworkError::FileNotFound {
                path: path.to_owned(),
            })
        }
        Err(err) => return Err(io_error(&err)),
    };
    if meta.is_dir() {
        return Err(NetworkError::NotAFile {
            path: path.to_owned(),
        });
    }
    let file = std::fs::File::open(path).map_err(|err| io_error(&err))?;
    let size = usize::try_from(meta.len()).unwrap_or(0);
    load_with(file, size, schema, CHUNK_BYTES, &mut Phases::new()).map_err(|err| match err {
        NetworkError::Io {
            path: None,
            at,
            reason,
        } => NetworkError::Io {
            path: Some(path.to_owned()),
            at,
            reason,
        },
        other => other,
    })
}

/// Loads a network from CSV data, checking every rule of the network file.
pub(crate) fn load(reader: impl Read, schema: &Schema) -> Result<Network, NetworkError> {
    load_with(reader, 0, schema, CHUNK_BYTES, &mut Phases::new())
}

/// [`load`] with a size hint and a chunk size (small in tests, to exercise chunking).
fn load_with(
    mut reader: impl Read,
    size: usize,
    schema: &Schema,
    chunk_bytes: usize,
    phases: &mut Phases,
) -> Result<Network, NetworkError> {
    check_schema(schema)?;
    let mut data = Vec::new();
    // A failed reservation only means the buffer grows as it is read.
    let _ = data.try_reserve_exact(size);
    if let Err(err) = reader.read_to_end(&mut data) {
        return Err(failed_read(data, &err, schema));
    }
    phases.mark("read");
    load_bytes(data, schema, chunk_bytes, phases)
}

/// Loads a whole input held in memory.
fn load_bytes(
    mut data: Vec<u8>,
    schema: &Schema,
    chunk_bytes: usize,
    phases: &mut Phases,
) -> Result<Network, NetworkError> {
    let body = skip_bom(&mut data);
    let rows = read_rows(body, schema, chunk_bytes, phases)?;
    let joined = rows.join()?;
    drop(data);
    phases.mark("join");
    joined.finish(phases)
}

/// The input without a UTF-8 byte-order mark.
fn skip_bom(data: &mut [u8]) -> &mut [u8] {
    match data {
        [0xEF, 0xBB, 0xBF, rest @ ..] => rest,
        all => all,
    }
}

/// The error for an input whose reading failed part way: a problem in the
/// rows read completely before comes first, as when rows are read as they come.
fn failed_read(mut data: Vec<u8>, err: &io::Error, schema: &Schema) -> NetworkError {
    let body = skip_bom(&mut data);
    // Find the end of the last record that ended with a line break, and the
    // line of the record the failure interrupted.
    let mut probe = body.to_vec();
    let mut cursor = Cursor::new(1);
    let mut fields = Vec::new();
    let mut complete = None;
    let line = loop {
        match cursor.next_record(&mut probe, &mut fields) {
            None => break cursor.line,
            Some(line) if cursor.at_eof => break line,
            Some(_) => complete = Some(cursor.pos),
        }
    };
    let problem = complete.and_then(|end| {
        let head = body.get_mut(..end)?;
        read_rows(head, schema, usize::MAX, &mut Phases::new()).err()
    });
    problem.unwrap_or_else(|| NetworkError::Io {
        path: None,
        at: Some(Location::Line(line)),
        reason: io_reason(err),
    })
}

/// The fields a matrix reads.
#[derive(Clone, Copy)]
enum MatrixFields {
    /// `joined`.
    Joined(usize),
    /// The matrix parent's id and the position, with the matrix's width.
    Columns {
        parent: usize,
        position: usize,
        width: u8,
    },
}

/// Which field of a row holds what.
struct Layout {
    /// Number of fields of the header, which every row must have.
    width: usize,
    /// The header's names, for messages.
    names: Vec<String>,
    id: usize,
    sponsor: usize,
    /// `placement` and `leg`, when the schema has a placement tree.
    placement: Option<(usize, usize)>,
    /// The matrix columns, when the schema has a matrix.
    matrix: Option<MatrixFields>,
    /// Field of each schema column, `None` when the header lacks it.
    columns: Vec<Option<usize>>,
    /// `(schema column, field)` of the columns present in the header, in field order.
    present: Vec<(usize, usize)>,
}

impl Layout {
    /// Maps the header's names to the fields the schema reads; other fields are ignored.
    fn new(header: &[&[u8]], schema: &Schema, at: Location) -> Result<Self, NetworkError> {
        let mut names: Vec<&str> = vec!["id", "sponsor"];
        if schema.placement {
            names.extend(["placement", "leg"]);
        }
        let matrix_columns = schema.matrix_columns();
        names.extend(matrix_columns.iter().copied());
        names.extend(schema.columns.iter().map(|spec| spec.name.as_str()));
        let mut fields: Vec<Option<usize>> = vec![None; names.len()];
        for (field, name) in header.iter().enumerate() {
            let Some(i) = names.iter().position(|known| known.as_bytes() == *name) else {
                continue;
            };
            match fields.get_mut(i) {
                Some(Some(_)) => {
                    return Err(NetworkError::DuplicateColumn {
                        at,
                        column: names.get(i).copied().unwrap_or_default().to_owned(),
                    })
                }
                Some(slot) => *slot = Some(field),
                None => {}
            }
        }
        let fixed = if schema.placement { 4 } else { 2 } + matrix_columns.len();
        let required = |i: usize| match i.checked_sub(fixed) {
            None => true,
            Some(col) => schema
                .columns
                .get(col)
                .is_some_and(|spec| spec.default.is_none()),
        };
        for (i, (field, name)) in fields.iter().zip(&names).enumerate() {
            if field.is_none() && required(i) {
                return Err(NetworkError::MissingColumn {
                    at,
                    column: (*name).to_owned(),
                });
            }
        }
        let field = |i: usize| fields.get(i).copied().flatten().unwrap_or(0);
        let columns: Vec<Option<usize>> = fields.get(fixed..).unwrap_or_default().to_vec();
        let mut present: Vec<(usize, usize)> = columns
            .iter()
            .enumerate()
            .filter_map(|(col, field)| field.map(|field| (col, field)))
            .collect();
        present.sort_by_key(|&(_, field)| field);
        Ok(Layout {
            width: header.len(),
            names: header
                .iter()
                .map(|name| String::from_utf8_lossy(name).into_owned())
                .collect(),
            id: field(0),
            sponsor: field(1),
            placement: schema.placement.then(|| (field(2), field(3))),
            matrix: schema.matrix.as_ref().map(|spec| {
                let first = if schema.placement { 4 } else { 2 };
                match spec.source {
                    MatrixSource::Joined => MatrixFields::Joined(field(first)),
                    MatrixSource::Columns { .. } => MatrixFields::Columns {
                        parent: field(first),
                        position: field(first + 1),
                        width: spec.width,
                    },
                }
            }),
            columns,
            present,
        })
    }
}

/// How far into a row a problem was found, to order it against a duplicate
/// id on the same row (which is found later, when ids are indexed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// Before the id is taken: the field count, UTF-8 of the id and sponsor, an empty id.
    BeforeId,
    /// After it: legs, placements and cells.
    AfterId,
}

/// The first problem of a chunk.
struct RowError {
    /// Row within the chunk.
    row: usize,
    stage: Stage,
    error: NetworkError,
}

/// A range of a chunk, compactly.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn of((start, end): Field) -> Self {
        // Chunks are below 4 GiB (checked), so offsets fit.
        Span {
            start: start as u32,
            len: end.saturating_sub(start) as u32,
        }
    }

    fn get(self, chunk: &[u8]) -> &[u8] {
        let start = self.start as usize;
        chunk
            .get(start..start + self.len as usize)
            .unwrap_or_default()
    }
}

/// A chunk's part of a per-row vector: its slice of the shared vector, then
/// its own for rows beyond (only when records end at a lone `\r`).
struct Sink<'a, T> {
    slice: &'a mut [T],
    overflow: Vec<T>,
    len: usize,
}

impl<'a, T: Copy> Sink<'a, T> {
    fn new(slice: &'a mut [T]) -> Self {
        Sink {
            slice,
            overflow: Vec::new(),
            len: 0,
        }
    }

    #[inline]
    fn push(&mut self, value: T) {
        match self.slice.get_mut(self.len) {
            Some(slot) => *slot = value,
            None => self.overflow.push(value),
        }
        self.len += 1;
    }
}

/// A per-row vector shared by the chunks, each writing its own part.
struct Shared<T> {
    values: Vec<T>,
}

impl<T: Copy + Send + Sync> Shared<T> {
    fn new(len: usize, zero: T) -> Self {
        Shared {
            values: (0..len).into_par_iter().map(|_| zero).collect(),
        }
    }

    /// One sink per chunk, of the given capacities.
    fn sinks(&mut self, capacities: &[usize]) -> Vec<Sink<'_, T>> {
        let mut rest: &mut [T] = &mut self.values;
        let mut sinks = Vec::with_capacity(capacities.len());
        for &capacity in capacities {
            let len = capacity.min(rest.len());
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            sinks.push(Sink::new(head));
            rest = tail;
        }
        sinks
    }
}

/// What the chunks wrote into a shared vector: the rows of each chunk, and
/// their overflows. Gives the vector of all rows in order.
fn assemble<T: Copy>(
    shared: Shared<T>,
    capacities: &[usize],
    parts: Vec<(usize, Vec<T>)>,
) -> Vec<T> {
    let mut values = shared.values;
    let last = parts.len().saturating_sub(1);
    let exact = parts
        .iter()
        .zip(capacities)
        .enumerate()
        .all(|(i, ((len, overflow), &cap))| {
            overflow.is_empty() && (*len == cap || (i == last && *len <= cap))
        });
    if exact {
        let total = parts.iter().map(|(len, _)| len).sum();
        values.truncate(total);
        values.shrink_to_fit();
        return values;
    }
    let total = parts.iter().map(|(len, _)| len).sum();
    let mut out = Vec::with_capacity(total);
    let mut start = 0;
    for ((len, overflow), &cap) in parts.into_iter().zip(capacities) {
        let kept = len.min(cap);
        out.extend_from_slice(values.get(start..start + kept).unwrap_or_default());
        out.extend_from_slice(&overflow);
        start += cap;
    }
    out
}

/// A per-row vector of values of one kind, shared by the chunks.
enum SharedColumn {
    Decimal(Shared<Decimal>),
    Bool(Shared<bool>),
}

/// A chunk's part of a column.
enum ColumnSink<'a> {
    Decimal(Sink<'a, Decimal>),
    Bool(Sink<'a, bool>),
}

/// What one chunk read.
struct ChunkRows {
    rows: usize,
    /// Ids and their end offsets in `ids`.
    ids: String,
    id_ends: Vec<u32>,
    sponsors: Vec<Span>,
    placements: Vec<Span>,
    lines: LineIndex,
    error: Option<RowError>,
    /// Rows and overflows of each present column's sink, then of the sides.
    columns: Vec<Option<ColumnPart>>,
    sides: Option<(usize, Vec<Option<Side>>)>,
    /// `joined`, or the matrix position, per row: rows and overflow of its sink.
    matrix_keys: Option<(usize, Vec<u64>)>,
    /// Matrix parent ids, with a matrix read from columns.
    matrix_parents: Vec<Span>,
}

enum ColumnPart {
    Decimal(usize, Vec<Decimal>),
    Bool(usize, Vec<bool>),
}

/// The rows of the input, read and checked one by one, with ids indexed.
struct ReadRows<'a> {
    schema: Schema,
    chunks: Vec<(&'a [u8], Chunk)>,
    /// Per chunk, its first row.
    first_rows: Vec<usize>,
    ids: StrArena,
    table: IdTable,
    sponsors: Vec<Vec<Span>>,
    placements: Vec<Vec<Span>>,
    sides: Option<Vec<Option<Side>>>,
    matrix_keys: Option<Vec<u64>>,
    matrix_parents: Vec<Vec<Span>>,
    columns: Vec<Column>,
    lines: LineIndex,
}

/// Reads the header and every row, checking each row's own rules and that ids are unique.
fn read_rows<'a>(
    body: &'a mut [u8],
    schema: &Schema,
    chunk_bytes: usize,
    phases: &mut Phases,
) -> Result<ReadRows<'a>, NetworkError> {
    let mut cursor = Cursor::new(1);
    let mut fields = Vec::new();
    let Some(header_line) = cursor.next_record(body, &mut fields) else {
        return Err(NetworkError::EmptyInput);
    };
    if let Some(open) = cursor.unclosed {
        return Err(unclosed_quote(open, None));
    }
    let (head, data) = body.split_at_mut(cursor.pos.min(body.len()));
    let header: Vec<&[u8]> = fields
        .iter()
        .map(|&(start, end)| head.get(start..end).unwrap_or_default())
        .collect();
    let layout = Layout::new(&header, schema, Location::Line(header_line))?;
    let first_line = cursor.line;

    let plan = plan_chunks(data, chunk_bytes);
    phases.mark("split");
    if let Some(big) = plan
        .iter()
        .find(|chunk| u32::try_from(chunk.end - chunk.start).is_err())
    {
        let line = first_line
            + plan
                .iter()
                .take_while(|c| c.start < big.start)
                .map(|c| c.newlines)
                .sum::<u64>();
        return Err(NetworkError::Csv {
            at: Location::Line(line),
            reason: "a quoted cell spans more than 4 GiB".to_owned(),
        });
    }
    let capacities: Vec<usize> = plan.iter().map(|chunk| chunk.capacity(data)).collect();
    let total: usize = capacities.iter().sum();
    let base_lines: Vec<u64> = plan
        .iter()
        .scan(first_line, |line, chunk| {
            let base = *line;
            *line += chunk.newlines;
            Some(base)
        })
        .collect();

    let mut shared: Vec<Option<SharedColumn>> = schema
        .columns
        .iter()
        .zip(&layout.columns)
        .map(|(spec, field)| {
            field.map(|_| match spec.kind {
                ColumnKind::Decimal | ColumnKind::Percent => {
                    SharedColumn::Decimal(Shared::new(total, Decimal::ZERO))
                }
                ColumnKind::Bool => SharedColumn::Bool(Shared::new(total, false)),
            })
        })
        .collect();
    let mut shared_sides = schema.placement.then(|| Shared::new(total, None));
    let mut shared_keys = schema.matrix.is_some().then(|| Shared::new(total, 0u64));

    // Split the data, the columns and the sides by chunk.
    let mut column_sinks: Vec<Vec<Option<ColumnSink<'_>>>> =
        (0..plan.len()).map(|_| Vec::new()).collect();
    for column in &mut shared {
        let mut sinks: Vec<Option<ColumnSink<'_>>> = match column {
            Some(SharedColumn::Decimal(values)) => values
                .sinks(&capacities)
                .into_iter()
                .map(|sink| Some(ColumnSink::Decimal(sink)))
                .collect(),
            Some(SharedColumn::Bool(values)) => values
                .sinks(&capacities)
                .into_iter()
                .map(|sink| Some(ColumnSink::Bool(sink)))
                .collect(),
            None => (0..plan.len()).map(|_| None).collect(),
        };
        for (chunk_sinks, sink) in column_sinks.iter_mut().zip(sinks.drain(..)) {
            chunk_sinks.push(sink);
        }
    }
    let mut side_sinks: Vec<Option<Sink<'_, Option<Side>>>> = match &mut shared_sides {
        Some(sides) => sides.sinks(&capacities).into_iter().map(Some).collect(),
        None => (0..plan.len()).map(|_| None).collect(),
    };
    let mut key_sinks: Vec<Option<Sink<'_, u64>>> = match &mut shared_keys {
        Some(keys) => keys.sinks(&capacities).into_iter().map(Some).collect(),
        None => (0..plan.len()).map(|_| None).collect(),
    };
    let mut pieces: Vec<&mut [u8]> = Vec::with_capacity(plan.len());
    let mut rest: &mut [u8] = data;
    let mut at = 0;
    for chunk in &plan {
        let (piece, tail) = std::mem::take(&mut rest).split_at_mut(chunk.end - at);
        pieces.push(piece);
        rest = tail;
        at = chunk.end;
    }

    let results: Vec<ChunkRows> = pieces
        .par_iter_mut()
        .zip(column_sinks.par_iter_mut())
        .zip(side_sinks.par_iter_mut())
        .zip(key_sinks.par_iter_mut())
        .zip(base_lines.par_iter())
        .zip(capacities.par_iter())
        .map(
            |(((((piece, columns), sides), keys), &base_line), &capacity)| {
                let sinks = Sinks {
                    columns: std::mem::take(columns),
                    sides: sides.take(),
                    keys: keys.take(),
                };
                read_chunk(piece, &layout, schema, base_line, capacity, sinks)
            },
        )
        .collect();
    drop(column_sinks);
    drop(side_sinks);
    drop(key_sinks);
    phases.mark("parse");

    // The first problem in input order, among rows read so far.
    let mut first_rows = Vec::with_capacity(results.len());
    let mut rows_so_far = 0usize;
    let mut problem: Option<(usize, Stage, NetworkError)> = None;
    let mut used = 0;
    for result in &results {
        first_rows.push(rows_so_far);
        used += 1;
        if let Some(error) = &result.error {
            problem = Some((rows_so_far + error.row, error.stage, error.error.clone()));
            break;
        }
        rows_so_far += result.rows;
    }
    let mut results = results;
    results.truncate(used);

    let mut lines = LineIndex::default();
    let mut id_parts = Vec::with_capacity(results.len());
    let mut sponsors = Vec::with_capacity(results.len());
    let mut placements = Vec::with_capacity(results.len());
    let mut column_parts: Vec<Vec<Option<ColumnPart>>> = Vec::with_capacity(results.len());
    let mut side_parts = Vec::with_capacity(results.len());
    let mut key_parts = Vec::with_capacity(results.len());
    let mut matrix_parents = Vec::with_capacity(results.len());
    for (result, &first) in results.into_iter().zip(&first_rows) {
        key_parts.push(result.matrix_keys.unwrap_or_default());
        matrix_parents.push(result.matrix_parents);
        lines.append(result.lines.shifted(first as u64));
        id_parts.push((result.ids, result.id_ends));
        sponsors.push(result.sponsors);
        placements.push(result.placements);
        column_parts.push(result.columns);
        side_parts.push(result.sides);
    }
    let ids = StrArena::concat(id_parts);
    let location = |row: usize| Location::Line(lines.line(row as u64));

    // Rows are numbered by `MemberIx`, which keeps NONE for "no member".
    let too_many = NONE as usize;
    if ids.len() > too_many {
        let wins = match &problem {
            Some((row, stage, _)) => {
                *row > too_many || (*row == too_many && *stage > Stage::BeforeId)
            }
            None => true,
        };
        if wins {
            return Err(NetworkError::TooManyMembers {
                at: location(too_many),
            });
        }
    }
    phases.mark("ids");
    let table = match IdTable::build(&ids, ids.len()) {
        Ok(table) => table,
        Err((row, first)) => {
            let row = row as usize;
            let before = match &problem {
                Some((at, stage, _)) => row < *at || (row == *at && *stage == Stage::AfterId),
                None => true,
            };
            if before {
                return Err(NetworkError::DuplicateId {
                    at: location(row),
                    id: ids.text(row).to_owned(),
                    first: location(first as usize),
                });
            }
            return Err(problem.map_or(NetworkError::EmptyInput, |(_, _, error)| error));
        }
    };
    if let Some((_, _, error)) = problem {
        return Err(error);
    }
    phases.mark("index");

    // Every row is good: put the columns together.
    let n = ids.len();
    let mut per_column: Vec<Vec<Option<ColumnPart>>> =
        (0..schema.columns.len()).map(|_| Vec::new()).collect();
    for parts in column_parts {
        for (col, part) in parts.into_iter().enumerate() {
            if let Some(list) = per_column.get_mut(col) {
                list.push(part);
            }
        }
    }
    let columns: Vec<Column> = schema
        .columns
        .iter()
        .zip(shared)
        .zip(per_column)
        .map(|((spec, shared), parts)| match shared {
            Some(SharedColumn::Decimal(values)) => Column::Decimal(assemble(
                values,
                &capacities,
                parts
                    .into_iter()
                    .map(|part| match part {
                        Some(ColumnPart::Decimal(len, overflow)) => (len, overflow),
                        _ => (0, Vec::new()),
                    })
                    .collect(),
            )),
            Some(SharedColumn::Bool(values)) => Column::Bool(assemble(
                values,
                &capacities,
                parts
                    .into_iter()
                    .map(|part| match part {
                        Some(ColumnPart::Bool(len, overflow)) => (len, overflow),
                        _ => (0, Vec::new()),
                    })
                    .collect(),
            )),
            None => match spec.default {
                Some(Value::Bool(flag)) => Column::Bool(vec![flag; n]),
                Some(Value::Decimal(number)) => Column::Decimal(vec![number; n]),
                // A column missing from the header has a default (checked with the header).
                None => match spec.kind {
                    ColumnKind::Decimal | ColumnKind::Percent => {
                        Column::Decimal(vec![Decimal::ZERO; n])
                    }
                    ColumnKind::Bool => Column::Bool(vec![false; n]),
                },
            },
        })
        .collect();
    let sides = shared_sides.map(|sides| {
        assemble(
            sides,
            &capacities,
            side_parts
                .into_iter()
                .map(|part| part.unwrap_or_default())
                .collect(),
        )
    });
    let matrix_keys = shared_keys.map(|keys| assemble(keys, &capacities, key_parts));

    phases.mark("assemble");
    let chunks = pieces.into_iter().map(|piece| &*piece).zip(plan).collect();
    Ok(ReadRows {
        schema: schema.clone(),
        chunks,
        first_rows,
        ids,
        table,
        sponsors,
        placements,
        sides,
        matrix_keys,
        matrix_parents,
        columns,
        lines,
    })
}

/// A chunk's sinks: its part of each column, of the sides and of the matrix keys.
struct Sinks<'a> {
    columns: Vec<Option<ColumnSink<'a>>>,
    sides: Option<Sink<'a, Option<Side>>>,
    keys: Option<Sink<'a, u64>>,
}

/// Reads the rows of one chunk, up to the first problem.
fn read_chunk(
    piece: &mut [u8],
    layout: &Layout,
    schema: &Schema,
    base_line: u64,
    capacity: usize,
    mut sinks: Sinks<'_>,
) -> ChunkRows {
    let mut out = ChunkRows {
        rows: 0,
        ids: String::new(),
        id_ends: Vec::with_capacity(capacity),
        sponsors: Vec::with_capacity(capacity),
        placements: Vec::with_capacity(if layout.placement.is_some() {
            capacity
        } else {
            0
        }),
        lines: LineIndex::default(),
        error: None,
        columns: Vec::new(),
        sides: None,
        matrix_keys: None,
        matrix_parents: Vec::new(),
    };
    let mut cursor = Cursor::new(base_line);
    let mut fields: Vec<Field> = Vec::with_capacity(layout.width + 1);
    let mut sized = false;
    while let Some(line) = cursor.next_record(piece, &mut fields) {
        let row = out.rows;
        out.lines.mark(row as u64, line);
        if let Some(open) = cursor.unclosed {
            let error = unclosed_quote(open, layout.names.get(open.field));
            out.error = Some(RowError {
                row,
                stage: Stage::BeforeId,
                error,
            });
            break;
        }
        let piece: &[u8] = piece;
        if let Err((stage, error)) = read_row(
            piece,
            &fields,
            layout,
            schema,
            Location::Line(line),
            &mut out,
            &mut sinks,
        ) {
            out.error = Some(RowError { row, stage, error });
            break;
        }
        out.rows += 1;
        if !sized && out.rows == 1024 {
            // Reserve the id arena from the ids seen so far.
            sized = true;
            let per_row = out.ids.len().div_ceil(out.rows);
            out.ids
                .reserve(per_row.saturating_mul(capacity.saturating_sub(out.rows)) / 16 * 17);
        }
    }
    out.columns = sinks
        .columns
        .into_iter()
        .map(|sink| {
            sink.map(|sink| match sink {
                ColumnSink::Decimal(sink) => ColumnPart::Decimal(sink.len, sink.overflow),
                ColumnSink::Bool(sink) => ColumnPart::Bool(sink.len, sink.overflow),
            })
        })
        .collect();
    out.sides = sinks.sides.map(|sink| (sink.len, sink.overflow));
    out.matrix_keys = sinks.keys.map(|sink| (sink.len, sink.overflow));
    out
}

/// The error for a quote left open, in a field named `column`.
fn unclosed_quote(open: OpenQuote, column: Option<&String>) -> NetworkError {
    NetworkError::UnclosedQuote {
        at: Location::Line(open.line),
        column: column.cloned(),
        field: open.field as u64 + 1,
    }
}

/// Checks one row and records it; the error comes with how far into the row it was found.
#[inline]
fn read_row(
    piece: &[u8],
    fields: &[Field],
    layout: &Layout,
    schema: &Schema,
    at: Location,
    out: &mut ChunkRows,
    sinks: &mut Sinks<'_>,
) -> Result<(), (Stage, NetworkError)> {
    let (columns, sides) = (&mut sinks.columns, &mut sinks.sides);
    if fields.len() != layout.width {
        return Err((
            Stage::BeforeId,
            NetworkError::FieldCount {
                at,
                expected: layout.width as u64,
                found: fields.len() as u64,
            },
        ));
    }
    let field = |i: usize| fields.get(i).copied().unwrap_or((0, 0));
    let cell = |i: usize| {
        let (start, end) = field(i);
        piece.get(start..end).unwrap_or_default()
    };
    let text = |i: usize, column: &str, stage: Stage| {
        std::str::from_utf8(cell(i)).map_err(|_| (stage, not_utf8(at, column, cell(i))))
    };
    let id = text(layout.id, "id", Stage::BeforeId)?;
    text(layout.sponsor, "sponsor", Stage::BeforeId)?;
    if id.is_empty() {
        return Err((Stage::BeforeId, NetworkError::EmptyId { at }));
    }
    out.ids.push_str(id);
    // Chunks are below 4 GiB, and so are their ids.
    out.id_ends.push(out.ids.len() as u32);
    out.sponsors.push(Span::of(field(layout.sponsor)));
    let after = |error| (Stage::AfterId, error);

    if let Some((placement, leg)) = layout.placement {
        let side = match cell(leg) {
            b"" => None,
            b"L" => Some(Side::Left),
            b"R" => Some(Side::Right),
            other if std::str::from_utf8(other).is_err() => {
                return Err(after(not_utf8(at, "leg", other)))
            }
            other => {
                return Err(after(NetworkError::MalformedLeg {
                    at,
                    id: id.to_owned(),
                    text: String::from_utf8_lossy(other).into_owned(),
                }))
            }
        };
        let up = text(placement, "placement", Stage::AfterId)?;
        match (up.is_empty(), side) {
            (true, Some(leg)) => {
                return Err(after(NetworkError::LegWithoutPlacement {
                    at,
                    id: id.to_owned(),
                    leg,
                }))
            }
            (false, None) => {
                return Err(after(NetworkError::PlacementWithoutLeg {
                    at,
                    id: id.to_owned(),
                    placement: up.to_owned(),
                }))
            }
            _ => {}
        }
        out.placements.push(Span::of(field(placement)));
        if let Some(sides) = sides {
            sides.push(side);
        }
    }

    if let Some(fields) = layout.matrix {
        let key = match fields {
            MatrixFields::Joined(joined) => {
                let raw = cell(joined);
                if raw.is_empty() {
                    return Err(after(NetworkError::MissingValue {
                        at,
                        id: id.to_owned(),
                        column: JOINED.to_owned(),
                    }));
                }
                let text = text(joined, JOINED, Stage::AfterId)?;
                parse_joined(raw).map_err(|problem| {
                    after(NetworkError::MalformedJoined {
                        at,
                        id: id.to_owned(),
                        text: text.to_owned(),
                        problem,
                    })
                })?
            }
            MatrixFields::Columns {
                parent,
                position,
                width,
            } => {
                let names = schema.matrix_columns();
                let name = |i: usize| names.get(i).copied().unwrap_or_default();
                let up = text(parent, name(0), Stage::AfterId)?;
                let pos = text(position, name(1), Stage::AfterId)?;
                let k = matrix_position(up, pos, width).map_err(|()| {
                    after(NetworkError::BadMatrixPosition {
                        at,
                        id: id.to_owned(),
                        text: pos.to_owned(),
                        width,
                        has_parent: !up.is_empty(),
                    })
                })?;
                out.matrix_parents.push(Span::of(field(parent)));
                u64::from(k)
            }
        };
        if let Some(keys) = &mut sinks.keys {
            keys.push(key);
        }
    }

    for &(col, field) in &layout.present {
        let (Some(spec), Some(Some(sink))) = (schema.columns.get(col), columns.get_mut(col)) else {
            continue;
        };
        let raw = cell(field);
        let bad = |make: fn(Location, String, String, String) -> NetworkError| {
            after(match std::str::from_utf8(raw) {
                Ok(text) => make(at, id.to_owned(), spec.name.clone(), text.to_owned()),
                Err(_) => not_utf8(at, &spec.name, raw),
            })
        };
        let value = if raw.is_empty() {
            match spec.default {
                Some(value) => value,
                None => {
                    return Err(after(NetworkError::MissingValue {
                        at,
                        id: id.to_owned(),
                        column: spec.name.clone(),
                    }))
                }
            }
        } else {
            match spec.kind {
                ColumnKind::Decimal => match parse_decimal_fast(raw) {
                    Ok(number) => Value::Decimal(number),
                    Err(DecimalError::Malformed) => {
                        return Err(bad(|at, id, column, text| NetworkError::MalformedDecimal {
                            at,
                            id,
                            column,
                            text,
                        }))
                    }
                    Err(DecimalError::OutOfRange) => {
                        return Err(bad(|at, id, column, text| {
                            NetworkError::DecimalOutOfRange {
                                at,
                                id,
                                column,
                                text,
                            }
                        }))
                    }
                },
                ColumnKind::Percent => match parse_percent(raw, parse_decimal_fast) {
                    Ok(fraction) => Value::Decimal(fraction),
                    Err(PercentError::NoSign) => {
                        return Err(bad(|at, id, column, text| {
                            NetworkError::PercentWithoutSign {
                                at,
                                id,
                                column,
                                text,
                            }
                        }))
                    }
                    Err(PercentError::Decimal(DecimalError::OutOfRange)) => {
                        return Err(bad(|at, id, column, text| {
                            NetworkError::DecimalOutOfRange {
                                at,
                                id,
                                column,
                                text,
                            }
                        }))
                    }
                    Err(PercentError::Decimal(DecimalError::Malformed)) => {
                        return Err(bad(|at, id, column, text| NetworkError::MalformedDecimal {
                            at,
                            id,
                            column,
                            text,
                        }))
                    }
                },
                ColumnKind::Bool => match raw {
                    b"true" => Value::Bool(true),
                    b"false" => Value::Bool(false),
                    _ => {
                        return Err(bad(|at, id, column, text| NetworkError::MalformedBool {
                            at,
                            id,
                            column,
                            text,
                        }))
                    }
                },
            }
        };
        match (value, sink) {
            (Value::Decimal(number), ColumnSink::Decimal(sink)) => {
                if !spec.in_range(number) {
                    if let Some(e) = spec.out_of_range(number, at, id) {
                        return Err(after(e));
                    }
                }
                sink.push(number);
            }
            (Value::Bool(flag), ColumnSink::Bool(sink)) => sink.push(flag),
            // Defaults have the column's kind (checked with the schema).
            _ => {}
        }
    }
    Ok(())
}

/// The error for a cell that is not UTF-8 text.
pub(crate) fn not_utf8(at: Location, column: &str, bytes: &[u8]) -> NetworkError {
    NetworkError::NotUtf8 {
        at,
        column: column.to_owned(),
        bytes: bytes.to_vec(),
    }
}

/// A sponsor or placement that names no member: the row and the id named.
enum Unknown {
    Sponsor(usize, String),
    Placement(usize, String),
}

impl ReadRows<'_> {
    /// Joins sponsors and placements to rows, in parallel by chunk; reports
    /// the first problem in input order.
    fn join(self) -> Result<Joined, NetworkError> {
        let n = self.ids.len();
        let mut parent = vec![NONE; n];
        let mut pparent = self.sides.as_ref().map(|_| vec![NONE; n]);
        let mut parts: Vec<(&mut [u32], Option<&mut [u32]>)> =
            Vec::with_capacity(self.chunks.len());
        let mut rest: &mut [u32] = &mut parent;
        let mut prest: Option<&mut [u32]> = pparent.as_deref_mut();
        for sponsors in &self.sponsors {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(sponsors.len());
            rest = tail;
            let phead = prest.take().map(|p| {
                let (head, tail) = p.split_at_mut(sponsors.len());
                prest = Some(tail);
                head
            });
            parts.push((head, phead));
        }
        let sides = self.sides.as_deref().unwrap_or_default();
        let table = &self.table;
        let ids = &self.ids;
        let unknown = parts
            .into_par_iter()
            .zip(self.chunks.par_iter())
            .zip(self.sponsors.par_iter())
            .zip(self.placements.par_iter())
            .zip(self.first_rows.par_iter())
            .map(
                |(((((parents, mut pparents), &(piece, _)), sponsors), placements), &first)| {
                    const BATCH: usize = 256;
                    let mut keys: Vec<&[u8]> = Vec::with_capacity(BATCH);
                    let mut found = [NONE; BATCH];
                    let mut unknown = None;
                    'sponsors: for (batch, (parents, sponsors)) in parents
                        .chunks_mut(BATCH)
                        .zip(sponsors.chunks(BATCH))
                        .enumerate()
                    {
                        keys.clear();
                        keys.extend(sponsors.iter().map(|span| span.get(piece)));
                        table.find_batch(ids, &keys, &mut found);
                        for (k, ((slot, key), &up)) in
                            parents.iter_mut().zip(&keys).zip(&found).enumerate()
                        {
                            if !key.is_empty() {
                                if up == NONE {
                                    let row = first + batch * BATCH + k;
                                    unknown = Some(Unknown::Sponsor(row, utf8(key)));
                                    break 'sponsors;
                                }
                                *slot = up;
                            }
                        }
                    }
                    // A placement problem counts only on a row before the sponsor problem.
                    let before = match &unknown {
                        Some(Unknown::Sponsor(row, _) | Unknown::Placement(row, _)) => *row,
                        None => usize::MAX,
                    };
                    let Some(pparents) = pparents.as_deref_mut() else {
                        return unknown;
                    };
                    for (batch, (pparents, placements)) in pparents
                        .chunks_mut(BATCH)
                        .zip(placements.chunks(BATCH))
                        .enumerate()
                    {
                        if first + batch * BATCH >= before {
                            break;
                        }
                        keys.clear();
                        keys.extend(placements.iter().map(|span| span.get(piece)));
                        table.find_batch(ids, &keys, &mut found);
                        for (k, ((slot, key), &up)) in
                            pparents.iter_mut().zip(&keys).zip(&found).enumerate()
                        {
                            let row = first + batch * BATCH + k;
                            if row >= before {
                                break;
                            }
                            if sides.get(row).copied().flatten().is_none() {
                                continue;
                            }
                            if up == NONE {
                                return Some(Unknown::Placement(row, utf8(key)));
                            }
                            *slot = up;
                        }
                    }
                    unknown
                },
            )
            .collect::<Vec<_>>()
            .into_iter()
            .flatten()
            .next();

        let location = |row: usize| Location::Line(self.lines.line(row as u64));
        let upto = match &unknown {
            Some(Unknown::Sponsor(row, _) | Unknown::Placement(row, _)) => *row,
            None => n,
        };
        let matrix = self.matrix_rows();
        let placement = match (pparent, self.sides) {
            (Some(pparent), Some(sides)) => match place_children(&pparent, &sides, upto) {
                Ok(child) => Some(PlacementRows {
                    parent: pparent,
                    child,
                    side: sides,
                }),
                Err((row, other)) => {
                    let up = pparent.get(row).copied().unwrap_or(NONE) as usize;
                    return Err(NetworkError::SameSide {
                        at: location(row),
                        id: self.ids.text(row).to_owned(),
                        placement: self.ids.text(up).to_owned(),
                        side: sides.get(row).copied().flatten().unwrap_or(Side::Left),
                        other: self.ids.text(other as usize).to_owned(),
                        other_at: location(other as usize),
                    });
                }
            },
            _ => None,
        };
        match unknown {
            Some(Unknown::Sponsor(row, sponsor)) => {
                return Err(NetworkError::UnknownSponsor {
                    at: location(row),
                    id: self.ids.text(row).to_owned(),
                    sponsor,
                })
            }
            Some(Unknown::Placement(row, placement)) => {
                return Err(NetworkError::UnknownPlacement {
                    at: location(row),
                    id: self.ids.text(row).to_owned(),
                    placement,
                })
            }
            None => {}
        }
        let matrix = matrix?;
        Ok(Joined {
            schema: self.schema,
            ids: self.ids,
            table: self.table,
            parent,
            placement,
            matrix,
            columns: self.columns,
            locator: Locator::Lines(self.lines),
        })
    }

    /// The matrix columns of every row, with matrix parents resolved to rows
    /// (in row order, so the first unknown parent is named).
    fn matrix_rows(&self) -> Result<Option<MatrixRows>, NetworkError> {
        let (Some(spec), Some(keys)) = (&self.schema.matrix, &self.matrix_keys) else {
            return Ok(None);
        };
        if let MatrixSource::Joined = spec.source {
            return Ok(Some(MatrixRows::Joined(keys.clone())));
        }
        let mut parent = Vec::with_capacity(keys.len());
        for ((&(piece, _), spans), &first) in self
            .chunks
            .iter()
            .zip(&self.matrix_parents)
            .zip(&self.first_rows)
        {
            for (k, span) in spans.iter().enumerate() {
                let key = span.get(piece);
                if key.is_empty() {
                    parent.push(NONE);
                    continue;
                }
                let up = std::str::from_utf8(key)
                    .ok()
                    .and_then(|up| self.table.find(&self.ids, up));
                let Some(up) = up else {
                    let row = first + k;
                    return Err(NetworkError::UnknownMatrixParent {
                        at: Location::Line(self.lines.line(row as u64)),
                        id: self.ids.text(row).to_owned(),
                        parent: utf8(key),
                    });
                };
                parent.push(up);
            }
        }
        let position = keys.iter().map(|&k| k as u8).collect();
        Ok(Some(MatrixRows::Columns { parent, position }))
    }
}

/// Text checked as UTF-8 when it was read.
fn utf8(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod timing {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

    use super::*;
    use crate::ColumnSpec;

    /// VmHWM of this process, in bytes.
    fn peak_rss() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .map_or(0, |kb| kb * 1024)
    }

    /// Times the phases of loading the file `PAYPLAN_NETWORK` (the ranked
    /// plan's schema; `PAYPLAN_PLACEMENT=1` adds the placement tree):
    /// `PAYPLAN_NETWORK=/tmp/n.csv cargo test --release -p payplan-network --lib load_phases -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement on a large file"]
    fn load_phases() {
        let path = std::env::var("PAYPLAN_NETWORK").expect("PAYPLAN_NETWORK names a network file");
        let schema = Schema {
            columns: vec![ColumnSpec::decimal("pv"), ColumnSpec::decimal("cv")],
            placement: std::env::var("PAYPLAN_PLACEMENT").is_ok_and(|v| v == "1"),
            matrix: None,
        };
        let start = std::time::Instant::now();
        let mut phases = Phases::new();
        let file = std::fs::File::open(&path).unwrap();
        let size = file.metadata().unwrap().len() as usize;
        let network = load_with(file, size, &schema, CHUNK_BYTES, &mut phases).unwrap();
        let total = start.elapsed();
        let n = network.len().max(1) as u64;
        for (phase, spent) in &phases.spent {
            eprintln!("{phase:>10} {:8.3} s", spent.as_secs_f64());
        }
        eprintln!("{:>10} {:8.3} s", "total", total.as_secs_f64());
        let peak = peak_rss();
        eprintln!(
            "{} members, peak RSS {} MB = {} bytes per member",
            network.len(),
            peak >> 20,
            peak / n
        );
    }
}

#[cfg(test)]
mod against_the_old_loader {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;
    use crate::{ColumnSpec, Network};

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    fn schemas() -> Vec<Schema> {
        let carry = |name: &str| {
            ColumnSpec::decimal(name)
                .with_default(Value::Decimal(Decimal::ZERO))
                .with_min(Decimal::ZERO)
        };
        vec![
            Schema {
                columns: vec![
                    ColumnSpec::decimal("pv"),
                    ColumnSpec::decimal("cv"),
                    ColumnSpec::bool("new").with_default(Value::Bool(false)),
                ],
                placement: false,
                matrix: None,
            },
            Schema {
                columns: vec![
                    ColumnSpec::decimal("pv"),
                    ColumnSpec::decimal("cv"),
                    carry("carry_left"),
                    carry("carry_right"),
                ],
                placement: true,
                matrix: None,
            },
        ]
    }

    /// A network file, mostly well-formed, with now and then one of the
    /// problems of the spec, quoting, blank lines and odd line breaks.
    fn random_file(rng: &mut Rng, rows: usize) -> Vec<u8> {
        let mut headers = vec![
            "id",
            "sponsor",
            "pv",
            "cv",
            "placement",
            "leg",
            "carry_left",
            "new",
            "note",
        ];
        // Shuffle the columns, and drop one now and then.
        for i in (1..headers.len()).rev() {
            let j = rng.below(i + 1);
            headers.swap(i, j);
        }
        if rng.below(8) == 0 {
            headers.remove(rng.below(headers.len()));
        }
        let breaks = ["\n", "\n", "\r\n", "\r\n", "\r", "\n\n", "\r\n\r\n"];
        let break_ = |rng: &mut Rng| {
            if rng.below(6) == 0 {
                rng.pick(&breaks)
            } else {
                "\n"
            }
        };
        let mut out = String::new();
        if rng.below(10) == 0 {
            out.push('\u{feff}');
        }
        out.push_str(&headers.join(","));
        out.push_str(break_(rng));
        let id_of = |i: usize| format!("M{i}");
        let decimals = [
            "1", "0", "12.50", "-3.25", "100", "0.0001", "7", "250.00", "-0.00", "5",
        ];
        let bad = [
            "1e3",
            "+5",
            ".5",
            "5.",
            "1,5",
            "abc",
            "99999999999999999999999999999",
        ];
        for i in 0..rows {
            let mut cells = Vec::new();
            for &name in &headers {
                let cell = match name {
                    "id" => {
                        if rng.below(300) == 0 {
                            id_of(rng.below(rows))
                        } else if rng.below(400) == 0 {
                            String::new()
                        } else {
                            id_of(i)
                        }
                    }
                    "sponsor" | "placement" => {
                        if i == 0 || rng.below(5) == 0 {
                            String::new()
                        } else if rng.below(300) == 0 {
                            "nobody".to_owned()
                        } else if rng.below(200) == 0 {
                            id_of(rng.below(rows))
                        } else {
                            id_of(rng.below(i))
                        }
                    }
                    "leg" => String::new(),
                    "pv" | "cv" | "carry_left" => {
                        if rng.below(300) == 0 {
                            rng.pick(&bad).to_owned()
                        } else {
                            rng.pick(&decimals).to_owned()
                        }
                    }
                    "new" => {
                        if rng.below(300) == 0 {
                            "yes".to_owned()
                        } else {
                            rng.pick(&["true", "false", ""]).to_owned()
                        }
                    }
                    _ => rng
                        .pick(&["", "x", "a,b", "two\nlines", "say \"hi\"", "\r"])
                        .to_owned(),
                };
                let quote = cell.contains([',', '"', '\n', '\r']) || rng.below(12) == 0;
                if quote {
                    cells.push(format!("\"{}\"", cell.replace('"', "\"\"")));
                } else {
                    cells.push(cell);
                }
            }
            // A leg goes with a placement (mostly), on a random side.
            let placement = headers.iter().position(|&h| h == "placement");
            let leg = headers.iter().position(|&h| h == "leg");
            if let (Some(p), Some(l)) = (placement, leg) {
                let placed = !cells[p].is_empty() && cells[p] != "\"\"";
                cells[l] = match (placed, rng.below(300)) {
                    (_, 0) => "X".to_owned(),
                    (true, 1) | (false, 2) => String::new(),
                    (false, 1) => "L".to_owned(),
                    (true, _) => rng.pick(&["L", "R"]).to_owned(),
                    (false, _) => String::new(),
                };
            }
            if rng.below(300) == 0 {
                cells.push("extra".to_owned());
            }
            out.push_str(&cells.join(","));
            if i + 1 < rows || rng.below(2) == 0 {
                out.push_str(break_(rng));
            }
        }
        out.into_bytes()
    }

    /// Now and then, a byte that is not UTF-8 in a cell, or a quote that
    /// is never closed.
    fn spoil(rng: &mut Rng, file: &mut Vec<u8>) {
        match rng.below(30) {
            0 => {
                let at = rng.below(file.len());
                if file[at].is_ascii_alphanumeric() {
                    file[at] = 0xff;
                }
            }
            1 => file.extend_from_slice(b",\"never closed\nM9,,1,2\n"),
            2 => {
                let at = rng.below(file.len());
                if matches!(file[at], b',' | b'\n') {
                    file.insert(at + 1, b'"');
                }
            }
            _ => {}
        }
    }

    fn same(a: &Network, b: &Network) {
        assert_eq!(a.len(), b.len());
        assert_eq!(a.file_order(), b.file_order());
        assert_eq!(a.sponsors(), b.sponsors());
        assert_eq!(a.subtree_ends(), b.subtree_ends());
        for ix in 0..a.len() as u32 {
            assert_eq!(a.id(ix), b.id(ix));
            assert_eq!(a.index_of(a.id(ix)), Some(ix));
        }
        for i in 0..a.schema().columns.len() {
            assert_eq!(a.column(i), b.column(i));
        }
        assert_eq!(a.placement(), b.placement());
    }

    #[test]
    fn agrees_on_random_files_in_any_chunks() {
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        let schemas = schemas();
        let (mut ok, mut refused) = (0, 0);
        let (mut unclosed, mut not_utf8) = (0, 0);
        for case in 0..3_000 {
            let rows = 1 + rng.below(if case % 10 == 0 { 200 } else { 25 });
            let mut file = random_file(&mut rng, rows);
            spoil(&mut rng, &mut file);
            for schema in &schemas {
                let old = crate::csv_oracle::load(&file[..], schema);
                for chunk_bytes in [usize::MAX, 64, 7, 1] {
                    let new = load_with(&file[..], 0, schema, chunk_bytes, &mut Phases::new());
                    let text = String::from_utf8_lossy(&file);
                    match (&old, &new) {
                        (Ok(a), Ok(b)) => same(a, b),
                        (Err(a), Err(b)) => assert_eq!(a, b, "{text:?} {chunk_bytes}"),
                        _ => panic!("{old:?}\n{new:?}\n{text:?} {chunk_bytes}"),
                    }
                }
                match &old {
                    Ok(_) => ok += 1,
                    Err(NetworkError::UnclosedQuote { .. }) => unclosed += 1,
                    Err(NetworkError::NotUtf8 { .. }) => not_utf8 += 1,
                    Err(_) => refused += 1,
                }
            }
        }
        // Both kinds of outcome are exercised, and the spoilt files.
        assert!(ok > 300 && refused > 300, "{ok} {refused}");
        assert!(unclosed > 20 && not_utf8 > 20, "{unclosed} {not_utf8}");
    }

    /// A large shuffled network, so that the id index and the children
    /// lists are split into many parts; with and without problems.
    #[test]
    fn agrees_on_a_large_shuffled_file() {
        let mut rng = Rng(0x5151_7777_0000_1234);
        let n = 150_000;
        let mut rows: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            rows.swap(i, rng.below(i + 1));
        }
        let schema = &schemas()[0];
        let file = |sponsor: &dyn Fn(usize) -> String| {
            let mut out = String::from("id,sponsor,pv,cv\n");
            for &i in &rows {
                out.push_str(&format!("member-{i},{},1,2\n", sponsor(i)));
            }
            out.into_bytes()
        };
        let good = file(&|i| {
            if i == 0 {
                String::new()
            } else {
                format!("member-{}", (i.wrapping_mul(2_654_435_761) >> 7) % i)
            }
        });
        let with_repeat = {
            let mut text = String::from_utf8(good.clone()).unwrap();
            text = text.replace("member-140000,", "member-77,");
            text = text.replace("member-120000,", "member-99,");
            text.into_bytes()
        };
        let with_unknown = file(&|i| match i {
            0 => String::new(),
            100_000 | 130_000 => "nobody".to_owned(),
            i => format!("member-{}", i / 2),
        });
        for text in [good, with_repeat, with_unknown] {
            let old = crate::csv_oracle::load(&text[..], schema);
            for chunk_bytes in [usize::MAX, 100_000] {
                let new = load_with(&text[..], 0, schema, chunk_bytes, &mut Phases::new());
                match (&old, &new) {
                    (Ok(a), Ok(b)) => same(a, b),
                    (Err(a), Err(b)) => assert_eq!(a, b),
                    _ => panic!("{old:?}\n{new:?}"),
                }
            }
        }
    }

    /// Fails a read part way, after `left` bytes.
    struct Failing<'a> {
        data: &'a [u8],
        left: usize,
    }

    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::other("the disk is on fire"));
            }
            let n = buf.len().min(self.left).min(self.data.len()).min(7);
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            self.left -= n;
            Ok(n)
        }
    }

    #[test]
    fn a_failed_read_is_named_by_its_line_or_an_earlier_problem() {
        let schema = &schemas()[0];
        let text = b"id,sponsor,pv,cv\nA,,1,2\n\nB,A,1,2\nC,A,x,2\nD,A,1,2\n";
        let at = |left: usize| {
            Network::from_csv_reader(Failing { data: text, left }, schema).unwrap_err()
        };
        assert_eq!(at(0).location(), Some(Location::Line(1)));
        assert!(matches!(at(10), NetworkError::Io { .. }));
        assert_eq!(at(10).location(), Some(Location::Line(1)));
        assert_eq!(at(24).location(), Some(Location::Line(3)));
        assert_eq!(at(26).location(), Some(Location::Line(4)));
        assert!(
            at(26).to_string().contains("the disk is on fire"),
            "{}",
            at(26)
        );
        // Row C is complete and refused before the read fails on row D.
        assert!(matches!(at(42), NetworkError::MalformedDecimal { .. }));
    }
}
