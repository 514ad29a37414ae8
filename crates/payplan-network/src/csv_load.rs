//! Loading a network from CSV (spec section 1, "The network file").
//!
//! The `csv` crate reports as a record's position the place where the
//! previous record ended, which is before any line break and blank lines
//! between them. To name the line a row starts on, the input passes through
//! [`Recorder`], which keeps the bytes since the previous record so that the
//! line breaks before the new one can be counted.

use std::io::{self, Read};
use std::path::Path;

use csv::{ByteRecord, ErrorKind};

use crate::build::{check_schema, Rows};
use crate::decimal::{parse_decimal, DecimalError};
use crate::error::{io_reason, NetworkError};
use crate::{ColumnKind, Location, Network, Schema, Side, Value};

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
    let Some(header_line) = read_record(&mut csv, &mut record)? else {
        return Err(NetworkError::EmptyInput);
    };
    let layout = Layout::new(&record, schema, Location::Line(header_line))?;
    let mut rows = Rows::new(schema, true)?;
    while let Some(line) = read_record(&mut csv, &mut record)? {
        push_row(&mut rows, &layout, &record, Location::Line(line))?;
    }
    rows.finish()
}

/// Reads the next record; returns the line it starts on, `None` at the end.
fn read_record<R: Read>(
    csv: &mut csv::Reader<Recorder<R>>,
    record: &mut ByteRecord,
) -> Result<Option<u64>, NetworkError> {
    let before = csv.position().clone();
    csv.get_mut().forget_before(before.byte());
    let result = csv.read_byte_record(record);
    let line = csv.get_ref().start_line(before.byte(), before.line());
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
        std::str::from_utf8(cell(field)).map_err(|_| NetworkError::NotUtf8 {
            at,
            column: column.to_owned(),
        })
    };
    let id = text(layout.id, "id")?;
    let sponsor = text(layout.sponsor, "sponsor")?;
    rows.push_member(at, id, sponsor)?;
    if let Some((placement, leg)) = layout.placement {
        let side = match cell(leg) {
            b"" => None,
            b"L" => Some(Side::Left),
            b"R" => Some(Side::Right),
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
        let bad = |make: fn(Location, String, String, String) -> NetworkError| {
            make(
                at,
                id.to_owned(),
                spec.name.clone(),
                String::from_utf8_lossy(raw).into_owned(),
            )
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
}

impl<R> Recorder<R> {
    fn new(inner: R) -> Self {
        Recorder {
            inner,
            window: Vec::new(),
            window_start: 0,
        }
    }

    /// Drops kept bytes before `offset` (in bulk, so each byte is moved O(1) times).
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
        self.window
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}
