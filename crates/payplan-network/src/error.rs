//! Errors of loading and building a network, with messages for people.

use std::fmt;
use std::path::PathBuf;

use rust_decimal::Decimal;

use crate::matrix::JoinedProblem;
use crate::{ColumnKind, Side};

/// Where a problem is: a line of a CSV file or an entry given to the builder.
///
/// Both are 1-based; the header of a CSV file is line 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// A line of a CSV file (1-based; a multi-line row is named by its first line).
    Line(u64),
    /// The n-th call of [`crate::NetworkBuilder::add`] (1-based).
    Entry(u64),
}

impl Location {
    /// The line or entry number.
    pub fn number(self) -> u64 {
        match self {
            Location::Line(n) | Location::Entry(n) => n,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Entry(n) => write!(f, "entry {n}"),
        }
    }
}

/// Why a network was refused: one variant per rule of the network file.
///
/// Messages start with the location (`line 5: ...` or `entry 5: ...`) where
/// there is one, so that the line number stands as a separate number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetworkError {
    /// The file does not exist.
    #[error("cannot open `{}`: no such file", path.display())]
    FileNotFound { path: PathBuf },

    /// The path names a directory or something else that is not a file.
    #[error("cannot read `{}`: it is a directory, not a file", path.display())]
    NotAFile { path: PathBuf },

    /// Reading failed (permissions, device errors, ...).
    #[error("{}cannot read {}: {reason}", at_prefix(*at), path_text(path.as_ref()))]
    Io {
        path: Option<PathBuf>,
        at: Option<Location>,
        reason: String,
    },

    /// The input has no header row.
    #[error("line 1: the file is empty, but it needs a header row")]
    EmptyInput,

    /// The header names a column twice.
    #[error("{at}: the header names column `{column}` twice")]
    DuplicateColumn { at: Location, column: String },

    /// A required column is missing from the header.
    #[error("{at}: the header has no column `{column}`, which is required")]
    MissingColumn { at: Location, column: String },

    /// A row has a different number of fields than the header.
    #[error("{at}: the row has {found} fields, but the header has {expected}")]
    FieldCount {
        at: Location,
        expected: u64,
        found: u64,
    },

    /// A cell that is not UTF-8 text; `bytes` are the cell's.
    #[error(
        "{at}: the cell in column `{column}` is not UTF-8 text: `{}`",
        shown_bytes(bytes)
    )]
    NotUtf8 {
        at: Location,
        column: String,
        bytes: Vec<u8>,
    },

    /// A quote that opens a cell and is never closed, so that the cell runs
    /// to the end of the file; `at` is the line of the quote, `field` its
    /// field (1-based), `column` the header's name for it (`None` in the
    /// header itself, or past the header's fields).
    #[error("{at}: the quote that opens {} is never closed", quoted_cell(column.as_deref(), *field))]
    UnclosedQuote {
        at: Location,
        column: Option<String>,
        field: u64,
    },

    /// The CSV data could not be parsed (other than a field count).
    #[error("{at}: malformed CSV: {reason}")]
    Csv { at: Location, reason: String },

    /// More members than a [`crate::MemberIx`] can number.
    #[error("{at}: too many members (at most {max})", max = crate::NONE - 1)]
    TooManyMembers { at: Location },

    /// A member with an empty id.
    #[error("{at}: the member id is empty")]
    EmptyId { at: Location },

    /// An id used a second time (the later row is named).
    #[error("{at}: duplicate id `{id}` (first used on {first})", id = shown(id))]
    DuplicateId {
        at: Location,
        id: String,
        first: Location,
    },

    /// A sponsor that names no member.
    #[error("{at}: sponsor `{sponsor}` of member `{id}` names no member", id = shown(id), sponsor = shown(sponsor))]
    UnknownSponsor {
        at: Location,
        id: String,
        sponsor: String,
    },

    /// A member who is its own sponsor.
    #[error("{at}: member `{id}` is its own sponsor", id = shown(id))]
    SelfSponsor { at: Location, id: String },

    /// A member on a cycle of sponsors; `cycle` starts at `id` and follows sponsors.
    #[error("{at}: member `{id}` is on a sponsor cycle: {}", cycle_text(cycle), id = shown(id))]
    SponsorCycle {
        at: Location,
        id: String,
        cycle: Vec<String>,
    },

    /// A decimal cell that is not `-?[0-9]+(\.[0-9]+)?`.
    #[error("{at}: `{text}` in column `{column}` of member `{id}` is not a decimal number", id = shown(id), text = shown(text))]
    MalformedDecimal {
        at: Location,
        id: String,
        column: String,
        text: String,
    },

    /// A well-formed decimal with more digits than fit.
    #[error("{at}: `{text}` in column `{column}` of member `{id}` has too many digits", id = shown(id), text = shown(text))]
    DecimalOutOfRange {
        at: Location,
        id: String,
        column: String,
        text: String,
    },

    /// A true/false cell other than `true`, `false` or empty.
    #[error("{at}: `{text}` in column `{column}` of member `{id}` is not `true` or `false`", id = shown(id), text = shown(text))]
    MalformedBool {
        at: Location,
        id: String,
        column: String,
        text: String,
    },

    /// An empty cell (or a missing value) in a column without a default.
    #[error("{at}: member `{id}` has no value in column `{column}`, which is required", id = shown(id))]
    MissingValue {
        at: Location,
        id: String,
        column: String,
    },

    /// A value below the column's minimum.
    #[error("{at}: `{text}` in column `{column}` of member `{id}` is below the minimum `{min}`", id = shown(id), text = shown(text))]
    BelowMinimum {
        at: Location,
        id: String,
        column: String,
        text: String,
        min: Decimal,
    },

    /// A value above the column's maximum (`at most`).
    #[error("{at}: `{text}` in column `{column}` of member `{id}` is above the maximum `{max}`", id = shown(id), text = shown(text))]
    AboveMaximum {
        at: Location,
        id: String,
        column: String,
        text: String,
        max: Decimal,
    },

    /// A number in a percent column written without `%` (`0.27`, `27`).
    #[error("{at}: `{text}` in column `{column}` of member `{id}` is a percentage written without `%`", id = shown(id), text = shown(text))]
    PercentWithoutSign {
        at: Location,
        id: String,
        column: String,
        text: String,
    },

    /// A percentage outside its column's range (0% to 100% unless the
    /// input says `at least` or `at most`).
    #[error("{at}: `{}` in column `{column}` of member `{id}` is {bound}", percent_text(*value), id = shown(id))]
    PercentOutOfRange {
        at: Location,
        id: String,
        column: String,
        /// The value as a fraction (`1.2` for `120%`).
        value: Decimal,
        /// The bound it passes.
        bound: PercentBound,
    },

    /// A builder value of the wrong kind for its column.
    #[error("{at}: column `{column}` of member `{id}` takes {}", kind_text(*expected), id = shown(id))]
    WrongKind {
        at: Location,
        id: String,
        column: String,
        expected: ColumnKind,
    },

    /// A builder record with a different number of values than the schema has columns.
    #[error("{at}: member `{id}` has {found} values, but the schema has {expected} columns", id = shown(id))]
    ValueCount {
        at: Location,
        id: String,
        expected: usize,
        found: usize,
    },

    /// A `leg` other than `L`, `R` or empty.
    #[error("{at}: `{text}` in column `leg` of member `{id}` is not `L`, `R` or empty", id = shown(id), text = shown(text))]
    MalformedLeg {
        at: Location,
        id: String,
        text: String,
    },

    /// A `leg` with an empty `placement`.
    #[error("{at}: member `{id}` has leg `{}` but no placement", leg.letter(), id = shown(id))]
    LegWithoutPlacement { at: Location, id: String, leg: Side },

    /// A `placement` with an empty `leg`.
    #[error("{at}: member `{id}` is placed under `{placement}` but has no leg", id = shown(id), placement = shown(placement))]
    PlacementWithoutLeg {
        at: Location,
        id: String,
        placement: String,
    },

    /// A placement that names no member.
    #[error("{at}: placement `{placement}` of member `{id}` names no member", id = shown(id), placement = shown(placement))]
    UnknownPlacement {
        at: Location,
        id: String,
        placement: String,
    },

    /// Two members on one side of a placement parent (the later row is named).
    #[error(
        "{at}: member `{id}` is placed on the {} of `{placement}`, where member `{other}` already is ({other_at})",
        side_word(*side), id = shown(id), placement = shown(placement), other = shown(other))]
    SameSide {
        at: Location,
        id: String,
        placement: String,
        side: Side,
        other: String,
        other_at: Location,
    },

    /// A member placed under itself.
    #[error("{at}: member `{id}` is placed under itself", id = shown(id))]
    SelfPlacement { at: Location, id: String },

    /// A member on a cycle of placements; `cycle` starts at `id` and follows placement parents.
    #[error("{at}: member `{id}` is on a placement cycle: {}", cycle_text(cycle), id = shown(id))]
    PlacementCycle {
        at: Location,
        id: String,
        cycle: Vec<String>,
    },

    /// A `joined` cell that is not a whole number from 1 to 2^63 - 1 (R9.0).
    #[error("{at}: `{text}` in column `joined` of member `{id}` {}", problem.text(), id = shown(id), text = shown(text))]
    MalformedJoined {
        at: Location,
        id: String,
        text: String,
        problem: JoinedProblem,
    },

    /// A member whose `joined` is not above its sponsor's (R9.3; the recruit's row).
    #[error("{at}: member `{id}` joined at {joined}, not after its sponsor `{sponsor}` (joined at {sponsor_joined}, {sponsor_at})", id = shown(id), sponsor = shown(sponsor))]
    JoinedNotAfterSponsor {
        at: Location,
        id: String,
        joined: u64,
        sponsor: String,
        sponsor_joined: u64,
        sponsor_at: Location,
    },

    /// A matrix parent (read from the file) that names no member.
    #[error("{at}: matrix parent `{parent}` of member `{id}` names no member", id = shown(id), parent = shown(parent))]
    UnknownMatrixParent {
        at: Location,
        id: String,
        parent: String,
    },

    /// A matrix position (read from the file) that is not a whole number
    /// from 1 to the width, or is given without a parent, or missing with one.
    #[error("{at}: matrix position `{text}` of member `{id}` is not a position from 1 to {width}{}", if *has_parent { "" } else { " under a parent" }, id = shown(id), text = shown(text))]
    BadMatrixPosition {
        at: Location,
        id: String,
        text: String,
        width: u8,
        /// Whether the row names a matrix parent.
        has_parent: bool,
    },

    /// Two members in one position of a matrix parent (the later row is named).
    #[error("{at}: member `{id}` is in position {position} under `{parent}`, where member `{other}` already is ({other_at})", id = shown(id), parent = shown(parent), other = shown(other))]
    MatrixPositionTaken {
        at: Location,
        id: String,
        parent: String,
        position: u8,
        other: String,
        other_at: Location,
    },

    /// A member whose matrix parents (read from the file) never reach a root.
    #[error("{at}: member `{id}` is on a matrix cycle or below one", id = shown(id))]
    MatrixCycle { at: Location, id: String },

    /// The schema itself is unusable (a host error, not a file error).
    #[error("schema column `{column}` {problem}")]
    BadSchema {
        column: String,
        problem: &'static str,
    },
}

