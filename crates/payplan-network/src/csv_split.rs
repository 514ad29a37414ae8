//! Splitting CSV bytes into records and fields, the way the `csv` crate
//! does with its default settings (RFC 4180 with its usual leniency):
//!
//! - a record ends at `\n`, `\r` or `\r\n` (or the end of the input), outside
//!   quotes; line breaks between records (blank lines) are skipped;
//! - a field that starts with `"` is quoted: it runs to the next lone `"`,
//!   and `""` inside it stands for one `"`; bytes after the closing quote up
//!   to the next comma or line break belong to the field; a quoted field left
//!   open runs to the end of the input (and the cursor says where it opened);
//! - a `"` anywhere else is an ordinary byte;
//! - line numbers count `\n` bytes, including those inside quoted fields.
//!
//! Quoted fields are unquoted in place, so that every field is a range of
//! the (modified) input. The input is split into chunks at line breaks
//! outside quotes, to be read in parallel.

use memchr::memchr;
use rayon::prelude::*;

/// A field: a byte range of the chunk it was read from.
pub(crate) type Field = (usize, usize);

/// Reads records one after another from a buffer.
pub(crate) struct Cursor {
    /// Where the next record (or the blank lines before it) starts.
    pub(crate) pos: usize,
    /// The line `pos` is on.
    pub(crate) line: u64,
    /// Whether the last record read ended at the end of the input rather than at a line break.
    pub(crate) at_eof: bool,
    /// The quote the last record read left open, if it did.
    pub(crate) unclosed: Option<OpenQuote>,
}

/// A quote that opens a field and is never closed: the field runs to the
/// end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpenQuote {
    /// The field it opens (0-based).
    pub(crate) field: usize,
    /// The line it is on.
    pub(crate) line: u64,
}

/// How a record ended: where the next one starts, the line breaks read,
/// whether the input ended, and the quote left open (its field and the line
/// breaks before it).
type RecordEnd = (usize, u64, bool, Option<(usize, u64)>);

impl Cursor {
    pub(crate) fn new(line: u64) -> Self {
        Cursor {
            pos: 0,
            line,
            at_eof: false,
            unclosed: None,
        }
    }

    /// Reads the next record's fields; returns the line it starts on, `None` at the end.
    #[inline]
    pub(crate) fn next_record(&mut self, buf: &mut [u8], fields: &mut Vec<Field>) -> Option<u64> {
        loop {
            match buf.get(self.pos) {
                None => return None,
                Some(b'\n') => {
                    self.line += 1;
                    self.pos += 1;
                }
                Some(b'\r') => self.pos += 1,
                Some(_) => break,
            }
        }
        let line = self.line;
        fields.clear();
        let (next, newlines, at_eof, open) = match plain_record(buf, self.pos, fields) {
            Some((next, newlines, at_eof)) => (next, newlines, at_eof, None),
            None => quoted_record(buf, self.pos, fields),
        };
        self.pos = next;
        self.line += newlines;
        self.at_eof = at_eof;
        self.unclosed = open.map(|(field, before)| OpenQuote {
            field,
            line: line + before,
        });
        Some(line)
    }
}

/// Reads a record without quotes: `None` at the first `"`. Returns where the
/// next record starts, the line breaks read and whether the input ended.
#[inline]
fn plain_record(buf: &[u8], start: usize, fields: &mut Vec<Field>) -> Option<(usize, u64, bool)> {
    let rest = buf.get(start..)?;
    let mut field_start = start;
    for (i, &b) in rest.iter().enumerate() {
        // Everything special sorts at or below the comma.
        if b > b',' {
            continue;
        }
        let at = start + i;
        match b {
            b',' => {
                fields.push((field_start, at));
                field_start = at + 1;
            }
            b'\n' => {
                fields.push((field_start, at));
                return Some((at + 1, 1, false));
            }
            b'\r' => {
                fields.push((field_start, at));
                return Some(if buf.get(at + 1) == Some(&b'\n') {
                    (at + 2, 1, false)
                } else {
                    (at + 1, 0, false)
                });
            }
            b'"' => return None,
            _ => {}
        }
    }
    fields.push((field_start, buf.len()));
    Some((buf.len(), 0, true))
}

