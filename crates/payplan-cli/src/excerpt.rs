//! A plan's source as a diagnostic shows it: a long line cut to a window
//! around the place the diagnostic is about (with `…` where it was cut), and
//! control and invisible characters escaped (`\0`, `\u{7}`), so that neither
//! a 1 MB line nor a stray escape sequence reaches the terminal. Line and
//! column numbers stay those of the real source.

use std::borrow::Cow;
use std::ops::Range;

use codespan_reporting::files::{Error, Files, Location, SimpleFile};
use payplan::Span;

/// The most characters of a line shown.
const WIDTH: usize = 100;
/// How many characters a window shows before the place it is about, unless
/// it starts at the start of the line.
const BEFORE: usize = 40;
/// How many characters a window shows at least after the place it is about.
const AFTER: usize = 20;
const ELLIPSIS: &str = "…";

/// The source as rendered, with the map back to the real one.
pub(crate) struct Excerpt<'s> {
    name: &'s str,
    source: &'s str,
    /// The text rendered: the source with the changed lines replaced.
    file: SimpleFile<&'s str, Cow<'s, str>>,
    /// The changed lines, in order.
    cuts: Vec<Cut>,
}

/// A line that is shown otherwise than written.
struct Cut {
    /// The line's text in the source, without its line break.
    line: Range<usize>,
    /// The part of the line shown.
    shown: Range<usize>,
    /// Where the line starts in the rendered text, and how long it is there.
    text_start: usize,
    text_len: usize,
}

impl<'s> Excerpt<'s> {
    /// The source with each changed line windowed around the first of
    /// `anchors` on it (byte offsets, the primary label's first).
    pub(crate) fn new(name: &'s str, source: &'s str, anchors: &[usize]) -> Self {
        let mut cuts = Vec::new();
        let mut text = String::new();
        let mut copied = 0;
        for line in lines(source).filter(|l| changed(source, l)) {
            text.push_str(source.get(copied..line.start).unwrap_or(""));
            let anchor = anchors
                .iter()
                .copied()
                .find(|a| line.contains(a) || *a == line.end);
            let shown = window(source, &line, anchor.unwrap_or(line.start));
            let text_start = text.len();
            push_shown(&mut text, source, &line, &shown);
            cuts.push(Cut {
                line: line.clone(),
                shown,
                text_start,
                text_len: text.len() - text_start,
            });
            copied = line.end;
        }
        let text = if cuts.is_empty() {
            Cow::Borrowed(source)
        } else {
            text.push_str(source.get(copied..).unwrap_or(""));
            Cow::Owned(text)
        };
        Excerpt {
            name,
            source,
            file: SimpleFile::new(name, text),
            cuts,
        }
    }

    /// Where the source's byte `offset` is in the rendered text.
    pub(crate) fn map(&self, offset: usize) -> usize {
        let after = self.cuts.partition_point(|c| c.line.end < offset);
        let Some(cut) = self.cuts.get(after).filter(|c| c.line.start <= offset) else {
            return shifted(offset, self.cuts.get(..after).unwrap_or_default());
        };
        let lead = if cut.shown.start > cut.line.start {
            ELLIPSIS.len()
        } else {
            0
        };
        let at = offset.clamp(cut.shown.start, cut.shown.end);
        let mut shown = String::new();
        push_escaped(
            &mut shown,
            self.source.get(cut.shown.start..at).unwrap_or(""),
        );
        cut.text_start + lead + shown.len()
    }

    /// A span of the source as a range of the rendered text.
    pub(crate) fn range(&self, span: Range<usize>) -> Range<usize> {
        let start = self.map(span.start);
        start..self.map(span.end).max(start)
    }

    /// Where the rendered text's byte `offset` is in the source, for a
    /// position that [`Excerpt::map`] gave.
    fn origin(&self, offset: usize) -> usize {
        let after = self
            .cuts
            .partition_point(|c| c.text_start + c.text_len < offset);
        match self.cuts.get(after).filter(|c| c.text_start <= offset) {
            Some(cut) => (cut.shown.start..=cut.line.end)
                .filter(|&o| self.source.is_char_boundary(o))
                .find(|&o| self.map(o) >= offset)
                .unwrap_or(cut.line.end),
            None => {
                let before = self.cuts.get(..after).unwrap_or_default();
                let grown: usize = before.iter().map(|c| c.text_len).sum();
                let shrunk: usize = before.iter().map(|c| c.line.len()).sum();
                (offset + shrunk).saturating_sub(grown)
            }
        }
    }
}

impl<'a> Files<'a> for Excerpt<'_> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, Error> {
        Ok(self.file.source().as_ref())
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, Error> {
        self.file.line_index((), byte_index)
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, Error> {
        self.file.line_range((), line_index)
    }

    /// The line and column in the real source.
    fn location(&'a self, (): (), byte_index: usize) -> Result<Location, Error> {
        let offset = self.origin(byte_index);
        let (line_number, column_number) = Span::new(offset, offset).line_col(self.source);
        Ok(Location {
            line_number,
            column_number,
        })
    }
}