impl NetworkError {
    /// The line or entry the problem is on, where there is one.
    pub fn location(&self) -> Option<Location> {
        use NetworkError as E;
        match self {
            E::FileNotFound { .. } | E::NotAFile { .. } | E::BadSchema { .. } => None,
            E::Io { at, .. } => *at,
            E::EmptyInput => Some(Location::Line(1)),
            E::DuplicateColumn { at, .. }
            | E::MissingColumn { at, .. }
            | E::FieldCount { at, .. }
            | E::NotUtf8 { at, .. }
            | E::UnclosedQuote { at, .. }
            | E::Csv { at, .. }
            | E::TooManyMembers { at }
            | E::EmptyId { at }
            | E::DuplicateId { at, .. }
            | E::UnknownSponsor { at, .. }
            | E::SelfSponsor { at, .. }
            | E::SponsorCycle { at, .. }
            | E::MalformedDecimal { at, .. }
            | E::DecimalOutOfRange { at, .. }
            | E::MalformedBool { at, .. }
            | E::MissingValue { at, .. }
            | E::BelowMinimum { at, .. }
            | E::AboveMaximum { at, .. }
            | E::PercentWithoutSign { at, .. }
            | E::PercentOutOfRange { at, .. }
            | E::WrongKind { at, .. }
            | E::ValueCount { at, .. }
            | E::MalformedLeg { at, .. }
            | E::LegWithoutPlacement { at, .. }
            | E::PlacementWithoutLeg { at, .. }
            | E::UnknownPlacement { at, .. }
            | E::SameSide { at, .. }
            | E::SelfPlacement { at, .. }
            | E::PlacementCycle { at, .. }
            | E::MalformedJoined { at, .. }
            | E::JoinedNotAfterSponsor { at, .. }
            | E::UnknownMatrixParent { at, .. }
            | E::BadMatrixPosition { at, .. }
            | E::MatrixPositionTaken { at, .. }
            | E::MatrixCycle { at, .. } => Some(*at),
        }
    }