/// Reads any record, unquoting fields in place: the bytes of field `k` are
/// moved down to follow those of field `k - 1`.
fn quoted_record(buf: &mut [u8], start: usize, fields: &mut Vec<Field>) -> RecordEnd {
    #[derive(PartialEq)]
    enum State {
        StartField,
        InField,
        InQuotes,
        /// A `"` inside quotes: the end of the quotes, or the first of `""`.
        Quote,
    }
    fields.clear();
    let mut read = start;
    let mut write = start;
    let mut field_start = start;
    let mut newlines = 0;
    let mut state = State::StartField;
    // The line breaks before the quote that opened the current field.
    let mut quote_newlines = 0;
    loop {
        let Some(&b) = buf.get(read) else {
            let open = (state == State::InQuotes).then_some((fields.len(), quote_newlines));
            fields.push((field_start, write));
            return (read, newlines, true, open);
        };
        read += 1;
        let keep = match state {
            State::InQuotes => {
                if b == b'"' {
                    state = State::Quote;
                    false
                } else {
                    newlines += u64::from(b == b'\n');
                    true
                }
            }
            State::StartField if b == b'"' => {
                state = State::InQuotes;
                quote_newlines = newlines;
                false
            }
            State::Quote if b == b'"' => {
                state = State::InQuotes;
                true
            }
            State::StartField | State::InField | State::Quote => match b {
                b',' => {
                    fields.push((field_start, write));
                    field_start = write;
                    state = State::StartField;
                    false
                }
                b'\n' => {
                    fields.push((field_start, write));
                    return (read, newlines + 1, false, None);
                }
                b'\r' => {
                    fields.push((field_start, write));
                    return if buf.get(read) == Some(&b'\n') {
                        (read + 1, newlines + 1, false, None)
                    } else {
                        (read, newlines, false, None)
                    };
                }
                _ => {
                    state = State::InField;
                    true
                }
            },
        };
        if keep {
            if let Some(slot) = buf.get_mut(write) {
                *slot = b;
            }
            write += 1;
        }
    }
}

/// One chunk of the rows: where it starts in the data and how many line breaks it holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) newlines: u64,
}

impl Chunk {
    /// At most how many records the chunk holds, unless records end at a lone `\r`.
    pub(crate) fn capacity(&self, data: &[u8]) -> usize {
        let ends_with_newline = self
            .end
            .checked_sub(1)
            .and_then(|last| data.get(last))
            .is_some_and(|&b| b == b'\n');
        let open_end = usize::from(!ends_with_newline && self.end > self.start);
        usize::try_from(self.newlines)
            .unwrap_or(usize::MAX)
            .saturating_add(open_end)
    }
}

/// Splits `data` (which starts at a record) into chunks of about `target`
/// bytes, each starting at a record.
pub(crate) fn plan_chunks(data: &[u8], target: usize) -> Vec<Chunk> {
    let target = target.max(1);
    let count = data.len().div_ceil(target).max(1);
    let mut starts = vec![0];
    for i in 1..count {
        let from = data.len() / count * i;
        let Some(at) = data.get(from..).and_then(|rest| memchr(b'\n', rest)) else {
            break;
        };
        let next = from + at + 1;
        if next < data.len() && starts.last().is_some_and(|&last| next > last) {
            starts.push(next);
        }
    }
    let mut chunks = count_chunks(data, &starts);
    if chunks.iter().any(|(_, quoted)| *quoted) {
        let spans = multiline_quotes(data);
        if !spans.is_empty() {
            starts.retain(|&start| start == 0 || !inside(&spans, start - 1));
            chunks = count_chunks(data, &starts);
        }
    }
    chunks.into_iter().map(|(chunk, _)| chunk).collect()
}

/// The chunks starting at `starts`, with their line breaks counted and
/// whether they hold a `"`.
fn count_chunks(data: &[u8], starts: &[usize]) -> Vec<(Chunk, bool)> {
    let bounds: Vec<(usize, usize)> = starts
        .iter()
        .enumerate()
        .map(|(i, &start)| (start, starts.get(i + 1).copied().unwrap_or(data.len())))
        .collect();
    bounds
        .into_par_iter()
        .map(|(start, end)| {
            let bytes = data.get(start..end).unwrap_or_default();
            let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
            let quoted = memchr(b'"', bytes).is_some();
            (
                Chunk {
                    start,
                    end,
                    newlines,
                },
                quoted,
            )
        })
        .collect()
}

/// Whether byte `at` is strictly inside one of `spans` (sorted, disjoint).
fn inside(spans: &[(usize, usize)], at: usize) -> bool {
    let after = spans.partition_point(|&(open, _)| open < at);
    after
        .checked_sub(1)
        .and_then(|i| spans.get(i))
        .is_some_and(|&(_, close)| at < close)
}

