//! The author's text as messages show it: short, and with nothing that a
//! terminal would act on or that a reader could not see.

/// How many characters of the author's text a message shows.
pub const ECHO_CHARS: usize = 40;

/// `text` in backticks, as [`shown`] gives it.
pub fn code(text: &str) -> String {
    format!("`{}`", shown(text))
}

/// `text` cut after [`ECHO_CHARS`] characters (with `…`), and its control and
/// invisible characters escaped (`\0`, `\u{7}`).
pub fn shown(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(4 * ECHO_CHARS));
    for (i, c) in text.chars().enumerate() {
        if i == ECHO_CHARS {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// Appends `c`, escaped when [`needs_escape`] says so.
pub fn push_escaped(out: &mut String, c: char) {
    if !needs_escape(c) {
        out.push(c);
        return;
    }
    match c {
        '\0' => out.push_str("\\0"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        '\n' => out.push_str("\\n"),
        _ => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
    }
}

/// Whether `c` would act on a terminal or not be seen: control characters,
/// the marks that reorder text, and the characters without width or ink.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{a0}'
                | '\u{ad}'
                | '\u{2000}'..='\u{200f}'
                | '\u{2028}'..='\u{202f}'
                | '\u{205f}'..='\u{206f}'
                | '\u{3000}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut() {
        let long = "a".repeat(1_000_000);
        let text = code(&long);
        assert_eq!(text, format!("`{}…`", "a".repeat(ECHO_CHARS)));
        assert_eq!(
            code(&"b".repeat(ECHO_CHARS)),
            format!("`{}`", "b".repeat(ECHO_CHARS))
        );
    }

    #[test]
    fn control_and_invisible_characters_are_escaped() {
        assert_eq!(shown("a\0b"), "a\\0b");
        assert_eq!(shown("\u{7}\u{1b}[31m"), "\\u{7}\\u{1b}[31m");
        assert_eq!(shown("x\u{202e}y\u{200b}"), "x\\u{202e}y\\u{200b}");
        assert_eq!(shown("\t\r\n"), "\\t\\r\\n");
        assert_eq!(shown("café"), "café");
    }
}