    /// The id of the member the problem is about, where there is one.
    pub fn member(&self) -> Option<&str> {
        use NetworkError as E;
        match self {
            E::DuplicateId { id, .. }
            | E::UnknownSponsor { id, .. }
            | E::SelfSponsor { id, .. }
            | E::SponsorCycle { id, .. }
            | E::MalformedDecimal { id, .. }
            | E::DecimalOutOfRange { id, .. }
            | E::MalformedBool { id, .. }
            | E::MissingValue { id, .. }
            | E::BelowMinimum { id, .. }
            | E::AboveMaximum { id, .. }
            | E::PercentWithoutSign { id, .. }
            | E::PercentOutOfRange { id, .. }
            | E::WrongKind { id, .. }
            | E::ValueCount { id, .. }
            | E::MalformedLeg { id, .. }
            | E::LegWithoutPlacement { id, .. }
            | E::PlacementWithoutLeg { id, .. }
            | E::UnknownPlacement { id, .. }
            | E::SameSide { id, .. }
            | E::SelfPlacement { id, .. }
            | E::PlacementCycle { id, .. }
            | E::MalformedJoined { id, .. }
            | E::JoinedNotAfterSponsor { id, .. }
            | E::UnknownMatrixParent { id, .. }
            | E::BadMatrixPosition { id, .. }
            | E::MatrixPositionTaken { id, .. }
            | E::MatrixCycle { id, .. } => Some(id),
            _ => None,
        }
    }