/// The quoted fields that hold a line break, as `(opening quote, closing
/// quote or end of data)`, in order. `data` starts at a record.
///
/// Only quotes matter: outside quotes a `"` opens a quoted field exactly
/// when it starts a field (after a comma, a line break or at the start).
pub(crate) fn multiline_quotes(data: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut pos = 0;
    while let Some(at) = data.get(pos..).and_then(|rest| memchr(b'"', rest)) {
        let open = pos + at;
        let starts_field = match open.checked_sub(1).and_then(|before| data.get(before)) {
            None => true,
            Some(&b) => matches!(b, b',' | b'\n' | b'\r'),
        };
        if !starts_field {
            pos = open + 1;
            continue;
        }
        let mut from = open + 1;
        let close = loop {
            match data.get(from..).and_then(|rest| memchr(b'"', rest)) {
                None => break data.len(),
                Some(at) if data.get(from + at + 1) == Some(&b'"') => from += at + 2,
                Some(at) => break from + at,
            }
        };
        if data
            .get(open..close)
            .is_some_and(|inner| memchr(b'\n', inner).is_some())
        {
            spans.push((open, close));
        }
        pos = close + 1;
    }
    spans
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    /// Records as (line, fields) with the `csv` crate's reading of `text`.
    fn by_csv(text: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        let mut prev_end = 0usize;
        while reader.read_byte_record(&mut record).unwrap() {
            // The line a record starts on: after the line breaks that follow the previous one.
            let skipped = text[prev_end..]
                .iter()
                .take_while(|&&b| b == b'\n' || b == b'\r')
                .filter(|&&b| b == b'\n')
                .count();
            let line = 1 + text[..prev_end].iter().filter(|&&b| b == b'\n').count() + skipped;
            out.push((line as u64, record.iter().map(<[u8]>::to_vec).collect()));
            prev_end = reader.position().byte() as usize;
        }
        out
    }

    fn by_cursor(text: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
        let mut buf = text.to_vec();
        let mut cursor = Cursor::new(1);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = cursor.next_record(&mut buf, &mut fields) {
            out.push((
                line,
                fields.iter().map(|&(a, b)| buf[a..b].to_vec()).collect(),
            ));
        }
        out
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    fn random_text(rng: &mut Rng, len: usize) -> Vec<u8> {
        const ALPHABET: &[u8] = b"ab,,\"\"\r\n\n";
        (0..len)
            .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize])
            .collect()
    }

    #[test]
    fn records_match_the_csv_crate() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        for case in 0..20_000 {
            let text = random_text(&mut rng, (case % 40) + 1);
            assert_eq!(
                by_cursor(&text),
                by_csv(&text),
                "{:?}",
                String::from_utf8_lossy(&text)
            );
        }
        for text in [
            &b"a,b\r\nc,d"[..],
            b"\"a\"\"b\",\"c\nd\"\n",
            b"\"ab\"cd,e\n",
            b"ab\"cd\",e\n",
            b"\"open,field\nto the end",
            b"a,b,\n,\n",
            b"\r\r\n\na\rb\r",
        ] {
            assert_eq!(
                by_cursor(text),
                by_csv(text),
                "{:?}",
                String::from_utf8_lossy(text)
            );
        }
    }

    /// The quote each record leaves open, as (record line, field, quote line).
    fn unclosed(text: &[u8]) -> Vec<(u64, usize, u64)> {
        let mut buf = text.to_vec();
        let mut cursor = Cursor::new(1);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while let Some(line) = cursor.next_record(&mut buf, &mut fields) {
            if let Some(open) = cursor.unclosed {
                assert_eq!(open.field + 1, fields.len());
                out.push((line, open.field, open.line));
            }
        }
        out
    }

    #[test]
    fn a_quote_left_open_is_found_where_it_opened() {
        assert_eq!(unclosed(b"a,\"b,c"), vec![(1, 1, 1)]);
        assert_eq!(unclosed(b"x\n\na,\"b\nc,d\n"), vec![(3, 1, 3)]);
        assert_eq!(unclosed(b"a,\"b\nc\",\"d\ne,f"), vec![(1, 2, 2)]);
        assert_eq!(unclosed(b"a,\"b\"\"\n"), vec![(1, 1, 1)]);
        for closed in [&b"a,\"b\"\n"[..], b"a,\"b\"\"\"", b"a,b\"c\n", b"\"a\"b\"c"] {
            assert_eq!(
                unclosed(closed),
                vec![],
                "{:?}",
                String::from_utf8_lossy(closed)
            );
        }
    }

    #[test]
    fn chunks_start_at_records() {
        let mut rng = Rng(0xfeed_beef_1234_5678);
        for case in 0..3_000 {
            let text = random_text(&mut rng, (case % 200) + 1);
            let whole = by_cursor(&text);
            for target in [1, 2, 3, 7, 16] {
                let chunks = plan_chunks(&text, target);
                assert_eq!(chunks.first().unwrap().start, 0);
                assert_eq!(chunks.last().unwrap().end, text.len());
                let mut joined = Vec::new();
                let mut line = 1;
                for chunk in &chunks {
                    let part = &text[chunk.start..chunk.end];
                    let newlines = part.iter().filter(|&&b| b == b'\n').count() as u64;
                    assert_eq!(chunk.newlines, newlines);
                    let records = by_cursor(part);
                    assert!(records.len() <= chunk.capacity(&text) || part.contains(&b'\r'));
                    joined.extend(
                        records
                            .into_iter()
                            .map(|(l, fields)| (l - 1 + line, fields)),
                    );
                    line += newlines;
                }
                assert_eq!(
                    joined,
                    whole,
                    "{:?} {target}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
    }
}
