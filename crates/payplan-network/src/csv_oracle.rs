#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]
//! The loader as it was before reading in parallel (on the `csv` crate),
//! kept for tests as an oracle: the new loader must agree with it on every input.
//!
//! The `csv` crate reports as a record's position the place where the
//! previous record ended, which is before any line break and blank lines
//! between them. To name the line a row starts on, the input passes through
//! [`Recorder`], which keeps the bytes since the previous record so that the
//! line breaks before the new one can be counted.

use std::io::{self, Read};
use std::path::Path;

use csv::{ByteRecord, ErrorKind};

use crate::build::{check_schema, Joined, LineIndex, Locator, Phases, PlacementRows};
use crate::csv_load::not_utf8;
use crate::decimal::{parse_decimal, parse_percent, DecimalError, PercentError};
use crate::error::{io_reason, NetworkError, PercentBound};
use crate::ids::{IdTable, StrArena};
use crate::{Column, ColumnKind, Location, Network, Schema, Side, Value, NONE};

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
    load(file, schema).map_err(|err| match err {
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
    check_schema(schema)?;
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(Recorder::new(SkipBom::new(reader)));
    let mut record = ByteRecord::new();
    let Some(header_line) = read_record(&mut csv, &mut record, &[])? else {
        return Err(NetworkError::EmptyInput);
    };
    let names: Vec<String> = record
        .iter()
        .map(|name| String::from_utf8_lossy(name).into_owned())
        .collect();
    let layout = Layout::new(&record, schema, Location::Line(header_line))?;
    let mut rows = Rows::new(schema, true)?;
    while let Some(line) = read_record(&mut csv, &mut record, &names)? {
        push_row(&mut rows, &layout, &record, Location::Line(line))?;
    }
    rows.finish()
}

/// Reads the next record; returns the line it starts on, `None` at the end.
/// `names` are the header's (none for the header itself), for a quote left open.
fn read_record<R: Read>(
    csv: &mut csv::Reader<Recorder<R>>,
    record: &mut ByteRecord,
    names: &[String],
) -> Result<Option<u64>, NetworkError> {
    let before = csv.position().clone();
    csv.get_mut().forget_before(before.byte());
    let result = csv.read_byte_record(record);
    let line = csv.get_ref().start_line(before.byte(), before.line());
    if !matches!(&result, Err(err) if matches!(err.kind(), ErrorKind::Io(_))) {
        if let Some((field, newlines)) = csv
            .get_ref()
            .open_quote(before.byte(), csv.position().byte())
        {
            return Err(NetworkError::UnclosedQuote {
                at: Location::Line(line + newlines),
                column: names.get(field).cloned(),
                field: field as u64 + 1,
            });
        }
    }
    match result {
        Ok(true) => Ok(Some(line)),
        Ok(false) => Ok(None),
        Err(err) => Err(match err.into_kind() {
            ErrorKind::Io(err) => NetworkError::Io {
                path: None,
                at: Some(Location::Line(line)),
                reason: io_reason(&err),
            },
            ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => NetworkError::FieldCount {
                at: Location::Line(line),
                expected: expected_len,
                found: len,
            },
            _ => NetworkError::Csv {
                at: Location::Line(line),
                reason: "the row cannot be read".to_owned(),
            },
        }),
    }
}

/// Which field of a row holds what.
struct Layout {
    id: usize,
    sponsor: usize,
    /// `placement` and `leg`, when the schema has a placement tree.
    placement: Option<(usize, usize)>,
    /// Field of each schema column, `None` when the header lacks it.
    columns: Vec<Option<usize>>,
    /// Schema columns present in the header, in field order.
    present: Vec<usize>,
}

impl Layout {
    /// Maps the header's names to the fields the schema reads; other fields are ignored.
    fn new(header: &ByteRecord, schema: &Schema, at: Location) -> Result<Self, NetworkError> {
        let mut names: Vec<&str> = vec!["id", "sponsor"];
        if schema.placement {
            names.extend(["placement", "leg"]);
        }
        names.extend(schema.columns.iter().map(|spec| spec.name.as_str()));
        let mut fields: Vec<Option<usize>> = vec![None; names.len()];
        for (field, name) in header.iter().enumerate() {
            let Some(i) = names.iter().position(|known| known.as_bytes() == name) else {
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
        let fixed = if schema.placement { 4 } else { 2 };
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
        let mut present: Vec<usize> = (0..columns.len())
            .filter(|&col| columns.get(col).is_some_and(Option::is_some))
            .collect();
        present.sort_by_key(|&col| columns.get(col).copied().flatten());
        Ok(Layout {
            id: field(0),
            sponsor: field(1),
            placement: schema.placement.then(|| (field(2), field(3))),
            columns,
            present,
        })
    }
}

/// Checks one row and adds it to `rows`.
fn push_row(
    rows: &mut Rows,
    layout: &Layout,
    record: &ByteRecord,
    at: Location,
) -> Result<(), NetworkError> {
    let cell = |field: usize| record.get(field).unwrap_or_default();
    let text = |field: usize, column: &str| {
        std::str::from_utf8(cell(field)).map_err(|_| not_utf8(at, column, cell(field)))
    };
    let id = text(layout.id, "id")?;
    let sponsor = text(layout.sponsor, "sponsor")?;
    rows.push_member(at, id, sponsor)?;
    if let Some((placement, leg)) = layout.placement {
        let side = match cell(leg) {
            b"" => None,
            b"L" => Some(Side::Left),
            b"R" => Some(Side::Right),
            other if std::str::from_utf8(other).is_err() => return Err(not_utf8(at, "leg", other)),
            other => {
                return Err(NetworkError::MalformedLeg {
                    at,
                    id: id.to_owned(),
                    text: String::from_utf8_lossy(other).into_owned(),
                })
            }
        };
        rows.push_placement(at, text(placement, "placement")?, side)?;
    }
    for (col, field) in layout.columns.iter().enumerate() {
        if field.is_none() {
            rows.push_value(at, col, None)?;
        }
    }
    for &col in &layout.present {
        let Some(spec) = rows.schema().columns.get(col) else {
            continue;
        };
        let raw = cell(layout.columns.get(col).copied().flatten().unwrap_or(0));
        let bad =
            |make: fn(Location, String, String, String) -> NetworkError| match std::str::from_utf8(
                raw,
            ) {
                Ok(text) => make(at, id.to_owned(), spec.name.clone(), text.to_owned()),
                Err(_) => not_utf8(at, &spec.name, raw),
            };
        let value = match (spec.kind, raw) {
            (_, b"") => None,
            (ColumnKind::Decimal, _) => match parse_decimal(raw) {
                Ok(number) => Some(Value::Decimal(number)),
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
            (ColumnKind::Percent, _) => match parse_percent(raw, parse_decimal) {
                Ok(fraction) => Some(Value::Decimal(fraction)),
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
                Err(PercentError::Decimal(DecimalError::Malformed)) => {
                    return Err(bad(|at, id, column, text| NetworkError::MalformedDecimal {
                        at,
                        id,
                        column,
                        text,
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
            },
            (ColumnKind::Bool, b"true") => Some(Value::Bool(true)),
            (ColumnKind::Bool, b"false") => Some(Value::Bool(false)),
            (ColumnKind::Bool, _) => {
                return Err(bad(|at, id, column, text| NetworkError::MalformedBool {
                    at,
                    id,
                    column,
                    text,
                }))
            }
        };
        rows.push_value(at, col, value)?;
    }
    Ok(())
}

/// Drops a UTF-8 byte-order mark at the start of the input.
struct SkipBom<R> {
    inner: R,
    /// The first bytes, read ahead to look for a mark, and how many are left to hand out.
    head: [u8; 3],
    head_len: usize,
    head_pos: usize,
    started: bool,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> Self {
        SkipBom {
            inner,
            head: [0; 3],
            head_len: 0,
            head_pos: 0,
            started: false,
        }
    }
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.started {
            while self.head_len < self.head.len() {
                let Some(rest) = self.head.get_mut(self.head_len..) else {
                    break;
                };
                match self.inner.read(rest) {
                    Ok(0) => break,
                    Ok(n) => self.head_len += n,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(err) => return Err(err),
                }
            }
            self.started = true;
            if self.head_len == 3 && self.head == [0xEF, 0xBB, 0xBF] {
                self.head_pos = 3;
            }
        }
        if let Some(head) = self.head.get(self.head_pos..self.head_len) {
            if !head.is_empty() {
                let n = head.len().min(buf.len());
                if let (Some(to), Some(from)) = (buf.get_mut(..n), head.get(..n)) {
                    to.copy_from_slice(from);
                }
                self.head_pos += n;
                return Ok(n);
            }
        }
        self.inner.read(buf)
    }
}

/// Keeps the bytes handed to the CSV parser since the end of the previous
/// record, to find the line the next record starts on.
struct Recorder<R> {
    inner: R,
    window: Vec<u8>,
    /// Input offset of `window[0]`.
    window_start: u64,
    /// Whether the input has ended.
    exhausted: bool,
}

impl<R> Recorder<R> {
    fn new(inner: R) -> Self {
        Recorder {
            inner,
            window: Vec::new(),
            window_start: 0,
            exhausted: false,
        }
    }

    /// Drops kept bytes before `offset` (in bulk, so each byte is moved O(1) times).
    /// The quote left open by a record read from `start` to `end`, when it
    /// runs to the end of the input: its field and the line breaks before it.
    fn open_quote(&self, start: u64, end: u64) -> Option<(usize, u64)> {
        let kept_end = self.window_start + self.window.len() as u64;
        if !self.exhausted || end != kept_end {
            return None;
        }
        let skip = usize::try_from(start.checked_sub(self.window_start)?).ok()?;
        open_quote(self.window.get(skip..)?)
    }

    fn forget_before(&mut self, offset: u64) {
        let drop = usize::try_from(offset.saturating_sub(self.window_start))
            .unwrap_or(usize::MAX)
            .min(self.window.len());
        if drop > 0 && drop >= self.window.len() / 2 {
            self.window.drain(..drop);
            self.window_start += drop as u64;
        }
    }

    /// The line of the first byte of a record read from `offset`, where the
    /// reader was on line `line`: line breaks and blank lines come first.
    fn start_line(&self, offset: u64, line: u64) -> u64 {
        let skip = usize::try_from(offset.saturating_sub(self.window_start)).unwrap_or(usize::MAX);
        let newlines = self
            .window
            .get(skip..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        line + newlines as u64
    }
}

impl<R: Read> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.exhausted |= n == 0 && !buf.is_empty();
        self.window
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

/// The quote that a record (after the line breaks before it) leaves open at
/// the end of `bytes`: its field and the line breaks before it. A quote
/// opens a field only at the field's start; `""` inside quotes is a quote.
fn open_quote(bytes: &[u8]) -> Option<(usize, u64)> {
    let start = bytes.iter().position(|&b| b != b'\n' && b != b'\r')?;
    let (mut field, mut newlines, mut at_start, mut quoted) = (0, 0, true, false);
    let mut open = None;
    let mut i = start;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        if quoted {
            match b {
                b'"' if bytes.get(i) == Some(&b'"') => i += 1,
                b'"' => quoted = false,
                b'\n' => newlines += 1,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' if at_start => {
                quoted = true;
                open = Some((field, newlines));
            }
            b',' => {
                field += 1;
                at_start = true;
                continue;
            }
            b'\n' | b'\r' => return None,
            _ => {}
        }
        at_start = false;
    }
    open.filter(|_| quoted)
}

/// Placement parent and `[left, right]` children per row.
type Placement = (Vec<u32>, Vec<[u32; 2]>);

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
                    ColumnKind::Decimal | ColumnKind::Percent => Column::Decimal(Vec::new()),
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
        let fits = matches!(
            (spec.kind, value),
            (ColumnKind::Decimal | ColumnKind::Percent, Value::Decimal(_))
                | (ColumnKind::Bool, Value::Bool(_))
        );
        if !fits {
            return Err(NetworkError::WrongKind {
                at,
                id: self.current_id(),
                column: spec.name.clone(),
                expected: spec.kind,
            });
        }
        if let Value::Decimal(number) = value {
            let below = spec.min.filter(|min| number < *min);
            let above = spec.max.filter(|max| number > *max);
            let id = self.current_id();
            let column = spec.name.clone();
            match (spec.kind, below, above) {
                (_, None, None) => {}
                (ColumnKind::Percent, _, _) => {
                    return Err(NetworkError::PercentOutOfRange {
                        at,
                        id,
                        column,
                        value: number,
                        bound: match (below, above) {
                            (Some(min), _) => PercentBound::AtLeast(min),
                            (None, max) => PercentBound::AtMost(max.unwrap_or_default()),
                        },
                    })
                }
                (_, Some(min), _) => {
                    return Err(NetworkError::BelowMinimum {
                        at,
                        id,
                        column,
                        text: number.to_string(),
                        min,
                    })
                }
                (_, None, Some(max)) => {
                    return Err(NetworkError::AboveMaximum {
                        at,
                        id,
                        column,
                        text: number.to_string(),
                        max,
                    })
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

    /// Joins, then checks and flattens with the shared code.
    pub(crate) fn finish(self) -> Result<Network, NetworkError> {
        let n = self.ids.len();
        let (parent, placement) = self.resolve()?;
        let mut lines = LineIndex::default();
        for (row, &line) in self.lines.iter().flatten().enumerate() {
            lines.mark(row as u64, line);
        }
        let _ = n;
        Joined {
            schema: self.schema,
            ids: self.ids,
            table: self.table,
            parent,
            placement: placement.map(|(parent, child)| PlacementRows {
                parent,
                child,
                side: self.sides,
            }),
            matrix: None,
            columns: self.columns,
            locator: Locator::Lines(lines),
        }
        .finish(&mut Phases::new())
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
}