    /// A hint on how to fix the problem, for a `help:` line under the message.
    pub fn help(&self) -> Option<String> {
        use NetworkError as E;
        let text = match self {
            E::PercentWithoutSign { text, .. } => {
                return Some(match percent_meant(text) {
                    Some(meant) => format!("write percentages with `%`: `{meant}` for `{}`", shown(text)),
                    None => "write percentages with `%`, as in `27%`".to_owned(),
                });
            }
            E::PercentOutOfRange {
                column,
                value,
                bound,
                ..
            } => {
                let option = match bound {
                    PercentBound::AtLeast(_) => "at least",
                    PercentBound::AtMost(_) => "at most",
                };
                return Some(format!(
                    "check the value, or let the plan's input `{}` allow it with `{option} {}`",
                    shown(column),
                    percent_text(*value)
                ));
            }
            E::MalformedDecimal { .. } => {
                "write decimals as `12.5`: digits, an optional fraction after a point, no exponent or thousands separator"
            }
            E::DecimalOutOfRange { .. } => "a decimal holds at most 28 significant digits",
            E::MalformedBool { .. } => "write `true` or `false`, or leave the cell empty for the default",
            E::MalformedLeg { .. } => {
                "write `L` or `R` (upper case), or leave both `placement` and `leg` empty for a root of the placement tree"
            }
            E::LegWithoutPlacement { .. } => {
                "name the placement parent in column `placement`, or leave `leg` empty"
            }
            E::PlacementWithoutLeg { .. } => "write `L` or `R` in column `leg`",
            E::SameSide { .. } => "a placement parent has at most one member on each side",
            E::UnknownSponsor { .. } => {
                "leave `sponsor` empty for a member at the top of the network"
            }
            E::UnknownPlacement { .. } => {
                "leave `placement` and `leg` empty for a root of the placement tree"
            }
            E::SelfSponsor { .. } | E::SponsorCycle { .. } => {
                "every chain of sponsors must end at a member with an empty `sponsor`"
            }
            E::SelfPlacement { .. } | E::PlacementCycle { .. } => {
                "every chain of placements must end at a member with an empty `placement`"
            }
            E::MalformedJoined { .. } => {
                "write `joined` as a whole number from 1 up, digits only: a day number, a date as `20240105`, a sequence number"
            }
            E::JoinedNotAfterSponsor { .. } => {
                "a member joins after its sponsor: give it a larger `joined` than its sponsor's"
            }
            E::UnknownMatrixParent { .. } => {
                "leave the matrix parent and position empty for a root of the matrix"
            }
            E::BadMatrixPosition { .. } => {
                "give a matrix parent and a position together, or leave both empty for a root of the matrix"
            }
            E::MatrixPositionTaken { .. } => "each position under a matrix parent holds one member",
            E::MatrixCycle { .. } => {
                "every chain of matrix parents must end at a member with an empty matrix parent"
            }
            E::MissingColumn { .. } => "column names are case-sensitive",
            E::FieldCount { .. } => "quote cells that contain a comma, as in `\"1,5\"`",
            E::UnclosedQuote { .. } => {
                "end the quoted cell with `\"`; a `\"` inside a quoted cell is written `\"\"`"
            }
            E::NotUtf8 { .. } => "save the file as UTF-8 text",
            E::MissingValue { .. } => "this column has no default, so every member needs a value",
            _ => return None,
        };
        Some(text.to_owned())
    }
}