/// `offset` in a part of the source after `cuts`, in the rendered text.
fn shifted(offset: usize, cuts: &[Cut]) -> usize {
    let grown: usize = cuts.iter().map(|c| c.text_len).sum();
    let shrunk: usize = cuts.iter().map(|c| c.line.len()).sum();
    (offset + grown).saturating_sub(shrunk)
}

/// The lines of `source`, without their line breaks (`\n` or `\r\n`).
fn lines(source: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start > source.len() {
            return None;
        }
        let rest = source.get(start..).unwrap_or("");
        let end = rest.find('\n').map_or(source.len(), |i| start + i);
        let line = start..end;
        start = end + 1;
        let text = source.get(line.clone()).unwrap_or("");
        Some(line.start..line.start + text.strip_suffix('\r').unwrap_or(text).len())
    })
}

/// Whether a line is shown otherwise than written.
fn changed(source: &str, line: &Range<usize>) -> bool {
    let text = source.get(line.clone()).unwrap_or("");
    (text.len() > WIDTH && text.chars().nth(WIDTH).is_some())
        || text
            .chars()
            .any(|c| c != '\t' && payplan_syntax::echo::needs_escape(c))
}

/// The part of `line` shown: all of it when it is short, else [`WIDTH`]
/// characters: from the line's start when `anchor` is near it, else from
/// [`BEFORE`] characters before `anchor`.
fn window(source: &str, line: &Range<usize>, anchor: usize) -> Range<usize> {
    let text = source.get(line.clone()).unwrap_or("");
    let starts: Vec<usize> = text.char_indices().map(|(i, _)| line.start + i).collect();
    if starts.len() <= WIDTH {
        return line.clone();
    }
    let at = starts.partition_point(|&s| s < anchor);
    let first = if at + AFTER <= WIDTH {
        0
    } else {
        at.saturating_sub(BEFORE)
            .min(starts.len().saturating_sub(WIDTH))
    };
    let start = starts.get(first).copied().unwrap_or(line.start);
    let end = starts.get(first + WIDTH).copied().unwrap_or(line.end);
    start..end
}

/// Appends the shown part of a line, with `…` on the sides cut.
fn push_shown(text: &mut String, source: &str, line: &Range<usize>, shown: &Range<usize>) {
    if shown.start > line.start {
        text.push_str(ELLIPSIS);
    }
    push_escaped(text, source.get(shown.clone()).unwrap_or(""));
    if shown.end < line.end {
        text.push_str(ELLIPSIS);
    }
}

/// Appends a source line's text, control and invisible characters escaped
/// as in messages (`payplan_syntax::echo`); a tab is kept, for alignment.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if c == '\t' {
            out.push(c);
        } else {
            payplan_syntax::echo::push_escaped(out, c);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn text<'a>(excerpt: &'a Excerpt<'_>) -> &'a str {
        excerpt.file.source().as_ref()
    }

    #[test]
    fn short_clean_sources_are_shown_as_they_are() {
        let source = "plan \"x\"\nlet a = b\n";
        let excerpt = Excerpt::new("x.plan", source, &[13]);
        assert_eq!(text(&excerpt), source);
        assert_eq!(excerpt.map(13), 13);
        assert_eq!(excerpt.location((), 13).unwrap().column_number, 5);
    }

    #[test]
    fn a_long_line_is_cut_around_the_anchor() {
        let long = format!(
            "let a = {}b{}\nlet c = d\n",
            "x".repeat(500_000),
            "y".repeat(500_000)
        );
        let anchor = 8 + 500_000;
        let excerpt = Excerpt::new("x.plan", &long, &[anchor]);
        let shown = text(&excerpt);
        let first = shown.lines().next().unwrap();
        assert!(first.starts_with('…') && first.ends_with('…'), "{first}");
        assert_eq!(first.chars().count(), WIDTH + 2);
        assert!(shown.ends_with("\nlet c = d\n"));
        let at = excerpt.map(anchor);
        assert_eq!(&shown[at..at + 1], "b");
        let location = excerpt.location((), at).unwrap();
        assert_eq!(
            (location.line_number, location.column_number),
            (1, anchor + 1)
        );
        // A place on the next line keeps its line and column.
        let next = long.find("let c").unwrap() + 4;
        let at = excerpt.map(next);
        assert_eq!(&shown[at..at + 1], "c");
        let location = excerpt.location((), at).unwrap();
        assert_eq!((location.line_number, location.column_number), (2, 5));
    }

    #[test]
    fn control_characters_are_escaped() {
        let source = "let a = b\0\u{7}c\u{1b}[2J\n";
        let excerpt = Excerpt::new("x.plan", source, &[11]);
        assert_eq!(text(&excerpt), "let a = b\\0\\u{7}c\\u{1b}[2J\n");
        let at = excerpt.map(11);
        assert_eq!(&text(&excerpt)[at..at + 1], "c");
        assert_eq!(excerpt.location((), at).unwrap().column_number, 12);
    }
}
