//! The plan's own text, quoted back in messages, labels and explanations.

use payplan_syntax::Span;

/// The source a plan was parsed from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a>(pub &'a str);

impl Source<'_> {
    /// The text at `span`, whitespace collapsed, never shortened: a label
    /// or a clause that explanations show.
    pub fn full(self, span: Span) -> String {
        let t = self.0.get(span.start..span.end).unwrap_or("");
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The text at `span`, whitespace collapsed and cut to 60 characters:
    /// what a message quotes.
    pub fn quote(self, span: Span) -> String {
        let t = self.full(span);
        if t.chars().count() > 60 {
            format!("{}...", t.chars().take(57).collect::<String>())
        } else {
            t
        }
    }
}