/// "the cell in column `note`", or "field 7" when the field has no name.
fn quoted_cell(column: Option<&str>, field: u64) -> String {
    match column {
        Some(column) => format!("the cell in column `{}`", shown(column)),
        None => format!("field {field}"),
    }
}

/// How many characters of a cell, an id or a name a message shows.
const SHOWN_CHARS: usize = 40;

/// A cell's text as messages show it: cut after [`SHOWN_CHARS`] characters
/// (with `…`), control characters escaped (`\0`, `\u{1b}`).
pub(crate) fn shown(text: &str) -> String {
    shown_bytes(text.as_bytes())
}

/// Like [`shown`], for bytes that may not be UTF-8: the bytes that are not
/// are shown as `\xff`.
pub(crate) fn shown_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut count = 0;
    for chunk in bytes.utf8_chunks() {
        let invalid = chunk.invalid().iter().map(|b| format!("\\x{b:02x}"));
        let valid = chunk.valid().chars().map(escape_char);
        for piece in valid.chain(invalid) {
            if count == SHOWN_CHARS {
                out.push('…');
                return out;
            }
            out.push_str(&piece);
            count += 1;
        }
    }
    out
}

fn escape_char(c: char) -> String {
    match c {
        '\0' => "\\0".to_owned(),
        c if c.is_control() => format!("\\u{{{:x}}}", u32::from(c)),
        c => c.to_string(),
    }
}

fn at_prefix(at: Option<Location>) -> String {
    at.map(|at| format!("{at}: ")).unwrap_or_default()
}

fn path_text(path: Option<&PathBuf>) -> String {
    match path {
        Some(path) => format!("`{}`", path.display()),
        None => "the input".to_owned(),
    }
}

fn kind_text(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Decimal => "a decimal number",
        ColumnKind::Bool => "`true` or `false`",
        ColumnKind::Percent => "a percentage as a fraction (`0.27` for `27%`)",
    }
}

/// A fraction as a percentage: `0.275` is `27.5%`.
pub(crate) fn percent_text(fraction: Decimal) -> String {
    match fraction.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", p.normalize()),
        None => format!("{fraction} (as a fraction)"),
    }
}

/// The bound of a percent column a value passes: its `at least` (0% unless
/// the input says otherwise) or its `at most` (100% unless it says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PercentBound {
    AtLeast(Decimal),
    AtMost(Decimal),
}

impl fmt::Display for PercentBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PercentBound::AtLeast(min) => {
                write!(
                    f,
                    "below the smallest percentage allowed, `{}`",
                    percent_text(*min)
                )
            }
            PercentBound::AtMost(max) => {
                write!(
                    f,
                    "above the largest percentage allowed, `{}`",
                    percent_text(*max)
                )
            }
        }
    }
}

/// The `%` spelling of a bare number a percent cell holds: `27` is `27%`,
/// and a fraction such as `0.27` is `27%` too.
fn percent_meant(text: &str) -> Option<String> {
    let number: Decimal = text.parse().ok()?;
    if number.abs() > Decimal::ONE || number.is_zero() {
        Some(format!("{}%", number.normalize()))
    } else {
        Some(percent_text(number))
    }
}

fn side_word(side: Side) -> &'static str {
    match side {
        Side::Left => "left",
        Side::Right => "right",
    }
}

/// `F -> H -> G -> F`, shortened in the middle for long cycles.
fn cycle_text(cycle: &[String]) -> String {
    const SHOWN: usize = 10;
    let Some(first) = cycle.first() else {
        return String::new();
    };
    let mut out = String::new();
    if cycle.len() <= SHOWN + 2 {
        for id in cycle {
            out.push_str(&shown(id));
            out.push_str(" -> ");
        }
        out.push_str(&shown(first));
    } else {
        for id in cycle.iter().take(SHOWN / 2) {
            out.push_str(&shown(id));
            out.push_str(" -> ");
        }
        out.push_str("... -> ");
        for id in cycle.iter().skip(cycle.len() - SHOWN / 2) {
            out.push_str(&shown(id));
            out.push_str(" -> ");
        }
        out.push_str(&shown(first));
        out.push_str(&format!(" ({} members)", cycle.len()));
    }
    out
}

/// A reason text for an I/O error: lowercase, without the OS error number.
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = match text.find(" (os error") {
        Some(cut) => text.get(..cut).unwrap_or(&text).to_owned(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => "unknown error".to_owned(),
    }
}
