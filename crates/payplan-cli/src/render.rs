//! Rendering diagnostics and error reports for people, with codespan-reporting.

use codespan_reporting::diagnostic::{Diagnostic as Report, Label, Severity as ReportSeverity};
use codespan_reporting::files::{Files, SimpleFiles};
use codespan_reporting::term::termcolor::Buffer;
use codespan_reporting::term::{self, Chars, Config, Styles, StylesWriter};
use payplan::{Diagnostic, Severity, Span};

use std::ops::Range;

use crate::excerpt::Excerpt;

fn config() -> Config {
    Config {
        chars: Chars::ascii(),
        ..Config::default()
    }
}

/// Renders a plan's diagnostics the way `payplan check` prints them: for
/// each one `error: message` (or `warning: ...`), the file, line and column,
/// the source line with the span underlined and labelled, the secondary
/// labels, and a `= help: ...` line.
///
/// `color` adds ANSI colors; pass `false` when the output is not a terminal
/// or `NO_COLOR` is set. Diagnostics whose spans do not fit `source` are
/// still rendered, as a plain `error: file:line:column: message` line.
pub fn render_diagnostics(
    file_name: &str,
    source: &str,
    diagnostics: &[Diagnostic],
    color: bool,
) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let spans: Vec<Range<usize>> = std::iter::once(diagnostic.span)
            .chain(diagnostic.secondary.iter().map(|(span, _)| *span))
            .map(|span| clamp(span, source))
            .collect();
        let anchors: Vec<usize> = spans.iter().map(|r| r.start).collect();
        let excerpt = Excerpt::new(file_name, source, &anchors);
        let ranges: Vec<Range<usize>> = spans.into_iter().map(|r| excerpt.range(r)).collect();
        let report = report(diagnostic, &ranges);
        match emit(&excerpt, &report, color) {
            Some(text) => out.push_str(&text),
            None => {
                let (line, column) = diagnostic.span.line_col(source);
                out.push_str(&format!(
                    "{}: {file_name}:{line}:{column}: {}\n",
                    severity_word(diagnostic.severity),
                    diagnostic.message
                ));
                if let Some(help) = &diagnostic.help {
                    out.push_str(&format!("  = help: {help}\n"));
                }
            }
        }
    }
    out
}

/// The report of a diagnostic whose primary and secondary spans are, in
/// order, `ranges` of the rendered source.
fn report(diagnostic: &Diagnostic, ranges: &[Range<usize>]) -> Report<()> {
    let mut ranges = ranges.iter().cloned();
    let mut labels =
        vec![Label::primary((), ranges.next().unwrap_or_default()).with_message(&diagnostic.label)];
    labels.extend(
        diagnostic
            .secondary
            .iter()
            .zip(ranges)
            .map(|((_, note), range)| Label::secondary((), range).with_message(note)),
    );
    Report::new(severity(diagnostic.severity))
        .with_message(&diagnostic.message)
        .with_labels(labels)
        .with_notes(help_notes(diagnostic.help.as_deref()))
}

/// Renders an error that has no place in a plan's source (a refused
/// network, a missing file): `error: message` and a `= help: ...` line.
pub(crate) fn render_error(message: &str, help: Option<&str>, color: bool) -> String {
    let files: SimpleFiles<&str, &str> = SimpleFiles::new();
    let report = Report::error()
        .with_message(message)
        .with_notes(help_notes(help));
    emit(&files, &report, color).unwrap_or_else(|| {
        let mut text = format!("error: {message}\n");
        if let Some(help) = help {
            text.push_str(&format!("  = help: {help}\n"));
        }
        text
    })
}

fn emit<'f, F: Files<'f>>(files: &'f F, report: &Report<F::FileId>, color: bool) -> Option<String> {
    let config = config();
    if color {
        let styles = Styles::default();
        let mut buffer = Buffer::ansi();
        let mut writer = StylesWriter::new(&mut buffer, &styles);
        term::emit_to_write_style(&mut writer, &config, files, report).ok()?;
        String::from_utf8(buffer.into_inner()).ok()
    } else {
        let mut text = String::new();
        term::emit_to_string(&mut text, &config, files, report).ok()?;
        Some(text)
    }
}

fn help_notes(help: Option<&str>) -> Vec<String> {
    help.map(|h| format!("help: {h}")).into_iter().collect()
}

fn severity(severity: Severity) -> ReportSeverity {
    match severity {
        Severity::Error => ReportSeverity::Error,
        Severity::Warning => ReportSeverity::Warning,
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The span as a byte range inside `source`, on character boundaries.
fn clamp(span: Span, source: &str) -> Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start);
    let end = floor(span.end.max(span.start));
    start..end
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn renders_message_location_label_and_help() {
        let source = "plan \"x\"\nlet a = b\n";
        let d = Diagnostic::error("unknown name `b`", Span::new(17, 18))
            .with_label("not defined")
            .with_secondary(Span::new(13, 14), "in this definition")
            .with_help(Some("declare it".into()));
        let text = render_diagnostics("x.plan", source, &[d], false);
        assert!(text.starts_with("error: unknown name `b`\n"), "{text}");
        assert!(text.contains("x.plan:2:9"), "{text}");
        assert!(text.contains("let a = b"), "{text}");
        assert!(text.contains("^ not defined"), "{text}");
        assert!(text.contains("in this definition"), "{text}");
        assert!(text.contains("= help: declare it"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn colors_only_when_asked() {
        let d = Diagnostic::warning("`a` is never used", Span::new(0, 1));
        assert!(
            render_diagnostics("x.plan", "a", std::slice::from_ref(&d), true).contains('\u{1b}')
        );
        assert!(!render_diagnostics("x.plan", "a", &[d], false).contains('\u{1b}'));
    }

    #[test]
    fn spans_outside_the_source_do_not_break_rendering() {
        let d = Diagnostic::error("odd", Span::new(50, 70));
        let text = render_diagnostics("x.plan", "é", &[d], false);
        assert!(text.contains("error: odd"), "{text}");
        let d = Diagnostic::error("odd", Span::new(1, 2));
        let text = render_diagnostics("x.plan", "é", &[d], false);
        assert!(text.contains("error: odd"), "{text}");
    }

    #[test]
    fn a_megabyte_line_is_shown_as_a_window_with_its_real_column() {
        let source = format!("let a = {}\0 + b\n", "x".repeat(1 << 20));
        let at = source.find('\0').unwrap();
        let d = Diagnostic::error("odd", Span::new(at, at + 1)).with_label("here");
        let text = render_diagnostics("x.plan", &source, &[d], false);
        assert!(text.len() < 1000, "{} bytes", text.len());
        assert!(text.contains(&format!("x.plan:1:{}", at + 1)), "{text}");
        assert!(text.contains("…xxxx"), "{text}");
        assert!(text.contains("\\0 + b"), "{text}");
        assert!(!text.contains('\0'), "{text}");
    }

    #[test]
    fn plain_errors_have_a_help_line() {
        let text = render_error("line 5: bad", Some("fix it"), false);
        assert_eq!(text, "error: line 5: bad\n = help: fix it\n\n");
    }
}
